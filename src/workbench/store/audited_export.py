"""Exports written and audited as one change: a complete file with its entry, or neither.

An export is a change a user makes, so it appends an audit entry (DESIGN.md) recording what
was written and its SHA-256, so that a file handed to an auditor can be matched to it. A file
cannot join a SQLite transaction; the order of the steps does the work instead:

1. the text goes to a hidden temporary file beside the target (``.NAME.RANDOM.part``),
   hashed as it is written, then flushed to disk;
2. one transaction appends the entry and, still inside it, renames the temporary file over
   the target; a rename that fails rolls the entry back.

A failure or a cancel at any step removes the temporary file and appends nothing; an earlier
file at the target is kept. Only if the commit itself failed after the rename is the new file
removed again (the earlier one is then gone).

Writing to a stream (standard output) is audited the same way, with ``path`` null, once the
last byte was written and flushed; what was written cannot be taken back, but a failure
appends no entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
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
    :class:`ExportCancelledError` when ``cancelled()`` turned true; either leaves nothing.
    """
    if store.in_transaction:
        raise RuntimeError("export_to_file commits its own transaction; call it outside one")
    path = Path(os.path.abspath(path))
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    renamed = False
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
    except BaseException as exc:
        with contextlib.suppress(OSError):
            (path if renamed else temporary).unlink()
        if isinstance(exc, OSError):
            raise ExportFileError(f"Could not write {path}: {exc.strerror or exc}.") from exc
        raise
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
