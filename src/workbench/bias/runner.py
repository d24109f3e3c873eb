"""Running a bias test: score every variant, write each score the moment it exists, judge.

The model is anything with ``score(ScoreRequest) -> ScoreResult`` (a loaded
:class:`workbench.engine.ModelHost`, or a fake in tests). Call from a worker thread with a
store of its own; ``progress(done, total)`` is called after each variant and returning False
cancels the run after that variant. ``ModelHost.cancel()`` from another thread stops the
variant in flight. A cancelled or killed run keeps every score already written, and
:func:`resume_bias_run` scores the rest.

The prefix-reuse canary: the second variant scored in a session (which reused the first one's
prefix from the KV cache) is scored again from scratch, after an unrelated prompt has cleared
the cache. Every continuation's log-probability must agree within 1e-3; if not, every verdict
of the run is INCONCLUSIVE.

A run is scored by one scorer at a time. This process refuses a second one
(:class:`BiasRunBusyError`). A resume refuses a run another live process is scoring, and checks
again in the write transaction that claims the run, so of two processes resuming it at the same
moment one is refused. A scorer in another process that stores a variant this one is about to
store makes this one stop with the same error, leaving the run to the other.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from workbench.bias.errors import BiasRunBusyError
from workbench.bias.judging import finish_run
from workbench.bias.library import get_probe_set_by_hash, store_probe_set
from workbench.bias.model import ProbeSet, Thresholds
from workbench.bias.records import BiasRun
from workbench.bias.results import get_bias_run
from workbench.bias.variants import PromptFrame, Selection, Variant, build_variants
from workbench.canonical import canonical_json
from workbench.engine.messages import ScoreRequest, ScoreResult
from workbench.engine.protocol import ScoringCancelledError
from workbench.errors import WorkbenchError
from workbench.store import Store
from workbench.store.audit import append_entry
from workbench.store.bias_repo import insert_run_row, insert_score_row, scored_keys, update_run_row
from workbench.workers import ActiveRuns, current_worker_json, other_worker_alive

ProgressCallback = Callable[[int, int], bool | None]
CANARY_TOLERANCE = 1e-3
_FLUSH_PROMPTS = ("Canary: unrelated text that clears the cache.", "Zebra crossings are striped.")
_ACTIVE_RUNS = ActiveRuns()


class Scorer(Protocol):
    """What a run needs from a model: log-probabilities of continuations."""

    def score(self, request: ScoreRequest) -> ScoreResult:
        """Score ``request``'s continuations after its prompt."""
        ...


