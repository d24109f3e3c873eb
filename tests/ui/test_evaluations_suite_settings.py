"""The Suite tab's settings (description, columns, threshold, repeats, seed, judge, defaults)
saved with the cases as one new version, New suite…, and Import cases…, against a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from workbench.errors import NotFoundError
from workbench.evals import SuiteFileError, get_suite, list_suites, load_suite_text, save_suite
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.store.audit import list_entries
from workbench.ui.evals.assertions_dialog import VALUE
from workbench.ui.evals.cases_model import DESCRIPTION
from workbench.ui.evals.new_suite_dialog import ChoiceRole
from workbench.ui.evals.suite_tasks import SuiteSettings, save_suite_edit
from workbench.ui.operations import TaskContext

TIMEOUT_MS = 10_000
DEMO = DEFAULT_MODEL_NAME

# One inline prompt and one model column with its own load settings: both must survive edits.
SUITE = f"""
name: lamps
description: Lamp questions
prompts:
  - id: plain
    template: "Question: {{{{ message }}}} ({{{{ tone }}}})"
models:
  - {{id: small-ctx, name: {DEMO}, load: {{context_size: 1024}}}}
sampling: {{temperature: 0}}
tests:
  - id: flicker
    description: Flickering lamp
    vars: {{message: My lamp flickers, tone: calm}}
  - description: Dead lamp
    vars: {{message: My lamp is dead, tone: curt}}
"""


def store_lamps(home: Path) -> None:
    """Store the two-case suite ``lamps`` (version 1)."""
    with open_store(home) as store:
        save_suite(store, load_suite_text(SUITE), origin="test")


def latest(home: Path, ref: str = "lamps") -> Any:
    """The latest stored version of suite ``ref``."""
    with open_store(home) as store:
        return get_suite(store, ref)


def open_page(window: Any, qtbot: Any) -> Any:
    """The Evaluations page, its library read, ``lamps`` stored and selected."""
    store_lamps(window.context.home)
    page = window.pages["evaluations"]
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        window.show_page("evaluations")
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.select_suite("lamps")
    return page


def open_editor(window: Any, qtbot: Any) -> Any:
    """The Suite tab showing ``lamps``, with the prompt versions and models read."""
    page = open_page(window, qtbot)
    editor = page.editor
    qtbot.waitUntil(lambda: editor.editing_suite == "lamps", timeout=TIMEOUT_MS)
    page.tabs.setCurrentWidget(editor)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Suite"
    return editor


def save(editor: Any, qtbot: Any) -> Any:
    """Click Save as new version and wait for the stored suite."""
    assert editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.suite_saved, timeout=TIMEOUT_MS) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.problem_label.isVisible(), editor.problem_label.text()
    return saved.args[0]


def retype(qtbot: Any, edit: Any, text: str) -> None:
    """Replace a line edit's text the way a user does: select all, type."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)


def press(window: Any, qtbot: Any, widget: Any, key: Qt.Key, modifier: Any) -> None:
    """Press ``key`` on ``widget`` of the active window (shortcuts only fire in it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(widget, key, modifier)


def choose(box: Any, value: str) -> None:
    """Make ``value`` the current choice of a column list's box."""
    index = box.findData(value)
    assert index >= 0, [box.itemData(i) for i in range(box.count())]
    box.setCurrentIndex(index)


# Settings ----------------------------------------------------------------------------------


