"""Running one cell: generate, grade, and store the result in its own transaction at once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from workbench.canonical import canonical_json
from workbench.engine.messages import GenerationRequest, GenerationResult
from workbench.engine.protocol import ScoringCancelledError
from workbench.errors import EngineError, ModelHostCrashedError
from workbench.evals.assertions import GradingContext, GradingResult, Judge, grade_output
from workbench.evals.hosts import Host
from workbench.evals.library import now_iso
from workbench.evals.plan import PlannedCell, request_to_dict
from workbench.evals.records import CellResult
from workbench.evals.suite import EvalCase
from workbench.store import Store
from workbench.store.evals_repo import get_result_row, insert_result_row


class CellCancelledError(Exception):
    """Internal: the run was cancelled while this cell ran; nothing was stored."""


def execute_cell(
    store: Store,
    run_id: int,
    cell: PlannedCell,
    case: EvalCase,
    host: Callable[[], Host],
    judge: Judge | None,
    cancelled: Callable[[], bool],
) -> CellResult:
    """Run ``cell`` (``host()`` gives its model's host) and store it; return what was stored.

    A cell whose prompt could not be rendered, or which the engine refused (a prompt longer
    than the context), is stored as an error cell. A cancel raises CellCancelledError and
    stores nothing. A model process that crashes is restarted for one more try; a second
    crash propagates (the run fails, and a resume tries the cell again).
    """
    if cell.request is None:
        row = _error_row(
            run_id, cell, None, cell.render_error or "the prompt could not be rendered"
        )
        return _store(store, row)
    try:
        result = _generate(host, cell.request)
    except EngineError as exc:
        if isinstance(exc, ModelHostCrashedError | ScoringCancelledError):
            raise
        return _store(store, _error_row(run_id, cell, cell.request, f"the engine refused: {exc}"))
    if result.finish_reason == "cancelled" or cancelled():
        raise CellCancelledError
    context = GradingContext(
        vars=case.vars,
        prompt=result.rendered_prompt,
        latency_ms=result.total_seconds * 1000.0,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        judge=judge,
    )
    try:
        grading = grade_output(result.text, case.assertions, context, threshold=case.threshold)
    except ScoringCancelledError:
        raise CellCancelledError from None
    if cancelled():
        raise CellCancelledError
    return _store(store, _ok_row(run_id, cell, cell.request, result, grading))


def _generate(host: Callable[[], Host], request: GenerationRequest) -> GenerationResult:
    try:
        return host().generate_text(request)
    except ModelHostCrashedError:
        return host().generate_text(request)  # the next request starts a fresh host


def _base_row(run_id: int, cell: PlannedCell, request: GenerationRequest | None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "cell_key": cell.key,
        "position": cell.position,
        "prompt_id": cell.prompt_id,
        "model_id": cell.model_id,
        "case_id": cell.case_id,
        "repeat_index": cell.repeat,
        "seed": cell.seed,
        "request": canonical_json(request_to_dict(request) if request else {}),
        "finished_at": now_iso(),
    }


def _ok_row(
    run_id: int,
    cell: PlannedCell,
    request: GenerationRequest,
    result: GenerationResult,
    grading: GradingResult,
) -> dict[str, Any]:
    return {
        **_base_row(run_id, cell, request),
        "status": "ok",
        "rendered_prompt": result.rendered_prompt,
        "output": result.text,
        "passed": int(grading.passed),
        "score": grading.score,
        "reason": grading.reason,
        "grading": _json(grading.to_dict()),
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "time_to_first_token_s": result.time_to_first_token_s,
        "tokens_per_second": measured_tokens_per_second(result),
        "total_seconds": result.total_seconds,
        "finish_reason": result.finish_reason,
        "fingerprint": _json(result.fingerprint),
        "error": None,
    }


def measured_tokens_per_second(result: GenerationResult) -> float | None:
    """The decode rate, or None when it cannot be measured: it needs two completion tokens
    (the engine reports 0.0 for one or none, which would drag every median to zero)."""
    if result.completion_tokens < 2 or result.tokens_per_second <= 0:
        return None
    return result.tokens_per_second


def _error_row(
    run_id: int, cell: PlannedCell, request: GenerationRequest | None, error: str
) -> dict[str, Any]:
    return {
        **_base_row(run_id, cell, request),
        "status": "error",
        "rendered_prompt": "",
        "output": "",
        "passed": 0,
        "score": 0.0,
        "reason": error,
        "grading": _json(GradingResult.failure(error).to_dict()),
        "prompt_tokens": None,
        "completion_tokens": None,
        "time_to_first_token_s": None,
        "tokens_per_second": None,
        "total_seconds": None,
        "finish_reason": None,
        "fingerprint": "{}",
        "error": error,
    }


def _store(store: Store, row: Mapping[str, Any]) -> CellResult:
    with store.transaction():
        insert_result_row(store, row)  # a cell another process stored first is kept as is
        stored = get_result_row(store, row["run_id"], cell_key=row["cell_key"])
    assert stored is not None
    return CellResult.from_row(stored)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
