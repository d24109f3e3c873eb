"""The example suites shipped with the workbench, stored in a new store on first start.

They live in ``workbench/resources/suites/`` inside the package, so they ship in the wheel and
are found with :mod:`importlib.resources` wherever the package is installed.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable

from workbench.evals.library import StoredSuite, save_suite
from workbench.evals.suite_yaml import load_suite_text
from workbench.store import Store

_PACKAGE, _FOLDER = "workbench", "resources/suites"


def example_suite_files() -> list[Traversable]:
    """The shipped example suite files, by name."""
    directory = importlib.resources.files(_PACKAGE).joinpath(_FOLDER)
    return sorted(
        (item for item in directory.iterdir() if item.name.endswith((".yaml", ".yml"))),
        key=lambda item: item.name,
    )


def import_example_suites(store: Store) -> list[StoredSuite]:
    """Store every example suite (each in its own transaction; known content is not repeated)."""
    stored = []
    for item in example_suite_files():
        source = f"example:{item.name}"
        suite = load_suite_text(item.read_text(encoding="utf-8"), source=source)
        stored.append(save_suite(store, suite, origin=source)[0])
    return stored
