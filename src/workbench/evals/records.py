"""Runs and cell results as stored, read back into frozen value objects.

A GUI grid can fill live by polling :func:`list_cells` with ``after_id`` (only rows written
since the last poll) while a run executes in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from workbench.errors import NotFoundError
from workbench.evals.snapshot import RunSnapshot
from workbench.evals.stored_json import ABSENT, EMPTY_OBJECT, StoredJson
from workbench.store import Store
from workbench.store.evals_repo import (
    fetch_result_rows,
    get_result_row,
    get_run_row,
    list_run_rows,
)

RunStatus = Literal["running", "finished", "cancelled", "failed"]
#: The grading's named scores as :func:`fetch_result_rows` extracts them, by JSON type.
_NO_NAMED_SCORES = MappingProxyType({"named_scores": ABSENT})
_EMPTY_NAMED_SCORES = MappingProxyType({"named_scores": EMPTY_OBJECT})


@dataclass(frozen=True)
class CellResult:
    """One finished cell: the output, its grading and the generation's measurements.

    ``number`` is the cell's 1-based place in the run's plan (what ``eval replay RUN CELL``
    takes). ``request``, ``rendered_prompt`` and ``fingerprint`` are None when read "light".
    A cell read from the store parses its ``grading`` JSON only when first used.

    An errored cell (``status`` "error": the prompt could not render, the engine refused) is
    not an evaluation result: it is stored with ``passed`` False and ``score`` 0, but
    :attr:`verdict` and :attr:`graded_score` are None (``pass`` and ``score`` of
    :meth:`grading_dict` too), and every statistic leaves it out.
    """

    id: int
    run_id: int
    number: int
    key: str
    prompt_id: str
    model_id: str
    case_id: str
    repeat: int
    seed: int
    status: Literal["ok", "error"]
    output: str
    passed: bool
    score: float
    reason: str
    grading: Mapping[str, Any]
    prompt_tokens: int | None
    completion_tokens: int | None
    time_to_first_token_s: float | None
    tokens_per_second: float | None
    total_seconds: float | None
    finish_reason: str | None
    error: str | None
    finished_at: str
    request: Mapping[str, Any] | None = None
    rendered_prompt: str | None = None
    fingerprint: Mapping[str, Any] | None = None

    @property
    def column(self) -> tuple[str, str]:
        """The column (prompt id, model id) the cell belongs to."""
        return (self.prompt_id, self.model_id)

    @property
    def evaluated(self) -> bool:
        """Whether the cell has a verdict (it ran and was graded; an errored cell has none)."""
        return self.status == "ok"

    @property
    def verdict(self) -> bool | None:
        """Pass or fail; None for an errored cell (not evaluated)."""
        return self.passed if self.evaluated else None

    @property
    def graded_score(self) -> float | None:
        """The grading's score; None for an errored cell (not evaluated)."""
        return self.score if self.evaluated else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CellResult:
        """Build from a store row (full or light)."""
        return _row_reader(tuple(row))(tuple(row.values()))

    def grading_dict(self) -> dict[str, Any]:
        """The grading as a JSON-ready dict. An errored cell's is stored as a failure, but it
        was never graded: its ``pass`` and ``score`` are null here (its ``reason``, the error,
        is kept), as at the top level of :meth:`to_dict` and of an export row."""
        data = dict(self.grading)
        if not self.evaluated:
            data["pass"] = None
            data["score"] = None
        return data

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``pass`` for promptfoo's name; ``pass`` and ``score`` null for
        an errored cell, in ``grading`` too)."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("passed", "grading")}
        data["pass"] = self.verdict
        data["score"] = self.graded_score
        data["grading"] = self.grading_dict()
        return data


@lru_cache(maxsize=8)
def _row_reader(names: tuple[str, ...]) -> Callable[[Sequence[Any]], CellResult]:
    """A function building a :class:`CellResult` from a row with these columns (full or
    light; with or without the extracted named scores): the columns are looked up once per
    query, not once per row."""
    at = {name: index for index, name in enumerate(names)}
    i_id, i_run, i_position, i_key, i_prompt, i_model, i_case, i_repeat, i_seed = (
        at[name]
        for name in (
            "id", "run_id", "position", "cell_key", "prompt_id", "model_id", "case_id",
            "repeat_index", "seed",
        )
    )  # fmt: skip
    i_status, i_output, i_passed, i_score, i_reason, i_grading = (
        at[name] for name in ("status", "output", "passed", "score", "reason", "grading")
    )
    i_prompt_tokens, i_completion_tokens, i_ttft, i_tps, i_total, i_finish, i_error = (
        at[name]
        for name in (
            "prompt_tokens", "completion_tokens", "time_to_first_token_s", "tokens_per_second",
            "total_seconds", "finish_reason", "error",
        )
    )  # fmt: skip
    i_finished = at["finished_at"]
    i_request, i_rendered, i_fingerprint = (
        at.get(name) for name in ("request", "rendered_prompt", "fingerprint")
    )
    i_scores_type, i_scores = at.get("named_scores_type"), at.get("named_scores")

    def known_grading(row: Sequence[Any]) -> Mapping[str, Any] | None:
        # SQLite matches a key as written, Python after unescaping: trust SQLite only when
        # no key can be spelled with a \u escape (JSON written by json.dumps has unique keys).
        if i_scores_type is None or i_scores is None or "\\u" in row[i_grading]:
            return None
        kind = row[i_scores_type]
        if kind is None:
            return _NO_NAMED_SCORES
        if kind != "object":
            return None  # parsed with the rest when asked for
        text = row[i_scores]
        return _EMPTY_NAMED_SCORES if text == "{}" else {"named_scores": json.loads(text)}

    def read(row: Sequence[Any]) -> CellResult:
        return CellResult(
            id=row[i_id],
            run_id=row[i_run],
            number=row[i_position] + 1,
            key=row[i_key],
            prompt_id=row[i_prompt],
            model_id=row[i_model],
            case_id=row[i_case],
            repeat=row[i_repeat],
            seed=row[i_seed],
            status=row[i_status],
            output=row[i_output],
            passed=bool(row[i_passed]),
            score=row[i_score],
            reason=row[i_reason],
            grading=StoredJson(row[i_grading], known_grading(row)),
            prompt_tokens=row[i_prompt_tokens],
            completion_tokens=row[i_completion_tokens],
            time_to_first_token_s=row[i_ttft],
            tokens_per_second=row[i_tps],
            total_seconds=row[i_total],
            finish_reason=row[i_finish],
            error=row[i_error],
            finished_at=row[i_finished],
            request=None if i_request is None else json.loads(row[i_request]),
            rendered_prompt=None if i_rendered is None else row[i_rendered],
            fingerprint=None if i_fingerprint is None else json.loads(row[i_fingerprint]),
        )

    return read


