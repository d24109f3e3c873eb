"""JSON assertions: is-json, contains-json, json-schema (validated with ``jsonschema``).

As in promptfoo, ``is-json`` and ``contains-json`` take an optional JSON schema as their value.
``json-schema`` requires one and checks the output if it is JSON as a whole, or else the first
JSON object or array inside it (models like to wrap JSON in a code fence).
"""

from __future__ import annotations

import json
from typing import Any

from workbench.evals.assertions.base import (
    GradingContext,
    InvalidAssertionError,
    Outcome,
    register,
)
from workbench.evals.suite import Assertion

_MAX_CANDIDATES = 200  # start positions tried when looking for JSON inside text
_DECODER = json.JSONDecoder()


def _schema_value(value: Any, threshold: float | None, *, required: bool) -> Any:
    if value is None:
        if required:
            raise InvalidAssertionError("expected a JSON schema (a mapping) as the value")
        return None
    if isinstance(value, str):  # promptfoo allows the schema as JSON text
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise InvalidAssertionError(f"the schema is not valid JSON: {exc}") from None
    if not isinstance(value, dict | bool):
        raise InvalidAssertionError("expected a JSON schema (a mapping) as the value")
    validator = _validator_class(value)
    try:
        validator.check_schema(value)
    except Exception as exc:  # jsonschema.SchemaError; its type comes from a lazy import
        message = getattr(exc, "message", str(exc))
        raise InvalidAssertionError(f"not a valid JSON schema: {message}") from None
    return value


def _validator_class(schema: Any) -> Any:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is a dependency
        raise InvalidAssertionError(
            "JSON schema checks need the 'jsonschema' package (pip install jsonschema)"
        ) from None
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)


def _schema_problem(document: Any, schema: Any) -> str | None:
    """None when ``document`` satisfies ``schema``, else the first problem found."""
    validator = _validator_class(schema)(schema)
    error = next(iter(validator.iter_errors(document)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


def parse_whole(output: str) -> tuple[bool, Any]:
    """``(True, value)`` when the whole output (surrounding whitespace aside) is JSON."""
    try:
        return True, json.loads(output)
    except ValueError:
        return False, None


def find_json(output: str) -> tuple[bool, Any]:
    """``(True, value)`` for the first JSON object or array inside ``output``."""
    tried = 0
    for index, char in enumerate(output):
        if char not in "{[":
            continue
        tried += 1
        if tried > _MAX_CANDIDATES:
            break
        try:
            value, _end = _DECODER.raw_decode(output, index)
        except ValueError:
            continue
        return True, value
    return False, None


def _judge_document(found: bool, document: Any, schema: Any, what: str) -> Outcome:
    if not found:
        return Outcome(False, 0.0, f"Output {what}")
    if schema is None:
        return Outcome(True, 1.0, "Output is valid JSON")
    problem = _schema_problem(document, schema)
    if problem is None:
        return Outcome(True, 1.0, "Output is JSON that matches the schema")
    return Outcome(False, 0.0, f"Output is JSON but does not match the schema {problem}")


@register(
    "is-json",
    summary="the output is valid JSON (optionally matching a schema)",
    validate=lambda value, threshold: _schema_value(value, threshold, required=False),
)
def check_is_json(output: str, value: Any, assertion: Assertion, ctx: GradingContext) -> Outcome:
    """The whole output parses as JSON (and matches ``value`` as a schema when given)."""
    found, document = parse_whole(output)
    return _judge_document(found, document, value, "is not valid JSON")


@register(
    "contains-json",
    summary="the output contains a JSON object or array (optionally matching a schema)",
    validate=lambda value, threshold: _schema_value(value, threshold, required=False),
)
def check_contains_json(
    output: str, value: Any, assertion: Assertion, ctx: GradingContext
) -> Outcome:
    """Some JSON object or array appears in the output."""
    found, document = find_json(output)
    return _judge_document(found, document, value, "contains no JSON object or array")


@register(
    "json-schema",
    summary="the output's JSON matches a JSON schema",
    validate=lambda value, threshold: _schema_value(value, threshold, required=True),
)
def check_json_schema(
    output: str, value: Any, assertion: Assertion, ctx: GradingContext
) -> Outcome:
    """The output (or the first JSON inside it) satisfies the schema ``value``."""
    found, document = parse_whole(output)
    if not found:
        found, document = find_json(output)
    return _judge_document(found, document, value, "contains no JSON to check")
