"""Reading GGUF metadata from the real demo model, and refusing broken files by name."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from workbench.errors import InvalidModelFileError
from workbench.inventory import read_gguf_metadata


def test_demo_model_metadata_is_read(demo_model_path: Path) -> None:
    meta = read_gguf_metadata(demo_model_path)

    assert meta.architecture == "llama"
    assert 130_000_000 < meta.parameter_count < 140_000_000
    assert meta.file_type == "Q4_1"
    assert meta.context_length == 8192
    assert meta.vocab_size == 49152
    assert meta.has_chat_template
    assert meta.license == "apache-2.0"
    assert meta.size_bytes == demo_model_path.stat().st_size
    assert meta.fields["tokenizer.ggml.tokens"] == "[array of 49152 items]"
    assert "<|im_start|>" in meta.fields["tokenizer.chat_template"]


def _write_prefix(source: Path, target: Path, n_bytes: int) -> Path:
    with open(source, "rb") as handle:
        target.write_bytes(handle.read(n_bytes))
    return target


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (10, "truncated"),
        (4096, "corrupt or the file is truncated"),
        (2_000_000, "truncated"),
        (60_000_000, "truncated"),
    ],
)
def test_truncated_gguf_is_refused_naming_the_file(
    demo_model_path: Path, tmp_path: Path, cut: int, reason: str
) -> None:
    broken = _write_prefix(demo_model_path, tmp_path / f"cut-{cut}.gguf", cut)

    with pytest.raises(InvalidModelFileError, match=reason) as caught:
        read_gguf_metadata(broken)

    assert str(broken) in str(caught.value)


def test_file_with_wrong_magic_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGML" + bytes(100))

    with pytest.raises(InvalidModelFileError, match="not a GGUF file") as caught:
        read_gguf_metadata(path)

    assert str(path) in str(caught.value)


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(bytes(range(256)) * 64)

    with pytest.raises(InvalidModelFileError, match="not a GGUF file"):
        read_gguf_metadata(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")

    with pytest.raises(InvalidModelFileError, match="empty"):
        read_gguf_metadata(path)


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelFileError, match="no such file"):
        read_gguf_metadata(tmp_path / "absent.gguf")
    with pytest.raises(InvalidModelFileError, match="directory"):
        read_gguf_metadata(tmp_path)


def test_corrupt_header_counts_are_refused(demo_model_path: Path, tmp_path: Path) -> None:
    # Claim far more metadata entries than the header holds.
    data = bytearray(demo_model_path.read_bytes()[:1_000_000])
    struct.pack_into("<Q", data, 16, 2**40)
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(bytes(data))

    with pytest.raises(InvalidModelFileError, match="corrupt") as caught:
        read_gguf_metadata(path)

    assert str(path) in str(caught.value)


def test_unsupported_gguf_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v9.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 9, 0, 0))

    with pytest.raises(InvalidModelFileError, match="unsupported GGUF version 9"):
        read_gguf_metadata(path)
