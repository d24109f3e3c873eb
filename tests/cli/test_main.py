"""The command group: version, help texts, where the store lives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workbench import __version__
from workbench.cli.main import cli


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, path))
    return found


def test_version_is_printed() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in done.stdout


@pytest.mark.parametrize("path", _all_commands(cli), ids=" ".join)
def test_every_command_has_help_text(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"{' '.join(path)} lacks help text"
    assert len(command.help.strip()) > 10, f"{' '.join(path)} has a token help text"
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0, result.output


def test_home_option_and_environment_choose_the_store(tmp_path: Path) -> None:
    runner = CliRunner()
    explicit = tmp_path / "explicit"
    from_env = tmp_path / "from-env"

    runner.invoke(cli, ["--home", str(explicit), "audit", "log"], catch_exceptions=False)
    runner.invoke(cli, ["audit", "log"], env={"WORKBENCH_HOME": str(from_env)})

    assert (explicit / "workbench.db").is_file()
    assert (from_env / "workbench.db").is_file()


def test_help_does_not_load_qt_or_llama_cpp() -> None:
    code = (
        "import sys; from workbench.cli.main import cli\n"
        "try:\n    cli(['-h'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('PySide6', 'llama_cpp') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]")
