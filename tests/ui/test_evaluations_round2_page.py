"""What a second QA pass of the Evaluations page found, pinned: the run dialog names cases that
lack a prompt's variables and keeps Run disabled (the suite's prompts, and a stored version
checked besides them, checked in the background); a run refused before it starts leaves the
progress bar as it was; the Suite tab warns of a suite that cannot run as it is; the status
line names a case by its description; New suite says why Create is disabled; the suites list
tells the latest version's runs from earlier ones'; only the latest library read is shown."""

from __future__ import annotations

import threading
from typing import Any

from eval_pages import RUN_TIMEOUT_MS, TIMEOUT_MS, item_of, open_page, read_choices, store_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from scripted_hosts import ScriptedModel

from workbench.evals import (
    StoredSuite,
    SuiteSummary,
    get_suite,
    load_suite_text,
    run_matrix,
)
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.ui.evals.library_panel import suite_label
from workbench.ui.evals.new_suite_dialog import NewSuiteDialog
from workbench.ui.evals.run_dialog import RunDialog
from workbench.ui.evals.suite_tasks import ColumnChoices, NewSuiteChoices
from workbench.ui.evals.tasks import (
    Library,
    RunChoices,
    StoredPromptChoice,
    case_tag_index,
    variable_gaps,
)

TYPO_SUITE = f"""
name: typo
prompts:
  - id: prompt-1
    messages:
      - {{role: user, content: 'Hello {{{{ nme }}}}'}}
models:
  - {DEFAULT_MODEL_NAME}
tests:
  - {{id: c1, description: first, tags: [a], vars: {{name: Ada}},
      assert: [{{type: icontains, value: ada}}]}}
  - {{id: c2, description: second, tags: [b], vars: {{name: Bob, nme: Bob}}}}
"""

GOOD_SUITE = f"""
name: good
prompts:
  - id: plain
    template: "Q: {{{{ message }}}}"
models:
  - {DEFAULT_MODEL_NAME}
tests:
  - {{id: one, description: Lamp flickers, vars: {{message: 'My lamp flickers'}},
      assert: [{{type: icontains, value: bulb}}]}}
  - {{id: two, vars: {{message: 'The lamp hums'}}, assert: [{{type: icontains, value: bulb}}]}}
"""


# 1. The run dialog checks the cases' variables -----------------------------------------------


def test_the_choices_name_each_case_that_lacks_a_variable_of_a_suite_prompt(window: Any) -> None:
    stored = store_text(window.context.home, TYPO_SUITE)
    choices = read_choices(window.context.home, stored.ref)
    assert choices.variable_gaps is not None
    assert [(g.prompt, g.case_id, g.case_name, g.names) for g in choices.variable_gaps] == [
        ("prompt-1", "c1", "first", ("nme",))
    ]


def test_run_stays_disabled_and_the_dialog_says_which_case_lacks_which_variable(
    window: Any, qtbot: Any
) -> None:
    stored = store_text(window.context.home, TYPO_SUITE)
    dialog = RunDialog(read_choices(window.context.home, stored.ref))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok_button.isEnabled()
    reason = dialog.reason_label.text()
    assert dialog.reason_label.isVisible()
    assert "prompt-1 uses {{ nme }}, which case 'first' does not give." in reason
    assert "Suite tab" in reason
    assert "Default variables" in reason
    item_of(dialog.tag_list, "b").setCheckState(Qt.CheckState.Checked)  # only 'second' runs
    assert dialog.ok_button.isEnabled()
    assert not dialog.reason_label.isVisible()


def test_a_stored_version_checked_besides_the_suite_prompts_is_checked_in_the_background(
    window: Any, qtbot: Any
) -> None:
    store_text(window.context.home, GOOD_SUITE)
    page = open_page(window, qtbot, "good")
    with qtbot.waitSignal(page.run_dialog_opened, timeout=TIMEOUT_MS) as opened:
        page.open_run_dialog()
    dialog = opened.args[0]
    assert dialog.ok_button.isEnabled()
    # The demo prompt's version 3 also uses customer_name, which no case of the suite gives.
    with qtbot.waitSignal(dialog.prompt_check_requested, timeout=TIMEOUT_MS) as asked:
        item_of(dialog.prompt_list, "support-reply@3").setCheckState(Qt.CheckState.Checked)
    assert asked.args == ["support-reply@3"]
    assert not dialog.ok_button.isEnabled()  # while it is checked, and after
    qtbot.waitUntil(lambda: "customer_name" in dialog.reason_label.text(), timeout=TIMEOUT_MS)
    assert "support-reply@3 uses {{ customer_name }}, which 2 cases" in dialog.reason_label.text()
    assert not dialog.ok_button.isEnabled()
    with qtbot.assertNotEmitted(dialog.prompt_check_requested):  # known now: not asked again
        item_of(dialog.prompt_list, "support-reply@3").setCheckState(Qt.CheckState.Unchecked)
        item_of(dialog.prompt_list, "support-reply@3").setCheckState(Qt.CheckState.Checked)
    item_of(dialog.prompt_list, "support-reply@3").setCheckState(Qt.CheckState.Unchecked)
    assert dialog.ok_button.isEnabled()
    dialog.reject()


