"""Evaluation fixtures: a scripted model (see scripted_hosts), a store with the example prompt
and a model, and a demo-model host shared by a module's real runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scripted_hosts import ScriptedModel, judge_passes

from workbench.engine import (
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    LoadSettings,
    ModelHost,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
)
from workbench.inventory import add_model
from workbench.prompts.examples import import_example_prompts
from workbench.store import Store, open_store


@pytest.fixture
def world() -> ScriptedModel:
    """The scripted model of one test: replies 'Reply to: <last user message>', and as a judge
    says PASS with probability 0.8."""
    return ScriptedModel(logprob=judge_passes(0.8))


@pytest.fixture(scope="session")
def demo_metadata(demo_model_path: Path) -> Any:
    """The demo GGUF's metadata, read once per session."""
    from workbench.inventory import read_gguf_metadata

    return read_gguf_metadata(demo_model_path)


@pytest.fixture
def eval_store(tmp_path: Path, demo_model_path: Path, demo_metadata: Any) -> Iterator[Store]:
    """A store with the example prompt (support-reply, versions 1-3) and the demo model
    registered as ``demo`` (no example suite)."""
    store = open_store(tmp_path / "eval-home")
    import_example_prompts(store)
    add_model(store, demo_model_path, name="demo", metadata=demo_metadata)
    yield store
    store.close()


class SharedHost:
    """A real ModelHost shared by several runs: loading the model it has is free, closing is
    left to the fixture."""

    def __init__(self, host: ModelHost) -> None:
        self.host = host
        self.loaded: LoadRequest | None = None
        self.loads = 0

    def load(self, request: LoadRequest) -> ModelInfo:
        if request != self.loaded or self.host.loaded is None:
            self.loads += 1
            self.host.load(request)
            self.loaded = request
        assert self.host.loaded is not None
        return self.host.loaded

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        return self.host.generate_text(request)

    def score(self, request: ScoreRequest) -> ScoreResult:
        return self.host.score(request)

    def cancel(self) -> None:
        self.host.cancel()

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def shared_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedHost]:
    """One real model process per test module (loading the demo model costs time)."""
    host = ModelHost(log_path=tmp_path_factory.mktemp("evals") / "model-host.log")
    yield SharedHost(host)
    host.close()


DEMO_LOAD = LoadSettings(context_size=2048)
