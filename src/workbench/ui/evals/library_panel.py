"""The left side of the Evaluations page: the stored suites and runs, the buttons that act on
them (New suite…, Import…, Run suite…, Cancel; Resume, Export… for the selected run), and the
progress bar and status line of the run in flight.

A view only: it fills from a :class:`~workbench.ui.evals.tasks.Library` and says what was
selected; the page decides what the buttons do.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import EXPORT_FORMATS, RESUMABLE, EvalRun, SuiteSummary
from workbench.ui.evals.tasks import Library

#: Suites hold their name, runs their id, under this role.
RunRole = Qt.ItemDataRole.UserRole + 1
#: Runs also hold the whole EvalRun (its status decides whether Resume applies).
RunObjectRole = Qt.ItemDataRole.UserRole + 2
#: The running run's line in the runs list follows its cells at most this often.
RUN_LINE_MS = 250
NO_SUITES_HINT = "No suites yet: press New suite… (Ctrl+Shift+S) or Import… a suite file."
NO_RUNS_HINT = "No runs yet: select a suite and press Run suite… (Ctrl+R)."
_FORMAT_NAMES = {"csv": "CSV", "jsonl": "JSON Lines"}
#: A save dialog filter per export format, built from the formats the headless API knows.
EXPORT_FILTERS = {fmt: f"{_FORMAT_NAMES.get(fmt, fmt.upper())} (*.{fmt})" for fmt in EXPORT_FORMATS}


def run_label(run: EvalRun) -> str:
    """One line for the runs list."""
    started = run.started_at.replace("T", " ")[:16]
    passed = {True: " · passed", False: " · below threshold", None: ""}[run.threshold_passed]
    return (
        f"#{run.id} {run.suite_ref} · {run.status} · {run.n_done}/{run.n_cells}{passed} · {started}"
    )


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def suite_label(suite: SuiteSummary, latest_runs: int) -> str:
    """One line for the suites list: the latest version and its runs, with the runs of
    earlier versions told apart (``long-run  (v2; 3 runs of earlier versions)``)."""
    earlier = suite.n_runs - latest_runs
    if suite.n_runs == 0:
        runs = ", no runs"
    elif earlier == 0:
        runs = f", {_runs(latest_runs)}"
    elif latest_runs == 0:
        runs = f"; {_runs(earlier)} of earlier versions"
    else:
        runs = f", {_runs(latest_runs)}; {earlier} of earlier versions"
    return f"{suite.name}  (v{suite.version}{runs})"


def export_target(path: str, selected_filter: str) -> tuple[Path, str]:
    """The file and format a save dialog's answer means: the name's suffix when it is a known
    format, else the chosen filter's format (whose suffix is then added)."""
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    if suffix in EXPORT_FILTERS:
        return target, suffix
    fmt = next((f for f, text in EXPORT_FILTERS.items() if text == selected_filter), "csv")
    return target.with_name(f"{target.name}.{fmt}"), fmt


def ask_export_target(parent: QWidget, run: EvalRun, folder: Path) -> tuple[Path, str] | None:
    """Ask where to export ``run`` (a save dialog); None when the user cancelled."""
    suggested = folder / f"{run.suite_name}-run-{run.id}.csv"
    path, chosen = QFileDialog.getSaveFileName(
        parent, f"Export run #{run.id}", str(suggested), ";;".join(EXPORT_FILTERS.values())
    )
    return export_target(path, chosen) if path else None


