"""``workbench generate`` on the real demo model."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.inventory.default_model import DEFAULT_MODEL_NAME


def _generate(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["--home", str(home), "generate", "-m", DEFAULT_MODEL_NAME, "--threads", "1", *args],
    )
    return result.exit_code, result.output


def test_json_result_carries_text_counts_timings_and_fingerprint(home: Path) -> None:
    code, out = _generate(home, "--max-tokens", "12", "--json", "Name a colour.")

    assert code == 0, out
    result = json.loads(out)
    assert result["text"].strip()
    assert result["prompt_tokens"] > 5
    assert 0 < result["completion_tokens"] <= 12
    assert result["finish_reason"] in ("stop", "length")
    assert result["time_to_first_token_s"] > 0
    fingerprint = result["fingerprint"]
    assert len(fingerprint["model_sha256"]) == 64
    assert fingerprint["sampling"]["max_tokens"] == 12


def test_streamed_text_equals_the_json_text_for_the_same_request(home: Path) -> None:
    args = ("--max-tokens", "12", "--seed", "7", "-s", "Answer in one word.", "Capital of France?")
    code, streamed = _generate(home, *args)
    assert code == 0, streamed
    _, as_json = _generate(home, *args, "--json")

    assert streamed.rstrip("\n") == json.loads(as_json)["text"]


def test_unknown_model_is_a_clean_error(home: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(home), "generate", "-m", "nope", "hi"])
    assert result.exit_code == 1
    assert "No model named 'nope'" in result.output


def test_raw_mode_refuses_a_system_message(home: Path) -> None:
    code, out = _generate(home, "--raw", "-s", "be brief", "Once upon a time")
    assert code == 2
    assert "--system needs chat mode" in out
