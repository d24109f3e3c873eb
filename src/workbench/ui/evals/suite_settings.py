"""The settings of a suite in the Suite tab: description, prompt and model columns, threshold,
repeats, seed, judge, and the variables and assertions every case gets by default.

A form only: it is filled from a stored :class:`~workbench.evals.EvalSuite` and answers with a
:class:`~workbench.ui.evals.suite_tasks.SuiteSettings`; the editor saves it with the cases.
Text that cannot be used as it stands (default variables that are not a JSON object, a
threshold that is not a pass rate) is kept as typed, shown in the error colour, and named by
:meth:`SuiteSettingsForm.problem`, which makes the editor refuse to save meanwhile.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from workbench.evals import EvalSuite, ModelSpec, PromptSpec
from workbench.ui.evals.assertions_dialog import AssertionsDialog
from workbench.ui.evals.cases_model import assertions_summary, vars_problem
from workbench.ui.evals.eval_colors import detail_colors
from workbench.ui.evals.suite_columns import ColumnList
from workbench.ui.evals.suite_tasks import ColumnChoices, SuiteSettings
from workbench.ui.prompts.colors import error_color

MAX_REPEAT = 100  # the suite format's limits
MAX_SEED = 2**32 - 1


def parse_threshold(text: str) -> float | None:
    """A threshold as typed: empty for none, a pass rate from 0 to 1, or a percentage
    (``80%``); raises ValueError with a message fit to show."""
    stripped = text.strip()
    if not stripped:
        return None
    percent = stripped.endswith("%")
    try:
        number = float(stripped.removesuffix("%").strip())
    except ValueError:
        number = math.nan
    if percent:
        number /= 100
    if not 0 <= number <= 1:  # NaN fails this too
        raise ValueError(f"expected a pass rate from 0 to 1 or 0% to 100%, got {stripped!r}")
    return number


INLINE_NOTE = "Inline prompts are read-only here: edit them in the suite file and import it."
OVERRIDES_NOTE = "A model's own load and sampling settings are kept as they are."


def prompt_note(spec: PromptSpec) -> str:
    """What the prompts list says of a column besides its id."""
    if spec.content is not None:
        return f"inline {spec.content.kind}, read-only"
    return "" if spec.ref == spec.id else f"→ {spec.ref}"


def model_note(spec: ModelSpec) -> str:
    """What the models list says of a column besides its id."""
    parts = [] if spec.name == spec.id else [spec.name]
    overrides = [key for key, value in (("load", spec.load), ("sampling", spec.sampling)) if value]
    if overrides:
        parts.append(f"own {' and '.join(overrides)} settings")
    return ", ".join(parts)


class SuiteSettingsForm(QWidget):
    """A suite's settings; ``edited`` is emitted on every change the user makes."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suiteSettings")
        self.dirty = False
        self._filling = False
        self._default_assertions: list[dict[str, Any]] = []
        self._model_names: tuple[str, ...] = ()  # the inventory's, offered as judges
        self.assertions_dialog: AssertionsDialog | None = None

        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("suiteDescription")
        self.description_edit.setPlaceholderText("What the suite checks (optional)")
        self.prompts = ColumnList(
            "Prompts",
            name="suitePrompts",
            make_column=lambda ref: {"id": ref, "ref": ref},
            add_tip="Add the chosen stored prompt version or label as a column",
        )
        self.models = ColumnList(
            "Models",
            name="suiteModels",
            make_column=lambda model: {"id": model, "name": model},
            add_tip="Add the chosen inventory model as a column (with its default settings)",
        )
        self.threshold_edit = QLineEdit()
        self.threshold_edit.setObjectName("suiteThreshold")
        self.threshold_edit.setPlaceholderText("none")
        self.threshold_edit.setToolTip(
            "The pass rate every column must reach for a run to pass: 0.8 or 80% (empty: none)"
        )
        self.repeat_box = QSpinBox()
        self.repeat_box.setObjectName("suiteRepeat")
        self.repeat_box.setRange(1, MAX_REPEAT)
        self.repeat_box.setToolTip("Samples per cell; each repeat uses its own seed")
        self.seed_edit = QLineEdit()
        self.seed_edit.setObjectName("suiteSeed")
        # Digits only; a QSpinBox stops at 2^31 - 1 and would clamp a stored seed above it.
        self.seed_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,10}")))
        self.seed_edit.setToolTip("The seed the samples' seeds derive from (0 to 4294967295)")
        self.judge_box = QComboBox()
        self.judge_box.setObjectName("suiteJudge")
        self.judge_box.setToolTip("The model that grades llm-rubric assertions")
        self.default_vars_edit = QLineEdit()
        self.default_vars_edit.setObjectName("suiteDefaultVars")
        self.default_vars_edit.setPlaceholderText('{"customer_name": "Ada"}')
        self.default_vars_edit.setToolTip(
            "Variables every case gets (a JSON object); a case's own variables win"
        )
        self.default_assertions_label = QLabel()
        self.default_assertions_label.setObjectName("suiteDefaultAssertions")
        self.default_assertions_label.setWordWrap(True)
        self.default_assertions_button = QPushButton("Edit…")
        self.default_assertions_button.setObjectName("suiteDefaultAssertionsButton")
        self.default_assertions_button.setToolTip(
            "Edit the assertions every case gets, graded before its own"
        )
        self.default_assertions_button.clicked.connect(self._on_default_assertions_button_clicked)

        self.threshold_edit.setFixedWidth(70)
        self.repeat_box.setFixedWidth(60)
        self.seed_edit.setFixedWidth(100)
        numbers = QHBoxLayout()
        numbers.addWidget(self.threshold_edit)
        for label, widget in (("Repeats:", self.repeat_box), ("Seed:", self.seed_edit)):
            numbers.addSpacing(12)
            numbers.addWidget(QLabel(label))
            numbers.addWidget(widget)
        numbers.addStretch(1)
        assertions_row = QHBoxLayout()
        assertions_row.addWidget(self.default_assertions_label, 1)
        assertions_row.addWidget(self.default_assertions_button)
        columns = QGridLayout()
        columns.addWidget(self.prompts, 0, 0)
        columns.addWidget(self.models, 0, 1)
        columns.setColumnStretch(0, 1)
        columns.setColumnStretch(1, 1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 4, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Description:", self.description_edit)
        form.addRow(columns)
        form.addRow("Threshold:", numbers)
        form.addRow("Judge:", self.judge_box)
        form.addRow("Default variables:", self.default_vars_edit)
        form.addRow("Default assertions:", assertions_row)
        # What stops the shown suite running as it is (read with it, in the background).
        self.warning_label = QLabel()
        self.warning_label.setObjectName("suiteWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning_label.hide()
        form.addRow(self.warning_label)

        for edit in (
            self.description_edit,
            self.threshold_edit,
            self.seed_edit,
            self.default_vars_edit,
        ):
            edit.textChanged.connect(self._on_fields_edited)
        self.repeat_box.valueChanged.connect(self._on_fields_edited)
        self.judge_box.currentIndexChanged.connect(self._on_fields_edited)
        self.prompts.edited.connect(self._on_fields_edited)
        self.models.edited.connect(self._on_fields_edited)
        self._show_default_assertions()

    # -- filling ----------------------------------------------------------------------------
    def set_choices(self, choices: ColumnChoices) -> None:
        """What the columns' Add and the judge box offer."""
        self.prompts.set_choices([(c.ref, c.note) for c in choices.stored_prompts])
        self.models.set_choices([(name, "") for name in choices.model_names])
        self._model_names = choices.model_names
        filling, self._filling = self._filling, True
        self._set_judge(self.judge())
        self._filling = filling

    def set_suite(self, suite: EvalSuite) -> None:
        """Show the settings of ``suite``, unedited."""
        if self.assertions_dialog is not None:
            # Its answers belong to the suite shown when it opened: OK must not apply them to
            # this one (a suite read in the background can replace the shown one under it).
            self.assertions_dialog.reject()
        self._filling = True
        self.description_edit.setText(suite.description)
        # setText leaves the cursor at the end: a long description would show only its end.
        self.description_edit.setCursorPosition(0)
        inline = any(spec.content is not None for spec in suite.prompts)
        self.prompts.set_columns(
            [(spec.to_dict(), prompt_note(spec)) for spec in suite.prompts],
            INLINE_NOTE if inline else "",
        )
        overrides = any(spec.load or spec.sampling for spec in suite.models)
        self.models.set_columns(
            [(spec.to_dict(), model_note(spec)) for spec in suite.models],
            OVERRIDES_NOTE if overrides else "",
        )
        # repr, not :g: six significant digits would change a threshold like 0.8333333 (the CI
        # gate) on the next save of any other setting.
        self.threshold_edit.setText("" if suite.threshold is None else repr(suite.threshold))
        self.repeat_box.setValue(suite.repeat)
        self.seed_edit.setText(str(suite.seed))
        self._set_judge(suite.judge)
        vars_text = json.dumps(dict(suite.default_vars), ensure_ascii=False)
        self.default_vars_edit.setText(vars_text if suite.default_vars else "")
        self.default_vars_edit.setCursorPosition(0)
        self._default_assertions = [a.to_dict() for a in suite.default_assertions]
        self._show_default_assertions()
        self.dirty = False
        self._filling = False
        self._mark_problems()

    def set_warning(self, text: str) -> None:
        """Say under the settings what stops the shown suite running as it is ("": nothing)."""
        # Coloured when shown, not when built: the theme may have changed since.
        self.warning_label.setStyleSheet(f"color: {detail_colors(self.palette()).error};")
        self.warning_label.setText(f"⚠ {text}" if text else "")
        self.warning_label.setVisible(bool(text))

    def _set_judge(self, judge: str | None) -> None:
        # Rebuilt each time, so a judge offered for one suite is not offered for the next.
        self.judge_box.clear()
        self.judge_box.addItem("Default: the first model", None)
        for name in self._model_names:
            self.judge_box.addItem(name, name)
        if judge is not None and judge not in self._model_names:
            # A model column's id, or a model no longer in the inventory: kept, and offered.
            self.judge_box.addItem(judge, judge)
        self.judge_box.setCurrentIndex(max(self.judge_box.findData(judge), 0))

    # -- answers ----------------------------------------------------------------------------
    def judge(self) -> str | None:
        """The chosen judge (None: the first model)."""
        value = self.judge_box.currentData()
        return None if value is None else str(value)

    def default_assertions(self) -> list[dict[str, Any]]:
        """The default assertions, promptfoo-shaped."""
        return list(self._default_assertions)

    def problem(self) -> str | None:
        """The first setting that cannot be saved as it stands, or None."""
        if not self.prompts.ids():
            return "Prompts: keep at least one prompt column"
        if not self.models.ids():
            return "Models: keep at least one model column"
        try:
            parse_threshold(self.threshold_edit.text())
        except ValueError as exc:
            return f"Threshold: {exc}"
        if int(self.seed_edit.text() or 0) > MAX_SEED:
            return f"Seed: at most {MAX_SEED}"
        problem = vars_problem(self.default_vars_edit.text())
        return None if problem is None else f"Default variables: {problem}"

    def settings(self) -> SuiteSettings:
        """The settings as shown; call only while :meth:`problem` is None."""
        return SuiteSettings(
            description=self.description_edit.text(),
            prompts=tuple(self.prompts.columns()),
            models=tuple(self.models.columns()),
            threshold=parse_threshold(self.threshold_edit.text()),
            repeat=self.repeat_box.value(),
            seed=int(self.seed_edit.text() or 0),
            judge=self.judge(),
            default_vars=json.loads(self.default_vars_edit.text() or "{}"),
            default_assertions=tuple(self._default_assertions),
        )

    # -- editing ----------------------------------------------------------------------------
    def edit_default_assertions(self) -> AssertionsDialog:
        """Open the default assertions in a dialog; OK applies them."""
        dialog = AssertionsDialog(
            list(self._default_assertions), title="every case (defaults)", parent=self
        )
        dialog.assertions_accepted.connect(self._on_assertions_dialog_accepted)
        dialog.finished.connect(self._on_assertions_dialog_finished)
        self.assertions_dialog = dialog
        dialog.open()
        return dialog

    def _show_default_assertions(self) -> None:
        summary = assertions_summary(self._default_assertions)
        self.default_assertions_label.setText(summary or "none")
        self.default_assertions_label.setToolTip(
            json.dumps(self._default_assertions, ensure_ascii=False, indent=1) if summary else ""
        )

    def _mark_problems(self) -> None:
        # Coloured when shown, not when built: the theme may have changed since.
        bad = f"color: {error_color(self.palette()).name()};"
        try:
            parse_threshold(self.threshold_edit.text())
            threshold_ok = True
        except ValueError:
            threshold_ok = False
        vars_ok = vars_problem(self.default_vars_edit.text()) is None
        self.threshold_edit.setStyleSheet("" if threshold_ok else bad)
        self.default_vars_edit.setStyleSheet("" if vars_ok else bad)

    def _changed(self) -> None:
        if self._filling:
            return
        self.dirty = True
        self._mark_problems()
        self.edited.emit()

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_fields_edited(self) -> None:
        self._changed()

    @Slot()
    def _on_default_assertions_button_clicked(self) -> None:
        self.edit_default_assertions()

    @Slot(list)
    def _on_assertions_dialog_accepted(self, assertions: list[dict[str, Any]]) -> None:
        self._default_assertions = assertions
        self._show_default_assertions()
        self._changed()

    @Slot()
    def _on_assertions_dialog_finished(self) -> None:
        self.assertions_dialog = None
