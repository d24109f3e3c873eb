"""Key/value rows (a model's GGUF metadata and recorded facts) as a Qt table model."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

_Index = QModelIndex | QPersistentModelIndex
MAX_CELL_CHARS = 400


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class KeyValueTableModel(QAbstractTableModel):
    """Two columns, Key and Value; long values are shortened in the cell, whole in the tooltip."""

    HEADERS = ("Key", "Value")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []

    def set_items(self, items: dict[str, Any]) -> None:
        """Replace every row with ``items`` (in their order)."""
        self.beginResetModel()
        self._rows = [(str(k), _text(v)) for k, v in items.items()]
        self.endResetModel()

    def value(self, key: str) -> str | None:
        """The (full) text shown for ``key``."""
        return next((v for k, v in self._rows if k == key), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        text = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            one_line = " ".join(text.split()) if index.column() == 1 else text
            if len(one_line) > MAX_CELL_CHARS:
                return one_line[: MAX_CELL_CHARS - 1] + "…"
            return one_line
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1 and len(text) > 60:
            return text[:4000]
        if role == Qt.ItemDataRole.UserRole:
            return text
        return None
