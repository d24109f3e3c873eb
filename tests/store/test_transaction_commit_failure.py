"""A COMMIT that fails rolls the transaction back, re-raises, and leaves the store usable."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.store import Store


@pytest.fixture
def linked(store: Store) -> Store:
    """The store with a parent and a child table joined by a foreign key (test-only tables)."""
    with store.transaction():
        store.execute("CREATE TABLE t_parent (id INTEGER PRIMARY KEY)")
        store.execute(
            "CREATE TABLE t_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t_parent)"
        )
    return store


def _break_the_commit(store: Store) -> None:
    """Within a transaction: make its COMMIT fail (a deferred foreign key left dangling)."""
    store.execute("PRAGMA defer_foreign_keys = ON")
    store.execute("INSERT INTO t_child (id, parent) VALUES (1, 42)")


def test_a_failed_commit_rolls_back_and_the_next_transaction_works(linked: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), linked.transaction():
        linked.execute("INSERT INTO t_parent (id) VALUES (7)")
        _break_the_commit(linked)

    assert not linked.in_transaction
    assert not linked.conn.in_transaction
    assert linked.query("SELECT id FROM t_parent") == []  # the whole transaction was undone
    assert linked.query("SELECT id FROM t_child") == []
    with linked.transaction():
        linked.execute("INSERT INTO t_parent (id) VALUES (8)")
    assert linked.query("SELECT id FROM t_parent") == [{"id": 8}]


def test_a_failed_commit_of_a_nested_transaction_resets_the_depth(linked: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError), linked.transaction():
        with linked.transaction():
            _break_the_commit(linked)
        assert linked.in_transaction  # the inner block joined; the outer one commits

    assert not linked.in_transaction
    with linked.transaction(), linked.transaction():
        linked.execute("INSERT INTO t_parent (id) VALUES (1)")
    assert linked.query("SELECT id FROM t_parent") == [{"id": 1}]


def test_an_error_in_the_block_after_sqlite_ended_the_transaction_is_not_masked(
    store: Store,
) -> None:
    class _Boom(Exception):
        pass

    with pytest.raises(_Boom), store.transaction():
        store.execute("ROLLBACK")  # as SQLite itself does on some errors (SQLITE_FULL, ...)
        raise _Boom

    assert not store.in_transaction
    with store.transaction():
        store.execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')")
    assert store.query("SELECT value FROM settings WHERE key = 'k'") == [{"value": "1"}]
