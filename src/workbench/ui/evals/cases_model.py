"""The suite editor's cases table: cases added, duplicated, deleted and edited in place.

Edits stay in the model until saved; saving stores a new version of the suite (through the
suite file validation, so a bad edit is refused with a message that names the field).

Variables that are not a JSON object are not applied, but not thrown away either: the cell
keeps the text as typed (a *draft*, shown in the error colour with the reason as its tooltip)
until it is fixed, and :meth:`CasesModel.problem` makes the editor refuse to save meanwhile.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from workbench.errors import InputFileError
from workbench.evals import EvalCase
from workbench.evals.parsing import VAR_PATTERN
from workbench.ui.prompts.colors import error_color

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Id", "Description", "Variables (JSON)", "Tags", "Assertions")
ID, DESCRIPTION, VARS, TAGS, ASSERTIONS = range(5)
EDITABLE = (DESCRIPTION, VARS, TAGS)
_CASE_FIELD = re.compile(r"^tests\[(\d+)\]\.?(.*)$")  # a case's field in a suite definition
_TEXT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.EditRole,
    Qt.ItemDataRole.ToolTipRole,
)


def vars_problem(text: str) -> str | None:
    """Why ``text`` is not usable as a case's variables (a JSON object), or None."""
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(parsed, dict):
        return 'expected a JSON object such as {"name": "value"}'
    for name in parsed:
        if not VAR_PATTERN.match(name):
            return f"variable name {name!r}: use letters, digits and '_', not starting with a digit"
    return None


def assertions_summary(assertions: Iterable[dict[str, Any]]) -> str:
    """The types of a case's assertions as written: ``icontains-any, not-contains``."""
    return ", ".join(str(assertion.get("type", "?")) for assertion in assertions)


def save_problem(error: InputFileError) -> tuple[int | None, str]:
    """The row (from 0) a refused save points at, if any, and a message naming it.

    The suite parser names fields of the whole definition (``tests[2].assert[0].value``);
    the table's user knows rows, and the suite's file and line mean nothing to them here.
    """
    match = _CASE_FIELD.match(error.field)
    if match is None:
        where = f"{error.field}: " if error.field else ""
        return None, f"Not saved: {where}{error.problem}"
    row, rest = int(match.group(1)), match.group(2)
    where = f"row {row + 1}, {rest}" if rest else f"row {row + 1}"
    return row, f"Not saved: {where}: {error.problem}"


