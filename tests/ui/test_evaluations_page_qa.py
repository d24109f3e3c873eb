"""What a QA pass of the Evaluations page found, pinned: YAML values in the assertions dialog,
the progress bar and the runs list during and after a run, suite columns the store lacks in
the run dialog, the Suite tab's description and Ctrl+S, the New suite dialog's placeholder,
the shortcuts help, and the empty lists' hints."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import eval_pages
import pytest
from eval_pages import RUN_TIMEOUT_MS, TIMEOUT_MS, item_of, open_page, store_text
from eval_values import make_run
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QApplication
from scripted_hosts import ScriptedModel

from workbench.evals import StoredSuite, load_suite_text, save_suite
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.ui.evals.assertions_dialog import VALUE, AssertionsDialog, parse_value, value_text
from workbench.ui.evals.library_panel import NO_RUNS_HINT, NO_SUITES_HINT, LibraryPanel
from workbench.ui.evals.matrix_model import NOT_RUN_TEXT, QUEUED_TEXT
from workbench.ui.evals.new_suite_dialog import NewSuiteDialog, free_name
from workbench.ui.evals.run_dialog import RunDialog
from workbench.ui.evals.suite_tasks import ColumnChoices, NewSuiteChoices
from workbench.ui.evals.tasks import Library, RunChoices
from workbench.ui.shortcuts_dialog import SHORTCUTS

# 1. The assertions dialog reads YAML flow values -------------------------------------------


@pytest.mark.parametrize(
    ("text", "type_name", "value"),
    [
        ("{max: 200}", "length", {"max": 200}),
        ("{min: 10, max: 200}", "length", {"min": 10, "max": 200}),
        ('{"max": 200}', "length", {"max": 200}),  # JSON is YAML too
        ("200", "length", 200),
        ("[bulb, plug]", "icontains-any", ["bulb", "plug"]),
        ("[yes, 007, 1e3]", "contains-any", ["yes", "007", "1e3"]),  # texts stay as typed
        ("yes", "contains", "yes"),
        ("123", "contains", "123"),
        ("1e3", "contains", "1e3"),
        ('"quoted"', "contains", "quoted"),
        ("[abc]+", "regex", "[abc]+"),
        ("{type: object}", "is-json", {"type": "object"}),
        # As the suite files read them: an unquoted date is the text typed, not a date.
        ("[2024-01-01]", "equals", ["2024-01-01"]),
        ("{max: .inf}", "length", "{max: .inf}"),  # not a finite number: left as typed
        ("Answer: 42", "equals", "Answer: 42"),  # not a mapping: only flow forms are YAML
        ("true", None, "true"),
        ("", "contains", None),
    ],
)
def test_values_are_read_as_yaml_flow_and_texts_stay_as_typed(
    text: str, type_name: str | None, value: Any
) -> None:
    assert parse_value(text, type_name) == value
    assert parse_value(value_text(value, type_name), type_name) == value


def test_a_length_bound_written_as_yaml_is_accepted(qtbot: Any) -> None:
    dialog = AssertionsDialog([{"type": "contains", "value": "yes"}], title="A case")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.item(0, VALUE).text() == "yes"
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type_box(1).setCurrentText("length")
    dialog.set_cell(1, VALUE, "{max: 200}")
    with qtbot.waitSignal(dialog.assertions_accepted, timeout=TIMEOUT_MS) as accepted:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert accepted.args[0] == [
        {"type": "contains", "value": "yes"},
        {"type": "length", "value": {"max": 200}},
    ]


# 2, 3. The progress bar and the running run's line ------------------------------------------


def bulb_hosts(hold_after: int | None = None) -> ScriptedModel:
    """Hosts whose replies pass the suite's assertion; see ScriptedModel for ``hold_after``."""
    return ScriptedModel(responder=lambda request, loaded: "Check the bulb.", hold_after=hold_after)


def store_suite(home: Path, n_cases: int, name: str = "qa-lamps") -> None:
    cases = "".join(
        f"  - id: case-{i}\n    vars: {{message: 'Lamp {i} flickers'}}\n"
        "    assert: [{type: icontains, value: bulb}]\n"
        for i in range(n_cases)
    )
    text = (
        f"name: {name}\nprompts:\n  - id: plain\n    template: 'Q: {{{{ message }}}}'\n"
        f"models:\n  - {DEFAULT_MODEL_NAME}\ntests:\n{cases}"
    )
    store_text(home, text)


