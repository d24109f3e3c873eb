"""Test cases from files: CSV, JSONL and YAML, as promptfoo reads them.

- CSV: the header names the variables; each row is a case. Special columns, as in promptfoo:
  ``__expected`` (and ``__expected1``, ``__expected2``, ...) become assertions: plain text is an
  ``equals``; ``TYPE: value`` (``contains: refund``, ``not-icontains: sorry``, ``regex: ^\\d+$``,
  ``similar(0.8): text``, ``is-json``) is that assertion, and ``grade: rubric`` an
  ``llm-rubric``. ``__description``, ``__id``, ``__tags`` (comma-separated), ``__threshold`` and
  ``__metric`` (the metric of the row's ``__expected`` assertions) fill those fields.
- JSONL: one case per line, in promptfoo's shape (``{"vars": ..., "assert": [...]}``), or a flat
  object read like a CSV row.
- YAML: a list of cases in promptfoo's shape.

A bad row or line is refused with the file, its line and the field; nothing of the file is used.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from workbench.evals.errors import SuiteFileError
from workbench.evals.nodes import MAX_FILE_BYTES, Node, from_data, from_yaml
from workbench.evals.parsing import CASE_KEYS, VAR_PATTERN, parse_case
from workbench.evals.suite import EvalCase

CASE_FILE_SUFFIXES = (".csv", ".jsonl", ".yaml", ".yml")
_SPECIAL = ("__description", "__id", "__tags", "__threshold", "__metric")
_EXPECTED = re.compile(r"^__expected\d*$")
_SHORTHAND = re.compile(
    r"^(?P<type>[a-z][a-z-]*)(?:\((?P<threshold>[^)]*)\))?(?::\s?(?P<value>.*))?$", re.S
)
_NO_VALUE_TYPES = ("is-json", "contains-json", "refusal")
_UNSUPPORTED_PREFIXES = ("javascript", "python", "fn", "eval", "file", "webhook")


def read_case_text(path: Path) -> str:
    """A case file's text; errors name the file."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SuiteFileError(str(path), None, "", "the file is too large")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SuiteFileError(str(path), None, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise SuiteFileError(str(path), None, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SuiteFileError(str(path), None, "", f"cannot read the file ({exc})") from None


def load_case_file(path: Path) -> list[tuple[EvalCase, Node]]:
    """The cases of a CSV, JSONL or YAML file, each with the node it came from."""
    suffix = path.suffix.lower()
    if suffix not in CASE_FILE_SUFFIXES:
        raise SuiteFileError(
            str(path), None, "", f"cases come from {', '.join(CASE_FILE_SUFFIXES)} files"
        )
    text = read_case_text(path)
    if suffix == ".csv":
        return load_csv_cases(text, str(path))
    if suffix == ".jsonl":
        return load_jsonl_cases(text, str(path))
    return load_yaml_cases(text, str(path))


