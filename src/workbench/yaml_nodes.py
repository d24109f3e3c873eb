"""YAML read as nodes that remember their file, line and field, for errors that name all three.

Prompt files, eval suites and probe sets come in through here. The text is composed into nodes
rather than loaded straight into dicts, so that each value keeps its line and duplicate keys can
be refused instead of silently keeping the last one. Each package builds its own node class on
:class:`PositionedNode`, with the accessors and messages that fit its files, and raises its own
subclass of :class:`~workbench.errors.InputFileError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, TypeVar

import yaml

from workbench.errors import InputFileError


class PositionedNode:
    """A value with the file, line and field path it came from; ``fail`` builds its error."""

    __slots__ = ("file", "line", "path")

    error: ClassVar[type[InputFileError]] = InputFileError

    def __init__(self, file: str, path: str, line: int | None) -> None:
        self.file = file
        self.path = path
        self.line = line

    def fail(self, problem: str, *, field: str | None = None) -> InputFileError:
        """The error for ``problem`` at this node (or at ``field`` below it)."""
        return self.error(self.file, self.line, self.path if field is None else field, problem)

    def child_path(self, key: str | int) -> str:
        """The path of a child: ``tests[2].vars``."""
        return child_path(self.path, key)


_N = TypeVar("_N", bound=PositionedNode)


def require(mapping: Mapping[str, _N], key: str, parent: PositionedNode) -> _N:
    """``mapping[key]``, or an error at ``parent`` saying that ``key`` is missing."""
    if key not in mapping:
        raise parent.fail("is missing", field=parent.child_path(key))
    return mapping[key]


def child_path(path: str, key: str | int) -> str:
    """The path of a child of the value at ``path``: ``tests[2]``, ``tests[2].vars``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def node_line(node: yaml.Node) -> int:
    """The 1-based line a composed node starts on."""
    return int(node.start_mark.line) + 1


def compose_yaml(
    text: str, file: str, *, error: type[InputFileError], aliases: bool = False
) -> yaml.Node:
    """The root node of one YAML document; syntax errors name the line.

    Aliases (``*name``) are refused unless ``aliases`` is true: most files have no use for them,
    and they make "billion laughs" files possible.
    """
    try:
        if not aliases:
            for event in yaml.parse(text, Loader=yaml.SafeLoader):
                if isinstance(event, yaml.AliasEvent):
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise error(file, line, "", "YAML aliases (*name) are not allowed")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise error(file, line, "", f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise error(file, None, "", f"not valid YAML: {exc}") from None
    if root is None:
        raise error(file, None, "", "the file is empty")
    return root
