"""Registering, listing and removing models; every change audited in its own transaction."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import AlreadyExistsError, NotFoundError, WorkbenchError
from workbench.inventory.gguf_metadata import GgufMetadata, read_gguf_metadata
from workbench.inventory.hashing import ProgressCallback, hash_file
from workbench.store import Store
from workbench.store.audit import append_entry
from workbench.store.models_repo import (
    delete_model_row,
    get_model_row,
    insert_model_row,
    list_model_rows,
)

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class ModelRecord:
    """A registered model."""

    id: int
    name: str
    path: str
    sha256: str
    size_bytes: int
    architecture: str | None
    parameter_count: int | None
    file_type: str | None
    context_length: int | None
    vocab_size: int | None
    has_chat_template: bool
    license: str | None
    model_name: str | None
    metadata: dict[str, Any]
    added_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModelRecord:
        """Build from a store row."""
        data = dict(row)
        data["has_chat_template"] = bool(data["has_chat_template"])
        data["metadata"] = json.loads(data["metadata"])
        return cls(**data)

    def to_dict(self, *, with_metadata: bool = True) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        if not with_metadata:
            data.pop("metadata")
        data["file_exists"] = Path(self.path).is_file()
        return data


def slugify_model_name(text: str) -> str:
    """A model name made from free text: lower case, runs of other characters become '-'."""
    slug = re.sub(r"[^a-z0-9._]+", "-", text.lower()).strip("-.")
    return slug[:100] or "model"


def validate_model_name(name: str) -> str:
    """Return ``name`` if it is usable as a model name, else raise a WorkbenchError."""
    if not _NAME_PATTERN.match(name):
        raise WorkbenchError(
            f"Invalid model name {name!r}: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def add_model(
    store: Store,
    path: Path,
    *,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    metadata: GgufMetadata | None = None,
) -> ModelRecord:
    """Validate, hash and register a GGUF file; nothing is recorded if any step fails."""
    path = Path(path).expanduser().resolve()
    meta = metadata or read_gguf_metadata(path)
    chosen = validate_model_name(name or slugify_model_name(meta.model_name or path.stem))
    if get_model_row(store, chosen) is not None:
        raise AlreadyExistsError(
            f"A model named {chosen!r} is already registered; choose another name (--name)."
        )
    sha256 = hash_file(path, store=store, progress=progress)
    row = {
        "name": chosen,
        "path": str(path),
        "sha256": sha256,
        "size_bytes": meta.size_bytes,
        "architecture": meta.architecture,
        "parameter_count": meta.parameter_count,
        "file_type": meta.file_type,
        "context_length": meta.context_length,
        "vocab_size": meta.vocab_size,
        "has_chat_template": int(meta.has_chat_template),
        "license": meta.license,
        "model_name": meta.model_name,
        "metadata": json.dumps(meta.fields, ensure_ascii=False, default=str),
        "added_at": datetime.now(UTC).isoformat(),
    }
    with store.transaction():
        row["id"] = insert_model_row(store, row)
        append_entry(
            store,
            "model.added",
            chosen,
            {
                "path": str(path),
                "sha256": sha256,
                "size_bytes": meta.size_bytes,
                "architecture": meta.architecture,
                "file_type": meta.file_type,
            },
        )
    return ModelRecord.from_row(row)


def get_model(store: Store, name: str) -> ModelRecord:
    """The model registered as ``name``; NotFoundError names the known ones otherwise."""
    row = get_model_row(store, name)
    if row is None:
        known = ", ".join(r["name"] for r in list_model_rows(store)) or "none"
        raise NotFoundError(f"No model named {name!r} (registered: {known}).")
    return ModelRecord.from_row(row)


def list_models(store: Store) -> list[ModelRecord]:
    """Every registered model, by name."""
    return [ModelRecord.from_row(row) for row in list_model_rows(store)]


def remove_model(store: Store, name: str) -> ModelRecord:
    """Unregister ``name`` (the file is left alone); return what was removed."""
    with store.transaction():
        record = get_model(store, name)
        delete_model_row(store, name)
        append_entry(store, "model.removed", name, {"path": record.path, "sha256": record.sha256})
    return record