def test_settings_and_cases_edited_together_are_stored_as_one_new_version(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    form = editor.settings
    assert form.description_edit.text() == "Lamp questions"
    assert not editor.save_button.isEnabled()
    retype(qtbot, form.description_edit, "Lamps, edited")
    assert editor.dirty
    assert editor.save_button.isEnabled()
    assert "unsaved changes" in editor.label.text()
    retype(qtbot, form.threshold_edit, "75%")
    form.repeat_box.setValue(3)
    retype(qtbot, form.seed_edit, "4000000000")  # above a QSpinBox's range, within the suite's
    choose(form.judge_box, DEMO)
    retype(qtbot, form.default_vars_edit, '{"tone": "neutral", "shop": "Lumen"}')
    qtbot.mouseClick(form.default_assertions_button, Qt.MouseButton.LeftButton)
    dialog = form.assertions_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type_box(0).setCurrentText("icontains")
    dialog.set_cell(0, VALUE, "lamp")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.assertions_dialog is None)
    assert form.default_assertions_label.text() == "icontains"
    assert editor.model.setData(editor.model.index(1, DESCRIPTION), "Dark lamp")

    stored = save(editor, qtbot)
    assert stored.version == 2
    suite = latest(window.context.home).suite
    assert latest(window.context.home).version == 2  # one version for settings and cases
    assert suite.description == "Lamps, edited"
    assert suite.threshold == 0.75
    assert (suite.repeat, suite.seed, suite.judge) == (3, 4_000_000_000, DEMO)
    assert dict(suite.default_vars) == {"tone": "neutral", "shop": "Lumen"}
    assert [a.to_dict() for a in suite.default_assertions] == [
        {"type": "icontains", "value": "lamp"}
    ]
    assert [case.description for case in suite.cases] == ["Flickering lamp", "Dark lamp"]
    # What the tab does not edit is kept from the stored version.
    assert dict(suite.sampling) == {"temperature": 0}
    assert dict(suite.models[0].load) == {"context_size": 1024}
    assert not editor.dirty
    assert not editor.save_button.isEnabled()
    assert form.threshold_edit.text() == "0.75"
    with open_store(window.context.home) as store, pytest.raises(NotFoundError):
        get_suite(store, "lamps@3")


def test_a_stored_prompt_version_and_an_inventory_model_become_columns(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    prompts, models = editor.settings.prompts, editor.settings.models
    # The inline prompt and the model's own load settings are listed read-only, with a note.
    assert "read-only" in prompts.list.item(0).text()
    assert "edit them in the suite file" in prompts.note.text()
    assert "own load settings" in models.list.item(0).text()
    assert "kept as they are" in models.note.text()
    # Read in the background: the stored versions and labels, the inventory's models.
    qtbot.waitUntil(lambda: prompts.choice_box.count() > 0, timeout=TIMEOUT_MS)
    choose(prompts.choice_box, "support-reply@3")
    qtbot.mouseClick(prompts.add_button, Qt.MouseButton.LeftButton)
    assert prompts.ids() == ["plain", "support-reply@3"]
    assert not prompts.add_button.isEnabled()  # already a column
    choose(models.choice_box, DEMO)
    qtbot.mouseClick(models.add_button, Qt.MouseButton.LeftButton)
    assert models.ids() == ["small-ctx", DEMO]
    assert editor.dirty

    save(editor, qtbot)
    suite = latest(window.context.home).suite
    assert [(p.id, p.ref) for p in suite.prompts] == [("plain", None), ("support-reply@3",) * 2]
    assert suite.prompts[0].content is not None  # the inline prompt kept as it was
    assert [(m.id, m.name, dict(m.load)) for m in suite.models] == [
        ("small-ctx", DEMO, {"context_size": 1024}),
        (DEMO, DEMO, {}),
    ]

    prompts.list.setCurrentRow(0)
    qtbot.mouseClick(prompts.remove_button, Qt.MouseButton.LeftButton)
    save(editor, qtbot)
    assert [p.id for p in latest(window.context.home).suite.prompts] == ["support-reply@3"]


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("default_vars_edit", '{"tone": ', "Not saved: Default variables: not valid JSON"),
        ("default_vars_edit", '["a"]', "Not saved: Default variables: expected a JSON object"),
        ("threshold_edit", "1.5", "Not saved: Threshold: expected a pass rate from 0 to 1"),
        ("threshold_edit", "high", "Not saved: Threshold: expected a pass rate"),
    ],
)
def test_an_invalid_setting_is_refused_with_a_message_and_nothing_is_stored(
    window: Any, qtbot: Any, field: str, text: str, expected: str
) -> None:
    editor = open_editor(window, qtbot)
    edit = getattr(editor.settings, field)
    retype(qtbot, edit, text)
    assert editor.problem_label.isVisible()
    assert "Your text is kept" in editor.problem_label.text()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.problem_label.text().startswith(expected), editor.problem_label.text()
    assert not editor.saving
    assert edit.text() == text  # nothing typed is lost
    assert latest(window.context.home).version == 1


