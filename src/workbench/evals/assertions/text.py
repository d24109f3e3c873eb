"""Text assertions: equals, contains (and case-insensitive and any/all forms), starts-with,
regex.

``equals`` and ``starts-with`` ignore whitespace around the output (models often add a newline);
everything else looks at the output exactly as generated.
"""

from __future__ import annotations

import json
import re
from typing import Any

from workbench.evals.assertions.base import (
    GradingContext,
    InvalidAssertionError,
    Outcome,
    quote,
    register,
    text_list_value,
    text_value,
)
from workbench.evals.suite import Assertion


def _equals_value(value: Any, threshold: float | None) -> Any:
    if value is None:
        raise InvalidAssertionError("expected the value the output must equal")
    if isinstance(value, dict | list | bool | int | float):
        return value  # compared with the output parsed as JSON
    return text_value(value, threshold)


@register("equals", summary="the output equals the value", validate=_equals_value)
def check_equals(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Text: equal after stripping surrounding whitespace; other JSON: equal once parsed."""
    if isinstance(value, str):
        passed = output.strip() == value
        verb = "equals" if passed else "does not equal"
        return Outcome(passed, float(passed), f"Output {verb} {quote(value)}")
    try:
        parsed = json.loads(output)
    except ValueError:
        return Outcome(False, 0.0, f"Output is not JSON, so it does not equal {json.dumps(value)}")
    passed = parsed == value
    verb = "equals" if passed else "does not equal"
    return Outcome(passed, float(passed), f"Output parsed as JSON {verb} {json.dumps(value)}")


def _contains(output: str, needle: str, *, fold: bool) -> bool:
    return needle.casefold() in output.casefold() if fold else needle in output


def _contains_check(fold: bool) -> Any:
    def check(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
        passed = _contains(output, str(value), fold=fold)
        verb = "contains" if passed else "does not contain"
        case = " (ignoring case)" if fold else ""
        return Outcome(passed, float(passed), f"Output {verb} {quote(str(value))}{case}")

    return check


def _any_check(fold: bool) -> Any:
    def check(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
        found = [item for item in value if _contains(output, str(item), fold=fold)]
        if found:
            return Outcome(True, 1.0, f"Output contains {quote(str(found[0]))}")
        listed = ", ".join(quote(str(item), 40) for item in value)
        return Outcome(False, 0.0, f"Output contains none of {listed}")

    return check


def _all_check(fold: bool) -> Any:
    def check(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
        missing = [item for item in value if not _contains(output, str(item), fold=fold)]
        score = 1.0 - len(missing) / len(value)
        if not missing:
            return Outcome(True, 1.0, f"Output contains all {len(value)} values")
        listed = ", ".join(quote(str(item), 40) for item in missing)
        return Outcome(False, score, f"Output lacks {listed}")

    return check


register("contains", summary="the output contains the text", validate=text_value)(
    _contains_check(fold=False)
)
register("icontains", summary="contains, ignoring case", validate=text_value)(
    _contains_check(fold=True)
)
register("contains-any", summary="contains at least one of the texts", validate=text_list_value)(
    _any_check(fold=False)
)
register("icontains-any", summary="contains-any, ignoring case", validate=text_list_value)(
    _any_check(fold=True)
)
register("contains-all", summary="contains every one of the texts", validate=text_list_value)(
    _all_check(fold=False)
)
register("icontains-all", summary="contains-all, ignoring case", validate=text_list_value)(
    _all_check(fold=True)
)


@register("starts-with", summary="the output starts with the text", validate=text_value)
def check_starts_with(
    output: str, value: Any, assertion: Assertion, ctx: GradingContext
) -> Outcome:
    """True when the output, leading whitespace removed, starts with ``value``."""
    passed = output.lstrip().startswith(str(value))
    verb = "starts" if passed else "does not start"
    return Outcome(passed, float(passed), f"Output {verb} with {quote(str(value))}")


def _regex_value(value: Any, threshold: float | None) -> Any:
    pattern = text_value(value, threshold)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidAssertionError(f"not a valid regular expression: {exc}") from None
    return pattern


@register("regex", summary="a regular expression matches somewhere", validate=_regex_value)
def check_regex(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """Python ``re.search`` of ``value`` in the output."""
    try:
        match = re.search(str(value), output)
    except re.error as exc:  # a pattern filled in from a variable can still be broken
        return Outcome(False, 0.0, f"Invalid regular expression {quote(str(value))}: {exc}")
    if match:
        return Outcome(True, 1.0, f"Output matches /{value}/ at {quote(match.group(0), 40)}")
    return Outcome(False, 0.0, f"Output does not match /{value}/")