def load_csv_cases(text: str, file: str) -> list[tuple[EvalCase, Node]]:
    """Cases from CSV text: one per non-empty row after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SuiteFileError(file, None, "", "the file is empty") from None
    except csv.Error as exc:
        raise SuiteFileError(file, 1, "", f"not valid CSV: {exc}") from None
    columns = [name.strip() for name in header]
    _check_header(columns, file)
    cases: list[tuple[EvalCase, Node]] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SuiteFileError(file, line, "", f"not valid CSV: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise SuiteFileError(
                file, line, "", f"expected {len(columns)} fields as in the header, found {len(row)}"
            )
        cases.append(_row_case(dict(zip(columns, row, strict=True)), file, line))
    if not cases:
        raise SuiteFileError(file, None, "", "the file has a header but no cases")
    return cases


def load_jsonl_cases(text: str, file: str) -> list[tuple[EvalCase, Node]]:
    """Cases from JSON Lines text: one object per non-blank line."""
    cases: list[tuple[EvalCase, Node]] = []
    for number, line_text in enumerate(text.splitlines(), start=1):
        if not line_text.strip():
            continue
        try:
            data = json.loads(line_text)
        except ValueError as exc:
            raise SuiteFileError(file, number, "", f"not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise SuiteFileError(file, number, "", "expected a JSON object (one case per line)")
        if any(key in CASE_KEYS for key in data):
            node = from_data(data, file, line=number)
            cases.append((parse_case(node), node))
        else:
            cases.append(_row_case(data, file, number))
    if not cases:
        raise SuiteFileError(file, None, "", "the file has no cases")
    return cases


def load_yaml_cases(text: str, file: str) -> list[tuple[EvalCase, Node]]:
    """Cases from a YAML list of promptfoo-shaped test cases."""
    root = from_yaml(text, file)
    items = root.sequence()
    if not items:
        raise root.fail("the file has no cases")
    return [(parse_case(item), item) for item in items]


def _check_header(columns: list[str], file: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(columns, start=1):
        if not name:
            raise SuiteFileError(file, 1, f"column {index}", "the header names no variable")
        if name in seen:
            raise SuiteFileError(file, 1, name, "the column appears twice in the header")
        seen.add(name)
        if name.startswith("__") and not (name in _SPECIAL or _EXPECTED.match(name)):
            raise SuiteFileError(
                file,
                1,
                name,
                "unknown special column (known: __expected, __expected1..., "
                + ", ".join(_SPECIAL)
                + ")",
            )
        if not name.startswith("__") and not VAR_PATTERN.match(name):
            raise SuiteFileError(
                file,
                1,
                name,
                "a variable name is letters, digits and '_', not starting with a digit",
            )


def _row_case(row: dict[str, Any], file: str, line: int) -> tuple[EvalCase, Node]:
    """A case from a flat row: variables plus the special ``__`` columns."""
    case: dict[str, Any] = {"vars": {}}
    assertions: list[dict[str, Any]] = []
    metric = row.get("__metric")
    for name, value in row.items():
        if _EXPECTED.match(name):
            if isinstance(value, str) and not value.strip():
                continue
            assertions.append(_expected_assertion(value, file, line, name))
        elif name == "__description":
            case["description"] = value
        elif name == "__id":
            case["id"] = value
        elif name == "__tags":
            case["tags"] = value
        elif name == "__threshold":
            if isinstance(value, str) and value.strip():
                case["threshold"] = _number(value, file, line, name)
            elif not isinstance(value, str):
                case["threshold"] = value
        elif name == "__metric":
            continue
        elif name.startswith("__"):
            raise SuiteFileError(file, line, name, "unknown special field")
        else:
            case["vars"][name] = value
    if metric:
        for assertion in assertions:
            assertion["metric"] = metric
    if assertions:
        case["assert"] = assertions
    case = {key: value for key, value in case.items() if value != ""}
    node = from_data(case, file, line=line)
    return parse_case(node), node


def _expected_assertion(value: Any, file: str, line: int, column: str) -> dict[str, Any]:
    """promptfoo's ``__expected`` shorthand as an assertion mapping."""
    if not isinstance(value, str):
        return {"type": "equals", "value": value}
    from workbench.evals.assertions import get_assertion_type

    match = _SHORTHAND.match(value.strip())
    if match:
        type_name = match.group("type")
        base = type_name.removeprefix("not-")
        if base in _UNSUPPORTED_PREFIXES and match.group("value") is not None:
            raise SuiteFileError(
                file, line, column, f"{type_name}: assertions run code and are not supported"
            )
        if base == "grade":
            type_name = type_name.replace("grade", "llm-rubric")
            base = "llm-rubric"
        bare_ok = base in _NO_VALUE_TYPES or match.group("value") is not None
        if bare_ok and get_assertion_type(base) is not None:
            assertion: dict[str, Any] = {"type": type_name}
            if match.group("value") is not None:
                assertion["value"] = match.group("value")
            if match.group("threshold") is not None:
                assertion["threshold"] = _number(match.group("threshold"), file, line, column)
            return assertion
    return {"type": "equals", "value": value}


def _number(text: str, file: str, line: int, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SuiteFileError(file, line, column, f"expected a number, got {text!r}") from None
