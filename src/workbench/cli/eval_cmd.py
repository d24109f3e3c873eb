"""``workbench eval``: run suites (prompt versions x models x cases), inspect and compare runs.

A thin layer over :mod:`workbench.evals`: parse options, call one function, print the result
(``--json`` prints the same data the desktop app gets).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.cli.eval_text import (
    clip,
    format_cell,
    format_comparison,
    format_matrix,
    format_run,
    pass_rates,
    sample_noun,
)
from workbench.cli.formatting import format_table
from workbench.evals import (
    EXPORT_FORMATS,
    CellFinished,
    EvalRun,
    EvalSuite,
    ModelLoading,
    RunEvent,
    RunOptions,
    RunStarted,
    StoredSuite,
    SuiteWarnings,
    check_run,
    compare_runs,
    export_run_to_file,
    export_run_to_stream,
    get_cell,
    get_run,
    get_suite,
    import_promptfoo_config,
    import_suite_file,
    is_promptfoo_config,
    list_cells,
    list_runs,
    list_suites,
    load_suite_file,
    replay_cell,
    resume_run,
    run_matrix,
    save_suite,
    suite_warnings,
    summarize_run,
    unused_judge,
)
from workbench.evals.errors import VARIABLES_HINT
from workbench.store import Store
from workbench.wording import plural, result_noun

EXIT_THRESHOLD_FAILED = 1
EXIT_CELL_ERRORS = 3
EXIT_INTERRUPTED = 130


@click.group("eval")
def eval_group() -> None:
    """Evaluate prompt versions x models x test cases, side by side, with statistics.

    A suite is a YAML file (or a stored suite, by NAME or NAME@VERSION) listing prompts
    (stored versions such as support-reply@production, or inline templates), models from the
    inventory, and test cases with assertions, in promptfoo's shapes. Every finished cell is
    stored at once; a run stopped any way at all is finished with 'eval resume RUN'.
    """


# -- running ----------------------------------------------------------------------------------


@eval_group.command("run")
@click.argument("suite")
@click.option("--repeat", type=click.IntRange(1, 100), help="Samples per cell (default: suite's).")
@click.option("--judge", help="Model judging llm-rubric assertions (default: suite's, or first).")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    help="Pass rate every column must reach (default: the suite's); below it the exit code is 1.",
)
@click.option("--tag", "tags", multiple=True, help="Run only cases with this tag (repeatable).")
@click.option(
    "--prompt",
    "prompts",
    multiple=True,
    metavar="PROMPT",
    help="A column's prompt: a suite prompt id or a stored version such as support-reply@3 "
    "(repeatable; default: the suite's prompts).",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="MODEL",
    help="A column's model: a suite model or an inventory name (repeatable; default: the "
    "suite's models).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the finished run as JSON.")
@pass_context
def run_cmd(
    state: CliContext,
    suite: str,
    repeat: int | None,
    judge: str | None,
    threshold: float | None,
    tags: tuple[str, ...],
    prompts: tuple[str, ...],
    models: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run SUITE: a suite file (stored first, deduplicated by content) or a stored suite.

    Before anything is stored, every model and prompt the run uses must exist and every case
    must give the variables of every prompt; otherwise the run is refused with all of them
    named. Shows a progress bar with ETA on a terminal.

    \b
    Exit codes:
      0    the run finished, no cell errored, every column reached the threshold (if set)
      1    a column fell below the threshold, or the run could not start or failed
      3    a cell errored (unrenderable, or refused by the engine): not evaluated
      130  interrupted (the run can be resumed)

    \b
    Examples:
      workbench eval run support-reply-smoke
      workbench eval run suite.yaml --repeat 3 --json
      workbench eval run suite.yaml --threshold 0.8     # a CI gate
      workbench eval run support-reply-smoke --prompt support-reply@3 \
        --model smollm2-135m-instruct
    """
    options = RunOptions(
        repeat=repeat, judge=judge, threshold=threshold, tags=tags, prompts=prompts, models=models
    )
    stored = _suite(state.store, suite, options)
    unused = unused_judge(stored.suite, options)
    note = None
    if unused is not None:
        note = (
            f"Note: judge {unused!r} (--judge) is unused: no case of this run has an assertion "
            "that needs a judge (llm-rubric)."
        )
    with _progress(quiet=as_json, note=note) as progress:
        try:
            run = run_matrix(state.store, stored, options=options, progress=progress)
        except KeyboardInterrupt:
            _interrupted(progress.run_id)  # None: interrupted before the run was stored
    _report(state.store, run, as_json=as_json)


