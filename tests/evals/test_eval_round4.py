"""The core's side of the fourth QA round: a run with repeats words its threshold failures in
samples (one stored result each), a comparison's JSON says what its two kinds of count count,
and the run-started event carries the samples per cell."""

from __future__ import annotations

from dataclasses import replace

from eval_values import make_cell

from workbench.evals import CellResult, RunStarted
from workbench.evals.compare import COUNTS, RunComparison
from workbench.evals.summary import summarize_cells

COLUMN = ("p1", "m1")


def _cells() -> list[CellResult]:
    ok = [make_cell(f"c{i}", repeat=r, number=i * 2 + r + 1) for i in range(2) for r in range(2)]
    return [*ok[:3], replace(ok[3], status="error", passed=False, score=None)]


def test_threshold_failures_of_a_run_with_repeats_count_samples() -> None:
    summary = summarize_cells(_cells(), [COLUMN], threshold=0.5, repeat=2)

    assert summary.threshold_failures == ("p1 × m1: 1 of 4 samples errored (not evaluated)",)


def test_threshold_failures_without_repeats_count_cells() -> None:
    summary = summarize_cells(_cells(), [COLUMN], threshold=0.5)

    assert summary.threshold_failures == ("p1 × m1: 1 of 4 cells errored (not evaluated)",)


def test_a_comparison_says_in_json_that_matched_counts_samples_and_tests_count_cases() -> None:
    comparison = RunComparison(1, 2, ((COLUMN, COLUMN),), 3, (), (), 3, 0, 0, 0, 3, ())

    assert comparison.to_dict()["counts"] == COUNTS
    assert "repeat" in COUNTS["matched"]
    assert "majority" in COUNTS["tests"]


def test_run_started_says_one_sample_per_cell_unless_told() -> None:
    assert RunStarted(1, 6, 0, resumed=False).repeat == 1
    assert RunStarted(1, 6, 0, resumed=False, repeat=2).repeat == 2
