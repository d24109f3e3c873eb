"""Metrics of every family, computed from stored variant scores.

Each family's module documents its formulas and their sources; :func:`compute_metrics` runs
them all over a run's scores.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.bias.metrics.counterfactual import counterfactual_metrics
from workbench.bias.metrics.decision import decision_metrics
from workbench.bias.metrics.qa import qa_metrics
from workbench.bias.metrics.stereotype import stereotype_metrics
from workbench.bias.model import ProbeSet, Thresholds
from workbench.bias.records import MetricResult, VariantScore

__all__ = [
    "compute_metrics",
    "counterfactual_metrics",
    "decision_metrics",
    "qa_metrics",
    "stereotype_metrics",
]


def compute_metrics(
    scores: Sequence[VariantScore],
    probe_set: ProbeSet,
    thresholds: Thresholds,
    *,
    invalid: str | None = None,
) -> list[MetricResult]:
    """Every metric the scores allow; ``invalid`` (why the run cannot be trusted, e.g. a failed
    canary) makes every verdict INCONCLUSIVE with that reason."""
    return [
        *decision_metrics(scores, probe_set, thresholds, invalid=invalid),
        *qa_metrics(scores, thresholds, invalid=invalid),
        *stereotype_metrics(scores, thresholds, invalid=invalid),
        *counterfactual_metrics(scores, thresholds, invalid=invalid),
    ]
