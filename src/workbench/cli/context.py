"""What every command receives: the chosen home and a lazily opened store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from workbench.store import Store, open_store


@dataclass
class CliContext:
    """Shared state of one CLI invocation."""

    home: Path
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        """The store, opened (and first-start initialised) on first use."""
        if self._store is None:
            from workbench.bootstrap import initialise_store

            self._store = open_store(self.home)
            initialise_store(self._store)
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_context = click.make_pass_decorator(CliContext)


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