def run_line(page: Any, run_id: int | None) -> str:
    """The runs list's line of run ``run_id`` ("" when not listed)."""
    model = page.library.runs_model
    for row in range(model.rowCount()):
        item = model.item(row)
        if run_id is not None and item.data(Qt.ItemDataRole.UserRole + 1) == run_id:
            return str(item.text())
    return ""


def count_cells_showing(page: Any, text: str) -> int:
    """How many grid cells show ``text``."""
    matrix = page.matrix
    return sum(
        matrix.data(matrix.index(row, column), Qt.ItemDataRole.DisplayRole) == text
        for row in range(matrix.rowCount())
        for column in range(matrix.columnCount())
    )


def test_the_runs_list_follows_the_run_and_cancel_leaves_the_bar_at_the_cells_done(
    window: Any, qtbot: Any
) -> None:
    store_suite(window.context.home, 12)
    page = open_page(window, qtbot, "qa-lamps")
    hosts = bulb_hosts(hold_after=5)
    page.controller.hosts = hosts.factory
    try:
        with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            page.start_run()
            qtbot.waitUntil(lambda: page.matrix.n_finished == 5 and hosts.held.is_set())
            run_id = page.controller.run_id
            # The line follows the cells (not "running · 0/12" until the end).
            qtbot.waitUntil(lambda: "running · 5/12" in run_line(page, run_id))
            # Cells not reached yet are queued while the run executes...
            assert count_cells_showing(page, QUEUED_TEXT) == 7
            page.cancel_run()
    finally:
        hosts.release()
    run = finished.args[0]
    assert (run.status, run.n_done, run.n_cells) == ("cancelled", 5, 12)
    assert (page.progress.value(), page.progress.maximum()) == (5, 12)
    assert "5/12" in page.progress.text()
    assert "100" not in page.progress.text()
    assert "cancelled · 5/12" in run_line(page, run.id)
    assert count_cells_showing(page, NOT_RUN_TEXT) == 7  # ...and were not run once it stopped
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        pass  # the refresh after the run: the stored line says the same
    assert "cancelled · 5/12" in run_line(page, run.id)


def test_a_finished_run_fills_the_bar(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 3)
    page = open_page(window, qtbot, "qa-lamps")
    page.controller.hosts = bulb_hosts().factory
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
    run = finished.args[0]
    assert run.status == "finished"
    assert (page.progress.value(), page.progress.maximum()) == (3, 3)
    assert "finished · 3/3" in run_line(page, run.id)


def test_a_run_that_broke_off_keeps_the_bar_where_it_got_to(qtbot: Any) -> None:
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.set_progress(4, 10)
    panel.settle_progress()
    assert (panel.progress.value(), panel.progress.maximum()) == (4, 10)
    panel.set_progress(0, 0)  # busy: nothing known yet
    panel.settle_progress()
    assert (panel.progress.value(), panel.progress.maximum()) == (0, 1)


# 4. Suite columns the store lacks, in the run dialog ---------------------------------------

MISSING_SUITE = f"""
name: missing-bits
prompts:
  - id: inline
    template: "Q: {{{{ message }}}}"
  - support-reply@7
models:
  - {DEFAULT_MODEL_NAME}
  - nomodel
tests:
  - {{id: a, vars: {{message: A}}}}
"""


def read_choices(home: Path, text: str) -> RunChoices:
    """Store the suite ``text`` and read its run choices as the page does before the dialog."""
    return eval_pages.read_choices(home, store_text(home, text).ref)


def run_dialog(qtbot: Any, choices: RunChoices) -> RunDialog:
    dialog = RunDialog(choices)
    qtbot.addWidget(dialog)
    return dialog


def test_the_choices_name_the_suite_columns_the_store_lacks(window: Any) -> None:
    choices = read_choices(window.context.home, MISSING_SUITE)
    assert choices.missing_prompts == ("support-reply@7",)  # the demo prompt has 3 versions
    assert choices.missing_models == ("nomodel",)
    assert choices.missing_judge is None  # the first model: demo, in the inventory
    present = read_choices(window.context.home, MISSING_SUITE.replace("@7", "@2"))
    assert present.missing_prompts == ()


