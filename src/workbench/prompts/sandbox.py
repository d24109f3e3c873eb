"""The Jinja2 environment prompts render in: sandboxed, immutable, strict, and size-bounded.

Prompt files come from git repositories and other people, so their template code is untrusted.
Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` already refuses private and
internal attributes (``__class__``, ``__globals__``, ...), unsafe callables and changes to
lists and dicts. It does not bound sizes, so ``{{ 'x' * 10**10 }}`` would exhaust memory and
take the whole application down; the overrides here refuse such values before they are built.
Loops are not bounded in time (Jinja's own ``range`` is capped at 100,000 items per call), so
callers that must stay responsive render off their UI thread.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: The largest string or list a template may build by repetition or padding, and the widest
#: field a format string may ask for.
MAX_SIZE = 100_000
#: The largest integer exponent; 2 ** 10**9 would hang the process computing digits.
MAX_EXPONENT = 1_000

_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PADDING_FILTERS = ("center", "indent", "wordwrap")
_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBERS = re.compile(r"\d+")


class PromptSandbox(ImmutableSandboxedEnvironment):
    """The environment every prompt template is compiled and rendered in."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self) -> None:
        # keep_trailing_newline: the model must see exactly the text that was written.
        super().__init__(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
        # lipsum(n=...) makes text of any size and has no use in a prompt.
        self.globals.pop("lipsum", None)
        for name in _PADDING_FILTERS:
            self.filters[name] = _bounded_callable(self.filters[name], name)
        self.filters["format"] = _checked_format_filter(self.filters["format"])

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse repetition, powers and %-formatting that would build huge values."""
        if operator == "*":
            _check_repetition(left, right)
            _check_repetition(right, left)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large (limit {MAX_EXPONENT})")
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Refuse str padding methods asked for more than :data:`MAX_SIZE` characters."""
        is_str_method = isinstance(getattr(__obj, "__self__", None), str)
        if is_str_method and getattr(__obj, "__name__", "") in _PADDING_METHODS:
            _check_sizes(__obj.__name__, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandbox ``str.format`` as Jinja does, and refuse huge field widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_brace_format(value.__self__)
        return wrapped


def check_percent_format(text: str) -> None:
    """Raise SecurityError when a %-format string asks for a field wider than MAX_SIZE."""
    for match in _PERCENT_WIDTH.finditer(text):
        for group in match.groups():
            if group and group != "*" and int(group) > MAX_SIZE:
                raise SecurityError(f"format width {group} is too large (limit {MAX_SIZE})")


def check_brace_format(text: str) -> None:
    """Raise SecurityError when a ``{}``-format string asks for a field wider than MAX_SIZE."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return  # str.format itself will report the malformed string
    for _literal, _field, spec, _conversion in parsed:
        for number in _SPEC_NUMBERS.findall(spec or ""):
            if int(number) > MAX_SIZE:
                raise SecurityError(f"format width {number} is too large (limit {MAX_SIZE})")


def _check_repetition(sequence: Any, count: Any) -> None:
    if not (isinstance(sequence, str | list | tuple) and isinstance(count, int)):
        return
    if len(sequence) * count > MAX_SIZE:
        raise SecurityError(
            f"repeating a value {count} times would build {len(sequence) * count:,} "
            f"items (limit {MAX_SIZE:,})"
        )


def _check_sizes(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise SecurityError(f"{name}() with size {value} is too large (limit {MAX_SIZE:,})")


def _bounded_callable(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        # The first argument is the filtered value (a long text is fine); sizes come after it.
        _check_sizes(name, args[1:], kwargs)
        return function(*args, **kwargs)

    bounded.__dict__.update(function.__dict__)  # keeps Jinja's pass_environment marker
    bounded.__name__ = name
    bounded.__doc__ = function.__doc__
    return bounded


def _checked_format_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            check_percent_format(value)
        return function(value, *args, **kwargs)

    checked.__dict__.update(function.__dict__)
    checked.__doc__ = function.__doc__
    return checked
