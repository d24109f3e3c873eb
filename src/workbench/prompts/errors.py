"""Errors of prompt management; every message is fit to show a user as is.

Unknown prompts, versions and labels raise :class:`workbench.errors.NotFoundError`, and a taken
prompt name :class:`workbench.errors.AlreadyExistsError`; the classes here cover the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.errors import InputFileError, WorkbenchError


class PromptError(WorkbenchError):
    """A prompt, its content or a reference to it is not valid."""


class PromptTemplateError(PromptError):
    """A template cannot be compiled: a syntax error, an unknown filter, a forbidden construct.

    ``line`` and ``column`` are 1-based and count inside the template text (the message or the
    completion template named by ``where``); ``column`` is None only when Jinja gives no clue.
    """

    def __init__(self, where: str, problem: str, line: int, column: int | None) -> None:
        self.where = where
        self.problem = problem
        self.line = line
        self.column = column
        position = f"line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"Template error in {where} at {position}: {problem}")


class UnsafeTemplateError(PromptError):
    """Template code tried to reach outside the sandbox (private attributes, unsafe calls) or
    to build a value too large to be a prompt."""


class MissingVariableError(PromptError):
    """Rendering needs variables that were not given."""

    def __init__(self, names: Sequence[str], *, ref: str = "") -> None:
        self.names = tuple(names)
        what = f"prompt {ref}" if ref else "the prompt"
        plural = "s" if len(self.names) > 1 else ""
        super().__init__(
            f"Missing variable{plural} for {what}: {', '.join(self.names)}. "
            "Give each one a value (on the command line: --var NAME=VALUE)."
        )


class TemplateRenderError(PromptError):
    """The template failed while rendering (a wrong type, a missing attribute, ...)."""


class PromptFileError(PromptError, InputFileError):
    """A prompt file (YAML) is malformed; the message names the file, line and field."""


class ImportConflictError(PromptError):
    """An import would change history: the store has a version with the same number and
    different content. Nothing was imported."""
