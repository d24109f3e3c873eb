"""Key-value settings (JSON values), each change audited in the same transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from workbench.store.audit import append_entry
from workbench.store.database import Store


def get_setting(store: Store, key: str, default: Any = None) -> Any:
    """The value stored under ``key``, or ``default``."""
    row = store.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def all_settings(store: Store) -> dict[str, Any]:
    """Every stored setting."""
    return {row["key"]: json.loads(row["value"]) for row in store.query("SELECT * FROM settings")}


def set_setting(store: Store, key: str, value: Any) -> bool:
    """Store ``value`` under ``key``; returns False (and writes nothing) when it is unchanged."""
    with store.transaction():
        missing = object()
        old = get_setting(store, key, missing)
        if old is not missing and old == value:
            return False
        store.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value), datetime.now(UTC).isoformat()),
        )
        append_entry(
            store,
            "settings.changed",
            key,
            {"key": key, "old": None if old is missing else old, "new": value},
        )
    return True
