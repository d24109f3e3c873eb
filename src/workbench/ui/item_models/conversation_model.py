"""The stored conversations as a Qt list model (the playground's history list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from workbench.conversations import ConversationSummary

SUMMARY_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex


def _when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return moment.strftime("%d %b %H:%M")


class ConversationListModel(QAbstractListModel):
    """Conversations, newest first; ``SUMMARY_ROLE`` gives the :class:`ConversationSummary`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ConversationSummary] = []

    def set_items(self, items: list[ConversationSummary]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def row_of(self, conversation_id: int | None) -> int:
        """The row of a conversation, or -1."""
        return next((i for i, s in enumerate(self._items) if s.id == conversation_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            mode = " · side by side" if item.side_by_side else ""
            return f"{item.title}\n{item.message_count} messages · {_when(item.updated_at)}{mode}"
        if role == SUMMARY_ROLE:
            return item
        return None