@eval_group.command("resume")
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--force", is_flag=True, help="Resume even if the run looks alive elsewhere.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished run as JSON.")
@pass_context
def resume_cmd(state: CliContext, run_id: int, force: bool, as_json: bool) -> None:
    """Finish RUN: run only the cells it has not stored (after a cancel, crash or kill).

    Exit codes as for 'eval run', by the finished run's result: 0, 1 (threshold missed, or the
    run failed), 3 (a cell errored), 130 (interrupted). A run already finished has nothing to
    resume: that is said on stderr, the run is printed and the exit code is its result's.
    """
    with _progress(quiet=as_json) as progress:
        try:
            run = resume_run(state.store, run_id, progress=progress, force=force)
        except KeyboardInterrupt:
            _interrupted(run_id)
    if progress.run_id is None and run.status == "finished":  # no cell was run
        click.echo(f"Run {run.id} is finished: nothing to resume.", err=True)
    _report(state.store, run, as_json=as_json)


class _Progress:
    """A progress callback: a bar with ETA on a terminal, a line per 10% elsewhere. It
    remembers the run it reported (``run_id``; None until the run is stored). ``note`` is
    printed (even when quiet) once the run starts, that is once its references were checked."""

    def __init__(self, *, quiet: bool, note: str | None = None) -> None:
        self.quiet = quiet
        self.note = note
        self.run_id: int | None = None
        self.bar: Any = None
        self.noun = "cell"  # what the run's results are called: "sample" with repeats
        self._next_report = 0.0

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, RunStarted):
            self.run_id = event.run_id
            self.noun = result_noun(event.repeat)
            if self.note:
                click.echo(self.note, err=True)
        if self.quiet:
            return
        if isinstance(event, RunStarted):
            click.echo(
                f"Run {event.run_id}: {plural(event.total, self.noun)}"
                + (f", {event.done} already done" if event.done else ""),
                err=True,
            )
            if sys.stderr.isatty() and event.total > event.done:
                self.bar = click.progressbar(
                    length=event.total - event.done,
                    label=f"{self.noun}s",
                    file=sys.stderr,
                    show_eta=True,
                    show_pos=True,
                )
                self.bar.__enter__()
        elif isinstance(event, ModelLoading) and self.bar is None:
            click.echo(f"Loading {event.model_name} ...", err=True)
        elif isinstance(event, CellFinished):
            if self.bar is not None:
                self.bar.update(1)
            elif event.done / event.total >= self._next_report:
                click.echo(f"  {event.done}/{plural(event.total, self.noun)}", err=True)
                self._next_report = event.done / event.total + 0.1


@contextlib.contextmanager
def _progress(*, quiet: bool, note: str | None = None) -> Iterator[_Progress]:
    """A :class:`_Progress` whose bar is closed however the run ends."""
    progress = _Progress(quiet=quiet, note=note)
    try:
        yield progress
    finally:
        if progress.bar is not None:
            progress.bar.__exit__(None, None, None)


