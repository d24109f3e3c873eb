"""The checkable lists of the New suite and Run dialogs: prompt versions, models, tags.

Each item carries its value (a prompt reference, a model name, a tag) under
:data:`ChoiceRole`; a header item carries none and is never counted as checked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

#: The role holding a checkable item's value; headers have none.
ChoiceRole = Qt.ItemDataRole.UserRole + 1


def new_choice_list(name: str) -> QListWidget:
    """An empty list named ``name`` (its object name, for tests and style sheets)."""
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setUniformItemSizes(True)
    return widget


def add_choice(widget: QListWidget, value: str, note: str, *, checked: bool = False) -> None:
    """Add a checkable ``value``, shown with ``note`` in parentheses when there is one."""
    item = QListWidgetItem(f"{value}   ({note})" if note else value)
    item.setFlags(
        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
    )
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    item.setData(ChoiceRole, value)
    item.setToolTip(value)
    widget.addItem(item)


def checked_values(widget: QListWidget) -> tuple[str, ...]:
    """The values of the checked items, in list order (headers left out)."""
    items = (widget.item(row) for row in range(widget.count()))
    return tuple(
        str(item.data(ChoiceRole))
        for item in items
        if item.data(ChoiceRole) is not None and item.checkState() == Qt.CheckState.Checked
    )
