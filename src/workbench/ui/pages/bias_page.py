"""The Bias page: run a probe set against a model and read its verdicts and evidence.

Left: the run panel (probe set, model, prompt version or system prompt, thresholds prefilled
from the probe set; Run, Cancel, progress) over the list of earlier runs, where a stopped run
can be resumed. Right: the open run's verdict table, forest plots per attribute, per-group
P(favourable) with a scenario x group heatmap, and the variant pairs that differ most, each
openable to see both exact prompts and their log-probabilities. All work happens in
:mod:`workbench.ui.bias.tasks` on worker threads.

Keys, as on the Evaluations page: Ctrl+R runs, Esc (or Ctrl+.) cancels the running test, F5
reads everything again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from workbench.bias import BiasRun, ProbeSet
from workbench.ui.bias.pair_dialog import PairDialog
from workbench.ui.bias.run_panel import RunPanel
from workbench.ui.bias.run_view import FOREST_TAB, GROUPS_TAB, PAIRS_TAB, VERDICTS_TAB, RunView
from workbench.ui.bias.runs_panel import RunsPanel
from workbench.ui.bias.tasks import (
    PromptChoice,
    RunDetails,
    RunHostFactory,
    RunSpec,
    default_run_host,
    read_probe_sets,
    read_prompt_choices,
    read_run,
    read_runs,
    resume_bias,
    run_bias,
)

if TYPE_CHECKING:
    from workbench.ui.context import AppContext
    from workbench.ui.operations import BackgroundOp

__all__ = ["FOREST_TAB", "GROUPS_TAB", "PAIRS_TAB", "VERDICTS_TAB", "BiasPage"]

PROGRESS_POLL_MS = 100
CANCEL_KEYS = "Ctrl+."
PREFERRED_PROBE_SET = "decisions-hiring-lending-housing"


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
        self.prompts_loaded = False
        self.resuming: int | None = None  # id of the run being resumed, if that is what runs
        self._runs_token = 0

        self.run_panel = RunPanel()
        self.run_panel.run_requested.connect(self._on_run_panel_run_requested)
        self.run_panel.cancel_requested.connect(self._on_run_panel_cancel_requested)
        self.runs_panel = RunsPanel()
        self.runs_panel.run_activated.connect(self._on_runs_panel_run_activated)
        self.runs_panel.resume_requested.connect(self._on_runs_panel_resume_requested)
        self.runs_panel.refresh_requested.connect(self._on_runs_panel_refresh_requested)
        self.runs_model = self.runs_panel.model
        self.runs_view = self.runs_panel.view
        panel_scroll = QScrollArea()
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel_scroll.setWidget(self.run_panel)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(panel_scroll)
        left.addWidget(self.runs_panel)
        left.setStretchFactor(1, 1)
        left.setSizes([640, 260])

        self.run_view = RunView()
        # The page's parts by the names they had before the view was split out (tests use them).
        view = self.run_view
        self.header, self.tabs, self.reason = view.header, view.tabs, view.reason
        self.verdict_model, self.verdict_view = view.verdict_model, view.verdict_view
        self.pairs_model, self.pairs_view = view.pairs_model, view.pairs_view
        self.forest, self.groups = view.forest, view.groups

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("biasSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.run_view)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._build_actions()
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
        """Called each time the page is shown: re-read the runs and the prompt versions (the
        Prompts page may have moved a label)."""
        if self.context.store_ready:
            self.refresh_runs()
            self._read_prompts()

    def _build_actions(self) -> None:
        # Window shortcuts of a page in the window's stack fire only while the page is shown,
        # so they work with the focus in the sidebar and never clash with other pages' keys.
        def action(text: str, keys: tuple[str, ...], slot: Callable[[], Any]) -> QAction:
            made = QAction(text, self)
            made.setShortcuts([QKeySequence(key) for key in keys])
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        self.run_action = action("Run", ("Ctrl+R",), self._on_run_action_triggered)
        # Enabled only while a test runs, so the Playground's Esc (Stop) keeps its key
        # otherwise (it is the Playground's only while that page is shown); Ctrl+. cancels too,
        # as on the Evaluations page.
        self.cancel_action = action(
            "Cancel run", ("Esc", CANCEL_KEYS), self._on_cancel_action_triggered
        )
        self.cancel_action.setEnabled(False)
        self.refresh_action = action("Refresh", ("F5",), self._on_refresh_action_triggered)

    # Loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the runs, the probe sets and the prompt versions (F5)."""
        if self.context.store_ready:
            self._read_probe_sets()
            self._read_prompts()
            self.refresh_runs()

    def _read_probe_sets(self) -> None:
        self.context.run(
            read_probe_sets, parent=self, success=self._on_probe_sets_read
        ).run_in_background()

    def _read_prompts(self) -> None:
        self.context.run(
            read_prompt_choices, parent=self, success=self._on_prompt_choices_read
        ).run_in_background()

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
        self.run_view.show_details(details)
        self.runs_panel.select_run(details.run.id)
        self.run_opened.emit(details)

    # Running ---------------------------------------------------------------------------------

    def start_run(self, spec: RunSpec) -> None:
        """Run ``spec`` in the background; progress shows in the panel."""
        if self.running:
            return
        factory = type(self).host_factory
        self._start(lambda task: run_bias(task, spec, factory), "Running the bias test…")

    def resume_run(self, run_id: int) -> None:
        """Score what run ``run_id`` left, as a new run is scored: progress, Cancel, Esc."""
        if self.running:
            return
        factory = type(self).host_factory
        self.resuming = run_id
        self._start(lambda task: resume_bias(task, run_id, factory), f"Resuming run #{run_id}…")

    def _start(self, work: Callable[[Any], RunDetails], label: str) -> None:
        op = self.context.run(work, parent=self, success=self._on_run_done)
        op.failure(self._on_run_failed).with_progress(label, cancellable=True)
        self.running_op = op
        self._set_running(True)
        self._poll.start()
        op.run_in_background()

    def cancel_run(self) -> None:
        """Stop the running test after (or within) the variant being scored."""
        if self.running_op is not None:
            self.running_op.cancel()
            self.run_panel.progress.setFormat("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.run_panel.set_running(running)
        self.runs_panel.set_busy(running)
        self.cancel_action.setEnabled(running)

    def _end_run(self) -> None:
        self._poll.stop()
        self.running_op = None
        self.resuming = None
        self._set_running(False)

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
        from workbench.errors import WorkbenchError
        from workbench.ui.error_dialogs import report_exception

        resumed = self.resuming
        op = self.running_op
        cancelled = op is not None and op.task.cancelled
        self._end_run()
        self.refresh_runs()
        if cancelled and isinstance(error, WorkbenchError):
            # Cancelled while the model loaded: the load stopped as asked; nothing to report.
            self.run_panel.set_finished("Cancelled")
            return
        # A refused resume (model changed, run busy elsewhere) is a WorkbenchError: it shows as
        # a message box; only a bug gets the crash dialog.
        self.run_panel.set_finished(f"Run #{resumed} not resumed" if resumed else "Failed")
        report_exception(error, self)

    # Slots -----------------------------------------------------------------------------------

    @Slot()
    def _on_context_store_opened(self) -> None:
        self.refresh()

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

    def _on_prompt_choices_read(self, choices: list[PromptChoice]) -> None:
        self.run_panel.set_prompt_choices(choices)
        self.prompts_loaded = True

    def _on_runs_read(self, runs: list[BiasRun], token: int) -> None:
        if token != self._runs_token:
            return  # a later read is on its way
        self.runs_panel.set_runs(runs, self.details.run.id if self.details else None)
        self.runs_refreshed.emit()

    @Slot(object)
    def _on_run_panel_run_requested(self, spec: RunSpec) -> None:
        self.start_run(spec)

    @Slot()
    def _on_run_panel_cancel_requested(self) -> None:
        self.cancel_run()

    @Slot()
    def _on_run_action_triggered(self) -> None:
        self.run_panel.request_run()

    @Slot()
    def _on_cancel_action_triggered(self) -> None:
        self.cancel_run()

    @Slot()
    def _on_refresh_action_triggered(self) -> None:
        self.refresh()

    @Slot(int)
    def _on_runs_panel_run_activated(self, run_id: int) -> None:
        if self.current_run is None or self.current_run.id != run_id:
            self.open_run(run_id)

    @Slot(int)
    def _on_runs_panel_resume_requested(self, run_id: int) -> None:
        self.resume_run(run_id)

    @Slot()
    def _on_runs_panel_refresh_requested(self) -> None:
        self.refresh()

    @Slot()
    def _on_poll_timeout(self) -> None:
        if self.running_op is None:
            return
        latest = self.running_op.task.latest_progress()
        if latest is not None and not self.running_op.task.cancelled:
            self.run_panel.set_progress(*latest)

    def open_pair(self, row: int) -> PairDialog:
        """Open the pair on ``row`` of Largest differences in a dialog (returned for tests)."""
        return self.run_view.open_pair(row)
