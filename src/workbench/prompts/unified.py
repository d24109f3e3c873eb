"""A :class:`~workbench.prompts.diff.PromptDiff` as unified-diff text, optionally coloured.

The layout follows ``diff -u`` so that people and tools read it without help: a ``---``/``+++``
header, then one section per message with ``@@`` hunks, then variables and parameters as
``-``/``+`` lines. With colour, removed lines are red, added lines green, and the words that
changed inside a changed line are shown in reverse video.
"""

from __future__ import annotations

import json

from workbench.prompts.diff import DiffLine, MessageDiff, PromptDiff
from workbench.prompts.params import ParamValue, param_to_json

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_CYAN = "\x1b[36m"
_REVERSE_ON = "\x1b[7m"
_REVERSE_OFF = "\x1b[27m"


def format_unified(diff: PromptDiff, *, color: bool = False, context: int = 3) -> str:
    """The diff as text: ``context`` unchanged lines around each change; ANSI colour when
    ``color``. Messages that did not change are listed with one line each."""
    paint = _Painter(color)
    out = [paint.bold(f"--- {diff.old_ref}"), paint.bold(f"+++ {diff.new_ref}")]
    if diff.identical:
        out.append(f"(no differences: both have content hash {diff.new_hash[:12]})")
        return "\n".join(out) + "\n"
    if diff.old_kind != diff.new_kind:
        out.append(paint.bold(f"=== kind: {diff.old_kind} -> {diff.new_kind}"))
    for message in diff.messages:
        out.append(paint.bold(f"=== {message.title}: {message.status}"))
        if message.status != "unchanged":
            out.extend(_hunks(message, paint, context))
    if diff.variables_added or diff.variables_removed:
        out.append(paint.bold("=== variables"))
        out.extend(paint.line("delete", f"-{name}") for name in diff.variables_removed)
        out.extend(paint.line("insert", f"+{name}") for name in diff.variables_added)
    if diff.params:
        out.append(paint.bold("=== params"))
        for change in diff.params:
            if change.old is not None:
                out.append(paint.line("delete", f"-{change.name}: {_value(change.old)}"))
            if change.new is not None:
                out.append(paint.line("insert", f"+{change.name}: {_value(change.new)}"))
    return "\n".join(out) + "\n"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def bold(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.color else text

    def hunk(self, text: str) -> str:
        return f"{_CYAN}{text}{_RESET}" if self.color else text

    def line(self, kind: str, text: str) -> str:
        if not self.color or kind == "equal":
            return text
        return f"{_RED if kind == 'delete' else _GREEN}{text}{_RESET}"

    def diff_line(self, line: DiffLine) -> str:
        marker = {"equal": " ", "delete": "-", "insert": "+"}[line.kind]
        if not self.color or not line.spans:
            return self.line(line.kind, marker + line.text)
        base = _RED if line.kind == "delete" else _GREEN
        body = "".join(
            f"{_REVERSE_ON}{span.text}{_REVERSE_OFF}" if span.kind != "equal" else span.text
            for span in line.spans
        )
        return f"{base}{marker}{body}{_RESET}"


def _hunks(message: MessageDiff, paint: _Painter, context: int) -> list[str]:
    lines = message.lines
    changed = [i for i, line in enumerate(lines) if line.kind != "equal"]
    if not changed:
        # Same text under another role: nothing to show line by line.
        return [f"(same text; role {message.old_role} -> {message.new_role})"]
    groups: list[tuple[int, int]] = []
    for index in changed:
        start, end = max(0, index - context), min(len(lines), index + context + 1)
        if groups and start <= groups[-1][1]:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    out: list[str] = []
    for start, end in groups:
        chunk = lines[start:end]
        old_start, old_count = _range(lines, start, chunk, "old")
        new_start, new_count = _range(lines, start, chunk, "new")
        out.append(paint.hunk(f"@@ -{old_start},{old_count} +{new_start},{new_count} @@"))
        out.extend(paint.diff_line(line) for line in chunk)
    return out


def _range(
    lines: tuple[DiffLine, ...], start: int, chunk: tuple[DiffLine, ...], side: str
) -> tuple[int, int]:
    numbers = [n for n in (_lineno(line, side) for line in chunk) if n is not None]
    if numbers:
        return numbers[0], len(numbers)
    # No line on this side: like diff -u, name the line the hunk follows (0 before the first).
    before = [n for n in (_lineno(line, side) for line in lines[:start]) if n is not None]
    return (before[-1] if before else 0), 0


def _lineno(line: DiffLine, side: str) -> int | None:
    return line.old_lineno if side == "old" else line.new_lineno


def _value(value: ParamValue) -> str:
    return json.dumps(param_to_json(value), ensure_ascii=False)
