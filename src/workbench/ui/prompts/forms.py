"""The side forms of the prompt editor: sample values for the template's variables, and the
default sampling parameters a version stores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from workbench.engine.messages import SamplingSettings
from workbench.prompts import PARAM_SPECS
from workbench.ui.prompts.template_edit import GrowingTextEdit
from workbench.ui.widgets.sampling_panel import format_stops, parse_stops

#: The order parameters are listed in (every name of PARAM_SPECS).
PARAM_ORDER = ("temperature", "top_p", "top_k", "max_tokens", "seed", "stop", "repeat_penalty")
_DECIMALS = {"temperature": 2, "top_p": 2, "repeat_penalty": 2}
_STEPS = {"temperature": 0.1, "top_p": 0.05, "repeat_penalty": 0.05}
_INT_LIMIT = 2**31 - 1


class SampleValuesForm(QWidget):
    """A text box per variable; values typed for a variable are kept if it goes and comes back."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: tuple[str, ...] = ()
        self.fields: dict[str, GrowingTextEdit] = {}
        self._remembered: dict[str, str] = {}
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel("No variables. Write {{ name }} in a message to add one.")
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        self._form.addRow(self.empty_label)

    def set_variables(self, names: Sequence[str]) -> None:
        """Show a field for each of ``names`` (in order), keeping typed values."""
        names = tuple(names)
        if names == self.names:
            return
        self._remember()
        while self._form.rowCount() > 1:
            self._form.removeRow(1)  # deletes the label and the field
        self.fields = {}
        self.names = names
        for name in names:
            field = GrowingTextEdit(min_lines=1, max_lines=5)
            field.setObjectName(f"sample_{name}")
            field.setPlaceholderText(f"sample value for {name}")
            field.setToolTip(f"The value of {{{{ {name} }}}} in the preview and the playground")
            field.setPlainText(self._remembered.get(name, ""))
            field.textChanged.connect(self.edited)
            self.fields[name] = field
            self._form.addRow(name, field)
        self.empty_label.setVisible(not names)

    def values(self) -> dict[str, str]:
        """Every variable's sample value ("" where none was typed)."""
        return {name: field.toPlainText() for name, field in self.fields.items()}

    def all_values(self) -> dict[str, str]:
        """Values typed for every variable seen, shown or not (what is worth remembering)."""
        self._remember()
        return {name: value for name, value in self._remembered.items() if value}

    def set_values(self, values: Mapping[str, str]) -> None:
        """Fill in remembered sample values."""
        self._remembered = dict(values)
        for name, field in self.fields.items():
            field.setPlainText(values.get(name, ""))

    def _remember(self) -> None:
        self._remembered.update(self.values())


class ParamsForm(QWidget):
    """A check box and a field per sampling parameter; unchecked means "engine default".

    Values are kept exactly as stored until the user edits a field, so a version with, say,
    ``temperature: 0.333`` does not turn "unsaved" just because a spin box rounds it.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, Any] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for name in PARAM_ORDER:
            spec = PARAM_SPECS[name]
            check = QCheckBox(name)
            check.setToolTip(f"{spec.help}. Unchecked: the engine's default.")
            field = self._field(name)
            field.setToolTip(spec.help)
            field.setEnabled(False)
            check.toggled.connect(lambda on, n=name: self._on_check_toggled(n, on))
            self.checks[name] = check
            self.fields[name] = field
            form.addRow(check, field)

    def _field(self, name: str) -> QWidget:
        spec = PARAM_SPECS[name]
        if spec.kind == "strings":
            line = QLineEdit()
            line.setPlaceholderText("e.g. ### | \\n\\n")
            line.textEdited.connect(lambda _t, n=name: self._on_field_edited(n))
            return line
        box: QDoubleSpinBox | QSpinBox
        if spec.kind == "float" or name == "seed":  # a seed can exceed a QSpinBox's int range
            box = QDoubleSpinBox()
            box.setDecimals(_DECIMALS.get(name, 0))
            box.setSingleStep(_STEPS.get(name, 1))
            box.setRange(spec.minimum or 0.0, spec.maximum if spec.maximum is not None else 1e9)
        else:
            box = QSpinBox()
            maximum = int(spec.maximum) if spec.maximum is not None else _INT_LIMIT
            box.setRange(int(spec.minimum or 0), min(maximum, _INT_LIMIT))
        box.setValue(getattr(SamplingSettings(), name))  # what "unchecked" means, to start from
        box.valueChanged.connect(lambda _v, n=name: self._on_field_edited(n))
        return box

    def set_params(self, params: Mapping[str, object]) -> None:
        """Show a version's parameters (unset ones unchecked)."""
        self._values = dict(params)
        for name in PARAM_ORDER:
            field, check = self.fields[name], self.checks[name]
            value = params.get(name)
            for widget in (field, check):
                widget.blockSignals(True)
            check.setChecked(value is not None)
            field.setEnabled(value is not None)
            if value is not None:
                self._show(name, value)
            for widget in (field, check):
                widget.blockSignals(False)

    def params(self) -> dict[str, object]:
        """The checked parameters and their values."""
        return {
            name: self._values[name]
            for name in PARAM_ORDER
            if self.checks[name].isChecked() and self._values.get(name) not in (None, ())
        }

    def _show(self, name: str, value: object) -> None:
        field = self.fields[name]
        if isinstance(field, QLineEdit):
            field.setText(format_stops(list(value)))  # type: ignore[call-overload]
        elif isinstance(field, QDoubleSpinBox | QSpinBox):
            field.setValue(value)  # type: ignore[arg-type]

    def _read(self, name: str) -> object:
        field = self.fields[name]
        if isinstance(field, QLineEdit):
            return parse_stops(field.text())
        if isinstance(field, QDoubleSpinBox):
            value = round(field.value(), field.decimals())
            return int(value) if PARAM_SPECS[name].kind == "int" else value
        if isinstance(field, QSpinBox):
            return field.value()
        raise TypeError(name)

    def _on_check_toggled(self, name: str, on: bool) -> None:
        self.fields[name].setEnabled(on)
        if on and name not in self._values:
            self._values[name] = self._read(name)
        self.edited.emit()

    def _on_field_edited(self, name: str) -> None:
        if self.checks[name].isChecked():
            self._values[name] = self._read(name)
            self.edited.emit()
