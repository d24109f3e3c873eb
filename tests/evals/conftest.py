"""Evaluation fixtures: a scripted model host, a store with the example prompt and a model,
and a demo-model host shared by a module's real runs."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from workbench.engine import (
    ContinuationScore,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    LoadSettings,
    ModelHost,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
)
from workbench.errors import ModelHostCrashedError
from workbench.inventory import add_model
from workbench.prompts.examples import import_example_prompts
from workbench.store import Store, open_store

Responder = Callable[[GenerationRequest, LoadRequest], str]


def user_text(request: GenerationRequest) -> str:
    """The last user message (or the raw prompt) of a request."""
    if request.prompt is not None:
        return request.prompt
    return [m.content for m in request.messages if m.role == "user"][-1]


def echo(request: GenerationRequest, loaded: LoadRequest) -> str:
    """The default scripted model: answers 'Reply to: <last user message>'."""
    return f"Reply to: {user_text(request)}"


@dataclass
class FakeWorld:
    """What every fake host of a test shares: the script and the record of calls."""

    responder: Responder = echo
    pass_logprob: Callable[[str], float] = lambda prompt: math.log(0.8)
    loads: list[LoadRequest] = field(default_factory=list)
    generated: list[GenerationRequest] = field(default_factory=list)
    hosts: list[FakeHost] = field(default_factory=list)
    crash_next: int = 0
    before_generate: Callable[[GenerationRequest], None] | None = None

    def factory(self) -> FakeHost:
        """A new host (what the runner's host factory returns)."""
        host = FakeHost(self)
        self.hosts.append(host)
        return host


class FakeHost:
    """A scripted stand-in for ModelHost: load, generate_text, score, cancel, close."""

    def __init__(self, world: FakeWorld) -> None:
        self.world = world
        self.loaded: LoadRequest | None = None
        self.closed = False
        self._cancelled = threading.Event()

    def load(self, request: LoadRequest) -> ModelInfo:
        self.world.loads.append(request)
        self.loaded = request
        return ModelInfo(
            request.model_path, request.model_sha256, request.model_name, request.settings,
            2048, 100, True, 0.0, {"model_sha256": request.model_sha256},
        )  # fmt: skip

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        assert self.loaded is not None, "generate before load"
        if self.world.crash_next:
            self.world.crash_next -= 1
            raise ModelHostCrashedError("the model process stopped: killed by signal SIGKILL")
        if self.world.before_generate is not None:
            self.world.before_generate(request)
        self.world.generated.append(request)
        rendered = "\n".join(f"{m.role}: {m.content}" for m in request.messages) or (
            request.prompt or ""
        )
        text = self.world.responder(request, self.loaded)
        finish = "cancelled" if self._cancelled.is_set() else "stop"
        self._cancelled.clear()
        return GenerationResult(
            text=text,
            prompt_tokens=len(rendered.split()),
            completion_tokens=len(text.split()),
            time_to_first_token_s=0.01,
            tokens_per_second=100.0,
            total_seconds=0.05,
            finish_reason=finish,  # type: ignore[arg-type]
            fingerprint={
                "model_sha256": self.loaded.model_sha256,
                "prompt_sha256": hashlib.sha256(rendered.encode()).hexdigest(),
                "sampling": request.sampling.to_dict(),
            },
            rendered_prompt=rendered,
        )

    def score(self, request: ScoreRequest) -> ScoreResult:
        logprob_pass = self.world.pass_logprob(request.prompt)
        logprob_fail = math.log1p(-math.exp(logprob_pass))
        scores = tuple(
            ContinuationScore(text, lp, (lp,), (1,))
            for text, lp in zip(request.continuations, (logprob_pass, logprob_fail), strict=True)
        )
        return ScoreResult(scores, 10, 2, 0.01, {})

    def cancel(self) -> None:
        self._cancelled.set()

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def world() -> FakeWorld:
    """The scripted model world of one test."""
    return FakeWorld()


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
