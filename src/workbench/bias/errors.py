"""Errors of bias testing; every message is fit to show a user as is.

Unknown probe sets and runs raise :class:`workbench.errors.NotFoundError`; the classes here cover
the rest.
"""

from __future__ import annotations

from workbench.errors import InputFileError, WorkbenchError


class BiasError(WorkbenchError):
    """A bias test cannot be set up or run as asked (bad thresholds, nothing to score, ...)."""


class ProbeSetError(BiasError, InputFileError):
    """A probe set file is malformed; the message names the file, line and field."""


class ProbeSetConflictError(BiasError):
    """An import would rewrite history: a probe set with the same name and version but different
    content exists. Nothing was imported."""


class BiasRunBusyError(BiasError):
    """A run cannot be resumed because something else is scoring it now (this workbench, or
    another process: a second window, ``workbench bias resume``). Nothing was changed."""
