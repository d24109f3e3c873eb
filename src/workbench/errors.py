"""The error hierarchy.

`WorkbenchError` is the root. Its subclasses describe problems a user can fix (a bad file, an
unknown model name, a database from a newer version) and carry a message fit to show as is.
Anything else that escapes is a bug and is shown with its traceback.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose; the message is fit to show a user."""


class InputFileError(WorkbenchError):
    """A file a user gave (YAML, CSV, JSONL) is malformed; the message names the file, line
    and field, so it can be fixed without guessing."""

    def __init__(self, file: str, line: int | None, field: str, problem: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{file}:{line}" if line is not None else file
        field_part = f" {field}:" if field else ""
        super().__init__(f"{where}:{field_part} {problem}")


class StoreError(WorkbenchError):
    """The store cannot be opened or used (locked, corrupt, unwritable)."""


class NewerDatabaseError(StoreError):
    """The database was written by a newer workbench; it is refused and left untouched."""


class AuditChainError(WorkbenchError):
    """The audit log's hash chain does not verify."""


class NotFoundError(WorkbenchError):
    """A named thing (model, prompt, run) does not exist."""


class AlreadyExistsError(WorkbenchError):
    """A name is already taken."""


class InvalidModelFileError(WorkbenchError):
    """A file is not a usable GGUF model (not GGUF, truncated, corrupt header)."""


class EngineError(WorkbenchError):
    """The inference engine refused or failed a request."""


class ModelHostCrashedError(EngineError):
    """The model host process stopped unexpectedly; the next request starts a new one."""


class NoModelLoadedError(EngineError):
    """A request needs a loaded model and none is loaded."""
