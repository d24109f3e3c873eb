"""Evaluations after a second QA round: an errored cell is no evaluation result (statistics,
comparisons and exports leave it out), a judge is required only when a chosen case needs one,
and an imported suite that cannot run as it is says why."""

from __future__ import annotations

import csv
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
    compare_runs,
    export_run,
    list_cells,
    load_suite_text,
    run_matrix,
    save_suite,
    suite_warnings,
    summarize_cells,
    summarize_run,
    unresolved_references,
    version_evidence,
)
from workbench.evals.records import CellResult
from workbench.evals.snapshot import resolve_suite
from workbench.prompts.service import get_version
from workbench.store import Store

FakeWorld = Any  # the scripted model world of conftest.py


def cell(
    prompt: str, case: str, passed: bool, *, repeat: int = 0, error: bool = False
) -> CellResult:
    """A stored cell; ``error`` makes it an errored one, stored as the runner stores them."""
    return CellResult(
        id=0, run_id=1, number=1, key=f"{prompt}|m|{case}|{repeat}", prompt_id=prompt,
        model_id="m", case_id=case, repeat=repeat, seed=0,
        status="error" if error else "ok", output="" if error else "out",
        passed=passed and not error, score=0.0 if error or not passed else 1.0,
        reason="refused" if error else "", grading={"named_scores": {} if error else {"q": 1.0}},
        prompt_tokens=None, completion_tokens=None, time_to_first_token_s=None,
        tokens_per_second=None, total_seconds=None, finish_reason=None,
        error="refused" if error else None, finished_at="",
    )  # fmt: skip


CMP_SUITE = textwrap.dedent(
    """\
    name: cmp2
    prompts: [PROMPTS]
    models: [demo]
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: icontains, value: good}]
    tests:
      - {id: c0, vars: {message: m0}}
      - {id: c1, vars: {message: m1}}
      - {id: c2, vars: {message: m2}}
    """
)


def run_cmp(store: Store, world: FakeWorld, *refused: str, prompts: str = "support-reply@1") -> int:
    world.responder = refusing(*refused)
    text = CMP_SUITE.replace("PROMPTS", prompts)
    suite, _ = save_suite(store, load_suite_text(text, source="cmp2"), origin="t")
    return run_matrix(store, suite, hosts=world.factory).id


# -- 1. errored cells are not evaluation results ----------------------------------------------


def test_errored_cells_are_left_out_of_pass_rate_interval_and_mean_score() -> None:
    cells = [cell("a", "c0", True), cell("a", "c1", False), cell("a", "c2", False, error=True)]

    (column,) = summarize_cells(cells, [("a", "m")]).columns

    assert (column.n, column.evaluated, column.passed, column.errors) == (3, 2, 1, 1)
    assert column.pass_rate == pytest.approx(0.5)
    assert column.mean_score == pytest.approx(0.5)


def test_a_column_whose_every_cell_errored_has_no_pass_rate_and_fails_the_threshold() -> None:
    cells = [cell("a", "c0", True), cell("b", "c0", False, error=True)]

    summary = summarize_cells(cells, [("a", "m"), ("b", "m")], threshold=0.5)
    broken = summary.columns[1]

    assert (broken.pass_rate, broken.mean_score, broken.evaluated) == (None, None, 0)
    assert summary.failing_columns == (("b", "m"),)
    assert summary.threshold_passed is False
    (reason,) = summary.threshold_failures
    assert "b × m: no evaluated cell (its only cell errored)" in reason
    assert summary.to_dict()["threshold_failures"] == [reason]


def test_a_pair_where_either_side_errored_is_not_compared() -> None:
    cases = [f"c{i}" for i in range(4)]
    a = [cell("a", c, False, error=i == 0) for i, c in enumerate(cases)]
    b = [cell("b", c, True, error=i == 1) for i, c in enumerate(cases)]

    (comparison,) = summarize_cells(a + b, [("a", "m"), ("b", "m")]).comparisons

    assert comparison.n_pairs == 2  # c2 and c3; c0 errored in A, c1 in B
    assert (comparison.only_b, comparison.only_a, comparison.both_fail) == (2, 0, 0)


