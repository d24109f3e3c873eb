"""Errors of evaluations; every message is fit to show a user as is.

Unknown suites, runs and cells raise :class:`workbench.errors.NotFoundError`; the classes here
cover the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.errors import InputFileError, WorkbenchError


class EvalError(WorkbenchError):
    """An evaluation cannot be set up or run as asked."""


class SuiteFileError(EvalError, InputFileError):
    """A suite, case file or promptfoo config is malformed; names the file, line and field."""


class UnsupportedImportError(EvalError):
    """A promptfoo config uses providers or assertion types that cannot be mapped.

    Nothing was imported; ``items`` names every one of them.
    """

    def __init__(self, file: str, items: Sequence[str]) -> None:
        self.file = file
        self.items = tuple(items)
        listed = "\n".join(f"  - {item}" for item in self.items)
        super().__init__(
            f"{file}: cannot import everything in this promptfoo config; nothing was imported:\n"
            f"{listed}\nMap providers with --map PROVIDER_ID=MODEL, or pass --skip-unsupported "
            "to import the rest (what is skipped is recorded in the suite's notes)."
        )


class RunBusyError(EvalError):
    """The run is still being executed by a live process; resuming it would race that one."""
