"""The example prompts shipped with the workbench, imported into a new, empty store.

They live in ``workbench/resources/prompts/`` inside the package, so they ship in the wheel
and are found with :mod:`importlib.resources` wherever the package is installed.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable

from workbench.prompts.transfer import ImportResult, import_prompt_text
from workbench.store import Store

_RESOURCES = ("workbench", "resources/prompts")


def example_prompt_files() -> list[Traversable]:
    """The shipped example prompt files, by name."""
    package, folder = _RESOURCES
    directory = importlib.resources.files(package).joinpath(folder)
    return sorted(
        (item for item in directory.iterdir() if item.name.endswith((".yaml", ".yml"))),
        key=lambda item: item.name,
    )


def import_example_prompts(store: Store) -> list[ImportResult]:
    """Import every example prompt (each under the import rule, so never over history)."""
    return [
        import_prompt_text(store, item.read_text(encoding="utf-8"), source=f"example:{item.name}")
        for item in example_prompt_files()
    ]
