"""The suite editor's cases table: cases added, duplicated and deleted, assertions edited in a
dialog, bad input explained and kept, and every edit saved as a new suite version in the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from workbench.evals import EvalCase, get_suite, load_suite_text, save_suite
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.ui.evals.assertions_dialog import (
    NEGATE,
    THRESHOLD,
    TYPE,
    VALUE,
    AssertionsDialog,
    parse_value,
    value_text,
)
from workbench.ui.evals.cases_model import ASSERTIONS, DESCRIPTION, ID, VARS, CasesModel

TIMEOUT_MS = 10_000

SUITE = f"""
name: lamps
prompts:
  - id: plain
    template: "Question: {{{{ message }}}} ({{{{ tone }}}})"
models: [{DEFAULT_MODEL_NAME}]
tests:
  - id: flicker
    description: Flickering lamp
    vars: {{message: My lamp flickers, tone: calm}}
    assert: [{{type: icontains-any, value: [lamp, bulb]}}]
  - description: Dead lamp
    vars: {{message: My lamp is dead, tone: curt}}
    tags: [smoke]
"""


def store_lamps(home: Path) -> None:
    """Store the two-case suite ``lamps`` (version 1)."""
    with open_store(home) as store:
        save_suite(store, load_suite_text(SUITE), origin="test")


def stored_cases(home: Path) -> list[EvalCase]:
    """The cases of the latest stored version of ``lamps``."""
    with open_store(home) as store:
        return list(get_suite(store, "lamps").suite.cases)


def open_editor(window: Any, qtbot: Any) -> Any:
    """The Evaluations page's cases editor, showing ``lamps``."""
    store_lamps(window.context.home)
    page = window.pages["evaluations"]
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        window.show_page("evaluations")
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.select_suite("lamps")
    editor = page.editor
    qtbot.waitUntil(lambda: editor.editing_suite == "lamps", timeout=TIMEOUT_MS)
    page.tabs.setCurrentWidget(editor)
    return editor


def save(editor: Any, qtbot: Any) -> Any:
    """Click Save as new version and wait for the stored suite."""
    assert editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.suite_saved, timeout=TIMEOUT_MS) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not editor.saving, timeout=TIMEOUT_MS)
        assert not editor.problem_label.isVisible(), editor.problem_label.text()
    return saved.args[0]


def click_cell(qtbot: Any, view: Any, row: int, column: int, *, double: bool = False) -> None:
    """Click (or double-click) a cell of a table view the way a user does."""
    index = view.model().index(row, column)
    view.scrollTo(index)
    where = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    if double:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)


# The cases model ---------------------------------------------------------------------------


def two_cases() -> CasesModel:
    model = CasesModel()
    model.set_cases(
        [
            EvalCase("a", vars={"message": "hi", "tone": "calm"}, description="A"),
            EvalCase("b", vars={"message": "yo", "name": "Ann"}),
        ]
    )
    return model


def test_a_new_case_lists_the_variables_the_other_cases_use_and_has_no_id() -> None:
    model = two_cases()
    row = model.insert_case(1, model.new_case())
    assert row == 1
    assert model.cases[1] == {"vars": {"message": "", "tone": "", "name": ""}}
    assert model.data(model.index(1, ID)) == ""
    assert model.rowCount() == 3
    assert model.dirty


def test_duplicates_lose_their_id_and_deep_copy_their_values() -> None:
    model = two_cases()
    model.cases[0]["vars"]["nested"] = {"x": [1]}
    assert model.duplicate_rows([0, 1]) == [2, 3]
    assert "id" not in model.cases[2]
    assert "id" not in model.cases[3]
    assert model.cases[2]["vars"] == model.cases[0]["vars"]
    model.cases[2]["vars"]["nested"]["x"].append(2)
    assert model.cases[0]["vars"]["nested"] == {"x": [1]}
    assert model.remove_rows([0, 2]) == 2
    assert [case.get("id") for case in model.cases] == ["b", None]


