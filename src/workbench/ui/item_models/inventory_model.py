"""The model inventory as a Qt table model (shared by the Models page and the playground)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from workbench.inventory import ModelRecord
from workbench.ui.formatting import human_bytes, human_count

RECORD_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    ("Name", "name"),
    ("Loaded", None),
    ("Architecture", "architecture"),
    ("Parameters", "parameter_count"),
    ("Quantization", "file_type"),
    ("Size", "size_bytes"),
    ("Context", "context_length"),
    ("SHA-256", "sha256"),
)
TOOLTIPS = {
    "Loaded": "Which model slot holds this model: A (the playground) or B (side by side)",
    "Context": "The context length the model was trained with (from its GGUF metadata)",
    "SHA-256": "The first 12 hex digits of the file's SHA-256 (the full hash is in the details)",
    "Quantization": "How the weights are stored (the GGUF file type)",
}


class InventoryTableModel(QAbstractTableModel):
    """Registered models, one per row; ``RECORD_ROLE`` gives the :class:`ModelRecord`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[ModelRecord] = []
        self._loaded: dict[str, set[str]] = {}  # model name -> slots
        self._missing: frozenset[str] = frozenset()  # names whose file is gone

    def set_records(
        self, records: list[ModelRecord], missing: frozenset[str] = frozenset()
    ) -> None:
        """Replace every row; ``missing`` names the models whose file no longer exists."""
        self.beginResetModel()
        self._records = list(records)
        self._missing = missing
        self.endResetModel()

    def is_missing(self, name: str) -> bool:
        """True when the model's file was missing when the inventory was read."""
        return name in self._missing

    def records(self) -> list[ModelRecord]:
        """The rows, in model order."""
        return list(self._records)

    def record(self, name: str) -> ModelRecord | None:
        """The record named ``name``, if listed."""
        return next((r for r in self._records if r.name == name), None)

    def row_of(self, name: str) -> int:
        """The row of ``name``, or -1."""
        return next((i for i, r in enumerate(self._records) if r.name == name), -1)

    def set_loaded(self, slot: str, name: str | None) -> None:
        """Mark which model ``slot`` (A or B) holds, or none."""
        for slots in self._loaded.values():
            slots.discard(slot)
        if name:
            self._loaded.setdefault(name, set()).add(slot)
        if self._records:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._records) - 1, 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        title = COLUMNS[section][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return TOOLTIPS.get(title)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        title, attribute = COLUMNS[index.column()]
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, title, attribute)
        if role == SORT_ROLE:
            if attribute is None:
                return ", ".join(sorted(self._loaded.get(record.name, ())))
            value = getattr(record, attribute)
            return value if value is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if title == "Name":
                return record.path + ("\n(file missing)" if record.name in self._missing else "")
            if title == "SHA-256":
                return record.sha256
            if title == "Parameters" and record.parameter_count is not None:
                return f"{record.parameter_count:,} parameters"
            if title == "Size":
                return f"{record.size_bytes:,} bytes"
        if role == Qt.ItemDataRole.FontRole and self._loaded.get(record.name):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.FontRole and record.name in self._missing:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and title in ("Parameters", "Size", "Context"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, record: ModelRecord, title: str, attribute: str | None) -> str:
        if attribute is None:
            return ", ".join(sorted(self._loaded.get(record.name, ())))
        if title == "Parameters":
            return human_count(record.parameter_count)
        if title == "Size":
            return human_bytes(record.size_bytes)
        if title == "SHA-256":
            return record.sha256[:12]
        value = getattr(record, attribute)
        return "" if value is None else str(value)
