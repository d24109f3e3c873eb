"""Bounds on what a generation measured: length (characters), tokens, latency.

The value is a mapping ``{min: N, max: M}`` (either bound may be left out) or one number, the
maximum. ``latency`` counts milliseconds of the whole generation as the caller saw it and, as
in promptfoo, also takes its maximum as ``threshold``. ``tokens`` counts completion tokens.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.evals.assertions.base import (
    GradingContext,
    InvalidAssertionError,
    Outcome,
    register,
)
from workbench.evals.suite import Assertion


def bounds_value(value: Any, threshold: float | None) -> Any:
    """``{"min": a, "max": b}`` from a number (the maximum) or a mapping with min and/or max."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"max": value}
    if not isinstance(value, dict) or not value or set(value) - {"min", "max"}:
        raise InvalidAssertionError("expected a number (the maximum) or {min: N, max: M}")
    for key, bound in value.items():
        if (
            isinstance(bound, bool)
            or not isinstance(bound, int | float)
            or not math.isfinite(bound)
        ):
            raise InvalidAssertionError(f"{key} must be a number, got {bound!r}")
        if bound < 0:
            raise InvalidAssertionError(f"{key} must not be negative, got {bound!r}")
    if "min" in value and "max" in value and value["min"] > value["max"]:
        raise InvalidAssertionError(f"min ({value['min']}) is larger than max ({value['max']})")
    return dict(value)


def _latency_value(value: Any, threshold: float | None) -> Any:
    if value is None:
        raise InvalidAssertionError(
            "give the maximum in milliseconds as threshold (or value: {max: MS})", "threshold"
        )
    return bounds_value(value, None)


def _within(measured: float, bounds: dict[str, float], unit: str, what: str) -> Outcome:
    low, high = bounds.get("min"), bounds.get("max")
    shown = f"{measured:g} {unit}"
    if low is not None and measured < low:
        return Outcome(False, 0.0, f"{what} is {shown}, below the minimum {low:g}")
    if high is not None and measured > high:
        return Outcome(False, 0.0, f"{what} is {shown}, above the maximum {high:g}")
    return Outcome(True, 1.0, f"{what} is {shown}, within bounds", {"measured": measured})


@register(
    "length", summary="the output's length in characters is within bounds", validate=bounds_value
)
def check_length(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Characters of the output against ``{min, max}``."""
    return _within(len(output), value, "characters", "Length")


@register("tokens", summary="the completion's token count is within bounds", validate=bounds_value)
def check_tokens(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Completion tokens against ``{min, max}``."""
    if ctx.completion_tokens is None:
        return Outcome(False, 0.0, "No token count was measured for this output")
    return _within(ctx.completion_tokens, value, "tokens", "Completion")


@register(
    "latency",
    summary="the generation took at most (or at least) so many milliseconds",
    validate=_latency_value,
    threshold="into-value",
)
def check_latency(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Milliseconds of the generation against ``{min, max}``."""
    if ctx.latency_ms is None:
        return Outcome(False, 0.0, "No latency was measured for this output")
    return _within(round(ctx.latency_ms, 1), value, "ms", "Latency")
