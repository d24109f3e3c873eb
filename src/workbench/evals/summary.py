"""What a run's cells add up to: per-column statistics, paired comparisons, flaky cells.

A column is one prompt version x model. Per column: pass rate with its Wilson 95% interval,
mean score, named metric means, and the distributions of latency, time to first token and
tokens/s. Between two columns that differ in one thing (the prompt or the model), on the cases
both have: McNemar's exact test on pass/fail, read as "B is better / worse / no detectable
difference" at the 5% level (two columns with no case in common get no comparison at all).
With repeats, a case counts once per column: it passes when most of its samples pass (a tie
counts as a fail); cells whose samples disagree are flagged flaky.

An errored cell (the prompt could not render, the engine refused) is not an evaluation result:
it is counted in its column's ``errors`` and left out of everything else (pass rates, Wilson
intervals, mean scores, flaky samples, and McNemar pairs: a case whose samples all errored on
either side is not compared). A column with no evaluated cell has no pass rate (None). A
column with any errored cell does not meet a threshold, whatever its pass rate: what was not
evaluated cannot be counted as reaching it.

Everything is computed from stored cells, never from memory, so a resumed run and a run
summarised again give the numbers its evidence supports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from types import MappingProxyType
from typing import Any

from workbench.evals.records import CellResult, get_run, list_cells
from workbench.evals.snapshot import RunSnapshot
from workbench.evals.stats import Distribution, describe, mcnemar_exact, wilson_interval
from workbench.store import Store
from workbench.wording import result_noun

ALPHA = 0.05
Column = tuple[str, str]


@dataclass(frozen=True)
class ColumnStats:
    """The statistics of one column (prompt id x model id)."""

    prompt_id: str
    model_id: str
    n: int  # cells stored, errored ones included
    passed: int
    errors: int  # cells stored as errors (not evaluated)
    evaluated: int  # n - errors: what pass_rate, the interval and mean_score are of
    pass_rate: float | None
    ci_low: float
    ci_high: float
    mean_score: float | None
    latency_s: Distribution
    time_to_first_token_s: Distribution
    tokens_per_second: Distribution
    completion_tokens: Distribution
    named_scores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def label(self) -> str:
        """``prompt × model`` for tables."""
        return f"{self.prompt_id} × {self.model_id}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = {k: v for k, v in self.__dict__.items() if not isinstance(v, Distribution)}
        data["named_scores"] = dict(self.named_scores)
        for name in (
            "latency_s",
            "time_to_first_token_s",
            "tokens_per_second",
            "completion_tokens",
        ):
            data[name] = getattr(self, name).to_dict()
        return data


@dataclass(frozen=True)
class PairedComparison:
    """Column B against column A on the cases both have (McNemar's exact test)."""

    a: Column
    b: Column
    n_pairs: int
    both_pass: int
    only_a: int
    only_b: int
    both_fail: int
    p_value: float
    verdict: str  # "better", "worse" or "no detectable difference"

    @property
    def sentence(self) -> str:
        """``B is better``, ``B is worse`` or ``no detectable difference``."""
        return (
            "no detectable difference" if self.verdict.startswith("no") else f"B is {self.verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = dict(self.__dict__)
        data["a"], data["b"] = list(self.a), list(self.b)
        data["sentence"] = self.sentence
        return data


@dataclass(frozen=True)
class FlakyCell:
    """A cell whose samples disagree on pass/fail."""

    prompt_id: str
    model_id: str
    case_id: str
    passes: int
    samples: int
    distinct_outputs: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunSummary:
    """Everything :func:`summarize_cells` computes."""

    columns: tuple[ColumnStats, ...]
    comparisons: tuple[PairedComparison, ...]
    flaky: tuple[FlakyCell, ...]
    n_done: int
    threshold: float | None
    failing_columns: tuple[Column, ...]
    unasserted_cases: tuple[str, ...] = ()
    repeat: int = 1  # samples per cell: above 1, counts of stored results say "samples"

    @property
    def n_errors(self) -> int:
        """Cells stored as errors (not evaluated: unrenderable, or refused by the engine)."""
        return sum(column.errors for column in self.columns)

    @property
    def threshold_passed(self) -> bool | None:
        """Whether every column reached the threshold (and no cell errored); None without a
        threshold."""
        return None if self.threshold is None else not self.failing_columns

    @property
    def threshold_failures(self) -> tuple[str, ...]:
        """Why each failing column failed the threshold, one sentence each."""
        if self.threshold is None:
            return ()
        by_column = {(c.prompt_id, c.model_id): c for c in self.columns}
        return tuple(
            _threshold_failure(by_column[column], self.threshold, self.repeat)
            for column in self.failing_columns
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what the run row stores)."""
        return {
            "n_done": self.n_done,
            "threshold": self.threshold,
            "threshold_passed": self.threshold_passed,
            "failing_columns": [list(c) for c in self.failing_columns],
            "threshold_failures": list(self.threshold_failures),
            "n_errors": self.n_errors,
            "cases_without_assertions": len(self.unasserted_cases),
            "unasserted_cases": list(self.unasserted_cases),
            "columns": [c.to_dict() for c in self.columns],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "flaky": [f.to_dict() for f in self.flaky],
        }


def summarize_cells(
    cells: Sequence[CellResult],
    columns: Sequence[Column],
    *,
    threshold: float | None = None,
    unasserted_cases: Sequence[str] = (),
    repeat: int = 1,
) -> RunSummary:
    """Statistics of ``cells`` for ``columns`` (in the suite's order). ``unasserted_cases``
    are the ids of cases with no assertion (they pass whenever the model answers), carried
    into the summary so that it can warn about them; ``repeat`` (samples per cell) only
    changes the words of its sentences."""
    by_column: dict[Column, list[CellResult]] = defaultdict(list)
    for cell in cells:
        by_column[cell.column].append(cell)
    stats = tuple(_column_stats(column, by_column.get(column, [])) for column in columns)
    outcomes = {column: case_outcomes(by_column.get(column, [])) for column in columns}
    comparisons = tuple(
        compare_columns(a, b, outcomes[a], outcomes[b])
        for a, b in combinations(columns, 2)
        if (a[0] == b[0] or a[1] == b[1]) and outcomes[a].keys() & outcomes[b].keys()
    )
    failing: tuple[Column, ...] = ()
    if threshold is not None:
        failing = tuple(
            (s.prompt_id, s.model_id)
            for s in stats
            if s.errors or s.pass_rate is None or s.pass_rate < threshold
        )
    return RunSummary(
        stats, comparisons, find_flaky(cells), len(cells), threshold, failing,
        tuple(unasserted_cases), repeat,
    )  # fmt: skip


def _threshold_failure(column: ColumnStats, threshold: float, repeat: int = 1) -> str:
    noun = result_noun(repeat)
    if column.pass_rate is None:
        if not column.errors:
            why = f"it has no {noun}"
        elif column.errors == 1:
            why = f"its only {noun} errored"
        else:
            why = f"every one of its {column.errors} {noun}s errored"
        return (
            f"{column.label}: no evaluated {noun} ({why}), so no pass rate to reach the threshold"
        )
    reasons = []
    if column.errors:
        reasons.append(f"{column.errors} of {_cells(column.n, noun)} errored (not evaluated)")
    if column.pass_rate < threshold:
        reasons.append(f"pass rate {column.pass_rate:.0%} is below {threshold:.0%}")
    return f"{column.label}: {'; '.join(reasons)}"


def _cells(count: int, noun: str = "cell") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def case_outcomes(cells: Sequence[CellResult]) -> dict[str, bool]:
    """Each case's pass/fail in one column: most of its evaluated samples must pass (a tie
    fails). Errored samples do not vote; a case whose samples all errored has no outcome."""
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cell in cells:
        if not cell.evaluated:
            continue
        votes[cell.case_id][0] += cell.passed
        votes[cell.case_id][1] += 1
    return {case: passes * 2 > total for case, (passes, total) in votes.items()}


def compare_columns(
    a: Column, b: Column, outcomes_a: Mapping[str, bool], outcomes_b: Mapping[str, bool]
) -> PairedComparison:
    """McNemar's exact test of B against A on the cases both columns have."""
    shared = [case for case in outcomes_a if case in outcomes_b]
    both = sum(outcomes_a[c] and outcomes_b[c] for c in shared)
    only_a = sum(outcomes_a[c] and not outcomes_b[c] for c in shared)
    only_b = sum(outcomes_b[c] and not outcomes_a[c] for c in shared)
    neither = len(shared) - both - only_a - only_b
    p_value = mcnemar_exact(only_a, only_b)
    if p_value < ALPHA and only_b != only_a:
        verdict = "better" if only_b > only_a else "worse"
    else:
        verdict = "no detectable difference"
    return PairedComparison(a, b, len(shared), both, only_a, only_b, neither, p_value, verdict)


def find_flaky(cells: Sequence[CellResult]) -> tuple[FlakyCell, ...]:
    """Cells (prompt, model, case) whose repeated evaluated samples disagree on pass/fail
    (errored samples have no verdict to disagree with)."""
    groups: dict[tuple[str, str, str], list[CellResult]] = defaultdict(list)
    for cell in cells:
        if not cell.evaluated:
            continue
        groups[(cell.prompt_id, cell.model_id, cell.case_id)].append(cell)
    flaky = []
    for (prompt_id, model_id, case_id), samples in groups.items():
        passes = sum(cell.passed for cell in samples)
        if 0 < passes < len(samples):
            distinct = len({cell.output for cell in samples})
            flaky.append(FlakyCell(prompt_id, model_id, case_id, passes, len(samples), distinct))
    return tuple(sorted(flaky, key=lambda f: (f.prompt_id, f.model_id, f.case_id)))


def _column_stats(column: Column, cells: Sequence[CellResult]) -> ColumnStats:
    ok = [cell for cell in cells if cell.evaluated]  # errored cells have no verdict
    evaluated = len(ok)
    passed = sum(cell.passed for cell in ok)
    low, high = wilson_interval(passed, evaluated)
    named: dict[str, list[float]] = defaultdict(list)
    for cell in ok:
        for name, value in cell.grading.get("named_scores", {}).items():
            named[name].append(value)
    return ColumnStats(
        prompt_id=column[0],
        model_id=column[1],
        n=len(cells),
        passed=passed,
        errors=len(cells) - evaluated,
        evaluated=evaluated,
        pass_rate=passed / evaluated if evaluated else None,
        ci_low=low,
        ci_high=high,
        mean_score=sum(cell.score for cell in ok) / evaluated if evaluated else None,
        latency_s=describe([cell.total_seconds for cell in ok]),
        time_to_first_token_s=describe([cell.time_to_first_token_s for cell in ok]),
        tokens_per_second=describe([cell.tokens_per_second for cell in ok]),
        completion_tokens=describe([cell.completion_tokens for cell in ok]),
        named_scores={name: sum(v) / len(v) for name, v in sorted(named.items())},
    )


def summarize_run(store: Store, run_id: int) -> RunSummary:
    """The statistics of a run, recomputed from its stored cells (even while it runs)."""
    run = get_run(store, run_id)
    assert run.snapshot is not None
    cells = list_cells(store, run_id, light=True)
    return summarize_snapshot(cells, run.snapshot)


def summarize_snapshot(cells: Sequence[CellResult], snapshot: RunSnapshot) -> RunSummary:
    """The statistics of a run's ``cells``, with the columns, threshold and cases of its
    snapshot."""
    return summarize_cells(
        cells,
        snapshot_columns(snapshot),
        threshold=snapshot.threshold,
        unasserted_cases=cases_without_assertions(snapshot),
        repeat=snapshot.repeat,
    )


def cases_without_assertions(snapshot: RunSnapshot) -> tuple[str, ...]:
    """The ids of cases that have no assertion, default assertions included."""
    return tuple(case.id for case in snapshot.cases if not case.assertions)


def snapshot_columns(snapshot: RunSnapshot) -> list[Column]:
    """The columns of a run, model by model, prompts in the suite's order."""
    return [(p.id, m.id) for m in snapshot.models for p in snapshot.prompts]
