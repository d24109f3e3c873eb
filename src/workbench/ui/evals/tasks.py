"""Background functions of the Evaluations page: each receives a TaskContext (its own store)
on a worker thread and returns frozen value objects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import NotFoundError, WorkbenchError
from workbench.evals import (
    CellResult,
    EvalRun,
    EvalSuite,
    ProgressCallback,
    ReplayResult,
    RunControl,
    RunEvent,
    RunOptions,
    RunStarted,
    StoredSuite,
    SuiteSummary,
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
from workbench.evals.columns import choose_prompts
from workbench.evals.hosts import HostFactory
from workbench.evals.plan import cases_missing_variables
from workbench.evals.snapshot import merge_defaults, needs_judge, resolve_prompt
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
    #: The version a label points at (``support-reply@2`` for ``support-reply@production``);
    #: "" for a version, which is its own.
    version_ref: str = ""

    @property
    def resolved(self) -> str:
        """The prompt version this choice runs: ``NAME@VERSION``."""
        return self.version_ref or self.ref


@dataclass(frozen=True)
class VariableGap:
    """A prompt column uses variables that a case (with the suite's default variables merged
    in) does not give: a run of the two would be refused before it starts."""

    prompt: str  # the column as the run dialog offers it: a suite prompt id or a stored ref
    case_id: str
    case_name: str  # the case's description, else its id
    case_tags: frozenset[str]
    names: tuple[str, ...]


@dataclass(frozen=True)
class CaseTagIndex:
    """The suite's cases by their tags, so the run dialog can count the cases a choice of tags
    keeps, and tell whether one of them needs a judge, without walking every case and
    assertion on each click: built once per suite read."""

    #: Each distinct set of tags, with how many cases carry exactly it.
    counts: tuple[tuple[frozenset[str], int], ...] = ()
    #: The tag sets of the cases with an assertion that needs a judge (``llm-rubric``).
    judged: tuple[frozenset[str], ...] = ()

    def n_cases(self, tags: frozenset[str]) -> int:
        """The cases the chosen ``tags`` keep (none chosen: every case)."""
        return sum(count for kept, count in self.counts if not tags or tags & kept)

    def needs_judge(self, tags: frozenset[str]) -> bool:
        """Whether a case the chosen ``tags`` keep needs a judge."""
        return any(not tags or tags & kept for kept in self.judged)


def case_tag_index(suite: EvalSuite) -> CaseTagIndex:
    """Index the cases of ``suite`` (its default assertions included) by their tags."""
    counts: Counter[frozenset[str]] = Counter()
    judged: set[frozenset[str]] = set()
    for case in suite.cases:
        tags = frozenset(case.tags)
        counts[tags] += 1
        if tags not in judged and needs_judge((merge_defaults(suite, case),)):
            judged.add(tags)
    return CaseTagIndex(tuple(counts.items()), tuple(judged))


def variable_gaps(
    store: Store, stored: StoredSuite, prompts: Sequence[str]
) -> tuple[VariableGap, ...]:
    """Every case of ``stored`` that lacks a variable one of the prompt columns ``prompts``
    uses, as the runner's own check decides it (:func:`~workbench.evals.plan.
    cases_missing_variables`, which renders each pair). Columns whose prompt the store lacks
    are skipped."""
    suite = stored.suite
    cases = [merge_defaults(suite, case) for case in suite.cases]
    gaps: list[VariableGap] = []
    for prompt in prompts:
        try:
            resolved = resolve_prompt(store, choose_prompts(suite, (prompt,))[0])
        except WorkbenchError:  # not stored, or not a reference at all: said elsewhere
            continue
        for _label, case, names in cases_missing_variables((resolved,), cases):
            gaps.append(VariableGap(prompt, case.id, case.label, frozenset(case.tags), names))
    return tuple(gaps)


#: How many prompt and variable pairs the dialog names before it sums up the rest.
GAPS_SHOWN = 3


def quoted_cases(names: list[str]) -> str:
    """``case 'first'``, ``2 cases ('first', 'second')``, ``5 cases ('a', 'b' and 3 more)``."""
    shown = ", ".join(repr(name) for name in names[:2])
    if len(names) == 1:
        return f"case {shown}"
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return f"{len(names)} cases ({shown}{more})"


def gaps_line(gaps: Iterable[VariableGap], fix: str) -> str:
    """What to say of cases that lack a variable a prompt uses, then ``fix`` ("" when none
    do): ``prompt-1 uses {{ nme }}, which case 'first' does not give. FIX``"""
    cases_of: dict[tuple[str, str], list[str]] = {}
    for gap in gaps:
        for name in gap.names:
            cases_of.setdefault((gap.prompt, name), []).append(gap.case_name)
    if not cases_of:
        return ""
    sentences = [
        f"{prompt} uses {{{{ {name} }}}}, which {quoted_cases(cases)} "
        f"{'does' if len(cases) == 1 else 'do'} not give."
        for (prompt, name), cases in list(cases_of.items())[:GAPS_SHOWN]
    ]
    if len(cases_of) > GAPS_SHOWN:
        sentences.append(f"{len(cases_of) - GAPS_SHOWN} more variables are missing likewise.")
    sentences.append(fix)
    return " ".join(sentences)


def read_prompt_gaps(task: TaskContext, suite_ref: str, prompt: str) -> tuple[VariableGap, ...]:
    """The cases of suite ``suite_ref`` that lack a variable the prompt column ``prompt`` (a
    stored version the run dialog offers besides the suite's own) uses."""
    return variable_gaps(task.store, get_suite(task.store, suite_ref), (prompt,))


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
    #: The cases that lack a variable one of the suite's own prompt columns uses (None: not
    #: checked; the dialog then checks nothing, as for choices made by hand).
    variable_gaps: tuple[VariableGap, ...] | None = None
    #: The cases by tags (None: the dialog indexes them itself).
    cases: CaseTagIndex | None = None


def stored_prompt_choices(store: Store) -> tuple[StoredPromptChoice, ...]:
    """Every stored prompt's labels, then its versions newest first, each with a note."""
    choices: list[StoredPromptChoice] = []
    for prompt in list_prompts(store):
        for label, version in prompt.labels.items():
            choices.append(
                StoredPromptChoice(
                    f"{prompt.name}@{label}", f"label → v{version}", f"{prompt.name}@{version}"
                )
            )
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


def missing_columns(
    store: Store, suite: EvalSuite, model_names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ids of the suite's prompt columns whose stored version the store lacks, and of its
    model columns whose model is not among ``model_names`` (the inventory's)."""
    prompts = tuple(
        spec.id
        for spec in suite.prompts
        if spec.ref is not None and not _prompt_stored(store, spec.ref)
    )
    models = tuple(model.id for model in suite.models if model.name not in model_names)
    return prompts, models


def read_run_choices(task: TaskContext, suite_ref: str) -> RunChoices:
    """The suite ``suite_ref``, the prompt versions, labels and models it could run on, the
    columns of its own that the store lacks, and the cases that lack a variable one of its
    prompts uses."""
    stored = get_suite(task.store, suite_ref)
    suite = stored.suite
    models = inventory_model_names(task.store)
    judge = suite.judge or (suite.models[0].name if suite.models else None)
    judge = next((m.name for m in suite.models if m.id == judge), judge)
    missing_prompts, missing_models = missing_columns(task.store, suite, models)
    present = [spec.id for spec in suite.prompts if spec.id not in missing_prompts]
    return RunChoices(
        stored,
        stored_prompt_choices(task.store),
        models,
        missing_prompts=missing_prompts,
        missing_models=missing_models,
        missing_judge=judge if judge is not None and judge not in models else None,
        variable_gaps=variable_gaps(task.store, stored, present),
        cases=case_tag_index(suite),
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

    A failure while writing (``ExportFileError``) or a cancel (the window closing) leaves no
    file, keeps an earlier one and appends no entry (see workbench.store.audited_export).
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