@dataclass(frozen=True)
class EvalRun:
    """A run: its suite, status, progress, summary and (from :func:`get_run`) snapshot."""

    id: int
    suite_id: int
    suite_name: str
    suite_version: int
    suite_sha256: str
    status: RunStatus
    n_cells: int
    n_done: int
    threshold_passed: bool | None
    summary: Mapping[str, Any]
    error: str | None
    started_at: str
    finished_at: str | None
    snapshot: RunSnapshot | None = None
    worker: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def suite_ref(self) -> str:
        """``name@version`` of the suite version that ran."""
        return f"{self.suite_name}@{self.suite_version}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, with_snapshot: bool) -> EvalRun:
        """Build from a store row."""
        passed = row["threshold_passed"]
        snapshot = None
        if with_snapshot and "snapshot" in row:
            snapshot = RunSnapshot.from_dict(json.loads(row["snapshot"]))
        return cls(
            id=row["id"],
            suite_id=row["suite_id"],
            suite_name=row["suite_name"],
            suite_version=row["suite_version"],
            suite_sha256=row["suite_sha256"],
            status=row["status"],
            n_cells=row["n_cells"],
            n_done=row["n_done"],
            threshold_passed=None if passed is None else bool(passed),
            summary=json.loads(row["summary"]),
            error=row["error"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            snapshot=snapshot,
            worker=json.loads(row["worker"]) if "worker" in row else {},
        )

    def to_dict(self, *, with_snapshot: bool = False) -> dict[str, Any]:
        """A JSON-ready dict."""
        data: dict[str, Any] = {
            "id": self.id,
            "suite": self.suite_ref,
            "suite_sha256": self.suite_sha256,
            "status": self.status,
            "n_cells": self.n_cells,
            "n_done": self.n_done,
            "threshold_passed": self.threshold_passed,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": dict(self.summary),
        }
        if with_snapshot and self.snapshot is not None:
            data["snapshot"] = self.snapshot.to_dict()
        return data


def get_run(store: Store, run_id: int) -> EvalRun:
    """The run with this id, with its snapshot."""
    row = get_run_row(store, run_id)
    if row is None:
        raise NotFoundError(f"No evaluation run {run_id}.")
    return EvalRun.from_row(row, with_snapshot=True)


def list_runs(
    store: Store, *, suite_name: str | None = None, limit: int | None = None
) -> list[EvalRun]:
    """Runs, newest first (without snapshots)."""
    rows = list_run_rows(store, suite_name=suite_name, limit=limit)
    return [EvalRun.from_row(row, with_snapshot=False) for row in rows]


def list_cells(
    store: Store, run_id: int, *, light: bool = False, after_id: int = 0
) -> list[CellResult]:
    """A run's finished cells in plan order; ``after_id`` keeps rows written after that id."""
    names, rows = fetch_result_rows(store, run_id, after_id=after_id, light=light)
    read = _row_reader(names)
    return [read(row) for row in rows]


def get_cell(store: Store, run_id: int, cell: str | int) -> CellResult:
    """One finished cell, by its key or its 1-based number in the plan."""
    if isinstance(cell, int) or cell.isdigit():
        row = get_result_row(store, run_id, position=int(cell) - 1)
    else:
        row = get_result_row(store, run_id, cell_key=cell)
    if row is None:
        run = get_run_row(store, run_id)
        if run is None:
            raise NotFoundError(f"No evaluation run {run_id}.")
        raise NotFoundError(
            f"Run {run_id} has no finished cell {cell} (it has {run['n_done']} of "
            f"{run['n_cells']} cell{'' if run['n_cells'] == 1 else 's'}, numbered 1 to "
            f"{run['n_cells']} in 'eval show {run_id}')."
        )
    return CellResult.from_row(row)
