"""Row-level SQL that several repositories share: insert named columns, update allowed fields.

Table and column names come from the repositories' own constants, never from user input, so
building the SQL text from them is safe; the values always travel as parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from workbench.store.database import Store


def insert_row(store: Store, table: str, columns: tuple[str, ...], row: Mapping[str, Any]) -> int:
    """Insert ``row``'s values for ``columns`` into ``table``; return the new row id."""
    names = ", ".join(columns)
    placeholders = ", ".join(f":{c}" for c in columns)
    cursor = store.execute(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", row)
    return int(cursor.lastrowid or 0)


def update_row(
    store: Store, table: str, row_id: int, fields: Mapping[str, Any], allowed: Collection[str]
) -> None:
    """Set ``fields`` of row ``row_id`` in ``table``; a field outside ``allowed`` is refused
    (ValueError) before anything is written, so immutable columns stay immutable."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"not updatable {table} fields: {', '.join(sorted(unknown))}")
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    store.execute(f"UPDATE {table} SET {assignments} WHERE id = :id", {**fields, "id": row_id})
