"""Icons drawn as small SVG files (``resources/icons``), rendered crisply at any scale.

Each SVG strokes with ``currentColor``; :class:`SvgIconEngine` substitutes the palette's text
colour at paint time (so icons follow the light/dark theme without being reloaded) and renders
at the device pixel ratio Qt asks for (HiDPI-clean).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
    QPixmapCache,
)
from PySide6.QtSvg import QSvgRenderer

_PLACEHOLDER = "currentColor"


@cache
def _svg_source(name: str) -> str:
    resource = files("workbench.ui") / "resources" / "icons" / f"{name}.svg"
    return resource.read_text(encoding="utf-8")


def icon_names() -> list[str]:
    """Names of every bundled icon."""
    folder = files("workbench.ui") / "resources" / "icons"
    return sorted(p.name.removesuffix(".svg") for p in folder.iterdir() if p.name.endswith(".svg"))


class SvgIconEngine(QIconEngine):
    """Renders one bundled SVG in the current palette's colours (or a fixed colour)."""

    def __init__(self, name: str, color: QColor | None = None) -> None:
        super().__init__()
        self._name = name
        self._color = color
        self._source = _svg_source(name)

    def _color_for(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        if self._color is not None:
            return self._color
        return palette.color(QPalette.ColorRole.WindowText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        """Draw the icon into ``rect``."""
        svg = self._source.replace(_PLACEHOLDER, self._color_for(mode).name())
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """A pixmap of ``size`` device pixels (rendered once per size, mode and colour)."""
        key = f"wb-icon:{self._name}:{size.width()}x{size.height()}:{self._color_for(mode).rgba()}"
        cached = QPixmap()
        if QPixmapCache.find(key, cached):
            return cached
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        pixmap = QPixmap.fromImage(image)
        QPixmapCache.insert(key, pixmap)
        return pixmap

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """A pixmap for ``size`` logical pixels at ``scale`` (rendered, never upscaled)."""
        pixmap = QPixmap(
            self.pixmap(
                QSize(round(size.width() * scale), round(size.height() * scale)), mode, state
            )
        )
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        """A copy of this engine (Qt needs it when an icon is detached)."""
        return SvgIconEngine(self._name, self._color)

    def key(self) -> str:
        """Identifies the engine type."""
        return "workbench-svg"


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """The bundled icon ``name`` (see :func:`icon_names`), optionally in a fixed colour."""
    fixed = QColor(color) if isinstance(color, str) else color
    return QIcon(SvgIconEngine(name, fixed))


def app_icon() -> QIcon:
    """The application's window icon (in the accent colour)."""
    return icon("app", "#2f7dd1")
