"""Grading an output: each assertion, then the case as a whole (promptfoo's rules).

- An assertion's texts may use the case's variables (``value: "{{ expected }}"``).
- ``not-`` inverts an assertion: pass becomes fail, the score ``s`` becomes ``1 - s``.
- The case's score is the weighted mean of its assertions' scores (weight 0: informational,
  graded but not counted); with no counted assertion it is 1.
- The case passes when every counted assertion passes or, when the case sets a
  ``threshold``, when its score reaches it.
- Named metrics (``metric: Accuracy``) are the weighted mean score of the assertions that
  carry the name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workbench.errors import WorkbenchError
from workbench.evals.assertions.base import (
    GradingContext,
    Outcome,
    get_assertion_type,
    render_value,
)
from workbench.evals.suite import Assertion


@dataclass(frozen=True)
class AssertionResult:
    """One assertion's grading: pass, score in [0, 1], a reason, and its weight and metric."""

    assertion: Assertion
    passed: bool
    score: float
    reason: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``pass``, ``score``, ``reason``, ``assertion``, ``details``)."""
        return {
            "pass": self.passed,
            "score": self.score,
            "reason": self.reason,
            "assertion": self.assertion.to_dict(),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class GradingResult:
    """A case's grading: pass, score, reason, each assertion's result and named scores."""

    passed: bool
    score: float
    reason: str
    components: tuple[AssertionResult, ...] = ()
    named_scores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, promptfoo's shape with snake-case names."""
        return {
            "pass": self.passed,
            "score": self.score,
            "reason": self.reason,
            "named_scores": dict(self.named_scores),
            "components": [component.to_dict() for component in self.components],
        }

    @classmethod
    def failure(cls, reason: str) -> GradingResult:
        """The grading of a cell that produced no output (it could not be rendered or run)."""
        return cls(False, 0.0, reason)


def grade_assertion(output: str, assertion: Assertion, context: GradingContext) -> AssertionResult:
    """Grade ``output`` against one assertion (negation applied)."""
    kind = get_assertion_type(assertion.type)
    if kind is None:
        outcome = Outcome(False, 0.0, f"Unknown assertion type {assertion.type!r}")
    else:
        try:
            value = render_value(assertion.value, context.vars)
        except WorkbenchError as exc:
            outcome = Outcome(False, 0.0, f"Cannot fill in the assertion's value: {exc}")
        else:
            outcome = kind.check(output, value, assertion, context)
    passed, score, reason = outcome.passed, min(1.0, max(0.0, outcome.score)), outcome.reason
    if assertion.negate:
        passed, score = not passed, 1.0 - score
        reason = f"{assertion.name} {'passed' if passed else 'failed'}: {reason}"
    return AssertionResult(assertion, passed, score, reason, outcome.details)


def grade_output(
    output: str,
    assertions: Sequence[Assertion],
    context: GradingContext | None = None,
    *,
    threshold: float | None = None,
) -> GradingResult:
    """Grade ``output`` against ``assertions`` and combine them (see the module's rules)."""
    context = context or GradingContext()
    components = tuple(grade_assertion(output, a, context) for a in assertions)
    counted = [c for c in components if c.assertion.weight > 0]
    total_weight = sum(c.assertion.weight for c in counted)
    score = (
        sum(c.score * c.assertion.weight for c in counted) / total_weight if total_weight else 1.0
    )
    failed = [c for c in counted if not c.passed]
    if threshold is not None:
        passed = score >= threshold
        verb = "reaches" if passed else "is below"
        reason = f"Score {score:.2f} {verb} the threshold {threshold:g}"
        if failed:
            reason += "; failed: " + "; ".join(c.reason for c in failed)
    elif failed:
        passed, reason = False, "; ".join(c.reason for c in failed)
    else:
        passed = True
        reason = "All assertions passed" if counted else "No assertions"
    return GradingResult(passed, score, reason, components, _named_scores(components))


def _named_scores(components: Sequence[AssertionResult]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for component in components:
        name = component.assertion.metric
        if name is None:
            continue
        weight = component.assertion.weight or 1.0
        entry = sums.setdefault(name, [0.0, 0.0])
        entry[0] += component.score * weight
        entry[1] += weight
    return {name: total / weight for name, (total, weight) in sorted(sums.items())}
