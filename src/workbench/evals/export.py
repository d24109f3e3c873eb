"""Exporting a run's cells: CSV for spreadsheets, JSON Lines with everything recorded.

Rows stream from the store one at a time, so a run of 100,000 cells exports in constant memory.
Each row names the prompt version (and its content hash), the model file's SHA-256, the case
and its variables, the seed, the output, the grading and the measurements; JSONL rows add the
full grading, the request and the replay fingerprint.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from workbench.canonical import canonical_json, sha256_hex
from workbench.evals.records import CellResult, get_run
from workbench.evals.snapshot import RunSnapshot
from workbench.store import Store
from workbench.store.evals_repo import iter_result_rows

EXPORT_FORMATS = ("csv", "jsonl")
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
            "pass": cell.passed,
            "score": cell.score,
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
            "grading": dict(cell.grading),
            "request": dict(cell.request or {}),
            "fingerprint": fingerprint,
        }
