"""``workbench eval`` after a third review: errored cells fail the threshold and have no verdict
anywhere in JSON, an explicit --judge is always checked (and said to be unused when no case
needs it), and what is printed reads right for one cell, a column with no rate, and a suite
whose only unresolved reference is its judge."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_runs import ok, write_suite

from workbench.errors import EngineError

MODEL = "smollm2-135m-instruct"
SUITE = textwrap.dedent(
    f"""\
    name: round3
    prompts: [support-reply@1]
    models: [{MODEL}]
    threshold: 0.5
    defaultTest:
      vars: {{customer_name: Ada}}
      assert: [{{type: icontains, value: hello}}]
    tests:
    """
) + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(10))


def write(tmp_path: Path, text: str = SUITE, **replace: str) -> Path:
    """:func:`cli_runs.write_suite`, this module's suite by default, as suite.yaml."""
    return write_suite(tmp_path, text, **replace)


def answering(*refused: str) -> Callable[[str], str]:
    """Echo the message, refuse (EngineError) those in ``refused``."""

    def reply(message: str) -> str:
        if message in refused:
            raise EngineError(f"context too long for {message}")
        return f"Hello, {message}"

    return reply


# -- 1. errored cells fail the threshold ------------------------------------------------------


def test_a_column_with_nine_errored_cells_of_ten_fails_the_threshold(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering(*(f"m{i}" for i in range(1, 10))))

    result = run("eval", "run", str(write(tmp_path)))
    listed = ok(run("eval", "list"))
    as_json = json.loads(ok(run("eval", "list", "--json")))

    assert result.exit_code == 3
    assert f"Threshold 50%: FAILED by support-reply@1 × {MODEL}" in result.stdout
    assert "9 of 10 cells errored (not evaluated)" in result.stdout
    assert "FAIL" in listed.splitlines()[2]  # the run row, under the header and its rule
    assert as_json[0]["threshold_passed"] is False


# -- 2. errored cells have no verdict in JSON -------------------------------------------------


def test_show_cell_and_export_give_an_errored_cell_no_verdict_in_its_grading(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("m1"))
    assert run("eval", "run", str(write(tmp_path))).exit_code == 3

    shown = json.loads(ok(run("eval", "show", "1", "--json")))
    (errored,) = [c for c in shown["cells"] if c["status"] == "error"]
    one = json.loads(ok(run("eval", "cell", "1", str(errored["number"]), "--json")))
    exported = [json.loads(line) for line in ok(run("eval", "export", "1", "--format", "jsonl"))
                .splitlines()]  # fmt: skip
    (row,) = [r for r in exported if r["status"] == "error"]

    for data in (errored, one, row):
        assert (data["pass"], data["score"]) == (None, None)
        assert (data["grading"]["pass"], data["grading"]["score"]) == (None, None)
        assert "context too long for m1" in data["grading"]["reason"]


# -- 3. an explicit --judge is always checked -------------------------------------------------


def test_a_mistyped_judge_is_refused_though_no_case_needs_a_judge(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())
    path = write(tmp_path)

    from_file = run("eval", "run", str(path), "--judge", "smollm2-135m-instrct")
    ok(run("eval", "import", str(path)))
    stored = run("eval", "run", "round3", "--judge", "smollm2-135m-instrct")

    for result in (from_file, stored):
        assert result.exit_code == 1
        assert "judge model 'smollm2-135m-instrct' is not in the inventory" in result.output
        assert "unused" not in result.output
    assert "No runs yet" in ok(run("eval", "list"))


def test_a_known_judge_no_case_needs_is_noted_as_unused(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())

    result = run("eval", "run", str(write(tmp_path)), "--judge", MODEL, "--json")

    ok(result)
    note = [line for line in result.stderr.splitlines() if "unused" in line]
    assert note == [
        f"Note: judge '{MODEL}' (--judge) is unused: no case of this run has an assertion "
        "that needs a judge (llm-rubric)."
    ]
    json.loads(result.stdout)  # the note stays off standard output


def test_no_note_when_a_case_needs_the_judge(run: Any, script_model: Any, tmp_path: Path) -> None:
    script_model(answering())
    path = write(tmp_path, **{"type: icontains, value: hello": "type: llm-rubric, value: kind"})

    result = run("eval", "run", str(path), "--judge", MODEL)

    assert "unused" not in ok(result) + result.stderr


# -- 4. what is printed -----------------------------------------------------------------------


def test_a_column_whose_only_cell_errored_prints_no_interval_and_reads_in_the_singular(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("m0"))
    one_case = SUITE.split("  - {id: c1")[0]

    result = run("eval", "run", str(write(tmp_path, one_case)))

    assert result.exit_code == 3
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("support-reply@1")]
    assert "[" not in row  # no interval
    assert "0%" not in row
    assert " 0/0 " in row
    assert " - " in row
    assert "no evaluated cell (its only cell errored)" in result.stdout
    assert "1 cells" not in result.stdout + result.stderr


def test_an_import_whose_only_unresolved_reference_is_the_judge_gives_no_column_hint(
    run: Any, tmp_path: Path
) -> None:
    judged = write(
        tmp_path,
        **{
            "threshold: 0.5": "judge: nojudge",
            "type: icontains, value: hello": "type: llm-rubric, value: kind",
        },
    )

    result = run("eval", "import", str(judged))

    assert "Warning: suite round3@1: judge model 'nojudge' is not in the inventory" in (
        result.stderr
    )
    assert "--prompt/--model" not in result.stderr
    assert "Runs using those columns" not in result.stderr
    assert "--judge can name another" in result.stderr


def test_an_import_with_an_unresolved_model_still_gives_the_column_hint(
    run: Any, tmp_path: Path
) -> None:
    result = run("eval", "import", str(write(tmp_path, **{f"[{MODEL}]": f"[{MODEL}, nomodel]"})))

    assert "--prompt/--model can pick the others" in result.stderr


# -- 5. import --json names cases by id -------------------------------------------------------


def test_import_json_names_a_case_by_its_id_and_gives_its_description_apart(
    run: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        **{"{id: c0, vars: {message: m0}}": "{id: c0, description: Ada asks, vars: {}}"},
    )

    as_json = json.loads(ok(run("eval", "import", str(path), "--json")))

    assert as_json["missing_variables"] == [
        {"prompt": "support-reply@1", "case": "c0", "description": "Ada asks",
         "variables": ["message"]}
    ]  # fmt: skip