def test_refused_variables_stay_in_the_cell_and_block_saving_until_fixed() -> None:
    model = two_cases()
    edits: list[bool] = []
    model.edited.connect(lambda: edits.append(True))
    assert not model.setData(model.index(1, VARS), '{"message": "yo",')
    assert model.cases[1]["vars"] == {"message": "yo", "name": "Ann"}
    assert model.data(model.index(1, VARS)) == '{"message": "yo",'
    assert "not valid JSON" in model.data(model.index(1, VARS), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(1, VARS), Qt.ItemDataRole.ForegroundRole) is not None
    problem = model.problem()
    assert problem is not None
    assert problem.startswith("Row 2, Variables: not valid JSON")
    assert model.dirty
    assert edits
    assert not model.setData(model.index(0, VARS), '{"2x": 1}')
    assert "variable name '2x'" in (model.problem() or "")
    assert model.setData(model.index(0, VARS), '{"x2": 1}')
    assert model.setData(model.index(1, VARS), '{"message": "yo!"}')
    assert model.problem() is None
    assert model.data(model.index(1, VARS)) == '{"message": "yo!"}'


def test_the_assertions_column_summarises_types_with_their_negation() -> None:
    model = two_cases()
    model.set_assertions(0, [{"type": "icontains-any", "value": ["a"]}, {"type": "not-contains"}])
    assert model.data(model.index(0, ASSERTIONS)) == "icontains-any, not-contains"
    model.set_assertions(0, [])
    assert "assert" not in model.cases[0]
    assert not model.flags(model.index(0, ASSERTIONS)) & Qt.ItemFlag.ItemIsEditable


# The assertions dialog ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("lamp", "lamp"),
        (["lamp", "bulb"], '["lamp", "bulb"]'),
        ({"max": 200}, '{"max": 200}'),
        (3, "3"),
        ("42", '"42"'),  # text that reads as a number is quoted, so it stays text
        ("true", "true"),
        (None, ""),
    ],
)
def test_values_show_as_json_only_where_plain_text_would_read_differently(
    value: Any, text: str
) -> None:
    assert value_text(value) == text
    assert parse_value(text) == value


def make_dialog(qtbot: Any, assertions: list[dict[str, Any]]) -> AssertionsDialog:
    dialog = AssertionsDialog(assertions, title="A case")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_dialog_shows_existing_assertions_and_writes_them_back_in_order(qtbot: Any) -> None:
    dialog = make_dialog(
        qtbot,
        [
            {"type": "not-icontains", "value": "sorry", "metric": "tone"},
            {"type": "similar", "value": ["a", "b"], "threshold": 0.8, "weight": 2},
        ],
    )
    assert dialog.row_count() == 2
    assert dialog.table.item(0, NEGATE).checkState() == Qt.CheckState.Checked
    assert dialog.type_box(0).currentText() == "icontains"
    assert dialog.table.item(1, VALUE).text() == '["a", "b"]'
    assert dialog.table.item(1, THRESHOLD).text() == "0.8"
    names = {kind.name for kind in dialog.types}
    assert {dialog.type_box(0).itemText(i) for i in range(dialog.type_box(0).count())} == names
    dialog.table.setCurrentCell(1, VALUE)
    qtbot.mouseClick(dialog.up_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.assertions_accepted) as accepted:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert accepted.args[0] == [
        {"type": "similar", "value": ["a", "b"], "threshold": 0.8, "weight": 2.0},
        {"type": "not-icontains", "value": "sorry", "metric": "tone"},
    ]


@pytest.mark.parametrize(
    ("type_name", "value", "expected"),
    [
        ("regex", "(", "Row 2 (regex), value: not a valid regular expression"),
        ("json-schema", '{"type": 5}', "Row 2 (json-schema), value: not a valid JSON schema"),
        ("contains", "", "Row 2 (contains), value: expected a text value"),
    ],
)
def test_an_invalid_row_keeps_the_dialog_open_and_names_the_row(
    qtbot: Any, type_name: str, value: str, expected: str
) -> None:
    dialog = make_dialog(qtbot, [{"type": "contains", "value": "lamp"}])
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type_box(1).setCurrentText(type_name)
    dialog.set_cell(1, VALUE, value)
    accepted: list[object] = []
    dialog.assertions_accepted.connect(accepted.append)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert not accepted
    assert dialog.problem_label.isVisible()
    assert dialog.problem_label.text().startswith(expected)
    assert dialog.table.currentRow() == 1
    assert dialog.table.item(1, VALUE).text() == value  # nothing typed is lost
    dialog.set_cell(1, THRESHOLD, "high")
    dialog.type_box(1).setCurrentText("similar")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "threshold: 'high' is not a number" in dialog.problem_label.text()
    assert dialog.table.currentColumn() == THRESHOLD


