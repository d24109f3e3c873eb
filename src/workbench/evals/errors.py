"""Errors of evaluations; every message is fit to show a user as is.

Unknown suites, runs and cells raise :class:`workbench.errors.NotFoundError`; the classes here
cover the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.errors import InputFileError, NotFoundError, WorkbenchError


class EvalError(WorkbenchError):
    """An evaluation cannot be set up or run as asked."""


class SuiteFileError(EvalError, InputFileError):
    """A suite, case file or promptfoo config is malformed; names the file, line and field."""


class UnsupportedImportError(EvalError):
    """A promptfoo config uses providers or assertion types that cannot be mapped.

    Nothing was imported; ``items`` names every one of them: ``errors`` first (mistakes in the
    mapping, which ``--skip-unsupported`` does not skip), then what cannot be mapped.
    """

    def __init__(self, file: str, items: Sequence[str], *, errors: Sequence[str] = ()) -> None:
        self.file = file
        self.errors = tuple(errors)
        self.items = self.errors + tuple(items)
        listed = "\n".join(f"  - {item}" for item in self.items)
        hint = (
            "Map providers with --map PROVIDER_ID=MODEL, or pass --skip-unsupported to import "
            "the rest (what is skipped is recorded in the suite's notes)."
        )
        if self.errors:
            hint = (
                "Map each provider (by id or label) to a registered model with "
                "--map PROVIDER_ID=MODEL; --skip-unsupported skips what cannot be mapped, not "
                "a mistaken --map."
            )
        super().__init__(
            f"{file}: cannot import everything in this promptfoo config; nothing was imported:\n"
            f"{listed}\n{hint}"
        )


class UnresolvedReferencesError(EvalError, NotFoundError):
    """Models or prompts a suite (or a run's chosen columns) names do not exist; nothing was
    stored. ``problems`` names each one; the message also says what exists."""

    def __init__(self, message: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class MissingCaseVariablesError(EvalError):
    """A prompt of the run uses variables that some cases do not give; the run was refused
    before anything was stored. ``missing`` holds ``(prompt, case, names)`` for every pair."""

    def __init__(self, suite: str, missing: Sequence[tuple[str, str, tuple[str, ...]]]) -> None:
        self.missing = tuple(missing)
        shown = 10
        lines = [
            f"  - prompt {prompt}, case {case}: missing {', '.join(names)}"
            for prompt, case, names in self.missing[:shown]
        ]
        if len(self.missing) > shown:
            lines.append(f"  - ... and {len(self.missing) - shown} more")
        super().__init__(
            f"Suite {suite} cannot run: its prompts use variables that cases do not give; "
            "nothing was run or stored.\n" + "\n".join(lines) + f"\n{VARIABLES_HINT}"
        )


VARIABLES_HINT = (
    "Give each variable a value in the case's vars, or once for every case in the suite's "
    "default vars (defaultTest: vars:)."
)


class RunBusyError(EvalError):
    """The run is still being executed by a live process; resuming it would race that one."""
