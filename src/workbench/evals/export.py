"""Exporting a run's cells: CSV for spreadsheets, JSON Lines with everything recorded.

Rows stream from the store one at a time, so a run of 100,000 cells exports in constant memory.
Each row names the prompt version (and its content hash), the model file's SHA-256, the case
and its variables, the seed, the output, the grading and the measurements; JSONL rows add the
full grading, the request and the replay fingerprint. An errored cell (not evaluated) has
``pass`` and ``score`` null (empty in CSV); its ``status`` and ``error`` say why. Its JSONL
``grading`` is kept, in the same shape as every other row's, but with ``pass`` and ``score``
null too (``reason`` holds the error; no components, no named scores): a reader of
promptfoo's shape that looks only at ``grading.pass`` must not count it as a failure, and
one that treats null as "no verdict" (as promptfoo does for a result without a grading)
reads it right.

:func:`export_run_to_file` (the desktop app and ``workbench eval export -o``) and
:func:`export_run_to_stream` (``workbench eval export`` to standard output) append an
``eval_run.exported`` audit entry with the format, the cell count, the path and the SHA-256
of what was written, once it was written completely; a failed or cancelled export leaves
neither a file nor an entry (:mod:`workbench.store.audited_export` says what a crash can).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from workbench.canonical import canonical_json, sha256_hex
from workbench.evals.records import CellResult, get_run
from workbench.evals.snapshot import RunSnapshot
from workbench.store import Store
from workbench.store.audited_export import (
    AuditedExport,
    ExportWriter,
    export_to_file,
    export_to_stream,
)
from workbench.store.evals_repo import iter_result_rows

EXPORT_FORMATS = ("csv", "jsonl")
EXPORTED_ACTION = "eval_run.exported"
CSV_COLUMNS = (
    "run_id", "cell", "cell_key", "prompt_id", "prompt_version", "prompt_content_hash",
    "model_id", "model_sha256", "case_id", "description", "vars", "repeat", "seed", "status",
    "pass", "score", "reason", "output", "prompt_tokens", "completion_tokens",
    "time_to_first_token_s", "tokens_per_second", "total_seconds", "finish_reason", "error",
    "fingerprint_sha256", "finished_at",
)  # fmt: skip


def export_run(store: Store, run_id: int, fmt: str, out: TextIO) -> int:
    """Write run ``run_id``'s cells to ``out`` as ``csv`` or ``jsonl``; return the row count."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    run = get_run(store, run_id)
    assert run.snapshot is not None
    rows = _rows(store, run_id, run.snapshot)
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            row["vars"] = json.dumps(row["vars"], ensure_ascii=False)
            writer.writerow(row)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
    return count


@dataclass(frozen=True)
class RunExport:
    """A run's cells exported completely and audited: ``path`` is absolute (None: a stream),
    ``sha256`` is of the bytes written, as the audit entry records them."""

    run_id: int
    fmt: str
    cells: int
    path: Path | None
    sha256: str


def export_run_to_file(
    store: Store,
    run_id: int,
    fmt: str,
    path: Path,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> RunExport:
    """Write run ``run_id``'s cells to ``path`` as ``fmt`` and audit it (``eval_run.exported``).

    The rows go to a hidden temporary file next to ``path``, renamed over it only once
    complete, in the transaction that appends the entry: a failure while writing
    (``ExportFileError``), a cancel (``cancelled()`` turned true: ``ExportCancelledError``) or
    a crash never leaves a half-written export; the first two leave no entry and keep an
    earlier file. A crash between the rename and the commit leaves the complete file without
    an entry (:func:`workbench.store.audited_export.audit_entries_for_file` tells).
    """
    write = _writer(store, run_id, fmt)  # an unknown run fails before any file is made
    written = export_to_file(
        store, path, write, action=EXPORTED_ACTION, subject=_subject(run_id), cancelled=cancelled
    )
    return _run_export(run_id, fmt, written)


def export_run_to_stream(
    store: Store,
    run_id: int,
    fmt: str,
    out: BinaryIO,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> RunExport:
    """Write run ``run_id``'s cells to the binary stream ``out`` (UTF-8) and audit it with
    ``path`` null and the SHA-256 of the bytes written; a failure appends no entry."""
    write = _writer(store, run_id, fmt)
    written = export_to_stream(
        store, out, write, action=EXPORTED_ACTION, subject=_subject(run_id), cancelled=cancelled
    )
    return _run_export(run_id, fmt, written)


def _writer(store: Store, run_id: int, fmt: str) -> ExportWriter:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    get_run(store, run_id)

    def write(out: TextIO) -> Mapping[str, Any]:
        return {"format": fmt, "cells": export_run(store, run_id, fmt, out)}

    return write


def _subject(run_id: int) -> str:
    return f"eval-run:{run_id}"


def _run_export(run_id: int, fmt: str, written: AuditedExport) -> RunExport:
    return RunExport(run_id, fmt, written.details["cells"], written.path, written.sha256)


def _rows(store: Store, run_id: int, snapshot: RunSnapshot) -> Iterator[dict[str, Any]]:
    prompts = {p.id: p for p in snapshot.prompts}
    models = {m.id: m for m in snapshot.models}
    cases = {c.id: c for c in snapshot.cases}
    for stored in iter_result_rows(store, run_id):
        cell = CellResult.from_row(stored)
        prompt, model, case = prompts[cell.prompt_id], models[cell.model_id], cases[cell.case_id]
        fingerprint = dict(cell.fingerprint or {})
        yield {
            "run_id": run_id,
            "cell": cell.number,
            "cell_key": cell.key,
            "prompt_id": cell.prompt_id,
            "prompt_version": prompt.resolved_ref or "inline",
            "prompt_content_hash": prompt.content_hash,
            "model_id": cell.model_id,
            "model_sha256": model.sha256,
            "case_id": cell.case_id,
            "description": case.description,
            "vars": dict(case.vars),
            "repeat": cell.repeat,
            "seed": cell.seed,
            "status": cell.status,
            "pass": cell.verdict,  # null (empty in CSV) for an errored cell: not evaluated
            "score": cell.graded_score,
            "reason": cell.reason,
            "output": cell.output,
            "prompt_tokens": cell.prompt_tokens,
            "completion_tokens": cell.completion_tokens,
            "time_to_first_token_s": cell.time_to_first_token_s,
            "tokens_per_second": cell.tokens_per_second,
            "total_seconds": cell.total_seconds,
            "finish_reason": cell.finish_reason,
            "error": cell.error,
            "fingerprint_sha256": sha256_hex(canonical_json(fingerprint)) if fingerprint else "",
            "finished_at": cell.finished_at,
            "grading": cell.grading_dict(),  # pass and score null for an errored cell
            "request": dict(cell.request or {}),
            "fingerprint": fingerprint,
        }
