"""Dialogs of the Prompts page, all non-blocking (``open()``) with a callback or a signal:
unsaved changes, the commit message, a new prompt, a label name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from workbench.errors import WorkbenchError
from workbench.prompts import validate_label_name
from workbench.prompts.refs import validate_prompt_name
from workbench.ui.prompts.colors import error_color

Answer = Literal["save", "discard", "cancel"]
StartFrom = Literal["chat", "completion", "copy"]


def ask_unsaved_changes(
    parent: QWidget, what: str, on_answer: Callable[[Answer], None]
) -> QMessageBox:
    """Ask whether to save, discard or keep editing ``what``; ``on_answer`` gets the answer."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Unsaved changes",
        f"{what} has unsaved changes.",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("unsavedChangesBox")
    box.setInformativeText("Save them as a new version, discard them, or go back to editing?")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    answers: dict[QMessageBox.StandardButton, Answer] = {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }

    def finished() -> None:
        button = box.clickedButton()
        on_answer(answers.get(box.standardButton(button), "cancel") if button else "cancel")

    box.finished.connect(finished)
    box.open()
    return box


class _ValidatedDialog(QDialog):
    """A small form whose OK button is enabled only while :meth:`problem` returns None."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

    def problem(self) -> str | None:
        """Why the form cannot be accepted yet, or None."""
        return None

    @Slot()
    def revalidate(self) -> None:
        """Enable OK and show the problem (if any)."""
        problem = self.problem()
        self.ok_button.setEnabled(problem is None)
        self.problem_label.setText(problem or "")
        self.problem_label.setVisible(bool(problem))

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if self.problem() is None:
            self.accept()


class CommitDialog(_ValidatedDialog):
    """Asks for the message of a new version; emits ``message_accepted`` on Save."""

    message_accepted = Signal(str)

    def __init__(self, title: str, changes: Sequence[str], parent: QWidget | None = None):
        super().__init__("Save as new version", "Save version", parent)
        self.setObjectName("commitDialog")
        items = "".join(f"<li>{_escape(change)}</li>" for change in changes)
        self.intro.setText(f"<b>{_escape(title)}</b>" + (f"<ul>{items}</ul>" if items else ""))
        self.message = QLineEdit()
        self.message.setPlaceholderText("What changed, and why (e.g. “Shorter answers”)")
        self.message.textChanged.connect(self.revalidate)
        self.form.addRow("Message", self.message)
        self.accepted.connect(lambda: self.message_accepted.emit(self.message.text().strip()))
        self.revalidate()
        self.problem_label.hide()

    def problem(self) -> str | None:
        """A message is required: history without reasons is hard to audit."""
        return None if self.message.text().strip() else "Say what this version changes."


@dataclass(frozen=True)
class NewPromptSpec:
    """A prompt not saved yet: its name, description and what its editor starts with."""

    name: str
    description: str
    start_from: StartFrom


class NewPromptDialog(_ValidatedDialog):
    """Name, description and starting content of a new prompt; emits ``prompt_described``."""

    prompt_described = Signal(object)  # NewPromptSpec

    def __init__(
        self, taken: Sequence[str], copy_of: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("New prompt", "Create", parent)
        self.setObjectName("newPromptDialog")
        self._taken = {name.lower() for name in taken}
        self.intro.setText("The prompt is saved as version 1 when you first save it (Ctrl+S).")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. support-reply")
        self.name.textChanged.connect(self.revalidate)
        self.description = QLineEdit()
        self.description.setPlaceholderText("Optional: what the prompt is for")
        self.start = QComboBox()
        self.start.addItem("Chat: a system and a user message", "chat")
        self.start.addItem("Completion: one template the model continues", "completion")
        if copy_of:
            self.start.addItem(f"A copy of the editor ({copy_of})", "copy")
        self.form.addRow("Name", self.name)
        self.form.addRow("Description", self.description)
        self.form.addRow("Start from", self.start)
        self.accepted.connect(self._on_self_accepted)
        self.revalidate()
        self.problem_label.hide()

    def problem(self) -> str | None:
        """The name must be valid and free."""
        name = self.name.text().strip()
        if not name:
            return "Give the prompt a name."
        try:
            validate_prompt_name(name)
        except WorkbenchError as exc:
            return str(exc)
        if name.lower() in self._taken:
            return f"A prompt named {name!r} already exists."
        return None

    @Slot()
    def _on_self_accepted(self) -> None:
        spec = NewPromptSpec(
            self.name.text().strip(), self.description.text().strip(), self.start.currentData()
        )
        self.prompt_described.emit(spec)


class LabelDialog(_ValidatedDialog):
    """Picks or types a label to point at a version; emits ``label_chosen``."""

    label_chosen = Signal(str)

    def __init__(self, version: int, labels: Sequence[str], parent: QWidget | None = None):
        super().__init__(f"Label version {version}", "Set label", parent)
        self.setObjectName("labelDialog")
        self.intro.setText(
            f"Point a label at version {version}. An existing label moves here; the move is "
            "kept in the label history."
        )
        self.label = QComboBox()
        self.label.setEditable(True)
        self.label.addItems(list(labels))
        self.label.setCurrentText("")
        line = self.label.lineEdit()
        if line is not None:
            line.setPlaceholderText("e.g. production")
        self.label.currentTextChanged.connect(self.revalidate)
        self.form.addRow("Label", self.label)
        self.accepted.connect(lambda: self.label_chosen.emit(self.label.currentText().strip()))
        self.revalidate()
        self.problem_label.hide()

    def problem(self) -> str | None:
        """Labels start with a letter (so NAME@3 always means version 3)."""
        text = self.label.currentText().strip()
        if not text:
            return "Type a label."
        try:
            validate_label_name(text)
        except WorkbenchError as exc:
            return str(exc)
        return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
