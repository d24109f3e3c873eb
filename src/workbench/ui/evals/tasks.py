"""Background functions of the Evaluations page: each receives a TaskContext (its own store)
on a worker thread and returns frozen value objects."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.evals import (
    CellResult,
    EvalRun,
    RunControl,
    RunEvent,
    RunOptions,
    RunStarted,
    StoredSuite,
    SuiteSummary,
    compare_runs,
    get_cell,
    get_run,
    get_suite,
    import_suite_file,
    list_cells,
    list_runs,
    list_suites,
    load_suite_text,
    run_matrix,
    save_suite,
)
from workbench.ui.operations import TaskContext


@dataclass(frozen=True)
class Library:
    """The stored suites and the runs, newest first."""

    suites: list[SuiteSummary]
    runs: list[EvalRun]


@dataclass(frozen=True)
class RunStartedWithSnapshot:
    """A run began: the stored run with its snapshot (the grid's rows and columns)."""

    run: EvalRun


def read_library(task: TaskContext) -> Library:
    """Every stored suite and run."""
    return Library(list_suites(task.store), list_runs(task.store))


def read_run(task: TaskContext, run_id: int) -> tuple[EvalRun, list[CellResult]]:
    """A run with its snapshot and its finished cells (light: no rendered prompt)."""
    return get_run(task.store, run_id), list_cells(task.store, run_id, light=True)


def read_cell(task: TaskContext, run_id: int, number: int) -> CellResult:
    """One cell in full (rendered prompt, request)."""
    return get_cell(task.store, run_id, number)


def execute_suite(
    task: TaskContext,
    suite_ref: str,
    control: RunControl,
    forward: Callable[[object], None],
    *,
    options: RunOptions | None = None,
) -> EvalRun:
    """Run the stored suite ``suite_ref``, handing every event to ``forward`` (any thread).

    ``RunStarted`` is forwarded as :class:`RunStartedWithSnapshot` so the grid can lay out its
    rows and columns before the first cell finishes.
    """
    suite = get_suite(task.store, suite_ref)

    def progress(event: RunEvent) -> bool:
        if isinstance(event, RunStarted):
            forward(RunStartedWithSnapshot(get_run(task.store, event.run_id)))
        else:
            forward(event)
        return not task.cancelled

    return run_matrix(task.store, suite, options=options, progress=progress, control=control)


@dataclass(frozen=True)
class Regressions:
    """The cases of run B whose verdict went from pass to fail since run A, and how many were
    fixed."""

    run_a: int
    run_b: int
    case_ids: frozenset[str]
    n_regressed: int
    n_fixed: int


def find_regressions(task: TaskContext, run_a: int, run_b: int) -> Regressions:
    """Compare run B against the baseline run A."""
    comparison = compare_runs(task.store, run_a, run_b)
    cases = frozenset(change.case_id for change in comparison.regressed)
    return Regressions(run_a, run_b, cases, len(comparison.regressed), len(comparison.fixed))


def import_suite(task: TaskContext, path: Path) -> str:
    """Read, validate and store a suite file; returns the suite's name."""
    stored, _ = import_suite_file(task.store, path)
    return stored.name


def read_suite(task: TaskContext, name: str) -> StoredSuite:
    """The latest version of the stored suite ``name``."""
    return get_suite(task.store, name)


def save_cases(
    task: TaskContext, name: str, cases: list[dict[str, object]]
) -> tuple[StoredSuite, bool]:
    """Store suite ``name`` with these cases (promptfoo-shaped dicts) as a new version.

    The edited definition goes through the same validation as a suite file, so a bad edit is
    refused with a message naming the field. Returns the stored version and whether it is new.
    """
    data = get_suite(task.store, name).suite.to_dict()
    data["tests"] = cases
    suite = load_suite_text(json.dumps(data), source=f"the suite editor ({name})")
    return save_suite(task.store, suite, origin="workbench-ui:suite-editor")
