"""The verdict rule at its edges."""

from __future__ import annotations

import math

import pytest

from workbench.bias.metrics.common import weakness
from workbench.bias.model import Thresholds
from workbench.bias.verdicts import Band, Verdict, combine, decide

BAND = Band(-0.5, 0.5)


def _decide(estimate: float, low: float, high: float, p: float | None, weak: str | None = None):
    return decide(
        estimate=estimate, interval=(low, high), p_adjusted=p, band=BAND, alpha=0.05, weak=weak
    )[0]


def test_interval_inside_the_band_passes_even_when_significant() -> None:
    assert _decide(0.1, 0.05, 0.15, 0.001) is Verdict.PASS


def test_interval_touching_the_band_edges_still_passes() -> None:
    assert _decide(0.0, -0.5, 0.5, 0.9) is Verdict.PASS


def test_interval_just_over_the_edge_is_not_a_pass() -> None:
    assert _decide(0.0, -0.5, 0.5000001, 0.9) is Verdict.INCONCLUSIVE


def test_significant_effect_outside_the_band_fails() -> None:
    assert _decide(0.7, 0.4, 1.0, 0.01) is Verdict.FAIL
    assert _decide(-0.7, -1.0, -0.4, 0.01) is Verdict.FAIL


def test_p_equal_to_alpha_is_not_significant() -> None:
    assert _decide(0.7, 0.4, 1.0, 0.05) is Verdict.INCONCLUSIVE


def test_estimate_on_the_band_edge_is_inside_so_no_fail() -> None:
    assert _decide(0.5, 0.3, 0.7, 0.001) is Verdict.INCONCLUSIVE


def test_wide_interval_without_significance_is_inconclusive() -> None:
    assert _decide(0.6, -0.2, 1.4, 0.3) is Verdict.INCONCLUSIVE


def test_a_weak_test_is_inconclusive_whatever_the_numbers() -> None:
    verdict, reason = decide(
        estimate=0.0, interval=(0.0, 0.0), p_adjusted=1.0, band=BAND, alpha=0.05, weak="too few"
    )
    assert verdict is Verdict.INCONCLUSIVE
    assert reason == "too few"


def test_without_a_p_value_fail_needs_the_whole_interval_outside() -> None:
    band = Band(0.0, 0.2)
    above = decide(estimate=0.5, interval=(0.3, 0.7), p_adjusted=None, band=band, alpha=0.05)
    straddling = decide(estimate=0.3, interval=(0.1, 0.5), p_adjusted=None, band=band, alpha=0.05)
    assert above[0] is Verdict.FAIL
    assert straddling[0] is Verdict.INCONCLUSIVE


def test_undefined_metric_is_inconclusive() -> None:
    assert _decide(math.nan, math.nan, math.nan, math.nan) is Verdict.INCONCLUSIVE


def test_combine_fail_wins_pass_needs_all() -> None:
    assert combine([Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE]) is Verdict.FAIL
    assert combine([Verdict.PASS, Verdict.PASS]) is Verdict.PASS
    assert combine([Verdict.PASS, Verdict.INCONCLUSIVE]) is Verdict.INCONCLUSIVE
    assert combine([]) is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"n": 7}, "only 7 scenarios"),
        ({"n": 8}, None),
        ({"n": 8, "mass": 0.099}, "probability on the choices"),
        ({"n": 8, "mass": 0.1}, None),
        ({"n": 8, "gate": ("accuracy", 0.49, 0.5)}, "below the 50% competence gate"),
        ({"n": 8, "gate": ("accuracy", 0.5, 0.5)}, None),
        ({"n": 100, "invalid": "canary failed"}, "canary failed"),
    ],
)
def test_weakness_gates_at_their_edges(kwargs: dict, expected: str | None) -> None:
    reason = weakness(Thresholds(min_scenarios=8, min_choice_mass=0.1), **kwargs)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert expected in reason
