"""A real run on the demo model: cells with real measurements, a judge, replay, compare, export."""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.evals import (
    RunOptions,
    compare_runs,
    export_run,
    list_cells,
    load_suite_text,
    replay_cell,
    run_matrix,
    save_suite,
)
from workbench.inventory import add_model
from workbench.prompts.examples import import_example_prompts
from workbench.store import Store, open_store

SharedHost = Any  # conftest.SharedHost

SUITE = textwrap.dedent(
    """\
    name: real-suite
    prompts: [support-reply@1, support-reply@production]
    models: [demo]
    judge: demo
    sampling: {max_tokens: 12, temperature: 0}
    defaultTest:
      vars: {customer_name: Ada}
      assert:
        - {type: tokens, value: {max: 12}}
    tests:
      - id: hello
        vars: {message: 'Hi!'}
        assert: [{type: icontains-any, value: [hello, hi, welcome]}]
      - id: refund
        vars: {message: 'I want a refund.'}
        assert:
          - {type: llm-rubric, value: The reply is about a refund or a return.}
    """
)


@pytest.fixture(scope="module")
def eval_store(
    tmp_path_factory: pytest.TempPathFactory, demo_model_path: Path, demo_metadata: Any
) -> Iterator[Store]:
    """One store for the module: the real run below is made once and read by every test."""
    store = open_store(tmp_path_factory.mktemp("real-evals") / "home")
    import_example_prompts(store)
    add_model(store, demo_model_path, name="demo", metadata=demo_metadata)
    yield store
    store.close()


@pytest.fixture(scope="module")
def real_run(eval_store: Store, shared_host: SharedHost) -> Any:
    """The suite run once on the demo model."""
    suite, _ = save_suite(eval_store, load_suite_text(SUITE, source="real.yaml"), origin="test")
    return run_matrix(eval_store, suite, hosts=lambda: shared_host)


def test_a_real_run_stores_outputs_measurements_and_fingerprints(
    eval_store: Store, real_run: Any
) -> None:
    cells = list_cells(eval_store, real_run.id)

    assert real_run.status == "finished"
    assert len(cells) == 4
    model = real_run.snapshot.models[0]
    for cell in cells:
        assert cell.status == "ok"
        assert cell.output.strip()
        assert 0 < cell.completion_tokens <= 12
        assert cell.prompt_tokens > 10
        assert cell.time_to_first_token_s > 0
        assert cell.total_seconds > 0
        assert cell.fingerprint["model_sha256"] == model.sha256
        assert cell.fingerprint["sampling"]["max_tokens"] == 12
        assert cell.fingerprint["llama_cpp_python_version"]
    judged = [c for c in cells if c.case_id == "refund"]
    details = judged[0].grading["components"][1]["details"]
    assert details["reasoning"].strip()  # the judge's words are kept
    assert math.isfinite(details["logprob_pass"])
    assert math.isfinite(details["logprob_fail"])
    assert details["judge_sha256"] == model.sha256
    assert 0.0 <= judged[0].grading["components"][1]["score"] <= 1.0
    columns = real_run.summary["columns"]
    assert [c["n"] for c in columns] == [2, 2]
    assert columns[0]["tokens_per_second"]["n"] == 2


def test_replaying_a_cell_gives_the_identical_output(
    eval_store: Store, real_run: Any, shared_host: SharedHost
) -> None:
    cell = list_cells(eval_store, real_run.id)[0]

    replay = replay_cell(eval_store, real_run.id, cell.number, hosts=lambda: shared_host)

    assert replay.identical, (cell.output, replay.output)
    assert replay.fingerprint_differences == ()
    assert replay.grading.passed == cell.passed


def test_running_again_and_comparing_finds_nothing_changed(
    eval_store: Store, real_run: Any, shared_host: SharedHost
) -> None:
    suite, created = save_suite(eval_store, load_suite_text(SUITE, source="real.yaml"), origin="t")
    again = run_matrix(eval_store, suite, hosts=lambda: shared_host, options=RunOptions())

    comparison = compare_runs(eval_store, real_run.id, again.id)

    assert not created  # same content: the same stored suite
    assert comparison.matched == 4
    assert comparison.outputs_changed == 0
    assert comparison.regressed == ()
    assert comparison.fixed == ()
    assert [t.sentence for t in comparison.tests] == ["no detectable difference"] * 2


def test_exports_carry_every_cell(eval_store: Store, real_run: Any) -> None:
    as_csv, as_jsonl = io.StringIO(), io.StringIO()

    assert export_run(eval_store, real_run.id, "csv", as_csv) == 4
    assert export_run(eval_store, real_run.id, "jsonl", as_jsonl) == 4

    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert [r["prompt_version"] for r in rows].count("support-reply@2") == 2
    assert all(len(r["model_sha256"]) == 64 and r["fingerprint_sha256"] for r in rows)
    assert json.loads(rows[0]["vars"])["customer_name"] == "Ada"
    lines = [json.loads(line) for line in as_jsonl.getvalue().splitlines()]
    assert lines[0]["fingerprint"]["model_sha256"] == rows[0]["model_sha256"]
    assert lines[0]["request"]["sampling"]["seed"] == 0
