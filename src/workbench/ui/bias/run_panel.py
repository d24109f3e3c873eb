"""The run panel: probe set, model, prompt or system prompt, thresholds; Run and Cancel.

Counterfactual cases fill a stored prompt version; with "(none)" chosen they are left out of
the run and the panel says how many, so a run never skips them silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.bias import ProbeSet
from workbench.ui.bias.tasks import PromptChoice, RunSpec
from workbench.ui.bias.thresholds_box import ThresholdsBox

NO_PROMPT = "(none)"
PROMPT_TIP = (
    "A stored prompt version that frames every probe and that counterfactual cases fill "
    "(like --prompt NAME@REF on the command line). (none): the model's chat template"
)
SYSTEM_PLACEHOLDER = "Optional system prompt (chat models)"
SYSTEM_PLACEHOLDER_WITH_PROMPT = "Not used: the chosen prompt version brings its own messages"


class RunPanel(QGroupBox):
    """Set up a run and start or cancel it."""

    run_requested = Signal(object)  # RunSpec
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New run", parent)
        self._probe_sets: dict[str, ProbeSet] = {}
        self._running = False
        self.probe_set_combo = QComboBox()
        self.probe_set_combo.setObjectName("biasProbeSet")
        self.probe_set_combo.currentIndexChanged.connect(self._on_probe_set_combo_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("hint")
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("biasModel")
        self.prompt_combo = QComboBox()
        self.prompt_combo.setObjectName("biasPrompt")
        self.prompt_combo.setToolTip(PROMPT_TIP)
        self.prompt_combo.addItem(NO_PROMPT, None)
        self.prompt_combo.currentIndexChanged.connect(self._on_prompt_combo_changed)
        self.skip_note = QLabel()
        self.skip_note.setObjectName("biasSkipNote")
        self.skip_note.setWordWrap(True)
        self.skip_note.hide()
        self.attribute_combo = QComboBox()
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(0, 10_000)
        self.limit_spin.setSpecialValueText("All")
        self.limit_spin.setToolTip("At most this many probes of each family (the first in file)")
        self.limit_spin.valueChanged.connect(self._on_limit_spin_changed)
        self.system_edit = QPlainTextEdit()
        self.system_edit.setPlaceholderText(SYSTEM_PLACEHOLDER)
        self.system_edit.setFixedHeight(60)
        self.thresholds = ThresholdsBox()
        self.thresholds.reset_requested.connect(self._on_thresholds_reset_requested)
        self.threshold_fields = self.thresholds.fields
        self.reset_button = self.thresholds.reset_button
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("primary")
        self.run_button.setToolTip("Run the probe set against the model (Ctrl+R)")
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(
            "Stop the run after the variant being scored (Esc or Ctrl+.); what was scored is kept "
            "and the run can be resumed"
        )
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Idle")
        self.progress.setTextVisible(True)

        form = QFormLayout()
        form.addRow("Probe set", self.probe_set_combo)
        form.addRow("", self.description)
        form.addRow("Model", self.model_combo)
        form.addRow("Attribute", self.attribute_combo)
        form.addRow("Probes per family", self.limit_spin)
        form.addRow("Prompt", self.prompt_combo)
        form.addRow("", self.skip_note)
        form.addRow("System prompt", self.system_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.thresholds)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        # Spare height goes below the controls, not into the rows of labels that wrap.
        layout.addStretch(1)

    # -- filling ------------------------------------------------------------------------------

    def set_probe_sets(self, probe_sets: Sequence[ProbeSet]) -> None:
        """Offer ``probe_sets`` (keeps the current choice when it is still there)."""
        current = self.probe_set_combo.currentData()
        self._probe_sets = {p.ref: p for p in probe_sets}
        self.probe_set_combo.blockSignals(True)
        self.probe_set_combo.clear()
        for probe_set in probe_sets:
            self.probe_set_combo.addItem(probe_set.ref, probe_set.ref)
        index = self.probe_set_combo.findData(current)
        self.probe_set_combo.setCurrentIndex(max(0, index))
        self.probe_set_combo.blockSignals(False)
        self._on_probe_set_combo_changed(self.probe_set_combo.currentIndex())

    def set_models(self, names: Sequence[str], preferred: str | None = None) -> None:
        """Offer the registered models ``names``."""
        current = self.model_combo.currentText() or preferred
        self.model_combo.clear()
        self.model_combo.addItems(list(names))
        index = self.model_combo.findText(current or "")
        self.model_combo.setCurrentIndex(max(0, index))
        self._update_buttons()

    def set_prompt_choices(self, choices: Sequence[PromptChoice]) -> None:
        """Offer the prompt versions ``choices`` after "(none)" (keeps the current choice when
        it is still there)."""
        current = self.prompt_combo.currentData()
        self.prompt_combo.blockSignals(True)
        self.prompt_combo.clear()
        self.prompt_combo.addItem(NO_PROMPT, None)
        for choice in choices:
            text = f"{choice.ref}  (v{choice.version})" if choice.label else choice.ref
            self.prompt_combo.addItem(text, choice.ref)
            variables = ", ".join(choice.variables) or "none"
            tip = f"Version {choice.version}; variables: {variables}"
            last = self.prompt_combo.count() - 1
            self.prompt_combo.setItemData(last, tip, Qt.ItemDataRole.ToolTipRole)
        self.prompt_combo.setCurrentIndex(max(0, self.prompt_combo.findData(current)))
        self.prompt_combo.blockSignals(False)
        self._on_prompt_combo_changed(self.prompt_combo.currentIndex())

    def select_prompt(self, ref: str | None) -> None:
        """Choose the prompt version ``ref`` (``NAME@REF`` as offered), or "(none)"."""
        self.prompt_combo.setCurrentIndex(max(0, self.prompt_combo.findData(ref)))

    def current_prompt_ref(self) -> str | None:
        """The chosen prompt version, or None for "(none)"."""
        ref = self.prompt_combo.currentData()
        return str(ref) if ref else None

    def skipped_cases(self) -> int:
        """How many counterfactual cases a run as set up now would leave out (no prompt)."""
        probe_set = self.current_probe_set()
        if probe_set is None or self.current_prompt_ref() is not None:
            return 0
        cases = sum(1 for probe in probe_set.probes if probe.family == "counterfactual")
        limit = self.limit_spin.value()
        return min(cases, limit) if limit else cases

    def select_probe_set(self, ref: str) -> None:
        """Choose the probe set ``ref`` (name@version)."""
        index = self.probe_set_combo.findData(ref)
        if index >= 0:
            self.probe_set_combo.setCurrentIndex(index)

    def current_probe_set(self) -> ProbeSet | None:
        """The chosen probe set."""
        return self._probe_sets.get(self.probe_set_combo.currentData() or "")

    def spec(self) -> RunSpec | None:
        """What the panel asks for now (None when nothing can run)."""
        probe_set = self.current_probe_set()
        model = self.model_combo.currentText()
        if probe_set is None or not model:
            return None
        attribute = self.attribute_combo.currentData()
        prompt_ref = self.current_prompt_ref()
        return RunSpec(
            probe_set_ref=probe_set.ref,
            model_name=model,
            system_prompt="" if prompt_ref else self.system_edit.toPlainText(),
            thresholds=self.thresholds.values(),
            attributes=(attribute,) if attribute else (),
            max_probes=self.limit_spin.value() or None,
            prompt_ref=prompt_ref,
        )

    # -- state --------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        """Switch between set-up (Run) and running (Cancel, progress)."""
        self._running = running
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first variant is scored
            self.progress.setFormat("Loading the model…")
        self._update_buttons()

    def set_progress(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` variants scored."""
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat("Scored %v of %m variants")

    def set_finished(self, text: str) -> None:
        """Show how the last run ended."""
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if text.startswith("Finished") else 0)
        self.progress.setFormat(text)

    def can_run(self) -> bool:
        """Whether Run would start something now."""
        probe_set = self.current_probe_set()
        if probe_set is None or not self.model_combo.currentText() or self._running:
            return False
        return self.current_prompt_ref() is not None or any(
            family != "counterfactual" for family in probe_set.families()
        )

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(self.can_run())
        skipped = self.skipped_cases()
        probe_set = self.current_probe_set()
        if skipped and probe_set is not None and probe_set.families() == ("counterfactual",):
            text = f"Counterfactual cases need a prompt: {skipped} skipped, nothing else to run."
        elif skipped:
            text = f"Counterfactual cases need a prompt: {skipped} skipped."
        else:
            text = ""
        self.skip_note.setText(text)
        self.skip_note.setVisible(bool(text))

    # -- slots --------------------------------------------------------------------------------

    @Slot(int)
    def _on_probe_set_combo_changed(self, index: int) -> None:
        probe_set = self.current_probe_set()
        self.attribute_combo.clear()
        self.attribute_combo.addItem("All attributes", "")
        self.description.setVisible(bool(probe_set and probe_set.description))
        if probe_set is not None:
            self.description.setText(probe_set.description)
            for attribute in probe_set.attributes:
                self.attribute_combo.addItem(attribute.name, attribute.name)
            self.thresholds.fill(probe_set)
        self._update_buttons()

    @Slot(int)
    def _on_prompt_combo_changed(self, index: int) -> None:
        # A prompt version brings its own messages, so the system prompt would not be used.
        chosen = self.current_prompt_ref() is not None
        self.system_edit.setEnabled(not chosen)
        self.system_edit.setPlaceholderText(
            SYSTEM_PLACEHOLDER_WITH_PROMPT if chosen else SYSTEM_PLACEHOLDER
        )
        self._update_buttons()

    @Slot(int)
    def _on_limit_spin_changed(self, value: int) -> None:
        self._update_buttons()  # the number of skipped cases follows the limit

    @Slot()
    def _on_thresholds_reset_requested(self) -> None:
        probe_set = self.current_probe_set()
        if probe_set is not None:
            self.thresholds.fill(probe_set)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.request_run()

    def request_run(self) -> bool:
        """Ask for a run as set up now (what Run and Ctrl+R do); False when none can start."""
        spec = self.spec()
        if spec is None or not self.can_run():
            return False
        self.run_requested.emit(spec)
        return True

    def set_threshold(self, name: str, value: float) -> None:
        """Type ``value`` into threshold ``name``'s field."""
        self.thresholds.set_value(name, value)