class CasesModel(QAbstractTableModel):
    """A suite's cases as promptfoo-shaped dicts (what is saved back)."""

    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cases: list[dict[str, Any]] = []
        # Parallel to ``cases``: the variables text as typed while it is not valid.
        self.drafts: list[str | None] = []
        self.dirty = False

    def set_cases(self, cases: Sequence[EvalCase]) -> None:
        """Show these cases, unedited."""
        self.beginResetModel()
        self.cases = [case.to_dict() for case in cases]
        self.drafts = [None] * len(self.cases)
        self.dirty = False
        self.endResetModel()

    def problem(self) -> str | None:
        """The first edit that cannot be saved as it stands (row numbers from 1), or None."""
        for row, draft in enumerate(self.drafts):
            if draft is not None:
                return f"Row {row + 1}, Variables: {vars_problem(draft)}"
        return None

    # Rows ------------------------------------------------------------------------------------

    def new_case(self) -> dict[str, Any]:
        """An empty case whose variables are the names the other cases use, so the user sees
        what to fill in. It has no id: the suite parser derives one on save."""
        names: dict[str, None] = {}
        for case in self.cases:
            names.update(dict.fromkeys(case.get("vars", {})))
        return {"vars": dict.fromkeys(names, "")}

    def insert_case(self, row: int, case: dict[str, Any], draft: str | None = None) -> int:
        """Insert ``case`` at ``row`` (clamped to the table); returns the row it went to."""
        row = max(0, min(row, len(self.cases)))
        self.beginInsertRows(QModelIndex(), row, row)
        self.cases.insert(row, case)
        self.drafts.insert(row, draft)
        self.endInsertRows()
        self._changed()
        return row

    def append_cases(self, cases: Sequence[dict[str, Any]]) -> list[int]:
        """Add ``cases`` after the last one (in one insertion, so a file of thousands of cases
        is one change); returns their rows."""
        if not cases:
            return []
        at = len(self.cases)
        self.beginInsertRows(QModelIndex(), at, at + len(cases) - 1)
        self.cases.extend(cases)
        self.drafts.extend([None] * len(cases))
        self.endInsertRows()
        self._changed()
        return list(range(at, at + len(cases)))

    def duplicate_rows(self, rows: Iterable[int]) -> list[int]:
        """Put a copy of each of these cases right after the last of them; returns the new rows.

        The copies lose their id: two cases with the same id are refused on save, and a copy
        without one gets the derived id (``~2`` when it equals its original).
        """
        chosen = sorted(set(rows))
        if not chosen:
            return []
        copies = [(copy.deepcopy(self.cases[row]), self.drafts[row]) for row in chosen]
        at = chosen[-1] + 1
        for offset, (case, draft) in enumerate(copies):
            case.pop("id", None)
            self.insert_case(at + offset, case, draft)
        return list(range(at, at + len(copies)))

    def remove_rows(self, rows: Iterable[int]) -> int:
        """Delete these cases; returns how many went."""
        chosen = sorted(set(rows), reverse=True)
        for row in chosen:  # from the bottom, so the rows still to delete keep their numbers
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.cases[row]
            del self.drafts[row]
            self.endRemoveRows()
        if chosen:
            self._changed()
        return len(chosen)

    def set_assertions(self, row: int, assertions: list[dict[str, Any]]) -> None:
        """Replace the assertions of the case at ``row`` (promptfoo-shaped dicts)."""
        if assertions:
            self.cases[row]["assert"] = assertions
        else:
            self.cases[row].pop("assert", None)
        index = self.index(row, ASSERTIONS)
        self.dataChanged.emit(index, index)
        self._changed()

    # Qt's model interface --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cases)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return HEADERS[section] if orientation == Qt.Orientation.Horizontal else section + 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in EDITABLE else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        draft = self.drafts[row] if column == VARS else None
        if draft is not None:
            return self._draft_data(draft, role)
        if role not in _TEXT_ROLES:
            return None
        case = self.cases[row]
        if column == ID:
            if role == Qt.ItemDataRole.ToolTipRole and not case.get("id"):
                return "A new case gets its id when saved (derived from its variables)"
            return case.get("id", "")
        if column == DESCRIPTION:
            return case.get("description", "")
        if column == VARS:
            return json.dumps(case.get("vars", {}), ensure_ascii=False)
        if column == TAGS:
            return ", ".join(case.get("tags", []))
        assertions = case.get("assert", [])
        if role == Qt.ItemDataRole.ToolTipRole:
            shown = json.dumps(assertions, ensure_ascii=False, indent=1)
            return f"{shown}\n\nDouble-click or press Enter to edit the assertions."
        return assertions_summary(assertions)

    def _draft_data(self, draft: str, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return draft
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Not applied: {vars_problem(draft)}. Fix the text, or Revert."
        if role == Qt.ItemDataRole.ForegroundRole:
            return error_color()
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Apply an edit; False when it is refused (variables that are not a JSON object are
        then kept as a draft, see :meth:`problem`)."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        case = self.cases[row]
        text = str(value)
        applied = True
        if column == DESCRIPTION:
            if text.strip():
                case["description"] = text.strip()
            else:
                case.pop("description", None)
        elif column == VARS:
            applied = vars_problem(text) is None
            if applied:
                case["vars"] = json.loads(text or "{}")
            self.drafts[row] = None if applied else text
        elif column == TAGS:
            tags = [tag.strip() for tag in text.split(",") if tag.strip()]
            if tags:
                case["tags"] = tags
            else:
                case.pop("tags", None)
        else:
            return False
        self.dataChanged.emit(index, index)
        self._changed()
        return applied

    def _changed(self) -> None:
        self.dirty = True
        self.edited.emit()