def test_errored_samples_neither_vote_nor_make_a_cell_flaky() -> None:
    samples = [
        cell("a", "c0", True, repeat=0),
        cell("a", "c0", True, repeat=1),
        cell("a", "c0", False, repeat=2, error=True),
    ]

    summary = summarize_cells(samples, [("a", "m")])

    assert summary.flaky == ()
    assert summary.columns[0].pass_rate == 1.0


def test_compare_lists_errored_cells_apart(eval_store: Store, world: FakeWorld) -> None:
    before = run_cmp(eval_store, world, "m0")  # c0 errored, c1 and c2 pass
    after = run_cmp(eval_store, world, "m1")  # c1 errored, c0 and c2 pass

    comparison = compare_runs(eval_store, before, after)

    assert comparison.matched == 3
    assert [c.case_id for c in comparison.errored] == ["c0", "c1"]
    assert (comparison.regressed, comparison.fixed) == ((), ())
    assert (comparison.still_passing, comparison.still_failing) == (1, 0)
    first, second = comparison.errored
    assert (first.status_a, first.score_a, first.status_b, first.score_b) == (
        "error",
        None,
        "ok",
        1.0,
    )
    assert (second.status_b, second.score_b) == ("error", None)
    assert comparison.to_dict()["errored"][0]["case_id"] == "c0"
    (test,) = comparison.tests
    assert test.n_pairs == 1  # only c2 was evaluated in both runs


def test_export_writes_pass_and_score_null_for_an_errored_cell(
    eval_store: Store, world: FakeWorld
) -> None:
    run_id = run_cmp(eval_store, world, "m0")

    jsonl, table = io.StringIO(), io.StringIO()
    export_run(eval_store, run_id, "jsonl", jsonl)
    export_run(eval_store, run_id, "csv", table)
    rows = {row["case_id"]: row for row in map(json.loads, jsonl.getvalue().splitlines())}
    csv_rows = {row["case_id"]: row for row in csv.DictReader(io.StringIO(table.getvalue()))}

    assert (rows["c0"]["status"], rows["c0"]["pass"], rows["c0"]["score"]) == ("error", None, None)
    assert (rows["c1"]["pass"], rows["c1"]["score"]) == (True, 1.0)
    assert (csv_rows["c0"]["pass"], csv_rows["c0"]["score"]) == ("", "")
    assert csv_rows["c1"]["pass"] == "True"
    errored = next(c for c in list_cells(eval_store, run_id) if c.case_id == "c0")
    assert (errored.to_dict()["pass"], errored.to_dict()["score"]) == (None, None)
    assert (errored.verdict, errored.graded_score) == (None, None)


def test_the_run_summary_leaves_errored_cells_out(eval_store: Store, world: FakeWorld) -> None:
    run_id = run_cmp(eval_store, world, "m0")

    (column,) = summarize_run(eval_store, run_id).columns

    assert (column.n, column.errors, column.passed, column.pass_rate) == (3, 1, 2, 1.0)


def test_version_evidence_compares_only_cases_both_versions_evaluated(
    eval_store: Store, world: FakeWorld
) -> None:
    old = get_version(eval_store, "support-reply@1").content_hash
    new = get_version(eval_store, "support-reply@2").content_hash
    prompts = "support-reply@1, support-reply@2"
    run_cmp(eval_store, world, "m0", "m1", "m2", prompts=prompts)  # every cell errored
    assert version_evidence(eval_store, old, new) == ()

    run_cmp(eval_store, world, "m0", prompts=prompts)

    (evidence,) = version_evidence(eval_store, old, new)
    assert evidence.n_pairs == 2
    assert (evidence.old.n, evidence.old.pass_rate) == (2, 1.0)


# -- 2. a judge is required only when a chosen case needs one ---------------------------------