def test_a_run_refused_before_it_starts_leaves_the_bar_and_the_runs_list_as_they_were(
    window: Any, qtbot: Any
) -> None:
    store_text(window.context.home, TYPO_SUITE)
    page = open_page(window, qtbot, "typo")
    page.controller.hosts = ScriptedModel().factory
    bar = page.progress
    before = (bar.format(), bar.value(), bar.maximum(), page.library.runs_model.rowCount())
    with qtbot.waitSignal(page.controller.run_failed, timeout=RUN_TIMEOUT_MS):
        page.start_run(suite="typo")  # as if the dialog had been bypassed
    qtbot.waitUntil(lambda: page.findChild(QMessageBox, "userErrorBox") is not None)
    page.findChild(QMessageBox, "userErrorBox").close()
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        pass  # the refresh after the refusal
    after = (bar.format(), bar.value(), bar.maximum(), page.library.runs_model.rowCount())
    assert after == before
    assert "0/1" not in bar.text()
    assert "cannot run" in page.status.text()
    assert page.run_button.isEnabled()


def test_a_judge_is_missing_only_while_a_chosen_case_needs_one() -> None:
    text = (
        'name: named-judge\nprompts: [{id: p, template: "Q"}]\nmodels: [smollm]\njudge: gone\n'
        "tests: [{id: a, assert: [{type: contains, value: hi}]}]\n"
    )
    suite = load_suite_text(text, source="judge.yaml")
    stored = StoredSuite(1, suite.name, 1, suite.sha256, "test", "2026-01-01", "t", suite)
    dialog = RunDialog(RunChoices(stored, (), ("smollm",), missing_judge="gone"))
    try:
        assert dialog.missing_judge() is None  # no llm-rubric: no judge is loaded
        assert dialog.ok_button.isEnabled()
    finally:
        dialog.deleteLater()


def test_the_case_index_counts_kept_cases_and_finds_those_needing_a_judge() -> None:
    text = (
        'name: idx\nprompts: [{id: p, template: "Q"}]\nmodels: [m]\ntests:\n'
        "  - {id: a, tags: [x], assert: [{type: llm-rubric, value: polite}]}\n"
        "  - {id: b, tags: [y]}\n  - {id: c, tags: [y]}\n  - {id: d}\n"
    )
    index = case_tag_index(load_suite_text(text))
    assert index.n_cases(frozenset()) == 4
    assert index.n_cases(frozenset({"y"})) == 2
    assert index.n_cases(frozenset({"x", "y"})) == 3
    assert index.needs_judge(frozenset())
    assert index.needs_judge(frozenset({"x"}))
    assert not index.needs_judge(frozenset({"y"}))


def test_variable_gaps_skip_a_prompt_the_store_lacks(window: Any) -> None:
    stored = store_text(window.context.home, GOOD_SUITE)
    with open_store(window.context.home) as store:
        assert variable_gaps(store, stored, ("plain", "support-reply@9")) == ()


# 2. The Suite tab warns of a suite that cannot run as it is ---------------------------------


