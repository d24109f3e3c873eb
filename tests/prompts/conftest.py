"""Fixtures for prompt management tests: a real SQLite store in tmp_path and a known actor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import Store, open_store

ACTOR = "alice"


@pytest.fixture
def actor() -> str:
    """The name every change in these tests is recorded under."""
    return ACTOR


@pytest.fixture
def prompt_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A freshly migrated store (no first-start examples) whose actor is ``alice``."""
    monkeypatch.setenv("WORKBENCH_ACTOR", ACTOR)
    store = open_store(tmp_path / "prompt-home")
    yield store
    store.close()
