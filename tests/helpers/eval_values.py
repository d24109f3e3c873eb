"""Evaluation values built by hand: a finished :class:`workbench.evals.CellResult` and an
:class:`workbench.evals.EvalRun`, as the runner stores them, for the tests of the Evaluations
page's grid, statistics, cell detail and baselines (which only read these values, so they need
no store and no model).

Every cell is the same answer to a lamp question graded by one ``icontains 'bulb'``
assertion; a test names what it varies (case, column, verdict, output, repeat, number) and the
test modules that shape the grading or the seed their own way pass ``grading``, ``failure``
and ``seed``.

Test modules import this module as ``eval_values``: pytest's ``pythonpath`` option puts
tests/helpers on sys.path (under ``--import-mode=importlib`` test modules and conftest files
cannot import one another).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.evals import CellResult, EvalRun

EXPECTED_BULB = "Expected output to contain 'bulb'"


def make_cell(
    case_id: str,
    prompt_id: str = "p1",
    model_id: str = "m1",
    *,
    passed: bool = True,
    output: str = "Replace the bulb.",
    number: int = 1,
    repeat: int = 0,
    run_id: int = 1,
    seed: int = 7,
    rendered_prompt: str | None = "User: my lamp flickers",
    tokens_per_second: float | None = 88.5,
    failure: str = EXPECTED_BULB,
    grading: Mapping[str, Any] | None = None,
) -> CellResult:
    """A finished cell as the runner stores it: ``id`` and ``number`` are ``number``, its key
    is "prompt|model|case|repeat", a failed cell's reason is ``failure``.

    ``grading`` None gives the full grading the runner stores (verdict, score and the one
    icontains component, whose reason is "Found 'bulb'" or ``failure``).
    """
    score = 1.0 if passed else 0.0
    if grading is None:
        grading = {
            "pass": passed,
            "score": score,
            "reason": "",
            "named_scores": {},
            "components": [
                {
                    "pass": passed,
                    "score": score,
                    "reason": "Found 'bulb'" if passed else failure,
                    "assertion": {"type": "icontains", "value": "bulb"},
                    "details": {},
                }
            ],
        }
    return CellResult(
        id=number,
        run_id=run_id,
        number=number,
        key=f"{prompt_id}|{model_id}|{case_id}|{repeat}",
        prompt_id=prompt_id,
        model_id=model_id,
        case_id=case_id,
        repeat=repeat,
        seed=seed,
        status="ok",
        output=output,
        passed=passed,
        score=score,
        reason="All assertions passed" if passed else failure,
        grading=grading,
        prompt_tokens=12,
        completion_tokens=20,
        time_to_first_token_s=0.05,
        tokens_per_second=tokens_per_second,
        total_seconds=0.31,
        finish_reason="stop",
        error=None,
        finished_at="2026-01-01T00:00:00Z",
        rendered_prompt=rendered_prompt,
    )


def make_run(run_id: int, suite: str, version: int = 1) -> EvalRun:
    """A finished run of four cells of version ``version`` of the suite named ``suite``."""
    return EvalRun(
        id=run_id,
        suite_id=1,
        suite_name=suite,
        suite_version=version,
        suite_sha256="0" * 64,
        status="finished",
        n_cells=4,
        n_done=4,
        threshold_passed=None,
        summary={},
        error=None,
        started_at="2026-11-25T22:40:00Z",
        finished_at=None,
    )
