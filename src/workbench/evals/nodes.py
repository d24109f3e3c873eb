"""Values read from YAML, JSON or CSV that remember their file, line and field.

Suites and case files come in through here, so every error can name the file, the line and the
field (``tests[3].assert[0].value``). YAML is composed into nodes rather than loaded straight
into dicts, so that each value keeps its line, duplicate keys are refused and aliases (which
make "billion laughs" files possible) are not allowed. Data that is already parsed (a JSON
line, a CSV row, a stored suite) is wrapped with the line it came from, or none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import yaml

from workbench.evals.errors import SuiteFileError
from workbench.yaml_nodes import PositionedNode, child_path, compose_yaml, node_line

MAX_FILE_BYTES = 20 * 1024 * 1024


class Node(PositionedNode):
    """One value with its position; accessors check its type or raise SuiteFileError."""

    __slots__ = ("_data", "kind")

    error = SuiteFileError

    def __init__(self, kind: str, data: Any, file: str, path: str, line: int | None) -> None:
        super().__init__(file, path, line)
        self.kind = kind  # "map", "seq" or "scalar"
        self._data = data

    def is_map(self) -> bool:
        """True for a mapping."""
        return self.kind == "map"

    def is_seq(self) -> bool:
        """True for a list."""
        return self.kind == "seq"

    def mapping(self, allowed: Iterable[str] | None = None) -> dict[str, Node]:
        """The mapping's values by key; keys outside ``allowed`` (when given) are refused."""
        if self.kind != "map":
            raise self.fail(f"expected a mapping (key: value), got {self.describe()}")
        children: dict[str, Node] = self._data
        if allowed is not None:
            known = tuple(allowed)
            for key, child in children.items():
                if key not in known:
                    raise child.fail(f"unknown field (expected one of: {', '.join(known)})")
        return dict(children)

    def sequence(self) -> list[Node]:
        """The list's items."""
        if self.kind != "seq":
            raise self.fail(f"expected a list, got {self.describe()}")
        return list(self._data)

    def items(self) -> list[Node]:
        """The list's items, or this node alone when it is not a list."""
        return self.sequence() if self.kind == "seq" else [self]

    def scalar(self) -> Any:
        """The plain value of a scalar (text, number, boolean, null)."""
        if self.kind != "scalar":
            raise self.fail(f"expected a single value, got {self.describe()}")
        return self._data

    def string(self, *, allow_empty: bool = False) -> str:
        """A text value (numbers are not silently turned into text)."""
        value = self.scalar()
        if not isinstance(value, str):
            raise self.fail(f"expected text, got {self.describe()} (put it in quotes)")
        if not allow_empty and not value.strip():
            raise self.fail("must not be empty")
        return value

    def text(self) -> str:
        """Any scalar as text: numbers and booleans are written as JSON writes them."""
        value = self.scalar()
        if value is None:
            raise self.fail("expected a value, got nothing")
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def strings(self) -> tuple[str, ...]:
        """A non-empty list of texts (a single text counts as a list of one)."""
        values = tuple(item.string() for item in self.items())
        if not values:
            raise self.fail("must list at least one value")
        return values

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int:
        """A whole number within the bounds."""
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected a whole number, got {self.describe()}")
        self._check_bounds(value, minimum, maximum)
        return value

    def number(self, *, minimum: float | None = None, maximum: float | None = None) -> float:
        """A finite number (whole or decimal) within the bounds."""
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"expected a number, got {self.describe()}")
        if not math.isfinite(value):
            raise self.fail(f"expected a finite number, got {value!r}")
        self._check_bounds(value, minimum, maximum)
        return float(value)

    def boolean(self) -> bool:
        """true or false."""
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.fail(f"expected true or false, got {self.describe()}")
        return value

    def plain(self) -> Any:
        """The value as plain JSON-ready data (dicts, lists, text, numbers, booleans, null)."""
        if self.kind == "map":
            return {key: child.plain() for key, child in self._data.items()}
        if self.kind == "seq":
            return [child.plain() for child in self._data]
        return self._data

    def describe(self) -> str:
        """What the value is, for messages: ``a list``, ``the number 3``."""
        if self.kind == "map":
            return "a mapping"
        if self.kind == "seq":
            return "a list"
        value = self._data
        if value is None:
            return "nothing"
        if isinstance(value, bool):
            return f"the boolean {str(value).lower()}"
        if isinstance(value, int | float):
            return f"the number {value!r}"
        return f"the text {value!r}"

    def _check_bounds(self, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            raise self.fail(f"must be at least {_fmt(minimum)}, got {_fmt(value)}")
        if maximum is not None and value > maximum:
            raise self.fail(f"must be at most {_fmt(maximum)}, got {_fmt(value)}")


def from_data(data: Any, file: str, *, line: int | None = None, path: str = "") -> Node:
    """Wrap already-parsed data (JSON, a CSV row, a stored suite); every value gets ``line``."""
    if isinstance(data, Mapping):
        children: dict[str, Node] = {}
        for key, value in data.items():
            if not isinstance(key, str):
                raise SuiteFileError(file, line, path, f"keys must be text, got {key!r}")
            children[key] = from_data(value, file, line=line, path=child_path(path, key))
        return Node("map", children, file, path, line)
    if isinstance(data, list | tuple):
        items = [
            from_data(value, file, line=line, path=child_path(path, index))
            for index, value in enumerate(data)
        ]
        return Node("seq", items, file, path, line)
    if data is None or isinstance(data, str | bool | int | float):
        return Node("scalar", data, file, path, line)
    raise SuiteFileError(file, line, path, f"unsupported value {data!r}")


def from_yaml(text: str, file: str) -> Node:
    """The root node of one YAML document; syntax errors name the line, aliases are refused."""
    root = compose_yaml(text, file, error=SuiteFileError)
    return _convert(root, file, "", yaml.constructor.SafeConstructor())


def _convert(
    raw: yaml.Node, file: str, path: str, constructor: yaml.constructor.SafeConstructor
) -> Node:
    line = node_line(raw)
    if isinstance(raw, yaml.MappingNode):
        children: dict[str, Node] = {}
        for key_node, value_node in raw.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise SuiteFileError(file, node_line(key_node), path, "keys must be text")
            if key in children:
                raise SuiteFileError(
                    file, node_line(key_node), child_path(path, key), "duplicate key"
                )
            children[key] = _convert(value_node, file, child_path(path, key), constructor)
        return Node("map", children, file, path, line)
    if isinstance(raw, yaml.SequenceNode):
        items = [
            _convert(item, file, child_path(path, index), constructor)
            for index, item in enumerate(raw.value)
        ]
        return Node("seq", items, file, path, line)
    value = constructor.construct_object(raw, deep=True)
    if isinstance(value, datetime | date):  # an unquoted date is still the text written
        value = str(raw.value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise SuiteFileError(file, line, path, f"expected a finite number, got {raw.value!r}")
    elif value is not None and not isinstance(value, str | bool | int | float):
        raise SuiteFileError(file, line, path, f"unsupported YAML value {raw.value!r}")
    return Node("scalar", value, file, path, line)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
