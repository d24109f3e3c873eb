"""Qt item models of the Bias page: the verdict table, the runs list and the variant pairs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from workbench.bias import BiasRun, MetricResult, Verdict
from workbench.ui.bias.evidence import VariantPair

_Index = QModelIndex | QPersistentModelIndex

#: The verdict of a row as text ("PASS", "FAIL", "INCONCLUSIVE"), for views and tests.
VerdictRole = Qt.ItemDataRole.UserRole + 1


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's text background is dark."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def verdict_colors(verdict: Verdict, palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(text, background) of a verdict cell, readable on the light and the dark theme: strong
    text on a tint of the same hue."""
    dark = is_dark(palette)
    text = {
        Verdict.PASS: "#56d364" if dark else "#116329",
        Verdict.FAIL: "#ff7b72" if dark else "#a40e26",
        Verdict.INCONCLUSIVE: "#e3b341" if dark else "#7d4e00",
    }[verdict]
    tint = {
        Verdict.PASS: (46, 160, 67),
        Verdict.FAIL: (248, 81, 73),
        Verdict.INCONCLUSIVE: (210, 153, 34),
    }[verdict]
    return QColor(text), QColor(*tint, 56 if dark else 40)


def format_number(value: float | None, digits: int = 3) -> str:
    """A number for a table cell ("–" when missing or undefined)."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:.0f}"


VERDICT_COLUMNS = (
    "Attribute",
    "Group",
    "Metric",
    "Estimate",
    "Interval",
    "Threshold",
    "p (Holm)",
    "n",
    "Verdict",
)
VERDICT_COLUMN = VERDICT_COLUMNS.index("Verdict")


class VerdictTableModel(QAbstractTableModel):
    """One row per metric result, the verdict coloured."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._results: list[MetricResult] = []

    def set_results(self, results: Sequence[MetricResult]) -> None:
        """Show ``results`` (an empty list clears the table)."""
        self.beginResetModel()
        self._results = list(results)
        self.endResetModel()

    def result(self, row: int) -> MetricResult:
        """The metric result on ``row``."""
        return self._results[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(VERDICT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return VERDICT_COLUMNS[section] if 0 <= section < len(VERDICT_COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(result, column)
        if role == VerdictRole:
            return result.verdict.value
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{result.verdict.value}: {result.reason}"
        if column == VERDICT_COLUMN and role == Qt.ItemDataRole.ForegroundRole:
            return verdict_colors(result.verdict)[0]
        if column == VERDICT_COLUMN and role == Qt.ItemDataRole.BackgroundRole:
            return verdict_colors(result.verdict)[1]
        if column == VERDICT_COLUMN and role == Qt.ItemDataRole.FontRole:
            font = QGuiApplication.font()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(result: MetricResult, column: int) -> str:
        if column == 0:
            return result.attribute
        if column == 1:
            ref = f" vs {result.reference}" if result.reference else ""
            return f"{result.group}{ref}"
        if column == 2:
            return result.metric.replace("_", " ")
        if column == 3:
            return format_number(result.estimate)
        if column == 4:
            return f"[{format_number(result.ci_low)}, {format_number(result.ci_high)}]"
        if column == 5:
            return f"[{format_number(result.band_low)}, {format_number(result.band_high)}]"
        if column == 6:
            return format_number(result.p_adjusted)
        if column == 7:
            return str(result.n)
        return result.verdict.value


RUN_COLUMNS = ("Run", "Probe set", "Model", "Status", "Verdict", "Started")


class RunsTableModel(QAbstractTableModel):
    """Earlier runs, newest first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._runs: list[BiasRun] = []

    def set_runs(self, runs: Sequence[BiasRun]) -> None:
        """Show ``runs``."""
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def run(self, row: int) -> BiasRun:
        """The run on ``row``."""
        return self._runs[row]

    def row_of(self, run_id: int) -> int:
        """The row of run ``run_id``, or -1."""
        return next((i for i, r in enumerate(self._runs) if r.id == run_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RUN_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return RUN_COLUMNS[section] if 0 <= section < len(RUN_COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        run = self._runs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"#{run.id}",
                run.probe_set_ref,
                run.model_name,
                run.status
                if run.status != "cancelled"
                else f"cancelled ({run.n_scored}/{run.n_variants})",
                run.verdict.value if run.verdict else "–",
                run.started_at[:19].replace("T", " "),
            )[column]
        if role == VerdictRole:
            return run.verdict.value if run.verdict else None
        if column == 4 and run.verdict is not None:
            if role == Qt.ItemDataRole.ForegroundRole:
                return verdict_colors(run.verdict)[0]
            if role == Qt.ItemDataRole.BackgroundRole:
                return verdict_colors(run.verdict)[1]
        if role == Qt.ItemDataRole.ToolTipRole and run.error:
            return run.error
        return None


PAIR_COLUMNS = ("Attribute", "Scenario", "Groups", "Log-odds", "Difference")


class PairsTableModel(QAbstractTableModel):
    """The variant pairs that differ most, largest difference first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._pairs: list[VariantPair] = []

    def set_pairs(self, pairs: Sequence[VariantPair]) -> None:
        """Show ``pairs``."""
        self.beginResetModel()
        self._pairs = list(pairs)
        self.endResetModel()

    def pair(self, row: int) -> VariantPair:
        """The pair on ``row``."""
        return self._pairs[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._pairs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PAIR_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return PAIR_COLUMNS[section] if 0 <= section < len(PAIR_COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._pairs):
            return None
        pair = self._pairs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                pair.first.attribute,
                pair.first.probe_id,
                f"{pair.first.group} / {pair.second.group}",
                f"{pair.first_value:+.2f} / {pair.second_value:+.2f}",
                f"{pair.difference:.3f}",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Log-odds of '{pair.role}'; double-click to see both prompts."
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
