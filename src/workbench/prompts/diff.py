"""Differences between two prompt versions: per message, variables and parameters.

:func:`diff_contents` builds a structured :class:`PromptDiff` (for the GUI's diff view and
``--json``): messages are aligned by role, each pair gets a line diff, and lines changed in
place carry word-level spans. :func:`format_unified` renders it as a unified diff, optionally
with ANSI colour and changed words in reverse video.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

from workbench.prompts.errors import PromptTemplateError
from workbench.prompts.hashing import content_hash
from workbench.prompts.model import PromptContent, PromptVersion
from workbench.prompts.params import ParamValue, param_to_json
from workbench.prompts.templates import content_variables

ChangeKind = Literal["equal", "insert", "delete"]
MessageStatus = Literal["unchanged", "changed", "added", "removed"]

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class WordSpan:
    """A run of text inside a changed line: kept (``equal``), added or removed."""

    kind: ChangeKind
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One line of a message's diff, with its 1-based line numbers on each side."""

    kind: ChangeKind
    text: str
    old_lineno: int | None
    new_lineno: int | None
    #: For a line changed in place: its words, marked; empty for whole-line changes.
    spans: tuple[WordSpan, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "text": self.text,
            "old_lineno": self.old_lineno,
            "new_lineno": self.new_lineno,
            "spans": [{"kind": s.kind, "text": s.text} for s in self.spans],
        }


@dataclass(frozen=True)
class MessageDiff:
    """One message (or the completion template) compared across the two versions.

    Indices are 0-based positions in each version's messages; the role of a completion
    template is ``"template"``.
    """

    status: MessageStatus
    old_index: int | None
    new_index: int | None
    old_role: str | None
    new_role: str | None
    lines: tuple[DiffLine, ...]

    @property
    def title(self) -> str:
        """A name for headings: ``message 2 (user)``, ``template``."""
        new = _part_name(self.new_index, self.new_role)
        old = _part_name(self.old_index, self.old_role)
        if new is None:
            return old or ""
        if old is None or old == new:
            return new
        return f"{new} (was {old})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "status": self.status,
            "title": self.title,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "old_role": self.old_role,
            "new_role": self.new_role,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class ParamChange:
    """A sampling parameter set, removed or changed; None means not set on that side."""

    name: str
    old: ParamValue | None
    new: ParamValue | None

    @property
    def status(self) -> Literal["added", "removed", "changed"]:
        """How the parameter changed."""
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status,
            "old": param_to_json(self.old),
            "new": param_to_json(self.new),
        }


