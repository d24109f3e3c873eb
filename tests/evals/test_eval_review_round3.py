"""Evaluations after a third review: a column with an errored cell does not meet a threshold,
an errored cell's grading has no verdict either, an explicit judge is always checked, and
suite warnings name cases by their ids."""

from __future__ import annotations

import io
import json
import textwrap
from typing import Any

import pytest
from scripted_hosts import refusing

from workbench.evals import (
    MissingVariables,
    RunOptions,
    UnresolvedReferencesError,
    check_run,
    export_run,
    get_cell,
    list_cells,
    load_suite_text,
    run_matrix,
    save_suite,
    suite_warnings,
    summarize_cells,
    unresolved_references,
    unused_judge,
)
from workbench.evals.records import CellResult, get_run
from workbench.store import Store
from workbench.store.audit import list_entries

FakeWorld = Any  # the scripted model world of conftest.py


def cell(case: str, *, passed: bool = True, error: bool = False) -> CellResult:
    """A cell of column a × m, stored as the runner stores an ok or an errored cell."""
    return CellResult(
        id=0, run_id=1, number=1, key=f"a|m|{case}|0", prompt_id="a", model_id="m",
        case_id=case, repeat=0, seed=0, status="error" if error else "ok",
        output="" if error else "out", passed=passed and not error,
        score=1.0 if passed and not error else 0.0, reason="refused" if error else "",
        grading={"pass": False, "score": 0.0, "reason": "refused", "named_scores": {},
                 "components": []} if error else {"named_scores": {}},
        prompt_tokens=None, completion_tokens=None, time_to_first_token_s=None,
        tokens_per_second=None, total_seconds=None, finish_reason=None,
        error="refused" if error else None, finished_at="",
    )  # fmt: skip


SUITE = textwrap.dedent(
    """\
    name: round3
    prompts: [support-reply@1]
    models: [demo]
    threshold: 0.5
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: icontains, value: good}]
    tests:
    """
) + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(10))


def run_round3(store: Store, world: FakeWorld, *refused: str, **options: Any) -> int:
    world.responder = refusing(*refused)
    suite, _ = save_suite(store, load_suite_text(SUITE, source="round3"), origin="t")
    return run_matrix(store, suite, hosts=world.factory, options=RunOptions(**options)).id


# -- 1. a column with an errored cell does not meet the threshold -----------------------------


def test_a_column_with_errored_cells_fails_the_threshold_whatever_its_pass_rate() -> None:
    cells = [cell("c0"), *(cell(f"c{i}", error=True) for i in range(1, 10))]

    summary = summarize_cells(cells, [("a", "m")], threshold=0.5)

    assert summary.columns[0].pass_rate == 1.0  # of the one evaluated cell
    assert summary.threshold_passed is False
    assert summary.failing_columns == (("a", "m"),)
    assert summary.threshold_failures == ("a × m: 9 of 10 cells errored (not evaluated)",)
    assert summary.to_dict()["threshold_passed"] is False


@pytest.mark.parametrize(
    ("errors", "passes", "expected"),
    [
        (1, 1, "a × m: 1 of 2 cells errored (not evaluated)"),
        (3, 7, "a × m: 3 of 10 cells errored (not evaluated)"),
        (1, 0, "a × m: no evaluated cell (its only cell errored), so no pass rate to reach "
               "the threshold"),
        (2, 0, "a × m: no evaluated cell (every one of its 2 cells errored), so no pass rate "
               "to reach the threshold"),
    ],
)  # fmt: skip
def test_the_threshold_failure_counts_errored_cells_in_english(
    errors: int, passes: int, expected: str
) -> None:
    cells = [cell(f"e{i}", error=True) for i in range(errors)]
    cells += [cell(f"p{i}") for i in range(passes)]

    assert summarize_cells(cells, [("a", "m")], threshold=0.5).threshold_failures == (expected,)


def test_an_errored_column_below_the_threshold_gives_both_reasons() -> None:
    cells = [cell("c0", error=True), cell("c1", passed=False), cell("c2", passed=False)]

    (reason,) = summarize_cells(cells, [("a", "m")], threshold=0.5).threshold_failures

    assert reason == "a × m: 1 of 3 cells errored (not evaluated); pass rate 0% is below 50%"


def test_a_run_whose_column_errored_is_stored_and_audited_as_failing_the_threshold(
    eval_store: Store, world: FakeWorld
) -> None:
    run_id = run_round3(eval_store, world, *(f"m{i}" for i in range(1, 10)))

    run = get_run(eval_store, run_id)
    (finished,) = list_entries(eval_store, subject=f"eval-run:{run_id}", action="eval_run.finished")

    assert run.threshold_passed is False
    assert run.summary["threshold_failures"] == [
        "support-reply@1 × demo: 9 of 10 cells errored (not evaluated)"
    ]
    assert finished.payload_data["threshold_passed"] is False


def test_a_column_without_errors_at_the_threshold_still_meets_it() -> None:
    cells = [cell("c0"), cell("c1", passed=False)]

    summary = summarize_cells(cells, [("a", "m")], threshold=0.5)

    assert summary.threshold_passed is True
    assert summary.threshold_failures == ()


# -- 2. an errored cell's grading has no verdict ----------------------------------------------