def test_remove_takes_out_the_selected_assertion(qtbot: Any) -> None:
    dialog = make_dialog(qtbot, [{"type": "contains", "value": "a"}, {"type": "refusal"}])
    dialog.table.setCurrentCell(0, VALUE)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.row_count() == 1
    assert dialog.assertions() == [{"type": "refusal"}]


# The editor in the window, against the store -----------------------------------------------


def test_an_added_case_is_saved_as_a_new_suite_version(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    model = editor.model
    assert not editor.save_button.isEnabled()
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 3
    assert model.cases[2] == {"vars": {"message": "", "tone": ""}}
    assert editor.view.currentIndex() == model.index(2, DESCRIPTION)
    assert editor.selected_rows() == [2]
    assert editor.view.state() == editor.view.State.EditingState
    line = editor.view.indexWidget(model.index(2, DESCRIPTION))  # the open cell editor
    qtbot.keyClicks(line, "Humming lamp")
    qtbot.keyClick(line, Qt.Key.Key_Return)  # the delegate commits on the next event loop turn
    qtbot.waitUntil(lambda: model.cases[2].get("description") == "Humming lamp")
    assert editor.view.state() != editor.view.State.EditingState
    assert model.setData(model.index(2, VARS), '{"message": "It hums", "tone": "calm"}')
    stored = save(editor, qtbot)
    assert stored.version == 2
    cases = stored_cases(window.context.home)
    assert len(cases) == 3
    new = cases[2]
    assert new.description == "Humming lamp"
    assert dict(new.vars) == {"message": "It hums", "tone": "calm"}
    assert new.id.startswith("c")  # derived on save
    assert cases[0].id == "flicker"
    assert not editor.save_button.isEnabled()


def test_two_new_cases_left_alike_are_saved_and_read_back(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    stored = save(editor, qtbot)
    assert stored.version == 2
    cases = stored_cases(window.context.home)
    assert len(cases) == 4
    assert cases[3].id == f"{cases[2].id}~2"  # the parser names repeats of a case
    assert [editor.model.data(editor.model.index(row, ID)) for row in (2, 3)] == [
        cases[2].id,
        cases[3].id,
    ]


def test_shortcuts_in_the_table_add_and_delete_cases(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view = editor.view
    click_cell(qtbot, view, 0, ID)
    assert view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_Insert)
    assert editor.model.rowCount() == 3
    assert editor.model.cases[1] == {"vars": {"message": "", "tone": ""}}
    view.setFocus()  # leave the new case's description editor
    qtbot.keyClick(
        view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert editor.model.rowCount() == 4
    click_cell(qtbot, view, 0, ID)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert editor.model.rowCount() == 3
    assert editor.model.cases[0].get("id") is None


def test_a_deleted_case_is_gone_from_the_saved_version(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    click_cell(qtbot, editor.view, 0, DESCRIPTION)
    qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    assert editor.model.rowCount() == 1
    assert "unsaved changes" in editor.label.text()
    save(editor, qtbot)
    cases = stored_cases(window.context.home)
    assert [case.description for case in cases] == ["Dead lamp"]


def test_duplicated_cases_are_saved_with_ids_of_their_own(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    editor.view.selectAll()
    qtbot.mouseClick(editor.duplicate_button, Qt.MouseButton.LeftButton)
    assert editor.selected_rows() == [2, 3]
    save(editor, qtbot)
    cases = stored_cases(window.context.home)
    assert [case.description for case in cases] == [
        "Flickering lamp",
        "Dead lamp",
        "Flickering lamp",
        "Dead lamp",
    ]
    assert len({case.id for case in cases}) == 4
    assert cases[3].id == f"{cases[1].id}~2"  # same variables and description as its original
    assert cases[2].assertions == cases[0].assertions
    assert cases[3].tags == ("smoke",)


def test_an_assertion_added_in_the_dialog_is_saved(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    click_cell(qtbot, editor.view, 1, ASSERTIONS, double=True)
    dialog = editor.assertions_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.row_count() == 0
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.table.item(0, NEGATE).setCheckState(Qt.CheckState.Checked)
    dialog.type_box(0).setCurrentText("contains")
    dialog.set_cell(0, VALUE, "As an AI")
    assert dialog.table.cellWidget(0, TYPE) is dialog.type_box(0)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.assertions_dialog is None)
    assert editor.model.data(editor.model.index(1, ASSERTIONS)) == "not-contains"
    save(editor, qtbot)
    cases = stored_cases(window.context.home)
    assert cases[1].assertions[0].to_dict() == {"type": "not-contains", "value": "As an AI"}
    assert cases[0].assertions[0].to_dict() == {
        "type": "icontains-any",
        "value": ["lamp", "bulb"],
    }


def test_enter_on_the_assertions_cell_opens_the_dialog_and_cancel_keeps_them(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    click_cell(qtbot, editor.view, 0, ASSERTIONS)
    qtbot.keyClick(editor.view, Qt.Key.Key_Return)
    dialog = editor.assertions_dialog
    assert dialog is not None
    assert dialog.type_box(0).currentText() == "icontains-any"
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    dialog.reject()
    assert editor.model.cases[0]["assert"] == [{"type": "icontains-any", "value": ["lamp", "bulb"]}]
    assert not editor.model.dirty
    qtbot.mouseClick(editor.assertions_button, Qt.MouseButton.LeftButton)
    again = editor.assertions_dialog
    assert again is not None
    assert again.row_count() == 1
    again.reject()


def test_invalid_variables_are_explained_kept_and_not_saved(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    model = editor.model
    assert not model.setData(model.index(0, VARS), '{"message": "hi"')
    assert editor.problem_label.isVisible()
    assert editor.problem_label.text().startswith("Row 1, Variables: not valid JSON")
    assert model.data(model.index(0, VARS)) == '{"message": "hi"'
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.problem_label.text().startswith("Not saved: Row 1, Variables")
    assert not editor.saving
    assert model.setData(model.index(0, VARS), '{"message": "hi", "tone": "warm"}')
    assert not editor.problem_label.isVisible()
    save(editor, qtbot)
    assert dict(stored_cases(window.context.home)[0].vars) == {"message": "hi", "tone": "warm"}


def test_a_save_the_suite_refuses_names_the_row_and_keeps_the_edits(
    window: Any, qtbot: Any
) -> None:
    editor = open_editor(window, qtbot)
    model = editor.model
    assert model.setData(model.index(0, DESCRIPTION), "Kept edit")
    # The dialog refuses this; the model is the last line, so the suite's validation must be.
    model.set_assertions(1, [{"type": "regex", "value": "("}])
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.saving and editor.problem_label.isVisible())
    text = editor.problem_label.text()
    assert text.startswith("Not saved: row 2, assert[0].value: regex: not a valid regular")
    assert editor.selected_rows() == [1]
    assert model.dirty
    assert model.cases[0]["description"] == "Kept edit"
    assert editor.save_button.isEnabled()
    with open_store(window.context.home) as store:
        assert get_suite(store, "lamps").version == 1


def test_revert_drops_the_edits(window: Any, qtbot: Any) -> None:
    editor = open_editor(window, qtbot)
    model = editor.model
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert not model.setData(model.index(0, VARS), "[broken")
    assert editor.revert_button.isEnabled()
    with qtbot.waitSignal(editor.suite_opened, timeout=TIMEOUT_MS):
        qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 2
    assert not model.dirty
    assert model.problem() is None
    assert not editor.problem_label.isVisible()
    assert not editor.save_button.isEnabled()
    assert model.data(model.index(0, VARS)) == '{"message": "My lamp flickers", "tone": "calm"}'
