"""Exporting a run's evidence: CSV (metrics or variant scores) or JSON Lines (everything).

JSON Lines holds the run (``"type": "run"``), then one line per metric, then one line per
variant score with its prompt, continuations and per-token log-probabilities. Each export is
appended to the audit log with the SHA-256 of what was written, so a file handed to an auditor
can be matched to the entry.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Literal

from workbench.bias.errors import BiasError
from workbench.bias.judging import clean_json
from workbench.bias.results import get_bias_run, iter_variant_scores, list_metric_results
from workbench.canonical import sha256_hex
from workbench.store import Store
from workbench.store.audit import append_entry

ExportFormat = Literal["csv", "jsonl"]
ExportTable = Literal["metrics", "variants"]
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


def export_bias_run(
    store: Store, run_id: int, fmt: ExportFormat, *, table: ExportTable = "metrics"
) -> ExportResult:
    """The run's evidence as text (CSV of ``table``, or JSON Lines of everything); audited."""
    run = get_bias_run(store, run_id)
    if fmt == "jsonl":
        lines = [json.dumps({"type": "run", **clean_json(run.to_dict())}, ensure_ascii=False)]
        for metric in list_metric_results(store, run_id):
            record = {"type": "metric", "run_id": run_id, **clean_json(metric.to_dict())}
            lines.append(json.dumps(record, ensure_ascii=False))
        for score in iter_variant_scores(store, run_id):
            lines.append(json.dumps({"type": "variant", **score.to_dict()}, ensure_ascii=False))
        text, records = "".join(line + "\n" for line in lines), len(lines)
    elif fmt == "csv":
        text, records = _csv(store, run_id, table)
    else:
        raise BiasError(f"Unknown export format {fmt!r}: use csv or jsonl.")
    result = ExportResult(text=text, sha256=sha256_hex(text), records=records)
    with store.transaction():
        append_entry(
            store,
            "bias_run.exported",
            f"bias-run:{run_id}",
            {"format": fmt, "table": table if fmt == "csv" else "all", "sha256": result.sha256,
             "records": records},
        )  # fmt: skip
    return result


def _csv(store: Store, run_id: int, table: ExportTable) -> tuple[str, int]:
    buffer = io.StringIO(newline="")
    records = 0
    if table == "metrics":
        writer = csv.DictWriter(buffer, METRIC_FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for metric in list_metric_results(store, run_id):
            writer.writerow({"run_id": run_id, **metric.to_dict()})
            records += 1
    elif table == "variants":
        writer = csv.DictWriter(buffer, VARIANT_FIELDS, lineterminator="\n")
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
    return buffer.getvalue(), records
