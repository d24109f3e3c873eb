"""Reading bias runs back: runs, their variant scores and metric results, as value objects."""

from __future__ import annotations

import json
from collections.abc import Iterator

from workbench.bias.records import BiasRun, MetricResult, VariantScore
from workbench.errors import NotFoundError
from workbench.store import Store
from workbench.store.bias_repo import get_run_row, iter_score_rows, list_metric_rows, list_run_rows


def get_bias_run(store: Store, run_id: int) -> BiasRun:
    """The run with this id; NotFoundError otherwise."""
    row = get_run_row(store, run_id)
    if row is None:
        raise NotFoundError(f"No bias run {run_id}. List runs with: workbench bias list")
    return BiasRun.from_row(row)


def list_bias_runs(store: Store, *, limit: int | None = None) -> list[BiasRun]:
    """Runs, newest first."""
    return [BiasRun.from_row(row) for row in list_run_rows(store, limit=limit)]


def list_metric_results(store: Store, run_id: int) -> list[MetricResult]:
    """A run's metric results, in the order they were computed."""
    return [MetricResult.from_row(row) for row in list_metric_rows(store, run_id)]


def iter_variant_scores(store: Store, run_id: int) -> Iterator[VariantScore]:
    """A run's variant scores in scoring order, one at a time (large runs stream)."""
    for row in iter_score_rows(store, run_id):
        continuations = json.loads(row["continuations"])
        yield VariantScore(
            run_id=int(row["run_id"]),
            position=int(row["position"]),
            key=row["key"],
            family=row["family"],
            probe_id=row["probe_id"],
            attribute=row["attribute"],
            group=row["group_name"],
            details=json.loads(row["details"]),
            prompt=row["prompt"],
            continuations=tuple(c["text"] for c in continuations),
            roles=tuple(c["role"] for c in continuations),
            logprobs=tuple(float(c["logprob"]) for c in continuations),
            token_logprobs=tuple(tuple(c["token_logprobs"]) for c in continuations),
            tokens=tuple(tuple(c["tokens"]) for c in continuations),
            prompt_tokens=int(row["prompt_tokens"]),
            evaluated_tokens=int(row["evaluated_tokens"]),
            seconds=float(row["seconds"]),
            scored_at=row["scored_at"],
        )


def list_variant_scores(store: Store, run_id: int) -> list[VariantScore]:
    """A run's variant scores in scoring order."""
    return list(iter_variant_scores(store, run_id))
