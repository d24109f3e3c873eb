"""Light, dark or the system's colour scheme, on the Fusion style everywhere.

Fusion looks the same on every platform and takes a palette fully, so "dark" is really dark on
Linux too (where platform themes vary). "system" follows the colour scheme the platform reports.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

THEMES = ("system", "light", "dark")
ACCENT = "#2f7dd1"

_STYLE_SHEET = """
QListWidget#sidebar {
    border: none; border-right: 1px solid palette(mid); padding-top: 8px;
    background: palette(alternate-base); font-size: 10.5pt; outline: 0;
}
QListWidget#sidebar::item { padding: 7px 10px; border-radius: 5px; margin: 1px 6px; border: none; }
QListWidget#sidebar::item:hover { background: palette(midlight); }
QListWidget#sidebar::item:selected {
    background: palette(highlight); color: palette(highlighted-text);
}
QLineEdit#factValue { border: none; background: transparent; padding: 0; }
QLabel#pageTitle { font-size: 15pt; font-weight: 600; }
QLabel#placeholderText { font-size: 10.5pt; }
QLabel#muted { color: palette(placeholder-text); }
QFrame#laneHeader { border-bottom: 1px solid palette(mid); }
"""


_OUTLINED = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
)


class WorkbenchStyle(QProxyStyle):
    """Fusion, with check boxes that can be seen on a dark palette.

    Fusion outlines a check box in the window colour darkened, which on a dark palette is
    nearly black on a nearly black box: an unchecked box all but vanishes (in lists too). On
    dark palettes the indicator gets a light outline drawn over Fusion's own.
    """

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Fusion's drawing, plus the outline of check boxes on dark palettes."""
        super().drawPrimitive(element, option, painter, widget)
        if element in _OUTLINED and option.palette.color(QPalette.ColorRole.Base).lightness() < 96:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(option.palette.color(QPalette.ColorRole.PlaceholderText), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(option.rect.adjusted(1, 1, -1, -1).toRectF(), 2, 2)
            painter.restore()


def resolved_scheme(theme: str) -> str:
    """'light' or 'dark': what ``theme`` means on this machine now."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply ``theme`` (system, light or dark) to the whole app; return the scheme used.

    Re-applying the scheme already in use does nothing (repolishing every widget is not free).
    """
    scheme = resolved_scheme(theme if theme in THEMES else "system")
    if app.property("workbenchScheme") == scheme:
        return scheme
    if not app.property("workbenchStyled"):
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(WorkbenchStyle(fusion))
            app.setProperty("workbenchStyled", True)
    app.setPalette(dark_palette() if scheme == "dark" else light_palette())
    app.setStyleSheet(_STYLE_SHEET)
    app.setProperty("workbenchScheme", scheme)
    return scheme


def light_palette() -> QPalette:
    """A light palette with the workbench accent."""
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#f4f5f7",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f2f4f7",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#eceef1",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#6a737d",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#1f6feb",
        QPalette.ColorRole.Mid: "#c9ced6",
        QPalette.ColorRole.Midlight: "#e1e4e8",
        QPalette.ColorRole.Dark: "#a0a7b1",
        QPalette.ColorRole.Light: "#ffffff",
        QPalette.ColorRole.Shadow: "#8a9099",
    }
    _fill(palette, colors, disabled_text="#9aa1aa")
    return palette


def dark_palette() -> QPalette:
    """A dark palette with the workbench accent."""
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1f2227",
        QPalette.ColorRole.WindowText: "#e3e6ea",
        QPalette.ColorRole.Base: "#16181c",
        QPalette.ColorRole.AlternateBase: "#1c1f24",
        QPalette.ColorRole.Text: "#e3e6ea",
        QPalette.ColorRole.Button: "#2a2e35",
        QPalette.ColorRole.ButtonText: "#e3e6ea",
        QPalette.ColorRole.ToolTipBase: "#2a2e35",
        QPalette.ColorRole.ToolTipText: "#e3e6ea",
        QPalette.ColorRole.PlaceholderText: "#8b939e",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#58a6ff",
        QPalette.ColorRole.Mid: "#3a3f47",
        QPalette.ColorRole.Midlight: "#30343b",
        QPalette.ColorRole.Dark: "#121417",
        QPalette.ColorRole.Light: "#3d424a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    _fill(palette, colors, disabled_text="#666d77")
    return palette


def _fill(palette: QPalette, colors: dict[QPalette.ColorRole, str], *, disabled_text: str) -> None:
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
