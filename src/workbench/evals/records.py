"""Runs and cell results as stored, read back into frozen value objects.

A GUI grid can fill live by polling :func:`list_cells` with ``after_id`` (only rows written
since the last poll) while a run executes in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from workbench.errors import NotFoundError
from workbench.evals.snapshot import RunSnapshot
from workbench.store import Store
from workbench.store.evals_repo import (
    get_result_row,
    get_run_row,
    iter_result_rows,
    list_run_rows,
)

RunStatus = Literal["running", "finished", "cancelled", "failed"]


@dataclass(frozen=True)
class CellResult:
    """One finished cell: the output, its grading and the generation's measurements.

    ``number`` is the cell's 1-based place in the run's plan (what ``eval replay RUN CELL``
    takes). ``request``, ``rendered_prompt`` and ``fingerprint`` are None when read "light".
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

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CellResult:
        """Build from a store row (full or light)."""
        return cls(
            id=row["id"],
            run_id=row["run_id"],
            number=row["position"] + 1,
            key=row["cell_key"],
            prompt_id=row["prompt_id"],
            model_id=row["model_id"],
            case_id=row["case_id"],
            repeat=row["repeat_index"],
            seed=row["seed"],
            status=row["status"],
            output=row["output"],
            passed=bool(row["passed"]),
            score=row["score"],
            reason=row["reason"],
            grading=json.loads(row["grading"]),
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            time_to_first_token_s=row["time_to_first_token_s"],
            tokens_per_second=row["tokens_per_second"],
            total_seconds=row["total_seconds"],
            finish_reason=row["finish_reason"],
            error=row["error"],
            finished_at=row["finished_at"],
            request=json.loads(row["request"]) if "request" in row else None,
            rendered_prompt=row.get("rendered_prompt"),
            fingerprint=json.loads(row["fingerprint"]) if "fingerprint" in row else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``pass`` for promptfoo's name)."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("passed", "grading")}
        data["pass"] = self.passed
        data["grading"] = dict(self.grading)
        return data


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
    return [
        CellResult.from_row(row)
        for row in iter_result_rows(store, run_id, after_id=after_id, light=light)
    ]


def get_cell(store: Store, run_id: int, cell: str | int) -> CellResult:
    """One finished cell, by its key or its 1-based number in the plan."""
    if isinstance(cell, int) or cell.isdigit():
        row = get_result_row(store, run_id, position=int(cell) - 1)
    else:
        row = get_result_row(store, run_id, cell_key=cell)
    if row is None:
        raise NotFoundError(f"Run {run_id} has no finished cell {cell}.")
    return CellResult.from_row(row)
