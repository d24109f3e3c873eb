"""The window's pages and the registry that puts them in the sidebar.

A page is any ``QWidget`` built by ``factory(context)``. To give an area its real page, replace its
:class:`PageSpec` factory in :func:`default_pages` (the Prompts page, for one, will be a view over
``workbench.prompts``). A page may define ``page_activated()``, called each time it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from workbench.ui.context import AppContext


@dataclass(frozen=True)
class PageSpec:
    """One sidebar entry: its key, title, icon, tooltip and how to build its page."""

    key: str
    title: str
    icon: str
    tooltip: str
    factory: Callable[[AppContext], QWidget]


def default_pages() -> list[PageSpec]:
    """The product's areas, in sidebar order (Ctrl+1 is the first)."""
    from workbench.ui.pages.bias_page import BiasPage
    from workbench.ui.pages.evaluations_page import EvaluationsPage
    from workbench.ui.pages.models_page import ModelsPage
    from workbench.ui.pages.placeholder import PLACEHOLDERS, PlaceholderPage
    from workbench.ui.pages.playground_page import PlaygroundPage
    from workbench.ui.pages.prompts_page import PromptsPage

    built: dict[str, Callable[[AppContext], QWidget]] = {
        "prompts": PromptsPage,
        "evaluations": EvaluationsPage,
        "bias": BiasPage,
    }

    pages = [
        PageSpec(
            "models", "Models", "models", "The model inventory: add, inspect, load", ModelsPage
        ),
        PageSpec(
            "playground",
            "Playground",
            "playground",
            "Chat with the loaded model; compare two side by side",
            PlaygroundPage,
        ),
    ]
    for placeholder in PLACEHOLDERS:
        pages.append(
            PageSpec(
                placeholder.key,
                placeholder.title,
                placeholder.key,
                placeholder.summary,
                built.get(placeholder.key, partial(PlaceholderPage, placeholder)),
            )
        )
    return pages
