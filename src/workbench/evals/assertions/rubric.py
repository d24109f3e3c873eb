"""``llm-rubric``: a local judge model grades the output against a rubric.

The judge (see :mod:`workbench.evals.judge`) returns its probability that the output satisfies
the rubric and the reasoning it wrote; the assertion passes when that probability reaches the
threshold (default 0.5). Both, and the judge's fingerprint, are kept with the grading.
"""

from __future__ import annotations

from typing import Any

from workbench.engine.protocol import ScoringCancelledError
from workbench.errors import EngineError, ModelHostCrashedError
from workbench.evals.assertions.base import (
    GradingContext,
    InvalidAssertionError,
    Outcome,
    register,
    text_value,
)
from workbench.evals.suite import Assertion

DEFAULT_RUBRIC_THRESHOLD = 0.5


def _rubric_value(value: Any, threshold: float | None) -> Any:
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InvalidAssertionError(f"must be between 0 and 1, got {threshold:g}", "threshold")
    return text_value(value, threshold)


@register(
    "llm-rubric",
    summary="a judge model decides whether the output satisfies the rubric",
    validate=_rubric_value,
    threshold="optional",
    needs_judge=True,
)
def check_llm_rubric(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Ask the judge; pass when its probability of PASS reaches the threshold."""
    if ctx.judge is None:
        return Outcome(False, 0.0, "No judge model is available to grade this rubric")
    threshold = DEFAULT_RUBRIC_THRESHOLD if assertion.threshold is None else assertion.threshold
    try:
        verdict = ctx.judge.grade(str(value), output)
    except (ModelHostCrashedError, ScoringCancelledError):
        raise  # the run stops (crash, cancel); the cell is not stored and runs again on resume
    except EngineError as exc:  # e.g. the output does not fit the judge's context
        return Outcome(False, 0.0, f"The judge could not grade this output: {exc}")
    passed = verdict.score >= threshold
    word = "PASS" if passed else "FAIL"
    reasoning = verdict.reasoning.strip() or "(the judge gave no reasoning)"
    return Outcome(
        passed,
        verdict.score,
        f"Judge: {word} (P(pass) {verdict.score:.2f}, threshold {threshold:g}): {reasoning}",
        {"rubric": str(value), "reasoning": verdict.reasoning, **dict(verdict.details)},
    )
