"""The matrix runner with a scripted model host: storage, order, loads, cancel and resume."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

from workbench.engine import GenerationRequest, LoadRequest
from workbench.errors import EngineError
from workbench.evals import (
    CellFinished,
    CellStarted,
    EvalError,
    MissingCaseVariablesError,
    ModelLoading,
    RunBusyError,
    RunControl,
    RunEvent,
    RunFinished,
    RunOptions,
    RunStarted,
    StoredSuite,
    get_run,
    list_cells,
    list_runs,
    load_suite_text,
    resume_run,
    run_matrix,
    save_suite,
)
from workbench.evals.plan import derive_seed
from workbench.prompts import move_label
from workbench.store import Store
from workbench.store.audit import list_entries, verify_chain

FakeWorld = Any  # the scripted model world of conftest.py (conftest cannot be imported)

SUITE = """\
    name: runner-suite
    prompts: [support-reply@1, support-reply@production]
    models: [demo]
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: b, vars: {message: Bravo}, assert: [{type: icontains, value: bravo}]}
      - {id: a, vars: {message: Alpha}, assert: [{type: icontains, value: zzz}]}
      - {id: c, vars: {message: Charlie}}
    """


def stored_suite(store: Store, text: str = SUITE, **replace: str) -> StoredSuite:
    text = textwrap.dedent(text)
    for old, new in replace.items():
        text = text.replace(old, new)
    return save_suite(store, load_suite_text(text, source="test.yaml"), origin="test")[0]


def rows(store: Store, run_id: int) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM eval_results WHERE run_id = ? ORDER BY position", (run_id,))


def test_a_run_stores_every_cell_once_with_its_measurements(
    eval_store: Store, world: FakeWorld
) -> None:
    events: list[RunEvent] = []

    run = run_matrix(
        eval_store, stored_suite(eval_store), hosts=world.factory, progress=events.append
    )

    cells = list_cells(eval_store, run.id)
    assert run.status == "finished"
    assert run.n_done == run.n_cells == 6
    assert len({c.key for c in cells}) == 6
    assert [c.number for c in cells] == [1, 2, 3, 4, 5, 6]
    passed = {(c.prompt_id, c.case_id): c.passed for c in cells}
    assert passed[("support-reply@1", "b")]
    assert not passed[("support-reply@1", "a")]
    first = cells[0]
    assert first.output.startswith("Reply to: ")
    assert first.prompt_tokens
    assert first.completion_tokens
    assert first.tokens_per_second == 100.0
    assert first.fingerprint
    assert first.fingerprint["model_sha256"] == run.snapshot.models[0].sha256
    assert first.request is not None
    assert first.request["sampling"]["max_tokens"] == 8
    kinds = [type(e).__name__ for e in events]
    assert kinds[:3] == ["RunStarted", "ModelLoading", "CellStarted"]
    assert kinds[-1] == "RunFinished"
    assert kinds.count("CellFinished") == 6
    finished = [e for e in events if isinstance(e, CellFinished)]
    assert [e.done for e in finished] == [1, 2, 3, 4, 5, 6]
    assert finished[-1].eta_s == 0.0


def test_the_run_and_its_summary_are_audited(eval_store: Store, world: FakeWorld) -> None:
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)

    entries = list_entries(eval_store, subject=f"eval-run:{run.id}")

    assert [e.action for e in entries] == ["eval_run.started", "eval_run.finished"]
    started, finished = (e.payload_data for e in entries)
    assert started["snapshot_sha256"] == run.snapshot.sha256
    assert [p["resolved_ref"] for p in started["prompts"]] == ["support-reply@1", "support-reply@2"]
    assert finished["status"] == "finished"
    assert finished["cells"] == 6
    assert [c["passed"] for c in finished["columns"]] == [2, 2]  # b, and c (no assertions)
    assert verify_chain(eval_store).ok


def test_cells_sharing_a_prompt_prefix_run_together_and_repeats_back_to_back(
    eval_store: Store, world: FakeWorld
) -> None:
    run = run_matrix(
        eval_store, stored_suite(eval_store), hosts=world.factory, options=RunOptions(repeat=2)
    )

    order = [(c.prompt_id, c.case_id, c.repeat) for c in list_cells(eval_store, run.id)]

    prompts = [p for p, _, _ in order]
    assert prompts == sorted(prompts, key=prompts.index)  # each prompt's cells contiguous
    for index in range(0, len(order), 2):
        assert order[index][:2] == order[index + 1][:2]  # the samples of a cell adjacent
        assert (order[index][2], order[index + 1][2]) == (0, 1)
    cases_of_v1 = [c for p, c, r in order if p == "support-reply@1" and r == 0]
    assert cases_of_v1 == ["a", "b", "c"]  # "...Alpha" < "...Bravo" < "...Charlie"


def test_each_model_and_the_judge_are_loaded_once(eval_store: Store, world: FakeWorld) -> None:
    suite = stored_suite(
        eval_store,
        **{
            "models: [demo]": "models: [demo, {name: demo, id: small, load: {context_size: 512}}]",
            "{id: c, vars: {message: Charlie}}": (
                "{id: c, vars: {message: Charlie}, assert: [{type: llm-rubric, value: Polite}]}"
            ),
        },
    )

    run = run_matrix(eval_store, suite, hosts=world.factory, options=RunOptions(judge="demo"))

    contexts = [load.settings.context_size for load in world.loads]
    assert sorted(contexts) == [512, 2048]  # demo (also the judge) and small, once each
    assert run.snapshot.judge is not None
    assert run.snapshot.judge.name == "demo"
    judged = [c for c in list_cells(eval_store, run.id) if c.case_id == "c"]
    assert len(judged) == 4
    assert all(c.passed for c in judged)
    reasoning = judged[0].grading["components"][0]["details"]
    assert reasoning["logprob_pass"] == pytest.approx(-0.2231, abs=1e-4)
    assert all(host.closed for host in world.hosts)


def test_a_cancel_from_progress_stops_and_resume_finishes_without_duplicates(
    eval_store: Store, world: FakeWorld
) -> None:
    def stop_at_third(event: RunEvent) -> bool:
        return not (isinstance(event, CellStarted) and event.done == 2)

    cancelled = run_matrix(
        eval_store, stored_suite(eval_store), hosts=world.factory, progress=stop_at_third
    )
    before = rows(eval_store, cancelled.id)
    events: list[RunEvent] = []
    resumed = resume_run(eval_store, cancelled.id, hosts=world.factory, progress=events.append)
    after = rows(eval_store, cancelled.id)

    assert cancelled.status == "cancelled"
    assert len(before) == 2
    assert resumed.status == "finished"
    assert len(after) == 6
    assert after[:2] == before  # kept, not redone
    assert len(world.generated) == 6
    assert isinstance(events[0], RunStarted)
    assert events[0].done == 2
    assert events[0].resumed
    actions = [e.action for e in list_entries(eval_store, subject=f"eval-run:{cancelled.id}")]
    assert actions == [
        "eval_run.started", "eval_run.finished", "eval_run.resumed", "eval_run.finished"
    ]  # fmt: skip


def test_run_control_cancels_the_generation_in_flight_from_another_thread(
    eval_store: Store, world: FakeWorld
) -> None:
    control = RunControl()

    def cancel_during_third(request: GenerationRequest) -> None:
        if len(world.generated) == 2:
            thread = threading.Thread(target=control.cancel)
            thread.start()
            thread.join()

    world.before_generate = cancel_during_third
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory, control=control)

    assert run.status == "cancelled"
    assert len(rows(eval_store, run.id)) == 2  # the cancelled cell was not stored
    assert run.threshold_passed is None


def test_a_crashed_model_process_is_retried_once(eval_store: Store, world: FakeWorld) -> None:
    world.crash_next = 1
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)
    assert run.status == "finished"
    assert run.n_done == 6


def test_two_crashes_fail_the_run_and_resume_finishes_it(
    eval_store: Store, world: FakeWorld
) -> None:
    suite = stored_suite(eval_store)
    world.crash_next = 2

    with pytest.raises(EngineError, match="model process stopped"):
        run_matrix(eval_store, suite, hosts=world.factory)

    run_id = eval_store.query("SELECT MAX(id) AS id FROM eval_runs")[0]["id"]
    failed = get_run(eval_store, run_id)
    assert failed.status == "failed"
    assert "model process stopped" in (failed.error or "")
    assert resume_run(eval_store, run_id, hosts=world.factory).n_done == 6


def test_a_case_missing_a_variable_is_refused_before_the_run_and_refused_cells_are_errors(
    eval_store: Store, world: FakeWorld
) -> None:
    def refuse_charlie(request: GenerationRequest, loaded: LoadRequest) -> str:
        if "Charlie" in request.messages[-1].content:
            raise EngineError("the prompt has 9999 tokens but the model was loaded with 2048")
        return "ok"

    world.responder = refuse_charlie
    suite = stored_suite(eval_store, **{"{id: c, vars: {message: Charlie}}": "{id: c, vars: {}}"})
    suite_b = stored_suite(eval_store, **{"runner-suite": "runner-suite-b"})

    with pytest.raises(MissingCaseVariablesError) as missing:
        run_matrix(eval_store, suite, hosts=world.factory)
    assert list_runs(eval_store) == []  # nothing stored for a run that cannot render
    assert world.generated == []
    # Every prompt column uses {{ message }}: one line per prompt, all for case c.
    assert {(case, names) for _prompt, case, names in missing.value.missing} == {
        ("'c'", ("message",))
    }
    assert len(missing.value.missing) == len(suite.suite.prompts)
    refused = [
        c
        for c in list_cells(eval_store, run_matrix(eval_store, suite_b, hosts=world.factory).id)
        if c.status == "error"
    ]

    assert len(refused) == 2
    assert "engine refused" in refused[0].reason
    assert not refused[0].passed


def test_resume_uses_the_snapshot_not_todays_labels(eval_store: Store, world: FakeWorld) -> None:
    def stop_early(event: RunEvent) -> bool:
        return not isinstance(event, CellFinished)

    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory, progress=stop_early)
    move_label(eval_store, "support-reply", "production", 3)
    resume_run(eval_store, run.id, hosts=world.factory)

    production = [r for r in world.generated if "Customer Ada asks" in r.messages[-1].content]
    assert production == []  # version 3 greets by name; the run stays on version 2
    assert get_run(eval_store, run.id).snapshot.prompts[1].resolved_ref == "support-reply@2"


def test_resume_refuses_a_run_a_live_process_executes(eval_store: Store, world: FakeWorld) -> None:
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory,
                     progress=lambda e: not isinstance(e, CellFinished))  # fmt: skip
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import socket

        worker = f'{{"host":"{socket.gethostname()}","pid":{sleeper.pid}}}'
        with eval_store.transaction():
            eval_store.execute(
                "UPDATE eval_runs SET status = 'running', worker = ? WHERE id = ?", (worker, run.id)
            )
        with pytest.raises(RunBusyError, match=str(sleeper.pid)):
            resume_run(eval_store, run.id, hosts=world.factory)
        assert resume_run(eval_store, run.id, hosts=world.factory, force=True).n_done == 6
    finally:
        sleeper.kill()
        sleeper.wait()


def test_repeats_get_derived_seeds_shared_across_columns(
    eval_store: Store, world: FakeWorld
) -> None:
    run = run_matrix(
        eval_store, stored_suite(eval_store), hosts=world.factory, options=RunOptions(repeat=3)
    )

    seeds = {(c.prompt_id, c.case_id, c.repeat): c.seed for c in list_cells(eval_store, run.id)}

    assert seeds[("support-reply@1", "a", 0)] == 0
    assert seeds[("support-reply@1", "a", 2)] == derive_seed(0, 2) != derive_seed(0, 1)
    assert seeds[("support-reply@1", "a", 1)] == seeds[("support-reply@production", "b", 1)]
    requests = {r.sampling.seed for r in world.generated}
    assert requests == {0, derive_seed(0, 1), derive_seed(0, 2)}


def test_stored_results_cannot_be_changed_or_duplicated(
    eval_store: Store, world: FakeWorld
) -> None:
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)

    for sql in (
        "UPDATE eval_results SET passed = 1",
        "DELETE FROM eval_results",
        "INSERT INTO eval_results SELECT NULL, run_id, cell_key, position + 100, prompt_id, "
        "model_id, case_id, repeat_index, seed, status, request, rendered_prompt, output, passed, "
        "score, reason, grading, prompt_tokens, completion_tokens, time_to_first_token_s, "
        "tokens_per_second, total_seconds, finish_reason, fingerprint, error, finished_at "
        "FROM eval_results",
    ):
        with pytest.raises(sqlite3.DatabaseError):
            eval_store.execute(sql)
    assert len(rows(eval_store, run.id)) == 6


def test_a_changed_model_file_is_refused_before_running(
    eval_store: Store, world: FakeWorld, tmp_path: Any
) -> None:
    with eval_store.transaction():
        eval_store.execute("UPDATE models SET sha256 = 'f00d' WHERE name = 'demo'")

    with pytest.raises(EvalError, match="changed since it was registered"):
        run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)
    assert world.loads == []
    assert os.path.exists(eval_store.path)


def test_model_loading_is_reported_once_per_model(eval_store: Store, world: FakeWorld) -> None:
    events: list[RunEvent] = []
    run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory, progress=events.append)
    assert sum(isinstance(e, ModelLoading) for e in events) == 1
    assert isinstance(events[-1], RunFinished)
    assert events[-1].run.status == "finished"


def test_a_cancelled_replay_stops_at_once_and_says_so(eval_store: Store, world: FakeWorld) -> None:
    from workbench.evals import replay_cell

    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)
    control = RunControl()
    world.before_generate = lambda request: control.cancel()  # the window closes mid-replay

    with pytest.raises(EvalError, match=r"replay of cell 1 of run \d+ was cancelled"):
        replay_cell(eval_store, run.id, 1, hosts=world.factory, control=control)

    assert world.hosts[-1].closed
    replayed = replay_cell(eval_store, run.id, 1, hosts=world.factory)  # without a cancel
    assert replayed.identical
