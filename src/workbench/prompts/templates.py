"""Prompt templates: checking them at save, finding their variables, rendering them.

Templates use Jinja2 syntax (``{{ variable }}``, ``{% if %}``, filters) in the sandbox of
:mod:`workbench.prompts.sandbox`. A template is checked when a version is saved: a syntax error
is refused with its line and column, and so is code that reaches for private attributes or
other templates. Rendering with a variable missing names every missing variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.lexer import Token, TokenStream
from jinja2.parser import Parser

from workbench.prompts.errors import (
    MissingVariableError,
    PromptTemplateError,
    TemplateRenderError,
    UnsafeTemplateError,
)
from workbench.prompts.model import PromptContent, PromptKind, PromptMessage
from workbench.prompts.params import ParamValue, params_to_json
from workbench.prompts.sandbox import PromptSandbox

if TYPE_CHECKING:
    from workbench.engine.messages import GenerationRequest

_ENV = PromptSandbox()
_OPTIONAL_FILTERS = frozenset({"default", "d"})
_OPTIONAL_TESTS = frozenset({"defined", "undefined"})
_FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
}
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


@dataclass(frozen=True)
class RenderedPrompt:
    """A version with its variables filled in: what a model is given."""

    kind: PromptKind
    messages: tuple[PromptMessage, ...]
    text: str | None
    params: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))
    unused_variables: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.text is not None:
            data["text"] = self.text
        else:
            data["messages"] = [message.to_dict() for message in self.messages]
        data["params"] = params_to_json(self.params)
        data["unused_variables"] = list(self.unused_variables)
        return data

    def to_generation_request(self) -> GenerationRequest:
        """The engine request for this prompt, with its parameters as the sampling settings."""
        from workbench.engine.messages import ChatMessage, GenerationRequest
        from workbench.prompts.params import to_sampling_settings

        sampling = to_sampling_settings(self.params)
        if self.text is not None:
            return GenerationRequest(prompt=self.text, sampling=sampling)
        chat = tuple(ChatMessage(role=m.role, content=m.content) for m in self.messages)
        return GenerationRequest(messages=chat, sampling=sampling)


def check_template(source: str, *, where: str = "the template") -> None:
    """Raise :class:`PromptTemplateError` unless ``source`` compiles and stays in the sandbox."""
    tree = _parse(source, where)
    for node in tree.find_all(nodes.Node):
        forbidden = _FORBIDDEN_NODES.get(type(node))
        if forbidden is not None:
            raise _error_at_word(
                source,
                where,
                f"'{{% {forbidden} %}}' is not allowed: a prompt cannot load other templates",
                node.lineno,
                forbidden,
            )
        private = _private_name(node)
        if private is not None:
            raise _error_at_word(
                source,
                where,
                f"access to {private!r} is not allowed: names starting with '_' are private "
                "and templates run in a sandbox",
                node.lineno,
                private,
            )
    try:
        _compile(source)
    except TemplateSyntaxError as exc:  # unknown filters and tests surface only when compiling
        raise _error_at_word(source, where, exc.message or str(exc), exc.lineno, None) from None


def check_content(content: PromptContent) -> None:
    """Check every template of ``content`` (see :func:`check_template`)."""
    for where, text in content.texts():
        check_template(text, where=where)


def find_variables(source: str) -> tuple[str, ...]:
    """The variables ``source`` reads from its caller, in order of first use.

    Names the template assigns itself (``{% set %}``, loop variables) are not variables.
    """
    tree = _parse(source, "the template")
    undeclared = _undeclared(tree)
    seen: dict[str, None] = {}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in undeclared:
            seen.setdefault(name.name, None)
    return tuple(seen)


def content_variables(content: PromptContent) -> tuple[str, ...]:
    """The variables of every template in ``content``, in order of first use."""
    seen: dict[str, None] = {}
    for _where, text in content.texts():
        for name in find_variables(text):
            seen.setdefault(name, None)
    return tuple(seen)


def optional_variables(source: str) -> frozenset[str]:
    """Variables that the template guards with ``|default(...)`` or ``is defined``."""
    tree = _parse(source, "the template")
    optional: set[str] = set()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        guards = _OPTIONAL_FILTERS if isinstance(node, nodes.Filter) else _OPTIONAL_TESTS
        if node.name in guards and isinstance(node.node, nodes.Name):
            optional.add(node.node.name)
    return frozenset(optional)


def render_template(source: str, variables: Mapping[str, object], *, where: str = "") -> str:
    """Render one template; errors name ``where`` (e.g. ``message 2 (user)``)."""
    where = where or "the template"
    template = _compile(source)
    try:
        return template.render(dict(variables))
    except SecurityError as exc:
        raise UnsafeTemplateError(
            f"{where} was stopped by the sandbox: {str(exc).rstrip('.')}. Templates may only "
            "read their variables and format text."
        ) from None
    except UndefinedError as exc:
        match = _UNDEFINED_NAME.match(str(exc))
        if match and match.group(1) not in variables:
            raise MissingVariableError([match.group(1)]) from None
        raise TemplateRenderError(f"Rendering {where} failed: {str(exc).rstrip('.')}.") from None
    except Exception as exc:
        # The code that failed is the template author's, not ours: report it, don't crash.
        raise TemplateRenderError(
            f"Rendering {where} failed: {type(exc).__name__}: {str(exc).rstrip('.')}."
        ) from None


def render_prompt(
    content: PromptContent, variables: Mapping[str, object], *, ref: str = ""
) -> RenderedPrompt:
    """Fill ``content``'s templates with ``variables``.

    Every required variable that is missing is named at once in a
    :class:`MissingVariableError`; variables guarded by ``default`` or ``is defined`` may be
    left out. Variables given but not used are reported in ``unused_variables``.
    """
    needed = content_variables(content)
    optional: set[str] = set()
    for _where, text in content.texts():
        optional |= optional_variables(text)
    missing = [name for name in needed if name not in variables and name not in optional]
    if missing:
        raise MissingVariableError(missing, ref=ref)
    unused = tuple(name for name in variables if name not in needed)
    try:
        if content.template is not None:
            text = render_template(content.template, variables, where="the template")
            return RenderedPrompt("completion", (), text, content.params, unused)
        rendered = tuple(
            PromptMessage(message.role, render_template(message.content, variables, where=where))
            for (where, _text), message in zip(content.texts(), content.messages, strict=True)
        )
    except MissingVariableError as exc:
        raise MissingVariableError(exc.names, ref=ref) from None
    return RenderedPrompt("chat", rendered, None, content.params, unused)


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    # Compiled templates are immutable and safe to share between threads.
    return _ENV.from_string(source)


def _undeclared(tree: nodes.Template) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(tree)) - set(_ENV.globals)


def _private_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return str(node.attr)
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
        and node.arg.value.startswith("_")
    ):
        return node.arg.value
    return None


def _parse(source: str, where: str) -> nodes.Template:
    """Parse ``source``, turning a syntax error into one with the line and column."""
    tracker = _PositionTracker(source)
    parser = Parser(_ENV, "")  # its stream is replaced below by one that records positions
    try:
        parser.stream = TokenStream(tracker.tokens(), None, None)
        return parser.parse()
    except TemplateSyntaxError as exc:
        offset = tracker.offset_of(parser.stream.current if tracker.lexed_ok else None)
        line, column = _line_column(source, offset)
        raise PromptTemplateError(where, exc.message or str(exc), line, column) from None


class _PositionTracker:
    """Feeds Jinja's parser its tokens while remembering where in the source each one starts.

    Jinja reports a syntax error's line but not its column; the token the parser stopped at,
    or the point where the lexer stopped, gives the column.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.lexed_ok = True
        self._end_of_last_raw = 0
        self._start_of_last_raw = 0
        self._starts: list[tuple[Token, int]] = []

    def _raw(self) -> Iterator[tuple[int, str, str]]:
        position = 0
        try:
            for lineno, kind, value in _ENV.lexer.tokeniter(self.source, None):
                # Tokens come in source order; whitespace control ("{{-") only drops text, so
                # searching forward finds each token where it starts.
                start = self.source.find(value, position) if value else position
                start = position if start < 0 else start
                position = start + len(value)
                self._start_of_last_raw, self._end_of_last_raw = start, position
                yield lineno, kind, value
        except TemplateSyntaxError:
            self.lexed_ok = False
            raise

    def tokens(self) -> Iterator[Token]:
        for token in _ENV.lexer.wrap(self._raw()):
            self._starts.append((token, self._start_of_last_raw))
            yield token

    def offset_of(self, token: Token | None) -> int:
        if token is None:  # the lexer failed: the error is just after the last good token
            return self._end_of_last_raw
        if token.type == "eof":
            return len(self.source.rstrip("\n")) if self.source.strip() else 0
        for seen, start in reversed(self._starts):
            if seen is token:
                return start
        return self._end_of_last_raw


def _line_column(source: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _error_at_word(
    source: str, where: str, problem: str, line: int, word: str | None
) -> PromptTemplateError:
    """An error on ``line``, with the column of ``word`` (or of the first quoted name in
    ``problem``) on that line when it can be found."""
    if word is None:
        quoted = re.search(r"'([^']+)'", problem)
        word = quoted.group(1) if quoted else None
    lines = source.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    index = text.find(word) if word else -1
    return PromptTemplateError(where, problem, line, index + 1 if index >= 0 else None)