def _interrupted(run_id: int | None) -> NoReturn:
    """Exit 130 after a Ctrl+C, naming the run to resume: the one this command ran (None:
    interrupted before that run was stored, so there is nothing to resume)."""
    if run_id is None:
        message = "Interrupted before the run started; no run was stored."
    else:
        message = (
            f"Interrupted; every finished cell is stored. Resume it with: "
            f"workbench eval resume {run_id}"
        )
    click.echo(f"\n{message}", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _report(store: Store, run: EvalRun, *, as_json: bool) -> None:
    """Print the run; exit 1 when it did not finish or missed the threshold, 3 when a cell
    errored (an error is not an evaluation result, so it wins over the threshold's verdict)."""
    summary = summarize_run(store, run.id)
    if as_json:
        echo_json(run.to_dict())
    else:
        click.echo(format_run(run, summary))
    if run.status != "finished":
        raise click.ClickException(
            f"Run {run.id} {run.status}"
            + (f": {run.error}" if run.error else "")
            + f". Resume it with: workbench eval resume {run.id}"
        )
    if summary.n_errors:
        errored = [c for c in list_cells(store, run.id, light=True) if c.status == "error"]
        first = f" First, cell #{errored[0].number}: {errored[0].reason}" if errored else ""
        were = "was" if summary.n_errors == 1 else "were"
        noun = sample_noun(run.snapshot)
        click.echo(
            f"Error: {plural(summary.n_errors, noun)} of run {run.id} errored and {were} not "
            f"evaluated (exit code {EXIT_CELL_ERRORS}).{first}\n"
            f"See them with: workbench eval show {run.id}",
            err=True,
        )
        sys.exit(EXIT_CELL_ERRORS)
    if run.threshold_passed is False:
        sys.exit(EXIT_THRESHOLD_FAILED)


def _suite(store: Store, reference: str, options: RunOptions) -> StoredSuite:
    """The stored suite ``reference`` names, or the suite file it names, stored once it is
    known to be runnable (an unknown model or prompt, a missing variable: nothing is stored)."""
    path = Path(reference).expanduser()
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.is_file():
        suite = load_suite_file(path)
        check_run(store, suite, options)
        stored, created = save_suite(store, suite, origin=str(path.resolve()))
        if created:
            click.echo(f"Stored suite {stored.ref} from {path}", err=True)
        return stored
    return get_suite(store, reference)


# -- suites -----------------------------------------------------------------------------------


@eval_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="PROVIDER=MODEL",
    help="Map a promptfoo provider (id or label) to an inventory model; repeatable.",
)
@click.option("--name", help="The suite's name (default: from the file or its folder).")
@click.option(
    "--skip-unsupported",
    is_flag=True,
    help="Import what can be mapped; what cannot is listed and recorded in the suite's notes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was imported as JSON.")
@pass_context
def import_cmd(
    state: CliContext,
    file: Path,
    mappings: tuple[str, ...],
    name: str | None,
    skip_unsupported: bool,
    as_json: bool,
) -> None:
    """Store FILE as a suite: a workbench suite file, or a promptfoo config.

    A promptfoo config (one with 'providers') needs each provider mapped to a model. Providers
    and assertion types that cannot be mapped are named; nothing is half-imported.

    \b
    Examples:
      workbench eval import suite.yaml
      workbench eval import promptfooconfig.yaml --map openai:gpt-4o-mini=smollm2-135m-instruct
    """
    if is_promptfoo_config(file):
        mapping = dict(_parse_mapping(item) for item in mappings)
        result = import_promptfoo_config(
            state.store, file, mapping=mapping, name=name, skip_unsupported=skip_unsupported
        )
        assert result.stored is not None
        warnings = suite_warnings(state.store, result.stored.suite)
        _warn_unrunnable(result.stored.ref, warnings)
        if as_json:
            echo_json({**result.to_dict(), **warnings.to_dict()})
            return
        verb = "Stored" if result.created else "Already stored:"
        click.echo(f"{verb} suite {result.stored.ref}: {_matrix_text(result.suite)}")
        for provider, model in result.providers.items():
            click.echo(f"  provider {provider} -> model {model}")
        for item in result.skipped:
            click.echo(f"  skipped: {item}")
        for item in result.warnings:
            click.echo(f"  note: {item}")
        return
    if mappings:
        raise click.UsageError("--map is for promptfoo configs; this is a workbench suite.")
    stored, created = import_suite_file(state.store, file)
    warnings = suite_warnings(state.store, stored.suite)
    _warn_unrunnable(stored.ref, warnings)
    if as_json:
        echo_json({"created": created, **warnings.to_dict(), **stored.to_dict()})
        return
    verb = "Stored" if created else "Already stored:"
    suite = stored.suite
    click.echo(f"{verb} suite {stored.ref}: {_matrix_text(suite)}")


