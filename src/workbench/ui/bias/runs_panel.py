"""The list of earlier bias runs, with Resume and Refresh, and the one-line header of a run."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.bias import RESUMABLE, BiasRun
from workbench.ui.bias.item_models import RunsTableModel, verdict_colors

RESUME_TIP = (
    "Score what the selected run left unscored (it was cancelled, failed or interrupted), "
    "with the same model, prompt and thresholds, then judge it again"
)


def make_table(name: str) -> QTableView:
    """A read-only, single-row-selecting table view named ``name``."""
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    return view


def run_header_html(run: BiasRun) -> str:
    """What run ``run`` tested and how it ended, as rich text for the page's header."""
    verdict = "–"
    if run.verdict is not None:
        text, background = verdict_colors(run.verdict)
        tint = f"{background.red()}, {background.green()}, {background.blue()}, " + str(
            background.alpha()
        )
        verdict = (
            f"<span style='color:{text.name()}; background-color:rgba({tint}); "
            f"font-weight:bold'>&nbsp;{run.verdict.value}&nbsp;</span>"
        )
    status = run.status
    if run.status != "finished":
        status += f" after {run.n_scored} of {run.n_variants} variants"
    canary = ""
    if run.canary and not run.canary.get("passed", True):
        canary = " · <b>prefix-reuse canary failed</b>: every verdict is INCONCLUSIVE"
    error = f"<br>Error: {html.escape(run.error)}" if run.error else ""
    frame = dict(run.frame)
    if frame.get("ref"):
        framing = f"prompt {frame['ref']}"
    else:
        framing = "chat template" if frame.get("prefix") else "plain text"
    return (
        f"<b>Run #{run.id}</b> · {html.escape(run.probe_set_ref)} · "
        f"{html.escape(run.model_name)} · {html.escape(framing)} · {html.escape(status)} · "
        f"verdict {verdict}{canary}{error}"
    )


class RunsPanel(QWidget):
    """Earlier runs, newest first; a click opens one, Resume carries a stopped one on."""

    run_activated = Signal(int)  # id of the run clicked or activated
    resume_requested = Signal(int)  # id of the selected run
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self.model = RunsTableModel(self)
        self.view = make_table("biasRuns")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.activated.connect(self._on_view_activated)
        self.view.clicked.connect(self._on_view_activated)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("biasResume")
        self.resume_button.setToolTip(RESUME_TIP)
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the runs, probe sets and prompts again (F5)")
        self.refresh_button.clicked.connect(self.refresh_requested)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Runs</b> (click one to open it)"), 1)
        top.addWidget(self.resume_button)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view)

    def set_runs(self, runs: Sequence[BiasRun], selected: int | None = None) -> None:
        """Show ``runs`` and select run ``selected`` when it is among them."""
        self.model.set_runs(runs)
        if selected is not None:
            self.select_run(selected)
        self._update_buttons()

    def select_run(self, run_id: int) -> None:
        """Select run ``run_id`` in the list (no-op when it is not listed)."""
        row = self.model.row_of(run_id)
        if row >= 0:
            self.view.selectRow(row)

    def selected_run(self) -> BiasRun | None:
        """The run selected in the list."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.run(rows[0].row()) if rows else None

    def set_busy(self, busy: bool) -> None:
        """While this window runs a test, no other run can be resumed from it."""
        self._busy = busy
        self._update_buttons()

    def can_resume(self) -> bool:
        """Whether Resume would start now: a stopped run is selected and nothing runs here."""
        run = self.selected_run()
        return not self._busy and run is not None and run.status in RESUMABLE

    def _update_buttons(self) -> None:
        self.resume_button.setEnabled(self.can_resume())

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.run_activated.emit(self.model.run(index.row()).id)

    @Slot(QItemSelection, QItemSelection)
    def _on_view_selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        self._update_buttons()

    @Slot()
    def _on_resume_button_clicked(self) -> None:
        run = self.selected_run()
        if run is not None and self.can_resume():
            self.resume_requested.emit(run.id)
