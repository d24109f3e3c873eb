"""Forest plots: for each attribute, every group's estimate with its interval, the tolerance
band shaded. pyqtgraph (about half a second to import) is imported the first time the plots
are shown, not when the page is built."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.bias import MetricResult
from workbench.ui.bias.item_models import verdict_colors

ROW_HEIGHT = 30
PLOT_MARGIN = 70

#: Where "no difference" lies for each metric (a dashed line).
NULL_VALUE = {"impact_ratio": 1.0, "preference_rate": 0.5, "flip_rate": 0.0}


def null_value(metric: str) -> float:
    """The value of ``metric`` that means no difference between groups."""
    if metric in NULL_VALUE:
        return NULL_VALUE[metric]
    if "ratio" in metric:
        return 1.0
    if "preference" in metric:
        return 0.5
    return 0.0


class ForestPlots(QWidget):
    """One forest plot per attribute for the chosen metric."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._results: list[MetricResult] = []
        self._dirty = False
        self.plots: dict[str, Any] = {}  # attribute -> pyqtgraph PlotWidget
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("forestMetric")
        self.metric_combo.currentIndexChanged.connect(self._on_metric_combo_changed)
        self.empty = QLabel("Open a run to see its forest plots.")
        self.empty.setObjectName("hint")
        self._plots_host = QWidget()
        self._plots_layout = QVBoxLayout(self._plots_host)
        self._plots_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._plots_host)
        top = QHBoxLayout()
        top.addWidget(QLabel("Metric"))
        top.addWidget(self.metric_combo, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)

    def set_results(self, results: Sequence[MetricResult]) -> None:
        """Plot ``results`` (drawn now if shown, else when first shown)."""
        self._results = list(results)
        metrics = list(dict.fromkeys(r.metric for r in self._results))
        current = self.metric_combo.currentData()
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for metric in metrics:
            self.metric_combo.addItem(metric.replace("_", " "), metric)
        preferred = current if current in metrics else ("effect" if "effect" in metrics else None)
        self.metric_combo.setCurrentIndex(max(0, self.metric_combo.findData(preferred)))
        self.metric_combo.blockSignals(False)
        self._request_draw()

    def current_metric(self) -> str | None:
        """The metric plotted."""
        data = self.metric_combo.currentData()
        return str(data) if data else None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._draw()

    @Slot(int)
    def _on_metric_combo_changed(self, index: int) -> None:
        self._request_draw()

    def _request_draw(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._draw()

    def _draw(self) -> None:
        self._dirty = False
        for plot in self.plots.values():
            self._plots_layout.removeWidget(plot)
            plot.deleteLater()
        self.plots = {}
        metric = self.current_metric()
        chosen = [r for r in self._results if r.metric == metric]
        self.empty.setVisible(not chosen)
        if not chosen:
            return
        import pyqtgraph as pg

        by_attribute: dict[str, list[MetricResult]] = defaultdict(list)
        for result in chosen:
            by_attribute[result.attribute].append(result)
        palette = QGuiApplication.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        for attribute, rows in by_attribute.items():
            plot = pg.PlotWidget(background=background)
            plot.setObjectName(f"forest-{attribute}")
            plot.setFixedHeight(PLOT_MARGIN + ROW_HEIGHT * len(rows))
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(foreground))
                axis.setTextPen(pg.mkPen(foreground))
            plot.setTitle(f"{attribute}: {(metric or '').replace('_', ' ')}", color=foreground)
            self._draw_attribute(pg, plot, rows, foreground)
            self._plots_layout.insertWidget(self._plots_layout.count() - 1, plot)
            self.plots[attribute] = plot

    @staticmethod
    def _draw_attribute(pg: Any, plot: Any, rows: list[MetricResult], foreground: Any) -> None:
        import numpy as np

        band_low, band_high = rows[0].band_low, rows[0].band_high
        band = pg.LinearRegionItem(
            values=(band_low, band_high),
            orientation="vertical",
            movable=False,
            brush=pg.mkBrush(46, 160, 67, 50),
            pen=pg.mkPen(46, 160, 67, 120),
        )
        band.setZValue(-10)
        plot.addItem(band)
        plot.addItem(
            pg.InfiniteLine(
                pos=null_value(rows[0].metric),
                angle=90,
                pen=pg.mkPen(foreground, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
            )
        )
        ys = np.arange(len(rows), dtype=float)[::-1]
        finite = [
            (y, r)
            for y, r in zip(ys, rows, strict=True)
            if all(math.isfinite(v) for v in (r.estimate, r.ci_low, r.ci_high))
        ]
        if finite:
            x = np.array([r.estimate for _, r in finite])
            plot.addItem(
                pg.ErrorBarItem(
                    x=x,
                    y=np.array([y for y, _ in finite]),
                    left=x - np.array([r.ci_low for _, r in finite]),
                    right=np.array([r.ci_high for _, r in finite]) - x,
                    beam=0.25,
                    pen=pg.mkPen(foreground, width=1.5),
                )
            )
            plot.addItem(
                pg.ScatterPlotItem(
                    x=x,
                    y=np.array([y for y, _ in finite]),
                    size=9,
                    symbol="s",
                    brush=[pg.mkBrush(verdict_colors(r.verdict)[0]) for _, r in finite],
                    pen=pg.mkPen(foreground),
                )
            )
        labels = [
            (float(y), f"{r.group} vs {r.reference}" if r.reference else r.group)
            for y, r in zip(ys, rows, strict=True)
        ]
        plot.getAxis("left").setTicks([labels])
        plot.getAxis("left").setWidth(150)
        plot.setYRange(-0.6, len(rows) - 0.4, padding=0)
        xs = [band_low, band_high, null_value(rows[0].metric)]
        xs += [v for _, r in finite for v in (r.ci_low, r.ci_high)]
        span = max(xs) - min(xs) or 1.0
        plot.setXRange(min(xs) - 0.08 * span, max(xs) + 0.08 * span, padding=0)