def _warn_unrunnable(ref: str, warnings: SuiteWarnings) -> None:
    """Say on stderr what keeps a just-stored suite from running as it is, and what to do."""
    for sentence in warnings.sentences:
        click.echo(f"Warning: suite {ref}: {sentence}", err=True)
    if warnings.unresolved_columns:
        click.echo(
            "Runs using those columns are refused until they exist (workbench models list, "
            "workbench prompts list); --prompt/--model can pick the others.",
            err=True,
        )
    elif warnings.unresolved:  # only the judge
        click.echo(
            "Runs of cases that need a judge are refused until it exists (workbench models "
            "list); --judge can name another.",
            err=True,
        )
    if warnings.missing_variables:
        click.echo(
            f"It cannot run until its cases give those variables. {VARIABLES_HINT}", err=True
        )
    if warnings.unasserted_cases:
        click.echo(
            "Give those cases 'assert:' (or the suite 'defaultTest: assert:') so that they test "
            "something.",
            err=True,
        )


def _matrix_text(suite: EvalSuite) -> str:
    """``2 prompts x 1 model x 3 cases x 1 sample = 6 cells``."""
    return (
        f"{plural(len(suite.prompts), 'prompt')} x {plural(len(suite.models), 'model')} x "
        f"{plural(len(suite.cases), 'case')} x {plural(suite.repeat, 'sample')} = "
        f"{plural(suite.n_cells, 'cell')}"
    )


def _parse_mapping(text: str) -> tuple[str, str]:
    provider, sep, model = text.rpartition("=")
    if not sep or not provider or not model:
        raise click.BadParameter(f"expected PROVIDER=MODEL, got {text!r}", param_hint="--map")
    return provider, model


@eval_group.command("suites")
@click.option("--json", "as_json", is_flag=True, help="Print the suites as JSON.")
@pass_context
def suites_cmd(state: CliContext, as_json: bool) -> None:
    """List stored suites (latest version of each) and how often each was run."""
    found = list_suites(state.store)
    if as_json:
        echo_json([s.to_dict() for s in found])
        return
    if not found:
        click.echo("No suites stored. Add one with: workbench eval import FILE")
        return
    rows = [(s.name, s.version, s.n_runs, clip(s.description, 60)) for s in found]
    click.echo(format_table(("SUITE", "VERSION", "RUNS", "DESCRIPTION"), rows))


# -- inspecting -------------------------------------------------------------------------------


