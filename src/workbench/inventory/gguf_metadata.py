"""Reading a GGUF file's metadata with the `gguf` package, and refusing broken files clearly.

`GGUFReader` memory-maps the file and, on a broken one, raises whatever numpy raises
(IndexError, ValueError about dtypes or reshapes, ...). Everything here turns those into an
:class:`InvalidModelFileError` that names the file and the problem.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InvalidModelFileError

GGUF_MAGIC = b"GGUF"
HEADER_BYTES = 24  # magic, version, tensor count, metadata count
#: Arrays longer than this (token lists, merges) are summarised in the metadata, not copied.
MAX_ARRAY_ITEMS = 64


@dataclass(frozen=True)
class GgufMetadata:
    """What the inventory records about a GGUF file."""

    path: Path
    size_bytes: int
    gguf_version: int
    architecture: str | None
    parameter_count: int
    file_type: str | None
    context_length: int | None
    vocab_size: int | None
    has_chat_template: bool
    license: str | None
    model_name: str | None
    tensor_count: int
    fields: dict[str, Any] = field(default_factory=dict)


def read_gguf_metadata(path: Path) -> GgufMetadata:
    """Read and validate ``path``; raise InvalidModelFileError for anything that is not a
    complete, readable GGUF file.

    Results are remembered per path, size and mtime: `GGUFReader` parses every token of the
    vocabulary in Python (about 2 s for a 49k vocabulary), and the same file is read again when
    a second store registers it or a dialog re-inspects it.
    """
    path = Path(path)
    _check_header(path)
    stat = path.stat()
    return _read_cached(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _read_cached(path: Path, size: int, mtime_ns: int) -> GgufMetadata:
    try:
        from gguf import GGUFReader

        reader = GGUFReader(path, "r")
        fields = {name: _field_value(f) for name, f in reader.fields.items()}
        tensors = list(reader.tensors)
        parameter_count = int(sum(int(t.n_elements) for t in tensors))
        data_end = max((int(t.data_offset) + int(t.n_bytes) for t in tensors), default=0)
        file_type = _file_type_name(fields.get("general.file_type"), tensors)
    except InvalidModelFileError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError, struct.error) as exc:
        raise InvalidModelFileError(
            f"{path}: the GGUF header or tensor table is corrupt or the file is truncated "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    except OSError as exc:
        raise InvalidModelFileError(f"{path}: cannot read the file ({exc}).") from exc
    size = path.stat().st_size
    if data_end > size:
        raise InvalidModelFileError(
            f"{path}: the file is truncated: its tensors need {data_end:,} bytes but it has "
            f"{size:,}."
        )
    architecture = _as_str(fields.get("general.architecture"))
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    vocab_size = len(tokens.data) if tokens is not None else None
    if vocab_size is None and architecture:
        vocab_size = _as_int(fields.get(f"{architecture}.vocab_size"))
    return GgufMetadata(
        path=path,
        size_bytes=size,
        gguf_version=int(_as_int(fields.get("GGUF.version")) or 0),
        architecture=architecture,
        parameter_count=parameter_count,
        file_type=file_type,
        context_length=_as_int(fields.get(f"{architecture}.context_length")),
        vocab_size=vocab_size,
        has_chat_template=bool(fields.get("tokenizer.chat_template")),
        license=_as_str(fields.get("general.license")),
        model_name=_as_str(fields.get("general.name")),
        tensor_count=len(tensors),
        fields={k: v for k, v in fields.items() if not k.startswith("GGUF.")},
    )


def _check_header(path: Path) -> None:
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(HEADER_BYTES)
    except FileNotFoundError as exc:
        raise InvalidModelFileError(f"{path}: no such file.") from exc
    except IsADirectoryError as exc:
        raise InvalidModelFileError(f"{path}: is a directory, not a GGUF file.") from exc
    except OSError as exc:
        raise InvalidModelFileError(f"{path}: cannot read the file ({exc}).") from exc
    if size == 0:
        raise InvalidModelFileError(f"{path}: the file is empty, not a GGUF model.")
    if head[:4] != GGUF_MAGIC:
        raise InvalidModelFileError(
            f"{path}: not a GGUF file (it starts with {head[:4]!r}, a GGUF file starts with "
            f"b'GGUF'). Convert the model to GGUF with llama.cpp's convert_hf_to_gguf.py."
        )
    if len(head) < HEADER_BYTES:
        raise InvalidModelFileError(
            f"{path}: the file is truncated ({size} bytes; even the GGUF header needs "
            f"{HEADER_BYTES})."
        )
    (version,) = struct.unpack_from("<I", head, 4)
    if version not in (2, 3):
        raise InvalidModelFileError(
            f"{path}: unsupported GGUF version {version} (this workbench reads versions 2 and 3)."
        )


def _field_value(reader_field: Any) -> Any:
    from gguf import GGUFValueType

    types = reader_field.types
    if not types:
        return None
    if types[0] == GGUFValueType.ARRAY:
        count = len(reader_field.data)
        if count > MAX_ARRAY_ITEMS:
            return f"[array of {count} items]"
        if types[-1] == GGUFValueType.STRING:
            return [_decode(reader_field.parts[i]) for i in reader_field.data]
        return [reader_field.parts[i].tolist()[0] for i in reader_field.data]
    part = reader_field.parts[reader_field.data[0]]
    if types[0] == GGUFValueType.STRING:
        return _decode(part)
    return part.tolist()[0]


def _decode(part: Any) -> str:
    return bytes(part).decode("utf-8", errors="replace")


def _file_type_name(value: Any, tensors: list[Any]) -> str | None:
    import gguf

    if isinstance(value, int):
        try:
            return str(gguf.LlamaFileType(value).name).removeprefix("MOSTLY_")
        except ValueError:
            return f"unknown ({value})"
    # No general.file_type: name the quantization most of the weights use.
    counts: dict[str, int] = {}
    for tensor in tensors:
        kind = gguf.GGMLQuantizationType(int(tensor.tensor_type)).name
        counts[kind] = counts.get(kind, 0) + int(tensor.n_elements)
    return max(counts, key=lambda k: counts[k]) if counts else None


def _as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
