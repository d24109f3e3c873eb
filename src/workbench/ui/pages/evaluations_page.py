"""The Evaluations page: stored suites and runs, a Run button that runs a suite in the
background, the live matrix grid (cases x prompt version x model) filling as cells finish, the
detail of a cell, and per-column statistics with a pass-rate chart.

A view over :mod:`workbench.evals`: reads and the run itself go through background operations
(:mod:`workbench.ui.evals.tasks`); the runner's events come back to the GUI thread through a
queued signal and are applied in batches on a short timer, so a fast run never floods the
event loop.
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import (
    CellFinished,
    CellResult,
    CellStarted,
    EvalRun,
    ModelLoading,
    RunControl,
    RunFinished,
    StoredSuite,
)
from workbench.evals.summary import snapshot_columns
from workbench.ui.evals.cell_detail import CellDetailView
from workbench.ui.evals.matrix_model import MatrixFilter, MatrixModel, rows_from_cases
from workbench.ui.evals.suite_editor import SuiteCasesEditor
from workbench.ui.evals.summary_panel import SummaryPanel
from workbench.ui.evals.tasks import (
    Library,
    Regressions,
    RunStartedWithSnapshot,
    execute_suite,
    find_regressions,
    import_suite,
    read_cell,
    read_library,
    read_run,
)

if TYPE_CHECKING:
    from workbench.ui.context import AppContext
    from workbench.ui.operations import BackgroundOp

FLUSH_MS = 40
ALL_TAGS = "All tags"
NO_BASELINE = "No baseline"
SUITE_FILES = "Suites (*.yaml *.yml *.json);;All files (*)"
RunRole = Qt.ItemDataRole.UserRole + 1


class _EventRelay(QObject):
    """Carries the runner's events from the worker thread to the GUI thread."""

    event_arrived = Signal(object)


def run_label(run: EvalRun) -> str:
    """One line for the runs list."""
    started = run.started_at.replace("T", " ")[:16]
    passed = {True: " · passed", False: " · below threshold", None: ""}[run.threshold_passed]
    return (
        f"#{run.id} {run.suite_ref} · {run.status} · {run.n_done}/{run.n_cells}{passed} · {started}"
    )


