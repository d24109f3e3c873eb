"""pyqtgraph plots in the palette's colours: the view on the Base colour, axes, tick labels and
axis titles in the Text colour, so a chart reads on the light and the dark theme alike (as the
bias page's charts do). pyqtgraph is imported only when a plot is made."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QGuiApplication, QPalette

AXES = ("left", "bottom")


def plot_colors(palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, foreground) of a chart: the palette's Base and Text colours."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def style_plot(plot: Any, palette: QPalette | None = None) -> None:
    """Give ``plot`` (a pyqtgraph PlotWidget) the palette's colours (again, after a theme
    change)."""
    import pyqtgraph as pg

    background, foreground = plot_colors(palette)
    plot.setBackground(background)
    for name in AXES:
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
        label = axis.labelText
        if label:
            axis.setLabel(label, color=foreground.name())


def themed_plot(name: str, left_label: str = "", palette: QPalette | None = None) -> Any:
    """A static pyqtgraph PlotWidget called ``name`` in the palette's colours; its left axis is
    titled ``left_label`` as given (no SI prefix added: the label already names the unit)."""
    import pyqtgraph as pg

    background, foreground = plot_colors(palette)
    plot = pg.PlotWidget(background=background)
    plot.setObjectName(name)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    for axis_name in AXES:
        plot.getAxis(axis_name).enableAutoSIPrefix(False)
    if left_label:
        plot.setLabel("left", left_label, color=foreground.name())
    style_plot(plot, palette)
    return plot
