"""The assertions of one test case, edited in a table: type (negated or not), value, threshold,
weight and metric, in promptfoo's shape.

OK checks every row with :func:`workbench.evals.build_assertion`, the check a suite file gets.
An invalid row keeps the dialog open with a message naming the row and the field, so nothing
typed is lost; a valid list is written back in its canonical form (what a stored suite holds).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import yaml
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import SuiteFileError, assertion_types, build_assertion
from workbench.evals.assertions import InvalidAssertionError, get_assertion_type
from workbench.evals.nodes import from_yaml
from workbench.evals.suite import NEGATION_PREFIX
from workbench.ui.prompts.colors import error_color

COLUMNS = ("Not", "Type", "Value", "Threshold", "Weight", "Metric")
NEGATE, TYPE, VALUE, THRESHOLD, WEIGHT, METRIC = range(len(COLUMNS))
_FIELD_COLUMNS = {"type": TYPE, "value": VALUE, "threshold": THRESHOLD, "weight": WEIGHT}
_HEADER_TIPS = (
    "Checked: the assertion passes when the check fails (the not- prefix)",
    "What is checked; hover over a type in the list for what it does",
    "Text as is; a list or mapping as JSON or YAML ([a, b], {min: 1, max: 200}); a number",
    "For similar, levenshtein, llm-rubric and latency",
    "How much the assertion counts in the case's score (default 1; 0: informational)",
    "A name to group scores by across cases (optional)",
)


ValueShape = Literal["text", "texts", "any"]


@cache
def value_shape(type_name: str | None) -> ValueShape:
    """How a type's Value cell reads: ``text`` (one text, taken as typed: a regex ``[abc]``
    or a ``contains`` value ``yes`` stays that text), ``texts`` (a list whose items are all
    texts) or ``any`` (numbers, lists, mappings: ``length``, ``equals``, ``json-schema``...).

    Found by asking the type's own validation, so it follows the core's rules: a type that
    takes ``"x"`` but refuses ``["x"]`` takes one text; one that makes ``"x"`` a list takes
    texts."""
    kind = get_assertion_type(type_name) if type_name else None
    if kind is None:
        return "any"
    try:
        checked = kind.validate("x", None)
    except InvalidAssertionError:
        return "any"
    if isinstance(checked, list):
        return "texts"
    try:
        kind.validate(["x"], None)
    except InvalidAssertionError:
        return "text"
    return "any"


def _json_text(text: str) -> str | None:
    """The text a JSON string literal (``"42"``) stands for; None when ``text`` is not one."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, str) else None


def parse_value(text: str, type_name: str | None = None) -> Any:
    """What a Value cell means for an assertion of type ``type_name``; an empty cell is no
    value.

    A list or mapping is read as YAML flow (JSON is a subset), so the suite files' forms work:
    ``{max: 200}``, ``[bulb, plug]``. A lone value is a JSON number or quoted text (``3``,
    ``"42"``), otherwise the text as typed (``true``, ``yes`` stay text: no type here takes a
    boolean). Types that take one text (:func:`value_shape`) take the cell as typed, unless it
    is quoted; the items of a list of texts stay the texts typed (``[yes, 007]``)."""
    if not text.strip():
        return None
    shape = value_shape(type_name)
    if shape == "text":
        quoted = _json_text(text)
        return text if quoted is None else quoted
    if text.strip()[:1] in ("[", "{"):
        try:
            if shape == "texts":
                parsed = yaml.load(text, Loader=yaml.BaseLoader)  # every item the text typed
            else:
                # The suite files' reader: an unquoted date stays text, .inf is refused.
                parsed = from_yaml(text, "value").plain()
        except (yaml.YAMLError, SuiteFileError):
            return text
        if isinstance(parsed, list | dict):
            return parsed
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, bool) or not isinstance(parsed, int | float | str):
        return text  # true, false and null stay text: the types here never take them
    return parsed


