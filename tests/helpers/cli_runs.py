"""What the ``workbench`` command-line tests share: a suite file written into a test's folder
(a module's own suite text, with some of its lines replaced) and the output of a command that
must have succeeded.

Test modules import this module as ``cli_runs``: pytest's ``pythonpath`` option puts
tests/helpers on sys.path (under ``--import-mode=importlib`` test modules and conftest files
cannot import one another).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import Result


def ok(result: Result) -> str:
    """The standard output of a command that exited 0 (else fail, showing all it printed)."""
    assert result.exit_code == 0, result.output
    return result.stdout


def write_suite(folder: Path, text: str, name: str = "suite.yaml", **replace: str) -> Path:
    """Write ``text`` to ``folder/name``, each key of ``replace`` (which must be in it)
    replaced by its value."""
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
