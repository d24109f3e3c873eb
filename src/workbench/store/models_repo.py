"""Rows of the model inventory and the file hash cache."""

from __future__ import annotations

from typing import Any

from workbench.store.database import Store

MODEL_COLUMNS = (
    "name",
    "path",
    "sha256",
    "size_bytes",
    "architecture",
    "parameter_count",
    "file_type",
    "context_length",
    "vocab_size",
    "has_chat_template",
    "license",
    "model_name",
    "metadata",
    "added_at",
)


def insert_model_row(store: Store, row: dict[str, Any]) -> int:
    """Insert one inventory row (keys: :data:`MODEL_COLUMNS`); return its id."""
    columns = ", ".join(MODEL_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in MODEL_COLUMNS)
    cursor = store.execute(f"INSERT INTO models ({columns}) VALUES ({placeholders})", row)
    return int(cursor.lastrowid or 0)


def delete_model_row(store: Store, name: str) -> bool:
    """Delete the row named ``name``; False when there was none."""
    return store.execute("DELETE FROM models WHERE name = ?", (name,)).rowcount > 0


def get_model_row(store: Store, name: str) -> dict[str, Any] | None:
    """The row named ``name``, or None."""
    rows = store.query("SELECT * FROM models WHERE name = ?", (name,))
    return rows[0] if rows else None


def list_model_rows(store: Store) -> list[dict[str, Any]]:
    """Every inventory row, by name."""
    return store.query("SELECT * FROM models ORDER BY name COLLATE NOCASE")


def find_model_rows_by_path(store: Store, path: str) -> list[dict[str, Any]]:
    """Inventory rows registered for ``path``."""
    return store.query("SELECT * FROM models WHERE path = ?", (path,))


def cached_file_hash(store: Store, path: str, size_bytes: int, mtime_ns: int) -> str | None:
    """The SHA-256 cached for this path, size and mtime, or None."""
    row = store.execute(
        "SELECT sha256 FROM file_hashes WHERE path = ? AND size_bytes = ? AND mtime_ns = ?",
        (path, size_bytes, mtime_ns),
    ).fetchone()
    return str(row[0]) if row else None


def cache_file_hash(store: Store, path: str, size_bytes: int, mtime_ns: int, sha256: str) -> None:
    """Remember the SHA-256 of a file at this size and mtime."""
    with store.transaction():
        store.execute(
            "INSERT INTO file_hashes (path, size_bytes, mtime_ns, sha256) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET size_bytes = excluded.size_bytes, "
            "mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256",
            (path, size_bytes, mtime_ns, sha256),
        )