@dataclass(frozen=True)
class PromptDiff:
    """Everything that differs between two versions (of one prompt or of two)."""

    old_ref: str
    new_ref: str
    old_hash: str
    new_hash: str
    old_kind: str
    new_kind: str
    messages: tuple[MessageDiff, ...]
    variables_added: tuple[str, ...]
    variables_removed: tuple[str, ...]
    params: tuple[ParamChange, ...]

    @property
    def identical(self) -> bool:
        """True when both sides have the same content (hash)."""
        return self.old_hash == self.new_hash

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``prompts diff --json`` prints)."""
        return {
            "old": {"ref": self.old_ref, "content_hash": self.old_hash, "kind": self.old_kind},
            "new": {"ref": self.new_ref, "content_hash": self.new_hash, "kind": self.new_kind},
            "identical": self.identical,
            "messages": [message.to_dict() for message in self.messages],
            "variables": {
                "added": list(self.variables_added),
                "removed": list(self.variables_removed),
            },
            "params": [change.to_dict() for change in self.params],
        }


def diff_versions(old: PromptVersion, new: PromptVersion) -> PromptDiff:
    """The difference from ``old`` to ``new``; they may belong to different prompts."""
    return diff_contents(old.content, new.content, old_ref=old.ref, new_ref=new.ref)


def diff_contents(
    old: PromptContent, new: PromptContent, *, old_ref: str = "old", new_ref: str = "new"
) -> PromptDiff:
    """The difference from ``old`` to ``new`` content (e.g. a saved version and an edit)."""
    old_parts, new_parts = _parts(old), _parts(new)
    old_roles = [role for role, _ in old_parts]
    new_roles = [role for role, _ in new_parts]
    matcher = difflib.SequenceMatcher(None, old_roles, new_roles, autojunk=False)
    messages: list[MessageDiff] = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            messages.append(_pair(old_parts, new_parts, i1 + k, j1 + k))
        for i in range(i1 + paired, i2):
            role, text = old_parts[i]
            lines = tuple(_whole(text, "delete"))
            messages.append(MessageDiff("removed", i, None, role, None, lines))
        for j in range(j1 + paired, j2):
            role, text = new_parts[j]
            lines = tuple(_whole(text, "insert"))
            messages.append(MessageDiff("added", None, j, None, role, lines))
    old_vars, new_vars = _variables(old), _variables(new)
    params = tuple(
        ParamChange(name, old.params.get(name), new.params.get(name))
        for name in sorted(set(old.params) | set(new.params))
        if old.params.get(name) != new.params.get(name)
    )
    return PromptDiff(
        old_ref=old_ref,
        new_ref=new_ref,
        old_hash=content_hash(old),
        new_hash=content_hash(new),
        old_kind=old.kind,
        new_kind=new.kind,
        messages=tuple(messages),
        variables_added=tuple(v for v in new_vars if v not in old_vars),
        variables_removed=tuple(v for v in old_vars if v not in new_vars),
        params=params,
    )


def diff_lines(old_text: str, new_text: str) -> tuple[DiffLine, ...]:
    """A line diff of two texts; lines replaced in place are paired and get word spans."""
    old_lines, new_lines = _split(old_text), _split(new_text)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    result: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(
                DiffLine("equal", old_lines[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)
            )
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        spans = [word_spans(old_lines[i1 + k], new_lines[j1 + k]) for k in range(paired)]
        for k, i in enumerate(range(i1, i2)):
            result.append(
                DiffLine("delete", old_lines[i], i + 1, None, spans[k][0] if k < paired else ())
            )
        for k, j in enumerate(range(j1, j2)):
            result.append(
                DiffLine("insert", new_lines[j], None, j + 1, spans[k][1] if k < paired else ())
            )
    return tuple(result)


def word_spans(old_line: str, new_line: str) -> tuple[tuple[WordSpan, ...], tuple[WordSpan, ...]]:
    """Word-level spans of a changed line: (old side: equal/delete, new side: equal/insert)."""
    old_words, new_words = _WORDS.findall(old_line), _WORDS.findall(new_line)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    old_spans: list[WordSpan] = []
    new_spans: list[WordSpan] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = "".join(old_words[i1:i2]), "".join(new_words[j1:j2])
        if tag == "equal":
            _add_span(old_spans, "equal", old_text)
            _add_span(new_spans, "equal", new_text)
        else:
            _add_span(old_spans, "delete", old_text)
            _add_span(new_spans, "insert", new_text)
    return tuple(old_spans), tuple(new_spans)


def _variables(content: PromptContent) -> tuple[str, ...]:
    # An editor diffs unsaved text while it is typed; a template that does not parse yet still
    # gets its text diff, just no variables.
    try:
        return content_variables(content)
    except PromptTemplateError:
        return ()


def _add_span(spans: list[WordSpan], kind: ChangeKind, text: str) -> None:
    if not text:
        return
    if spans and spans[-1].kind == kind:  # merge neighbours: fewer, longer highlights
        spans[-1] = WordSpan(kind, spans[-1].text + text)
    else:
        spans.append(WordSpan(kind, text))


def _parts(content: PromptContent) -> list[tuple[str, str]]:
    if content.template is not None:
        return [("template", content.template)]
    return [(message.role, message.content) for message in content.messages]


def _pair(
    old_parts: list[tuple[str, str]], new_parts: list[tuple[str, str]], i: int, j: int
) -> MessageDiff:
    (old_role, old_text), (new_role, new_text) = old_parts[i], new_parts[j]
    lines = diff_lines(old_text, new_text)
    same = old_role == new_role and old_text == new_text
    return MessageDiff("unchanged" if same else "changed", i, j, old_role, new_role, lines)


def _whole(text: str, kind: ChangeKind) -> list[DiffLine]:
    lines = _split(text)
    if kind == "delete":
        return [DiffLine("delete", line, n, None) for n, line in enumerate(lines, start=1)]
    return [DiffLine("insert", line, None, n) for n, line in enumerate(lines, start=1)]


def _split(text: str) -> list[str]:
    # split("\n"), not splitlines(): a prompt's exact characters matter, so a trailing newline
    # shows as a final empty line and other separators (\r, \u2028) stay inside their line.
    return text.split("\n") if text else []


def _part_name(index: int | None, role: str | None) -> str | None:
    if index is None or role is None:
        return None
    return "template" if role == "template" else f"message {index + 1} ({role})"
