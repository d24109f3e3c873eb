"""Background functions of the Evaluations page: each receives a TaskContext (its own store)
on a worker thread and returns frozen value objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import NotFoundError
from workbench.evals import (
    CellResult,
    EvalRun,
    ProgressCallback,
    ReplayResult,
    RunControl,
    RunEvent,
    RunOptions,
    RunStarted,
    StoredSuite,
    SuiteSummary,
    compare_runs,
    export_run_to_file,
    get_cell,
    get_run,
    get_suite,
    list_cells,
    list_runs,
    list_suites,
    replay_cell,
    resume_run,
    run_matrix,
)
from workbench.evals.hosts import HostFactory
from workbench.evals.summary import snapshot_columns
from workbench.inventory import list_models
from workbench.prompts import get_version, list_prompts
from workbench.store import Store
from workbench.ui.evals.matrix_model import MatrixData, build_matrix, rows_from_cases
from workbench.ui.operations import TaskContext


@dataclass(frozen=True)
class Library:
    """The stored suites and the runs, newest first."""

    suites: list[SuiteSummary]
    runs: list[EvalRun]


@dataclass(frozen=True)
class RunStartedWithSnapshot:
    """A run began or resumed: the stored run with its snapshot and the grid's data (its rows
    and columns and, for a resume, the cells it had finished before, already placed: built on
    the worker, so resuming a run of 100,000 cells costs the GUI thread only a model reset)."""

    run: EvalRun
    grid: MatrixData
    earlier_cells: tuple[CellResult, ...] = ()
    resumed: bool = False


def read_library(task: TaskContext) -> Library:
    """Every stored suite and run."""
    return Library(list_suites(task.store), list_runs(task.store))


@dataclass(frozen=True)
class ShownRun:
    """A stored run read for the grid: the run, its finished cells (light: no rendered
    prompt) and the grid's data with every cell placed, built here so that opening a run of
    100,000 cells costs the GUI thread only a model reset."""

    run: EvalRun
    cells: list[CellResult]
    grid: MatrixData


def read_run(task: TaskContext, run_id: int) -> ShownRun:
    """A run with its snapshot, its finished cells and the grid's data."""
    run = get_run(task.store, run_id)
    cells = list_cells(task.store, run_id, light=True)
    return ShownRun(run, cells, run_grid(run, cells))


def run_grid(run: EvalRun, cells: Iterable[CellResult] = ()) -> MatrixData:
    """The grid of ``run`` (its snapshot's cases and columns) with ``cells`` placed."""
    assert run.snapshot is not None
    rows = rows_from_cases(run.snapshot.cases)
    return build_matrix(rows, snapshot_columns(run.snapshot), cells)


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
    hosts: HostFactory | None = None,
) -> EvalRun:
    """Run the stored suite ``suite_ref``, handing every event to ``forward`` (any thread).

    ``RunStarted`` is forwarded as :class:`RunStartedWithSnapshot` so the grid can lay out its
    rows and columns before the first cell finishes. ``hosts``: the model hosts (None: model
    processes of their own).
    """
    suite = get_suite(task.store, suite_ref)
    progress = _forwarding(task, forward)
    task.on_cancel(control.cancel)  # a cancel (or the window closing) stops the cell in flight
    return run_matrix(
        task.store, suite, options=options, hosts=hosts, progress=progress, control=control
    )


def resume_suite_run(
    task: TaskContext,
    run_id: int,
    control: RunControl,
    forward: Callable[[object], None],
    *,
    hosts: HostFactory | None = None,
) -> EvalRun:
    """Run the cells run ``run_id`` has not stored yet, forwarding events like
    :func:`execute_suite`. Raises ``RunBusyError`` when another process still executes it."""
    progress = _forwarding(task, forward)
    task.on_cancel(control.cancel)
    return resume_run(task.store, run_id, hosts=hosts, progress=progress, control=control)


def _forwarding(task: TaskContext, forward: Callable[[object], None]) -> ProgressCallback:
    """The runner's progress callback: events go to ``forward``; False once cancelled."""

    def progress(event: RunEvent) -> bool:
        if isinstance(event, RunStarted):
            run = get_run(task.store, event.run_id)
            # Read and placed here, on the worker, so the GUI thread never waits for a resumed
            # run's cells.
            earlier = list_cells(task.store, run.id, light=True) if event.resumed else []
            grid = run_grid(run, earlier)
            forward(RunStartedWithSnapshot(run, grid, tuple(earlier), event.resumed))
        else:
            forward(event)
        return not task.cancelled

    return progress


