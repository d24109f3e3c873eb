"""The store: migrations, connection settings, refusal of newer or foreign files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from workbench.errors import NewerDatabaseError, StoreError
from workbench.paths import database_path
from workbench.store import open_store
from workbench.store.migrations import applied_migration_names, known_migration_names


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_blank_database_gets_every_migration_and_connection_settings(home: Path) -> None:
    store = open_store(home)
    try:
        assert applied_migration_names(store.db) == known_migration_names()
        assert store.execute("PRAGMA user_version").fetchone()[0] == len(known_migration_names())
        assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert {"audit_log", "models", "file_hashes", "settings"} <= set(store.db.table_names())
    finally:
        store.close()


def test_reopening_applies_nothing_twice(home: Path) -> None:
    open_store(home).close()
    store = open_store(home)
    try:
        names = [r["name"] for r in store.query("SELECT name FROM _sqlite_migrations")]
        assert names == known_migration_names()
    finally:
        store.close()


def test_database_from_newer_version_is_refused_and_left_unmodified(home: Path) -> None:
    open_store(home).close()
    path = database_path(home)
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('workbench', 'm999_from_the_future', '2030-01-01')"
    )
    raw.execute("PRAGMA user_version = 999")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = _file_digest(path)

    with pytest.raises(NewerDatabaseError, match="newer version") as caught:
        open_store(home)

    assert "m999_from_the_future" in str(caught.value)
    assert _file_digest(path) == before


def test_file_that_is_not_sqlite_is_refused_with_its_path(home: Path) -> None:
    home.mkdir(parents=True)
    path = database_path(home)
    path.write_bytes(b"this is not a database, just some text" * 100)
    before = _file_digest(path)

    with pytest.raises(StoreError, match="not a usable workbench database") as caught:
        open_store(home)

    assert str(path) in str(caught.value)
    assert _file_digest(path) == before


def test_failed_transaction_rolls_back_every_write(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')")
        raise RuntimeError("boom")
    assert store.query("SELECT * FROM settings") == []


def test_nested_transaction_joins_the_outer_one(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.execute("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'x')")
        raise RuntimeError("outer fails after inner finished")
    assert store.query("SELECT * FROM settings") == []
