"""The "New suite…" dialog: a name, a description, and the stored prompt versions and inventory
models that become the new suite's columns.

Everything it shows comes from a :class:`~workbench.ui.evals.suite_tasks.NewSuiteChoices` read
in the background before it opens, so the dialog itself never touches the store. Create stays
disabled, with the reason shown, until the name is valid and free and a prompt and a model are
checked. The suite is stored by :func:`~workbench.ui.evals.suite_tasks.create_suite`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.evals.parsing import id_problem
from workbench.ui.evals.choice_list import ChoiceRole as ChoiceRole
from workbench.ui.evals.choice_list import add_choice, checked_values, new_choice_list
from workbench.ui.evals.suite_tasks import NewSuite, NewSuiteChoices
from workbench.ui.prompts.colors import error_color

NAME_MISSING = "Name the suite."
PROMPT_MISSING = "Check at least one prompt version."
MODEL_MISSING = "Check at least one model."
#: The problems that are only the dialog not filled in yet: said calmly, not as errors.
NOT_YET = (NAME_MISSING, PROMPT_MISSING, MODEL_MISSING)
CREATE_TIP = "Store the suite with one empty case, and open it to fill in the cases"


def name_problem(name: str, taken: frozenset[str]) -> str | None:
    """Why ``name`` cannot name a new suite, or None."""
    if not name:
        return NAME_MISSING
    if "@" in name:
        # get_suite reads NAME@VERSION: a name with "@" could never be fetched by name.
        return "A suite name cannot contain '@' (it separates the version: NAME@2)."
    problem = id_problem(name, "suite")
    if problem is not None:
        return problem[0].upper() + problem[1:] + "."
    if name in taken:
        return f"A suite named {name!r} already exists: choose another name."
    return None


def free_name(taken: frozenset[str], base: str = "my-suite") -> str:
    """``base``, or ``base-2``, ``base-3``… : the first that no suite has (a placeholder that
    names an existing suite would suggest a name the dialog then refuses)."""
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


class NewSuiteDialog(QDialog):
    """Ask for a new suite. Create emits :attr:`submitted` and keeps the dialog open while the
    suite is stored: :meth:`stored` closes it, :meth:`refused` says why not and keeps every
    answer, so a refusal (a name taken meanwhile) loses nothing."""

    submitted = Signal(object)  # NewSuite

    def __init__(self, choices: NewSuiteChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newSuiteDialog")
        self.setWindowTitle("New suite")
        self.choices = choices
        self.storing = False  # submitted, not yet stored or refused
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newSuiteName")
        self.name_edit.setPlaceholderText(f"e.g. {free_name(choices.suite_names)}")
        self.name_edit.setToolTip("Letters, digits and . _ : / ~ - ; unique among the suites")
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("newSuiteDescription")
        self.description_edit.setPlaceholderText("What the suite checks (optional)")
        self.prompt_list = new_choice_list("newSuitePrompts")
        for choice in choices.columns.stored_prompts:
            add_choice(self.prompt_list, choice.ref, choice.note)
        self.model_list = new_choice_list("newSuiteModels")
        for name in choices.columns.model_names:
            add_choice(self.model_list, name, "")
        if self.model_list.count() == 1:  # the only model: the suite's model column, surely
            self.model_list.item(0).setCheckState(Qt.CheckState.Checked)
        self.reason_label = QLabel()
        self.reason_label.setObjectName("newSuiteReason")
        self.reason_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Name:", self.name_edit)
        form.addRow("Description:", self.description_edit)
        lists = QGridLayout()
        lists.addWidget(QLabel("<b>Prompt versions</b>"), 0, 0)
        lists.addWidget(QLabel("<b>Models</b>"), 0, 1)
        lists.addWidget(self.prompt_list, 1, 0)
        lists.addWidget(self.model_list, 1, 1)
        lists.setColumnStretch(0, 3)
        lists.setColumnStretch(1, 2)
        hint = QLabel(
            "Checked prompt versions and models become the suite's columns; more can be added "
            "on the Suite tab. The suite starts with one case whose variables are the prompts' "
            "own, empty: fill them in there."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(hint)
        # Why Create is disabled, next to it.
        bottom = QHBoxLayout()
        bottom.addWidget(self.reason_label, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.resize(640, 460)

        self.name_edit.textChanged.connect(self._on_name_edit_text_changed)
        for choice_list in (self.prompt_list, self.model_list):
            choice_list.itemChanged.connect(self._on_choices_item_changed)
        self._update()

    # -- answers ----------------------------------------------------------------------------
    def checked_prompts(self) -> tuple[str, ...]:
        """The checked prompt versions and labels, in list order."""
        return checked_values(self.prompt_list)

    def checked_models(self) -> tuple[str, ...]:
        """The checked models, in list order."""
        return checked_values(self.model_list)

    def problem(self) -> str:
        """Why the suite cannot be created yet ("" when it can)."""
        if not self.choices.columns.stored_prompts:
            return "No prompt is stored yet: save one on the Prompts page first."
        if not self.choices.columns.model_names:
            return "No model is in the inventory: add one on the Models page first."
        name = name_problem(self.name_edit.text().strip(), self.choices.suite_names)
        if name is not None:
            return name
        if not self.checked_prompts():
            return PROMPT_MISSING
        if not self.checked_models():
            return MODEL_MISSING
        return ""

    def same_version(self) -> tuple[str, str] | None:
        """Two checked prompt choices that run the same stored version today (a label and the
        version it points at, or two labels on one version): two identical columns until a
        label moves, which may be the point (a pinned version against a moving label). The
        label first; None when every checked choice is a different version."""
        resolved = {choice.ref: choice.resolved for choice in self.choices.columns.stored_prompts}
        seen: dict[str, str] = {}
        for ref in self.checked_prompts():
            version = resolved.get(ref, ref)
            first = seen.setdefault(version, ref)
            if first != ref:
                # Name the label "is" the version: "NAME@production is NAME@2".
                return (first, ref) if ref == version else (ref, first)
        return None

    def still_needed(self) -> str:
        """What the answer lacks yet, all at once, for the line next to Create: ``Still
        needed: a name, a checked prompt version and a checked model.`` ("" when nothing)."""
        parts = [
            part
            for part, missing in (
                ("a name", not self.name_edit.text().strip()),
                ("a checked prompt version", not self.checked_prompts()),
                ("a checked model", not self.checked_models()),
            )
            if missing
        ]
        if not parts:
            return ""
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        return f"Still needed: {listed}."

    def answer(self) -> NewSuite:
        """The suite asked for."""
        return NewSuite(
            name=self.name_edit.text().strip(),
            description=self.description_edit.text().strip(),
            prompts=self.checked_prompts(),
            models=self.checked_models(),
        )

    def accept(self) -> None:
        """Submit the answer (the dialog stays open until it is stored), unless something is
        missing (then say what)."""
        if self.problem() or self.storing:
            self._update()
            return
        self.storing = True
        self._update()
        self.submitted.emit(self.answer())

    def stored(self) -> None:
        """The suite is stored: close, accepted."""
        self.storing = False
        super().accept()

    def refused(self, message: str) -> None:
        """Storing the suite was refused: say why and let the user change the answers."""
        self.storing = False
        self._update()
        self.reason_label.setText(message)
        self.reason_label.setVisible(True)

    # -- building ---------------------------------------------------------------------------
    def same_version_note(self) -> str:
        """A note (not a refusal) when two checked choices run the same version today."""
        same = self.same_version()
        if same is None:
            return ""
        return (
            f"{same[0]} runs {same[1]} today: the two columns give the same outputs until "
            "the label moves."
        )

    def _update(self) -> None:
        problem = self.problem()
        # Answers not given yet are the dialog's starting point, not mistakes: they are listed
        # together in the muted colour; a name that cannot be used is an error, in red. Two
        # choices on one version are a note: comparing a moving label with a pinned version
        # is a sound suite.
        calm = not problem or problem in NOT_YET
        shown = (self.still_needed() or self.same_version_note()) if calm else problem
        color = self.palette().color(QPalette.ColorRole.PlaceholderText) if calm else None
        self.reason_label.setStyleSheet(f"color: {(color or error_color(self.palette())).name()};")
        self.reason_label.setText(shown)
        self.reason_label.setVisible(bool(shown))
        self.ok_button.setEnabled(not problem and not self.storing)
        self.ok_button.setToolTip(shown or CREATE_TIP)

    # -- slots ------------------------------------------------------------------------------
    @Slot(str)
    def _on_name_edit_text_changed(self, _text: str) -> None:
        self._update()

    @Slot(QListWidgetItem)
    def _on_choices_item_changed(self, _item: QListWidgetItem) -> None:
        self._update()
