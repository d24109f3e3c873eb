"""Colours of the Evaluations page's rich text that read well on the light and the dark theme.

They reuse the app's schemes rather than adding another: the word diff takes the prompt diff
view's word tints (:func:`workbench.ui.prompts.colors.diff_tints`), made opaque over the
palette's base so Qt's rich text draws them as the diff view does; verdict words take the bias
page's verdict text colours (strong text of the hue, light on dark, dark on light).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from workbench.bias import Verdict
from workbench.ui.bias.item_models import verdict_colors
from workbench.ui.prompts.colors import diff_tints, muted_color


def over_base(tint: QColor, palette: QPalette | None = None) -> QColor:
    """``tint`` (translucent) laid over the palette's base colour, as an opaque colour."""
    palette = palette or QGuiApplication.palette()
    base = palette.color(QPalette.ColorRole.Base)
    alpha = tint.alphaF()
    return QColor(
        round(tint.red() * alpha + base.red() * (1 - alpha)),
        round(tint.green() * alpha + base.green() * (1 - alpha)),
        round(tint.blue() * alpha + base.blue() * (1 - alpha)),
    )


@dataclass(frozen=True)
class DetailColors:
    """Hex colours of the cell detail's rich text for one palette."""

    removed: str  # background of removed words in a word diff
    added: str  # background of added words
    passed: str  # text of a pass verdict
    failed: str
    error: str
    muted: str  # hints


def detail_colors(palette: QPalette | None = None) -> DetailColors:
    """The cell detail's colours for ``palette`` (default: the application's)."""
    palette = palette or QGuiApplication.palette()
    tints = diff_tints()
    return DetailColors(
        removed=over_base(tints.delete_word, palette).name(),
        added=over_base(tints.insert_word, palette).name(),
        passed=verdict_colors(Verdict.PASS, palette)[0].name(),
        failed=verdict_colors(Verdict.FAIL, palette)[0].name(),
        error=verdict_colors(Verdict.INCONCLUSIVE, palette)[0].name(),
        muted=muted_color(palette).name(),
    )
