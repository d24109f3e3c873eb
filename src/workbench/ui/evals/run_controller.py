"""Runs and resumes evaluation runs in the background for the Evaluations page, one at a time.

The runner calls its progress callback on the worker thread; the controller forwards each
event through its own signal (queued, so it arrives on the GUI thread), turns it into status
text and progress, and hands finished cells on in batches on a short timer, so a fast run never
floods the event loop. A run and a resume share all of this: they differ only in the
background function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from workbench.evals import (
    CellFinished,
    CellResult,
    CellStarted,
    EvalRun,
    ModelLoading,
    RunControl,
    RunFinished,
    RunOptions,
)
from workbench.ui.evals.matrix_model import MatrixData
from workbench.ui.evals.tasks import RunStartedWithSnapshot, execute_suite, resume_suite_run
from workbench.ui.operations import TaskContext
from workbench.wording import result_noun

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from workbench.evals.hosts import HostFactory
    from workbench.ui.context import AppContext
    from workbench.ui.operations import BackgroundOp

FLUSH_MS = 40
#: A case's description on the status line is cut to this many characters (the panel is narrow).
CASE_NAME_CHARS = 40


def unit_noun(repeat: int) -> str:
    """What a run's counts count: "cells", or "samples" when each cell runs more than once
    (a Repeats-3 run of 14 cells stores 42 results: the grid shows 14 cells)."""
    return f"{result_noun(repeat)}s"


def run_repeat(run: EvalRun) -> int:
    """The samples per cell of ``run`` (1 when its snapshot is not known)."""
    return run.snapshot.repeat if run.snapshot is not None else 1


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= CASE_NAME_CHARS else line[: CASE_NAME_CHARS - 1] + "…"


class RunController(QObject):
    """Executes one run (or resume) at a time and reports it on the GUI thread."""

    #: Every runner event, as it arrives on the GUI thread (emitted from the worker).
    event_arrived = Signal(object)
    #: The run exists: a RunStartedWithSnapshot (the run, and its grid with the cells it had
    #: finished before, for a resume, placed on the worker).
    run_started = Signal(object)
    #: Finished cells of the live run, in batches.
    cells_arrived = Signal(object)  # list[CellResult]
    #: (done, total) cells; total 0 while unknown.
    progress_changed = Signal(int, int)
    status_changed = Signal(str)
    running_changed = Signal(bool)
    #: The run ended (finished or cancelled) and is stored.
    run_finished = Signal(object)  # EvalRun
    #: The run or resume could not start or broke off.
    run_failed = Signal(object)  # BaseException

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self._parent = parent
        #: The model hosts runs use (None: a model process of their own); tests script them.
        self.hosts: HostFactory | None = None
        self.op: BackgroundOp[Any] | None = None
        self.control: RunControl | None = None
        #: The live run's id once it is stored (None before, and when idle).
        self.run_id: int | None = None
        #: Whether the last run or resume got as far as starting (its RunStarted arrived): a
        #: failure before that was a refusal, and left nothing behind.
        self.began = False
        # The live run's grid data: its rows name the cases in the status line.
        self._grid: MatrixData | None = None
        self._noun = "cells"  # what the live run's counts count (unit_noun)
        self._pending: list[CellResult] = []
        self.event_arrived.connect(self._on_event_arrived)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)

    @property
    def running(self) -> bool:
        """Whether a run or resume executes now."""
        return self.op is not None

    def start(self, suite_ref: str, options: RunOptions | None = None) -> bool:
        """Run suite ``suite_ref``; False (and nothing done) while another run executes."""
        work = partial(execute_suite, suite_ref=suite_ref, options=options, hosts=self.hosts)
        return self._launch(work, f"Starting {suite_ref}…")

    def resume(self, run_id: int) -> bool:
        """Finish run ``run_id``; False (and nothing done) while another run executes."""
        work = partial(resume_suite_run, run_id=run_id, hosts=self.hosts)
        return self._launch(work, f"Resuming run #{run_id}…")

    def cancel(self) -> None:
        """Stop the run: the generation in flight stops, nothing more runs."""
        if self.control is not None:
            self.control.cancel()
        if self.op is not None:
            self.op.cancel()
            self.status_changed.emit("Cancelling…")

    def _launch(self, work: Callable[..., EvalRun], message: str) -> bool:
        if self.op is not None:
            return False
        control = RunControl()
        emit = self.event_arrived.emit

        def forward(event: object) -> None:
            with contextlib.suppress(RuntimeError):  # the page is gone; nobody to tell
                emit(event)

        def background(task: TaskContext) -> EvalRun:
            return work(task, control=control, forward=forward)

        op = self.context.run(background, parent=self._parent, success=self._on_op_succeeded)
        op.failure(self._on_op_failed)
        self.op, self.control, self.run_id = op, control, None
        self.began, self._grid = False, None
        self._noun = "cells"
        self._pending.clear()
        self.running_changed.emit(True)
        self.progress_changed.emit(0, 0)
        self.status_changed.emit(message)
        op.run_in_background()
        return True

    def case_name(self, case_id: str) -> str:
        """How the live run's grid names case ``case_id``: its description (cut to a line's
        length), else its id."""
        grid = self._grid
        row = None if grid is None else grid.row_of.get(case_id)
        return case_id if grid is None or row is None else _cut(grid.rows[row].label)

    # -- events -----------------------------------------------------------------------------
    @Slot(object)
    def _on_event_arrived(self, event: object) -> None:
        if isinstance(event, RunStartedWithSnapshot):
            run = event.run
            self.run_id, self.began, self._grid = run.id, True, event.grid
            self.run_started.emit(event)
            self.progress_changed.emit(run.n_done, max(1, run.n_cells))
            verb = "resumed" if event.resumed else "started"
            self._noun = unit_noun(run_repeat(run))
            self.status_changed.emit(
                f"Run #{run.id} {verb}: {run.n_done}/{run.n_cells} {self._noun}."
            )
        elif isinstance(event, ModelLoading):
            self.status_changed.emit(f"Loading {event.model_name}…")
        elif isinstance(event, CellStarted):
            cell = event.cell
            # "Sample 5/42" where the run takes several samples per cell: total counts them.
            unit = "Cell" if self._noun == "cells" else "Sample"
            self.status_changed.emit(
                f"{unit} {event.done + 1}/{event.total}: {self.case_name(cell.case_id)} · "
                f"{cell.prompt_id}"
            )
        elif isinstance(event, CellFinished):
            if event.run_id == self.run_id:
                self._pending.append(event.cell)
                if not self._flush_timer.isActive():
                    self._flush_timer.start()
            self.progress_changed.emit(event.done, max(1, event.total))
            if event.eta_s is not None:
                self.status_changed.emit(
                    f"{event.done}/{event.total} {self._noun} · about {event.eta_s:.0f} s left"
                )
        elif isinstance(event, RunFinished):
            self._on_flush_timer_timeout()

    @Slot()
    def _on_flush_timer_timeout(self) -> None:
        if self._pending:
            cells, self._pending = self._pending, []
            self.cells_arrived.emit(cells)

    def _on_op_succeeded(self, run: EvalRun) -> None:
        self._end()
        self.run_finished.emit(run)

    def _on_op_failed(self, error: BaseException) -> None:
        self._end()
        self.run_failed.emit(error)

    def _end(self) -> None:
        self._flush_timer.stop()
        self._on_flush_timer_timeout()
        self.op, self.control, self.run_id, self._grid = None, None, None, None
        self.running_changed.emit(False)
