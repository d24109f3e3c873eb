"""The run panel's thresholds: one field per threshold, prefilled from the probe set."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QPushButton, QSpinBox, QWidget

from workbench.bias import ProbeSet

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


class ThresholdsBox(QGroupBox):
    """The thresholds a run judges by; "Probe set defaults" asks for the defaults again."""

    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Thresholds", parent)
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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
            self.fields[name] = field
            layout.addRow(label, field)
        self.reset_button = QPushButton("Probe set defaults")
        self.reset_button.setToolTip("Set every threshold back to the probe set's defaults")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        layout.addRow("", self.reset_button)

    def values(self) -> dict[str, float]:
        """Every threshold as typed."""
        return {name: field.value() for name, field in self.fields.items()}

    def set_value(self, name: str, value: float) -> None:
        """Type ``value`` into threshold ``name``'s field."""
        field = self.fields[name]
        if isinstance(field, QSpinBox):
            field.setValue(round(value))
        else:
            field.setValue(float(value))

    def fill(self, probe_set: ProbeSet) -> None:
        """Show ``probe_set``'s default thresholds."""
        defaults: dict[str, Any] = probe_set.defaults.to_dict()
        for name in self.fields:
            self.set_value(name, defaults[name])

    @Slot()
    def _on_reset_button_clicked(self) -> None:
        self.reset_requested.emit()
