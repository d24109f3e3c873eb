"""The Bias page: run a probe set against a model and read its verdicts and evidence.

Left: the run panel (probe set, model, optional system prompt, thresholds prefilled from the
probe set; Run, Cancel, progress) over the list of earlier runs. Right: the open run's verdict
table, forest plots per attribute, per-group P(favourable) with a scenario x group heatmap, and
the variant pairs that differ most, each openable to see both exact prompts and their
log-probabilities. All work happens in
:mod:`workbench.ui.bias.tasks` on worker threads.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.bias import BiasRun, ProbeSet
from workbench.ui.bias.forest_plot import ForestPlots
from workbench.ui.bias.group_charts import GroupCharts
from workbench.ui.bias.item_models import (
    PairsTableModel,
    RunsTableModel,
    VerdictTableModel,
    verdict_colors,
)
from workbench.ui.bias.pair_dialog import PairDialog
from workbench.ui.bias.run_panel import RunPanel
from workbench.ui.bias.tasks import (
    RunDetails,
    RunHostFactory,
    RunSpec,
    default_run_host,
    read_probe_sets,
    read_run,
    read_runs,
    run_bias,
)

if TYPE_CHECKING:
    from workbench.ui.context import AppContext
    from workbench.ui.operations import BackgroundOp

PROGRESS_POLL_MS = 100
PREFERRED_PROBE_SET = "decisions-hiring-lending-housing"
VERDICTS_TAB, FOREST_TAB, GROUPS_TAB, PAIRS_TAB = range(4)


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    return view


class BiasPage(QWidget):
    """Bias tests: set up and run, then read verdicts and evidence."""

    run_finished = Signal(object)  # RunDetails of the run just ended (finished or cancelled)
    run_opened = Signal(object)  # RunDetails shown
    runs_refreshed = Signal()

    #: Builds the model host a run uses (tests swap in a fake scorer).
    host_factory: RunHostFactory = staticmethod(default_run_host)

    def __init__(self, context: AppContext | None = None) -> None:
        super().__init__()
        self.setObjectName("biasPage")
        assert context is not None
        self.context = context
        self.details: RunDetails | None = None
        self.running_op: BackgroundOp[Any] | None = None
        self.probe_sets_loaded = False
        self._runs_token = 0

        self.run_panel = RunPanel()
        self.run_panel.run_requested.connect(self._on_run_panel_run_requested)
        self.run_panel.cancel_requested.connect(self._on_run_panel_cancel_requested)
        self.runs_model = RunsTableModel(self)
        self.runs_view = _table("biasRuns")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.runs_view.activated.connect(self._on_runs_view_activated)
        self.runs_view.clicked.connect(self._on_runs_view_activated)
        runs_box = QWidget()
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addWidget(QLabel("<b>Runs</b> (click one to open it)"))
        runs_layout.addWidget(self.runs_view)
        panel_scroll = QScrollArea()
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel_scroll.setWidget(self.run_panel)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(panel_scroll)
        left.addWidget(runs_box)
        left.setStretchFactor(1, 1)
        left.setSizes([640, 260])

        self.header = QLabel("No run open. Set up a run on the left, or open an earlier one.")
        self.header.setObjectName("biasRunHeader")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_model = VerdictTableModel(self)
        self.verdict_view = _table("biasVerdicts")
        self.verdict_view.setModel(self.verdict_model)
        self.verdict_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.verdict_view.horizontalHeader().setStretchLastSection(True)
        self.verdict_view.selectionModel().currentRowChanged.connect(
            self._on_verdict_view_current_changed
        )
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setObjectName("hint")
        verdicts = QWidget()
        verdicts_layout = QVBoxLayout(verdicts)
        verdicts_layout.addWidget(self.verdict_view, 1)
        verdicts_layout.addWidget(self.reason)
        self.forest = ForestPlots()
        self.pairs_model = PairsTableModel(self)
        self.pairs_view = _table("biasPairs")
        self.pairs_view.setModel(self.pairs_model)
        self.pairs_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.pairs_view.horizontalHeader().setStretchLastSection(True)
        self.pairs_view.activated.connect(self._on_pairs_view_activated)
        pairs = QWidget()
        pairs_layout = QVBoxLayout(pairs)
        pairs_hint = QLabel(
            "Variants of one scenario that differ only in the group, largest difference in "
            "log-odds first. Double-click (or Enter) to see both exact prompts."
        )
        pairs_hint.setWordWrap(True)
        pairs_layout.addWidget(pairs_hint)
        pairs_layout.addWidget(self.pairs_view, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("biasTabs")
        self.tabs.insertTab(VERDICTS_TAB, verdicts, "Verdicts")
        self.tabs.insertTab(FOREST_TAB, self.forest, "Forest plot")
        self.groups = GroupCharts()
        self.tabs.insertTab(GROUPS_TAB, self.groups, "Groups")
        self.tabs.insertTab(PAIRS_TAB, pairs, "Largest differences")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("biasSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        context.store_opened.connect(self._on_context_store_opened)
        context.models_refreshed.connect(self._on_context_models_refreshed)
        if context.store_ready:
            self._on_context_store_opened()
            self._on_context_models_refreshed()

    # State -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        return self.running_op is not None

    @property
    def current_run(self) -> BiasRun | None:
        """The run shown on the right."""
        return self.details.run if self.details else None

    def page_activated(self) -> None:
        """Called each time the page is shown: re-read the runs."""
        if self.context.store_ready:
            self.refresh_runs()

    # Loading ---------------------------------------------------------------------------------

    @Slot()
    def refresh_runs(self) -> None:
        """Re-read the list of runs."""
        self._runs_token += 1
        token = self._runs_token
        self.context.run(
            read_runs, parent=self, success=lambda runs: self._on_runs_read(runs, token)
        ).run_in_background()

    def open_run(self, run_id: int) -> None:
        """Show run ``run_id``: verdicts, forest plots, pairs."""
        self.context.run(
            lambda task: read_run(task, run_id), parent=self, success=self.show_details
        ).run_in_background()

    def show_details(self, details: RunDetails) -> None:
        """Show ``details`` on the right."""
        self.details = details
        run = details.run
        self.verdict_model.set_results(details.metrics)
        self.forest.set_results(details.metrics)
        self.groups.set_evidence(details.rates, details.grids)
        self.pairs_model.set_pairs(details.pairs)
        self.reason.clear()
        self.header.setText(self._header_html(run))
        row = self.runs_model.row_of(run.id)
        if row >= 0:
            self.runs_view.selectRow(row)
        self.run_opened.emit(details)

    @staticmethod
    def _header_html(run: BiasRun) -> str:
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

    # Running ---------------------------------------------------------------------------------

    def start_run(self, spec: RunSpec) -> None:
        """Run ``spec`` in the background; progress shows in the panel."""
        if self.running:
            return
        factory = type(self).host_factory
        op = self.context.run(
            lambda task: run_bias(task, spec, factory), parent=self, success=self._on_run_done
        )
        op.failure(self._on_run_failed).with_progress("Running the bias test…", cancellable=True)
        self.running_op = op
        self.run_panel.set_running(True)
        self._poll.start()
        op.run_in_background()

    def cancel_run(self) -> None:
        """Stop the running test after (or within) the variant being scored."""
        if self.running_op is not None:
            self.running_op.cancel()
            self.run_panel.progress.setFormat("Cancelling…")

    def _end_run(self) -> None:
        self._poll.stop()
        self.running_op = None
        self.run_panel.set_running(False)

    def _on_run_done(self, details: RunDetails) -> None:
        self._end_run()
        run = details.run
        if run.status == "finished":
            text = f"Finished: {run.n_scored} variants, verdict {run.verdict or '–'}"
        else:
            text = f"Cancelled after {run.n_scored} of {run.n_variants} variants"
        self.run_panel.set_finished(text)
        self.show_details(details)
        self.refresh_runs()
        self.run_finished.emit(details)

    def _on_run_failed(self, error: BaseException) -> None:
        from workbench.ui.error_dialogs import report_exception

        self._end_run()
        self.run_panel.set_finished("Failed")
        self.refresh_runs()
        report_exception(error, self)

    # Slots -----------------------------------------------------------------------------------

    @Slot()
    def _on_context_store_opened(self) -> None:
        self.context.run(
            read_probe_sets, parent=self, success=self._on_probe_sets_read
        ).run_in_background()
        self.refresh_runs()

    @Slot()
    def _on_context_models_refreshed(self) -> None:
        names = [r.name for r in self.context.inventory.records()]
        self.run_panel.set_models(names)

    def _on_probe_sets_read(self, probe_sets: list[ProbeSet]) -> None:
        self.run_panel.set_probe_sets(probe_sets)
        if not self.probe_sets_loaded:
            preferred = next((p.ref for p in probe_sets if p.name == PREFERRED_PROBE_SET), None)
            if preferred:
                self.run_panel.select_probe_set(preferred)
        self.probe_sets_loaded = True

    def _on_runs_read(self, runs: list[BiasRun], token: int) -> None:
        if token != self._runs_token:
            return  # a later read is on its way
        self.runs_model.set_runs(runs)
        if self.details is not None:
            row = self.runs_model.row_of(self.details.run.id)
            if row >= 0:
                self.runs_view.selectRow(row)
        self.runs_refreshed.emit()

    @Slot(object)
    def _on_run_panel_run_requested(self, spec: RunSpec) -> None:
        self.start_run(spec)

    @Slot()
    def _on_run_panel_cancel_requested(self) -> None:
        self.cancel_run()

    @Slot()
    def _on_poll_timeout(self) -> None:
        if self.running_op is None:
            return
        latest = self.running_op.task.latest_progress()
        if latest is not None and not self.running_op.task.cancelled:
            self.run_panel.set_progress(*latest)

    @Slot(QModelIndex)
    def _on_runs_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            run = self.runs_model.run(index.row())
            if self.current_run is None or self.current_run.id != run.id:
                self.open_run(run.id)

    @Slot(QModelIndex, QModelIndex)
    def _on_verdict_view_current_changed(self, current: QModelIndex, _: QModelIndex) -> None:
        if current.isValid():
            result = self.verdict_model.result(current.row())
            self.reason.setText(f"<b>{result.verdict.value}</b>: {html.escape(result.reason)}")

    @Slot(QModelIndex)
    def _on_pairs_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_pair(index.row())

    def open_pair(self, row: int) -> PairDialog:
        """Open the pair on ``row`` in a dialog (returned for tests)."""
        dialog = PairDialog(self.pairs_model.pair(row), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