def value_text(value: Any, type_name: str | None = None) -> str:
    """The Value cell for ``value``: the inverse of :func:`parse_value`. A list of one text
    for a type that takes a text or a list of texts (``similar``: it stores ``"x"`` as
    ``["x"]``) reads as that text, as it was typed, not as a JSON list."""
    if value is None:
        return ""
    if (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], str)
        and value_shape(type_name) == "texts"
    ):
        return value_text(value[0], type_name)
    if isinstance(value, str) and parse_value(value, type_name) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class _Row:
    """One row's cells as the user left them."""

    negate: bool
    type: str
    value: str
    threshold: str
    weight: str
    metric: str


def _row_from_dict(assertion: dict[str, Any]) -> _Row:
    name = str(assertion.get("type", ""))
    negate = name.startswith(NEGATION_PREFIX)
    base_name = name[len(NEGATION_PREFIX) :] if negate else name
    threshold, weight = assertion.get("threshold"), assertion.get("weight")
    return _Row(
        negate,
        base_name,
        value_text(assertion.get("value"), base_name),
        "" if threshold is None else f"{threshold:g}",
        "" if weight is None else f"{weight:g}",
        str(assertion.get("metric") or ""),
    )


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        raise InvalidAssertionError(f"{text.strip()!r} is not a number", field) from None
    if not math.isfinite(number):
        raise InvalidAssertionError(f"{text.strip()!r} is not a finite number", field)
    return number


def build_row(row: _Row) -> dict[str, Any]:
    """The canonical promptfoo-shaped dict of one row; raises InvalidAssertionError."""
    weight = _number(row.weight, "weight")
    built = build_assertion(
        (NEGATION_PREFIX if row.negate else "") + row.type,
        parse_value(row.value, row.type),
        threshold=_number(row.threshold, "threshold"),
        weight=1.0 if weight is None else weight,
        metric=row.metric.strip() or None,
    )
    return built.to_dict()


