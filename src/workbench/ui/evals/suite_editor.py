"""The suite editor: a suite's cases in a table editable in place, saved as a new version.

Unsaved edits are never dropped by a click elsewhere: while the table has edits, the editor
stays on its suite until they are saved or reverted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from workbench.evals import StoredSuite
from workbench.ui.evals.cases_model import CasesModel
from workbench.ui.evals.tasks import read_suite, save_cases

if TYPE_CHECKING:
    from workbench.ui.context import AppContext


class SuiteCasesEditor(QWidget):
    """The cases of one stored suite, with Save as new version and Revert."""

    suite_opened = Signal(str)
    cases_saved = Signal(object)  # StoredSuite

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editing_suite: str | None = None
        self.model = CasesModel(self)
        self.model.edited.connect(self._on_model_edited)
        self.view = QTableView()
        self.view.setObjectName("evalCasesTable")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setDefaultSectionSize(180)
        self.label = QLabel("Select a suite to edit its cases.")
        self.save_button = QPushButton("Save as new version")
        self.save_button.setObjectName("evalSaveCasesButton")
        self.save_button.setToolTip("Store the edited cases as a new version of the suite")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Drop the edits and show the stored cases again")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.view)

    def follow_suite(self, name: str) -> None:
        """Show suite ``name`` unless the table holds unsaved edits of another suite."""
        if name != self.editing_suite and not self.model.dirty:
            self.open_suite(name)

    def open_suite(self, name: str) -> None:
        """Show the stored cases of suite ``name`` (dropping unsaved edits)."""
        self.context.run(
            lambda task: read_suite(task, name), parent=self, success=self._on_suite_read
        ).run_in_background()

    def save(self) -> None:
        """Store the edited cases as a new version of the suite (in the background)."""
        name = self.editing_suite
        if name is None or not self.model.dirty:
            return
        cases = [dict(case) for case in self.model.cases]
        self.context.run(
            lambda task: save_cases(task, name, cases), parent=self, success=self._on_cases_saved
        ).run_in_background()

    def _on_suite_read(self, stored: StoredSuite) -> None:
        self.editing_suite = stored.name
        self.model.set_cases(stored.suite.cases)
        self.label.setText(f"{stored.ref}: {len(stored.suite.cases)} cases")
        self.save_button.setEnabled(False)
        self.revert_button.setEnabled(False)
        self.suite_opened.emit(stored.name)

    def _on_cases_saved(self, value: tuple[StoredSuite, bool]) -> None:
        stored, _new = value
        self._on_suite_read(stored)
        self.cases_saved.emit(stored)

    @Slot()
    def _on_model_edited(self) -> None:
        self.save_button.setEnabled(True)
        self.revert_button.setEnabled(True)
        self.label.setText(f"{self.editing_suite}: unsaved changes")

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self.editing_suite is not None:
            self.open_suite(self.editing_suite)
