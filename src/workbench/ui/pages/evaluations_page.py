"""The Evaluations page: stored suites and runs, a Run dialog that picks a run's columns, the
live matrix grid (cases x prompt version x model) filling as cells finish, the detail of a cell
(with Replay), per-column statistics, Resume and Export of a stored run, New suite… and the
Suite tab that edits a suite's settings and cases.

A view over :mod:`workbench.evals`. The parts live in :mod:`workbench.ui.evals`: the left
panel (``library_panel``) and what its buttons do (``library_actions``), the grid
(``grid_panel``) with its baseline filter (``regressions``), the Suite tab (``suite_editor``),
the run plumbing (``run_controller``), the cell detail and its replays (``detail_controller``)
and the background functions (``tasks``, ``suite_tasks``); this module wires them together.
Every read, run and replay is a background operation, so the GUI thread never waits on the
store or a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from workbench.evals import CellResult, EvalRun, RunBusyError, RunOptions, StoredSuite
from workbench.ui.error_dialogs import report_exception, show_user_error
from workbench.ui.evals.cell_detail import CellDetailView
from workbench.ui.evals.detail_controller import DetailController
from workbench.ui.evals.grid_panel import GridPanel
from workbench.ui.evals.library_actions import LibraryActions
from workbench.ui.evals.library_panel import LibraryPanel, run_label
from workbench.ui.evals.matrix_model import MatrixData
from workbench.ui.evals.regressions import RegressionsController
from workbench.ui.evals.run_controller import RunController, run_repeat, unit_noun
from workbench.ui.evals.suite_editor import SuiteEditor
from workbench.ui.evals.summary_panel import SummaryPanel
from workbench.ui.evals.tasks import (
    Library,
    RunStartedWithSnapshot,
    ShownRun,
    read_library,
    read_run,
)

if TYPE_CHECKING:
    from workbench.ui.context import AppContext
# The page handles Esc as a key press (it arrives only when no child used it, so Esc in a cell
# editor stays the editor's) and offers this shortcut as well, which works from anywhere.
CANCEL_KEYS = "Ctrl+."
# Not Ctrl+N (the playground's New conversation, window-wide) nor Ctrl+Shift+N (Add case).
NEW_SUITE_KEYS = "Ctrl+Shift+S"


class EvaluationsPage(QWidget):
    """Suites and runs on the left, the grid (and statistics) in the middle, a cell's detail
    on the right."""

    run_finished = Signal(object)  # EvalRun
    library_loaded = Signal()
    run_loaded = Signal(int)
    regressions_found = Signal(object)  # Regressions
    suite_imported = Signal(str)
    suite_created = Signal(object)  # StoredSuite
    suite_saved = Signal(object)  # StoredSuite
    run_dialog_opened = Signal(object)  # RunDialog
    run_exported = Signal(object)  # ExportedRun
    cell_replayed = Signal(object)  # ReplayResult

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("evaluationsPage")
        self.context = context
        self.shown_run_id: int | None = None
        # The run the grid is to show: the shown one, or the one being read for it (an answer
        # for any other run is dropped, so the grid always follows the runs list).
        self._wanted_run_id: int | None = None
        self.threshold: float | None = None
        self._loaded_once = False
        # The suite to select once the library read asked for it (its request number, below)
        # or a later one answers: an older read answering first knows nothing of it.
        self._select_after_refresh: tuple[int, str] | None = None
        # Bumped by every refresh: reads can overlap, and an answer older than the one shown
        # is dropped (an earlier read finishing last would put stale lines back: a finished
        # run "running" again). One answered before a later one still shows meanwhile.
        self._library_request = 0
        self._library_shown = 0

        self.library = LibraryPanel()
        self.library.suite_selected.connect(self._on_library_suite_selected)
        self.library.run_selected.connect(self._on_library_run_selected)
        # The names the tests and the rest of the window know the parts by.
        self.suites_view, self.runs_view = self.library.suites_view, self.library.runs_view
        self.run_button, self.cancel_button = self.library.run_button, self.library.cancel_button
        self.resume_button = self.library.resume_button
        self.export_button = self.library.export_button
        self.import_button = self.library.import_button
        self.new_suite_button = self.library.new_button
        self.progress, self.status = self.library.progress, self.library.status

        self.grid_panel = GridPanel()
        self.regressions = RegressionsController(
            context, self, self.grid_panel, lambda: self.shown_run_id
        )
        self.regressions.regressions_found.connect(self.regressions_found)
        self.regressions.status_changed.connect(self.status.setText)
        self.matrix, self.filter = self.grid_panel.matrix, self.grid_panel.filter
        self.grid, self.tag_box = self.grid_panel.grid, self.grid_panel.tag_box
        self.baseline_box = self.grid_panel.baseline_box
        self.failures_only = self.grid_panel.failures_only
        self.summary = SummaryPanel(context=context)
        # The statistics name cases as the grid does, and know which have no assertions.
        self.grid_panel.laid_out.connect(self.summary.set_snapshot)
        self.editor = SuiteEditor(context)
        self.editor.suite_saved.connect(self._on_editor_suite_saved)
        self.cases_model = self.editor.model
        self.save_suite_button = self.editor.save_button
        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid_panel, "Grid")
        self.tabs.addTab(self.summary, "Statistics")
        self.tabs.addTab(self.editor, "Suite")
        self.tabs.setTabToolTip(2, "The selected suite's settings and cases, edited in place")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.detail = CellDetailView()
        self.details = DetailController(context, self, self.detail)
        self.details.cell_replayed.connect(self.cell_replayed)
        self.details.status_changed.connect(self.status.setText)
        self.grid_panel.cell_selected.connect(self.details.show)

        self.controller = RunController(context, self)
        self.controller.run_started.connect(self._on_controller_run_started)
        self.controller.cells_arrived.connect(self._on_controller_cells_arrived)
        self.controller.progress_changed.connect(self._on_controller_progress_changed)
        self.controller.status_changed.connect(self.status.setText)
        self.controller.running_changed.connect(self.library.set_running)
        self.controller.running_changed.connect(self.grid_panel.set_running)
        self.controller.run_finished.connect(self._on_controller_run_finished)
        self.controller.run_failed.connect(self._on_controller_run_failed)
        # What New suite…, Import…, Run suite…, Cancel, Resume and Export… do.
        self.library_actions = LibraryActions(context, self, self.library, self.controller)
        self.library_actions.suite_created.connect(self._on_library_actions_suite_created)
        self.library_actions.suite_imported.connect(self._on_library_actions_suite_imported)
        self.library_actions.run_dialog_opened.connect(self.run_dialog_opened)
        self.library_actions.run_exported.connect(self.run_exported)

        # Window-wide while the page is shown (a hidden page's shortcuts do not fire), so they
        # work wherever the focus is, the sidebar included.
        for keys, slot in (
            ("Ctrl+R", self.open_run_dialog),
            (CANCEL_KEYS, self.cancel_run),
            (NEW_SUITE_KEYS, self.open_new_suite_dialog),
            # Not StandardKey.Refresh: on macOS and GNOME that is Ctrl+R, the run dialog's key.
            ("F5", self.reload),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([280, 740, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # -- library ----------------------------------------------------------------------------
    def unsaved_changes(self) -> str | None:
        """What closing the window now would lose (the Suite tab's edits), or None."""
        editor = self.editor
        if editor.dirty and editor.editing_suite is not None:
            return f"Unsaved edits of suite {editor.editing_suite} (Evaluations › Suite)"
        return None

    def show_unsaved_changes(self) -> None:
        """Bring the Suite tab with its edits to the front (the close guard's Go back)."""
        self.tabs.setCurrentWidget(self.editor)

    def page_activated(self) -> None:
        """Read the suites and runs the first time the page is shown."""
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self, *, select: str | None = None) -> None:
        """Read the stored suites and runs again (an earlier read still under way is dropped
        should it answer after this one); ``select``: the suite to select once this read, or a
        later one, answers."""
        self._library_request += 1
        request = self._library_request
        if select is not None:
            self._select_after_refresh = (request, select)
        self.context.run(
            read_library,
            parent=self,
            success=lambda library: self._on_library_read(library, request),
        ).run_in_background()

    def reload(self) -> None:
        """F5: read the suites and runs again, and the shown run unless it is running here."""
        self.refresh()
        if self.shown_run_id is not None and not self.controller.running:
            self.show_run(self.shown_run_id)

    def select_suite(self, name: str) -> bool:
        """Make the suite called ``name`` current; False when there is none."""
        return self.library.select_suite(name)

    def selected_suite(self) -> str | None:
        """The name of the current suite."""
        return self.library.selected_suite()

    def open_new_suite_dialog(self) -> None:
        """Ctrl+Shift+S, "New suite…": read the prompt versions and models, then ask."""
        self.library_actions.open_new_suite_dialog()

    def import_suite_path(self, path: Path) -> None:
        """Import the suite file at ``path`` in the background, then select it."""
        self.library_actions.import_suite_path(path)

    def show_run(self, run_id: int) -> None:
        """Read a stored run and show it in the grid (unless another is asked for meanwhile)."""
        self._wanted_run_id = run_id
        self.context.run(
            lambda task: read_run(task, run_id), parent=self, success=self._on_run_read
        ).run_in_background()

    # -- running ----------------------------------------------------------------------------
    def open_run_dialog(self) -> None:
        """Ctrl+R, "Run suite…": read what a run could use, then ask in the run dialog."""
        self.library_actions.open_run_dialog()

    def start_run(self, options: RunOptions | None = None, *, suite: str | None = None) -> None:
        """Run ``suite`` (default: the selected one) with ``options`` (None: the suite's own)."""
        self.library_actions.start_run(options, suite=suite)

    def cancel_run(self) -> None:
        """Stop the run: the generation in flight stops, nothing more runs."""
        self.library_actions.cancel_run()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc cancels the run (when no child used the key)."""
        if event.key() == Qt.Key.Key_Escape and self.controller.running:
            self.cancel_run()
            event.accept()
            return
        super().keyPressEvent(event)

    def replay_cell(self, cell: CellResult) -> bool:
        """Run ``cell`` again from its fingerprint in the background; the detail shows how
        the output compares. False (nothing started) while a replay of it is in flight."""
        return self.details.replay(cell)

    # -- grid -------------------------------------------------------------------------------
    def _lay_out(self, run: EvalRun, data: MatrixData) -> None:
        assert run.snapshot is not None
        self.shown_run_id = self._wanted_run_id = run.id
        self.threshold = run.snapshot.threshold
        self.grid_panel.lay_out(run.snapshot, data)
        self.detail.clear_cell()

    def _finish(self, message: str, run: EvalRun | None = None) -> None:
        """A run ended: the bar shows the cells it got to (full only when it finished), its
        line in the runs list its outcome; the library is read again."""
        if run is not None:
            total = max(1, run.n_cells)
            self.library.set_progress(total if run.status == "finished" else run.n_done, total)
            self.library.update_run(run)
        elif not self.controller.began:
            # Refused before it started (a check, a busy run): nothing ran, nothing changed.
            self.library.restore_progress()
        else:
            self.library.settle_progress()  # it broke off: the bar keeps where it got to
        self.status.setText(message)
        self.refresh()

    # -- slots: library ---------------------------------------------------------------------
    def _on_library_read(self, library: Library, request: int) -> None:
        if request < self._library_shown:
            return  # a later read has answered already: this one is stale
        self._library_shown = request
        wanted = None
        if self._select_after_refresh is not None and request >= self._select_after_refresh[0]:
            wanted = self._select_after_refresh[1]
            self._select_after_refresh = None
        self.library.set_library(library, self._wanted_run_id, wanted)
        self.grid_panel.set_baselines(library.runs)
        editing, version = self.editor.editing_suite, self.editor.editing_version
        for suite in library.suites:  # a version stored elsewhere (CLI, another window)
            if suite.name == editing and version is not None and suite.version > version:
                self.editor.suite_stored(suite.name)
        self.library_loaded.emit()

    def _on_library_actions_suite_imported(self, name: str) -> None:
        self.refresh(select=name)
        self.editor.suite_stored(name)  # a new version of the suite the tab shows
        self.suite_imported.emit(name)

    def _on_library_actions_suite_created(self, stored: StoredSuite) -> None:
        # Selected after the refresh, so the Suite tab follows, unless it holds edits of
        # another suite: those are never dropped, and the status line says so.
        self.refresh(select=stored.name)
        if self.editor.dirty:
            edited = self.editor.editing_suite
            self.status.setText(f"Created {stored.ref}. Save or Revert {edited} to edit it.")
        self.tabs.setCurrentWidget(self.editor)
        self.suite_created.emit(stored)

    def _on_editor_suite_saved(self, stored: StoredSuite) -> None:
        self.status.setText(f"Saved {stored.ref}.")
        self.refresh()
        self.suite_saved.emit(stored)

    def _on_run_read(self, shown: ShownRun) -> None:
        run = shown.run
        if self.controller.running or run.id != self._wanted_run_id:
            return  # a live run owns the grid, or the user has picked another run since
        self._lay_out(run, shown.grid)
        self.summary.set_cells(shown.cells, self.matrix.columns, self.threshold)
        self.status.setText(run_label(run))
        self.run_loaded.emit(run.id)

    @Slot(str)
    def _on_library_suite_selected(self, name: str) -> None:
        self.editor.follow_suite(name)

    @Slot(int)
    def _on_library_run_selected(self, run_id: int) -> None:
        if self.controller.running:
            return  # a live run owns the grid
        if run_id == self.shown_run_id:
            self._wanted_run_id = run_id  # back to the shown run: drop a read still under way
        elif run_id != self._wanted_run_id:
            self.show_run(run_id)

    # -- slots: running ---------------------------------------------------------------------
    def _on_controller_run_started(self, started: RunStartedWithSnapshot) -> None:
        # A resumed run's earlier cells come placed in the grid's data, built on the worker;
        # their statistics are computed in the background when there are many.
        self._lay_out(started.run, started.grid)
        self.summary.set_cells(started.earlier_cells, self.matrix.columns, self.threshold)
        self.library.update_run(started.run)  # its line at once; the read below follows
        self.refresh()

    def _on_controller_cells_arrived(self, cells: list[CellResult]) -> None:
        self.grid_panel.add_cells(cells)
        self.summary.set_cells(self.matrix.all_cells(), self.matrix.columns, self.threshold)

    @Slot(int, int)
    def _on_controller_progress_changed(self, done: int, total: int) -> None:
        self.library.set_progress(done, total)
        run_id = self.controller.run_id
        if run_id is not None and total > 0:
            self.library.show_run_progress(run_id, done, total)

    def _on_controller_run_finished(self, run: EvalRun) -> None:
        noun = unit_noun(run_repeat(run))
        self._finish(f"Run #{run.id} {run.status}: {run.n_done}/{run.n_cells} {noun}.", run)
        self.run_finished.emit(run)

    def _on_controller_run_failed(self, error: BaseException) -> None:
        if isinstance(error, RunBusyError):
            # Not a failure of this window: another process is on it. Say so plainly.
            self._finish(str(error))
            show_user_error(self, str(error), title="The run is busy")
            return
        self._finish(f"The run failed: {error}")
        report_exception(error, self)

    # -- slots: tabs ------------------------------------------------------------------------
    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.summary:
            self.summary.ensure_chart()
