"""The audit log: hash chain, append-only triggers, verification after raw-SQL tampering."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from workbench.paths import database_path
from workbench.store import Store
from workbench.store.audit import GENESIS_HASH, append_entry, list_entries, verify_chain
from workbench.store.settings_repo import get_setting, set_setting


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        append_entry(store, "test.event", f"subject-{i}", {"i": i, "text": "héllo ✓"})


def _raw(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(database_path(home), isolation_level=None)


def test_entries_link_into_a_chain_that_verifies(store: Store) -> None:
    _fill(store)
    entries = list_entries(store)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].payload_data == {"i": 2, "text": "héllo ✓"}
    assert entries[0].actor == "test-user"
    assert verify_chain(store).ok
    assert verify_chain(store).entries_checked == 5


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET payload = '{}' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 2",
        "INSERT OR REPLACE INTO audit_log (id, time, actor, action, subject, payload, prev_hash, "
        "hash) VALUES (2, 't', 'a', 'x', 's', '{}', 'p', 'h')",
        "REPLACE INTO audit_log SELECT * FROM audit_log WHERE id = 3",
    ],
)
def test_raw_sql_cannot_rewrite_the_audit_log(store: Store, home: Path, statement: str) -> None:
    _fill(store)
    raw = _raw(home)  # a plain connection: no recursive_triggers pragma
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(statement)
    raw.close()
    assert verify_chain(store).ok


def test_verify_names_the_first_altered_row(store: Store, home: Path) -> None:
    _fill(store)
    raw = _raw(home)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("UPDATE audit_log SET payload = '{\"i\":99}' WHERE id = 3")
    raw.close()

    result = verify_chain(store)

    assert not result.ok
    assert result.first_bad_id == 3
    assert result.entries_checked == 2
    assert "altered" in (result.problem or "")


def test_verify_catches_a_rehashed_row_at_the_next_link(store: Store, home: Path) -> None:
    _fill(store)
    raw = _raw(home)
    raw.execute("DROP TRIGGER audit_log_no_update")
    # Flip the first hex digit to a different one: always 'f' would leave a hash that
    # already starts with 'f' unchanged (1 run in 16) and the test would pass vacuously.
    raw.execute(
        "UPDATE audit_log SET hash = "
        "(CASE WHEN substr(hash, 1, 1) = 'f' THEN '0' ELSE 'f' END) || substr(hash, 2) "
        "WHERE id = 2"
    )
    assert raw.total_changes == 1
    raw.close()

    result = verify_chain(store)

    assert not result.ok
    assert result.first_bad_id == 2


def test_verify_catches_a_deleted_row(store: Store, home: Path) -> None:
    _fill(store)
    raw = _raw(home)
    raw.execute("DROP TRIGGER audit_log_no_delete")
    raw.execute("DELETE FROM audit_log WHERE id = 4")
    raw.close()

    result = verify_chain(store)

    assert not result.ok
    assert result.first_bad_id == 5
    assert "missing" in (result.problem or "")


def test_change_and_its_audit_entry_commit_or_roll_back_together(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        set_setting(store, "ui.theme", "dark")
        raise RuntimeError("fails after both writes")
    assert get_setting(store, "ui.theme") is None
    assert list_entries(store) == []


def test_setting_change_is_audited_with_old_and_new_value(store: Store) -> None:
    assert set_setting(store, "ui.theme", "dark")
    assert set_setting(store, "ui.theme", "light")
    assert not set_setting(store, "ui.theme", "light")  # unchanged: no entry

    entries = list_entries(store, action="settings.changed")

    assert [e.payload_data for e in entries] == [
        {"key": "ui.theme", "old": None, "new": "dark"},
        {"key": "ui.theme", "old": "dark", "new": "light"},
    ]
