"""Exports written and audited as one change, as far as a file and a database allow.

An export is a change a user makes, so it appends an audit entry (DESIGN.md) recording what
was written, its path and its SHA-256, so that a file handed to an auditor can be matched to
its entry (:func:`audit_entries_for_file`). A file cannot join a SQLite transaction; the
order of the steps does the work instead:

1. the text goes to a hidden temporary file beside the target (``.NAME.RANDOM.part``),
   hashed as it is written, then flushed and synced to disk;
2. one transaction appends the entry and, still inside it, renames the temporary file over
   the target and syncs the folder (POSIX; Windows cannot open a folder to sync it), so the
   entry commits only once the file it names is in place with exactly the bytes it hashes.

What that guarantees:

- A failure or a cancel before the rename removes the temporary file, appends nothing and
  keeps an earlier file at the target.
- A failure after the rename (syncing the folder, the COMMIT itself) rolls the entry back and
  removes the new file again; an earlier file at the target is then gone.
- A committed entry names a file that held the bytes of its SHA-256 when it committed.

What it does not: a process killed, or a machine losing power, between the rename and the
commit leaves the new file at the target without an entry, and an earlier file there is gone.
A power cut can also lose the newest commits (the store runs WAL with ``synchronous=NORMAL``),
with the same outcome. Such a file is an unaudited export: no entry records its SHA-256, which
:func:`audit_entries_for_file` tells. On Windows a power cut after the commit can also lose the
rename, so the entry's SHA-256 no longer matches the file at its path.

A process killed before the rename leaves its ``.NAME.RANDOM.part`` file; the next export to
the same target removes such files once nothing has written to them for
:data:`STALE_PART_AGE_S` seconds (a running export writes to its file until it renames it,
seconds later). Nothing else in the folder is touched.

Writing to a stream (standard output) is audited the same way, with ``path`` null, once the
last byte was written and flushed; what was written cannot be taken back, but a failure
appends no entry.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import stat
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from workbench.errors import WorkbenchError
from workbench.store.audit import AuditEntry, append_entry
from workbench.store.database import Store

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Writes the export's text; returns what the audit entry records besides path and sha256
#: (its format, how many rows, ...).
ExportWriter = Callable[[TextIO], Mapping[str, Any]]

#: A temporary file nothing has written to for this long was left by a killed export.
STALE_PART_AGE_S = 3600


class ExportFileError(WorkbenchError):
    """The export could not be written (no such folder, no permission, disk full); no file
    and no audit entry were left."""


class ExportCancelledError(WorkbenchError):
    """The export was cancelled; no file and no audit entry were left."""


@dataclass(frozen=True)
class AuditedExport:
    """An export written completely and audited.

    ``path``: the file, absolute (None: a stream); ``sha256``: of the bytes written;
    ``details``: what the writer reported; ``entry``: the audit entry appended.
    """

    path: Path | None
    sha256: str
    details: Mapping[str, Any]
    entry: AuditEntry


def export_to_file(
    store: Store,
    path: Path,
    write: ExportWriter,
    *,
    action: str,
    subject: str,
    cancelled: Callable[[], bool] | None = None,
) -> AuditedExport:
    """Write ``path`` (UTF-8, line endings as written) with ``write``, then append an
    ``action`` entry about ``subject``: the writer's details, the path and the SHA-256.

    Call it outside a transaction: the file is renamed into place just before the commit.
    Raises :class:`ExportFileError` when the file cannot be written and
    :class:`ExportCancelledError` when ``cancelled()`` turned true; either appends nothing
    (see the module's docstring for what is left at ``path``). First removes temporary files
    that killed exports to ``path`` left behind.
    """
    if store.in_transaction:
        raise RuntimeError("export_to_file commits its own transaction; call it outside one")
    path = Path(os.path.abspath(path))
    _remove_stale_parts(path)
    temporary = _part_path(path)
    renamed = False
    # Opened before anything is renamed: a folder that can be written but not read (a drop
    # folder) cannot be synced, and finding that out after the rename would cost the export.
    folder = _open_folder(path.parent)
    try:
        with temporary.open("xb") as handle:
            details, sha256 = _write_digested(handle, write, cancelled)
            handle.flush()
            os.fsync(handle.fileno())
        _check(cancelled)
        with store.transaction():
            entry = _append(store, action, subject, details, str(path), sha256)
            os.replace(temporary, path)
            renamed = True
            _sync_folder(folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            (path if renamed else temporary).unlink()
        if isinstance(exc, OSError):
            raise ExportFileError(f"Could not write {path}: {exc.strerror or exc}.") from exc
        raise
    finally:
        if folder is not None:
            os.close(folder)
    return AuditedExport(path, sha256, details, entry)


def export_to_stream(
    store: Store,
    out: BinaryIO,
    write: ExportWriter,
    *,
    action: str,
    subject: str,
    cancelled: Callable[[], bool] | None = None,
) -> AuditedExport:
    """Write to the binary stream ``out`` (UTF-8) with ``write``, flush it, then append an
    ``action`` entry about ``subject`` with the writer's details, ``path`` null and the
    SHA-256 of the bytes written. ``out`` is left open."""
    try:
        details, sha256 = _write_digested(out, write, cancelled)
        out.flush()
    except OSError as exc:
        raise ExportFileError(f"Could not write the export: {exc.strerror or exc}.") from exc
    with store.transaction():
        entry = _append(store, action, subject, details, None, sha256)
    return AuditedExport(None, sha256, details, entry)


def audit_entries_for_file(
    store: Store, path: Path, *, action: str | None = None
) -> list[AuditEntry]:
    """The entries (of ``action``, or any) that record the SHA-256 of the file at ``path``,
    oldest first. Empty: the file is an unaudited export (written by a process killed before
    its entry committed), or was changed since. Raises ``OSError`` when it cannot be read."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sql = "SELECT * FROM audit_log WHERE json_extract(payload, '$.sha256') = ?"
    params = [digest.hexdigest()]
    if action is not None:
        sql += " AND action = ?"
        params.append(action)
    return [AuditEntry(**row) for row in store.query(sql + " ORDER BY id", params)]


def _append(
    store: Store,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    path: str | None,
    sha256: str,
) -> AuditEntry:
    return append_entry(store, action, subject, {**details, "path": path, "sha256": sha256})


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise ExportCancelledError("The export was cancelled; nothing was written.")


def _part_path(path: Path) -> Path:
    """A new temporary file's path for an export to ``path``: ``.NAME.RANDOM.part``."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")


def _part_pattern(path: Path) -> re.Pattern[str]:
    """Matches exactly the names :func:`_part_path` gives temporary files for ``path``."""
    return re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.part")


def _remove_stale_parts(path: Path) -> None:
    """Remove the temporary files of killed exports to ``path``: regular files named as
    :func:`_part_pattern` says and not written to for :data:`STALE_PART_AGE_S`. Best effort:
    what cannot be listed or removed is left."""
    pattern = _part_pattern(path)
    cutoff = time.time() - STALE_PART_AGE_S
    try:
        entries = os.scandir(path.parent)
    except OSError:
        return  # writing the export reports a folder that is missing or unreadable
    with entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(entry.path)


def _open_folder(folder: Path) -> int | None:
    """A descriptor to sync ``folder`` with, or None where it cannot be had: Windows cannot
    open a folder, and a folder this user may write but not read cannot be opened either
    (its renames are then as durable as the file system makes them on its own)."""
    if os.name == "nt":
        return None
    try:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None  # a missing folder fails where the file is written, with its own message


def _sync_folder(descriptor: int | None) -> None:
    """Make a rename in the folder behind ``descriptor`` durable; some file systems cannot
    sync a folder (EINVAL), and then there is nothing more to do."""
    if descriptor is None:
        return
    try:
        os.fsync(descriptor)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise


def _write_digested(
    sink: BinaryIO, write: ExportWriter, cancelled: Callable[[], bool] | None
) -> tuple[Mapping[str, Any], str]:
    """Run ``write`` on a UTF-8 text layer over ``sink`` (no newline translation); return
    its details and the SHA-256 of every byte that reached ``sink``."""
    digesting = _DigestingWriter(sink, cancelled)
    # newline="": the csv module writes its own line endings; JSON Lines writes "\n".
    with io.TextIOWrapper(io.BufferedWriter(digesting), encoding="utf-8", newline="") as text:
        details = write(text)
    return details, digesting.hexdigest()


class _DigestingWriter(io.RawIOBase):
    """Passes bytes on to ``sink``, hashing them; checks ``cancelled`` at every chunk."""

    def __init__(self, sink: BinaryIO, cancelled: Callable[[], bool] | None) -> None:
        super().__init__()
        self._sink = sink
        self._cancelled = cancelled
        self._digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        _check(self._cancelled)
        with memoryview(data) as view:
            self._sink.write(view)
            self._digest.update(view)
            return view.nbytes

    def hexdigest(self) -> str:
        """The SHA-256 of what was written so far."""
        return self._digest.hexdigest()
