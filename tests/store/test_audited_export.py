"""Audited exports: the entry commits only after the file and its folder reached the disk,
stale temporary files of killed exports are swept, and a file without an entry can be told."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import pytest

from workbench.store import Store, audited_export
from workbench.store.audit import list_entries, verify_chain
from workbench.store.audited_export import (
    STALE_PART_AGE_S,
    audit_entries_for_file,
    export_to_file,
)

ACTION = "test.exported"
TEXT = "a,b\r\n1,2\r\n"


def _write(out: TextIO) -> Mapping[str, Any]:
    out.write(TEXT)
    return {"format": "csv"}


def _export(store: Store, path: Path) -> audited_export.AuditedExport:
    return export_to_file(store, path, _write, action=ACTION, subject="test:1")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _committed_entries(store: Store) -> int:
    """Entries another connection sees: what has committed."""
    with sqlite3.connect(store.path) as other:
        return int(other.execute("SELECT count(*) FROM audit_log").fetchone()[0])


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot sync a folder")
def test_the_entry_commits_only_after_the_renamed_file_and_its_folder_were_synced(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")
    before = _committed_entries(store)
    folder_syncs: list[tuple[bytes, int]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        if os.path.samestat(os.fstat(descriptor), os.stat(tmp_path)):
            folder_syncs.append((target.read_bytes(), _committed_entries(store)))

    monkeypatch.setattr(os, "fsync", fsync)

    written = _export(store, target)

    assert folder_syncs == [(TEXT.encode(), before)]  # renamed, synced, not yet committed
    assert _committed_entries(store) == before + 1
    assert written.entry.payload_data == {
        "format": "csv",
        "path": str(target),
        "sha256": _sha256(target),
    }


def test_stale_part_files_of_the_same_target_are_swept_and_nothing_else(
    store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "run.csv"
    old = time.time() - STALE_PART_AGE_S - 60
    stale = tmp_path / ".run.csv.0123abcd.part"
    kept = {
        ".run.csv.89abcdef.part": "a live export's file, written to a moment ago",
        ".other.csv.0123abcd.part": "another target's",
        ".run.csv.0123ABCD.part": "not a name this module makes",
        ".run.csv.0123abcd.part.bak": "not a name this module makes",
        "run.csv.0123abcd.part": "not hidden",
        ".run.csv.0123abcd.partial": "not a name this module makes",
    }
    stale.write_text("killed halfway", encoding="utf-8")
    os.utime(stale, (old, old))
    for name, text in kept.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        if name != ".run.csv.89abcdef.part":
            os.utime(tmp_path / name, (old, old))
    folder = tmp_path / ".run.csv.fedcba98.part"
    folder.mkdir()  # matches the pattern but is no file of ours
    os.utime(folder, (old, old))

    _export(store, target)

    assert not stale.exists()
    assert folder.is_dir()
    for name, text in kept.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    assert target.read_bytes() == TEXT.encode()


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_stale_looking_symlink_is_not_followed_or_removed(store: Store, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    link = tmp_path / ".run.csv.0123abcd.part"
    link.symlink_to(precious)
    old = time.time() - STALE_PART_AGE_S - 60
    os.utime(precious, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)

    _export(store, tmp_path / "run.csv")

    assert link.is_symlink()
    assert precious.read_text(encoding="utf-8") == "keep me"


def test_a_failed_commit_removes_the_new_file_and_leaves_the_store_usable(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction():
        store.execute("CREATE TABLE t_parent (id INTEGER PRIMARY KEY)")
        store.execute("CREATE TABLE t_child (parent INTEGER REFERENCES t_parent(id))")
    real_append = audited_export.append_entry

    def append_then_break_the_commit(*args: Any, **kwargs: Any) -> Any:
        store.execute("PRAGMA defer_foreign_keys = ON")
        store.execute("INSERT INTO t_child (parent) VALUES (42)")  # fails only at COMMIT
        return real_append(*args, **kwargs)

    monkeypatch.setattr(audited_export, "append_entry", append_then_break_the_commit)
    target = tmp_path / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")
    entries_before = len(list_entries(store))

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        _export(store, target)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # the earlier file is gone
    assert len(list_entries(store)) == entries_before
    assert not store.in_transaction
    monkeypatch.undo()
    written = _export(store, target)
    assert audit_entries_for_file(store, target) == [written.entry]
    assert verify_chain(store).ok


def test_a_process_killed_between_rename_and_commit_leaves_an_unaudited_file(
    store: Store, home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")
    entries_before = len(list_entries(store))
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from workbench.store import audited_export, open_store

        audited_export._sync_folder = lambda folder: os._exit(9)  # killed after the rename
        store = open_store(Path({str(home)!r}))
        audited_export.export_to_file(
            store, Path({str(target)!r}), lambda out: out.write("killed\\n") and {{}},
            action={ACTION!r}, subject="test:1",
        )
        """
    )

    killed = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)

    assert killed.returncode == 9
    assert target.read_text(encoding="utf-8") == "killed\n"  # in place; the earlier one gone
    assert len(list_entries(store)) == entries_before
    assert audit_entries_for_file(store, target) == []  # an unaudited export, and it shows
    assert verify_chain(store).ok
    written = _export(store, target)
    assert audit_entries_for_file(store, target, action=ACTION) == [written.entry]


def test_a_file_is_matched_to_its_entry_by_sha256_wherever_it_was_moved(
    store: Store, tmp_path: Path
) -> None:
    first = _export(store, tmp_path / "one.csv")
    second = _export(store, tmp_path / "two.csv")  # the same bytes again
    moved = tmp_path / "handed-to-the-auditor.csv"
    (tmp_path / "one.csv").rename(moved)

    assert audit_entries_for_file(store, moved) == [first.entry, second.entry]
    assert audit_entries_for_file(store, moved, action="other.exported") == []
    moved.write_text(TEXT + "edited\n", encoding="utf-8")
    assert audit_entries_for_file(store, moved) == []


def test_a_folder_that_can_be_written_but_not_read_still_takes_the_export(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "drop" / "out.csv"
    target.parent.mkdir()
    target.write_text("earlier", encoding="utf-8")
    real_open = os.open

    def no_read_access(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # A mode 0333 drop folder, as a non-root user sees it (root may open anything).
        if Path(path) == target.parent:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_read_access)

    written = _export(store, target)

    assert target.read_bytes() == TEXT.encode()  # it used to fail after the rename...
    assert written.sha256 == _sha256(target)  # ...and delete both files
    assert [e.payload_data["sha256"] for e in list_entries(store, action=ACTION)] == [
        written.sha256
    ]