def test_a_model_or_prompt_the_store_lacks_is_shown_unchecked_and_left_out(
    window: Any, qtbot: Any
) -> None:
    dialog = run_dialog(qtbot, read_choices(window.context.home, MISSING_SUITE))
    dialog.show()
    for widget, value, note in (
        (dialog.model_list, "nomodel", "not in the inventory"),
        (dialog.prompt_list, "support-reply@7", "not stored"),
    ):
        item = item_of(widget, value)
        assert note in item.text()
        assert item.checkState() == Qt.CheckState.Unchecked
        assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    assert dialog.missing_label.isVisible()
    assert "Models page" in dialog.missing_label.text()
    assert "Prompts page" in dialog.missing_label.text()
    assert dialog.ok_button.isEnabled()  # the columns the store has still run
    options = dialog.options()
    assert (options.prompts, options.models) == (("inline",), (DEFAULT_MODEL_NAME,))

    item_of(dialog.model_list, "nomodel").setCheckState(Qt.CheckState.Checked)
    assert not dialog.ok_button.isEnabled()  # never run with a missing column
    assert "nomodel" in dialog.reason_label.text()


def stored_choices(text: str, **missing: Any) -> RunChoices:
    suite = load_suite_text(text, source="missing.yaml")
    stored = StoredSuite(1, suite.name, 1, suite.sha256, "test", "2026-01-01", "tester", suite)
    return RunChoices(stored, (), ("smollm",), **missing)


def test_run_stays_disabled_when_the_suite_only_has_a_missing_model(qtbot: Any) -> None:
    text = (
        'name: only-missing\nprompts: [{id: p, template: "Q"}]\nmodels: [nomodel]\n'
        "tests: [{id: a}]\n"
    )
    dialog = run_dialog(qtbot, stored_choices(text, missing_models=("nomodel",)))
    assert not dialog.ok_button.isEnabled()
    assert "nomodel" in dialog.missing_label.text()
    assert "Models page" in dialog.missing_label.text()
    item_of(dialog.model_list, "smollm").setCheckState(Qt.CheckState.Checked)
    assert dialog.ok_button.isEnabled()


def test_a_missing_judge_keeps_run_disabled_while_a_chosen_case_needs_it(qtbot: Any) -> None:
    text = (
        'name: judged\nprompts: [{id: p, template: "Q"}]\nmodels: [smollm]\n'
        "tests:\n  - {id: a, tags: [judged], assert: [{type: llm-rubric, value: polite}]}\n"
        "  - {id: b, tags: [plain], assert: [{type: contains, value: hi}]}\n"
    )
    dialog = run_dialog(qtbot, stored_choices(text, missing_judge="gone"))
    assert not dialog.ok_button.isEnabled()
    assert "judge model gone" in dialog.missing_label.text()
    item_of(dialog.tag_list, "plain").setCheckState(Qt.CheckState.Checked)
    assert dialog.ok_button.isEnabled()  # no chosen case needs the judge
    assert not dialog.missing_label.isVisible()


# 5. The Suite tab: the description's start, and Ctrl+S --------------------------------------

LONG = "A long description " * 12 + "that ends here."


