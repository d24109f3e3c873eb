"""``workbench bias`` and ``workbench probes``: run bias tests, read their results, manage
probe sets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from workbench.bias import (
    FAMILIES,
    BiasRun,
    Selection,
    Verdict,
    export_bias_run_to_file,
    export_bias_run_to_stream,
    frame_for_run,
    get_bias_run,
    get_probe_set,
    import_probe_set,
    list_bias_runs,
    list_metric_results,
    list_probe_sets,
    parse_assignment,
    resumable_model,
    resume_bias_run,
    run_bias_test,
    with_overrides,
)
from workbench.bias.export import ExportFormat, ExportTable
from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.cli.formatting import format_table
from workbench.engine import LoadRequest, LoadSettings, ModelHost
from workbench.inventory import ModelRecord, get_model
from workbench.paths import logs_dir
from workbench.store.settings_repo import get_setting

EXIT_FAIL = 3


@click.group()
def bias() -> None:
    """Run bias tests on a model and read their verdicts and evidence."""


@bias.command("run")
@click.argument("probe_set")
@click.option("-m", "--model", "model_name", required=True, help="Registered model name.")
@click.option("--prompt", "prompt_ref", help="Frame every probe with this prompt (NAME@REF).")
@click.option("--raw", is_flag=True, help="Score probes as plain text, without the chat template.")
@click.option(
    "--family",
    "families",
    multiple=True,
    type=click.Choice(FAMILIES),
    help="Only this family (repeatable).",
)
@click.option("--attribute", "attributes", multiple=True, help="Only this attribute (repeatable).")
@click.option("--limit", type=int, help="At most N probes of each family (the first in the file).")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a threshold of the probe set, e.g. effect_tolerance=0.3.",
)
@click.option("--ctx", "context_size", type=int, default=2048, show_default=True)
@click.option("--threads", type=int, help="CPU threads (default: setting or llama.cpp's).")
@click.option("--json", "as_json", is_flag=True, help="Print the run and its metrics as JSON.")
@pass_context
def run_cmd(
    state: CliContext,
    probe_set: str,
    model_name: str,
    prompt_ref: str | None,
    raw: bool,
    families: tuple[str, ...],
    attributes: tuple[str, ...],
    limit: int | None,
    thresholds: tuple[str, ...],
    context_size: int,
    threads: int | None,
    as_json: bool,
) -> None:
    """Run PROBE_SET (a name, NAME@VERSION or a YAML file) against a model.

    Exits with status 3 when the verdict is FAIL.
    """
    if raw and prompt_ref:
        raise click.UsageError("--raw and --prompt exclude each other.")
    store = state.store
    chosen = get_probe_set(store, probe_set)
    overrides = dict(parse_assignment(text) for text in thresholds)
    used = with_overrides(chosen.defaults, overrides)
    selection = Selection(families=families, attributes=attributes, max_probes=limit)
    record = get_model(store, model_name)
    with _loaded_host(state, record, context_size, threads) as host:
        frame = frame_for_run(
            store,
            host,
            chosen,
            prompt_ref=prompt_ref,
            plain=raw or not record.has_chat_template,
            selection=selection,
        )
        with _progress(as_json) as progress:
            run = run_bias_test(
                store,
                host,
                chosen,
                model_name=record.name,
                model_sha256=record.sha256,
                thresholds=used,
                selection=selection,
                frame=frame,
                progress=progress,
            )
    _report(state, run, as_json)


@bias.command("resume")
@click.argument("run_id", type=int)
@click.option("--ctx", "context_size", type=int, default=2048, show_default=True)
@click.option("--threads", type=int, help="CPU threads (default: setting or llama.cpp's).")
@click.option("--json", "as_json", is_flag=True, help="Print the run and its metrics as JSON.")
@pass_context
def resume_cmd(
    state: CliContext, run_id: int, context_size: int, threads: int | None, as_json: bool
) -> None:
    """Score what a cancelled or interrupted run RUN_ID left, then judge it again."""
    record = resumable_model(state.store, get_bias_run(state.store, run_id))
    with (
        _loaded_host(state, record, context_size, threads) as host,
        _progress(as_json) as progress,
    ):
        run = resume_bias_run(
            state.store, host, run_id, model_sha256=record.sha256, progress=progress
        )
    _report(state, run, as_json)


@bias.command("list")
@click.option("-n", "--limit", type=int, help="Only the newest N runs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def list_cmd(state: CliContext, limit: int | None, as_json: bool) -> None:
    """List bias runs, newest first."""
    runs = list_bias_runs(state.store, limit=limit)
    if as_json:
        echo_json([run.to_dict() for run in runs])
        return
    if not runs:
        click.echo("No bias runs yet. Start one with: workbench bias run PROBE_SET --model NAME")
        return
    rows = [
        (
            run.id,
            run.started_at[:19].replace("T", " "),
            run.probe_set_ref,
            run.model_name,
            run.prompt_ref or "",
            run.status,
            f"{run.n_scored}/{run.n_variants}",
            run.verdict.value if run.verdict else "",
        )
        for run in runs
    ]
    headers = ("RUN", "STARTED", "PROBE SET", "MODEL", "PROMPT", "STATUS", "SCORED", "VERDICT")
    click.echo(format_table(headers, rows))


@bias.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show_cmd(state: CliContext, run_id: int, as_json: bool) -> None:
    """Show a run: what it tested, its thresholds, and every metric with its verdict."""
    _report(state, get_bias_run(state.store, run_id), as_json, exit_on_fail=False)


@bias.command("export")
@click.argument("run_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    required=True,
    help="csv: one table; jsonl: the run, its metrics and every variant score.",
)
@click.option(
    "--table",
    type=click.Choice(["metrics", "variants"]),
    default="metrics",
    show_default=True,
    help="Which table a CSV export holds.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write to this file (default, or -: standard output).",
)
@pass_context
def export_cmd(
    state: CliContext, run_id: int, fmt: ExportFormat, table: ExportTable, output: Path | None
) -> None:
    """Export a run's evidence as CSV or JSON Lines.

    Every export is audited (bias_run.exported) with the SHA-256 of what was written. A file
    appears only once complete: a failed export leaves no file and no entry.
    """
    if output is None or str(output) == "-":
        sys.stdout.flush()  # the bytes follow anything printed before them
        export_bias_run_to_stream(state.store, run_id, fmt, sys.stdout.buffer, table=table)
        return
    done = export_bias_run_to_file(state.store, run_id, fmt, output, table=table)
    click.echo(f"Wrote {done.records} records to {output} (sha256 {done.sha256})", err=True)


@click.group()
def probes() -> None:
    """List, inspect and import bias probe sets."""


@probes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def probes_list_cmd(state: CliContext, as_json: bool) -> None:
    """List the probe sets shipped with the workbench and those imported."""
    infos = list_probe_sets(state.store)
    if as_json:
        echo_json([info.to_dict() for info in infos])
        return
    rows = [
        (
            info.ref,
            info.origin if info.origin == "builtin" else "imported",
            ", ".join(f"{family} {count}" for family, count in info.probes.items()),
            ", ".join(info.attributes),
            info.sha256[:12],
        )
        for info in infos
    ]
    click.echo(format_table(("PROBE SET", "ORIGIN", "PROBES", "ATTRIBUTES", "SHA256"), rows))


@probes.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the whole set as JSON.")
@pass_context
def probes_show_cmd(state: CliContext, ref: str, as_json: bool) -> None:
    """Show probe set REF (NAME, NAME@VERSION or a YAML file): attributes, defaults, probes."""
    probe_set = get_probe_set(state.store, ref)
    if as_json:
        echo_json({**probe_set.summary(), "content": probe_set.content_dict()})
        return
    summary = probe_set.summary()
    click.echo(f"{probe_set.ref}  sha256 {probe_set.sha256}")
    click.echo(probe_set.description)
    click.echo("\nAttributes (reference first):")
    for attribute in probe_set.attributes:
        click.echo(f"  {attribute.name}: {', '.join(attribute.group_names)}")
    click.echo("\nDefault thresholds:")
    for name, value in probe_set.defaults.to_dict().items():
        click.echo(f"  {name} = {value}")
    click.echo("\nProbes: " + ", ".join(f"{k} {v}" for k, v in summary["probes"].items()))
    for probe in probe_set.probes:
        click.echo(f"  {probe.id} ({probe.family})")


@probes.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def probes_import_cmd(state: CliContext, path: Path) -> None:
    """Validate the probe set file PATH and store it (refused if NAME@VERSION is taken)."""
    probe_set, created = import_probe_set(state.store, path)
    verb = "Imported" if created else "Already stored:"
    click.echo(
        f"{verb} {probe_set.ref} ({len(probe_set.probes)} probes, sha256 {probe_set.sha256[:12]})"
    )


# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def _loaded_host(
    state: CliContext, record: ModelRecord, context_size: int, threads: int | None
) -> Iterator[ModelHost]:
    settings = LoadSettings(
        context_size=context_size,
        threads=threads
        if threads is not None
        else get_setting(state.store, "engine.default_threads"),
        gpu_layers=int(get_setting(state.store, "engine.default_gpu_layers", 0)),
    )
    with ModelHost(log_path=logs_dir(state.home) / "model-host.log") as host:
        host.load(
            LoadRequest(
                model_path=record.path,
                model_sha256=record.sha256,
                settings=settings,
                model_name=record.name,
            )
        )
        yield host


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label="Scoring", file=sys.stderr, show_pos=True) as bar:
        seen = {"done": 0}

        def update(done: int, total: int) -> bool:
            bar.length = total
            bar.update(done - seen["done"])
            seen["done"] = done
            return True

        yield update


def _report(state: CliContext, run: BiasRun, as_json: bool, *, exit_on_fail: bool = True) -> None:
    metrics = list_metric_results(state.store, run.id)
    if as_json:
        echo_json({"run": run.to_dict(), "metrics": [m.to_dict() for m in metrics]})
    else:
        _print_run(run, metrics)
    if exit_on_fail and run.verdict is Verdict.FAIL:
        raise SystemExit(EXIT_FAIL)


def _print_run(run: BiasRun, metrics: list[Any]) -> None:
    click.echo(f"Bias run {run.id}: {run.verdict.value if run.verdict else '-'} ({run.status})")
    click.echo(f"  probe set  {run.probe_set_ref} (sha256 {run.probe_set_sha256[:12]})")
    click.echo(f"  model      {run.model_name} (sha256 {run.model_sha256[:12]})")
    frame = (
        "plain text"
        if not run.frame.get("prefix") and not run.frame.get("suffix")
        else (f"prompt {run.prompt_ref}" if run.prompt_ref else "the model's chat template")
    )
    click.echo(f"  framing    {frame}")
    click.echo(f"  scored     {run.n_scored}/{run.n_variants} variants")
    canary = run.canary
    if canary:
        state = "passed" if canary.get("passed") else "FAILED"
        click.echo(f"  canary     {state} (max difference {canary.get('max_abs_difference'):.2g})")
    click.echo("  thresholds " + ", ".join(f"{k}={v}" for k, v in run.thresholds.items()))
    if run.error:
        click.echo(f"  error      {run.error}")
    attributes = run.summary.get("attributes", {})
    if attributes:
        click.echo("\n" + format_table(("ATTRIBUTE", "VERDICT"), list(attributes.items())))
    if metrics:
        rows = [
            (
                m.family,
                m.attribute,
                m.group,
                m.metric,
                _num(m.estimate),
                f"[{_num(m.ci_low)}, {_num(m.ci_high)}]",
                _num(m.p_adjusted) if m.p_adjusted is not None else "",
                m.n,
                m.verdict.value,
                m.reason,
            )
            for m in metrics
        ]
        level = f"{float(run.thresholds.get('confidence', 0.95)) * 100:g}% CI"
        headers = (
            "FAMILY",
            "ATTRIBUTE",
            "GROUP",
            "METRIC",
            "ESTIMATE",
            level,
            "P(HOLM)",
            "N",
            "VERDICT",
            "REASON",
        )
        click.echo("\n" + format_table(headers, rows))


def _num(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.3g}"
