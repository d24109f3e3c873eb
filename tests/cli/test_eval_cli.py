"""``workbench eval`` through click's CliRunner, on a real store, with a scripted model host."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from workbench.cli.eval_cmd import eval_group
from workbench.store import open_store
from workbench.store.audit import list_entries, verify_chain

REPLIES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _scripted_model(script_model: Any) -> None:
    """Answers 'Hello, <message>' unless REPLIES says otherwise; judges everything PASS."""
    REPLIES.clear()
    script_model(lambda message: REPLIES.get(message, f"Hello, {message}"))


SUITE = textwrap.dedent(
    """\
    name: cli-suite
    prompts: [support-reply@1, support-reply@production]
    models: [smollm2-135m-instruct]
    threshold: 0.5
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: lamp, vars: {message: lamp}, assert: [{type: icontains, value: lamp}]}
      - {id: bulb, vars: {message: bulb}, assert: [{type: icontains, value: bulb}]}
      - {id: polite, vars: {message: thanks}, assert: [{type: llm-rubric, value: Is polite}]}
    """
)


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_eval_command_has_help_text(run: Any) -> None:
    assert eval_group.help
    for name, command in eval_group.commands.items():
        assert command.help, name
        assert len(command.help) > 20, name
        assert "Usage:" in ok(run("eval", name, "-h"))


def test_first_start_offers_the_example_suite(run: Any) -> None:
    assert "support-reply-smoke" in ok(run("eval", "suites"))


def test_run_prints_columns_and_stores_the_run(run: Any, suite_file: Path) -> None:
    result = run("eval", "run", str(suite_file))
    output = ok(result)

    assert "Run 1: suite cli-suite@1, finished, 6/6 cells" in output
    assert "support-reply@1 × smollm2-135m-instruct" in output
    assert "100% [" in output
    assert "Threshold 50%: met by every column" in output
    assert "Stored suite cli-suite@1" in result.stderr
    listing = ok(run("eval", "list"))
    assert "cli-suite@1" in listing
    assert "finished" in listing
    assert "pass" in listing


def test_run_json_and_a_failing_threshold_exits_1(run: Any, suite_file: Path) -> None:
    REPLIES.update({"lamp": "No.", "bulb": "No."})

    result = run("eval", "run", str(suite_file), "--json")
    passing = run("eval", "run", "cli-suite", "--threshold", "0.3", "--json")

    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "finished"
    assert data["threshold_passed"] is False
    assert data["summary"]["failing_columns"]
    assert passing.exit_code == 0
    assert json.loads(passing.stdout)["threshold_passed"] is True


def test_show_cell_compare_and_export(run: Any, suite_file: Path, tmp_path: Path) -> None:
    ok(run("eval", "run", str(suite_file)))
    REPLIES.update({"lamp": "Sorry."})
    run("eval", "run", "cli-suite")

    shown = ok(run("eval", "show", "2"))
    cell = ok(run("eval", "cell", "1", "1"))
    compared = ok(run("eval", "compare", "1", "2"))
    ok(run("eval", "export", "2", "--format", "csv", "-o", str(tmp_path / "out.csv")))
    jsonl = ok(run("eval", "export", "2", "--format", "jsonl"))

    assert "✗ #" in shown
    assert "✓ #" in shown
    assert "Paired comparisons" in shown
    assert "Cell 1 of run 1" in cell
    assert "✓ icontains" in cell
    assert "2 regressed, 0 fixed" in compared
    assert "lamp" in compared
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 6
    assert {r["pass"] for r in rows} == {"True", "False"}
    assert len(jsonl.splitlines()) == 6


def test_exports_are_audited_with_the_sha256_of_what_was_written(
    run: Any, suite_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(run("eval", "run", str(suite_file)))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "out.csv"

    to_file = run("eval", "export", "1", "-o", str(target))
    to_stdout = run("eval", "export", "1", "--format", "jsonl")
    to_dash = run("eval", "export", "1", "--format", "jsonl", "-o", "-")
    failed = run("eval", "export", "1", "-o", str(tmp_path / "missing" / "out.csv"))

    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert to_file.exit_code == 0, to_file.output
    assert f"Wrote 6 cells to {target} (sha256 {digest})" in to_file.stderr
    assert len(ok(to_stdout).splitlines()) == 6
    assert ok(to_dash) == to_stdout.stdout  # "-o -" is standard output, not a file named "-"
    assert not (tmp_path / "-").exists()
    assert failed.exit_code == 1
    assert "Could not write" in failed.stderr
    assert not (tmp_path / "missing").exists()
    with open_store(tmp_path / "home") as store:
        entries = list_entries(store, action="eval_run.exported")
        assert verify_chain(store).ok
    assert [(e.subject, e.payload_data) for e in entries[:2]] == [
        ("eval-run:1", {"format": "csv", "cells": 6, "path": str(target), "sha256": digest}),
        (
            "eval-run:1",
            {
                "format": "jsonl",
                "cells": 6,
                "path": None,
                "sha256": hashlib.sha256(to_stdout.stdout_bytes).hexdigest(),
            },
        ),
    ]
    assert len(entries) == 3
    assert entries[2].payload_data == entries[1].payload_data  # the "-o -" one


def test_replay_reports_identical_and_check_fails_on_a_difference(
    run: Any, suite_file: Path
) -> None:
    ok(run("eval", "run", str(suite_file)))

    same = ok(run("eval", "replay", "1", "1"))
    REPLIES.update({"lamp": "Different now.", "bulb": "Different now."})
    changed = run("eval", "replay", "1", "1", "--check")

    assert "identical" in same
    assert changed.exit_code == 1
    assert "DIFFERENT" in changed.stdout


def test_resume_of_a_finished_run_changes_nothing(run: Any, suite_file: Path) -> None:
    ok(run("eval", "run", str(suite_file)))
    assert "6/6 cells" in ok(run("eval", "resume", "1"))


def test_import_a_suite_and_a_promptfoo_config(run: Any, suite_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(
        "prompts: ['Answer: {{ q }}']\nproviders: [openai:gpt-4o]\n"
        "tests:\n  - vars: {q: hi}\n    assert: [{type: python, value: 'True'}]\n",
        encoding="utf-8",
    )

    stored = ok(run("eval", "import", str(suite_file)))
    refused = run("eval", "import", str(config))
    imported = run(
        "eval", "import", str(config), "--map", "openai:gpt-4o=smollm2-135m-instruct",
        "--skip-unsupported", "--name", "pf",
    )  # fmt: skip

    assert "Stored suite cli-suite@1: 2 prompts x 1 model x 3 cases x 1 sample = 6 cells" in stored
    assert refused.exit_code == 1
    assert "provider 'openai:gpt-4o' is not mapped" in refused.output
    assert "assertion type 'python' is not supported" in refused.output
    assert "Stored suite pf@1" in ok(imported)
    assert "skipped: assertion type 'python'" in imported.stdout


def test_a_malformed_suite_is_refused_with_file_line_and_field(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SUITE.replace("threshold: 0.5", "threshold: high"), encoding="utf-8")

    result = run("eval", "run", str(bad))

    assert result.exit_code == 1
    assert f"{bad}:4: threshold: expected a number" in result.output
    assert "cli-suite" not in ok(run("eval", "suites"))


def test_unknown_runs_and_cells_are_clean_errors(run: Any, suite_file: Path) -> None:
    assert "No evaluation run 9" in run("eval", "show", "9").output
    ok(run("eval", "run", str(suite_file)))
    assert "has no finished cell 99" in run("eval", "cell", "1", "99").output


def test_run_takes_prompt_and_model_columns(run: Any, suite_file: Path) -> None:
    ok(run("eval", "import", str(suite_file)))

    output = ok(
        run("eval", "run", "cli-suite", "--prompt", "support-reply@3",
            "--model", "smollm2-135m-instruct", "--json")
    )  # fmt: skip
    refused = run("eval", "run", "cli-suite", "--prompt", "support-reply@42")

    data = json.loads(output)
    assert data["n_cells"] == 3
    assert [c["prompt_id"] for c in data["summary"]["columns"]] == ["support-reply@3"]
    assert refused.exit_code != 0
    assert "42" in refused.output
