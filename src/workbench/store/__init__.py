"""The SQLite store: the only package that writes SQL."""

from workbench.store.database import Store, open_store

__all__ = ["Store", "open_store"]
