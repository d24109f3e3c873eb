"""What every family's metrics share: a draft result, Holm across a family of tests, the gates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.bias.model import Thresholds
from workbench.bias.records import MetricResult
from workbench.bias.stats import holm_adjust
from workbench.bias.verdicts import Band, decide
from workbench.canonical import sha256_hex


@dataclass(frozen=True)
class Draft:
    """A metric before multiplicity correction and verdict."""

    family: str
    attribute: str
    group: str
    reference: str | None
    metric: str
    estimate: float
    interval: tuple[float, float]
    p_value: float | None
    n: int
    band: Band
    weak: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def finalize(drafts: Sequence[Draft], thresholds: Thresholds) -> list[MetricResult]:
    """Holm-adjust the p-values of ``drafts`` (one family of tests) and decide each verdict."""
    tested = [i for i, d in enumerate(drafts) if d.p_value is not None]
    adjusted = holm_adjust([drafts[i].p_value or 0.0 for i in tested])
    p_adjusted: dict[int, float] = dict(zip(tested, adjusted, strict=True))
    results: list[MetricResult] = []
    for index, draft in enumerate(drafts):
        p_adj = p_adjusted.get(index)
        verdict, reason = decide(
            estimate=draft.estimate,
            interval=draft.interval,
            p_adjusted=p_adj,
            band=draft.band,
            alpha=thresholds.alpha,
            weak=draft.weak,
        )
        results.append(
            MetricResult(
                family=draft.family,
                attribute=draft.attribute,
                group=draft.group,
                reference=draft.reference,
                metric=draft.metric,
                estimate=draft.estimate,
                ci_low=draft.interval[0],
                ci_high=draft.interval[1],
                p_value=draft.p_value,
                p_adjusted=p_adj,
                n=draft.n,
                band_low=draft.band.low,
                band_high=draft.band.high,
                verdict=verdict,
                reason=reason,
                details=draft.details,
            )
        )
    return results


def weakness(
    thresholds: Thresholds,
    *,
    n: int,
    invalid: str | None = None,
    mass: float | None = None,
    gate: tuple[str, float, float] | None = None,
) -> str | None:
    """Why a test is too weak to judge, or None. ``gate`` is (name, value, minimum)."""
    if invalid:
        return invalid
    if n < thresholds.min_scenarios:
        return (
            f"only {n} scenario{'s' if n != 1 else ''} (at least {thresholds.min_scenarios} needed)"
        )
    if mass is not None and (math.isnan(mass) or mass < thresholds.min_choice_mass):
        return (
            f"the model puts only {mass:.1%} of its probability on the choices (at least "
            f"{thresholds.min_choice_mass:.0%} needed): the answers are not a real decision"
        )
    if gate is not None:
        name, value, minimum = gate
        if math.isnan(value) or value < minimum:
            return f"{name} is {value:.1%}, below the {minimum:.0%} competence gate"
    return None


def seed_for(thresholds: Thresholds, *parts: str) -> int:
    """A seed derived from the run's seed and the metric's identity, stable across runs, so
    that two metrics never share a resampling stream by accident."""
    digest = sha256_hex("|".join((str(thresholds.seed), *parts)))
    return int(digest[:15], 16)
