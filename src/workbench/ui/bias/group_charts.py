"""Per-group bars of P(favourable) with intervals, and the scenario x group heatmap, for one
attribute of a run's decision probes. The bar chart imports pyqtgraph when first shown; the
heatmap is a table whose cells are tinted by their value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.ui.bias.evidence import GroupRate, ScenarioGrid
from workbench.ui.bias.item_models import is_dark

_Index = QModelIndex | QPersistentModelIndex
#: The value (a float, NaN when missing) of a heatmap cell.
ValueRole = Qt.ItemDataRole.UserRole + 2


def heat_color(value: float, dark: bool) -> QColor:
    """A translucent tint for P(favourable) ``value``: red towards 0, blue towards 1, so text
    in the palette's colour stays readable over it on either theme."""
    low, high = (248, 81, 73), (56, 139, 253)
    red, green, blue = (round(a + (b - a) * value) for a, b in zip(low, high, strict=True))
    strength = abs(value - 0.5) * 2
    return QColor(red, green, blue, round((40 + 110 * strength) * (0.9 if dark else 0.7)))


class HeatmapModel(QAbstractTableModel):
    """Scenarios (rows) x groups (columns) of P(favourable)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid: ScenarioGrid | None = None

    def set_grid(self, grid: ScenarioGrid | None) -> None:
        """Show ``grid`` (None clears)."""
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.scenarios)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.groups)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.grid is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        names = (
            self.grid.groups if orientation == Qt.Orientation.Horizontal else self.grid.scenarios
        )
        return names[section] if 0 <= section < len(names) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.grid is None or not index.isValid():
            return None
        value = self.grid.values[index.row()][index.column()]
        if role == ValueRole:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:.2f}" if math.isfinite(value) else "–"
        if role == Qt.ItemDataRole.BackgroundRole and math.isfinite(value):
            return heat_color(value, is_dark())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{self.grid.scenarios[index.row()]}, {self.grid.groups[index.column()]}: "
                f"P(favourable) {value:.3f}"
            )
        return None


class GroupCharts(QWidget):
    """Bars and heatmap for the chosen attribute."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rates: list[GroupRate] = []
        self._grids: dict[str, ScenarioGrid] = {}
        self._dirty = False
        self.chart: Any = None  # a pyqtgraph PlotWidget, made when first shown
        self.attribute_combo = QComboBox()
        self.attribute_combo.setObjectName("groupAttribute")
        self.attribute_combo.currentIndexChanged.connect(self._on_attribute_combo_changed)
        self.empty = QLabel("Per-group rates come from decision probes; this run has none.")
        self.empty.setObjectName("hint")
        self.heatmap_model = HeatmapModel(self)
        self.heatmap = QTableView()
        self.heatmap.setObjectName("biasHeatmap")
        self.heatmap.setModel(self.heatmap_model)
        self.heatmap.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heatmap.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.heatmap)
        top = QHBoxLayout()
        top.addWidget(QLabel("Attribute"))
        top.addWidget(self.attribute_combo, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.splitter, 1)

    def set_evidence(self, rates: Sequence[GroupRate], grids: Sequence[ScenarioGrid]) -> None:
        """Show ``rates`` and ``grids`` (drawn when shown)."""
        self._rates = list(rates)
        self._grids = {g.attribute: g for g in grids}
        current = self.attribute_combo.currentText()
        self.attribute_combo.blockSignals(True)
        self.attribute_combo.clear()
        self.attribute_combo.addItems(list(self._grids))
        self.attribute_combo.setCurrentIndex(max(0, self.attribute_combo.findText(current)))
        self.attribute_combo.blockSignals(False)
        self.empty.setVisible(not self._grids)
        self._show_attribute()

    def current_attribute(self) -> str:
        """The attribute shown."""
        return self.attribute_combo.currentText()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._draw_chart()

    @Slot(int)
    def _on_attribute_combo_changed(self, index: int) -> None:
        self._show_attribute()

    def _show_attribute(self) -> None:
        self.heatmap_model.set_grid(self._grids.get(self.current_attribute()))
        self._dirty = True
        if self.isVisible():
            self._draw_chart()

    def _draw_chart(self) -> None:
        self._dirty = False
        import numpy as np
        import pyqtgraph as pg

        palette = QGuiApplication.palette()
        foreground = palette.color(QPalette.ColorRole.Text)
        if self.chart is None:
            self.chart = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
            self.chart.setObjectName("biasGroupBars")
            self.chart.setMouseEnabled(x=False, y=False)
            self.chart.hideButtons()
            self.chart.setMenuEnabled(False)
            self.chart.setLabel("left", "P(favourable)", color=foreground)
            for name in ("left", "bottom"):
                self.chart.getAxis(name).setPen(pg.mkPen(foreground))
                self.chart.getAxis(name).setTextPen(pg.mkPen(foreground))
            self.splitter.insertWidget(0, self.chart)
            self.splitter.setSizes([300, 300])
        chart = self.chart
        chart.clear()
        rates = [r for r in self._rates if r.attribute == self.current_attribute()]
        if not rates:
            return
        xs = np.arange(len(rates), dtype=float)
        heights = np.array([r.rate for r in rates])
        accent = palette.color(QPalette.ColorRole.Highlight)
        chart.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.6, brush=accent))
        lows = np.array([r.low if math.isfinite(r.low) else r.rate for r in rates])
        highs = np.array([r.high if math.isfinite(r.high) else r.rate for r in rates])
        chart.addItem(
            pg.ErrorBarItem(
                x=xs,
                y=heights,
                top=highs - heights,
                bottom=heights - lows,
                beam=0.2,
                pen=pg.mkPen(foreground, width=1.5),
            )
        )
        ticks = [(float(i), r.group) for i, r in enumerate(rates)]
        chart.getAxis("bottom").setTicks([ticks])
        chart.setXRange(-0.6, len(rates) - 0.4, padding=0)
        chart.setYRange(0, 1.0, padding=0.02)
