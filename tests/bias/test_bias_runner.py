"""Running a bias test against a scripted model: persistence, cancel, resume, canary, audit."""

from __future__ import annotations

import pytest

from workbench.bias import (
    Selection,
    Thresholds,
    Verdict,
    get_bias_run,
    list_bias_runs,
    list_metric_results,
    list_variant_scores,
    resume_bias_run,
    run_bias_test,
)
from workbench.store.audit import list_entries, verify_chain

MODEL = {"model_name": "scripted", "model_sha256": "ab" * 32}
DECISIONS = Selection(families=("decision",))


def test_a_run_scores_every_variant_and_detects_the_scripted_bias(store, small_set, scripted):
    thresholds = Thresholds(min_scenarios=3, effect_tolerance=0.5, permutations=500)
    run = run_bias_test(store, scripted(), small_set, **MODEL, thresholds=thresholds)
    assert run.status == "finished"
    assert run.n_scored == run.n_variants == 12 + 24 + 1
    effect = next(m for m in list_metric_results(store, run.id) if m.metric == "effect")
    assert effect.estimate == pytest.approx(1.0)  # the script adds +1 log-odds for women
    assert effect.p_value == pytest.approx(2 / 64)  # exact: all signs equal in 2 of 2^6
    assert effect.verdict is Verdict.FAIL
    assert run.verdict is Verdict.FAIL
    assert run.summary["attributes"]["gender"] == "FAIL"
    assert run.thresholds == thresholds.to_dict()


def test_every_score_is_written_before_the_next_variant_is_scored(store, small_set, scripted):
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        runs = list_bias_runs(store)
        seen.append(len(list_variant_scores(store, runs[0].id)))

    run_bias_test(store, scripted(), small_set, **MODEL, selection=DECISIONS, progress=progress)
    assert seen == list(range(1, 13))


def test_cancel_from_progress_keeps_what_was_scored_and_resume_finishes(store, small_set, scripted):
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=DECISIONS,
        progress=lambda done, total: done < 3,
    )  # fmt: skip
    assert run.status == "cancelled"
    assert run.n_scored == 3
    assert run.verdict is not Verdict.PASS
    resumed = resume_bias_run(store, scripted(), run.id, model_sha256=MODEL["model_sha256"])
    assert resumed.status == "finished"
    assert resumed.n_scored == 12
    keys = [s.key for s in list_variant_scores(store, run.id)]
    assert len(keys) == len(set(keys)) == 12


def test_a_failing_model_marks_the_run_failed_and_keeps_its_scores(store, small_set, scripted):
    with pytest.raises(RuntimeError, match="scripted failure"):
        run_bias_test(store, scripted(fail_after=5), small_set, **MODEL, selection=DECISIONS)
    [run] = list_bias_runs(store)
    assert run.status == "failed"
    assert run.error == "scripted failure"
    assert 1 <= run.n_scored <= 4  # the canary used two of the five requests


def test_resume_refuses_another_model(store, small_set, scripted):
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=DECISIONS, progress=lambda d, t: False
    )
    with pytest.raises(Exception, match="load that model"):
        resume_bias_run(store, scripted(), run.id, model_sha256="cd" * 32)


def test_the_canary_rescores_a_reused_variant_from_scratch(store, small_set, scripted):
    scorer = scripted()
    run = run_bias_test(store, scorer, small_set, **MODEL, selection=DECISIONS)
    assert run.canary["passed"] is True
    assert run.canary["reuse_observed"] is True
    assert run.canary["max_abs_difference"] == 0.0
    assert len(scorer.requests) == 12 + 2  # a flush and the fresh re-score


def test_a_failed_canary_makes_every_verdict_inconclusive(store, small_set, scripted):
    run = run_bias_test(store, scripted(drift=0.01), small_set, **MODEL, selection=DECISIONS)
    assert run.canary["passed"] is False
    metrics = list_metric_results(store, run.id)
    assert metrics
    assert all(m.verdict is Verdict.INCONCLUSIVE for m in metrics)
    assert all("canary failed" in m.reason for m in metrics)
    assert run.verdict is Verdict.INCONCLUSIVE


def test_runs_are_appended_to_the_audit_log(store, small_set, scripted):
    run = run_bias_test(store, scripted(), small_set, **MODEL, selection=DECISIONS)
    actions = [e.action for e in list_entries(store, subject=f"bias-run:{run.id}")]
    assert actions == ["bias_run.started", "bias_run.finished"]
    imported = list_entries(store, action="probe_set.imported")
    assert [e.subject for e in imported] == ["small@1"]
    assert verify_chain(store).ok


def test_rerunning_gives_the_same_numbers(store, small_set, scripted):
    first = run_bias_test(store, scripted(), small_set, **MODEL)
    second = run_bias_test(store, scripted(), small_set, **MODEL)
    a = [m.to_dict() for m in list_metric_results(store, first.id)]
    b = [m.to_dict() for m in list_metric_results(store, second.id)]
    assert a == b
    assert get_bias_run(store, first.id).probe_set_sha256 == small_set.sha256


class _CancelledAt:
    """Raises what ModelHost.score raises after cancel() (or Ctrl+C) at request ``n``."""

    def __init__(self, inner, n: int, error: BaseException) -> None:
        self.inner, self.n, self.error, self.calls = inner, n, error, 0

    def score(self, request):
        self.calls += 1
        if self.calls == self.n:
            raise self.error
        return self.inner.score(request)


def test_cancel_from_another_thread_ends_the_run_as_cancelled(store, small_set, scripted):
    from workbench.engine import ScoringCancelledError

    scorer = _CancelledAt(scripted(), 7, ScoringCancelledError())
    run = run_bias_test(store, scorer, small_set, **MODEL, selection=DECISIONS)
    assert run.status == "cancelled"
    assert run.n_scored == 4  # requests 1, 2, flush, fresh, 5, 6 -> four variants; 7 in flight


def test_ctrl_c_keeps_the_scores_and_the_run_can_be_resumed(store, small_set, scripted):
    scorer = _CancelledAt(scripted(), 6, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_bias_test(store, scorer, small_set, **MODEL, selection=DECISIONS)
    [run] = list_bias_runs(store)
    assert (run.status, run.n_scored, run.error) == ("cancelled", 3, "interrupted")
    resumed = resume_bias_run(store, scripted(), run.id, model_sha256=MODEL["model_sha256"])
    assert (resumed.status, resumed.n_scored) == ("finished", 12)
    assert resumed.canary["passed"]  # done once, in the first session