def test_the_suite_tab_warns_of_missing_variables_and_cases_without_assertions(
    window: Any, qtbot: Any
) -> None:
    store_text(window.context.home, TYPO_SUITE)
    page = open_page(window, qtbot, "typo")
    editor = page.editor
    page.tabs.setCurrentWidget(editor)
    qtbot.waitUntil(lambda: editor.editing_suite == "typo", timeout=TIMEOUT_MS)
    warning = editor.settings.warning_label
    qtbot.waitUntil(warning.isVisible, timeout=TIMEOUT_MS)  # read after the suite, too
    text = warning.text()
    assert "It cannot run: prompt-1 uses {{ nme }}, which case 'first' does not give." in text
    assert "Variables below, or once in Default variables" in text
    assert "Case 'second' has no assertions" in text
    # Fixed and saved: the saved version's warning is read again.
    editor.settings.default_vars_edit.setText('{"nme": "you"}')
    with qtbot.waitSignal(editor.suite_saved, timeout=TIMEOUT_MS):
        editor.save()
    qtbot.waitUntil(lambda: "nme" not in warning.text(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(warning.isVisible, timeout=TIMEOUT_MS)
    assert (
        warning.text() == "⚠ Case 'second' has no assertions: it passes whatever the model answers."
    )

    store_text(window.context.home, GOOD_SUITE)
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.select_suite("good")
    qtbot.waitUntil(lambda: editor.editing_suite == "good", timeout=TIMEOUT_MS)
    assert not warning.isVisible()  # at once: typo's warning is not left over
    qtbot.waitUntil(lambda: window.context.ops.running_count == 0, timeout=TIMEOUT_MS)
    assert not warning.isVisible()  # nor does good get one


# 3. The status line names a case by its description ----------------------------------------


def test_the_status_line_names_the_running_case_by_its_description(window: Any, qtbot: Any) -> None:
    store_text(window.context.home, GOOD_SUITE)
    page = open_page(window, qtbot, "good")
    page.controller.hosts = ScriptedModel().factory
    lines: list[str] = []
    page.controller.status_changed.connect(lines.append)
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS):
        page.start_run()
    cells = [line for line in lines if line.startswith("Cell ")]
    assert sorted(cells) == ["Cell 1/2: Lamp flickers · plain", "Cell 2/2: two · plain"]


# 4. New suite says why Create is disabled ---------------------------------------------------


def test_new_suite_says_what_is_still_needed_next_to_create(qtbot: Any) -> None:
    choices = NewSuiteChoices(
        ColumnChoices((StoredPromptChoice("support-reply@3", ""),), ("demo", "other")), frozenset()
    )
    dialog = NewSuiteDialog(choices)
    qtbot.addWidget(dialog)
    dialog.show()
    label = dialog.reason_label
    assert not dialog.ok_button.isEnabled()
    assert label.isVisible()
    assert label.text() == ("Still needed: a name, a checked prompt version and a checked model.")
    qtbot.keyClicks(dialog.name_edit, "fresh")
    assert label.text() == "Still needed: a checked prompt version and a checked model."
    item_of(dialog.prompt_list, "support-reply@3").setCheckState(Qt.CheckState.Checked)
    item_of(dialog.model_list, "demo").setCheckState(Qt.CheckState.Checked)
    assert dialog.ok_button.isEnabled()
    assert not label.isVisible()
    # Beside the buttons, not above them.
    assert abs(label.geometry().center().y() - dialog.buttons.geometry().center().y()) < 20


# 5. The suites list tells the latest version's runs from earlier ones' ----------------------


def summary(name: str, version: int, n_runs: int) -> SuiteSummary:
    return SuiteSummary(1, name, version, "", "sha", "test", "2026-01-01", "t", n_runs)


def test_suite_labels_count_the_latest_version_s_runs_apart() -> None:
    assert suite_label(summary("s", 1, 0), 0) == "s  (v1, no runs)"
    assert suite_label(summary("s", 1, 1), 1) == "s  (v1, 1 run)"
    assert suite_label(summary("s", 2, 3), 0) == "s  (v2; 3 runs of earlier versions)"
    assert suite_label(summary("s", 2, 3), 1) == "s  (v2, 1 run; 2 of earlier versions)"


def test_the_suites_list_counts_runs_per_version(window: Any, qtbot: Any) -> None:
    home = window.context.home
    store_text(home, GOOD_SUITE)
    with open_store(home) as store:
        run_matrix(store, get_suite(store, "good"), hosts=ScriptedModel().factory)
    store_text(home, GOOD_SUITE.replace("Q:", "Question:"))  # version 2, not run yet
    page = open_page(window, qtbot, "good")
    model = page.library.suites_model
    labels = [model.item(row).text() for row in range(model.rowCount())]
    assert "good  (v2; 1 run of earlier versions)" in labels


# 6. Only the latest library read is shown ---------------------------------------------------


def test_a_library_read_that_answers_after_a_later_one_is_dropped(
    window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    from workbench.ui.pages import evaluations_page

    store_text(window.context.home, GOOD_SUITE)
    page = open_page(window, qtbot, "good")
    read = evaluations_page.read_library
    gate, done = threading.Event(), threading.Event()
    calls: list[int] = []

    def first_slow(task: Any) -> Library:
        calls.append(1)
        if len(calls) == 1:
            gate.wait(10)
            done.set()
            return Library([], [])  # stale: shown, it would empty the suites list
        return read(task)

    monkeypatch.setattr(evaluations_page, "read_library", first_slow)
    page.refresh()  # held
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()  # the later one answers first
    with qtbot.assertNotEmitted(page.library_loaded, wait=300):
        gate.set()
        assert done.wait(10)
    assert page.library.suites_model.rowCount() > 0
    assert page.selected_suite() == "good"


def test_the_statistics_of_a_run_on_the_page_name_its_cases_as_the_grid_does(
    window: Any, qtbot: Any
) -> None:
    suite = GOOD_SUITE.replace(
        "  - {id: two, vars: {message: 'The lamp hums'}, assert: [{type: icontains, value: bulb}]}",
        "  - {id: two, description: Humming, vars: {message: 'The lamp hums'}}",
    ).replace("models:", "repeat: 2\nmodels:")
    assert suite.count("Humming") == 1
    assert "repeat: 2" in suite
    store_text(window.context.home, suite)
    page = open_page(window, qtbot, "good")
    seen: set[str] = set()

    def first_right_then_wrong(request: Any, loaded: Any) -> str:
        text = request.prompt or request.messages[-1].content
        reply = "Nope." if text in seen else "Check the bulb."
        seen.add(text)
        return reply

    page.controller.hosts = ScriptedModel(responder=first_right_then_wrong).factory
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS):
        page.start_run()
    # The page hands the run's cases to the statistics: flaky cells by description (not the
    # case id), and the warning counts the suite's case without assertions.
    flaky = page.summary.comparisons.flaky
    qtbot.waitUntil(lambda: "Lamp flickers" in flaky.text())
    assert "one ·" not in flaky.text()
    assert "1 case has no assertions" in page.summary.warnings.text()
