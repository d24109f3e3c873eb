"""Small non-blocking dialogs: a confirmation and the list of GGUF files found in folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)


def confirm(
    parent: QWidget | None, title: str, text: str, on_yes: Callable[[], None], *, yes_text: str
) -> QMessageBox:
    """Ask a yes/no question without blocking; ``on_yes`` runs if the user agrees."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setObjectName("confirmBox")
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished() -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(finished)
    box.open()
    return box


class FoundFilesDialog(QDialog):
    """GGUF files found in the model folders that are not registered yet; pick which to add."""

    def __init__(self, paths: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("foundFilesDialog")
        self.setWindowTitle("Models found in your folders")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 380)
        self.list = QListWidget()
        for path in paths:
            item = QListWidgetItem(str(path))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.list.addItem(item)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add selected")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"{len(paths)} GGUF file(s) are not in the inventory yet. "
                "Each is hashed as it is added."
            )
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def selected_paths(self) -> list[Path]:
        """The files left checked."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]
