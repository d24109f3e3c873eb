"""Bundled SVG icons render crisply at any scale; figures read well."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from workbench.engine.messages import GenerationResult, LoadSettings
from workbench.ui.formatting import human_bytes, human_count, load_settings_text, reply_stats_text
from workbench.ui.icons import icon, icon_names

PAGE_ICONS = {"models", "playground", "prompts", "evaluations", "bias", "governance", "reports"}


def test_every_page_and_action_has_an_icon() -> None:
    assert PAGE_ICONS | {"send", "stop", "copy", "clear", "settings", "add", "remove"} <= set(
        icon_names()
    )


@pytest.mark.parametrize("name", icon_names())
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_icons_render_at_the_device_pixel_ratio(qapp: Any, name: str, scale: float) -> None:
    pixmap = icon(name).pixmap(QSize(24, 24), scale)
    image = pixmap.toImage()

    assert pixmap.devicePixelRatio() == scale
    assert (image.width(), image.height()) == (round(24 * scale), round(24 * scale))
    painted = sum(
        image.pixelColor(x, y).alpha() > 0
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )
    assert painted > 10, f"{name} rendered empty"


def test_disabled_icons_are_drawn_differently(qapp: Any) -> None:
    normal = icon("send").pixmap(QSize(24, 24), 1.0, QIcon.Mode.Normal).toImage()
    disabled = icon("send").pixmap(QSize(24, 24), 1.0, QIcon.Mode.Disabled).toImage()
    assert normal != disabled


def test_figures_read_well() -> None:
    assert human_bytes(98_362_432) == "93.8 MiB"
    assert human_count(134_515_008) == "134.5M"
    assert load_settings_text(
        LoadSettings(context_size=4096, threads=4, gpu_layers=-1, seed=3)
    ) == ("ctx 4096 · 4 threads · all layers on GPU · seed 3")
    result = GenerationResult("x", 10, 32, 0.05, 101.23, 0.4, "length", {})
    assert reply_stats_text(result) == (
        "10 prompt tokens · 32 reply tokens · 101.2 tok/s · first token 50 ms · hit max tokens"
    )
