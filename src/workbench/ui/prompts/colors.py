"""Colours of the prompt editor and diff view that read well on the light and the dark theme.

Text keeps the palette's colours everywhere. Diff tints are translucent, so the palette's base
shows through them: the same red and green work over white and over near-black.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's text background is dark."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def muted_color(palette: QPalette | None = None) -> QColor:
    """Secondary text (line numbers, comments, hints)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.PlaceholderText)


def error_color(palette: QPalette | None = None) -> QColor:
    """Error text and underlines."""
    return QColor("#ff7b72" if is_dark(palette) else "#cf222e")


@dataclass(frozen=True)
class SyntaxColors:
    """Colours of template syntax: ``{{ expressions }}``, ``{% tags %}`` and ``{# comments #}``."""

    expression: QColor
    expression_background: QColor
    tag: QColor
    comment: QColor


def syntax_colors(palette: QPalette | None = None) -> SyntaxColors:
    """Template syntax colours for the current theme."""
    if is_dark(palette):
        return SyntaxColors(
            QColor("#79c0ff"), QColor(56, 139, 253, 38), QColor("#d2a8ff"), muted_color(palette)
        )
    return SyntaxColors(
        QColor("#0550ae"), QColor(9, 105, 218, 24), QColor("#8250df"), muted_color(palette)
    )


@dataclass(frozen=True)
class DiffTints:
    """Backgrounds of the diff view: whole changed lines, the changed words inside them, the
    filler rows that keep both sides aligned, and message headings."""

    delete_line: QColor
    insert_line: QColor
    delete_word: QColor
    insert_word: QColor
    filler: QColor
    heading: QColor


def diff_tints() -> DiffTints:
    """Translucent tints, readable on both themes."""
    return DiffTints(
        delete_line=QColor(248, 81, 73, 38),
        insert_line=QColor(46, 160, 67, 38),
        delete_word=QColor(248, 81, 73, 115),
        insert_word=QColor(46, 160, 67, 115),
        filler=QColor(128, 128, 128, 30),
        heading=QColor(128, 128, 128, 52),
    )
