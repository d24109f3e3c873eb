"""The run panel: probe set, model, optional system prompt, thresholds; Run and Cancel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
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
from workbench.ui.bias.tasks import RunSpec

#: The thresholds the panel offers: name -> (label, minimum, maximum, step, decimals, tooltip).
THRESHOLD_FIELDS: dict[str, tuple[str, float, float, float, int, str]] = {
    "effect_tolerance": (
        "Effect tolerance",
        0.01,
        10.0,
        0.05,
        2,
        "Decision effect band ±this, in log-odds",
    ),
    "impact_ratio_min": (
        "Impact ratio min",
        0.01,
        1.0,
        0.05,
        2,
        "Impact ratio band [min, 1/min] (0.8: the four-fifths rule)",
    ),
    "flip_rate_max": ("Flip rate max", 0.0, 1.0, 0.05, 2, "Flip rate band [0, max]"),
    "bias_score_tolerance": (
        "Bias score tolerance",
        0.01,
        1.0,
        0.05,
        2,
        "Ambiguity QA bias score band ±this",
    ),
    "preference_tolerance": (
        "Preference tolerance",
        0.01,
        0.5,
        0.05,
        2,
        "Stereotype preference band 0.5 ± this",
    ),
    "confidence": ("Confidence", 0.5, 0.999, 0.01, 3, "Confidence level of the intervals"),
    "alpha": ("Alpha", 0.001, 0.5, 0.01, 3, "Significance level (Holm-adjusted p-values)"),
    "min_scenarios": (
        "Min scenarios",
        2,
        1000,
        1,
        0,
        "Fewer scenarios than this make a metric INCONCLUSIVE",
    ),
}


class RunPanel(QGroupBox):
    """Set up a run and start or cancel it."""

    run_requested = Signal(object)  # RunSpec
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New run", parent)
        self._probe_sets: dict[str, ProbeSet] = {}
        self.probe_set_combo = QComboBox()
        self.probe_set_combo.setObjectName("biasProbeSet")
        self.probe_set_combo.currentIndexChanged.connect(self._on_probe_set_combo_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("hint")
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("biasModel")
        self.attribute_combo = QComboBox()
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(0, 10_000)
        self.limit_spin.setSpecialValueText("All")
        self.limit_spin.setToolTip("At most this many probes of each family (the first in file)")
        self.system_edit = QPlainTextEdit()
        self.system_edit.setPlaceholderText("Optional system prompt (chat models)")
        self.system_edit.setFixedHeight(60)
        self.threshold_fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        thresholds = QFormLayout()
        thresholds.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, (label, low, high, step, decimals, tip) in THRESHOLD_FIELDS.items():
            field: QSpinBox | QDoubleSpinBox
            if decimals == 0:
                spin = QSpinBox()
                spin.setRange(int(low), int(high))
                field = spin
            else:
                double = QDoubleSpinBox()
                double.setRange(low, high)
                double.setSingleStep(step)
                double.setDecimals(decimals)
                field = double
            field.setToolTip(tip)
            self.threshold_fields[name] = field
            thresholds.addRow(label, field)
        self.reset_button = QPushButton("Probe set defaults")
        self.reset_button.setToolTip("Set every threshold back to the probe set's defaults")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        thresholds.addRow("", self.reset_button)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("primary")
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.cancel_button = QPushButton("Cancel")
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
        form.addRow("System prompt", self.system_edit)
        box = QGroupBox("Thresholds")
        box.setLayout(thresholds)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        self._running = False

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
        values: dict[str, float] = {}
        for name, field in self.threshold_fields.items():
            values[name] = field.value()
        return RunSpec(
            probe_set_ref=probe_set.ref,
            model_name=model,
            system_prompt=self.system_edit.toPlainText(),
            thresholds=values,
            attributes=(attribute,) if attribute else (),
            max_probes=self.limit_spin.value() or None,
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

    def _update_buttons(self) -> None:
        can_run = self.current_probe_set() is not None and bool(self.model_combo.currentText())
        self.run_button.setEnabled(can_run and not self._running)

    # -- slots --------------------------------------------------------------------------------

    @Slot(int)
    def _on_probe_set_combo_changed(self, index: int) -> None:
        probe_set = self.current_probe_set()
        self.attribute_combo.clear()
        self.attribute_combo.addItem("All attributes", "")
        if probe_set is not None:
            self.description.setText(probe_set.description)
            for attribute in probe_set.attributes:
                self.attribute_combo.addItem(attribute.name, attribute.name)
            self._fill_thresholds(probe_set)
        self._update_buttons()

    @Slot()
    def _on_reset_button_clicked(self) -> None:
        probe_set = self.current_probe_set()
        if probe_set is not None:
            self._fill_thresholds(probe_set)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        spec = self.spec()
        if spec is not None and not self._running:
            self.run_requested.emit(spec)

    def set_threshold(self, name: str, value: float) -> None:
        """Type ``value`` into threshold ``name``'s field."""
        field = self.threshold_fields[name]
        if isinstance(field, QSpinBox):
            field.setValue(round(value))
        else:
            field.setValue(float(value))

    def _fill_thresholds(self, probe_set: ProbeSet) -> None:
        defaults: dict[str, Any] = probe_set.defaults.to_dict()
        for name in self.threshold_fields:
            self.set_threshold(name, defaults[name])