JUDGED = textwrap.dedent(
    """\
    name: judged
    prompts: [support-reply@1]
    models: [demo]
    judge: nojudge
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: plain, tags: [fast], vars: {message: hi}, assert: [{type: icontains, value: a}]}
      - {id: rubric, tags: [slow], vars: {message: yo}, assert: [{type: RUBRIC, value: kind}]}
    """
)


def judged(rubric: str = "llm-rubric", **replace: str) -> Any:
    text = JUDGED.replace("RUBRIC", rubric)
    for old, new in replace.items():
        text = text.replace(old, new)
    return load_suite_text(text, source="judged.yaml")


def test_a_judge_no_chosen_case_needs_is_not_required(eval_store: Store, world: FakeWorld) -> None:
    suite = judged()

    check_run(eval_store, suite, RunOptions(tags=("fast",)))
    stored = save_suite(eval_store, suite, origin="t")[0]
    run = run_matrix(eval_store, stored, hosts=world.factory, options=RunOptions(tags=("fast",)))

    assert run.status == "finished"
    assert run.snapshot is not None
    assert run.snapshot.judge is None
    assert resolve_suite(eval_store, stored, tags=("fast",)).judge is None


def test_a_suite_without_rubrics_runs_whatever_judge_it_names(eval_store: Store) -> None:
    suite = judged(**{"type: llm-rubric, value: kind": "type: icontains, value: o"})
    elsewhere = judged(
        **{"type: llm-rubric, value: kind": "type: icontains, value: o", "[demo]": "[nomodel]"}
    )

    assert unresolved_references(eval_store, suite) == ()
    check_run(eval_store, suite)
    check_run(eval_store, elsewhere, RunOptions(models=("demo",)))  # other columns


@pytest.mark.parametrize("rubric", ["llm-rubric", "not-llm-rubric"])
def test_a_needed_judge_is_named_with_every_other_unresolved_reference(
    eval_store: Store, rubric: str
) -> None:
    suite = judged(rubric, **{"models: [demo]": "models: [demo, nomodel]"})

    with pytest.raises(UnresolvedReferencesError) as caught:
        check_run(eval_store, suite, RunOptions(tags=("slow",)))

    assert caught.value.problems == (
        "model 'nomodel' is not in the inventory",
        "judge model 'nojudge' is not in the inventory",
    )


def test_a_missing_default_judge_is_named_with_the_other_references(eval_store: Store) -> None:
    # No judge given: the suite's first model judges, and it is not a column of this run.
    suite = judged(**{"models: [demo]": "models: [first-missing, demo]", "judge: nojudge\n": ""})

    with pytest.raises(UnresolvedReferencesError) as caught:
        check_run(eval_store, suite, RunOptions(models=("demo",), prompts=("no-such-prompt",)))

    assert caught.value.problems[0] == "judge model 'first-missing' is not in the inventory"
    assert caught.value.problems[1].startswith("prompt 'no-such-prompt'")


# -- 3. what an imported suite lacks to run ---------------------------------------------------


def test_suite_warnings_name_missing_variables_and_cases_without_assertions(
    eval_store: Store,
) -> None:
    suite = load_suite_text(
        textwrap.dedent(
            """\
            name: lacking
            prompts: [support-reply@1]
            models: [nomodel]
            tests:
              - {id: one, vars: {customer_name: Ada, message: hi}}
              - {id: two, vars: {customer_name: Bo}, assert: [{type: icontains, value: a}]}
            """
        ),
        source="lacking.yaml",
    )

    warnings = suite_warnings(eval_store, suite)

    assert warnings.unresolved == ("model 'nomodel' is not in the inventory",)
    assert warnings.missing_variables == (
        MissingVariables("support-reply@1", "two", "", ("message",)),
    )
    assert warnings.unasserted_cases == ("one",)
    assert warnings.sentences[1:] == (
        "prompt support-reply@1, case 'two': missing variable message",
        "1 case has no assertions (passing whenever the model answers): one",
    )
