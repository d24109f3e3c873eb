"""The Evaluations page's cell detail: the grid's current cell shown in the
:class:`~workbench.ui.evals.cell_detail.CellDetailView` (its full record, rendered prompt
included, read in the background; every sample of a cell run with repeats) and Replay.

A replay starts a model process of its own and takes seconds, so a cell is replayed once at a
time: the cells whose replay is in flight are kept here by id, and the detail is told whenever
it shows one of them, so leaving a cell and coming back never starts a second replay of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from workbench.errors import WorkbenchError
from workbench.evals import CellResult, ReplayResult
from workbench.ui.error_dialogs import report_exception
from workbench.ui.evals.cell_detail import CellDetailView, CellSelection
from workbench.ui.evals.tasks import read_cell, replay_stored_cell

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from workbench.evals.hosts import HostFactory
    from workbench.ui.context import AppContext


class DetailController(QObject):
    """Shows cells in one detail view and replays them, one replay per cell at a time."""

    #: A replay answered (a ReplayResult), whichever cell the detail shows now.
    cell_replayed = Signal(object)
    status_changed = Signal(str)

    def __init__(self, context: AppContext, page: QWidget, detail: CellDetailView) -> None:
        super().__init__(page)
        self.context = context
        self.page = page
        self.detail = detail
        #: The model hosts replays use (None: a model process of their own); tests script them.
        self.hosts: HostFactory | None = None
        self._in_flight: set[int] = set()  # ids of the cells being replayed
        detail.replay_requested.connect(self.replay)
        detail.sample_chosen.connect(self._on_detail_sample_chosen)

    def replaying(self, cell: CellResult) -> bool:
        """Whether a replay of ``cell`` is in flight."""
        return cell.id in self._in_flight

    def show(
        self, cell: CellSelection | CellResult | None, neighbour: CellResult | None = None
    ) -> None:
        """Show a grid cell's samples (a :class:`CellSelection`, its first sample first) or one
        ``cell`` with its ``neighbour``; None: the hint that nothing is selected. A light cell
        is shown at once and again when its full record has been read. The shown cell's
        selection again with more samples (repeats that finished since) updates the selector
        and keeps the sample shown; a cell without samples says why (queued, or not run)."""
        if cell is None:
            self.detail.clear_cell()
            return
        if isinstance(cell, CellSelection):
            selection = cell
        else:
            selection = CellSelection((cell,), () if neighbour is None else (neighbour,))
        if not selection.samples:
            self.detail.show_selection(selection)
            return
        if self.detail.update_selection(selection):
            return
        first = selection.samples[0]
        self.detail.show_selection(selection, replaying=self.replaying(first))
        self._read_full(first)

    def _read_full(self, cell: CellResult) -> None:
        if cell.rendered_prompt is None:
            self.context.run(
                lambda task: read_cell(task, cell.run_id, cell.number),
                parent=self.page,
                success=self._on_full_cell_read,
            ).run_in_background()

    def replay(self, cell: CellResult) -> bool:
        """Run ``cell`` again from its fingerprint in the background; the detail shows how the
        output compares. False (and nothing started) while a replay of it is in flight."""
        if self.replaying(cell):
            return False
        self._in_flight.add(cell.id)
        if self._shows(cell):
            self.detail.set_replaying()
        hosts = self.hosts
        self.context.run(
            lambda task: replay_stored_cell(task, cell.run_id, cell.number, hosts=hosts),
            parent=self.page,
            success=lambda result: self._on_replayed(cell, result),
        ).failure(lambda error: self._on_replay_failed(cell, error)).run_in_background()
        return True

    def _shows(self, cell: CellResult) -> bool:
        shown = self.detail.cell
        return shown is not None and shown.id == cell.id

    def _on_full_cell_read(self, cell: CellResult) -> None:
        if self._shows(cell):
            self.detail.show_cell(cell, self.detail.neighbour, replaying=self.replaying(cell))

    def _on_detail_sample_chosen(self, cell: CellResult, neighbour: CellResult | None) -> None:
        if self.replaying(cell):
            self.detail.set_replaying()
        self._read_full(cell)

    def _on_replayed(self, cell: CellResult, result: ReplayResult) -> None:
        self._in_flight.discard(cell.id)
        self.detail.show_replay(result)
        same = "identical output" if result.identical else "a different output"
        self.status_changed.emit(f"Cell {result.cell.number} of run #{result.run_id}: {same}.")
        self.cell_replayed.emit(result)

    def _on_replay_failed(self, cell: CellResult, error: BaseException) -> None:
        self._in_flight.discard(cell.id)
        self.detail.show_replay_failed(cell, str(error))
        self.status_changed.emit(f"Replaying cell {cell.number} failed: {error}")
        if not isinstance(error, WorkbenchError):
            report_exception(error, self.page)  # a bug: show its traceback
