"""A resume claims its run in one write transaction: another process that claimed (or finished)
the run while this one was checking the model files wins, and the run is left to it."""

from __future__ import annotations

import sqlite3
import textwrap
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import worker_claims

from workbench.evals import (
    CellFinished,
    RunBusyError,
    get_run,
    load_suite_text,
    resume_run,
    run_matrix,
    save_suite,
)
from workbench.evals import runner as eval_runner
from workbench.evals.snapshot import ResolvedModel
from workbench.store import Store, open_store
from workbench.store.audit import list_entries, verify_chain
from workbench.workers import current_worker

FakeWorld = Any  # the scripted model world of conftest.py (conftest cannot be imported)

SUITE = """\
    name: claim-suite
    prompts: [support-reply@1]
    models: [demo]
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: a, vars: {message: Alpha}}
      - {id: b, vars: {message: Bravo}}
      - {id: c, vars: {message: Charlie}}
    """


rival = worker_claims.rival  # the fixture: another live process's identity
claim_from_another_connection = partial(worker_claims.claim_run, table="eval_runs")


def cancelled_run(store: Store, world: FakeWorld) -> int:
    """A run of three cells cancelled after the first."""
    suite = load_suite_text(textwrap.dedent(SUITE), source="claim.yaml")
    stored = save_suite(store, suite, origin="test")[0]
    run = run_matrix(store, stored, hosts=world.factory,
                     progress=lambda e: not isinstance(e, CellFinished))  # fmt: skip
    assert (run.status, run.n_done, run.n_cells) == ("cancelled", 1, 3)
    return run.id


def during_model_checks(monkeypatch: pytest.MonkeyPatch, act: Any) -> None:
    """Run ``act()`` once, after the resume's busy check, while it checks the model files."""
    real = eval_runner.check_model_file
    acted: list[bool] = []

    def check_model_file(store: Store, model: ResolvedModel) -> None:
        real(store, model)
        if not acted:
            acted.append(True)
            act()

    monkeypatch.setattr(eval_runner, "check_model_file", check_model_file)


def resumed_entries(store: Store, run_id: int) -> int:
    return len(list_entries(store, subject=f"eval-run:{run_id}", action="eval_run.resumed"))


def test_a_process_that_claims_the_run_during_the_model_checks_wins(
    eval_store: Store, world: FakeWorld, rival: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = cancelled_run(eval_store, world)
    during_model_checks(
        monkeypatch, lambda: claim_from_another_connection(eval_store.path, run_id, rival)
    )

    with pytest.raises(RunBusyError, match=f"still being executed by process {rival['pid']}"):
        resume_run(eval_store, run_id, hosts=world.factory)

    run = get_run(eval_store, run_id)
    assert run.status == "running"
    assert dict(run.worker) == rival  # the winner's claim stays
    assert run.n_done == 1
    assert len(world.generated) == 1  # nothing more ran here
    assert resumed_entries(eval_store, run_id) == 0
    assert verify_chain(eval_store).ok
    # The refused resume let go of its in-process claim: --force takes the run over.
    forced = resume_run(eval_store, run_id, hosts=world.factory, force=True)
    assert (forced.status, forced.n_done) == ("finished", 3)
    assert dict(get_run(eval_store, run_id).worker) == current_worker()


def test_force_claims_the_run_even_if_another_process_claimed_it_meanwhile(
    eval_store: Store, world: FakeWorld, rival: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = cancelled_run(eval_store, world)
    during_model_checks(
        monkeypatch, lambda: claim_from_another_connection(eval_store.path, run_id, rival)
    )

    run = resume_run(eval_store, run_id, hosts=world.factory, force=True)

    assert (run.status, run.n_done) == ("finished", 3)
    assert resumed_entries(eval_store, run_id) == 1


def test_a_run_another_process_finished_during_the_model_checks_is_returned_as_it_is(
    eval_store: Store, world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = cancelled_run(eval_store, world)

    def finish_elsewhere() -> None:
        with open_store(Path(eval_store.path).parent) as other:
            assert resume_run(other, run_id, hosts=world.factory).status == "finished"

    during_model_checks(monkeypatch, finish_elsewhere)

    run = resume_run(eval_store, run_id, hosts=world.factory)

    assert (run.status, run.n_done) == ("finished", 3)
    assert len(world.generated) == 3  # each cell once
    assert resumed_entries(eval_store, run_id) == 1  # the other process's resume only
    finished = list_entries(eval_store, subject=f"eval-run:{run_id}", action="eval_run.finished")
    assert len(finished) == 2  # cancelled, then finished by the other process


def test_the_claim_holds_the_write_lock_from_the_moment_it_reads_the_run(
    eval_store: Store, world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = cancelled_run(eval_store, world)
    real = eval_runner.get_run_row
    refused: list[str] = []

    def get_run_row(store: Store, wanted: int) -> dict[str, Any] | None:
        # Another process trying to claim the run now must wait for this transaction.
        conn = sqlite3.connect(eval_store.path, isolation_level=None, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            refused.append(str(exc))
        finally:
            conn.close()
        return real(store, wanted)

    monkeypatch.setattr(eval_runner, "get_run_row", get_run_row)

    assert resume_run(eval_store, run_id, hosts=world.factory).status == "finished"
    assert refused == ["database is locked"]
