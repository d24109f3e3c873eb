"""``workbench eval`` after a second QA round: errored cells are listed apart and never as
failures, imports say what a suite lacks to run, Ctrl+C names the run it interrupted, and the
counts read as English."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runs import ok, write_suite

from workbench.cli import eval_cmd
from workbench.errors import EngineError

SUITE = textwrap.dedent(
    """\
    name: round2
    prompts: [support-reply@1]
    models: [smollm2-135m-instruct]
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: lamp, vars: {message: lamp}, assert: [{type: icontains, value: lamp}]}
      - {id: bulb, vars: {message: bulb}, assert: [{type: icontains, value: bulb}]}
    """
)


def write(tmp_path: Path, text: str = SUITE, name: str = "suite.yaml", **replace: str) -> Path:
    """:func:`cli_runs.write_suite`, this module's suite by default."""
    return write_suite(tmp_path, text, name, **replace)


def answering(*refused: str, interrupt: str | None = None) -> Callable[[str], str]:
    """Echo the message, refuse (EngineError) those in ``refused``, Ctrl+C on ``interrupt``."""

    def reply(message: str) -> str:
        if message == interrupt:
            raise KeyboardInterrupt
        if message in refused:
            raise EngineError(f"context too long for {message}")
        return f"Hello, {message}"

    return reply


# -- 1. errored cells -------------------------------------------------------------------------


def test_compare_lists_errored_cells_apart_not_as_regressed(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    path = write(tmp_path)
    script_model(answering())
    ok(run("eval", "run", str(path)))
    script_model(answering("bulb"))
    assert run("eval", "run", "round2").exit_code == 3

    text = ok(run("eval", "compare", "1", "2"))
    data = json.loads(ok(run("eval", "compare", "1", "2", "--json")))

    assert "0 regressed, 0 fixed, 1 still pass, 0 still fail, 1 errored (not compared)" in text
    assert "Regressed:" not in text
    assert "Errored (not evaluated in one run or both: not compared):" in text
    assert (
        "/ bulb: #1 -> #1; errored in run 2: the engine refused: context too long for bulb" in text
    )
    assert data["regressed"] == []
    assert [c["case_id"] for c in data["errored"]] == ["bulb"]
    assert data["errored"][0]["score_b"] is None


def test_a_column_whose_every_cell_errored_fails_the_threshold_and_says_why(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("lamp", "bulb"))

    result = run(
        "eval", "run", str(write(tmp_path, **{"defaultTest:": "threshold: 0.5\ndefaultTest:"}))
    )
    shown = json.loads(run("eval", "show", "1", "--json").stdout)

    assert result.exit_code == 3  # an error wins over the threshold's verdict
    assert "0/0" in result.stdout  # no evaluated cell: nothing passed of nothing
    assert "Threshold 50%: FAILED by support-reply@1 × smollm2-135m-instruct" in result.stdout
    assert "no evaluated cell (every one of its 2 cells errored)" in result.stdout
    assert shown["summary"]["columns"][0]["pass_rate"] is None
    assert [c["pass"] for c in shown["cells"]] == [None, None]


def test_with_repeats_the_matrix_counts_errored_samples_apart(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("bulb"))

    result = run("eval", "run", str(write(tmp_path)), "--repeat", "2")
    shown = run("eval", "show", "1").stdout

    assert result.exit_code == 3
    assert "2/2 #" in shown  # lamp: both samples pass
    assert "2! #" in shown  # bulb: both samples errored, none failed
    assert "0/2" not in shown


# -- 3. what an imported suite lacks to run ---------------------------------------------------


def test_import_warns_about_missing_variables_and_cases_without_assertions(
    run: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        **{"vars: {message: bulb}, assert: [{type: icontains, value: bulb}]": "vars: {}"},
    )

    result = run("eval", "import", str(path))
    as_json = json.loads(run("eval", "import", str(path), "--json").stdout)

    assert "Stored suite round2@1" in ok(result)
    for expected in (
        "Warning: suite round2@1: prompt support-reply@1, case 'bulb': missing variable message",
        "Warning: suite round2@1: 1 case has no assertions (passing whenever the model "
        "answers): bulb",
        "It cannot run until its cases give those variables.",
        "Give those cases 'assert:'",
    ):
        assert expected in result.stderr
    assert "not in the inventory" not in result.stderr
    assert as_json["unasserted_cases"] == ["bulb"]
    assert as_json["missing_variables"] == [
        {"prompt": "support-reply@1", "case": "bulb", "description": None, "variables": ["message"]}
    ]


def test_a_promptfoo_import_warns_about_what_its_tests_lack(run: Any, tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "prompts: ['Answer {{ q }} for {{ who }}']\nproviders: [openai:gpt-4o]\n"
        "tests:\n  - vars: {q: hi, who: me}\n    assert: [{type: contains, value: hi}]\n"
        "  - vars: {q: yo}\n",
        name="promptfooconfig.yaml",
    )

    result = run("eval", "import", str(config), "--map", "openai:gpt-4o=smollm2-135m-instruct")

    assert "Stored suite" in ok(result)
    assert "missing variable who" in result.stderr
    assert "1 case has no assertions" in result.stderr


# -- 4. Ctrl+C and counts ---------------------------------------------------------------------


def test_ctrl_c_in_resume_names_the_run_resumed_not_the_newest(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    path = write(tmp_path)
    script_model(answering(interrupt="bulb"))
    first = run("eval", "run", str(path))
    script_model(answering())
    ok(run("eval", "run", str(write(tmp_path, name="other.yaml", **{"round2": "other"}))))
    script_model(answering(interrupt="bulb"))

    resumed = run("eval", "resume", "1")

    assert first.exit_code == 130
    assert "Resume it with: workbench eval resume 1" in first.stderr
    assert resumed.exit_code == 130
    assert "Resume it with: workbench eval resume 1" in resumed.stderr
    assert "resume 2" not in resumed.stderr


def test_ctrl_c_before_the_run_is_stored_points_at_no_older_run(
    run: Any, script_model: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path)
    script_model(answering())
    ok(run("eval", "run", str(path)))

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(eval_cmd, "run_matrix", interrupted)
    result = run("eval", "run", "round2")

    assert result.exit_code == 130
    assert "Interrupted before the run started; no run was stored." in result.stderr
    assert "eval resume" not in result.stderr


def test_counts_of_one_are_singular_in_the_import_and_run_headers(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())
    path = write(
        tmp_path,
        **{"  - {id: bulb, vars: {message: bulb}, assert: [{type: icontains, value: bulb}]}\n": ""},
    )

    imported = ok(run("eval", "import", str(path)))
    ran = run("eval", "run", "round2")

    assert "Stored suite round2@1: 1 prompt x 1 model x 1 case x 1 sample = 1 cell" in imported
    assert "Run 1: 1 cell\n" in ran.stderr
    assert "1/1 cell\n" in ran.stderr
    assert "Run 1: suite round2@1, finished, 1/1 cell\n" in ran.stdout
