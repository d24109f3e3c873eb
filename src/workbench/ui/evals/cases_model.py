"""The suite editor's cases table: description, variables (JSON) and tags editable in place.

Edits stay in the model until saved; saving stores a new version of the suite (through the
suite file validation, so a bad edit is refused with a message that names the field).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from workbench.evals import EvalCase

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Id", "Description", "Variables (JSON)", "Tags", "Assertions")
ID, DESCRIPTION, VARS, TAGS, ASSERTIONS = range(5)
EDITABLE = (DESCRIPTION, VARS, TAGS)


class CasesModel(QAbstractTableModel):
    """A suite's cases as promptfoo-shaped dicts (what is saved back)."""

    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cases: list[dict[str, Any]] = []
        self.dirty = False

    def set_cases(self, cases: Sequence[EvalCase]) -> None:
        """Show these cases, unedited."""
        self.beginResetModel()
        self.cases = [case.to_dict() for case in cases]
        self.dirty = False
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cases)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in EDITABLE else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.EditRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        case = self.cases[index.row()]
        column = index.column()
        if column == ID:
            return case.get("id", "")
        if column == DESCRIPTION:
            return case.get("description", "")
        if column == VARS:
            return json.dumps(case.get("vars", {}), ensure_ascii=False)
        if column == TAGS:
            return ", ".join(case.get("tags", []))
        assertions = case.get("assert", [])
        if role == Qt.ItemDataRole.ToolTipRole:
            return json.dumps(assertions, ensure_ascii=False, indent=1)
        return ", ".join(str(a.get("type", "?")) for a in assertions)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        case = self.cases[index.row()]
        column = index.column()
        text = str(value)
        if column == DESCRIPTION:
            if text.strip():
                case["description"] = text.strip()
            else:
                case.pop("description", None)
        elif column == VARS:
            try:
                parsed = json.loads(text or "{}")
            except json.JSONDecodeError:
                return False
            if not isinstance(parsed, dict):
                return False
            case["vars"] = parsed
        elif column == TAGS:
            tags = [tag.strip() for tag in text.split(",") if tag.strip()]
            if tags:
                case["tags"] = tags
            else:
                case.pop("tags", None)
        else:
            return False
        self.dirty = True
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True
