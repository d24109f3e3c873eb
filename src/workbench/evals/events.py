"""What a running matrix reports to its ``progress`` callback, in order.

``RunStarted``, then per model ``ModelLoading`` (when it must be loaded), per cell
``CellStarted`` and ``CellFinished`` (the cell is already in the store), and at the end
``RunFinished``. Returning False from the callback cancels the run: at once when it answers a
``CellStarted``, else after the cell it reports. Events are called from the thread running the
matrix; a GUI forwards them to its own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.evals.plan import PlannedCell
from workbench.evals.records import CellResult, EvalRun


@dataclass(frozen=True)
class RunStarted:
    """The run exists in the store; ``done`` cells were finished before (a resume)."""

    run_id: int
    total: int
    done: int
    resumed: bool
    repeat: int = 1  # samples per cell: above 1, ``total`` and ``done`` count samples


@dataclass(frozen=True)
class ModelLoading:
    """A model is being loaded (once per run)."""

    run_id: int
    model_id: str
    model_name: str


@dataclass(frozen=True)
class CellStarted:
    """A cell is about to run."""

    run_id: int
    cell: PlannedCell
    done: int
    total: int


@dataclass(frozen=True)
class CellFinished:
    """A cell finished and was stored; ``eta_s`` estimates the time left (None at first)."""

    run_id: int
    cell: CellResult
    done: int
    total: int
    eta_s: float | None


@dataclass(frozen=True)
class RunFinished:
    """The run ended (finished, cancelled or failed) and its summary is stored."""

    run: EvalRun


RunEvent = RunStarted | ModelLoading | CellStarted | CellFinished | RunFinished
ProgressCallback = Callable[[RunEvent], bool | None]
