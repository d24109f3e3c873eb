"""Rows of prompts, their versions, labels and label moves.

Plain SQL over the tables of migration ``m002_prompts``; :mod:`workbench.prompts.service` wraps
these in transactions together with their audit entries. Versions and label moves are
append-only (triggers refuse UPDATE and DELETE), so there is no function to change them.
"""

from __future__ import annotations

from typing import Any

from workbench.store.database import Store

VERSION_COLUMNS = (
    "prompt_id",
    "version",
    "kind",
    "content",
    "content_hash",
    "message",
    "author",
    "created_at",
    "recorded_at",
)

_PROMPT_SUMMARY = """
    SELECT p.id, p.name, p.description, p.created_at, p.created_by,
           COALESCE(MAX(v.version), 0) AS latest_version,
           COALESCE(MAX(v.recorded_at), p.created_at) AS updated_at
    FROM prompts p LEFT JOIN prompt_versions v ON v.prompt_id = p.id
"""


def insert_prompt_row(
    store: Store, *, name: str, description: str, created_at: str, created_by: str
) -> int:
    """Insert a prompt (without versions); return its id."""
    cursor = store.execute(
        "INSERT INTO prompts (name, description, created_at, created_by) VALUES (?, ?, ?, ?)",
        (name, description, created_at, created_by),
    )
    return int(cursor.lastrowid or 0)


def get_prompt_row(store: Store, name: str) -> dict[str, Any] | None:
    """The prompt named ``name`` with ``latest_version`` and ``updated_at``, or None."""
    rows = store.query(_PROMPT_SUMMARY + " WHERE p.name = ? GROUP BY p.id", (name,))
    return rows[0] if rows else None


def list_prompt_rows(store: Store) -> list[dict[str, Any]]:
    """Every prompt with ``latest_version`` and ``updated_at``, by name."""
    return store.query(_PROMPT_SUMMARY + " GROUP BY p.id ORDER BY p.name COLLATE NOCASE")


def prompt_names(store: Store) -> list[str]:
    """The names of every prompt, sorted."""
    return [row["name"] for row in store.query("SELECT name FROM prompts ORDER BY name")]


def insert_version_row(store: Store, row: dict[str, Any]) -> int:
    """Insert one version (keys: :data:`VERSION_COLUMNS`); return its row id."""
    columns = ", ".join(VERSION_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in VERSION_COLUMNS)
    cursor = store.execute(f"INSERT INTO prompt_versions ({columns}) VALUES ({placeholders})", row)
    return int(cursor.lastrowid or 0)


def get_version_row(store: Store, prompt_id: int, version: int) -> dict[str, Any] | None:
    """Version ``version`` of the prompt, or None."""
    rows = store.query(
        "SELECT * FROM prompt_versions WHERE prompt_id = ? AND version = ?", (prompt_id, version)
    )
    return rows[0] if rows else None


def latest_version_row(store: Store, prompt_id: int) -> dict[str, Any] | None:
    """The newest version of the prompt, or None when it has none."""
    rows = store.query(
        "SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC LIMIT 1",
        (prompt_id,),
    )
    return rows[0] if rows else None


def list_version_rows(store: Store, prompt_id: int) -> list[dict[str, Any]]:
    """Every version of the prompt, oldest first."""
    return store.query(
        "SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version", (prompt_id,)
    )


def label_rows(store: Store, prompt_id: int) -> list[dict[str, Any]]:
    """Where each label of the prompt points, by label."""
    return store.query(
        "SELECT label, version, updated_at, updated_by FROM prompt_labels "
        "WHERE prompt_id = ? ORDER BY label",
        (prompt_id,),
    )


def set_label_row(
    store: Store, prompt_id: int, label: str, version: int, *, time: str, actor: str
) -> None:
    """Point ``label`` at ``version`` (creating the label when needed)."""
    store.execute(
        "INSERT INTO prompt_labels (prompt_id, label, version, updated_at, updated_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(prompt_id, label) DO UPDATE SET "
        "version = excluded.version, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by",
        (prompt_id, label, version, time, actor),
    )


def delete_label_row(store: Store, prompt_id: int, label: str) -> bool:
    """Remove ``label``; False when there was none."""
    cursor = store.execute(
        "DELETE FROM prompt_labels WHERE prompt_id = ? AND label = ?", (prompt_id, label)
    )
    return cursor.rowcount > 0


def insert_label_move_row(
    store: Store,
    prompt_id: int,
    label: str,
    from_version: int | None,
    to_version: int | None,
    *,
    time: str,
    actor: str,
) -> int:
    """Record one label move; return its id."""
    cursor = store.execute(
        "INSERT INTO prompt_label_moves (prompt_id, label, from_version, to_version, actor, time) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (prompt_id, label, from_version, to_version, actor, time),
    )
    return int(cursor.lastrowid or 0)


def label_move_rows(store: Store, prompt_id: int, label: str | None = None) -> list[dict[str, Any]]:
    """The moves of the prompt's labels (or of one label), oldest first."""
    sql = "SELECT * FROM prompt_label_moves WHERE prompt_id = ?"
    params: list[Any] = [prompt_id]
    if label is not None:
        sql += " AND label = ?"
        params.append(label)
    return store.query(sql + " ORDER BY id", params)