class EvaluationsPage(QWidget):
    """Suites and runs on the left, the grid (and statistics) in the middle, a cell's detail
    on the right."""

    run_finished = Signal(object)  # EvalRun
    library_loaded = Signal()
    run_loaded = Signal(int)
    regressions_found = Signal(object)  # Regressions
    suite_imported = Signal(str)
    cases_saved = Signal(object)  # StoredSuite

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("evaluationsPage")
        self.context = context
        self.running: BackgroundOp[Any] | None = None
        self.control: RunControl | None = None
        self.shown_run_id: int | None = None
        self.threshold: float | None = None
        self._pending: list[CellResult] = []
        self._relay = _EventRelay(self)
        self._relay.event_arrived.connect(self._on_relay_event_arrived)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)

        # Suites and runs.
        self.suites_model = QStandardItemModel(self)
        self.suites_view = QListView()
        self.suites_view.setObjectName("evalSuites")
        self.suites_view.setModel(self.suites_model)
        self.suites_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.suites_view.selectionModel().currentChanged.connect(self._on_suites_current_changed)
        self.runs_model = QStandardItemModel(self)
        self.runs_view = QListView()
        self.runs_view.setObjectName("evalRuns")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.runs_view.selectionModel().currentChanged.connect(self._on_runs_current_changed)
        self.run_button = QPushButton("Run suite")
        self.run_button.setObjectName("evalRunButton")
        self.run_button.setToolTip("Run the selected suite on its prompts and models")
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("evalCancelButton")
        self.cancel_button.setToolTip("Stop the run; the cells finished so far are kept")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setValue(0)
        self.status = QLabel("Select a suite and press Run, or pick an earlier run.")
        self.status.setWordWrap(True)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("evalImportButton")
        self.import_button.setToolTip("Import a suite file (workbench YAML or a promptfoo config)")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Suites</b>"))
        left_layout.addWidget(self.suites_view, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addWidget(QLabel("<b>Runs</b>"))
        left_layout.addWidget(self.runs_view, 2)

        # The grid.
        self.matrix = MatrixModel(self)
        self.filter = MatrixFilter(self)
        self.filter.setSourceModel(self.matrix)
        self.grid = QTableView()
        self.grid.setObjectName("evalGrid")
        self.grid.setModel(self.filter)
        self.grid.setWordWrap(False)
        self.grid.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.grid.horizontalHeader().setDefaultSectionSize(220)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.verticalHeader().setDefaultSectionSize(24)
        self.grid.verticalHeader().setMaximumWidth(220)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current_changed)
        self.failures_only = QCheckBox("Failures only")
        self.failures_only.toggled.connect(self._on_failures_only_toggled)
        self.tag_box = QComboBox()
        self.tag_box.setObjectName("evalTagFilter")
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.currentIndexChanged.connect(self._on_tag_box_current_index_changed)
        filters = QHBoxLayout()
        filters.addWidget(self.failures_only)
        filters.addWidget(QLabel("Tag:"))
        filters.addWidget(self.tag_box)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Regressions vs:"))
        self.baseline_box = QComboBox()
        self.baseline_box.setObjectName("evalBaseline")
        self.baseline_box.setToolTip("Show only cases that passed in this earlier run and fail now")
        self.baseline_box.addItem(NO_BASELINE, None)
        self.baseline_box.currentIndexChanged.connect(self._on_baseline_box_current_index_changed)
        filters.addWidget(self.baseline_box)
        filters.addStretch(1)
        grid_page = QWidget()
        grid_layout = QVBoxLayout(grid_page)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addLayout(filters)
        grid_layout.addWidget(self.grid)
        self.summary = SummaryPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(grid_page, "Grid")
        self.tabs.addTab(self.summary, "Statistics")
        self.editor = SuiteCasesEditor(context)
        self.editor.cases_saved.connect(self._on_editor_cases_saved)
        self.cases_model = self.editor.model
        self.save_cases_button = self.editor.save_button
        self.tabs.addTab(self.editor, "Suite cases")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

        self.detail = CellDetailView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([260, 760, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._loaded_once = False
        self._select_after_refresh: str | None = None

    @Slot(QModelIndex, QModelIndex)
    def _on_suites_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        name = current.data(RunRole) if current.isValid() else None
        if name is not None:
            self.editor.follow_suite(str(name))

    def _on_editor_cases_saved(self, stored: StoredSuite) -> None:
        self.status.setText(f"Saved {stored.ref}.")
        self.refresh()
        self.cases_saved.emit(stored)

    # -- public -----------------------------------------------------------------------------
    def page_activated(self) -> None:
        """Read the suites and runs the first time the page is shown."""
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        """Read the stored suites and runs again."""
        self.context.run(
            read_library, parent=self, success=self._on_library_read
        ).run_in_background()

    def select_suite(self, name: str) -> bool:
        """Make the suite called ``name`` current; False when there is none."""
        for row in range(self.suites_model.rowCount()):
            item = self.suites_model.item(row)
            if item.data(RunRole) == name:
                self.suites_view.setCurrentIndex(item.index())
                return True
        return False

    def selected_suite(self) -> str | None:
        """The name of the current suite."""
        index = self.suites_view.currentIndex()
        return index.data(RunRole) if index.isValid() else None

    def start_run(self) -> None:
        """Run the selected suite in the background (the Run button)."""
        suite = self.selected_suite()
        if suite is None or self.running is not None:
            return
        control = RunControl()
        forward = self._relay.event_arrived.emit

        def safe_forward(event: object) -> None:
            with contextlib.suppress(RuntimeError):  # the page is gone; nobody to tell
                forward(event)

        op = self.context.run(
            partial(execute_suite, suite_ref=suite, control=control, forward=safe_forward),
            parent=self,
            success=self._on_run_done,
        ).failure(self._on_run_failed)
        self.control, self.running = control, op
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText(f"Starting {suite}…")
        op.run_in_background()

    def cancel_run(self) -> None:
        """Stop the run: the generation in flight stops, nothing more runs."""
        if self.control is not None:
            self.control.cancel()
        if self.running is not None:
            self.running.cancel()
        self.cancel_button.setEnabled(False)
        self.status.setText("Cancelling…")

    def show_run(self, run_id: int) -> None:
        """Read a stored run and show it in the grid."""
        self.context.run(
            lambda task: read_run(task, run_id), parent=self, success=self._on_run_read
        ).run_in_background()

    def import_suite_path(self, path: Path) -> None:
        """Import the suite file at ``path`` in the background, then select it."""
        self.context.run(
            lambda task: import_suite(task, path), parent=self, success=self._on_suite_imported
        ).run_in_background()

    def _on_suite_imported(self, name: str) -> None:
        self._select_after_refresh = name
        self.status.setText(f"Imported suite {name}.")
        self.refresh()
        self.suite_imported.emit(name)

    # -- grid -------------------------------------------------------------------------------
    def _lay_out(self, run: EvalRun) -> None:
        assert run.snapshot is not None
        self.shown_run_id = run.id
        self.threshold = run.snapshot.threshold
        self._pending.clear()
        cases = run.snapshot.cases
        self.matrix.set_layout(rows_from_cases(cases), snapshot_columns(run.snapshot))
        tags = sorted({tag for case in cases for tag in case.tags})
        self.tag_box.blockSignals(True)
        self.tag_box.clear()
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.addItems(tags)
        self.tag_box.blockSignals(False)
        self.filter.set_tag("")
        self.baseline_box.setCurrentIndex(0)
        self.filter.set_regressed(None)
        self.detail.clear_cell()

    def _update_summary(self) -> None:
        self.summary.set_cells(self.matrix.all_cells(), self.matrix.columns, self.threshold)

    @Slot(object)
    def _on_relay_event_arrived(self, event: object) -> None:
        if isinstance(event, RunStartedWithSnapshot):
            self._lay_out(event.run)
            self.progress.setRange(0, max(1, event.run.n_cells))
            self.progress.setValue(event.run.n_done)
            self.status.setText(f"Run #{event.run.id} started: {event.run.n_cells} cells.")
            self.refresh()
        elif isinstance(event, ModelLoading):
            self.status.setText(f"Loading {event.model_name}…")
        elif isinstance(event, CellStarted):
            cell = event.cell
            self.status.setText(
                f"Cell {event.done + 1}/{event.total}: {cell.case_id} · {cell.prompt_id}"
            )
        elif isinstance(event, CellFinished):
            if event.run_id == self.shown_run_id:
                self._pending.append(event.cell)
                if not self._flush_timer.isActive():
                    self._flush_timer.start()
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(event.done)
            if event.eta_s is not None:
                self.status.setText(
                    f"{event.done}/{event.total} cells · about {event.eta_s:.0f} s left"
                )
        elif isinstance(event, RunFinished):
            self._on_flush_timer_timeout()

    @Slot()
    def _on_flush_timer_timeout(self) -> None:
        if self._pending:
            cells, self._pending = self._pending, []
            self.matrix.add_cells(cells)
            self._update_summary()

    def _on_run_done(self, run: EvalRun) -> None:
        self._on_flush_timer_timeout()
        self._finish(f"Run #{run.id} {run.status}: {run.n_done}/{run.n_cells} cells.")
        self.run_finished.emit(run)

    def _on_run_failed(self, error: BaseException) -> None:
        from workbench.ui.error_dialogs import report_exception

        self._on_flush_timer_timeout()
        self._finish(f"The run failed: {error}")
        report_exception(error, self)

    def _finish(self, message: str) -> None:
        self.running, self.control = None, None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(message)
        self.refresh()

    # -- slots ------------------------------------------------------------------------------
    def _on_library_read(self, library: Library) -> None:
        current_suite = self.selected_suite()
        self.suites_model.clear()
        for suite in library.suites:
            item = QStandardItem(f"{suite.name}  (v{suite.version}, {suite.n_runs} runs)")
            item.setData(suite.name, RunRole)
            item.setToolTip(suite.description)
            self.suites_model.appendRow(item)
        wanted, self._select_after_refresh = self._select_after_refresh, None
        if wanted is not None:
            current_suite = wanted
        keep = current_suite is not None and self.select_suite(current_suite)
        if not keep and self.suites_model.rowCount():
            self.suites_view.setCurrentIndex(self.suites_model.index(0, 0))
        self.runs_view.selectionModel().blockSignals(True)
        self.runs_model.clear()
        for run in library.runs:
            item = QStandardItem(run_label(run))
            item.setToolTip(run_label(run))
            item.setData(run.id, RunRole)
            self.runs_model.appendRow(item)
            if run.id == self.shown_run_id:
                self.runs_view.setCurrentIndex(item.index())
        self.runs_view.selectionModel().blockSignals(False)
        baseline = self.baseline_box.currentData()
        self.baseline_box.blockSignals(True)
        self.baseline_box.clear()
        self.baseline_box.addItem(NO_BASELINE, None)
        for run in library.runs:
            self.baseline_box.addItem(f"#{run.id} {run.suite_ref}", run.id)
        found = self.baseline_box.findData(baseline) if baseline is not None else 0
        self.baseline_box.setCurrentIndex(max(0, found))
        self.baseline_box.blockSignals(False)
        self.library_loaded.emit()

    def _on_run_read(self, value: tuple[EvalRun, list[CellResult]]) -> None:
        run, cells = value
        if self.running is not None:
            return  # a live run owns the grid
        self._lay_out(run)
        self.matrix.add_cells(cells)
        self._update_summary()
        self.status.setText(run_label(run))
        self.run_loaded.emit(run.id)

    @Slot(QModelIndex, QModelIndex)
    def _on_runs_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        run_id = current.data(RunRole) if current.isValid() else None
        if run_id is not None and self.running is None and run_id != self.shown_run_id:
            self.show_run(int(run_id))

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.start_run()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.cancel_run()

    @Slot(bool)
    def _on_failures_only_toggled(self, on: bool) -> None:
        self.filter.set_failures_only(on)

    @Slot(int)
    def _on_tag_box_current_index_changed(self, index: int) -> None:
        self.filter.set_tag("" if index <= 0 else self.tag_box.itemText(index))

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a suite", "", SUITE_FILES)
        if path:
            self.import_suite_path(Path(path))

    @Slot(int)
    def _on_baseline_box_current_index_changed(self, index: int) -> None:
        baseline = self.baseline_box.itemData(index) if index > 0 else None
        shown = self.shown_run_id
        if baseline is None or shown is None:
            self.filter.set_regressed(None)
            return
        self.context.run(
            lambda task: find_regressions(task, int(baseline), shown),
            parent=self,
            success=self._on_regressions_found,
        ).run_in_background()

    def _on_regressions_found(self, found: Regressions) -> None:
        if found.run_b != self.shown_run_id or self.baseline_box.currentData() != found.run_a:
            return  # the user moved on
        self.filter.set_regressed(found.case_ids)
        self.status.setText(
            f"Against run #{found.run_a}: {found.n_regressed} cells regressed, "
            f"{found.n_fixed} fixed."
        )
        self.regressions_found.emit(found)

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.summary:
            self.summary.ensure_chart()

    @Slot(QModelIndex, QModelIndex)
    def _on_grid_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        source = self.filter.mapToSource(current)
        cells = self.matrix.cells_at(source) if source.isValid() else []
        if not cells:
            self.detail.clear_cell()
            return
        cell = cells[0]
        neighbours = self.matrix.neighbour(source)
        neighbour = neighbours[0] if neighbours else None
        self.detail.show_cell(cell, neighbour)
        if cell.rendered_prompt is None:
            self.context.run(
                lambda task: read_cell(task, cell.run_id, cell.number),
                parent=self,
                success=lambda full: self._on_full_cell_read(full, neighbour),
            ).run_in_background()

    def _on_full_cell_read(self, cell: CellResult, neighbour: CellResult | None) -> None:
        shown = self.detail.cell
        if shown is not None and shown.id == cell.id:
            self.detail.show_cell(cell, neighbour)
