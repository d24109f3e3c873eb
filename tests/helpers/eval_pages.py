"""The Evaluations page in a main window, for its tests: suites stored straight into the
window's home, the page opened and its library read waited for, a suite selected, and what
the run dialog is given.

The page reads its library in the background and says so with ``library_loaded``, so a
test waits on that signal (for at most :data:`TIMEOUT_MS`) rather than for a time.

Test modules import this module as ``eval_pages``: pytest's ``pythonpath`` option puts
tests/helpers on sys.path (under ``--import-mode=importlib`` test modules and conftest files
cannot import one another).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.evals import StoredSuite, load_suite_text, save_suite
from workbench.store import open_store
from workbench.ui.evals.run_dialog import ChoiceRole
from workbench.ui.evals.tasks import RunChoices, read_run_choices
from workbench.ui.operations import TaskContext

TIMEOUT_MS = 10_000  # a library read, a dialog's background check
RUN_TIMEOUT_MS = 120_000  # a whole run of the demo model


def store_text(home: Path, text: str) -> StoredSuite:
    """Store the suite YAML ``text`` in the store at ``home``, as an import would."""
    with open_store(home) as store:
        return save_suite(store, load_suite_text(text), origin="test")[0]


def read_choices(home: Path, ref: str) -> RunChoices:
    """The run choices of the stored suite ``ref``, read as the page reads them before it
    opens the run dialog."""
    task = TaskContext(home)
    try:
        return read_run_choices(task, ref)
    finally:
        task.close()


def open_page(window: Any, qtbot: Any, suite: str) -> Any:
    """Show the window's Evaluations page, wait for a library read that knows what is stored
    now, and select the suite named ``suite``."""
    page = window.pages["evaluations"]
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        window.show_page("evaluations")
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.select_suite(suite)
    return page


def item_of(widget: Any, value: str) -> Any:
    """The item of the list ``widget`` whose :data:`ChoiceRole` is ``value``."""
    for row in range(widget.count()):
        if widget.item(row).data(ChoiceRole) == value:
            return widget.item(row)
    raise AssertionError(f"{value} is not listed")