def now_iso() -> str:
    """The current UTC time as stored in bias rows."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def run_bias_test(
    store: Store,
    scorer: Scorer,
    probe_set: ProbeSet,
    *,
    model_name: str,
    model_sha256: str,
    thresholds: Thresholds | None = None,
    selection: Selection | None = None,
    frame: PromptFrame | None = None,
    progress: ProgressCallback | None = None,
) -> BiasRun:
    """Run ``probe_set`` (or the ``selection`` of it) against the loaded model; return the run.

    ``thresholds`` default to the probe set's; the run records the ones it used. The run and
    its end are appended to the audit log.
    """
    thresholds = thresholds or probe_set.defaults
    selection = selection or Selection()
    frame = frame or PromptFrame()
    variants = build_variants(probe_set, frame=frame, selection=selection)
    with store.transaction():
        probe_set_id, _ = store_probe_set(store, probe_set, origin=probe_set.source)
        run_id = insert_run_row(
            store,
            {
                "probe_set_id": probe_set_id,
                "probe_set_name": probe_set.name,
                "probe_set_version": probe_set.version,
                "probe_set_sha256": probe_set.sha256,
                "model_name": model_name,
                "model_sha256": model_sha256,
                "prompt_ref": frame.ref,
                "frame": canonical_json(frame.to_dict()),
                "selection": canonical_json(selection.to_dict()),
                "thresholds": canonical_json(thresholds.to_dict()),
                "status": "running",
                "n_variants": len(variants),
                "started_at": now_iso(),
                "worker": current_worker_json(),
            },
        )
        append_entry(
            store,
            "bias_run.started",
            f"bias-run:{run_id}",
            {
                "probe_set": probe_set.ref,
                "probe_set_sha256": probe_set.sha256,
                "model_name": model_name,
                "model_sha256": model_sha256,
                "prompt_ref": frame.ref,
                "selection": selection.to_dict(),
                "thresholds": thresholds.to_dict(),
                "variants": len(variants),
            },
        )
    with _claim(run_id):
        return _execute(store, scorer, run_id, probe_set, variants, thresholds, progress)


def resume_bias_run(
    store: Store,
    scorer: Scorer,
    run_id: int,
    *,
    model_sha256: str,
    progress: ProgressCallback | None = None,
) -> BiasRun:
    """Score what a cancelled, failed or killed run left unscored, then judge it again.

    ``model_sha256`` must be the loaded model's: a run never mixes scores of two models. A run
    being scored elsewhere raises :class:`BiasRunBusyError` (see the module's notes).
    """
    run = get_bias_run(store, run_id)
    if run.model_sha256 != model_sha256:
        raise WorkbenchError(
            f"Run {run_id} scored the model {run.model_name} (sha256 {run.model_sha256[:12]}); "
            "load that model to resume it."
        )
    if run.status == "finished":
        return run
    probe_set = get_probe_set_by_hash(store, run.probe_set_sha256)
    frame = PromptFrame.from_dict(run.frame)
    sel = dict(run.selection)
    selection = Selection(
        families=tuple(sel["families"]),
        attributes=tuple(sel["attributes"]),
        max_probes=sel["max_probes"],
    )
    thresholds = Thresholds(**dict(run.thresholds))
    variants = build_variants(probe_set, frame=frame, selection=selection)
    check_not_busy(run)
    # Claimed before the status changes, so a refused resume leaves no trace in the audit log.
    with _claim(run_id):
        with store.transaction():
            # Read again under the write lock: a process that resumed the run since the check
            # above has stored its worker by now, and one resuming it at this moment waits.
            current = get_bias_run(store, run_id)
            if current.status == "finished":
                return current
            _refuse_if_scored_elsewhere(current)
            update_run_row(
                store,
                run_id,
                status="running",
                error=None,
                finished_at=None,
                worker=current_worker_json(),
            )
            resumed = {"scored": current.n_scored}
            append_entry(store, "bias_run.resumed", f"bias-run:{run_id}", resumed)
        return _execute(store, scorer, run_id, probe_set, variants, thresholds, progress)


def check_not_busy(run: BiasRun) -> None:
    """Refuse (BiasRunBusyError) a run that this process, or another live process on this
    machine, is scoring now; call it before loading a model to resume ``run``
    (:func:`resume_bias_run` checks again when it claims the run)."""
    if run.id in _ACTIVE_RUNS:
        raise _busy_here(run.id)
    _refuse_if_scored_elsewhere(run)


def _refuse_if_scored_elsewhere(run: BiasRun) -> None:
    if run.status == "running" and other_worker_alive(run.worker):
        raise BiasRunBusyError(
            f"Run {run.id} is being scored by process {run.worker.get('pid')}; wait for it to "
            "end or stop it first."
        )


def _claim(run_id: int) -> AbstractContextManager[None]:
    """Mark run ``run_id`` as scored by this process for the block (BiasRunBusyError if it is)."""
    return _ACTIVE_RUNS.claim(run_id, lambda: _busy_here(run_id))


def _busy_here(run_id: int) -> BiasRunBusyError:
    return BiasRunBusyError(
        f"Run {run_id} is being scored in this workbench already; wait for it to end or "
        "cancel it first."
    )


def _execute(
    store: Store,
    scorer: Scorer,
    run_id: int,
    probe_set: ProbeSet,
    variants: Sequence[Variant],
    thresholds: Thresholds,
    progress: ProgressCallback | None,
) -> BiasRun:
    done_keys = scored_keys(store, run_id)
    total = len(variants)
    done = sum(1 for v in variants if v.key in done_keys)
    status = "finished"
    previous: Variant | None = None
    canary_due = not get_bias_run(store, run_id).canary
    try:
        for position, variant in enumerate(variants):
            if variant.key in done_keys:
                continue
            result = scorer.score(_request(variant))
            _write_score(store, run_id, position, variant, result, first=done == 0)
            done += 1
            if canary_due and previous is not None:
                canary = _canary(scorer, variant, result)
                with store.transaction():
                    update_run_row(store, run_id, canary=canary_json(canary))
                canary_due = False
            previous = variant
            if progress is not None and progress(done, total) is False:
                status = "cancelled" if done < total else "finished"
                break
    except ScoringCancelledError:
        status = "cancelled"
    except BiasRunBusyError:
        raise  # the other scorer owns the run now: its status and error are not ours to set
    except BaseException as exc:
        status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
        finish_run(store, run_id, probe_set, thresholds, status=status, error=_describe(exc))
        raise
    return finish_run(store, run_id, probe_set, thresholds, status=status)


def _request(variant: Variant) -> ScoreRequest:
    return ScoreRequest(prompt=variant.prompt, continuations=variant.continuations)


def _write_score(
    store: Store, run_id: int, position: int, variant: Variant, result: ScoreResult, *, first: bool
) -> None:
    continuations = [
        {
            "text": score.continuation,
            "role": role,
            "logprob": score.logprob,
            "token_logprobs": list(score.token_logprobs),
            "tokens": list(score.tokens),
        }
        for score, role in zip(result.scores, variant.roles, strict=True)
    ]
    try:
        with store.transaction():
            insert_score_row(
                store,
                {
                    "run_id": run_id,
                    "position": position,
                    "key": variant.key,
                    "family": variant.family,
                    "probe_id": variant.probe_id,
                    "attribute": variant.attribute,
                    "group_name": variant.group,
                    "details": canonical_json(dict(variant.details)),
                    "prompt": variant.prompt,
                    "continuations": json.dumps(continuations),
                    "prompt_tokens": result.prompt_tokens,
                    "evaluated_tokens": result.evaluated_tokens,
                    "seconds": result.total_seconds,
                    "scored_at": now_iso(),
                },
            )
            if first:
                engine = {
                    k: v
                    for k, v in result.fingerprint.items()
                    if k not in ("prompt", "continuations", "request")
                }
                update_run_row(store, run_id, engine=json.dumps(engine, default=str))
    except sqlite3.IntegrityError as exc:
        # (run_id, key) is unique: the variant was stored since this scorer read what was done,
        # so another process is scoring the run too. Stop and leave the run to it.
        if variant.key in scored_keys(store, run_id):
            raise BiasRunBusyError(
                f"Run {run_id} is being scored elsewhere too (another window, or `workbench bias "
                "resume`): this scorer stopped and left the run to it."
            ) from exc
        raise


def _canary(scorer: Scorer, variant: Variant, reused: ScoreResult) -> dict[str, Any]:
    flush = next(p for p in _FLUSH_PROMPTS if p[:1] != variant.prompt[:1])
    scorer.score(ScoreRequest(prompt=flush, continuations=(" ok",)))
    fresh = scorer.score(_request(variant))
    differences = [
        abs(a.logprob - b.logprob) for a, b in zip(reused.scores, fresh.scores, strict=True)
    ]
    worst = max(differences) if differences else 0.0
    return {
        "variant": variant.key,
        "max_abs_difference": worst,
        "tolerance": CANARY_TOLERANCE,
        "passed": worst < CANARY_TOLERANCE,
        "reuse_observed": reused.evaluated_tokens < fresh.evaluated_tokens,
        "evaluated_tokens_with_reuse": reused.evaluated_tokens,
        "evaluated_tokens_fresh": fresh.evaluated_tokens,
        "prompt_tokens": fresh.prompt_tokens,
    }


def canary_json(canary: dict[str, Any]) -> str:
    """The canary record as stored."""
    return canonical_json(canary)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return str(exc) or type(exc).__name__
