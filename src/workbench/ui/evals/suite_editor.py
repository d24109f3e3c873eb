"""The suite editor: a suite's cases in a table editable in place, saved as a new version.

Cases are added (Insert or Ctrl+Shift+N in the table), duplicated and deleted (Delete) here;
their assertions open in an :class:`AssertionsDialog`. Unsaved edits are never dropped by a
click elsewhere: while the table has edits, the editor stays on its suite until they are saved
or reverted. A refused edit or save is explained above the table, and the edits stay.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.errors import InputFileError
from workbench.evals import StoredSuite
from workbench.ui.error_dialogs import report_exception
from workbench.ui.evals.assertions_dialog import AssertionsDialog
from workbench.ui.evals.cases_model import (
    ASSERTIONS,
    DESCRIPTION,
    CasesModel,
    save_problem,
)
from workbench.ui.evals.tasks import read_suite, save_cases
from workbench.ui.prompts.colors import error_color

if TYPE_CHECKING:
    from workbench.ui.context import AppContext

COLUMN_WIDTHS = (90, 140, 190, 70, 100)


class SuiteCasesEditor(QWidget):
    """The cases of one stored suite, with Save as new version and Revert."""

    suite_opened = Signal(str)
    cases_saved = Signal(object)  # StoredSuite

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editing_suite: str | None = None
        self._wanted: str | None = None  # the suite asked for last
        # Bumped by every read asked for and every edit: only the answer to the latest read is
        # shown, so neither a slower earlier read nor one overtaken by edits replaces the table.
        self._request = 0
        self.saving = False
        self.assertions_dialog: AssertionsDialog | None = None
        self._save_problem = ""
        self.model = CasesModel(self)
        self.model.edited.connect(self._on_model_edited)
        self.view = QTableView()
        self.view.setObjectName("evalCasesTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # One line per case (the full text is in each cell's tooltip), sized for a narrow tab.
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.view.setColumnWidth(column, width)
        self.view.activated.connect(self._on_view_activated)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self._edit_triggers = self.view.editTriggers()
        self.label = QLabel("Select a suite to edit its cases.")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("casesProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.hide()
        self.add_action = self._view_action(
            "Add case", ("Ctrl+Shift+N", "Insert"), self._on_add_action_triggered
        )
        self.delete_action = self._view_action(
            "Delete", (QKeySequence.StandardKey.Delete,), self._on_delete_action_triggered
        )
        make = self._button
        self.save_button = make("Save as new version", self._on_save_button_clicked)
        self.save_button.setObjectName("evalSaveCasesButton")
        self.save_button.setToolTip("Store the edited cases as a new version of the suite")
        self.revert_button = make("Revert", self._on_revert_button_clicked)
        self.revert_button.setToolTip("Drop the edits and show the stored cases again")
        self.add_button = make("Add case", self._on_add_action_triggered)
        self.add_button.setToolTip("Add an empty case (Insert or Ctrl+Shift+N in the table)")
        self.duplicate_button = make("Duplicate", self._on_duplicate_button_clicked)
        self.duplicate_button.setToolTip("Copy the selected cases")
        self.delete_button = make("Delete", self._on_delete_action_triggered)
        self.delete_button.setToolTip("Delete the selected cases (Delete in the table)")
        self.assertions_button = make("Edit assertions…", self._on_assertions_button_clicked)
        self.assertions_button.setToolTip(
            "Edit the current case's assertions (or double-click its Assertions cell)"
        )
        case_buttons = (
            self.add_button,
            self.duplicate_button,
            self.delete_button,
            self.assertions_button,
        )
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        actions = QHBoxLayout()
        for button in case_buttons:
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.view)
        self._update_actions()

    def _button(self, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        return button

    def _view_action(self, text: str, keys: tuple[Any, ...], slot: Any) -> QAction:
        # Bound to the table alone, so Delete and Insert inside a cell editor stay text editing.
        action = QAction(text, self.view)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.view.addAction(action)
        return action

    # Suites ----------------------------------------------------------------------------------

    def follow_suite(self, name: str) -> None:
        """Show suite ``name`` unless the table holds unsaved edits of another suite."""
        if name != self._wanted and not self.model.dirty:
            self.open_suite(name)

    def open_suite(self, name: str) -> None:
        """Show the stored cases of suite ``name`` (dropping unsaved edits)."""
        self._wanted = name
        self._request += 1
        request = self._request
        self.context.run(
            lambda task: read_suite(task, name),
            parent=self,
            success=lambda stored: self._on_suite_read(stored, request),
        ).run_in_background()

    def save(self) -> None:
        """Store the edited cases as a new version of the suite (in the background)."""
        name = self.editing_suite
        if name is None or not self.model.dirty or self.saving:
            return
        problem = self.model.problem()
        if problem is not None:
            self._show_problem(f"Not saved: {problem}")
            return
        # A copy: the worker serialises it while the user may go on editing nested values.
        cases = copy.deepcopy(self.model.cases)
        self._set_saving(True)
        self.context.run(
            lambda task: save_cases(task, name, cases), parent=self, success=self._on_cases_saved
        ).failure(self._on_save_failed).run_in_background()

    # Cases -----------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """The rows of the selected cases, top to bottom."""
        return sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})

    def add_case(self) -> int | None:
        """Add an empty case below the current one (or last), select it and start editing."""
        if self.editing_suite is None or self.saving:
            return None
        current = self.view.currentIndex()
        at = current.row() + 1 if current.isValid() else self.model.rowCount()
        row = self.model.insert_case(at, self.model.new_case())
        index = self.model.index(row, DESCRIPTION)
        self.view.setFocus()
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        self.view.edit(index)
        return row

    def duplicate_selected(self) -> list[int]:
        """Copy the selected cases (below the last of them) and select the copies."""
        if self.saving:
            return []
        rows = self.model.duplicate_rows(self.selected_rows())
        self._select_rows(rows)
        return rows

    def delete_selected(self) -> int:
        """Delete the selected cases (Revert brings them back until saved)."""
        if self.saving:
            return 0
        rows = self.selected_rows()
        removed = self.model.remove_rows(rows)
        if removed and self.model.rowCount():
            self._select_rows([min(rows[0], self.model.rowCount() - 1)])
        return removed

    def edit_assertions(self, row: int | None = None) -> AssertionsDialog | None:
        """Open the assertions of case ``row`` (default: the current one) in a dialog."""
        if row is None:
            row = self.view.currentIndex().row()
        if not 0 <= row < self.model.rowCount() or self.saving:
            return None
        case = self.model.cases[row]
        title = case.get("description") or case.get("id") or f"row {row + 1}"
        dialog = AssertionsDialog(list(case.get("assert", [])), title=title, parent=self)
        target = QPersistentModelIndex(self.model.index(row, ASSERTIONS))
        dialog.assertions_accepted.connect(
            lambda assertions: self._on_assertions_dialog_accepted(target, assertions)
        )
        dialog.finished.connect(self._on_assertions_dialog_finished)
        self.assertions_dialog = dialog
        dialog.open()
        return dialog

    def _select_rows(self, rows: list[int]) -> None:
        if not rows:
            return
        self.view.setCurrentIndex(self.model.index(rows[0], DESCRIPTION))
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in rows[1:]:
            self.view.selectionModel().select(self.model.index(row, DESCRIPTION), flags)

    # State -----------------------------------------------------------------------------------

    def _show_problem(self, text: str) -> None:
        # Coloured when shown, not when built: the theme may have changed since.
        self.problem_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _set_saving(self, saving: bool) -> None:
        # While the save runs the table is read-only: its success replaces the table's cases.
        self.saving = saving
        none = QAbstractItemView.EditTrigger.NoEditTriggers
        self.view.setEditTriggers(none if saving else self._edit_triggers)
        self._update_actions()

    def _update_actions(self) -> None:
        open_ = self.editing_suite is not None and not self.saving
        rows = bool(self.view.selectionModel().selectedIndexes())
        for widget in (self.add_button, self.add_action):
            widget.setEnabled(open_)
        for widget in (self.duplicate_button, self.delete_button, self.delete_action):
            widget.setEnabled(open_ and rows)
        self.assertions_button.setEnabled(open_ and self.view.currentIndex().isValid())
        self.save_button.setEnabled(open_ and self.model.dirty)
        self.revert_button.setEnabled(open_ and self.model.dirty)

    # Slots -----------------------------------------------------------------------------------

    def _on_suite_read(self, stored: StoredSuite, request: int | None = None) -> None:
        if request is not None and request != self._request:
            return
        self.editing_suite = stored.name
        self.model.set_cases(stored.suite.cases)
        self.label.setText(f"{stored.ref}: {len(stored.suite.cases)} cases")
        self._save_problem = ""
        self._show_problem("")
        self._update_actions()
        self.suite_opened.emit(stored.name)

    def _on_cases_saved(self, value: tuple[StoredSuite, bool]) -> None:
        stored, _new = value
        self._set_saving(False)
        self._wanted = stored.name
        self._request += 1
        self._on_suite_read(stored)
        self.cases_saved.emit(stored)

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        if not isinstance(error, InputFileError):
            self._save_problem = f"Not saved: {error}"
            self._show_problem(self._save_problem)
            report_exception(error, self)  # a store problem in a box, a bug as a crash report
            return
        # The suite's own validation refused an edit: point at the case; the edits stay.
        row, self._save_problem = save_problem(error)
        self._show_problem(self._save_problem)
        if row is not None and row < self.model.rowCount():
            self._select_rows([row])

    @Slot()
    def _on_model_edited(self) -> None:
        self._request += 1
        self.label.setText(f"{self.editing_suite}: unsaved changes")
        problem = self.model.problem()
        if problem is not None:
            problem += ". Your text is kept in the cell: fix it, or Revert."
        self._show_problem(problem or self._save_problem)
        self._update_actions()

    @Slot()
    def _on_view_selection_changed(self) -> None:
        self._update_actions()

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        # Enter or double-click: assertions open their dialog; other cells start editing.
        if index.column() == ASSERTIONS:
            self.edit_assertions(index.row())
        else:
            self.view.edit(index)

    @Slot()
    def _on_add_action_triggered(self) -> None:
        self.add_case()

    @Slot()
    def _on_delete_action_triggered(self) -> None:
        self.delete_selected()

    @Slot()
    def _on_duplicate_button_clicked(self) -> None:
        self.duplicate_selected()

    @Slot()
    def _on_assertions_button_clicked(self) -> None:
        self.edit_assertions()

    def _on_assertions_dialog_accepted(
        self, target: QPersistentModelIndex, assertions: list[dict[str, Any]]
    ) -> None:
        if target.isValid():
            self.model.set_assertions(target.row(), assertions)

    @Slot()
    def _on_assertions_dialog_finished(self) -> None:
        self.assertions_dialog = None

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self.editing_suite is not None:
            self.open_suite(self.editing_suite)