class HintListView(QListView):
    """A list view that says what to do while its model is empty (Qt's views have no
    placeholder text of their own)."""

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = hint

    def hint_shown(self) -> bool:
        """Whether the hint shows: the list is empty."""
        model = self.model()
        return bool(self.hint) and (model is None or model.rowCount() == 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint the rows, or the hint when there are none."""
        super().paintEvent(event)
        if not self.hint_shown():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        margin = 8
        area = self.viewport().rect().adjusted(margin, margin, -margin, -margin)
        flags = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
        painter.drawText(area, int(flags) | int(Qt.TextFlag.TextWordWrap), self.hint)
        painter.end()


class LibraryPanel(QWidget):
    """Suites and runs with their buttons, the run's progress bar and the status line."""

    suite_selected = Signal(str)
    run_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.running = False
        # What the bar showed before the run in flight: a run refused before it starts puts
        # it back (format, maximum, value).
        self._bar_before: tuple[str, int, int] | None = None
        # The running run's (id, done, total), shown on its line in the runs list.
        self._live: tuple[int, int, int] | None = None
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(RUN_LINE_MS)
        self._live_timer.timeout.connect(self._on_live_timer_timeout)
        self.suites_model = QStandardItemModel(self)
        self.suites_view = HintListView(NO_SUITES_HINT)
        self.suites_view.setObjectName("evalSuites")
        self.suites_view.setModel(self.suites_model)
        self.suites_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.suites_view.selectionModel().currentChanged.connect(self._on_suites_current_changed)
        self.suites_view.setToolTip("The stored suites (F5 reads them again)")
        # Wrapped like the runs, not scrolled sideways: a line names runs of earlier versions.
        self.suites_view.setWordWrap(True)
        self.suites_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.suites_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.runs_model = QStandardItemModel(self)
        self.runs_view = HintListView(NO_RUNS_HINT)
        self.runs_view.setObjectName("evalRuns")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        # A run's line is longer than the panel is wide: wrap it rather than scroll sideways.
        self.runs_view.setWordWrap(True)
        self.runs_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.runs_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.runs_view.setSpacing(1)
        self.runs_view.setToolTip("Earlier runs: select one to show it (F5 reads them again)")
        self.runs_view.selectionModel().currentChanged.connect(self._on_runs_current_changed)

        self.new_button = self._button(
            "New suite…",
            "evalNewSuiteButton",
            "Create a suite from stored prompt versions and inventory models (Ctrl+Shift+S)",
        )
        self.import_button = self._button(
            "Import…",
            "evalImportButton",
            "Import a suite file (workbench YAML or a promptfoo config)",
        )
        self.run_button = self._button(
            "Run suite…",
            "evalRunButton",
            "Choose the prompts, models and cases of a run of the selected suite (Ctrl+R)",
        )
        self.cancel_button = self._button(
            "Cancel",
            "evalCancelButton",
            "Stop the run; the cells finished so far are kept (Esc or Ctrl+.)",
        )
        self.resume_button = self._button(
            "Resume",
            "evalResumeButton",
            "Run the cells the selected cancelled, failed or interrupted run has not finished",
        )
        self.export_button = self._button(
            "Export…", "evalExportButton", "Write the selected run's cells to a CSV or JSONL file"
        )
        self.progress = QProgressBar()
        self.progress.setObjectName("evalProgress")
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")  # no run yet: an empty bar, not "0%"
        self.status = QLabel("Select a suite and press Run, or pick an earlier run.")
        self.status.setObjectName("evalStatus")
        self.status.setWordWrap(True)
        # Long paths and errors land here: let them be selected and copied.
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Two rows: four buttons side by side would widen the panel past its 280 px.
        make_buttons = QHBoxLayout()
        make_buttons.addWidget(self.new_button)
        make_buttons.addWidget(self.import_button)
        suite_buttons = QHBoxLayout()
        suite_buttons.addWidget(self.run_button)
        suite_buttons.addWidget(self.cancel_button)
        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.resume_button)
        run_buttons.addWidget(self.export_button)
        run_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Suites</b>"))
        layout.addWidget(self.suites_view, 1)
        layout.addLayout(make_buttons)
        layout.addLayout(suite_buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("<b>Runs</b>"))
        layout.addWidget(self.runs_view, 2)
        layout.addLayout(run_buttons)
        self.update_buttons()

    @staticmethod
    def _button(text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    # -- filling ----------------------------------------------------------------------------
    def set_library(self, library: Library, shown_run_id: int | None, wanted: str | None) -> None:
        """List ``library``; keep the current suite (or make ``wanted`` current) and mark the
        run shown in the grid, without announcing it as a new selection."""
        before = self.selected_suite()
        current_suite = wanted or before
        # Refilled in silence: clearing moves the current row through other suites, and each
        # would be announced (and read again by the Suite tab) on every refresh.
        suites = self.suites_view.selectionModel()
        suites.blockSignals(True)
        self.suites_model.clear()
        per_version = Counter((run.suite_name, run.suite_version) for run in library.runs)
        for suite in library.suites:
            item = QStandardItem(suite_label(suite, per_version[(suite.name, suite.version)]))
            item.setData(suite.name, RunRole)
            tip = f"Latest version: {suite.version}. Runs of all its versions: {suite.n_runs}."
            item.setToolTip(f"{suite.description}\n{tip}" if suite.description else tip)
            self.suites_model.appendRow(item)
        keep = current_suite is not None and self.select_suite(current_suite)
        if not keep and self.suites_model.rowCount():
            self.suites_view.setCurrentIndex(self.suites_model.index(0, 0))
        suites.blockSignals(False)
        after = self.selected_suite()
        if after is not None and after != before:
            self.suite_selected.emit(after)
        self.runs_view.selectionModel().blockSignals(True)
        self.runs_model.clear()
        for run in library.runs:
            item = QStandardItem()
            item.setData(run.id, RunRole)
            _show_run(item, run)
            self.runs_model.appendRow(item)
            if run.id == shown_run_id:
                self.runs_view.setCurrentIndex(item.index())
        self.runs_view.selectionModel().blockSignals(False)
        self._show_live_run()  # the store may lag behind the cells shown already
        self.update_buttons()

    def update_run(self, run: EvalRun) -> None:
        """Show ``run`` as it is now on its line of the runs list. A run the last library
        read did not list yet (it started after the read, and ended before the next one
        answered) gets its line now, at its place: newest first."""
        place = self.runs_model.rowCount()
        for row in range(self.runs_model.rowCount()):
            item = self.runs_model.item(row)
            if item.data(RunRole) == run.id:
                _show_run(item, run)
                return
            if place == self.runs_model.rowCount() and item.data(RunRole) < run.id:
                place = row
        item = QStandardItem()
        item.setData(run.id, RunRole)
        _show_run(item, run)
        self.runs_model.insertRow(place, item)
        self.update_buttons()

    def show_run_progress(self, run_id: int, done: int, total: int) -> None:
        """The running run ``run_id`` has ``done`` of ``total`` cells: its line says so soon
        (at most every :data:`RUN_LINE_MS`, however fast cells finish)."""
        self._live = (run_id, done, total)
        if not self._live_timer.isActive():
            self._live_timer.start()

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

    def select_run(self, run_id: int) -> bool:
        """Make run ``run_id`` current in the runs list; False when it is not listed."""
        for row in range(self.runs_model.rowCount()):
            item = self.runs_model.item(row)
            if item.data(RunRole) == run_id:
                self.runs_view.setCurrentIndex(item.index())
                return True
        return False

    def selected_run(self) -> EvalRun | None:
        """The run current in the runs list (as listed at the last refresh)."""
        index = self.runs_view.currentIndex()
        run = index.data(RunObjectRole) if index.isValid() else None
        return run if isinstance(run, EvalRun) else None

    # -- state ------------------------------------------------------------------------------
    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` cells (``total`` 0: not known yet)."""
        self.progress.setFormat("%v/%m cells · %p%")
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def restore_progress(self) -> None:
        """A run was refused before it started: the bar shows what it showed before."""
        if self._bar_before is not None:
            text, maximum, value = self._bar_before
            self.progress.setFormat(text)
            self.progress.setRange(0, maximum)
            self.progress.setValue(value)

    def settle_progress(self) -> None:
        """A run broke off: keep the cells it got to; a busy bar (nothing known) stops."""
        if self.progress.maximum() == 0:
            self.set_progress(0, 1)

    def set_running(self, running: bool) -> None:
        """Whether a run executes in this window (one at a time)."""
        if running and not self.running:
            bar = self.progress
            self._bar_before = (bar.format(), bar.maximum(), bar.value())
        self.running = running
        if not running:
            self._live_timer.stop()
            self._show_live_run()
            self._live = None
        self.update_buttons()

    def _show_live_run(self) -> None:
        if self._live is None:
            return
        run_id, done, total = self._live
        for row in range(self.runs_model.rowCount()):
            run = self.runs_model.item(row).data(RunObjectRole)
            if isinstance(run, EvalRun) and run.id == run_id:
                if run.status == "running" and (run.n_done, run.n_cells) != (done, total):
                    self.update_run(dataclasses.replace(run, n_done=done, n_cells=total))
                return

    def update_buttons(self) -> None:
        """Enable what applies to the selection and the running state."""
        run = self.selected_run()
        self.run_button.setEnabled(not self.running and self.selected_suite() is not None)
        self.cancel_button.setEnabled(self.running)
        # The page refuses a run live in this window; the runner one that another live
        # process executes (RunBusyError).
        self.resume_button.setEnabled(
            not self.running and run is not None and run.status in RESUMABLE
        )
        self.export_button.setEnabled(run is not None)

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_live_timer_timeout(self) -> None:
        self._show_live_run()

    @Slot(QModelIndex, QModelIndex)
    def _on_suites_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.update_buttons()
        name = current.data(RunRole) if current.isValid() else None
        if name is not None:
            self.suite_selected.emit(str(name))

    @Slot(QModelIndex, QModelIndex)
    def _on_runs_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.update_buttons()
        run_id = current.data(RunRole) if current.isValid() else None
        if run_id is not None:
            self.run_selected.emit(int(run_id))


def _show_run(item: QStandardItem, run: EvalRun) -> None:
    """Put ``run`` as it is now on its runs-list line ``item``."""
    item.setText(run_label(run))
    item.setToolTip(run_label(run) + (f"\n{run.error}" if run.error else ""))
    item.setData(run, RunObjectRole)
