"""Assertions: one registry of types, :func:`grade_output` to grade an output against them.

Types: equals, contains, icontains, contains-any, icontains-any, contains-all, icontains-all,
starts-with, regex, is-json, contains-json, json-schema, length, tokens, latency, similar,
levenshtein, refusal, llm-rubric; any may be negated with ``not-``.
"""

from workbench.evals.assertions import measures, rubric, similarity, structured, text
from workbench.evals.assertions.base import (
    AssertionType,
    GradingContext,
    InvalidAssertionError,
    Judge,
    JudgeVerdict,
    Outcome,
    assertion_types,
    build_assertion,
    get_assertion_type,
)
from workbench.evals.assertions.grading import (
    AssertionResult,
    GradingResult,
    grade_assertion,
    grade_output,
)

_CHECK_MODULES = (measures, rubric, similarity, structured, text)  # imported to register

__all__ = [
    "AssertionResult",
    "AssertionType",
    "GradingContext",
    "GradingResult",
    "InvalidAssertionError",
    "Judge",
    "JudgeVerdict",
    "Outcome",
    "assertion_types",
    "build_assertion",
    "get_assertion_type",
    "grade_assertion",
    "grade_output",
]
