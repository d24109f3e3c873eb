"""The cases of the Suite tab: a table editable in place, with Add case (Insert or Ctrl+Shift+N
in the table), Duplicate, Delete (Delete), Edit assertions… (an :class:`AssertionsDialog`) and
Import cases… (which the editor carries out: it reads files in the background).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
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

from workbench.ui.evals.assertions_dialog import AssertionsDialog
from workbench.ui.evals.cases_model import ASSERTIONS, DESCRIPTION, CasesModel

COLUMN_WIDTHS = (90, 140, 190, 70, 100)


class CasesPanel(QWidget):
    """A suite's cases in a table, with the buttons that add, copy, delete and import cases."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open = False  # a suite is shown and not being saved
        self.assertions_dialog: AssertionsDialog | None = None
        self.model = CasesModel(self)
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
        self.add_action = self._view_action(
            "Add case", ("Ctrl+Shift+N", "Insert"), self._on_add_action_triggered
        )
        self.delete_action = self._view_action(
            "Delete", (QKeySequence.StandardKey.Delete,), self._on_delete_action_triggered
        )
        make = self._button
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
        self.import_button = QPushButton("Import cases…")
        self.import_button.setObjectName("evalImportCasesButton")
        self.import_button.setToolTip(
            "Add the cases of a CSV, JSONL or YAML case file below these (saved with the next "
            "version)"
        )
        actions = QHBoxLayout()
        for button in (
            self.add_button,
            self.duplicate_button,
            self.delete_button,
            self.assertions_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)  # clear of the splitter handle above
        layout.addWidget(QLabel("<b>Cases</b>"))
        layout.addLayout(actions)
        layout.addWidget(self.view)
        self.set_open(False)

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

    # -- cases ------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """The rows of the selected cases, top to bottom."""
        return sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})

    def add_case(self) -> int | None:
        """Add an empty case below the current one (or last), select it and start editing."""
        if not self.open:
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

    def append_cases(self, cases: list[dict[str, Any]]) -> list[int]:
        """Add ``cases`` after the last case and select them; returns their rows."""
        rows = self.model.append_cases(cases)
        self.select_rows(rows)
        if rows:
            self.view.scrollTo(self.model.index(rows[-1], DESCRIPTION))
        return rows

    def duplicate_selected(self) -> list[int]:
        """Copy the selected cases (below the last of them) and select the copies."""
        if not self.open:
            return []
        rows = self.model.duplicate_rows(self.selected_rows())
        self.select_rows(rows)
        return rows

    def delete_selected(self) -> int:
        """Delete the selected cases (Revert brings them back until saved)."""
        if not self.open:
            return 0
        rows = self.selected_rows()
        removed = self.model.remove_rows(rows)
        if removed and self.model.rowCount():
            self.select_rows([min(rows[0], self.model.rowCount() - 1)])
        return removed

    def edit_assertions(self, row: int | None = None) -> AssertionsDialog | None:
        """Open the assertions of case ``row`` (default: the current one) in a dialog."""
        if row is None:
            row = self.view.currentIndex().row()
        if not 0 <= row < self.model.rowCount() or not self.open:
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

    def select_rows(self, rows: list[int]) -> None:
        """Make the first of ``rows`` current and select them all."""
        if not rows:
            return
        self.view.setCurrentIndex(self.model.index(rows[0], DESCRIPTION))
        # One selection of ranges of consecutive rows: an import of thousands stays one change.
        selection = QItemSelection()
        first = previous = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == previous + 1:
                previous = row
                continue
            selection.select(self.model.index(first, 0), self.model.index(previous, 0))
            if row is not None:
                first = previous = row
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().select(selection, flags)

    # -- state ------------------------------------------------------------------------------
    def set_open(self, open_: bool) -> None:
        """Whether the cases can be edited (a suite is shown and no save is under way)."""
        self.open = open_
        none = QAbstractItemView.EditTrigger.NoEditTriggers
        self.view.setEditTriggers(self._edit_triggers if open_ else none)
        self.update_actions()

    def update_actions(self) -> None:
        """Enable what applies to the selection."""
        rows = bool(self.view.selectionModel().selectedIndexes())
        for widget in (self.add_button, self.add_action, self.import_button):
            widget.setEnabled(self.open)
        for widget in (self.duplicate_button, self.delete_button, self.delete_action):
            widget.setEnabled(self.open and rows)
        self.assertions_button.setEnabled(self.open and self.view.currentIndex().isValid())

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_view_selection_changed(self) -> None:
        self.update_actions()

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        # Enter or double-click: assertions open their dialog; other cells start editing. Not
        # while a save or an import runs: their answer replaces the cases, and edit() would
        # open an editor whatever the edit triggers say, so what was typed would be lost.
        if not self.open:
            return
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
