"""Entry point: ``workbench`` with no subcommand starts the desktop app; with one, the CLI."""

from __future__ import annotations

from workbench.cli.main import cli


def main() -> None:
    """Run the workbench command line (and, without a subcommand, the desktop app)."""
    cli(prog_name="workbench")


if __name__ == "__main__":
    main()
