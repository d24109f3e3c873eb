"""First start: what a new store is given so that a new user has something to open."""

from __future__ import annotations

from contextlib import suppress

from workbench.errors import WorkbenchError
from workbench.evals.examples import import_example_suites
from workbench.evals.library import list_suites
from workbench.inventory.default_model import DEFAULT_MODEL_NAME, default_model_path
from workbench.inventory.registry import add_model
from workbench.prompts.examples import import_example_prompts
from workbench.prompts.service import list_prompts
from workbench.store import Store
from workbench.store.settings_repo import get_setting, set_setting

_DEFAULT_MODEL_DONE = "bootstrap.default_model_registered"
_EXAMPLE_PROMPTS_DONE = "bootstrap.example_prompts_imported"
_EXAMPLE_SUITES_DONE = "bootstrap.example_suites_imported"


def initialise_store(store: Store) -> None:
    """Give a new store the default model, the example prompts and the example suite.

    Each is done once: a user who removes the default model does not get it back on the next
    start, and the examples only ever go into a store that has no prompts yet.
    """
    _register_default_model(store)
    _import_example_prompts(store)
    _import_example_suites(store)


def _register_default_model(store: Store) -> None:
    if get_setting(store, _DEFAULT_MODEL_DONE):
        return
    path = default_model_path()
    if path is None:
        return
    # Already registered under that name by hand, or a broken install: not fatal at start.
    with suppress(WorkbenchError):
        add_model(store, path, name=DEFAULT_MODEL_NAME)
    set_setting(store, _DEFAULT_MODEL_DONE, True)


def _import_example_prompts(store: Store) -> None:
    if get_setting(store, _EXAMPLE_PROMPTS_DONE):
        return
    # Each example imports in its own transaction (all or nothing); if the workbench stops
    # before the flag is set, the next start sees prompts in the store and imports nothing.
    if not list_prompts(store):
        # A damaged install must not stop the workbench from starting.
        with suppress(WorkbenchError):
            import_example_prompts(store)
    set_setting(store, _EXAMPLE_PROMPTS_DONE, True)


def _import_example_suites(store: Store) -> None:
    if get_setting(store, _EXAMPLE_SUITES_DONE):
        return
    # As for the prompts: only into a store without suites, and never again once done. The
    # example refers to the example prompt and the default model by name; it is resolved when
    # it runs, so it is stored even where the model is not installed.
    if not list_suites(store):
        with suppress(WorkbenchError):
            import_example_suites(store)
    set_setting(store, _EXAMPLE_SUITES_DONE, True)
