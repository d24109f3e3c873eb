"""``workbench models`` and ``workbench audit`` through the real CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.inventory.default_model import DEFAULT_MODEL_NAME


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    return result.exit_code, result.output


def test_first_use_lists_the_default_model(home: Path) -> None:
    code, out = _run(home, "models", "list", "--json")
    assert code == 0
    [model] = json.loads(out)
    assert model["name"] == DEFAULT_MODEL_NAME
    assert model["architecture"] == "llama"
    assert model["file_type"] == "Q4_1"
    assert "metadata" not in model


def test_add_show_and_remove_a_model(home: Path, demo_model_path: Path) -> None:
    code, out = _run(home, "models", "add", str(demo_model_path), "--name", "second")
    assert code == 0, out
    assert "Added second" in out

    code, out = _run(home, "models", "list")
    assert code == 0
    assert "second" in out
    assert "Q4_1" in out

    code, out = _run(home, "models", "show", "second", "--json")
    shown = json.loads(out)
    assert shown["metadata"]["general.architecture"] == "llama"
    assert shown["context_length"] == 8192

    code, out = _run(home, "models", "rm", "second")
    assert code == 0
    assert "Removed second" in out
    _, out = _run(home, "models", "list", "--json")
    assert [m["name"] for m in json.loads(out)] == [DEFAULT_MODEL_NAME]


def test_bad_file_gives_a_clean_error_and_registers_nothing(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.gguf"
    bad.write_text("hello")

    code, out = _run(home, "models", "add", str(bad))

    assert code == 1
    assert "Error:" in out
    assert "not a GGUF file" in out
    assert str(bad) in out
    assert "Traceback" not in out
    _, out = _run(home, "models", "list", "--json")
    assert [m["name"] for m in json.loads(out)] == [DEFAULT_MODEL_NAME]


def test_unknown_model_names_the_registered_ones(home: Path) -> None:
    code, out = _run(home, "models", "show", "nope")
    assert code == 1
    assert "No model named 'nope'" in out
    assert DEFAULT_MODEL_NAME in out


def test_audit_log_lists_changes_and_verify_detects_tampering(home: Path) -> None:
    _run(home, "models", "rm", DEFAULT_MODEL_NAME)
    code, out = _run(home, "audit", "log", "--json")
    entries = json.loads(out)
    model_actions = [e["action"] for e in entries if e["subject"] == DEFAULT_MODEL_NAME]
    assert model_actions == ["model.added", "model.removed"]
    code, out = _run(home, "audit", "log", "--action", "model.removed", "--json")
    assert [e["subject"] for e in json.loads(out)] == [DEFAULT_MODEL_NAME]

    code, out = _run(home, "audit", "verify")
    assert code == 0
    assert f"{len(entries)} entries" in out

    raw = sqlite3.connect(home / "workbench.db")
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    raw.commit()
    raw.close()

    code, out = _run(home, "audit", "verify")
    assert code == 1
    assert "FAILED at entry 2" in out
