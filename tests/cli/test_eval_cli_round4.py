"""``workbench eval`` after a fourth QA round: a comparison of runs with different repeats says
what its two kinds of count count, reasons are cut at a word with an ellipsis and a cell
errored in both runs says so, resuming a finished run says there was nothing to resume, and
a run with repeats counts its stored results as samples."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_runs import ok, write_suite

from workbench.cli.eval_text import clip
from workbench.errors import EngineError

MODEL = "smollm2-135m-instruct"
SUITE = textwrap.dedent(
    f"""\
    name: round4
    prompts: [support-reply@1]
    models: [{MODEL}]
    threshold: 0.5
    defaultTest:
      vars: {{customer_name: Ada}}
      assert: [{{type: icontains, value: hello}}]
    tests:
    """
) + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(3))
LONG_REASON = (
    "the prompt of this case is far too long for the context window the model was "
    "loaded with a context of 2048 tokens"
)


def answering(*refused: str, reason: str = "context too long") -> Callable[[str], str]:
    """Echo the message, refuse (EngineError ``reason``) those in ``refused``."""

    def reply(message: str) -> str:
        if message in refused:
            raise EngineError(reason)
        return f"Hello, {message}"

    return reply


# -- 1. a comparison says which count is of samples and which of cases ------------------------


def test_comparing_runs_with_different_repeats_names_samples_and_majority_per_case(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())
    suite = str(write_suite(tmp_path, SUITE))
    ok(run("eval", "run", suite))
    ok(run("eval", "run", suite, "--repeat", "2"))

    text = ok(run("eval", "compare", "1", "2"))
    as_json = json.loads(ok(run("eval", "compare", "1", "2", "--json")))

    assert "3 samples matched (same case, column and repeat): 0 regressed" in text
    assert "Unmatched: 0 samples only in run 1, 3 only in run 2" in text
    assert "per case, by the majority of its samples: 0 fixed, 0 broken of 3 cases" in text
    assert "matched cell" not in text
    assert as_json["matched"] == 3
    assert "samples" in as_json["counts"]["matched"]
    assert "majority" in as_json["counts"]["tests"]


def test_comparing_runs_without_repeats_keeps_speaking_of_cells(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())
    suite = str(write_suite(tmp_path, SUITE))
    ok(run("eval", "run", suite))
    ok(run("eval", "run", suite))

    text = ok(run("eval", "compare", "1", "2"))

    assert "3 matched cells, 0 regressed" in text
    assert "majority" not in text


# -- 2. reasons cut at a word, errors in both runs ------------------------------------------


def test_clip_cuts_at_a_word_boundary_and_ends_with_an_ellipsis() -> None:
    assert clip("short reason", 100) == "short reason"
    assert clip("loaded with a context", 18) == "loaded with a…"
    assert clip("x" * 30, 10) == "x" * 9 + "…"
    assert len(clip(LONG_REASON, 100)) <= 100
    # A long last word (a path) is cut inside, not dropped with everything after the space.
    path = "Model file missing: /home/alice/.local/share/workbench/models/qwen2.5-0.5b-q4_k_m.gguf"
    assert clip(path, 60) == path[:59] + "…"
    assert clip("a " + "b" * 100, 40) == "a " + "b" * 37 + "…"
    assert clip("-" * 50, 10) == "-" * 9 + "…"


def test_a_cell_errored_in_both_runs_says_both_and_its_reason_is_cut_at_a_word(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("m1", reason=LONG_REASON))
    suite = str(write_suite(tmp_path, SUITE))
    assert run("eval", "run", suite).exit_code == 3
    assert run("eval", "run", suite).exit_code == 3

    text = ok(run("eval", "compare", "1", "2"))
    (line,) = [line for line in text.splitlines() if "errored in" in line]

    assert "errored in both runs: " in line
    assert "errored in run 1" not in line
    assert line.endswith("…")
    assert line.rstrip("…").split()[-1] in LONG_REASON.split()  # a whole word


def test_a_cell_errored_in_one_run_names_that_run(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    suite = str(write_suite(tmp_path, SUITE))
    script_model(answering())
    ok(run("eval", "run", suite))
    script_model(answering("m1"))
    assert run("eval", "run", suite).exit_code == 3

    text = ok(run("eval", "compare", "1", "2"))

    assert "errored in run 2: the engine refused: context too long" in text
    assert "both runs" not in text


# -- 3. resuming a finished run ---------------------------------------------------------------


def test_resuming_a_finished_run_says_there_is_nothing_to_resume_and_exits_0(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering())
    ok(run("eval", "run", str(write_suite(tmp_path, SUITE))))

    result = run("eval", "resume", "1")

    assert result.exit_code == 0
    assert "Run 1 is finished: nothing to resume." in result.stderr
    assert "Run 1: suite round4@1, finished" in result.stdout


def test_resuming_a_finished_run_with_an_errored_cell_exits_3_as_eval_run_does(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("m1"))
    assert run("eval", "run", str(write_suite(tmp_path, SUITE))).exit_code == 3

    result = run("eval", "resume", "1")
    as_json = run("eval", "resume", "1", "--json")

    assert result.exit_code == 3
    assert as_json.exit_code == 3
    assert "Run 1 is finished: nothing to resume." in result.stderr
    assert json.loads(as_json.stdout)["id"] == 1


def test_resume_help_says_its_exit_codes_follow_the_result() -> None:
    from click.testing import CliRunner

    from workbench.cli.main import cli

    text = " ".join(ok(CliRunner().invoke(cli, ["eval", "resume", "-h"])).split())

    assert "nothing to resume" in text
    assert "Exit codes as for 'eval run'" in text


# -- 4. samples, not cells, with repeats ------------------------------------------------------


def test_a_run_with_repeats_counts_samples_in_its_header_progress_errors_and_summary(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    script_model(answering("m1"))

    result = run("eval", "run", str(write_suite(tmp_path, SUITE)), "--repeat", "2")

    assert result.exit_code == 3
    assert "Run 1: 6 samples" in result.stderr  # the progress header
    assert "  6/6 samples" in result.stderr  # a progress line
    assert "Run 1: suite round4@1, finished, 6/6 samples" in result.stdout
    assert "Errors: 2 samples could not be evaluated" in result.stdout
    assert "2 of 6 samples errored (not evaluated)" in result.stdout
    assert "Error: 2 samples of run 1 errored and were not evaluated" in result.stderr
    assert "cells" not in result.stdout.split("Cells (")[0].replace("Flaky cells", "")


def test_a_run_without_repeats_counts_cells(run: Any, script_model: Any, tmp_path: Path) -> None:
    script_model(answering("m1"))

    result = run("eval", "run", str(write_suite(tmp_path, SUITE)))

    assert "Run 1: 3 cells" in result.stderr
    assert "finished, 3/3 cells" in result.stdout
    assert "1 of 3 cells errored (not evaluated)" in result.stdout
    assert "sample" not in result.stdout + result.stderr
