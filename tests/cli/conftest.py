"""CLI test fixtures: a CliRunner over a private home, and a scripted model host for the
evaluation commands (they would otherwise start the demo model in a process of its own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from scripted_hosts import ScriptedModel, judge_passes

from workbench.cli.main import cli
from workbench.evals import runner

ScriptModel = Callable[[Callable[[str], str]], None]


@pytest.fixture
def script_model(monkeypatch: pytest.MonkeyPatch) -> ScriptModel:
    """Make evaluation runs use scripted hosts that answer each chat with ``reply(last
    message)`` and, as a judge, say PASS (0.9)."""

    def install(reply: Callable[[str], str]) -> None:
        model = ScriptedModel(
            responder=lambda request, loaded: reply(request.messages[-1].content),
            logprob=judge_passes(0.9),
        )
        monkeypatch.setattr(runner, "default_host_factory", lambda store: model.factory)

    return install


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """``run(*args)``: the CLI over the home ``tmp_path/home``."""
    runner_ = CliRunner()

    def invoke(*args: str) -> Result:
        return runner_.invoke(cli, ["--home", str(tmp_path / "home"), *args])

    return invoke
