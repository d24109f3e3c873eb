"""The matrix runner: every cell of a suite, stored the moment it finishes; cancel and resume.

Call :func:`run_matrix` (or :func:`resume_run`) from a worker thread with a store of its own.
``progress`` gets the events of :mod:`workbench.evals.events`; returning False cancels. A
:class:`RunControl` cancels from any other thread, stopping the generation in flight at once.
A cancelled, failed or killed run (``kill -9`` included) keeps every cell already stored, loses
at most the cell in flight, and :func:`resume_run` finishes it: the plan is rebuilt from the
run's snapshot and only cells missing from the store run.

Audit: ``eval_run.started`` (with the snapshot's hashes) in the transaction that creates the
run, ``eval_run.resumed``, and ``eval_run.finished`` with the summary.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.canonical import canonical_json
from workbench.errors import NotFoundError
from workbench.evals.cells import CellCancelledError, execute_cell
from workbench.evals.errors import EvalError, RunBusyError
from workbench.evals.events import (
    CellFinished,
    CellStarted,
    ModelLoading,
    ProgressCallback,
    RunEvent,
    RunFinished,
    RunStarted,
)
from workbench.evals.hosts import Host, HostFactory, HostPool
from workbench.evals.judge import ModelJudge
from workbench.evals.library import StoredSuite, now_iso
from workbench.evals.plan import check_variables, plan_cells
from workbench.evals.records import EvalRun, get_run, list_cells
from workbench.evals.references import check_references
from workbench.evals.snapshot import (
    ResolvedModel,
    RunSnapshot,
    chosen_cases,
    needs_judge,
    resolve_suite,
)
from workbench.evals.suite import EvalSuite
from workbench.evals.summary import summarize_snapshot
from workbench.inventory import hash_file
from workbench.paths import logs_dir
from workbench.store import Store
from workbench.store.audit import append_entry
from workbench.store.evals_repo import done_cell_keys, get_run_row, insert_run_row, update_run_row
from workbench.workers import RESUMABLE, ActiveRuns, current_worker_json, other_worker_alive

_ACTIVE_RUNS = ActiveRuns()


@dataclass(frozen=True)
class RunOptions:
    """Overrides of the suite's own settings for one run.

    ``tags`` keeps the cases with any of them. ``prompts`` and ``models`` choose the columns:
    suite prompt ids or stored prompt references (``support-reply@3``), suite model ids or
    inventory model names, in column order; empty means the suite's own.
    """

    repeat: int | None = None
    judge: str | None = None
    threshold: float | None = None
    tags: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    models: tuple[str, ...] = ()


class RunControl:
    """Cancels a run from any thread: the generation in flight stops, nothing more runs."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._pool: HostPool | None = None

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    def cancel(self) -> None:
        """Cancel the run (idempotent, thread-safe)."""
        self._event.set()
        pool = self._pool
        if pool is not None:
            pool.cancel()

    def attach(self, pool: HostPool | None) -> None:
        """Used by the runner: the hosts a cancel must reach."""
        self._pool = pool
        if pool is not None and self.cancelled:
            pool.cancel()


def default_host_factory(store: Store) -> HostFactory:
    """Model hosts that log next to the store: ``HOME/logs/model-host.log`` for the first, and
    ``model-host-2.log`` for a second one (a judge on another model)."""
    from workbench.engine import ModelHost

    folder = logs_dir(Path(store.path).parent)
    made = itertools.count(1)

    def make() -> Host:
        number = next(made)
        name = "model-host.log" if number == 1 else f"model-host-{number}.log"
        return ModelHost(log_path=folder / name)

    return make


def run_matrix(
    store: Store,
    suite: StoredSuite,
    *,
    options: RunOptions | None = None,
    hosts: HostFactory | None = None,
    progress: ProgressCallback | None = None,
    control: RunControl | None = None,
) -> EvalRun:
    """Run every cell of ``suite``; return the finished (or cancelled) run.

    Checked before anything is stored: every model, judge and prompt the run uses must exist
    (one UnresolvedReferencesError names all that do not), and every case must give the
    variables of every prompt (MissingCaseVariablesError names each prompt, case and variable).
    """
    snapshot = _checked_snapshot(store, suite, options or RunOptions())
    with store.transaction():
        run_id = insert_run_row(
            store,
            {
                "suite_id": suite.id,
                "suite_name": suite.name,
                "suite_version": suite.version,
                "suite_sha256": suite.sha256,
                "snapshot": canonical_json(snapshot.to_dict()),
                "snapshot_sha256": snapshot.sha256,
                "status": "running",
                "n_cells": snapshot.n_cells,
                "worker": current_worker_json(),
                "started_at": now_iso(),
            },
        )
        append_entry(
            store, "eval_run.started", f"eval-run:{run_id}", _started_payload(suite, snapshot)
        )
    with _ACTIVE_RUNS.claim(run_id, lambda: _busy_here(run_id)):
        return _execute_cells(store, run_id, snapshot, hosts, progress, control, resumed=False)


