"""The "Run suite…" dialog: which prompt versions and models become the run's columns, which
tagged cases run, how many repeats, and an optional threshold override.

Everything it shows comes from a :class:`~workbench.ui.evals.tasks.RunChoices` read in the
background before it opens, so the dialog itself never touches the store. It answers with a
:class:`~workbench.evals.RunOptions`; choices equal to the suite's own are passed as empty
tuples (and ``None``), so a default run records exactly what a plain run of the suite would.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import EvalSuite, PromptSpec, RunOptions
from workbench.ui.evals.choice_list import ChoiceRole as ChoiceRole
from workbench.ui.evals.choice_list import add_choice, checked_values, new_choice_list
from workbench.ui.evals.tasks import RunChoices, VariableGap, case_tag_index, gaps_line
from workbench.ui.prompts.colors import error_color
from workbench.wording import plural

MAX_REPEAT = 100  # the suite format's own limit


def cell_count_line(prompts: int, models: int, cases: int, repeats: int) -> str:
    """The line under the choices: ``2 prompts × 1 model × 3 cases × 1 repeat = 6 cells``;
    with repeats the total counts samples: ``… × 3 repeats = 18 samples (6 cells × 3)``."""
    cells = prompts * models * cases
    total = (
        plural(cells, "cell")
        if repeats == 1
        else f"{plural(cells * repeats, 'sample')} ({plural(cells, 'cell')} × {repeats})"
    )
    return (
        f"{plural(prompts, 'prompt')} × {plural(models, 'model')} × {plural(cases, 'case')} × "
        f"{plural(repeats, 'repeat')} = {total}"
    )


def _prompt_note(spec: PromptSpec) -> str:
    if spec.content is not None:
        return f"inline {spec.content.kind}"
    return "" if spec.ref == spec.id else str(spec.ref)


#: Where the run dialog sends the user to fix a case that lacks a variable.
RUN_FIX = (
    "Give each a value in the case's Variables on the Suite tab, or once in its Default "
    "variables; or uncheck the prompt."
)
MISSING_MODEL = "not in the inventory"
MISSING_PROMPT = "not stored"


def missing_line(models: list[str], prompts: list[str], judge: str | None) -> str:
    """What the dialog says about the suite's columns a run could not use, and how to fix it
    ("" when every one is there)."""
    parts = []
    if models:
        listed = ", ".join(models)
        parts.append(
            f"{plural(len(models), 'model')} not in the inventory ({listed}): add "
            f"{'it' if len(models) == 1 else 'them'} on the Models page."
        )
    if prompts:
        listed = ", ".join(prompts)
        parts.append(
            f"{plural(len(prompts), 'prompt version')} not stored ({listed}): save "
            f"{'it' if len(prompts) == 1 else 'them'} on the Prompts page."
        )
    if judge is not None:
        parts.append(
            f"The judge model {judge} is not in the inventory: add it on the Models page, or "
            "pick another judge on the Suite tab."
        )
    if models or prompts:
        parts.append("Missing columns are left out of the run (or remove them on the Suite tab).")
    return " ".join(parts)


class RunDialog(QDialog):
    """Pick a run's columns and cases; :meth:`options` gives the answer once accepted.

    Cases that lack a variable a checked prompt uses keep Run disabled, named in the dialog:
    the suite's own prompts come checked with the choices; a stored version checked besides
    them is asked for through :attr:`prompt_check_requested` (the owner checks it in the
    background and answers with :meth:`set_prompt_gaps`).
    """

    #: A checked prompt column (a stored version) whose variables the cases must be checked
    #: against: answer with set_prompt_gaps (or prompt_check_failed).
    prompt_check_requested = Signal(str)

    def __init__(self, choices: RunChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalRunDialog")
        self.setWindowTitle(f"Run {choices.suite.ref}")
        self.choices = choices
        suite = choices.suite.suite
        self.suite: EvalSuite = suite
        # Read once per suite: a click never walks the cases and their assertions.
        self.case_index = choices.cases or case_tag_index(suite)
        # The variable gaps of each prompt column checked so far (None: nothing is checked,
        # the choices were made by hand), the columns being checked, and checks that failed.
        self._gaps: dict[str, tuple[VariableGap, ...]] | None = None
        if choices.variable_gaps is not None:
            self._gaps = {
                spec.id: () for spec in suite.prompts if spec.id not in choices.missing_prompts
            }
            for gap in choices.variable_gaps:
                self._gaps[gap.prompt] = (*self._gaps.get(gap.prompt, ()), gap)
        self._checking: set[str] = set()
        self._check_errors: dict[str, str] = {}

        # Suite columns the store cannot give (a model not in the inventory, a prompt version
        # not stored) are shown, unchecked and disabled: checked, the run would fail to start.
        self.missing_prompts = list(choices.missing_prompts)
        self.missing_models = list(choices.missing_models)
        self.prompt_list = new_choice_list("evalRunPrompts")
        self._add_header(self.prompt_list, "In the suite")
        for spec in suite.prompts:
            if spec.id in self.missing_prompts:
                note = ", ".join(part for part in (_prompt_note(spec), MISSING_PROMPT) if part)
                self._add_missing(self.prompt_list, spec.id, note, "Save it on the Prompts page")
            else:
                add_choice(self.prompt_list, spec.id, _prompt_note(spec), checked=True)
        # A stored reference the suite already uses would pick that same column (the runner
        # matches suite prompts first), so offering it again could only make a duplicate.
        taken = {spec.id for spec in suite.prompts} | {spec.ref for spec in suite.prompts}
        extra = [choice for choice in choices.stored_prompts if choice.ref not in taken]
        if extra:
            self._add_header(self.prompt_list, "Stored versions and labels")
        for choice in extra:
            add_choice(self.prompt_list, choice.ref, choice.note, checked=False)

        self.model_list = new_choice_list("evalRunModels")
        self._add_header(self.model_list, "In the suite")
        for model in suite.models:
            note = "" if model.name == model.id else model.name
            if model.load or model.sampling:
                note = ", ".join(part for part in (note, "own settings") if part)
            if model.id in self.missing_models:
                note = ", ".join(part for part in (note, MISSING_MODEL) if part)
                self._add_missing(self.model_list, model.id, note, "Add it on the Models page")
            else:
                add_choice(self.model_list, model.id, note, checked=True)
        # Same reason as for prompts: a suite model's id or name would select that column.
        used = {model.id for model in suite.models} | {model.name for model in suite.models}
        others = [name for name in choices.model_names if name not in used]
        if others:
            self._add_header(self.model_list, "Inventory")
        for name in others:
            add_choice(self.model_list, name, "default settings", checked=False)

        tags = sorted({tag for case in suite.cases for tag in case.tags})
        self.tag_list = QListWidget()
        self.tag_list.setObjectName("evalRunTags")
        self.tag_list.setFlow(QListWidget.Flow.LeftToRight)
        self.tag_list.setWrapping(True)
        self.tag_list.setSpacing(2)
        self.tag_list.setToolTip("Run only the cases with any of the checked tags")
        for tag in tags:
            add_choice(self.tag_list, tag, "", checked=False)
        self.tag_list.setVisible(bool(tags))
        # As tall as a few rows of tags (more scroll), not the list's default ~200 px.
        rows = min(3, max(1, (len(tags) + 5) // 6))
        row_height = self.tag_list.sizeHintForRow(0) + 2 * self.tag_list.spacing() if tags else 0
        self.tag_list.setFixedHeight(rows * row_height + 2 * self.tag_list.frameWidth() + 4)
        self.no_tags_label = QLabel("The suite's cases have no tags: every case runs.")
        self.no_tags_label.setObjectName("muted")
        self.no_tags_label.setVisible(not tags)

        self.repeat_box = QSpinBox()
        self.repeat_box.setObjectName("evalRunRepeat")
        self.repeat_box.setRange(1, MAX_REPEAT)
        self.repeat_box.setValue(suite.repeat)
        self.repeat_box.setToolTip("Samples per cell; each repeat uses its own seed")
        self.threshold_check = QCheckBox("Override")
        self.threshold_check.setObjectName("evalRunThresholdCheck")
        self.threshold_box = QDoubleSpinBox()
        self.threshold_box.setObjectName("evalRunThreshold")
        self.threshold_box.setRange(0.0, 100.0)
        self.threshold_box.setDecimals(1)  # a suite's 0.825 must not become 83 % unasked
        self.threshold_box.setSingleStep(5.0)
        self.threshold_box.setSuffix(" %")
        self.threshold_box.setValue(
            100.0 * (suite.threshold if suite.threshold is not None else 0.8)
        )
        self.threshold_box.setEnabled(False)
        suite_threshold = "none" if suite.threshold is None else f"{suite.threshold * 100:g} %"
        tip = f"The pass rate every column must reach (the suite's: {suite_threshold})"
        for widget in (self.threshold_check, self.threshold_box):
            widget.setToolTip(tip)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(self.threshold_check)
        threshold_row.addWidget(self.threshold_box)
        suite_note = QLabel(f"suite: {suite_threshold}")
        suite_note.setObjectName("muted")
        threshold_row.addWidget(suite_note)
        threshold_row.addStretch(1)

        self.count_label = QLabel()
        self.count_label.setObjectName("evalRunCount")
        bold = QFont(self.count_label.font())
        bold.setBold(True)
        self.count_label.setFont(bold)
        self.reason_label = QLabel()
        self.reason_label.setObjectName("evalRunReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.missing_label = QLabel()
        self.missing_label.setObjectName("evalRunMissing")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Run")
        self.ok_button.setToolTip("Start the run with these columns and cases")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lists = QGridLayout()
        lists.addWidget(QLabel("<b>Prompts</b>"), 0, 0)
        lists.addWidget(QLabel("<b>Models</b>"), 0, 1)
        lists.addWidget(self.prompt_list, 1, 0)
        lists.addWidget(self.model_list, 1, 1)
        lists.setColumnStretch(0, 3)
        lists.setColumnStretch(1, 2)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        tag_box = QVBoxLayout()
        tag_box.addWidget(self.tag_list)
        tag_box.addWidget(self.no_tags_label)
        form.addRow("Only tags:", tag_box)
        form.addRow("Repeats:", self.repeat_box)
        form.addRow("Threshold:", threshold_row)
        hint = QLabel(
            "Checked prompts and models become the run's columns, in this order. With no tag "
            "checked, every case runs."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(lists, 1)
        layout.addWidget(self.missing_label)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.count_label)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.buttons)
        self.resize(680, 520)

        for choice_list in (self.prompt_list, self.model_list, self.tag_list):
            choice_list.itemChanged.connect(self._on_choices_item_changed)
        self.repeat_box.valueChanged.connect(self._on_repeat_box_value_changed)
        self.threshold_check.toggled.connect(self._on_threshold_check_toggled)
        self._update()

    # -- answers ----------------------------------------------------------------------------
    def checked_prompts(self) -> tuple[str, ...]:
        """The checked prompt columns, in list order."""
        return checked_values(self.prompt_list)

    def checked_models(self) -> tuple[str, ...]:
        """The checked model columns, in list order."""
        return checked_values(self.model_list)

    def checked_tags(self) -> tuple[str, ...]:
        """The checked tags (none: every case)."""
        return checked_values(self.tag_list)

    def n_cases(self) -> int:
        """The cases the chosen tags keep (the runner keeps a case with any of them)."""
        return self.case_index.n_cases(frozenset(self.checked_tags()))

    def options(self) -> RunOptions:
        """The run's options; the suite's own choices come out as empty tuples and None."""
        prompts = self.checked_prompts()
        models = self.checked_models()
        own_prompts = tuple(spec.id for spec in self.suite.prompts)
        own_models = tuple(spec.id for spec in self.suite.models)
        repeat = self.repeat_box.value()
        threshold = self.threshold_box.value() / 100.0 if self.threshold_check.isChecked() else None
        return RunOptions(
            repeat=None if repeat == self.suite.repeat else repeat,
            threshold=threshold,
            tags=self.checked_tags(),
            prompts=() if prompts == own_prompts else prompts,
            models=() if models == own_models else models,
        )

    def missing_judge(self) -> str | None:
        """The judge model (the suite's, else its first model) when the inventory lacks it and
        a chosen case needs a judge (an ``llm-rubric`` assertion), else None."""
        judge = self.choices.missing_judge
        if judge is None:
            return None
        return judge if self.case_index.needs_judge(frozenset(self.checked_tags())) else None

    def variable_gaps(self) -> list[VariableGap]:
        """The chosen cases that lack a variable a checked prompt uses (as far as checked)."""
        if self._gaps is None:
            return []
        tags = frozenset(self.checked_tags())
        return [
            gap
            for prompt in self.checked_prompts()
            for gap in self._gaps.get(prompt, ())
            if not tags or tags & gap.case_tags
        ]

    def set_prompt_gaps(self, prompt: str, gaps: tuple[VariableGap, ...]) -> None:
        """The answer to :attr:`prompt_check_requested`: the cases ``prompt`` lacks variables
        of (none: it can run)."""
        self._checking.discard(prompt)
        if self._gaps is not None:
            self._gaps[prompt] = gaps
        self._update()

    def prompt_check_failed(self, prompt: str, message: str) -> None:
        """Checking ``prompt`` failed: say why; Run stays disabled while it is checked."""
        self._checking.discard(prompt)
        self._check_errors[prompt] = message
        self._update()

    def problem(self) -> str:
        """Why the run cannot start yet ("" when it can)."""
        missing = [
            value
            for value in (*self.checked_prompts(), *self.checked_models())
            if value in self.missing_prompts or value in self.missing_models
        ]
        if missing:
            return f"Uncheck {', '.join(missing)}: the store does not have it."
        if not self.checked_prompts():
            return "Check at least one prompt."
        if not self.checked_models():
            return "Check at least one model."
        failed = [p for p in self.checked_prompts() if p in self._check_errors]
        if failed:
            return f"{failed[0]} could not be checked: {self._check_errors[failed[0]]}"
        checking = [p for p in self.checked_prompts() if p in self._checking]
        if checking:
            return f"Checking that the cases give the variables {checking[0]} uses…"
        gaps = gaps_line(self.variable_gaps(), RUN_FIX)
        if gaps:
            return gaps
        judge = self.missing_judge()
        if judge is not None:
            return f"The judge model {judge} is not in the inventory."
        return ""

    # -- building ---------------------------------------------------------------------------
    @staticmethod
    def _add_header(widget: QListWidget, text: str) -> None:
        item = QListWidgetItem(text)
        # A header is neither checkable nor selectable; it carries no ChoiceRole value.
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        widget.addItem(item)

    @staticmethod
    def _add_missing(widget: QListWidget, value: str, note: str, fix: str) -> None:
        item = QListWidgetItem(f"{value}   ({note})")
        # Shown but neither enabled nor checked: the run cannot use it.
        item.setFlags(Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setData(ChoiceRole, value)
        item.setToolTip(f"{value}: {note}. {fix}, or remove it from the suite on the Suite tab.")
        widget.addItem(item)

    def _request_checks(self) -> None:
        """Ask for a check of each checked prompt column whose gaps are not known yet."""
        if self._gaps is None:
            return
        for prompt in self.checked_prompts():
            known = prompt in self._gaps or prompt in self._check_errors
            if not known and prompt not in self._checking:
                self._checking.add(prompt)
                self.prompt_check_requested.emit(prompt)

    def _update(self) -> None:
        self._request_checks()
        missing = missing_line(self.missing_models, self.missing_prompts, self.missing_judge())
        self.missing_label.setText(missing)
        self.missing_label.setVisible(bool(missing))
        self.count_label.setText(
            cell_count_line(
                len(self.checked_prompts()),
                len(self.checked_models()),
                self.n_cases(),
                self.repeat_box.value(),
            )
        )
        problem = self.problem()
        self.reason_label.setText(problem)
        self.reason_label.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)
        self.ok_button.setToolTip(problem or "Start the run with these columns and cases")

    # -- slots ------------------------------------------------------------------------------
    @Slot(QListWidgetItem)
    def _on_choices_item_changed(self, item: QListWidgetItem) -> None:
        self._update()

    @Slot(int)
    def _on_repeat_box_value_changed(self, value: int) -> None:
        self._update()

    @Slot(bool)
    def _on_threshold_check_toggled(self, on: bool) -> None:
        self.threshold_box.setEnabled(on)