@dataclass(frozen=True)
class StoredPromptChoice:
    """A stored prompt version or label the run dialog offers as an extra column."""

    ref: str
    note: str


@dataclass(frozen=True)
class RunChoices:
    """What the run dialog offers for one suite, read before it opens so that it does no I/O:
    the suite, every stored prompt version and label, and every inventory model."""

    suite: StoredSuite
    stored_prompts: tuple[StoredPromptChoice, ...]
    model_names: tuple[str, ...]
    #: The suite's prompt columns (ids) whose stored version the store lacks, and its model
    #: columns whose model the inventory lacks: a run with them could not start.
    missing_prompts: tuple[str, ...] = ()
    missing_models: tuple[str, ...] = ()
    #: The judge the suite names (or its first model, the judge when a case needs one and
    #: none is named) when the inventory lacks it.
    missing_judge: str | None = None


def stored_prompt_choices(store: Store) -> tuple[StoredPromptChoice, ...]:
    """Every stored prompt's labels, then its versions newest first, each with a note."""
    choices: list[StoredPromptChoice] = []
    for prompt in list_prompts(store):
        for label, version in prompt.labels.items():
            choices.append(StoredPromptChoice(f"{prompt.name}@{label}", f"label → v{version}"))
        for version in range(prompt.latest_version, 0, -1):
            note = "latest" if version == prompt.latest_version else ""
            labels = ", ".join(prompt.labels_of(version))
            note = ", ".join(part for part in (note, labels) if part)
            choices.append(StoredPromptChoice(f"{prompt.name}@{version}", note))
    return tuple(choices)


def inventory_model_names(store: Store) -> tuple[str, ...]:
    """The names of the registered models, by name."""
    return tuple(record.name for record in list_models(store))


def _prompt_stored(store: Store, ref: str) -> bool:
    try:
        get_version(store, ref)
    except NotFoundError:
        return False
    return True


def read_run_choices(task: TaskContext, suite_ref: str) -> RunChoices:
    """The suite ``suite_ref``, the prompt versions, labels and models it could run on, and
    the columns of its own that the store lacks."""
    stored = get_suite(task.store, suite_ref)
    suite = stored.suite
    models = inventory_model_names(task.store)
    judge = suite.judge or (suite.models[0].name if suite.models else None)
    judge = next((m.name for m in suite.models if m.id == judge), judge)
    return RunChoices(
        stored,
        stored_prompt_choices(task.store),
        models,
        missing_prompts=tuple(
            spec.id
            for spec in suite.prompts
            if spec.ref is not None and not _prompt_stored(task.store, spec.ref)
        ),
        missing_models=tuple(model.id for model in suite.models if model.name not in models),
        missing_judge=judge if judge is not None and judge not in models else None,
    )


@dataclass(frozen=True)
class ExportedRun:
    """A run written to a file and audited: where, in which format, how many rows, and the
    SHA-256 its audit entry records."""

    run_id: int
    path: Path
    fmt: str
    rows: int
    sha256: str


def export_run_file(task: TaskContext, run_id: int, fmt: str, path: Path) -> ExportedRun:
    """Write run ``run_id`` to ``path`` as ``fmt`` and audit it (``eval_run.exported``).

    Complete or not at all: a failure (``ExportFileError``) or a cancel (the window closing)
    leaves no file, keeps an earlier one and appends no entry.
    """
    done = export_run_to_file(task.store, run_id, fmt, path, cancelled=lambda: task.cancelled)
    return ExportedRun(run_id, path, fmt, done.cells, done.sha256)


def replay_stored_cell(
    task: TaskContext, run_id: int, number: int, *, hosts: HostFactory | None = None
) -> ReplayResult:
    """Run cell ``number`` of run ``run_id`` again from its fingerprint; compare the output.
    A cancel (the window closing) stops the generation at once."""
    control = RunControl()
    task.on_cancel(control.cancel)
    return replay_cell(task.store, run_id, number, hosts=hosts, control=control)


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
