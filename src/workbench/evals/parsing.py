"""Parsing the parts of a suite that case files share: test cases, variables, assertions.

Every function takes a :class:`~workbench.evals.nodes.Node`, so errors name the file, the line
and the field whether the case came from YAML, a JSON line or a CSV row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from workbench.canonical import canonical_json, sha256_hex
from workbench.evals.assertions import InvalidAssertionError, build_assertion
from workbench.evals.nodes import Node
from workbench.evals.suite import Assertion, EvalCase
from workbench.yaml_nodes import require

CASE_KEYS = ("id", "description", "vars", "assert", "tags", "threshold")
ASSERTION_KEYS = ("type", "value", "threshold", "weight", "metric")
# "~" is allowed because derived ids of repeated cases use it (c0123456789~2).
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/~-]{0,99}$")
VAR_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def id_problem(value: str, what: str) -> str | None:
    """Why ``value`` cannot be the id of a ``what`` (a suite, case, prompt or model column), or
    None: the check :func:`parse_id` makes, for forms that ask for a name before a suite exists."""
    if _ID_PATTERN.match(value):
        return None
    return (
        f"invalid {what} id {value!r}: use 1-100 letters, digits and . _ : @ / ~ - "
        "(starting with a letter or digit)"
    )


def parse_id(node: Node, what: str) -> str:
    """An id for a case, prompt or model column: 1-100 characters, no spaces and no ``|``."""
    value = node.text()
    problem = id_problem(value, what)
    if problem is not None:
        raise node.fail(problem)
    return value


def parse_vars(node: Node) -> dict[str, Any]:
    """A mapping of variable names to values (any JSON value)."""
    result: dict[str, Any] = {}
    for name, child in node.mapping().items():
        if not VAR_PATTERN.match(name):
            raise child.fail(
                "a variable name is letters, digits and '_', not starting with a digit"
            )
        result[name] = child.plain()
    return result


def parse_assertion(node: Node) -> Assertion:
    """One ``{type, value?, threshold?, weight?, metric?}`` mapping."""
    fields = node.mapping(ASSERTION_KEYS)
    type_name = require(fields, "type", node).string()
    threshold = fields["threshold"].number() if "threshold" in fields else None
    weight = fields["weight"].number(minimum=0) if "weight" in fields else 1.0
    metric = fields["metric"].string() if "metric" in fields else None
    value = fields["value"].plain() if "value" in fields else None
    try:
        return build_assertion(type_name, value, threshold=threshold, weight=weight, metric=metric)
    except InvalidAssertionError as exc:
        at = fields.get(exc.field) or fields.get("value") or node
        field = node.child_path(exc.field)
        raise at.fail(f"{type_name}: {exc.problem}", field=field) from None


def parse_assertions(node: Node) -> tuple[Assertion, ...]:
    """A list of assertions."""
    return tuple(parse_assertion(item) for item in node.sequence())


def parse_tags(node: Node) -> tuple[str, ...]:
    """Tags: a list of texts, or one text with tags separated by commas."""
    if node.is_seq():
        tags = [item.string().strip() for item in node.sequence()]
    else:
        tags = [part.strip() for part in node.string(allow_empty=True).split(",")]
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def parse_case(node: Node) -> EvalCase:
    """One test case in promptfoo's shape; ``id`` is left empty unless given (see
    :func:`assign_case_ids`)."""
    fields = node.mapping(CASE_KEYS)
    return EvalCase(
        id=parse_id(fields["id"], "case") if "id" in fields else "",
        vars=parse_vars(fields["vars"]) if "vars" in fields else {},
        assertions=parse_assertions(fields["assert"]) if "assert" in fields else (),
        description=fields["description"].string() if "description" in fields else "",
        tags=parse_tags(fields["tags"]) if "tags" in fields else (),
        threshold=fields["threshold"].number() if "threshold" in fields else None,
    )


def derived_case_id(case: EvalCase) -> str:
    """The id of a case that has none: a hash of its variables and description, so the same
    case gets the same id in every run whatever its position."""
    digest = sha256_hex(canonical_json({"vars": dict(case.vars), "description": case.description}))
    return "c" + digest[:10]


def assign_case_ids(cases: Sequence[EvalCase], nodes: Sequence[Node]) -> tuple[EvalCase, ...]:
    """Give every case without an id its derived id (``~2``, ``~3`` for repeats of the same
    case); refuse two cases with the same explicit id."""
    explicit: dict[str, Node] = {}
    for case, node in zip(cases, nodes, strict=True):
        if not case.id:
            continue
        if case.id in explicit:
            first = explicit[case.id].line
            raise node.fail(f"case id {case.id!r} is used twice (first at line {first})")
        explicit[case.id] = node
    used = set(explicit)
    final: list[EvalCase] = []
    for case in cases:
        if case.id:
            final.append(case)
            continue
        base = derived_case_id(case)
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}~{n}"
        used.add(key)
        final.append(_with_id(case, key))
    return tuple(final)


def _with_id(case: EvalCase, case_id: str) -> EvalCase:
    return EvalCase(
        case_id, case.vars, case.assertions, case.description, case.tags, case.threshold
    )


def unique_ids(items: Iterable[tuple[str, Node]], what: str) -> None:
    """Refuse two columns with the same id."""
    seen: set[str] = set()
    for item_id, node in items:
        if item_id in seen:
            raise node.fail(f"two {what}s are both named {item_id!r}; give one an id")
        seen.add(item_id)