class AssertionsDialog(QDialog):
    """Edit a list of assertions; emits ``assertions_accepted`` with the valid list on OK."""

    assertions_accepted = Signal(list)

    def __init__(
        self, assertions: list[dict[str, Any]], *, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assertionsDialog")
        self.setWindowTitle(f"Assertions of {title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(860, 380)
        self.types = assertion_types()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("assertionsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for column, tip in enumerate(_HEADER_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)  # type: ignore[union-attr]
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column, width in ((NEGATE, 44), (TYPE, 170), (THRESHOLD, 84), (WEIGHT, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(METRIC, 110)
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("assertionsProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.problem_label.hide()
        row_buttons = QHBoxLayout()
        self.add_button = self._button("Add", "Add an assertion", self._on_add_button_clicked)
        self.remove_button = self._button(
            "Remove", "Remove the selected assertion", self._on_remove_button_clicked
        )
        self.up_button = self._button("Move up", "Grade it earlier", self._on_up_button_clicked)
        self.down_button = self._button("Move down", "Grade it later", self._on_down_button_clicked)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        for assertion in assertions:
            self.add_row(_row_from_dict(assertion))
        self._update_buttons()

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # Rows ------------------------------------------------------------------------------------

    def add_row(self, row: _Row | None = None) -> int:
        """Add a row (a ``contains`` assertion when none is given); returns its number."""
        number = self.table.rowCount()
        self.table.insertRow(number)
        combo = QComboBox()
        combo.setObjectName("assertionTypeBox")
        for kind in self.types:
            combo.addItem(kind.name)
            combo.setItemData(combo.count() - 1, kind.summary, Qt.ItemDataRole.ToolTipRole)
        combo.currentTextChanged.connect(self._on_type_box_current_text_changed)
        self.table.setCellWidget(number, TYPE, combo)
        self._write_row(number, row or _Row(False, "contains", "", "", "", ""))
        return number

    def row_count(self) -> int:
        """How many assertions the table holds."""
        return self.table.rowCount()

    def type_box(self, row: int) -> QComboBox:
        """The type combo box of ``row``."""
        combo = self.table.cellWidget(row, TYPE)
        assert isinstance(combo, QComboBox)
        return combo

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Put ``text`` in a text cell (Value, Threshold, Weight, Metric), as typing would."""
        self.table.setItem(row, column, QTableWidgetItem(text))

    def _read_row(self, row: int) -> _Row:
        def text(column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        negate = self.table.item(row, NEGATE)
        checked = negate is not None and negate.checkState() == Qt.CheckState.Checked
        combo = self.type_box(row)
        return _Row(
            checked, combo.currentText(), text(VALUE), text(THRESHOLD), text(WEIGHT), text(METRIC)
        )

    def _write_row(self, row: int, values: _Row) -> None:
        negate = QTableWidgetItem()
        negate.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        negate.setCheckState(Qt.CheckState.Checked if values.negate else Qt.CheckState.Unchecked)
        negate.setToolTip("Negate: passes when the check fails")
        self.table.setItem(row, NEGATE, negate)
        combo = self.type_box(row)
        if combo.findText(values.type) < 0:  # an unknown type is kept, and refused on OK
            combo.addItem(values.type)
        combo.setCurrentText(values.type)
        for column, text in (
            (VALUE, values.value),
            (THRESHOLD, values.threshold),
            (WEIGHT, values.weight),
            (METRIC, values.metric),
        ):
            self.set_cell(row, column, text)

    def assertions(self) -> list[dict[str, Any]]:
        """Every row as a canonical promptfoo-shaped dict; raises InvalidAssertionError with
        the row number (from 1) and the type in its problem."""
        result = []
        for number in range(self.table.rowCount()):
            row = self._read_row(number)
            try:
                result.append(build_row(row))
            except InvalidAssertionError as exc:
                self.table.setCurrentCell(number, _FIELD_COLUMNS.get(exc.field, VALUE))
                name = (NEGATION_PREFIX if row.negate else "") + row.type
                raise InvalidAssertionError(
                    f"Row {number + 1} ({name}), {exc.field}: {exc.problem}", exc.field
                ) from None
        return result

    def _move(self, delta: int) -> None:
        row = self.table.currentRow()
        other = row + delta
        if row < 0 or not 0 <= other < self.table.rowCount():
            return
        here, there = self._read_row(row), self._read_row(other)
        self._write_row(row, there)
        self._write_row(other, here)
        self.table.setCurrentCell(other, self.table.currentColumn())

    def _update_buttons(self) -> None:
        row = self.table.currentRow()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.table.rowCount() - 1)
        name = self.type_box(row).currentText() if row >= 0 else ""
        kind = next((kind for kind in self.types if kind.name == name), None)
        self.hint.setText(f"{kind.name}: {kind.summary}" if kind is not None else "")

    # Slots -----------------------------------------------------------------------------------

    @Slot()
    def _on_add_button_clicked(self) -> None:
        row = self.add_row()
        self.table.setCurrentCell(row, VALUE)
        item = self.table.item(row, VALUE)
        if item is not None:
            self.table.editItem(item)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self._update_buttons()

    @Slot()
    def _on_up_button_clicked(self) -> None:
        self._move(-1)

    @Slot()
    def _on_down_button_clicked(self) -> None:
        self._move(+1)

    @Slot(int, int, int, int)
    def _on_table_current_cell_changed(self, row: int, column: int, old: int, old_c: int) -> None:
        self._update_buttons()

    @Slot(str)
    def _on_type_box_current_text_changed(self, _text: str) -> None:
        self._update_buttons()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            assertions = self.assertions()
        except InvalidAssertionError as exc:
            self.problem_label.setText(exc.problem)
            self.problem_label.show()
            return
        self.assertions_accepted.emit(assertions)
        self.accept()
