"""First start: what a new store is given so that a new user has something to open."""

from __future__ import annotations

from workbench.errors import WorkbenchError
from workbench.inventory.default_model import DEFAULT_MODEL_NAME, default_model_path
from workbench.inventory.registry import add_model
from workbench.store import Store
from workbench.store.settings_repo import get_setting, set_setting

_DEFAULT_MODEL_DONE = "bootstrap.default_model_registered"


def initialise_store(store: Store) -> None:
    """Register the default model the first time the store opens with it installed.

    Done once: a user who removes the default model does not get it back on the next start.
    """
    if get_setting(store, _DEFAULT_MODEL_DONE):
        return
    path = default_model_path()
    if path is None:
        return
    try:
        add_model(store, path, name=DEFAULT_MODEL_NAME)
    except WorkbenchError:
        # Already registered under that name by hand, or a broken install: not fatal at start.
        pass
    set_setting(store, _DEFAULT_MODEL_DONE, True)
