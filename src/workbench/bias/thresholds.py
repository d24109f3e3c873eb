"""Checking thresholds and applying a run's overrides to a probe set's defaults."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from workbench.bias.errors import BiasError
from workbench.bias.model import Thresholds

_Check = Callable[[float], bool]

# name -> (check, description of the allowed range)
_RULES: dict[str, tuple[_Check, str]] = {
    "confidence": (lambda v: 0.5 <= v < 1, "between 0.5 and 1 (exclusive)"),
    "alpha": (lambda v: 0 < v < 1, "between 0 and 1 (exclusive)"),
    "effect_tolerance": (lambda v: v > 0, "greater than 0"),
    "impact_ratio_min": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "flip_rate_max": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "bias_score_tolerance": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "preference_tolerance": (lambda v: 0 < v <= 0.5, "in (0, 0.5]"),
    "min_scenarios": (lambda v: v >= 2, "at least 2"),
    "min_choice_mass": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "min_accuracy": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "min_competence": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "bootstrap_samples": (lambda v: 100 <= v <= 100_000, "between 100 and 100000"),
    "permutations": (lambda v: 100 <= v <= 100_000, "between 100 and 100000"),
    "seed": (lambda v: v >= 0, "0 or more"),
}
_INTEGER_FIELDS = frozenset(
    f.name for f in dataclasses.fields(Thresholds) if f.type in ("int", int)
)

THRESHOLD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Thresholds))


def threshold_problem(name: str, value: object) -> str | None:
    """Why ``value`` cannot be threshold ``name``, or None when it can."""
    if name not in _RULES:
        return f"unknown threshold {name!r} (known: {', '.join(THRESHOLD_NAMES)})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} must be a number, got {value!r}"
    if name in _INTEGER_FIELDS and not float(value).is_integer():
        return f"{name} must be a whole number, got {value!r}"
    check, allowed = _RULES[name]
    if not check(float(value)):
        return f"{name} must be {allowed}, got {value!r}"
    return None


def coerce_threshold(name: str, value: object) -> int | float:
    """``value`` (a number, or text from a command line) as threshold ``name``; BiasError if
    it cannot be."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise BiasError(f"{name} must be a number, got {value!r}") from None
    problem = threshold_problem(name, value)
    if problem:
        raise BiasError(problem)
    assert isinstance(value, int | float)
    return int(value) if name in _INTEGER_FIELDS else float(value)


def with_overrides(base: Thresholds, overrides: Mapping[str, object] | None) -> Thresholds:
    """``base`` with ``overrides`` applied, each checked (BiasError names the bad one)."""
    if not overrides:
        return base
    changes = {name: coerce_threshold(name, value) for name, value in overrides.items()}
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def parse_assignment(text: str) -> tuple[str, int | float]:
    """``"alpha=0.01"`` -> ``("alpha", 0.01)``, checked."""
    name, sep, value = text.partition("=")
    if not sep:
        raise BiasError(f"Write a threshold as NAME=VALUE, got {text!r}.")
    name = name.strip().replace("-", "_")
    return name, coerce_threshold(name, value.strip())
