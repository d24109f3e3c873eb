"""The ``workbench`` command group and its global options."""

from __future__ import annotations

from typing import Any

import click

from workbench import __version__
from workbench.cli.context import CliContext
from workbench.errors import WorkbenchError
from workbench.paths import HOME_ENV_VAR, resolve_home


class WorkbenchGroup(click.Group):
    """A click group that shows expected errors as one clean line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(
    cls=WorkbenchGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help=f"Directory holding the workbench store (default: ${HOME_ENV_VAR} or the user data dir).",
)
@click.version_option(__version__, "--version", prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """GenAI Ops Workbench: try, measure and sign off local GGUF models, offline.

    Without a command, starts the desktop app.
    """
    state = CliContext(home=resolve_home(home))
    ctx.obj = state
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        from workbench.ui.app import run_app

        ctx.exit(run_app(state.home))


def _register_commands() -> None:
    from workbench.cli import audit_cmd, generate_cmd, models_cmd

    cli.add_command(models_cmd.models)
    cli.add_command(audit_cmd.audit)
    cli.add_command(generate_cmd.generate)
    from workbench.cli.prompts_cmd import prompts

    cli.add_command(prompts)
    from workbench.cli.eval_cmd import eval_group

    cli.add_command(eval_group)
    from workbench.cli.bias_cmd import bias, probes

    cli.add_command(bias)
    cli.add_command(probes)


_register_commands()
