"""Comparing two runs: which cells regressed, which were fixed, and whether it is significant.

Cells are matched by column (prompt id x model id), case id and sample index. Case ids are
stable (given, or derived from the case's variables), so the same suite run twice, or a suite
edited between runs, lines up. When each run has a single column, those two columns are
compared even if their ids differ (``support-reply@2`` in one run, ``@3`` in the other).
Per matched column, McNemar's exact test says whether run B's column is really better; a
column pair with no case in common gets no test, and two runs with no matched cell have nothing
to compare (``nothing_in_common``), which is said rather than dressed up as a verdict.

An errored cell (not evaluated) has no verdict to regress from or to: a matched pair where
either side errored is listed apart (``errored``), never as regressed, fixed or still failing,
and its case is left out of the McNemar test when all its samples errored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.evals.records import CellResult, get_run, list_cells
from workbench.evals.summary import (
    Column,
    PairedComparison,
    case_outcomes,
    compare_columns,
    snapshot_columns,
)
from workbench.store import Store

# What the counts of a comparison count (in its JSON, as ``counts``).
COUNTS = {
    "matched": "samples matched by column, case and repeat (so are regressed, fixed, "
    "still_passing, still_failing, errored and only_in_a/only_in_b)",
    "tests": "cases, each by the majority of its evaluated samples in the column "
    "(a tie fails), over all of its samples",
}


@dataclass(frozen=True)
class CellChange:
    """One matched cell whose verdict changed between the runs."""

    prompt_id: str
    model_id: str
    case_id: str
    repeat: int
    number_a: int
    number_b: int
    score_a: float | None  # None: errored (not evaluated)
    score_b: float | None
    reason_a: str
    reason_b: str
    output_changed: bool
    status_a: str = "ok"
    status_b: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunComparison:
    """Run B against run A.

    Two different counts, which differ when a run repeats its cells: ``matched``,
    ``regressed``, ``fixed``, ``still_passing``, ``still_failing``, ``errored`` and ``only_in_*``
    count samples, matched one by one by column, case and repeat; ``tests`` (McNemar) count
    cases, each passing when most of its evaluated samples pass, over all of its samples.
    ``to_dict`` says so in ``counts``.
    """

    run_a: int
    run_b: int
    columns: tuple[tuple[Column, Column], ...]
    matched: int
    regressed: tuple[CellChange, ...]
    fixed: tuple[CellChange, ...]
    still_passing: int
    still_failing: int
    outputs_changed: int
    only_in_a: int
    only_in_b: int
    tests: tuple[PairedComparison, ...]
    errored: tuple[CellChange, ...] = ()  # matched cells that errored in either run

    @property
    def nothing_in_common(self) -> bool:
        """Whether no cell of run B matches one of run A (no column, case or sample shared)."""
        return self.matched == 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "nothing_in_common": self.nothing_in_common,
            "run_a": self.run_a,
            "run_b": self.run_b,
            "columns": [[list(a), list(b)] for a, b in self.columns],
            "matched": self.matched,
            "regressed": [c.to_dict() for c in self.regressed],
            "fixed": [c.to_dict() for c in self.fixed],
            "still_passing": self.still_passing,
            "still_failing": self.still_failing,
            "errored": [c.to_dict() for c in self.errored],
            "outputs_changed": self.outputs_changed,
            "only_in_a": self.only_in_a,
            "only_in_b": self.only_in_b,
            "tests": [t.to_dict() for t in self.tests],
            "counts": dict(COUNTS),
        }


def compare_runs(store: Store, run_a: int, run_b: int) -> RunComparison:
    """Compare the stored cells of two runs (see the module for how cells are matched)."""
    cells_a = list_cells(store, run_a, light=True)
    cells_b = list_cells(store, run_b, light=True)
    columns = _column_pairs(store, run_a, run_b)
    to_b = dict(columns)
    index_b = {(c.column, c.case_id, c.repeat): c for c in cells_b}
    regressed: list[CellChange] = []
    fixed: list[CellChange] = []
    errored: list[CellChange] = []
    still_passing = still_failing = changed = matched = 0
    matched_b: set[tuple[Column, str, int]] = set()
    for a in cells_a:
        column_b = to_b.get(a.column)
        b = index_b.get((column_b, a.case_id, a.repeat)) if column_b else None
        if b is None:
            continue
        matched += 1
        matched_b.add((b.column, b.case_id, b.repeat))
        changed += a.output != b.output
        if not (a.evaluated and b.evaluated):
            errored.append(_change(a, b))
        elif a.passed and not b.passed:
            regressed.append(_change(a, b))
        elif b.passed and not a.passed:
            fixed.append(_change(a, b))
        elif a.passed:
            still_passing += 1
        else:
            still_failing += 1
    tests = []
    for column_a, column_b in columns:
        outcomes_a = case_outcomes([c for c in cells_a if c.column == column_a])
        outcomes_b = case_outcomes([c for c in cells_b if c.column == column_b])
        if outcomes_a.keys() & outcomes_b.keys():  # no shared case: no verdict
            tests.append(compare_columns(column_a, column_b, outcomes_a, outcomes_b))
    return RunComparison(
        run_a=run_a,
        run_b=run_b,
        columns=tuple(columns),
        matched=matched,
        regressed=tuple(regressed),
        fixed=tuple(fixed),
        still_passing=still_passing,
        still_failing=still_failing,
        outputs_changed=changed,
        only_in_a=len(cells_a) - matched,
        only_in_b=len(cells_b) - len(matched_b),
        tests=tuple(tests),
        errored=tuple(errored),
    )


def _column_pairs(store: Store, run_a: int, run_b: int) -> list[tuple[Column, Column]]:
    columns_a = _columns(store, run_a)
    columns_b = _columns(store, run_b)
    if len(columns_a) == 1 and len(columns_b) == 1:
        return [(columns_a[0], columns_b[0])]
    return [(column, column) for column in columns_a if column in columns_b]


def _columns(store: Store, run_id: int) -> list[Column]:
    run = get_run(store, run_id)
    assert run.snapshot is not None
    return snapshot_columns(run.snapshot)


def _change(a: CellResult, b: CellResult) -> CellChange:
    return CellChange(
        prompt_id=b.prompt_id,
        model_id=b.model_id,
        case_id=b.case_id,
        repeat=b.repeat,
        number_a=a.number,
        number_b=b.number,
        score_a=a.graded_score,
        score_b=b.graded_score,
        reason_a=a.reason,
        reason_b=b.reason,
        output_changed=a.output != b.output,
        status_a=a.status,
        status_b=b.status,
    )
