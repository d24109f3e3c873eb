"""Qt item models of the Prompts page: the prompt list, a prompt's versions, its label moves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from workbench.prompts import LabelMove, Prompt, PromptVersion

PROMPT_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


def local_time(stamp: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (ISO 8601) in the local time zone."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return moment.strftime(fmt)


def labels_text(prompt: Prompt) -> str:
    """``production → v2 · candidate → v3``."""
    return " · ".join(f"{label} → v{version}" for label, version in prompt.labels.items())


class PromptListModel(QAbstractListModel):
    """Every prompt by name; ``PROMPT_ROLE`` gives the :class:`Prompt`, ``SEARCH_ROLE`` the text
    a search matches (name, description and labels)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._prompts: list[Prompt] = []

    def set_prompts(self, prompts: Sequence[Prompt]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._prompts = sorted(prompts, key=lambda p: p.name.lower())
        self.endResetModel()

    def update_prompt(self, prompt: Prompt) -> None:
        """Refresh one prompt's row (or add it)."""
        row = self.row_of(prompt.name)
        if row < 0:
            self.set_prompts([*self._prompts, prompt])
            return
        self._prompts[row] = prompt
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def names(self) -> list[str]:
        """The prompt names, in order."""
        return [p.name for p in self._prompts]

    def row_of(self, name: str | None) -> int:
        """The row of prompt ``name``, or -1."""
        return next((i for i, p in enumerate(self._prompts) if p.name == name), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of prompts."""
        return 0 if parent.isValid() else len(self._prompts)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Name, a tooltip with the description and labels, the prompt, the search text."""
        if not index.isValid() or not 0 <= index.row() < len(self._prompts):
            return None
        prompt = self._prompts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return prompt.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [prompt.name, prompt.description, f"{prompt.latest_version} versions"]
            if prompt.labels:
                lines.append(labels_text(prompt))
            return "\n".join(line for line in lines if line)
        if role == PROMPT_ROLE:
            return prompt
        if role == SEARCH_ROLE:
            return " ".join([prompt.name, prompt.description, *prompt.labels])
        return None


class VersionTableModel(QAbstractTableModel):
    """A prompt's versions, newest first: version, time, author, message, labels."""

    COLUMNS = ("Version", "Created", "Author", "Message", "Labels")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._versions: list[PromptVersion] = []
        self._labels: dict[int, tuple[str, ...]] = {}
        self.edited_version: int | None = None

    def set_history(self, prompt: Prompt | None, versions: Sequence[PromptVersion]) -> None:
        """Show ``versions`` with ``prompt``'s labels."""
        self.beginResetModel()
        self._versions = sorted(versions, key=lambda v: -v.version)
        self._labels = {v.version: prompt.labels_of(v.version) for v in versions} if prompt else {}
        self.endResetModel()

    def set_edited_version(self, version: int | None) -> None:
        """Mark the version the editor started from (shown in bold)."""
        self.edited_version = version
        if self._versions:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._versions) - 1, 0))

    def version_at(self, row: int) -> PromptVersion | None:
        """The version on ``row``."""
        return self._versions[row] if 0 <= row < len(self._versions) else None

    def row_of(self, version: int) -> int:
        """The row of ``version``, or -1."""
        return next((i for i, v in enumerate(self._versions) if v.version == version), -1)

    def labels_of(self, version: int) -> tuple[str, ...]:
        """The labels pointing at ``version``."""
        return self._labels.get(version, ())

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of versions."""
        return 0 if parent.isValid() else len(self._versions)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Five columns."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, tooltips, bold for the edited version, ``VERSION_ROLE``."""
        if not index.isValid() or not 0 <= index.row() < len(self._versions):
            return None
        version = self._versions[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"v{version.version}",
                local_time(version.created_at),
                version.author,
                version.message.splitlines()[0] if version.message else "",
                ", ".join(self.labels_of(version.version)),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{version.ref}\n{version.created_at}\nby {version.author}\n\n{version.message}"
                f"\n\nvariables: {', '.join(version.variables) or 'none'}"
                f"\nsha256: {version.content_hash[:16]}…"
            )
        if role == Qt.ItemDataRole.FontRole and version.version == self.edited_version:
            font = QFont()
            font.setBold(True)
            return font
        if role == VERSION_ROLE:
            return version
        return None


class LabelHistoryModel(QAbstractTableModel):
    """Every move of a prompt's labels, newest first."""

    COLUMNS = ("Time", "Label", "Change", "By")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._moves: list[LabelMove] = []

    def set_moves(self, moves: Sequence[LabelMove]) -> None:
        """Replace every row (``moves`` oldest first, as the store gives them)."""
        self.beginResetModel()
        self._moves = list(reversed(moves))
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of moves."""
        return 0 if parent.isValid() else len(self._moves)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Four columns."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text."""
        if not index.isValid() or not 0 <= index.row() < len(self._moves):
            return None
        move = self._moves[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (local_time(move.time), move.label, move_text(move), move.actor)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return move.time
        return None


def move_text(move: LabelMove) -> str:
    """``set to v3``, ``v2 → v3``, ``removed (was v2)``."""
    if move.from_version is None:
        return f"set to v{move.to_version}"
    if move.to_version is None:
        return f"removed (was v{move.from_version})"
    return f"v{move.from_version} → v{move.to_version}"