@eval_group.command("list")
@click.option("--suite", "suite_name", help="Only runs of this suite.")
@click.option("--limit", type=int, default=20, show_default=True, help="Newest runs shown.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@pass_context
def list_cmd(state: CliContext, suite_name: str | None, limit: int, as_json: bool) -> None:
    """List evaluation runs, newest first."""
    runs = list_runs(state.store, suite_name=suite_name, limit=limit)
    if not runs and suite_name:
        get_suite(state.store, suite_name)  # an unknown suite is an error naming the stored ones
    if as_json:
        echo_json([run.to_dict() for run in runs])
        return
    if not runs:
        suite = suite_name or "SUITE"
        what = f"No runs of suite {suite_name} yet" if suite_name else "No runs yet"
        click.echo(f"{what}. Start one with: workbench eval run {suite}")
        return
    rows = [
        (
            run.id,
            run.suite_ref,
            run.status,
            f"{run.n_done}/{run.n_cells}",
            pass_rates(run.summary),
            {True: "pass", False: "FAIL", None: ""}[run.threshold_passed],
            run.started_at[:19].replace("T", " "),
        )
        for run in runs
    ]
    headers = ("RUN", "SUITE", "STATUS", "CELLS", "PASS RATES", "THRESHOLD", "STARTED")
    click.echo(format_table(headers, rows))


@eval_group.command("show")
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the run, summary and cells as JSON.")
@pass_context
def show_cmd(state: CliContext, run_id: int, as_json: bool) -> None:
    """Show RUN: per-column statistics, comparisons, flaky cells and the matrix of cells."""
    run = get_run(state.store, run_id)
    summary = summarize_run(state.store, run_id)
    cells = list_cells(state.store, run_id, light=True)
    if as_json:
        echo_json(
            {
                **run.to_dict(with_snapshot=True),
                "summary": summary.to_dict(),
                "cells": [cell.to_dict() for cell in cells],
            }
        )
        return
    click.echo(format_run(run, summary))
    click.echo("")
    click.echo(format_matrix(run, cells))


@eval_group.command("cell")
@click.argument("run_id", metavar="RUN", type=int)
@click.argument("cell")
@click.option("--json", "as_json", is_flag=True, help="Print the cell as JSON.")
@pass_context
def cell_cmd(state: CliContext, run_id: int, cell: str, as_json: bool) -> None:
    """Show one CELL of RUN (its number from 'eval show', or its key): output and grading."""
    found = get_cell(state.store, run_id, cell)
    if as_json:
        echo_json(found.to_dict())
        return
    click.echo(format_cell(found, get_run(state.store, run_id).snapshot))


@eval_group.command("compare")
@click.argument("run_a", metavar="RUN_A", type=int)
@click.argument("run_b", metavar="RUN_B", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@pass_context
def compare_cmd(state: CliContext, run_a: int, run_b: int, as_json: bool) -> None:
    """Compare RUN_B with RUN_A: cells that regressed, cells that were fixed, significance."""
    comparison = compare_runs(state.store, run_a, run_b)
    if as_json:
        echo_json(comparison.to_dict())
        return
    snapshots = (get_run(state.store, run_a).snapshot, get_run(state.store, run_b).snapshot)
    click.echo(format_comparison(comparison, snapshots))


@eval_group.command("export")
@click.argument("run_id", metavar="RUN", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write to this file (default, or -: standard output).",
)
@pass_context
def export_cmd(state: CliContext, run_id: int, fmt: str, output: Path | None) -> None:
    """Export RUN's cells as CSV or JSON Lines (with grading, seeds and fingerprints).

    Every export is audited (eval_run.exported) with the SHA-256 of what was written. A file
    appears only once complete: a failed export leaves no file and no entry.
    """
    if output is None or str(output) == "-":
        sys.stdout.flush()  # the bytes follow anything printed before them
        export_run_to_stream(state.store, run_id, fmt, sys.stdout.buffer)
        return
    done = export_run_to_file(state.store, run_id, fmt, output)
    click.echo(f"Wrote {plural(done.cells, 'cell')} to {output} (sha256 {done.sha256})", err=True)


@eval_group.command("replay")
@click.argument("run_id", metavar="RUN", type=int)
@click.argument("cell")
@click.option("--check", is_flag=True, help="Exit with code 1 when the output differs.")
@click.option("--json", "as_json", is_flag=True, help="Print the replay as JSON.")
@pass_context
def replay_cmd(state: CliContext, run_id: int, cell: str, check: bool, as_json: bool) -> None:
    """Run CELL of RUN again from what was recorded; say whether the output is identical."""
    result = replay_cell(state.store, run_id, cell)
    if as_json:
        echo_json(result.to_dict())
    else:
        verdict = "identical" if result.identical else "DIFFERENT"
        click.echo(f"Cell {result.cell.number} of run {run_id} ({result.cell.key}): {verdict}")
        if not result.identical:
            click.echo(f"  recorded: {result.cell.output!r}")
            click.echo(f"  replayed: {result.output!r}")
        if result.fingerprint_differences:
            click.echo("  fingerprint differs in: " + ", ".join(result.fingerprint_differences))
        grade = "pass" if result.grading.passed else "fail"
        click.echo(f"  grading now: {grade} ({result.grading.reason})")
    if check and not result.identical:
        sys.exit(1)
