"""CLI test fixtures: a CliRunner over a private home, and a scripted model host for the
evaluation commands (they would otherwise start the demo model in a process of its own)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from workbench.cli.main import cli
from workbench.engine import (
    ContinuationScore,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
)
from workbench.evals import runner


class ScriptedHost:
    """Answers each chat with ``reply(last user message)``; judges everything PASS (0.9)."""

    def __init__(self, reply: Callable[[str], str]) -> None:
        self.reply = reply

    def load(self, request: LoadRequest) -> ModelInfo:
        self.loaded = request
        return ModelInfo(request.model_path, request.model_sha256, request.model_name,
                         request.settings, 2048, 100, True, 0.0, {})  # fmt: skip

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        message = request.messages[-1].content
        text = self.reply(message)
        return GenerationResult(
            text, 10, len(text.split()), 0.01, 90.0, 0.05, "stop",
            {"model_sha256": self.loaded.model_sha256, "sampling": request.sampling.to_dict()},
            message,
        )  # fmt: skip

    def score(self, request: ScoreRequest) -> ScoreResult:
        lps = (math.log(0.9), math.log(0.1))
        scores = tuple(
            ContinuationScore(c, lp, (lp,), (1,))
            for c, lp in zip(request.continuations, lps, strict=True)
        )
        return ScoreResult(scores, 10, 2, 0.0, {})

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


ScriptModel = Callable[[Callable[[str], str]], None]


@pytest.fixture
def script_model(monkeypatch: pytest.MonkeyPatch) -> ScriptModel:
    """Make evaluation runs use a :class:`ScriptedHost` that answers with ``reply``."""

    def install(reply: Callable[[str], str]) -> None:
        monkeypatch.setattr(
            runner, "default_host_factory", lambda store: lambda: ScriptedHost(reply)
        )

    return install


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """``run(*args)``: the CLI over the home ``tmp_path/home``."""
    runner_ = CliRunner()

    def invoke(*args: str) -> Result:
        return runner_.invoke(cli, ["--home", str(tmp_path / "home"), *args])

    return invoke
