"""``workbench models``: the model inventory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.cli.formatting import format_table, human_bytes, human_count
from workbench.inventory import add_model, get_model, list_models, read_gguf_metadata, remove_model


@click.group()
def models() -> None:
    """Register, list, inspect and remove GGUF models."""


@models.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--name", help="Name to register it under (default: from the file's metadata).")
@pass_context
def add_cmd(state: CliContext, path: Path, name: str | None) -> None:
    """Register the GGUF file PATH (its metadata is read and the file hashed)."""
    meta = read_gguf_metadata(path.expanduser().resolve())
    if sys.stderr.isatty():
        with click.progressbar(
            length=meta.size_bytes, label="Hashing", file=sys.stderr, show_eta=True
        ) as bar:
            progress_state = {"done": 0}

            def progress(done: int, total: int) -> None:
                bar.update(done - progress_state["done"])
                progress_state["done"] = done

            record = add_model(state.store, path, name=name, progress=progress, metadata=meta)
    else:
        record = add_model(state.store, path, name=name, metadata=meta)
    click.echo(
        f"Added {record.name} ({record.architecture}, {record.file_type}, "
        f"{human_count(record.parameter_count)} parameters, sha256 {record.sha256[:12]})"
    )


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def list_cmd(state: CliContext, as_json: bool) -> None:
    """List registered models."""
    records = list_models(state.store)
    if as_json:
        echo_json([r.to_dict(with_metadata=False) for r in records])
        return
    if not records:
        click.echo("No models registered. Add one with: workbench models add PATH")
        return
    rows = [
        (
            r.name,
            r.architecture,
            human_count(r.parameter_count),
            r.file_type,
            human_bytes(r.size_bytes),
            r.context_length,
            r.sha256[:12],
            "" if Path(r.path).is_file() else "file missing",
        )
        for r in records
    ]
    headers = ("NAME", "ARCH", "PARAMS", "QUANT", "SIZE", "CONTEXT", "SHA256", "")
    click.echo(format_table(headers, rows))


@models.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show_cmd(state: CliContext, name: str, as_json: bool) -> None:
    """Show everything recorded about model NAME, including all GGUF metadata."""
    record = get_model(state.store, name)
    if as_json:
        echo_json(record.to_dict())
        return
    summary = record.to_dict(with_metadata=False)
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        click.echo(f"{key.ljust(width)}  {value}")
    click.echo("\nGGUF metadata:")
    for key, value in record.metadata.items():
        text = str(value)
        click.echo(f"  {key}: {text if len(text) <= 200 else text[:200] + '...'}")


@models.command("rm")
@click.argument("name")
@pass_context
def rm_cmd(state: CliContext, name: str) -> None:
    """Unregister model NAME (the file itself is not deleted)."""
    record = remove_model(state.store, name)
    click.echo(f"Removed {record.name} (file left at {record.path})")
