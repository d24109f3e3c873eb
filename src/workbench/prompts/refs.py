"""Prompt names, label names and version references (``NAME``, ``NAME@3``, ``NAME@LABEL``).

A label must start with a letter, so ``@3`` always means version 3 and never a label called
"3". ``latest`` is reserved: ``NAME@latest`` (like plain ``NAME``) is the newest version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.prompts.errors import PromptError

LATEST = "latest"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LABEL_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class PromptRef:
    """A parsed reference: ``version`` or ``label`` set, or neither for the latest version."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@{self.version}"
        if self.label is not None:
            return f"{self.name}@{self.label}"
        return self.name


def validate_prompt_name(name: str) -> str:
    """Return ``name`` if it can name a prompt, else raise PromptError."""
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise PromptError(
            f"Invalid prompt name {name!r}: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def validate_label_name(label: str) -> str:
    """Return ``label`` if it can name a label, else raise PromptError."""
    if not isinstance(label, str) or not _LABEL_PATTERN.match(label):
        raise PromptError(
            f"Invalid label {label!r}: use 1-64 letters, digits, '.', '_' or '-', starting with "
            "a letter (so that NAME@3 always means version 3)."
        )
    if label == LATEST:
        raise PromptError(f"{LATEST!r} is reserved: NAME@{LATEST} always means the newest version.")
    return label


def parse_ref(text: str) -> PromptRef:
    """Parse ``NAME``, ``NAME@N``, ``NAME@LABEL`` or ``NAME@latest``."""
    name, sep, selector = text.strip().partition("@")
    validate_prompt_name(name)
    if not sep or selector == LATEST:
        return PromptRef(name)
    return PromptRef(name, *parse_selector(selector, ref=text))


def parse_selector(selector: str, *, ref: str = "") -> tuple[int | None, str | None]:
    """Parse what follows the ``@``: ``(version, None)``, ``(None, label)`` or, for
    ``latest``, ``(None, None)``."""
    selector = selector.strip()
    if selector == LATEST:
        return None, None
    if selector.isdigit():
        version = int(selector)
        if version < 1:
            raise PromptError(f"Invalid reference {ref or selector!r}: versions start at 1.")
        return version, None
    if not _LABEL_PATTERN.match(selector):
        raise PromptError(
            f"Invalid reference {ref or selector!r}: after '@' give a version number, a label "
            "or 'latest'."
        )
    return None, selector
