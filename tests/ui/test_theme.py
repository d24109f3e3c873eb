"""The dark theme keeps check boxes visible: Fusion's own outline vanishes on a dark base."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QCheckBox, QStyle, QStyleOptionButton

from workbench.ui.theme import apply_theme


def outline_lightness(qtbot: Any, scheme: str) -> tuple[int, int]:
    """(brightest pixel of an unchecked box's indicator, the box's base lightness)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.property("workbenchScheme") or "light"
    apply_theme(app, scheme)
    try:
        box = QCheckBox("Unchecked")
        qtbot.addWidget(box)
        box.resize(120, 30)
        box.show()
        qtbot.waitExposed(box)
        option = QStyleOptionButton()
        box.initStyleOption(option)
        rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        image = box.grab().toImage()
        brightest = max(
            image.pixelColor(x, y).lightness()
            for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)
        )
        return brightest, box.palette().base().color().lightness()
    finally:
        apply_theme(app, str(previous))


def test_an_unchecked_box_stands_out_on_the_dark_theme(qtbot: Any) -> None:
    brightest, base = outline_lightness(qtbot, "dark")

    assert base < 40
    assert brightest > base + 80  # the outline, drawn light over the dark box
