"""Probe set YAML as nodes that remember their file, line and field (see workbench.yaml_nodes).

Unlike other files, probe sets may use anchors and aliases: keys starting with ``x-`` hold
anchors for the rest of the file and are otherwise ignored, as in compose files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from workbench.bias.errors import ProbeSetError
from workbench.yaml_nodes import PositionedNode, compose_yaml, node_line


class Node(PositionedNode):
    """A YAML value with its position; the accessors check its type or raise ProbeSetError."""

    error = ProbeSetError
    line: int

    def __init__(
        self, raw: yaml.Node, constructor: yaml.constructor.SafeConstructor, file: str, path: str
    ) -> None:
        super().__init__(file, path, node_line(raw))
        self.raw = raw
        self._constructor = constructor

    def mapping(self, allowed: Iterable[str] | None = None) -> dict[str, Node]:
        """The mapping's values by key; unknown keys (when ``allowed`` is given) are refused."""
        if not isinstance(self.raw, yaml.MappingNode):
            raise self.fail("expected a mapping (key: value lines)")
        allowed_keys = tuple(allowed) if allowed is not None else None
        result: dict[str, Node] = {}
        for key_node, value_node in self.raw.value:
            key = self._constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise Node(key_node, self._constructor, self.file, self.path).fail(
                    f"keys must be text, got {key!r}"
                )
            child = Node(value_node, self._constructor, self.file, self.child_path(key))
            if key in result:
                raise child.fail("duplicate key (each key may appear once)")
            extension = key.startswith("x-")  # holds YAML anchors; ignored, like compose files
            if allowed_keys is not None and key not in allowed_keys and not extension:
                raise child.fail(f"unknown field (expected one of: {', '.join(allowed_keys)})")
            if not extension:
                result[key] = child
        return result

    def sequence(self) -> list[Node]:
        """The sequence's items."""
        if not isinstance(self.raw, yaml.SequenceNode):
            raise self.fail("expected a list")
        return [
            Node(item, self._constructor, self.file, self.child_path(index))
            for index, item in enumerate(self.raw.value)
        ]

    def scalar(self) -> Any:
        """The plain value of a scalar (text, number, boolean, null)."""
        if not isinstance(self.raw, yaml.ScalarNode):
            raise self.fail("expected a single value, not a list or mapping")
        return self._constructor.construct_object(self.raw, deep=True)

    def string(self, *, allow_empty: bool = False) -> str:
        """A text value (numbers are not silently turned into text)."""
        value = self.scalar()
        if not isinstance(value, str):
            raise self.fail(f"expected text, got {value!r} (quote it)")
        if not allow_empty and not value.strip():
            raise self.fail("must not be empty")
        return value

    def strings(self) -> tuple[str, ...]:
        """A non-empty list of texts (a single text counts as a list of one)."""
        if isinstance(self.raw, yaml.ScalarNode):
            return (self.string(),)
        items = self.sequence()
        if not items:
            raise self.fail("must list at least one value")
        values = tuple(item.string() for item in items)
        if len(set(values)) != len(values):
            raise self.fail("lists the same value twice")
        return values

    def integer(self, *, minimum: int | None = None) -> int:
        """A whole number, at least ``minimum``."""
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(f"must be at least {minimum}, got {value}")
        return value

    def number(self) -> float:
        """A number (whole or decimal)."""
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"expected a number, got {value!r}")
        return float(value)

    def boolean(self) -> bool:
        """true or false."""
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.fail(f"expected true or false, got {value!r}")
        return value


def compose(text: str, file: str) -> Node:
    """The root node of one probe set; syntax errors name the line (aliases are allowed)."""
    root = compose_yaml(text, file, error=ProbeSetError, aliases=True)
    return Node(root, yaml.constructor.SafeConstructor(), file, "")
