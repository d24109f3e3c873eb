"""The statistics against published and exactly computed values."""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import Any

import pytest

from workbench.evals.records import CellResult
from workbench.evals.stats import (
    binomial_test,
    describe,
    mcnemar_exact,
    quantile,
    wilson_interval,
)
from workbench.evals.summary import find_flaky, summarize_cells


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe, Statistics in Medicine 17:857 (1998), Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_table(
    successes: int, n: int, low: float, high: float
) -> None:
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(11, 10)


def exact_two_sided(k: int, n: int, p: Fraction) -> Fraction:
    """R's binom.test rule with exact fractions: outcomes no more likely than k."""
    pmf = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(Fraction(1), sum((q for q in pmf if q <= pmf[k]), Fraction(0)))


@pytest.mark.parametrize(("b", "c"), [(1, 9), (2, 8), (0, 6), (5, 5), (3, 0), (12, 30)])
def test_mcnemar_exact_is_the_binomial_test_of_discordant_pairs(b: int, c: int) -> None:
    expected = exact_two_sided(b, b + c, Fraction(1, 2))
    assert mcnemar_exact(b, c) == pytest.approx(float(expected), rel=1e-12)


def test_mcnemar_known_values() -> None:
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)  # 2 * (1 + 10) / 2**10
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0


@pytest.mark.parametrize(("k", "n", "p"), [(3, 10, Fraction(1, 5)), (9, 20, Fraction(3, 10))])
def test_binomial_test_handles_asymmetric_nulls(k: int, n: int, p: Fraction) -> None:
    assert binomial_test(k, n, float(p)) == pytest.approx(float(exact_two_sided(k, n, p)))


def test_quantiles_interpolate_like_r_type_7() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert quantile(values, 0.5) == 3.0
    assert quantile(values, 0.9) == pytest.approx(7.6)
    summary = describe([None, 3.0, 1.0, 2.0])
    assert (summary.n, summary.mean, summary.median, summary.maximum) == (3, 2.0, 2.0, 3.0)
    assert describe([]).mean is None


def cell(prompt: str, case: str, passed: bool, repeat: int = 0, **extra: Any) -> CellResult:
    base: dict[str, Any] = {
        "id": 0, "run_id": 1, "number": 1, "key": f"{prompt}|m|{case}|{repeat}",
        "prompt_id": prompt, "model_id": "m", "case_id": case, "repeat": repeat, "seed": 0,
        "status": "ok", "output": extra.pop("output", "out"), "passed": passed,
        "score": 1.0 if passed else 0.0, "reason": "", "grading": {}, "prompt_tokens": 5,
        "completion_tokens": 3, "time_to_first_token_s": 0.1, "tokens_per_second": 50.0,
        "total_seconds": 0.2, "finish_reason": "stop", "error": None, "finished_at": "",
    }  # fmt: skip
    base.update(extra)
    return CellResult(**base)


def test_columns_get_pass_rate_interval_and_distributions() -> None:
    cells = [cell("a", f"c{i}", i < 8, total_seconds=float(i)) for i in range(10)]
    cells.append(cell("a", "c10", False, status="error", total_seconds=None))

    (column,) = summarize_cells(cells, [("a", "m")]).columns

    assert (column.n, column.passed, column.errors, column.evaluated) == (11, 8, 1, 10)
    assert column.pass_rate == pytest.approx(8 / 10)  # the errored cell is not a result
    assert (column.ci_low, column.ci_high) == pytest.approx(wilson_interval(8, 10))
    assert column.latency_s.n == 10
    assert column.latency_s.median == 4.5


def test_paired_comparison_says_b_is_better_only_when_significant() -> None:
    cases = [f"c{i}" for i in range(12)]
    a_cells = [cell("a", c, i < 2) for i, c in enumerate(cases)]
    b_cells = [cell("b", c, i < 11) for i, c in enumerate(cases)]
    close = [cell("c", c, i < 3) for i, c in enumerate(cases)]

    summary = summarize_cells(a_cells + b_cells + close, [("a", "m"), ("b", "m"), ("c", "m")])
    by_pair = {(cmp.a[0], cmp.b[0]): cmp for cmp in summary.comparisons}

    better = by_pair[("a", "b")]
    assert (better.only_a, better.only_b, better.both_pass) == (0, 9, 2)
    assert better.p_value == pytest.approx(2 / 2**9)
    assert better.sentence == "B is better"
    assert by_pair[("b", "c")].sentence == "B is worse"
    assert by_pair[("a", "c")].sentence == "no detectable difference"


def test_threshold_names_the_failing_columns() -> None:
    cells = [cell("a", "x", True), cell("b", "x", False)]

    summary = summarize_cells(cells, [("a", "m"), ("b", "m")], threshold=0.5)

    assert summary.failing_columns == (("b", "m"),)
    assert summary.threshold_passed is False
    assert summarize_cells(cells, [("a", "m")], threshold=0.5).threshold_passed is True
    assert summarize_cells(cells, [("a", "m")]).threshold_passed is None


def test_flaky_cells_are_those_whose_samples_disagree() -> None:
    cells = [
        cell("a", "x", True, 0, output="yes"),
        cell("a", "x", False, 1, output="no"),
        cell("a", "x", True, 2, output="yes"),
        cell("a", "y", True, 0),
        cell("a", "y", True, 1),
    ]

    (flaky,) = find_flaky(cells)

    assert (flaky.case_id, flaky.passes, flaky.samples, flaky.distinct_outputs) == ("x", 2, 3, 2)


def test_with_repeats_a_case_counts_once_by_majority() -> None:
    a = [cell("a", "x", p, r) for r, p in enumerate([True, True, False])]
    b = [cell("b", "x", p, r) for r, p in enumerate([True, False, False])]

    (comparison,) = summarize_cells(a + b, [("a", "m"), ("b", "m")]).comparisons

    assert comparison.n_pairs == 1
    assert comparison.only_a == 1


def test_mcnemar_matches_the_definition_it_replaced() -> None:
    """The tail sum equals summing every outcome no more likely than the observed one."""
    import math
    from fractions import Fraction

    def by_definition(b: int, c: int) -> float:
        n = b + c
        observed = math.comb(n, b)
        total = sum(count for i in range(n + 1) if (count := math.comb(n, i)) <= observed)
        return min(1.0, float(Fraction(total, 2**n)))

    for b in range(45):
        for c in range(45):
            assert mcnemar_exact(b, c) == by_definition(b, c), (b, c)
    assert mcnemar_exact(300, 250) == by_definition(300, 250)


def test_mcnemar_handles_tens_of_thousands_of_discordant_pairs() -> None:
    assert mcnemar_exact(10_000, 10_000) == 1.0
    assert 0.3 < mcnemar_exact(5_000, 5_100) < 0.35  # normal approximation: z = 0.995, p = 0.32
    assert mcnemar_exact(10_000, 7_000) < 1e-100
