"""``workbench audit``: read and verify the tamper-evident audit log."""

from __future__ import annotations

import click

from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.store.audit import list_entries, verify_chain


@click.group()
def audit() -> None:
    """Read and verify the audit log."""


@audit.command("log")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--subject", help="Only entries about this subject.")
@click.option("--action", help="Only entries with this action (e.g. model.added).")
@click.option("-n", "--limit", type=int, help="Only the newest N entries.")
@pass_context
def log_cmd(
    state: CliContext, as_json: bool, subject: str | None, action: str | None, limit: int | None
) -> None:
    """Print audit entries, oldest first."""
    entries = list_entries(state.store, subject=subject, action=action, limit=limit)
    if as_json:
        echo_json([e.to_dict() for e in entries])
        return
    for entry in entries:
        click.echo(
            f"{entry.id:>6}  {entry.time}  {entry.actor}  {entry.action}  {entry.subject}  "
            f"{entry.payload}"
        )


@audit.command("verify")
@pass_context
def verify_cmd(state: CliContext) -> None:
    """Recompute the hash chain; exit 1 naming the first entry that does not verify."""
    result = verify_chain(state.store)
    if result.ok:
        click.echo(f"OK: {result.entries_checked} entries, hash chain intact.")
        return
    click.echo(
        f"FAILED at entry {result.first_bad_id}: {result.problem} "
        f"({result.entries_checked} entries before it verified).",
        err=True,
    )
    raise SystemExit(1)
