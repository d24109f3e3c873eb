"""Replaying one cell from what was recorded, and saying whether the output is identical.

The cell's stored request (the rendered messages or prompt and every sampling setting, seed
included) runs again on the model file the run's snapshot names, loaded with the recorded load
settings, after checking that the file still has the recorded SHA-256. The replayed output is
compared with the stored one, the fingerprints key by key (what differs, such as a newer
llama.cpp, is listed), and the new output is graded with the case's assertions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.evals import runner
from workbench.evals.assertions import GradingContext, GradingResult, grade_output
from workbench.evals.errors import EvalError
from workbench.evals.hosts import HostFactory, HostPool
from workbench.evals.judge import ModelJudge
from workbench.evals.plan import request_from_dict
from workbench.evals.records import CellResult, get_cell, get_run
from workbench.store import Store

# Fingerprint keys that describe where or when, not what: a difference there is reported but
# does not make a replay suspicious.
_CONTEXT_KEYS = frozenset({"model_path"})


@dataclass(frozen=True)
class ReplayResult:
    """The replay of one cell."""

    run_id: int
    cell: CellResult
    identical: bool
    output: str
    grading: GradingResult
    fingerprint: dict[str, Any]
    fingerprint_differences: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "run_id": self.run_id,
            "cell": self.cell.number,
            "cell_key": self.cell.key,
            "identical": self.identical,
            "original_output": self.cell.output,
            "replayed_output": self.output,
            "original_pass": self.cell.passed,
            "replayed_pass": self.grading.passed,
            "grading": self.grading.to_dict(),
            "fingerprint_differences": list(self.fingerprint_differences),
            "fingerprint": self.fingerprint,
        }


def replay_cell(
    store: Store,
    run_id: int,
    cell: str | int,
    *,
    hosts: HostFactory | None = None,
    control: runner.RunControl | None = None,
) -> ReplayResult:
    """Run cell ``cell`` (its key or 1-based number) of run ``run_id`` again; compare.

    ``control`` cancels from another thread: the generation stops at once and EvalError says
    the replay was cancelled (a partial output would only look like a difference).
    """
    run = get_run(store, run_id)
    stored = get_cell(store, run_id, cell)
    snapshot = run.snapshot
    assert snapshot is not None
    if stored.status == "error" or not stored.request:  # nothing was generated
        raise EvalError(
            f"Cell {stored.number} of run {run_id} produced no output ({stored.reason})."
        )
    model = next(m for m in snapshot.models if m.id == stored.model_id)
    runner.check_model_file(store, model)
    case = next(c for c in snapshot.cases if c.id == stored.case_id)
    pool = HostPool(hosts or runner.default_host_factory(store))
    if control is not None:
        control.attach(pool)
    try:
        result = pool.acquire(model.load_request()).generate_text(request_from_dict(stored.request))
        if control is not None and control.cancelled:
            raise EvalError(f"The replay of cell {stored.number} of run {run_id} was cancelled.")
        judge = ModelJudge(pool, snapshot.judge, seed=snapshot.seed) if snapshot.judge else None
        context = GradingContext(
            vars=case.vars,
            prompt=result.rendered_prompt,
            latency_ms=result.total_seconds * 1000.0,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            judge=judge,
        )
        grading = grade_output(result.text, case.assertions, context, threshold=case.threshold)
    finally:
        if control is not None:
            control.attach(None)
        pool.close()
    differences = fingerprint_differences(dict(stored.fingerprint or {}), result.fingerprint)
    return ReplayResult(
        run_id=run_id,
        cell=stored,
        identical=result.text == stored.output,
        output=result.text,
        grading=grading,
        fingerprint=result.fingerprint,
        fingerprint_differences=differences,
    )


def fingerprint_differences(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """The keys whose values differ between two fingerprints, context keys marked as such."""
    keys = sorted(set(before) | set(after))
    return tuple(
        f"{key} (context)" if key in _CONTEXT_KEYS else key
        for key in keys
        if before.get(key) != after.get(key)
    )