def check_run(store: Store, suite: EvalSuite, options: RunOptions | None = None) -> None:
    """Check ``suite`` (not stored yet, e.g. just read from a file) as :func:`run_matrix`
    would before storing anything: so that a suite that cannot run is not stored either."""
    draft = StoredSuite(0, suite.name, 0, suite.sha256, "", "", "", suite)
    _checked_snapshot(store, draft, options or RunOptions())


def unused_judge(suite: EvalSuite, options: RunOptions) -> str | None:
    """The judge ``options`` names when no case the run chooses needs one (it is checked,
    but neither resolved nor loaded); None when none is named or a case needs it."""
    if not options.judge or needs_judge(chosen_cases(suite, options.tags)):
        return None
    return options.judge


def _checked_snapshot(store: Store, suite: StoredSuite, options: RunOptions) -> RunSnapshot:
    """The run's snapshot, after checking that every model, judge and prompt it uses exists
    (one UnresolvedReferencesError names all that do not) and that every case gives every
    prompt's variables (MissingCaseVariablesError names each prompt, case and variable)."""
    check_references(
        store,
        suite.suite,
        prompts=options.prompts,
        models=options.models,
        judge=options.judge,
        tags=options.tags,
    )
    snapshot = resolve_suite(
        store,
        suite,
        repeat=options.repeat,
        judge=options.judge,
        threshold=options.threshold,
        tags=options.tags,
        prompts=options.prompts,
        models=options.models,
    )
    check_variables(snapshot)
    return snapshot


def resume_run(
    store: Store,
    run_id: int,
    *,
    hosts: HostFactory | None = None,
    progress: ProgressCallback | None = None,
    control: RunControl | None = None,
    force: bool = False,
) -> EvalRun:
    """Run the cells a cancelled, failed or killed run has not stored yet.

    A run that a live process on this machine is still executing is refused (RunBusyError)
    unless ``force``; even then no cell can be stored twice. The check is made again when the
    run is claimed, in the write transaction that records this process as its worker, so of two
    processes resuming the run at the same moment one is refused.
    """
    run = get_run(store, run_id)
    if _finished(run):
        return run  # finished: nothing left to run
    if run_id in _ACTIVE_RUNS:
        raise _busy_here(run_id)
    if not force:
        _refuse_if_busy(run)  # at once, before the model files are hashed
    assert run.snapshot is not None
    judge = (run.snapshot.judge,) if run.snapshot.judge else ()
    for model in (*run.snapshot.models, *judge):
        check_model_file(store, model)
    # Claimed in this process before the status changes, so a refused resume leaves no trace.
    with _ACTIVE_RUNS.claim(run_id, lambda: _busy_here(run_id)):
        finished = _claim_run(store, run_id, force=force)
        if finished is not None:
            return finished
        return _execute_cells(store, run_id, run.snapshot, hosts, progress, control, resumed=True)


def _claim_run(store: Store, run_id: int, *, force: bool) -> EvalRun | None:
    """Mark the run as executed by this process, unless (read again under the write lock, so a
    second process claiming it at the same moment waits for this one) another live process has
    claimed it since (RunBusyError) or it has finished (returned as it is)."""
    with store.transaction():
        row = get_run_row(store, run_id)
        if row is None:
            raise NotFoundError(f"No evaluation run {run_id}.")
        run = EvalRun.from_row(row, with_snapshot=False)
        if _finished(run):
            return get_run(store, run_id)
        if not force:
            _refuse_if_busy(run)
        update_run_row(
            store,
            run_id,
            status="running",
            error=None,
            finished_at=None,
            worker=current_worker_json(),
        )
        append_entry(store, "eval_run.resumed", f"eval-run:{run_id}", {"done": run.n_done})
    return None


def _finished(run: EvalRun) -> bool:
    return run.status not in RESUMABLE and run.n_done >= run.n_cells


def _refuse_if_busy(run: EvalRun) -> None:
    if run.status == "running" and other_worker_alive(run.worker):
        raise RunBusyError(
            f"Run {run.id} is still being executed by process {run.worker.get('pid')}; wait for "
            "it, cancel it, or resume with --force if that process is gone."
        )


def _busy_here(run_id: int) -> RunBusyError:
    return RunBusyError(f"Run {run_id} is running in this workbench already.")


