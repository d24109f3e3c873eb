"""Evidence the Bias page shows beside the verdicts, computed from stored variant scores.

Each variant gets one number, the log-odds of its family's "leaning" answer against the rest
(decision: favourable; stereotype: stereotypical; ambiguity QA: the targeted person). Two
variants of one scenario that differ only in the group are a *pair*; the pairs whose numbers
differ most are where the model treated groups most differently. Pure Python, no Qt.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from workbench.bias import VariantScore
from workbench.bias.stats import logsumexp

#: The role whose log-odds a variant's number is, per family.
LEANING_ROLE = {
    "decision": "favourable",
    "stereotype": "stereotypical",
    "ambiguity_qa": "target",
}


@dataclass(frozen=True)
class VariantPair:
    """Two variants of one scenario for two groups, and how far apart the model put them."""

    first: VariantScore
    second: VariantScore
    first_value: float
    second_value: float

    @property
    def difference(self) -> float:
        """``second_value - first_value`` (log-odds)."""
        return self.second_value - self.first_value

    @property
    def role(self) -> str:
        """The role the values are log-odds of."""
        return leaning_role(self.first)


def leaning_role(score: VariantScore) -> str:
    """The role whose log-odds stand for ``score``."""
    role = LEANING_ROLE.get(score.family)
    if role in score.roles:
        return role
    return score.roles[0] if score.roles else ""


def variant_value(score: VariantScore) -> float:
    """Log-odds of the leaning role against every other continuation (NaN when undefined)."""
    role = leaning_role(score)
    if not role:
        return math.nan
    inside = [lp for lp, r in zip(score.logprobs, score.roles, strict=True) if r == role]
    outside = [lp for lp, r in zip(score.logprobs, score.roles, strict=True) if r != role]
    if not inside or not outside:
        return math.nan
    return logsumexp(inside) - logsumexp(outside)


def largest_pairs(scores: Iterable[VariantScore], *, limit: int) -> list[VariantPair]:
    """The ``limit`` pairs (same family, attribute and scenario, different groups) whose values
    differ most, largest first."""
    cells: dict[tuple[str, str, str], list[tuple[VariantScore, float]]] = defaultdict(list)
    for score in scores:
        value = variant_value(score)
        if math.isfinite(value):
            cells[(score.family, score.attribute, score.probe_id)].append((score, value))
    pairs = [
        VariantPair(a, b, va, vb) if va <= vb else VariantPair(b, a, vb, va)
        for members in cells.values()
        for (a, va), (b, vb) in combinations(members, 2)
        if a.group != b.group
    ]
    pairs.sort(key=lambda p: (-abs(p.difference), p.first.position, p.second.position))
    return pairs[:limit]


@dataclass(frozen=True)
class GroupRate:
    """A group's mean P(favourable) over the scenarios of one attribute, with its interval."""

    attribute: str
    group: str
    rate: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class ScenarioGrid:
    """P(favourable) of every scenario (rows) for every group (columns) of one attribute."""

    attribute: str
    scenarios: tuple[str, ...]
    groups: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # NaN where a scenario lacks a group


def decision_evidence(
    scores: Iterable[VariantScore],
    *,
    group_order: dict[str, tuple[str, ...]] | None = None,
    confidence: float = 0.95,
    samples: int = 2000,
    seed: int = 0,
) -> tuple[list[GroupRate], list[ScenarioGrid]]:
    """Per-group bars and the scenario x group grid of the decision probes in ``scores``.

    A variant's P(favourable) is the probability of the favourable answers among the choices
    (averaged over the names of one group in one scenario, as the metrics do); a group's rate
    is its mean over scenarios, with a percentile-bootstrap interval over scenarios."""
    import numpy as np

    from workbench.bias.metrics.decision import scenario_table
    from workbench.bias.stats import as_array, bootstrap_interval

    table = scenario_table(list(scores))
    cells: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for (attribute, probe, group), (_, p_favourable, _) in table.items():
        cells[attribute][(probe, group)] = p_favourable
    rates: list[GroupRate] = []
    grids: list[ScenarioGrid] = []
    for attribute, values in cells.items():
        seen = list(dict.fromkeys(g for _, g in values))
        order = (group_order or {}).get(attribute, ())
        groups = tuple(g for g in order if g in seen) + tuple(g for g in seen if g not in order)
        scenarios = tuple(sorted({p for p, _ in values}))
        grids.append(
            ScenarioGrid(
                attribute,
                scenarios,
                groups,
                tuple(tuple(values.get((s, g), math.nan) for g in groups) for s in scenarios),
            )
        )
        for group in groups:
            column = as_array([values[(s, group)] for s in scenarios if (s, group) in values])
            if len(column) >= 2:
                low, high = bootstrap_interval(
                    (column,),
                    lambda a: np.asarray(a.mean(axis=-1), dtype=np.float64),
                    samples=samples,
                    seed=seed,
                    confidence=confidence,
                )
            else:
                low = high = math.nan
            rates.append(GroupRate(attribute, group, float(column.mean()), low, high, len(column)))
    return rates, grids
