"""One scorer per run: a second resume in this process is refused up front, and a scorer that
finds its variant stored by another process stops and leaves the run to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from workbench.bias import (
    BiasRunBusyError,
    Selection,
    get_bias_run,
    list_variant_scores,
    resume_bias_run,
    run_bias_test,
)
from workbench.engine import ScoreRequest, ScoreResult
from workbench.store import open_store
from workbench.store.audit import list_entries
from workbench.workers import ActiveRuns, process_start_time

MODEL = {"model_name": "scripted", "model_sha256": "ab" * 32}
DECISIONS = Selection(families=("decision",))


def _cancelled_run(store: Any, small_set: Any, scripted: Any, after: int = 3) -> int:
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=DECISIONS,
        progress=lambda done, total: done < after,
    )  # fmt: skip
    assert (run.status, run.n_scored) == ("cancelled", after)
    return run.id


class _HeldScorer:
    """Holds its first score until released, so a run stays claimed meanwhile."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.started = threading.Event()
        self.release = threading.Event()

    def score(self, request: ScoreRequest) -> ScoreResult:
        self.started.set()
        self.release.wait(30)
        return self.inner.score(request)


def test_a_second_resume_in_this_process_is_refused_without_touching_the_run(
    store, small_set, scripted, home: Path
) -> None:
    run_id = _cancelled_run(store, small_set, scripted)
    held = _HeldScorer(scripted())
    outcome: list[Any] = []

    def first() -> None:
        with open_store(home) as own:  # one connection per thread
            outcome.append(resume_bias_run(own, held, run_id, model_sha256=MODEL["model_sha256"]))

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert held.started.wait(10)
        resumed_before = len(list_entries(store, action="bias_run.resumed"))
        with pytest.raises(BiasRunBusyError, match=f"Run {run_id} is being scored"):
            resume_bias_run(store, scripted(), run_id, model_sha256=MODEL["model_sha256"])
        assert len(list_entries(store, action="bias_run.resumed")) == resumed_before
    finally:
        held.release.set()
        thread.join(30)
    assert outcome[0].status == "finished"
    keys = [s.key for s in list_variant_scores(store, run_id)]
    assert len(keys) == len(set(keys)) == 12
    # once the first resume is over, the run can be claimed again (here: nothing left to do)
    assert (
        resume_bias_run(store, scripted(), run_id, model_sha256=MODEL["model_sha256"]).id == run_id
    )


class _RivalScorer:
    """Before returning its first score, lets a rival (another process) resume the same run and
    finish it, so the variant this scorer holds is stored by then."""

    def __init__(self, inner: Any, rival: Any, home: Path, run_id: int) -> None:
        self.inner = inner
        self.rival = rival
        self.home = home
        self.run_id = run_id
        self.done = False

    def score(self, request: ScoreRequest) -> ScoreResult:
        result = self.inner.score(request)
        if not self.done:
            self.done = True
            with open_store(self.home) as rival:
                resume_bias_run(rival, self.rival, self.run_id, model_sha256=MODEL["model_sha256"])
        return result


def test_a_scorer_that_finds_its_variant_stored_elsewhere_stops_and_leaves_the_run(
    store, small_set, scripted, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = _cancelled_run(store, small_set, scripted)
    # The rival is "another process": this process's claim must not stop it, so it is dropped.
    from workbench.bias import runner

    monkeypatch.setattr(runner, "_ACTIVE_RUNS", _Forgetful())
    rival_scorer = _RivalScorer(scripted(), scripted(), home, run_id)
    with pytest.raises(BiasRunBusyError, match="scored elsewhere too"):
        resume_bias_run(store, rival_scorer, run_id, model_sha256=MODEL["model_sha256"])
    run = get_bias_run(store, run_id)
    assert run.status == "finished"  # the rival's outcome, not overwritten with "failed"
    assert run.error is None
    keys = [s.key for s in list_variant_scores(store, run_id)]
    assert len(keys) == len(set(keys)) == 12


class _Forgetful(ActiveRuns):
    """A claim registry that never remembers, standing in for two separate processes."""

    def __contains__(self, run_id: object) -> bool:
        return False

    @contextmanager
    def claim(self, run_id: int, busy: Callable[[], Exception]) -> Iterator[None]:
        yield


def test_a_run_a_live_process_is_scoring_is_refused_before_anything_loads(
    store, small_set, scripted, home: Path
) -> None:
    import subprocess
    import sys

    from workbench.bias import BiasError, resumable_model
    from workbench.store.bias_repo import update_run_row
    from workbench.workers import current_worker

    run_id = _cancelled_run(store, small_set, scripted)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = process_start_time(other.pid)
        worker = {**current_worker(), "pid": other.pid, "started": started}
        with store.transaction():
            update_run_row(store, run_id, status="running", worker=json.dumps(worker))
        run = get_bias_run(store, run_id)

        with pytest.raises(BiasRunBusyError, match=f"process {other.pid}"):
            resumable_model(store, run)
        with pytest.raises(BiasRunBusyError):
            resume_bias_run(store, scripted(), run_id, model_sha256=MODEL["model_sha256"])
        assert list_entries(store, subject=f"bias-run:{run_id}", action="bias_run.resumed") == []
    finally:
        other.kill()
        other.wait()

    # The process is gone: the run is resumable again (the model check comes next).
    with pytest.raises(BiasError) as refused:
        resumable_model(store, get_bias_run(store, run_id))
    assert not isinstance(refused.value, BiasRunBusyError)
    resumed = resume_bias_run(store, scripted(), run_id, model_sha256=MODEL["model_sha256"])
    assert resumed.status == "finished"
    assert resumed.worker["pid"] == current_worker()["pid"]


def test_new_runs_record_their_worker(store, small_set, scripted) -> None:
    from workbench.workers import current_worker

    run_id = _cancelled_run(store, small_set, scripted)

    assert dict(get_bias_run(store, run_id).worker) == current_worker()