def finish_run(
    store: Store, run_id: int, snapshot: RunSnapshot, *, status: str, error: str | None = None
) -> EvalRun:
    """Summarise a run from its stored cells, set its final status; audited."""
    cells = list_cells(store, run_id, light=True)
    summary = summarize_snapshot(cells, snapshot)
    passed = summary.threshold_passed if status == "finished" else None
    with store.transaction():
        update_run_row(
            store,
            run_id,
            status=status,
            summary=canonical_json(summary.to_dict()),
            threshold_passed=None if passed is None else int(passed),
            error=error,
            finished_at=now_iso(),
        )
        append_entry(
            store,
            "eval_run.finished",
            f"eval-run:{run_id}",
            {
                "status": status,
                "cells": len(cells),
                "n_cells": snapshot.n_cells,
                "threshold": snapshot.threshold,
                "threshold_passed": passed,
                "columns": [
                    {
                        "prompt": c.prompt_id,
                        "model": c.model_id,
                        "n": c.n,
                        "passed": c.passed,
                        "errors": c.errors,
                        "pass_rate": c.pass_rate,
                    }
                    for c in summary.columns
                ],
                "error": error,
            },
        )
    return get_run(store, run_id)


def _execute_cells(
    store: Store,
    run_id: int,
    snapshot: RunSnapshot,
    hosts: HostFactory | None,
    progress: ProgressCallback | None,
    control: RunControl | None,
    *,
    resumed: bool,
) -> EvalRun:
    control = control or RunControl()
    models = {model.id: model for model in snapshot.models}
    cases = {case.id: case for case in snapshot.cases}

    def emit(event: RunEvent) -> bool:
        if progress is not None and progress(event) is False:
            control.cancel()
        return not control.cancelled

    pool = HostPool(hosts or default_host_factory(store))
    control.attach(pool)
    judge = ModelJudge(pool, snapshot.judge, seed=snapshot.seed) if snapshot.judge else None
    status, durations = "finished", list[float]()
    try:
        # Announced before the cells are planned (rendering every prompt x case takes a while
        # for a large suite), so that a caller knows the run to resume however it stops.
        stored = done_cell_keys(store, run_id)
        done, total = len(stored), snapshot.n_cells
        emit(RunStarted(run_id, total, done, resumed, snapshot.repeat))
        pending = [cell for cell in plan_cells(snapshot) if cell.key not in stored]
        for cell in pending:
            model = models[cell.model_id]
            if cell.request is not None and not pool.has(model.load_request()):
                emit(ModelLoading(run_id, model.id, model.name))
            if not emit(CellStarted(run_id, cell, done, total)):
                status = "cancelled"
                break
            started = time.perf_counter()
            try:
                result = execute_cell(
                    store, run_id, cell, cases[cell.case_id], _host_for(pool, model), judge,
                    lambda: control.cancelled,
                )  # fmt: skip
            except CellCancelledError:
                status = "cancelled"
                break
            done += 1
            durations.append(time.perf_counter() - started)
            eta = sum(durations) / len(durations) * (total - done)
            if not emit(CellFinished(run_id, result, done, total, eta)):
                status = "cancelled" if done < total else "finished"
                break
    except KeyboardInterrupt:
        finish_run(store, run_id, snapshot, status="cancelled", error="interrupted")
        raise
    except BaseException as exc:
        finish_run(store, run_id, snapshot, status="failed", error=str(exc) or type(exc).__name__)
        raise
    finally:
        control.attach(None)
        pool.close()
    run = finish_run(store, run_id, snapshot, status=status)
    if progress is not None:
        progress(RunFinished(run))
    return run


def _host_for(pool: HostPool, model: ResolvedModel) -> HostFactory:
    """The cell's host, loaded on first use (so a run of error cells loads nothing)."""
    request = model.load_request()
    return lambda: pool.acquire(request)


def _started_payload(suite: StoredSuite, snapshot: RunSnapshot) -> dict[str, object]:
    return {
        "suite": suite.ref,
        "suite_sha256": suite.sha256,
        "snapshot_sha256": snapshot.sha256,
        "prompts": [
            {"id": p.id, "resolved_ref": p.resolved_ref, "content_hash": p.content_hash}
            for p in snapshot.prompts
        ],
        "models": [{"id": m.id, "name": m.name, "sha256": m.sha256} for m in snapshot.models],
        "judge": snapshot.judge.sha256 if snapshot.judge else None,
        "cases": len(snapshot.cases),
        "repeat": snapshot.repeat,
        "n_cells": snapshot.n_cells,
        "tags": list(snapshot.tags),
    }


def check_model_file(store: Store, model: ResolvedModel) -> None:
    """Refuse to go on when the model file a run recorded is missing or changed."""
    path = Path(model.path)
    if not path.is_file() or hash_file(path, store=store) != model.sha256:
        raise EvalError(
            f"The run used {model.name} from {path} (sha256 {model.sha256[:12]}); that file is "
            "missing or changed, so the run cannot be resumed with the same model."
        )