def test_the_description_shows_its_start_and_ctrl_s_saves_the_edits(
    window: Any, qtbot: Any
) -> None:
    with open_store(window.context.home) as store:
        text = (
            f"name: described\ndescription: {LONG}\nprompts: [{{id: p, template: 'Q'}}]\n"
            f"models: [{DEFAULT_MODEL_NAME}]\ntests: [{{id: a}}]\n"
        )
        save_suite(store, load_suite_text(text), origin="test")
    page = open_page(window, qtbot, "described")
    editor = page.editor
    qtbot.waitUntil(lambda: editor.editing_suite == "described", timeout=TIMEOUT_MS)
    page.tabs.setCurrentWidget(editor)
    description = editor.settings.description_edit
    assert description.text() == LONG.strip()
    assert description.cursorPosition() == 0

    description.setText("Shorter")
    assert editor.dirty
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.tabs.setCurrentWidget(page.grid_panel)  # not shown: Ctrl+S is not the Suite tab's
    qtbot.keyClick(page.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(100)
    assert editor.dirty
    assert not editor.saving

    page.tabs.setCurrentWidget(editor)
    with qtbot.waitSignal(page.suite_saved, timeout=TIMEOUT_MS) as saved:
        qtbot.keyClick(page.runs_view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0].version == 2
    assert saved.args[0].suite.description == "Shorter"
    assert not editor.dirty


# 6. The New suite dialog's placeholder --------------------------------------------------------


def test_the_name_placeholder_suggests_a_free_name(qtbot: Any) -> None:
    taken = frozenset({"support-reply-smoke", "my-suite"})
    assert free_name(taken) == "my-suite-2"
    dialog = NewSuiteDialog(NewSuiteChoices(ColumnChoices(), taken))
    qtbot.addWidget(dialog)
    placeholder = dialog.name_edit.placeholderText()
    assert "my-suite-2" in placeholder
    assert not any(name in placeholder.split() for name in taken)


# 7. The shortcuts help ------------------------------------------------------------------------


def test_the_shortcuts_help_lists_every_evaluations_key_aligned(window: Any, qtbot: Any) -> None:
    page = window.pages["evaluations"]
    listed = dict(SHORTCUTS)["Evaluations"]
    keys = {key.strip() for keys, _ in listed for key in keys.split(",")}
    # Every key the page answers (its shortcuts, and its widgets' actions) is listed.
    page_keys = {shortcut.key().toString() for shortcut in page.findChildren(QShortcut)} | {
        sequence.toString()
        for action in page.findChildren(QAction)
        for sequence in action.shortcuts()
    }
    named = {"Ins": "Insert", "Del": "Delete"}
    page_keys = {named.get(key, key) for key in page_keys if key}
    assert page_keys <= keys, page_keys - keys
    assert {"Esc", "Ctrl+.", "Ctrl+S"} <= keys

    dialog = window.show_shortcuts()
    qtbot.waitExposed(dialog)
    dialog.resize(420, 700)  # narrow: long descriptions wrap
    qtbot.wait(50)
    shown = dialog.listed()
    assert ("Esc, Ctrl+.", "Cancel the run (the cells finished so far are kept)") in shown
    lefts = {what.x() for _, what in dialog.rows}
    assert len(lefts) == 1  # every description starts in the same column
    for key, what in dialog.rows:
        assert key.y() == what.y()  # top-aligned: a wrapped line never starts under the key
        assert key.alignment() & Qt.AlignmentFlag.AlignTop
        assert what.alignment() & Qt.AlignmentFlag.AlignTop
    line = dialog.rows[0][0].sizeHint().height()
    wrapped = [what for _, what in dialog.rows if what.height() > 1.5 * line]
    assert wrapped  # long descriptions wrap, with room for every line
    for what in wrapped:
        assert what.height() >= what.heightForWidth(what.width())
    dialog.accept()


# 9. The empty lists say what to do ---------------------------------------------------------


def test_empty_lists_show_a_hint_that_is_painted(qtbot: Any) -> None:
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.resize(280, 600)
    panel.show()
    qtbot.waitExposed(panel)
    for view, hint in ((panel.suites_view, NO_SUITES_HINT), (panel.runs_view, NO_RUNS_HINT)):
        assert view.hint_shown()
        assert view.hint == hint
        with_hint = view.viewport().grab().toImage()
        view.hint = ""
        view.viewport().update()
        without = view.viewport().grab().toImage()
        view.hint = hint
        assert with_hint != without  # the hint is drawn
    assert "Ctrl+R" in NO_RUNS_HINT
    assert "New suite" in NO_SUITES_HINT


def test_the_runs_hint_shows_at_first_start_and_goes_with_the_first_run(
    window: Any, qtbot: Any
) -> None:
    page = open_page(window, qtbot, "support-reply-smoke")
    assert page.library.runs_model.rowCount() == 0
    assert page.runs_view.hint_shown()
    assert not page.suites_view.hint_shown()


def test_a_run_no_library_read_listed_yet_gets_its_line_at_its_place(qtbot: Any) -> None:
    # A run that starts after a library read and ends before the next one answers: its
    # outcome must show at once (the list is newest first), not wait for that read.
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.set_library(Library([], [make_run(4, "a"), make_run(1, "a")]), None, None)
    panel.update_run(dataclasses.replace(make_run(7, "a"), status="cancelled", n_done=2))
    panel.update_run(make_run(3, "a"))
    panel.update_run(dataclasses.replace(make_run(4, "a"), n_done=3, status="failed"))
    model = panel.runs_model
    lines = [str(model.item(row).text()) for row in range(model.rowCount())]
    assert [line.split()[0] for line in lines] == ["#7", "#4", "#3", "#1"]
    assert "cancelled · 2/4" in lines[0]
    assert "failed · 3/4" in lines[1]
