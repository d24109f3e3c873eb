"""The assertion registry and the value objects of grading.

Every assertion type is one :class:`AssertionType`: a ``check`` that grades an output and a
``validate`` that checks the assertion's value and threshold once, where the suite comes in.
Modules in this package register their types on import; :mod:`workbench.evals.assertions`
imports them all.

A check returns an :class:`Outcome` (pass, score in [0, 1], a reason a person can read);
negation, weights and the combination of a case's assertions are handled in one place,
:mod:`workbench.evals.assertions.grading`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol

from workbench.evals.suite import NEGATION_PREFIX, Assertion


class InvalidAssertionError(Exception):
    """An assertion's value or threshold is not valid for its type (``field`` says which)."""

    def __init__(self, problem: str, field: str = "value") -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class Outcome:
    """What a check found: pass, score in [0, 1], a reason, and details worth keeping."""

    passed: bool
    score: float
    reason: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class JudgeVerdict:
    """A judge model's grading of one output against a rubric.

    ``score`` is the judge's probability that the output passes; ``reasoning`` is what the
    judge wrote; ``details`` keep the rest (log-probabilities, the judge's fingerprint).
    """

    score: float
    reasoning: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class Judge(Protocol):
    """Grades an output against a rubric (``llm-rubric``)."""

    def grade(self, rubric: str, output: str) -> JudgeVerdict:
        """Return the verdict on ``output``."""
        ...


@dataclass(frozen=True)
class GradingContext:
    """What a check may need besides the output: the case's variables, the prompt, the
    generation's measurements and a judge."""

    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    prompt: str = ""
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    judge: Judge | None = None


Checker = Callable[[str, Any, Assertion, GradingContext], Outcome]
Validator = Callable[[Any, "float | None"], Any]
ThresholdUse = Literal["none", "optional", "into-value"]


@dataclass(frozen=True)
class AssertionType:
    """One registered type: its name, its check, the validation of its configuration."""

    name: str
    check: Checker
    validate: Validator
    summary: str
    threshold: ThresholdUse = "none"
    needs_judge: bool = False


_REGISTRY: dict[str, AssertionType] = {}


def register(
    name: str,
    *,
    summary: str,
    validate: Validator,
    threshold: ThresholdUse = "none",
    needs_judge: bool = False,
) -> Callable[[Checker], Checker]:
    """Register the decorated function as the check of assertion type ``name``."""

    def decorate(check: Checker) -> Checker:
        if name in _REGISTRY:
            raise ValueError(f"assertion type {name!r} is registered twice")
        _REGISTRY[name] = AssertionType(name, check, validate, summary, threshold, needs_judge)
        return check

    return decorate


def build_assertion(
    type_name: str,
    value: Any = None,
    *,
    threshold: float | None = None,
    weight: float = 1.0,
    metric: str | None = None,
) -> Assertion:
    """A validated :class:`Assertion` from its parts as written (``type_name`` may carry the
    ``not-`` prefix). Raises InvalidAssertionError naming the field at fault."""
    negate = type_name.startswith(NEGATION_PREFIX)
    base_name = type_name[len(NEGATION_PREFIX) :] if negate else type_name
    kind = _REGISTRY.get(base_name)
    if kind is None:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidAssertionError(
            f"unknown assertion type {type_name!r} (known: {known}; any may take 'not-')", "type"
        )
    if threshold is not None:
        if kind.threshold == "none":
            raise InvalidAssertionError(f"{base_name} takes no threshold", "threshold")
        if kind.threshold == "into-value":
            if value is not None:
                raise InvalidAssertionError("give the bound as threshold or as value, not both")
            value, threshold = threshold, None
    if weight < 0:
        raise InvalidAssertionError(f"must not be negative, got {weight:g}", "weight")
    checked = kind.validate(value, threshold)
    return Assertion(base_name, checked, negate, threshold, float(weight), metric)


def assertion_types() -> tuple[AssertionType, ...]:
    """Every registered type, by name."""
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


def get_assertion_type(name: str) -> AssertionType | None:
    """The type registered as ``name`` (without ``not-``), or None."""
    return _REGISTRY.get(name)


# -- validators shared by several types --------------------------------------------------------


def no_value(value: Any, threshold: float | None) -> Any:
    """For types that take no value."""
    if value is not None:
        raise InvalidAssertionError("this assertion type takes no value")
    return None


def text_value(value: Any, threshold: float | None) -> Any:
    """A non-empty text (numbers are accepted and written as text, as a CSV cell would be)."""
    if isinstance(value, bool) or value is None:
        raise InvalidAssertionError("expected a text value")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str) or value == "":
        raise InvalidAssertionError("expected a non-empty text value")
    return value


def text_list_value(value: Any, threshold: float | None) -> Any:
    """A non-empty list of texts (one text counts as a list of one)."""
    items = value if isinstance(value, list) else [value]
    checked = [text_value(item, None) for item in items]
    if not checked:
        raise InvalidAssertionError("expected at least one text value")
    return checked


def render_value(value: Any, vars: Mapping[str, Any]) -> Any:
    """``value`` with ``{{ variable }}`` in its texts filled from the case's variables."""
    if isinstance(value, str) and "{{" in value:
        from workbench.prompts.templates import render_template

        return render_template(value, vars, where="the assertion's value")
    if isinstance(value, list):
        return [render_value(item, vars) for item in value]
    return value


def quote(text: str, limit: int = 80) -> str:
    """``text`` quoted for a reason, shortened to ``limit`` characters."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)
