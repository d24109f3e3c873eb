"""Exporting a run's evidence: CSV (metrics or variant scores) or JSON Lines (everything).

JSON Lines holds the run (``"type": "run"``), then one line per metric, then one line per
variant score with its prompt, continuations and per-token log-probabilities. Each export is
appended to the audit log (``bias_run.exported``) with the SHA-256 of what was written, so a
file handed to an auditor can be matched to the entry: a file (:func:`export_bias_run_to_file`)
once it was written completely, in the transaction that renames it into place (see
:mod:`workbench.store.audited_export` for what a failure or a crash can leave); a stream
(:func:`export_bias_run_to_stream`) or the text handed back (:func:`export_bias_run`) with
``path`` null.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from workbench.bias.errors import BiasError
from workbench.bias.judging import clean_json
from workbench.bias.results import get_bias_run, iter_variant_scores, list_metric_results
from workbench.canonical import sha256_hex
from workbench.store import Store
from workbench.store.audited_export import (
    AuditedExport,
    ExportWriter,
    export_to_file,
    export_to_stream,
)

ExportFormat = Literal["csv", "jsonl"]
ExportTable = Literal["metrics", "variants"]
EXPORTED_ACTION = "bias_run.exported"
METRIC_FIELDS = (
    "run_id", "family", "attribute", "group", "reference", "metric", "estimate", "ci_low",
    "ci_high", "p_value", "p_adjusted", "n", "band_low", "band_high", "verdict", "reason",
)  # fmt: skip
VARIANT_FIELDS = (
    "run_id", "position", "key", "family", "probe_id", "attribute", "group", "details",
    "continuation", "role", "logprob", "tokens", "prompt_tokens", "evaluated_tokens",
    "prompt_sha256",
)  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the text, its SHA-256 and how many records it holds."""

    text: str
    sha256: str
    records: int


@dataclass(frozen=True)
class BiasRunExport:
    """A run's evidence written completely and audited: ``path`` is absolute (None: a
    stream), ``sha256`` is of the bytes written, as the audit entry records them."""

    run_id: int
    fmt: ExportFormat
    table: ExportTable | Literal["all"]
    records: int
    path: Path | None
    sha256: str


def export_bias_run(
    store: Store, run_id: int, fmt: ExportFormat, *, table: ExportTable = "metrics"
) -> ExportResult:
    """The run's evidence as text (CSV of ``table``, or JSON Lines of everything); audited
    with ``path`` null."""
    buffer = io.BytesIO()
    written = export_bias_run_to_stream(store, run_id, fmt, buffer, table=table)
    return ExportResult(buffer.getvalue().decode("utf-8"), written.sha256, written.records)


def export_bias_run_to_file(
    store: Store,
    run_id: int,
    fmt: ExportFormat,
    path: Path,
    *,
    table: ExportTable = "metrics",
    cancelled: Callable[[], bool] | None = None,
) -> BiasRunExport:
    """Write the run's evidence to ``path`` and audit it: a failure while writing
    (``ExportFileError``) or a cancel (``ExportCancelledError``) leaves no file and no entry,
    and keeps an earlier file (:func:`workbench.store.audited_export.export_to_file` says
    what a crash between the rename and the commit leaves)."""
    write = _writer(store, run_id, fmt, table)  # an unknown run fails before any file is made
    written = export_to_file(
        store, path, write, action=EXPORTED_ACTION, subject=_subject(run_id), cancelled=cancelled
    )
    return _run_export(run_id, written)


def export_bias_run_to_stream(
    store: Store,
    run_id: int,
    fmt: ExportFormat,
    out: BinaryIO,
    *,
    table: ExportTable = "metrics",
    cancelled: Callable[[], bool] | None = None,
) -> BiasRunExport:
    """Write the run's evidence to the binary stream ``out`` (UTF-8) and audit it with
    ``path`` null; a failure appends no entry."""
    write = _writer(store, run_id, fmt, table)
    written = export_to_stream(
        store, out, write, action=EXPORTED_ACTION, subject=_subject(run_id), cancelled=cancelled
    )
    return _run_export(run_id, written)


def write_bias_export(
    store: Store, run_id: int, fmt: ExportFormat, out: TextIO, *, table: ExportTable = "metrics"
) -> int:
    """Write the run's evidence to ``out`` (not audited); return how many records."""
    run = get_bias_run(store, run_id)
    if fmt == "jsonl":
        records = 1
        out.write(_json_line({"type": "run", **clean_json(run.to_dict())}))
        for metric in list_metric_results(store, run_id):
            out.write(
                _json_line({"type": "metric", "run_id": run_id, **clean_json(metric.to_dict())})
            )
            records += 1
        for score in iter_variant_scores(store, run_id):
            out.write(_json_line({"type": "variant", **score.to_dict()}))
            records += 1
        return records
    if fmt == "csv":
        return _csv(store, run_id, table, out)
    raise BiasError(f"Unknown export format {fmt!r}: use csv or jsonl.")


def _writer(store: Store, run_id: int, fmt: ExportFormat, table: ExportTable) -> ExportWriter:
    if fmt not in ("csv", "jsonl"):
        raise BiasError(f"Unknown export format {fmt!r}: use csv or jsonl.")
    if table not in ("metrics", "variants"):
        raise BiasError(f"Unknown table {table!r}: use metrics or variants.")
    get_bias_run(store, run_id)

    def write(out: TextIO) -> Mapping[str, Any]:
        records = write_bias_export(store, run_id, fmt, out, table=table)
        return {"format": fmt, "table": table if fmt == "csv" else "all", "records": records}

    return write


def _subject(run_id: int) -> str:
    return f"bias-run:{run_id}"


def _run_export(run_id: int, written: AuditedExport) -> BiasRunExport:
    fmt, table, records = (written.details[k] for k in ("format", "table", "records"))
    return BiasRunExport(run_id, fmt, table, records, written.path, written.sha256)


def _json_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _csv(store: Store, run_id: int, table: ExportTable, out: TextIO) -> int:
    records = 0
    if table == "metrics":
        writer = csv.DictWriter(out, METRIC_FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for metric in list_metric_results(store, run_id):
            writer.writerow({"run_id": run_id, **metric.to_dict()})
            records += 1
    elif table == "variants":
        writer = csv.DictWriter(out, VARIANT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for score in iter_variant_scores(store, run_id):
            for text, role, logprob, tokens in zip(
                score.continuations, score.roles, score.logprobs, score.tokens, strict=True
            ):
                writer.writerow(
                    {
                        "run_id": run_id,
                        "position": score.position,
                        "key": score.key,
                        "family": score.family,
                        "probe_id": score.probe_id,
                        "attribute": score.attribute,
                        "group": score.group,
                        "details": json.dumps(dict(score.details), sort_keys=True),
                        "continuation": text,
                        "role": role,
                        "logprob": repr(logprob),
                        "tokens": " ".join(map(str, tokens)),
                        "prompt_tokens": score.prompt_tokens,
                        "evaluated_tokens": score.evaluated_tokens,
                        "prompt_sha256": sha256_hex(score.prompt),
                    }
                )
                records += 1
    else:
        raise BiasError(f"Unknown table {table!r}: use metrics or variants.")
    return records
