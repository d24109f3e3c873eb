"""One kind of a suite's columns in the Suite tab: its prompts or its models, listed in order,
with a box of what can be added (stored prompt versions, inventory models), Add and Remove.

A column is kept in the suite file's shape (``{id, ref}``, ``{id, name, load?, sampling?}``, an
inline prompt's messages): what this list did not add, it hands back exactly as it got it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

#: Each list item holds its column (the dict stored in the suite) under this role.
ColumnRole = Qt.ItemDataRole.UserRole + 1
LIST_ROWS = 3  # rows shown before the list scrolls


class ColumnList(QWidget):
    """A suite's prompt or model columns, with Add (from ``set_choices``) and Remove."""

    edited = Signal()

    def __init__(
        self,
        title: str,
        *,
        name: str,
        make_column: Callable[[str], dict[str, Any]],
        add_tip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._make_column = make_column
        self.list = QListWidget()
        self.list.setObjectName(f"{name}List")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # A column's line with its note is wider than half a narrow tab: wrap, never scroll.
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemSelectionChanged.connect(self._on_list_item_selection_changed)
        # A few rows, not QListWidget's default ~200 px: the cases below need the room more.
        self.list.setFixedHeight(
            LIST_ROWS * self.list.fontMetrics().height() * 3 // 2 + 2 * self.list.frameWidth()
        )
        self.choice_box = QComboBox()
        self.choice_box.setObjectName(f"{name}Choices")
        self.choice_box.setToolTip(add_tip)
        self.choice_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Long references must not widen the tab: the box elides, its popup shows them whole.
        self.choice_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.choice_box.setMinimumContentsLength(8)
        self.choice_box.currentIndexChanged.connect(self._on_choice_box_current_index_changed)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName(f"{name}Add")
        self.add_button.setToolTip(add_tip)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName(f"{name}Remove")
        self.remove_button.setToolTip("Remove the selected columns from the suite")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        # Remove acts on the list, Add on the box: each sits by what it acts on, and the box
        # gets the width of half a narrow tab.
        heading = QHBoxLayout()
        heading.addWidget(QLabel(f"<b>{title}</b>"), 1)
        heading.addWidget(self.remove_button)
        adding = QHBoxLayout()
        adding.addWidget(self.choice_box, 1)
        adding.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addLayout(heading)
        layout.addWidget(self.list)
        layout.addWidget(self.note)
        layout.addLayout(adding)
        self._update_buttons()

    # -- filling ----------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[tuple[Mapping[str, Any], str]], note: str = "") -> None:
        """List these columns, each with a note ("" for none), and ``note`` under the list;
        says nothing of an edit."""
        self.list.clear()
        for column, column_note in columns:
            self._append(dict(column), column_note)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self._update_buttons()

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """What Add offers: ``(value, note)`` pairs, in order."""
        current = self.choice_box.currentData()
        self.choice_box.blockSignals(True)
        self.choice_box.clear()
        for value, note in choices:
            self.choice_box.addItem(f"{value}   ({note})" if note else value, value)
        found = self.choice_box.findData(current)
        self.choice_box.setCurrentIndex(max(found, 0) if self.choice_box.count() else -1)
        self.choice_box.blockSignals(False)
        self._update_buttons()

    # -- answers ----------------------------------------------------------------------------
    def columns(self) -> list[dict[str, Any]]:
        """The columns in list order, in the suite file's shape."""
        return [dict(self.list.item(row).data(ColumnRole)) for row in range(self.list.count())]

    def ids(self) -> list[str]:
        """The columns' ids in list order."""
        return [str(column.get("id", "")) for column in self.columns()]

    # -- editing ----------------------------------------------------------------------------
    def add_choice(self, value: str | None = None) -> bool:
        """Add ``value`` (default: the box's current choice) as the last column and select it;
        False when there is nothing to add or it already is a column."""
        if value is None:
            value = self.choice_box.currentData()
        if not value:
            return False
        column = self._make_column(str(value))
        if column["id"] in self.ids():
            return False
        item = self._append(column, "")
        self.list.setCurrentItem(item)
        self._update_buttons()
        self.edited.emit()
        return True

    def remove_selected(self) -> int:
        """Remove the selected columns; returns how many went."""
        rows = sorted({self.list.row(item) for item in self.list.selectedItems()}, reverse=True)
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self._update_buttons()
            self.edited.emit()
        return len(rows)

    def _append(self, column: dict[str, Any], note: str) -> QListWidgetItem:
        item = QListWidgetItem(f"{column['id']}   ({note})" if note else str(column["id"]))
        item.setData(ColumnRole, column)
        shown = json.dumps(column, ensure_ascii=False, indent=1)
        item.setToolTip(f"{note}\n\n{shown}" if note else shown)
        self.list.addItem(item)
        return item

    def _update_buttons(self) -> None:
        value = self.choice_box.currentData()
        taken = value is not None and self._make_column(str(value))["id"] in self.ids()
        self.add_button.setEnabled(bool(value) and not taken)
        self.add_button.setToolTip(
            "Already a column of the suite" if taken else self.choice_box.toolTip()
        )
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_add_button_clicked(self) -> None:
        self.add_choice()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        self.remove_selected()

    @Slot(int)
    def _on_choice_box_current_index_changed(self, _index: int) -> None:
        self._update_buttons()

    @Slot()
    def _on_list_item_selection_changed(self) -> None:
        self._update_buttons()
