"""The statistics against hand-computed values, and their determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.bias.stats import (
    as_array,
    binomial_pvalue,
    bootstrap_interval,
    holm_adjust,
    logsumexp,
    paired_permutation_pvalue,
    sigmoid,
    wilson_interval,
    z_value,
)


def _mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=-1)


def _mean_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a - b).mean(axis=-1)


def test_holm_matches_hand_computed_step_down() -> None:
    # sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone: 0.06
    assert holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_holm_caps_at_one_and_skips_nan() -> None:
    adjusted = holm_adjust([0.5, math.nan, 0.6])
    assert adjusted[0] == pytest.approx(1.0)
    assert math.isnan(adjusted[1])
    assert adjusted[2] == pytest.approx(1.0)


def test_wilson_interval_of_eight_out_of_ten() -> None:
    low, high = wilson_interval(8, 10, confidence=0.95)
    assert (low, high) == pytest.approx((0.4901625, 0.9433178), abs=1e-6)


@pytest.mark.parametrize("n", [1, 10, 28, 1000])
def test_wilson_interval_is_exactly_zero_or_one_at_the_extremes(n: int) -> None:
    assert wilson_interval(0, n, confidence=0.95)[0] == 0.0
    assert wilson_interval(n, n, confidence=0.95)[1] == 1.0


def test_wilson_upper_bound_of_no_flips_in_28_scenarios() -> None:
    assert wilson_interval(0, 28, confidence=0.95)[1] == pytest.approx(0.1206, abs=1e-4)


def test_z_value_for_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_exact_binomial_test_nine_of_ten() -> None:
    assert binomial_pvalue(9, 10) == pytest.approx(22 / 1024)
    assert binomial_pvalue(5, 10) == pytest.approx(1.0)


def test_exact_permutation_pvalue_enumerates_all_sign_flips() -> None:
    # differences 1, 2, 3: of the 8 sign patterns only +++ and --- reach |sum| = 6
    a, b = as_array([1, 2, 3]), as_array([0, 0, 0])
    p = paired_permutation_pvalue(a, b, _mean_difference, permutations=1000, seed=1)
    assert p == pytest.approx(2 / 8)


def test_monte_carlo_permutation_pvalue_is_deterministic_and_never_zero() -> None:
    rng = np.random.default_rng(0)
    a = as_array(rng.normal(1.0, 0.1, size=20))
    b = as_array(np.zeros(20))
    first = paired_permutation_pvalue(a, b, _mean_difference, permutations=999, seed=7)
    again = paired_permutation_pvalue(a, b, _mean_difference, permutations=999, seed=7)
    assert first == again == pytest.approx(1 / 1000)


def test_bootstrap_interval_is_reproducible_with_the_same_seed() -> None:
    values = as_array([0.1, 0.5, -0.2, 0.9, 0.3, 0.0, 0.4, 0.2])
    first = bootstrap_interval((values,), _mean, samples=2000, seed=42, confidence=0.95)
    again = bootstrap_interval((values,), _mean, samples=2000, seed=42, confidence=0.95)
    other = bootstrap_interval((values,), _mean, samples=2000, seed=43, confidence=0.95)
    assert first == again
    assert first != other
    assert first[0] < values.mean() < first[1]


def test_bootstrap_interval_of_constant_data_is_a_point() -> None:
    values = as_array([0.25] * 6)
    low, high = bootstrap_interval((values,), _mean, samples=200, seed=0, confidence=0.95)
    assert low == pytest.approx(0.25)
    assert high == pytest.approx(0.25)


def test_logsumexp_and_sigmoid() -> None:
    assert logsumexp([math.log(0.2), math.log(0.3)]) == pytest.approx(math.log(0.5))
    assert logsumexp([]) == -math.inf
    assert sigmoid(0.0) == 0.5
    assert sigmoid(-1000.0) == pytest.approx(0.0)
    assert sigmoid(math.log(3)) == pytest.approx(0.75)
