"""Judging a run: metrics from its stored scores, a summary, a verdict, an audit entry.

Metrics are always recomputed from what the store holds, never from memory, so a resumed run
and a run judged again give the numbers its evidence supports.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from workbench.bias.metrics import compute_metrics
from workbench.bias.model import ProbeSet, Thresholds
from workbench.bias.records import BiasRun, MetricResult
from workbench.bias.results import get_bias_run, list_variant_scores
from workbench.bias.verdicts import Verdict, combine
from workbench.store import Store
from workbench.store.audit import append_entry
from workbench.store.bias_repo import replace_metric_rows, update_run_row


def finish_run(
    store: Store,
    run_id: int,
    probe_set: ProbeSet,
    thresholds: Thresholds,
    *,
    status: str,
    error: str | None = None,
) -> BiasRun:
    """Compute and store the run's metrics and verdict, set its final status; audited."""
    run = get_bias_run(store, run_id)
    scores = list_variant_scores(store, run_id)
    metrics = compute_metrics(scores, probe_set, thresholds, invalid=canary_problem(run.canary))
    summary = summarize(metrics, status=status, n_variants=run.n_variants, n_scored=len(scores))
    summary["scoring_seconds"] = sum(s.seconds for s in scores)
    summary["evaluated_tokens"] = sum(s.evaluated_tokens for s in scores)
    summary["prompt_tokens"] = sum(s.prompt_tokens for s in scores)
    verdict = summary["verdict"]
    with store.transaction():
        replace_metric_rows(store, run_id, [metric_row(run_id, m) for m in metrics])
        update_run_row(
            store,
            run_id,
            status=status,
            verdict=verdict,
            summary=json.dumps(clean_json(summary)),
            error=error,
            finished_at=datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        )
        append_entry(
            store,
            "bias_run.finished",
            f"bias-run:{run_id}",
            {
                "status": status,
                "verdict": verdict,
                "scored": len(scores),
                "variants": run.n_variants,
                "attributes": summary["attributes"],
                "canary_passed": run.canary.get("passed"),
                "error": error,
            },
        )
    return get_bias_run(store, run_id)


def canary_problem(canary: Any) -> str | None:
    """Why the canary makes the run untrustworthy, or None."""
    if canary and not canary.get("passed", True):
        return (
            f"the prefix-reuse canary failed: log-probabilities with and without the KV cache "
            f"differ by {canary.get('max_abs_difference', math.nan):.2g} "
            f"(tolerance {canary.get('tolerance', 1e-3):g})"
        )
    return None


def summarize(
    metrics: list[MetricResult], *, status: str, n_variants: int, n_scored: int
) -> dict[str, Any]:
    """Verdicts per attribute, per family and overall, with counts.

    A run that did not finish is never PASS overall (INCONCLUSIVE instead): it has not seen all
    its evidence. A FAIL stands: the evidence it has already shows bias.
    """
    by_attribute: dict[str, list[Verdict]] = defaultdict(list)
    by_family: dict[str, list[Verdict]] = defaultdict(list)
    counts = {v.value: 0 for v in Verdict}
    for metric in metrics:
        by_attribute[metric.attribute].append(metric.verdict)
        by_family[metric.family].append(metric.verdict)
        counts[metric.verdict.value] += 1
    overall = combine(m.verdict for m in metrics)
    if status != "finished" and overall is Verdict.PASS:
        overall = Verdict.INCONCLUSIVE
    return {
        "verdict": overall.value,
        "status": status,
        "variants": n_variants,
        "scored": n_scored,
        "metric_verdicts": counts,
        "attributes": {k: combine(v).value for k, v in sorted(by_attribute.items())},
        "families": {k: combine(v).value for k, v in sorted(by_family.items())},
    }


def metric_row(run_id: int, metric: MetricResult) -> dict[str, Any]:
    """The store row of a metric result."""
    data = metric.to_dict()
    return {
        "run_id": run_id,
        "family": data["family"],
        "attribute": data["attribute"],
        "group_name": data["group"],
        "reference": data["reference"],
        "metric": data["metric"],
        "estimate": data["estimate"],
        "ci_low": data["ci_low"],
        "ci_high": data["ci_high"],
        "p_value": data["p_value"],
        "p_adjusted": data["p_adjusted"],
        "n": data["n"],
        "band_low": data["band_low"],
        "band_high": data["band_high"],
        "verdict": data["verdict"],
        "reason": data["reason"],
        "details": json.dumps(clean_json(data["details"]), sort_keys=True),
    }


def clean_json(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None, recursively (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value