def test_removing_the_last_model_column_is_refused(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    models = editor.settings.models
    models.list.setCurrentRow(0)
    qtbot.mouseClick(models.remove_button, Qt.MouseButton.LeftButton)
    assert models.ids() == []
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.problem_label.text() == "Not saved: Models: keep at least one model column"
    assert latest(window.context.home).version == 1


def test_the_suite_validation_names_the_setting_it_refuses(window: Any) -> None:
    store_lamps(window.context.home)
    task = TaskContext(window.context.home)
    try:
        stored = latest(window.context.home).suite
        settings = SuiteSettings.of(stored)
        bad = SuiteSettings(**{**settings.__dict__, "threshold": 1.5})
        cases = [case.to_dict() for case in stored.cases]
        with pytest.raises(SuiteFileError) as refused:
            save_suite_edit(task, "lamps", bad, cases)
        assert refused.value.field == "threshold"
        assert latest(window.context.home).version == 1
        unchanged, new = save_suite_edit(task, "lamps", settings, cases)
        assert (unchanged.version, new) == (1, False)  # the same content is no new version
    finally:
        task.close()


def test_revert_drops_the_settings_edits(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    form = editor.settings
    retype(qtbot, form.description_edit, "Something else")
    retype(qtbot, form.threshold_edit, "nonsense")
    form.repeat_box.setValue(5)
    qtbot.waitUntil(lambda: form.prompts.choice_box.count() > 0, timeout=TIMEOUT_MS)
    choose(form.prompts.choice_box, "support-reply@production")
    qtbot.mouseClick(form.prompts.add_button, Qt.MouseButton.LeftButton)
    assert editor.revert_button.isEnabled()
    # A click on another suite keeps the unsaved settings in the tab.
    page = window.pages["evaluations"]
    assert page.select_suite("support-reply-smoke")
    qtbot.wait(100)
    assert editor.editing_suite == "lamps"
    assert form.description_edit.text() == "Something else"
    with qtbot.waitSignal(editor.suite_opened, timeout=TIMEOUT_MS):
        qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert form.description_edit.text() == "Lamp questions"
    assert form.threshold_edit.text() == ""
    assert form.repeat_box.value() == 1
    assert form.prompts.ids() == ["plain"]
    assert not editor.dirty
    assert not editor.problem_label.isVisible()
    assert not editor.save_button.isEnabled()
    assert latest(window.context.home).version == 1


def test_default_assertions_being_edited_never_land_on_a_suite_shown_under_the_dialog(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    form = editor.settings
    qtbot.mouseClick(form.default_assertions_button, Qt.MouseButton.LeftButton)
    dialog = form.assertions_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type_box(0).setCurrentText("icontains")
    dialog.set_cell(0, VALUE, "lamp")
    # The tab has no edits yet, so a suite picked meanwhile (a background read) replaces it.
    page = window.pages["evaluations"]
    assert page.select_suite("support-reply-smoke")
    qtbot.waitUntil(lambda: editor.editing_suite == "support-reply-smoke", timeout=TIMEOUT_MS)
    assert form.assertions_dialog is None
    # Closed: hidden, or already deleted (it deletes itself once closed).
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    expected = [
        a.to_dict()
        for a in latest(window.context.home, "support-reply-smoke").suite.default_assertions
    ]
    assert form.default_assertions() == expected
    assert not editor.dirty


# New suite ---------------------------------------------------------------------------------


def open_new_suite_dialog(page: Any, qtbot: Any) -> Any:
    with qtbot.waitSignal(page.library_actions.new_suite_dialog_opened, timeout=TIMEOUT_MS) as o:
        qtbot.mouseClick(page.new_suite_button, Qt.MouseButton.LeftButton)
    return o.args[0]


def check(widget: Any, value: str) -> None:
    """Check the item of ``value`` in one of the dialog's lists."""
    items = [widget.item(row) for row in range(widget.count())]
    item = next(item for item in items if item.data(ChoiceRole) == value)
    item.setCheckState(Qt.CheckState.Checked)


def test_new_suite_stores_a_suite_selects_it_and_shows_its_starter_case(
    window: Any, qtbot: Any
) -> None:
    page = open_page(window, qtbot)
    dialog = open_new_suite_dialog(page, qtbot)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "fresh-lamps")
    qtbot.keyClicks(dialog.description_edit, "Started in the app")
    assert dialog.problem() == "Check at least one prompt version."
    assert not dialog.ok_button.isEnabled()
    check(dialog.prompt_list, "support-reply@3")
    check(dialog.model_list, DEMO)
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(page.suite_created, timeout=TIMEOUT_MS) as created:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert created.args[0].ref == "fresh-lamps@1"
    editor = page.editor
    qtbot.waitUntil(lambda: editor.editing_suite == "fresh-lamps", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.selected_suite() == "fresh-lamps", timeout=TIMEOUT_MS)
    assert page.tabs.currentWidget() is editor
    # The starter case: the prompt version's variables, empty, for the user to fill in.
    assert editor.model.rowCount() == 1
    assert editor.model.cases[0]["vars"] == {"customer_name": "", "message": ""}
    assert editor.settings.prompts.ids() == ["support-reply@3"]
    assert editor.settings.models.ids() == [DEMO]

    stored = latest(window.context.home, "fresh-lamps")
    assert stored.version == 1
    assert stored.origin == "workbench-ui:new-suite"
    assert stored.suite.description == "Started in the app"
    with open_store(window.context.home) as store:
        audited = list_entries(store, subject="fresh-lamps", action="eval_suite.saved")
    assert [entry.payload_data["version"] for entry in audited] == [1]
    assert audited[0].payload_data["prompts"] == ["support-reply@3"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lamps", "A suite named 'lamps' already exists"),
        ("two words", "Invalid suite id 'two words'"),
        ("lamps@2", "A suite name cannot contain '@'"),
    ],
)
def test_ctrl_shift_s_opens_new_suite_and_a_taken_or_invalid_name_is_refused(
    window: Any, qtbot: Any, name: str, expected: str
) -> None:
    page = open_page(window, qtbot)
    with qtbot.waitSignal(page.library_actions.new_suite_dialog_opened, timeout=TIMEOUT_MS) as o:
        press(
            window,
            qtbot,
            page.grid,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    dialog = o.args[0]
    check(dialog.prompt_list, "support-reply@production")
    check(dialog.model_list, DEMO)
    qtbot.keyClicks(dialog.name_edit, name)
    assert dialog.reason_label.isVisible()
    assert dialog.reason_label.text().startswith(expected), dialog.reason_label.text()
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter in the dialog: refused as well
    assert dialog.isVisible()
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.reject()
    with open_store(window.context.home) as store:
        assert [s.name for s in list_suites(store)] == ["lamps", "support-reply-smoke"]


# Import cases ------------------------------------------------------------------------------


def import_through_the_button(editor: Any, qtbot: Any, monkeypatch: Any, path: Path) -> None:
    """Click Import cases… and pick ``path`` in the (stubbed) file dialog."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(path), ""))
    qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)


def test_imported_csv_cases_are_appended_and_saved_with_the_next_version(
    window: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    editor = open_editor(window, qtbot)
    path = tmp_path / "more.csv"
    path.write_text(
        "message,tone,__expected,__description\n"
        "The bulb is out,calm,Replace the bulb,Bulb out\n"
        "It buzzes,curt,contains: buzz,Buzzing\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(editor.cases_imported, timeout=TIMEOUT_MS):
        import_through_the_button(editor, qtbot, monkeypatch, path)
    model = editor.model
    assert model.rowCount() == 4
    assert model.cases[2] == {
        "description": "Bulb out",
        "vars": {"message": "The bulb is out", "tone": "calm"},
        "assert": [{"type": "equals", "value": "Replace the bulb"}],
    }
    assert model.cases[3]["assert"] == [{"type": "contains", "value": "buzz"}]
    assert editor.selected_rows() == [2, 3]
    assert editor.dirty
    assert "2 cases from more.csv" in editor.label.text()

    save(editor, qtbot)
    cases = latest(window.context.home).suite.cases
    assert [case.description for case in cases] == [
        "Flickering lamp",
        "Dead lamp",
        "Bulb out",
        "Buzzing",
    ]
    assert cases[2].assertions[0].to_dict() == {"type": "equals", "value": "Replace the bulb"}


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.csv", "message,tone\nfine,calm\nonly one field\n", ":3:"),
        ("bad.jsonl", '{"vars": {"message": "hi"}}\n{"vars": {"message": \n', ":2:"),
    ],
)
def test_a_malformed_case_file_names_its_line_and_changes_nothing(
    window: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path, name: str, text: str, where: str
) -> None:
    editor = open_editor(window, qtbot)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    import_through_the_button(editor, qtbot, monkeypatch, path)
    qtbot.waitUntil(lambda: editor.problem_label.isVisible(), timeout=TIMEOUT_MS)
    message = editor.problem_label.text()
    assert message.startswith("Not imported, nothing changed:")
    assert f"{path}{where}" in message
    assert not editor.importing
    assert editor.model.rowCount() == 2
    assert not editor.dirty
    assert not editor.save_button.isEnabled()
    assert editor.label.text() == "lamps@1: 2 cases"


def test_a_version_stored_elsewhere_meanwhile_is_never_overwritten(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    retype(qtbot, editor.settings.description_edit, "Edited in the tab")
    with open_store(window.context.home) as store:  # the CLI (or another window) saves v2
        changed = load_suite_text(SUITE.replace("Lamp questions", "Saved elsewhere"))
        assert save_suite(store, changed, origin="elsewhere")[0].version == 2

    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "since you opened version 1" in editor.problem_label.text())
    assert latest(window.context.home).version == 2  # nothing stored over it
    assert latest(window.context.home).suite.description == "Saved elsewhere"
    assert editor.settings.description_edit.text() == "Edited in the tab"  # edits kept
    assert editor.dirty


def test_a_version_stored_elsewhere_is_shown_when_the_tab_has_no_edits(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    page = window.pages["evaluations"]
    with open_store(window.context.home) as store:
        save_suite(store, load_suite_text(SUITE.replace("Lamp questions", "Newer")), origin="cli")

    page.refresh()

    qtbot.waitUntil(lambda: editor.editing_version == 2, timeout=TIMEOUT_MS)
    assert editor.settings.description_edit.text() == "Newer"


def test_edits_that_recreate_an_older_version_are_refused_not_lost(window: Any) -> None:
    from workbench.ui.evals.suite_tasks import SuiteChangedError

    store_lamps(window.context.home)
    v1 = latest(window.context.home).suite
    with open_store(window.context.home) as store:
        save_suite(store, load_suite_text(SUITE.replace("Lamp questions", "Two")), origin="x")
    task = TaskContext(window.context.home)
    try:
        cases = [case.to_dict() for case in v1.cases]
        with pytest.raises(SuiteChangedError, match="exactly version 1 again"):
            save_suite_edit(task, "lamps", SuiteSettings.of(v1), cases, base_version=2)
    finally:
        task.close()
    assert latest(window.context.home).version == 2


def test_a_threshold_survives_a_save_of_other_settings_exactly(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    with open_store(window.context.home) as store:
        text = SUITE.replace("description: Lamp questions", "threshold: 0.8333333")
        save_suite(store, load_suite_text(text), origin="test")
    window.pages["evaluations"].refresh()
    qtbot.waitUntil(lambda: editor.editing_version == 2, timeout=TIMEOUT_MS)
    retype(qtbot, editor.settings.description_edit, "Now described")

    save(editor, qtbot)

    assert latest(window.context.home).suite.threshold == 0.8333333


def test_no_cell_editor_opens_while_a_save_runs(window: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QAbstractItemView

    editor = open_editor(window, qtbot)
    view = editor.cases.view
    editor.cases.open = False  # what a running save or import sets
    view.activated.emit(editor.model.index(0, DESCRIPTION))

    assert view.state() != QAbstractItemView.State.EditingState


def test_a_name_taken_meanwhile_is_refused_in_the_dialog_which_keeps_the_answers(
    window: Any, qtbot: Any
) -> None:
    page = open_page(window, qtbot)
    dialog = open_new_suite_dialog(page, qtbot)
    qtbot.keyClicks(dialog.name_edit, "race-lamps")
    qtbot.keyClicks(dialog.description_edit, "Mine")
    check(dialog.prompt_list, "support-reply@3")
    check(dialog.model_list, DEMO)
    with open_store(window.context.home) as store:  # another window takes the name first
        save_suite(
            store, load_suite_text(SUITE.replace("name: lamps", "name: race-lamps")), origin="x"
        )

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "already exists" in dialog.reason_label.text(), timeout=TIMEOUT_MS)
    assert dialog.isVisible()
    assert (dialog.name_edit.text(), dialog.description_edit.text()) == ("race-lamps", "Mine")
    assert dialog.checked_prompts() == ("support-reply@3",)
    retype(qtbot, dialog.name_edit, "race-lamps-2")
    with qtbot.waitSignal(page.suite_created, timeout=TIMEOUT_MS) as created:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert created.args[0].ref == "race-lamps-2@1"
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())
