"""A bias resume claims its run in one write transaction: another process that claimed (or
finished) the run after this one's busy check wins, and the run is left to it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import worker_claims

from workbench.bias import (
    BiasRun,
    BiasRunBusyError,
    Selection,
    get_bias_run,
    list_variant_scores,
    resume_bias_run,
    run_bias_test,
)
from workbench.bias import runner as bias_runner
from workbench.store import Store, open_store
from workbench.store.audit import list_entries, verify_chain
from workbench.workers import current_worker

MODEL = {"model_name": "scripted", "model_sha256": "ab" * 32}
SHA = MODEL["model_sha256"]
DECISIONS = Selection(families=("decision",))


rival = worker_claims.rival  # the fixture: another live process's identity
claim_from_another_connection = partial(worker_claims.claim_run, table="bias_runs")


def cancelled_run(store: Store, small_set: Any, scripted: Any) -> int:
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=DECISIONS,
        progress=lambda done, total: done < 3,
    )  # fmt: skip
    assert (run.status, run.n_scored) == ("cancelled", 3)
    return run.id


def after_busy_check(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> None:
    """Run ``act()`` once, right after the resume's busy check passed (where the command line
    and the desktop app load the model)."""
    real = bias_runner.check_not_busy
    acted: list[bool] = []

    def check_not_busy(run: BiasRun) -> None:
        real(run)
        if not acted:
            acted.append(True)
            act()

    monkeypatch.setattr(bias_runner, "check_not_busy", check_not_busy)


def resumed_entries(store: Store, run_id: int) -> int:
    return len(list_entries(store, subject=f"bias-run:{run_id}", action="bias_run.resumed"))


def test_a_process_that_claims_the_run_after_the_busy_check_wins(
    store: Store, small_set: Any, scripted: Any, rival: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    run_id = cancelled_run(store, small_set, scripted)
    after_busy_check(monkeypatch, lambda: claim_from_another_connection(store.path, run_id, rival))
    scorer = scripted()

    with pytest.raises(BiasRunBusyError, match=f"being scored by process {rival['pid']}"):
        resume_bias_run(store, scorer, run_id, model_sha256=SHA)

    run = get_bias_run(store, run_id)
    assert run.status == "running"
    assert dict(run.worker) == rival  # the winner's claim stays
    assert run.n_scored == 3
    assert scorer.requests == []  # nothing was scored here
    assert resumed_entries(store, run_id) == 0
    assert verify_chain(store).ok
    # The refused resume let go of its in-process claim.
    assert run_id not in bias_runner._ACTIVE_RUNS


def test_a_run_another_process_finished_after_the_busy_check_is_returned_as_it_is(
    store: Store, small_set: Any, scripted: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = cancelled_run(store, small_set, scripted)

    def finish_elsewhere() -> None:
        with open_store(home) as other:
            assert resume_bias_run(other, scripted(), run_id, model_sha256=SHA).status == "finished"

    after_busy_check(monkeypatch, finish_elsewhere)
    scorer = scripted()

    run = resume_bias_run(store, scorer, run_id, model_sha256=SHA)

    assert (run.status, run.n_scored) == ("finished", 12)
    assert scorer.requests == []
    assert resumed_entries(store, run_id) == 1  # the other process's resume only
    keys = [s.key for s in list_variant_scores(store, run_id)]
    assert len(keys) == len(set(keys)) == 12


def test_a_run_whose_scorer_died_and_whose_pid_was_reused_can_be_resumed(
    store: Store, small_set: Any, scripted: Any, rival: dict[str, Any]
) -> None:
    run_id = cancelled_run(store, small_set, scripted)
    # The scorer that stored this identity is gone; the system gave its pid to ``rival``.
    reused = {**rival, "started": rival["started"] - 3600}
    claim_from_another_connection(store.path, run_id, reused)

    run = resume_bias_run(store, scripted(), run_id, model_sha256=SHA)

    assert (run.status, run.n_scored) == ("finished", 12)
    assert dict(run.worker) == current_worker()