def test_an_errored_cell_has_no_pass_or_score_in_its_grading_either(
    eval_store: Store, world: FakeWorld
) -> None:
    run_id = run_round3(eval_store, world, "m1")
    errored = next(c for c in list_cells(eval_store, run_id) if c.status == "error")
    graded = next(c for c in list_cells(eval_store, run_id) if c.status == "ok")

    for data in (errored.to_dict(), get_cell(eval_store, run_id, errored.number).to_dict()):
        assert (data["pass"], data["score"]) == (None, None)
        assert (data["grading"]["pass"], data["grading"]["score"]) == (None, None)
        assert "the engine refused m1" in data["grading"]["reason"]
    assert (graded.to_dict()["grading"]["pass"], graded.to_dict()["grading"]["score"]) == (
        True,
        1.0,
    )


def test_an_errored_row_of_a_jsonl_export_has_no_verdict_in_its_grading(
    eval_store: Store, world: FakeWorld
) -> None:
    run_id = run_round3(eval_store, world, "m1")
    out = io.StringIO()
    export_run(eval_store, run_id, "jsonl", out)
    rows = {row["case_id"]: row for row in map(json.loads, out.getvalue().splitlines())}

    errored, graded = rows["c1"], rows["c0"]
    assert errored["status"] == "error"
    assert (errored["pass"], errored["score"]) == (None, None)
    assert (errored["grading"]["pass"], errored["grading"]["score"]) == (None, None)
    assert "the engine refused m1" in errored["grading"]["reason"]
    assert (graded["grading"]["pass"], graded["grading"]["score"]) == (True, 1.0)


# -- 3. an explicit judge is always checked ---------------------------------------------------

PLAIN = load_suite_text(SUITE, source="round3")


def test_an_unknown_explicit_judge_is_refused_even_when_no_case_needs_one(
    eval_store: Store,
) -> None:
    with pytest.raises(UnresolvedReferencesError) as caught:
        check_run(eval_store, PLAIN, RunOptions(judge="dmeo", models=("demo", "nomodel")))

    assert caught.value.problems == (
        "model 'nomodel' is not in the inventory",
        "judge model 'dmeo' is not in the inventory",
    )
    assert unresolved_references(eval_store, PLAIN, judge="dmeo") == (
        "judge model 'dmeo' is not in the inventory",
    )


def test_a_known_explicit_judge_no_case_needs_is_accepted_and_reported_unused(
    eval_store: Store, world: FakeWorld
) -> None:
    check_run(eval_store, PLAIN, RunOptions(judge="demo"))
    run_id = run_round3(eval_store, world, judge="demo")

    snapshot = get_run(eval_store, run_id).snapshot
    assert snapshot is not None
    assert snapshot.judge is None  # not needed: neither resolved nor loaded
    assert unused_judge(PLAIN, RunOptions(judge="demo")) == "demo"
    assert unused_judge(PLAIN, RunOptions()) is None
    rubric = load_suite_text(
        SUITE.replace("type: icontains, value: good", "type: llm-rubric, value: kind"),
        source="rubric",
    )
    assert unused_judge(rubric, RunOptions(judge="demo")) is None


# -- 5. suite warnings name cases by their ids ------------------------------------------------


def test_suite_warnings_give_the_case_id_and_its_description_apart(eval_store: Store) -> None:
    suite = load_suite_text(
        textwrap.dedent(
            """\
            name: lacking
            prompts: [support-reply@1]
            models: [demo]
            tests:
              - {id: one, vars: {customer_name: Ada}, assert: [{type: icontains, value: a}]}
              - {id: two, description: Bo asks, vars: {customer_name: Bo},
                 assert: [{type: icontains, value: a}]}
            """
        ),
        source="lacking.yaml",
    )

    warnings = suite_warnings(eval_store, suite)

    assert warnings.missing_variables == (
        MissingVariables("support-reply@1", "one", "", ("message",)),
        MissingVariables("support-reply@1", "two", "Bo asks", ("message",)),
    )
    assert warnings.sentences == (
        "prompt support-reply@1, case 'one': missing variable message",
        "prompt support-reply@1, case 'Bo asks' (two): missing variable message",
    )
    assert warnings.to_dict()["missing_variables"] == [
        {"prompt": "support-reply@1", "case": "one", "description": None,
         "variables": ["message"]},
        {"prompt": "support-reply@1", "case": "two", "description": "Bo asks",
         "variables": ["message"]},
    ]  # fmt: skip


def test_suite_warnings_tell_an_unresolved_judge_from_unresolved_columns(
    eval_store: Store,
) -> None:
    judged = SUITE.replace("type: icontains, value: good", "type: llm-rubric, value: kind")
    only_judge = load_suite_text(judged.replace("threshold", "judge: nojudge\nthreshold"))
    both = load_suite_text(judged.replace("[demo]", "[demo, nomodel]"))

    assert suite_warnings(eval_store, only_judge).unresolved == (
        "judge model 'nojudge' is not in the inventory",
    )
    assert suite_warnings(eval_store, only_judge).unresolved_columns == ()
    assert suite_warnings(eval_store, both).unresolved_columns == (
        "model 'nomodel' is not in the inventory",
    )
