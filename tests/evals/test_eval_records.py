"""Cells read back from the store: a grading parsed later (or never) equals the eager one."""

from __future__ import annotations

import dataclasses
import json
import pickle
import textwrap
from typing import Any

import pytest

from workbench.evals import (
    CellResult,
    get_cell,
    get_run,
    list_cells,
    load_suite_text,
    run_matrix,
    save_suite,
    snapshot_columns,
    summarize_cells,
)
from workbench.evals.stored_json import StoredJson
from workbench.store import Store
from workbench.store.evals_repo import RESULT_COLUMNS, insert_result_row

FakeWorld = Any  # the scripted model world of conftest.py (conftest cannot be imported)

SUITE = """\
    name: records-suite
    prompts: [support-reply@1, support-reply@production]
    models: [demo]
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - id: b
        vars: {message: Bravo}
        assert:
          - {type: icontains, value: bravo, metric: accuracy}
          - {type: icontains, value: zzz, metric: tone}
      - {id: a, vars: {message: Alpha}, assert: [{type: icontains, value: zzz}]}
      - {id: c, vars: {message: Charlie}}
    """

#: Gradings the runner never writes but a store could hold: read lazily, each must still
#: answer exactly as its parsed JSON does.
ODD_GRADINGS = (
    '{"pass": true, "score": 1.0, "reason": "no named scores", "components": []}',
    '{"pass": true, "score": 1.0, "reason": "", "named_scores": null, "components": []}',
    '{"pass": true, "score": 1.0, "reason": "", "named_scores": [1, 2], "components": []}',
    '{"pass": true, "score": 1.0, "reason": "", "components": [],'
    ' "named_scores": {"accuracy": 0.1, "tone": 1e-7, "\\u00fcber \\"q\\"": 0.3333333333333333}}',
    '{"pass": true, "score": 1.0, "reason": "", "components": [],'
    ' "named\\u005fscores": {"escaped": 0.5}}',
    '{"pass": true, "score": 1.0, "reason": "", "components": [],'
    ' "named_scores": {}, "named\\u005fscores": {"escaped": 0.5}}',
)


def _stored_run(store: Store, world: FakeWorld) -> int:
    """A finished run of 6 cells, plus one stored cell per odd grading."""
    suite = load_suite_text(textwrap.dedent(SUITE), source="test.yaml")
    run = run_matrix(store, save_suite(store, suite, origin="test")[0], hosts=world.factory)
    (template,) = store.query(
        "SELECT * FROM eval_results WHERE run_id = ? AND position = 0", (run.id,)
    )
    with store.transaction():
        for index, grading in enumerate(ODD_GRADINGS):
            row = {column: template[column] for column in RESULT_COLUMNS}
            row.update(cell_key=f"odd-{index}", position=100 + index, grading=grading)
            assert insert_result_row(store, row)
    return run.id


def _stored_gradings(store: Store, run_id: int) -> dict[int, Any]:
    rows = store.query("SELECT position, grading FROM eval_results WHERE run_id = ?", (run_id,))
    return {row["position"] + 1: json.loads(row["grading"]) for row in rows}


@pytest.mark.parametrize("light", [True, False])
def test_a_grading_read_later_equals_the_stored_json(
    eval_store: Store, world: FakeWorld, light: bool
) -> None:
    run_id = _stored_run(eval_store, world)
    stored = _stored_gradings(eval_store, run_id)

    cells = list_cells(eval_store, run_id, light=light)
    assert len(cells) == 6 + len(ODD_GRADINGS)
    assert any(stored[c.number].get("named_scores") for c in cells[:6])  # metrics were scored
    for cell in cells:  # before anything parsed them: the members statistics read
        expected = stored[cell.number]
        assert cell.grading.get("named_scores", "none") == expected.get("named_scores", "none")
        assert ("named_scores" in cell.grading) == ("named_scores" in expected)
    for cell in list_cells(eval_store, run_id, light=light):  # fresh cells, read in full
        expected = stored[cell.number]
        assert cell.grading == expected
        assert expected == cell.grading
        assert dict(cell.grading) == expected
        assert cell.grading["components"] == expected["components"]
        assert json.loads(json.dumps(cell.to_dict()))["grading"] == expected
        assert cell == dataclasses.replace(cell, grading=expected)
        assert json.loads(json.dumps(dataclasses.asdict(cell)["grading"])) == expected
        assert pickle.loads(pickle.dumps(cell)) == cell
        if not light:
            assert cell == get_cell(eval_store, run_id, cell.number)


def test_statistics_parse_no_grading_and_equal_those_of_eagerly_parsed_cells(
    eval_store: Store, world: FakeWorld
) -> None:
    run_id = _stored_run(eval_store, world)
    stored = _stored_gradings(eval_store, run_id)
    lazy = [c for c in list_cells(eval_store, run_id, light=True) if c.number <= 6]
    eager = [dataclasses.replace(c, grading=stored[c.number]) for c in lazy]
    assert all(type(c.grading) is StoredJson for c in lazy)

    snapshot = get_run(eval_store, run_id).snapshot
    assert snapshot is not None
    run_columns = snapshot_columns(snapshot)

    def unparsed(grading: StoredJson) -> Any:
        raise AssertionError("the statistics parsed a grading")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StoredJson, "parsed", unparsed)
        summary = summarize_cells(lazy, run_columns, threshold=0.5)

    assert summary == summarize_cells(eager, run_columns, threshold=0.5)
    assert {c.named_scores["accuracy"] for c in summary.columns} == {1.0}
    assert {c.named_scores["tone"] for c in summary.columns} == {0.0}


def test_a_cell_built_in_code_keeps_the_grading_it_was_given() -> None:
    grading = {"pass": True, "named_scores": {"accuracy": 1.0}}
    cell = CellResult(
        id=1, run_id=1, number=1, key="p|m|c|0", prompt_id="p", model_id="m", case_id="c",
        repeat=0, seed=0, status="ok", output="", passed=True, score=1.0, reason="",
        grading=grading, prompt_tokens=None, completion_tokens=None,
        time_to_first_token_s=None, tokens_per_second=None, total_seconds=None,
        finish_reason=None, error=None, finished_at="",
    )  # fmt: skip

    assert cell.grading is grading
    assert cell.to_dict()["grading"] == grading
