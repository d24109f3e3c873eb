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


def contrast_ratio(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


#: The contrast a chart's points keep against its background (WCAG's for graphics is 3).
POINT_CONTRAST = 4.5


def point_color(palette: QPalette | None = None) -> QColor:
    """The colour of a chart's points: the palette's Highlight, lightened on a dark background
    (darkened on a light one) until it stands out from the Base colour."""
    palette = palette or QGuiApplication.palette()
    background = palette.color(QPalette.ColorRole.Base)
    colour = QColor(palette.color(QPalette.ColorRole.Highlight))
    dark = background.lightnessF() < 0.5
    for _ in range(12):
        if contrast_ratio(colour, background) >= POINT_CONTRAST:
            break
        colour = colour.lighter(115) if dark else colour.darker(115)
    return colour


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
