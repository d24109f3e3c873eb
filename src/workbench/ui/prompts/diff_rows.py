"""A :class:`~workbench.prompts.PromptDiff` laid out as aligned rows for a side-by-side view.

Plain Python (no Qt), so the layout is easy to test. Each message of the diff starts with a
heading row; then unchanged lines face each other, a run of removed and added lines is paired
line by line (paired lines carry the changed words), and the shorter side of a run is padded
with filler rows so that both sides stay aligned.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import Literal

from workbench.prompts import DiffLine, MessageDiff, ParamChange, PromptDiff, WordSpan

SideKind = Literal["gap", "heading", "equal", "delete", "insert", "filler"]


@dataclass(frozen=True)
class Side:
    """One side of a row: its text, line number (None for headings and fillers) and, for a line
    changed in place, its words marked equal / delete / insert."""

    kind: SideKind
    text: str = ""
    lineno: int | None = None
    spans: tuple[WordSpan, ...] = ()


FILLER = Side("filler")


@dataclass(frozen=True)
class DiffRow:
    """What the old (left) and new (right) sides show on one line of the view."""

    left: Side
    right: Side


def side_by_side_rows(diff: PromptDiff) -> list[DiffRow]:
    """Every message of ``diff`` as aligned rows, in the diff's order."""
    rows: list[DiffRow] = []
    for message in diff.messages:
        if rows:
            rows.append(DiffRow(Side("gap"), Side("gap")))
        rows.append(_heading(message))
        rows.extend(_line_rows(message.lines))
    return rows


def _heading(message: MessageDiff) -> DiffRow:
    note = "" if message.status == "unchanged" else f" · {message.status}"
    old = _part(message.old_index, message.old_role)
    new = _part(message.new_index, message.new_role)
    left = Side("heading", f"{old}{note}" if old else "(not in this version)")
    right = Side("heading", f"{new}{note}" if new else "(not in this version)")
    return DiffRow(left, right)


def _part(index: int | None, role: str | None) -> str:
    if index is None or role is None:
        return ""
    return "Template" if role == "template" else f"Message {index + 1} · {role}"


def _line_rows(lines: tuple[DiffLine, ...]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    deleted: list[DiffLine] = []
    inserted: list[DiffLine] = []

    def flush() -> None:
        for old, new in zip_longest(deleted, inserted):
            left = Side("delete", old.text, old.old_lineno, old.spans) if old else FILLER
            right = Side("insert", new.text, new.new_lineno, new.spans) if new else FILLER
            rows.append(DiffRow(left, right))
        deleted.clear()
        inserted.clear()

    for line in lines:
        if line.kind == "equal":
            flush()
            rows.append(
                DiffRow(
                    Side("equal", line.text, line.old_lineno),
                    Side("equal", line.text, line.new_lineno),
                )
            )
        elif line.kind == "delete":
            if inserted:  # a new run starts: keep pairs within one run of changes
                flush()
            deleted.append(line)
        else:
            inserted.append(line)
    flush()
    return rows


def changed_words(rows: list[DiffRow], side: Literal["left", "right"]) -> list[str]:
    """The highlighted word runs on one side (what a reader's eye is drawn to)."""
    found: list[str] = []
    for row in rows:
        part = row.left if side == "left" else row.right
        found.extend(span.text for span in part.spans if span.kind != "equal")
    return found


def summary_parts(diff: PromptDiff) -> list[str]:
    """Short phrases for the header above the diff: messages, variables and parameters."""
    if diff.identical:
        return ["No differences: both sides have the same content."]
    parts: list[str] = []
    counts: dict[str, int] = {}
    for message in diff.messages:
        counts[message.status] = counts.get(message.status, 0) + 1
    for status in ("changed", "added", "removed"):
        if counts.get(status):
            noun = "message" if counts[status] == 1 else "messages"
            parts.append(f"{counts[status]} {noun} {status}")
    if diff.old_kind != diff.new_kind:
        parts.append(f"kind {diff.old_kind} → {diff.new_kind}")
    parts.extend(f"+ variable {name}" for name in diff.variables_added)
    parts.extend(f"− variable {name}" for name in diff.variables_removed)
    parts.extend(param_phrase(change) for change in diff.params)
    return parts or ["Only whitespace or order differs."]


def param_phrase(change: ParamChange) -> str:
    """``temperature 0.7 → 0.3``, ``+ repeat_penalty 1.15``, ``− seed (was 7)``."""
    if change.status == "added":
        return f"+ {change.name} {format_value(change.new)}"
    if change.status == "removed":
        return f"− {change.name} (was {format_value(change.old)})"
    return f"{change.name} {format_value(change.old)} → {format_value(change.new)}"


def format_value(value: object) -> str:
    """A parameter value as people read it (stop lists joined, newlines as ``\\n``)."""
    if isinstance(value, tuple | list):
        return "[" + ", ".join(repr(item) for item in value) + "]"
    return str(value)
