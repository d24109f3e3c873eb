"""The Prompts page over a real store holding the example prompt "support-reply" (v1-v3):
editing, saving versions, template errors, preview, history and labels, diff, unsaved edits,
and Open in playground."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from scripted_hosts import ScriptedModel

from workbench.engine import GenerationRequest, LoadRequest
from workbench.evals import RunOptions, load_suite_text, run_matrix, save_suite
from workbench.prompts import (
    create_prompt,
    get_prompt,
    label_history,
    make_content,
    version_history,
)
from workbench.store import open_store
from workbench.ui.pages.prompts_page import COMPARE_TAB, PromptsPage
from workbench.ui.prompts.dialogs import CommitDialog, NewPromptDialog, NewPromptSpec
from workbench.ui.prompts.diff_view import marked_words, row_kinds
from workbench.ui.prompts.file_actions import export_prompt, import_prompt

NAME = "support-reply"
SYSTEM_V3 = (
    "You are a friendly support agent for Lumen Lamps, a shop that sells desk lamps.\n"
    "Answer in two short sentences. Be polite and helpful.\n"
    "Greet the customer by name."
)


@pytest.fixture
def page(qtbot: Any, window: Any) -> Iterator[PromptsPage]:
    """The Prompts page on screen with support-reply open; edits are dropped at the end."""
    prompts: PromptsPage = window.pages["prompts"]
    window.show_page("prompts")
    qtbot.waitUntil(lambda: prompts.base is not None and prompts.current_name == NAME)
    qtbot.waitUntil(lambda: prompts.editor.preview_current)
    yield prompts
    if prompts.is_dirty():
        prompts.discard_changes()


def _stored_versions(home: Path, name: str = NAME) -> list[Any]:
    with open_store(home) as store:
        return version_history(store, name)


def _answer_unsaved(monkeypatch: pytest.MonkeyPatch, answer: str) -> list[str]:
    """Make the Save / Discard / Cancel question answer ``answer`` at once; return the asked."""
    asked: list[str] = []

    def fake(parent: Any, what: str, on_answer: Callable[[str], None]) -> None:
        asked.append(what)
        on_answer(answer)

    monkeypatch.setattr("workbench.ui.pages.prompts_page.ask_unsaved_changes", fake)
    return asked


def _commit_dialog(qtbot: Any, page: PromptsPage) -> CommitDialog:
    qtbot.waitUntil(lambda: page.findChild(CommitDialog) is not None)
    dialog = page.findChild(CommitDialog)
    assert dialog is not None
    return dialog


def _set_samples(page: PromptsPage, **values: str) -> None:
    for name, value in values.items():
        page.editor.samples.fields[name].setPlainText(value)


def test_editing_marks_dirty_and_ctrl_s_saves_a_version_with_its_message(
    qtbot: Any, window: Any, page: PromptsPage, home: Path
) -> None:
    system = page.editor.messages.cards[0].editor
    assert not page.is_dirty()
    assert page.header.dirty_badge.isHidden()

    system.setPlainText(SYSTEM_V3 + "\nNever promise refunds.")
    assert page.is_dirty()
    assert not page.header.dirty_badge.isHidden()

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    system.setFocus()
    qtbot.keyClick(system, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = _commit_dialog(qtbot, page)
    assert "version 4" in dialog.intro.text()
    assert not dialog.ok_button.isEnabled()  # a message is required
    dialog.message.setText("No refund promises")
    dialog.ok_button.click()

    qtbot.waitUntil(lambda: page.base is not None and page.base.version == 4)
    stored = _stored_versions(home)
    assert [v.version for v in stored] == [1, 2, 3, 4]
    assert stored[-1].message == "No refund promises"
    assert stored[-1].content.messages[0].content.endswith("Never promise refunds.")
    assert not page.is_dirty()
    assert page.header.dirty_badge.isHidden()
    assert page.history.versions.rowCount() == 4
    assert page.history.versions.index(0, 3).data() == "No refund promises"
    assert "Saved support-reply@4" in page.header.notice.text()


def test_saving_identical_content_creates_no_version(
    qtbot: Any, page: PromptsPage, home: Path
) -> None:
    system = page.editor.messages.cards[0].editor
    system.setPlainText(SYSTEM_V3 + " Thanks!")
    system.setPlainText(SYSTEM_V3)  # typed back: the same as v3
    assert not page.is_dirty()

    assert page.save_version() is None

    assert page.findChild(CommitDialog) is None
    assert "No change" in page.header.notice.text()
    assert len(_stored_versions(home)) == 3


def test_template_error_shows_line_and_column_and_blocks_saving(
    qtbot: Any, page: PromptsPage, home: Path
) -> None:
    card = page.editor.messages.cards[1]
    card.editor.setPlainText("Customer {{ customer_name }} asks:\n{{ message ")
    qtbot.waitUntil(lambda: not card.error_label.isHidden())

    assert card.error_label.text().startswith("⚠ Line 2, column")
    assert card.editor.error is not None
    assert (card.editor.error.line, card.editor.error.column) == (2, 12)
    assert not page.playground_action.isEnabled()

    assert page.save_version() is None
    assert page.findChild(CommitDialog) is None
    assert "Not saved" in page.header.notice.text()
    assert "line 2, column 12" in page.header.notice.text()
    assert len(_stored_versions(home)) == 3


def test_variables_are_detected_and_the_preview_uses_the_sample_values(
    qtbot: Any, page: PromptsPage
) -> None:
    assert page.editor.samples.names == ("customer_name", "message")
    assert "⟨message⟩" in page.editor.preview.toPlainText()

    _set_samples(page, customer_name="Ada", message="My lamp flickers.")
    qtbot.waitUntil(
        lambda: "Customer Ada asks: My lamp flickers." in page.editor.preview.toPlainText()
    )
    qtbot.waitUntil(lambda: page.editor.preview_current)

    text = page.editor.preview.toPlainText()
    assert "Greet the customer by name." in text
    assert "temperature 0.3" in text
    page.editor.messages.cards[1].editor.setPlainText("{{ topic }}: {{ message }}")
    qtbot.waitUntil(lambda: page.editor.samples.names == ("topic", "message"))


def test_history_shows_labels_and_moving_a_label_is_recorded(
    qtbot: Any, page: PromptsPage, home: Path
) -> None:
    versions = page.history.versions
    assert [versions.index(row, 0).data() for row in range(3)] == ["v3", "v2", "v1"]
    assert versions.index(0, 4).data() == "candidate"
    assert versions.index(1, 4).data() == "production"

    menu = page.history.context_menu(versions.version_at(0))
    (move_menu,) = [a.menu() for a in menu.actions() if a.text() == "Move label here"]
    (production,) = [a for a in move_menu.actions() if a.text().startswith("production")]
    production.trigger()
    qtbot.waitUntil(
        lambda: page.snapshot is not None and page.snapshot.prompt.labels["production"] == 3
    )

    assert versions.index(0, 4).data() == "candidate, production"
    assert page.history.moves.index(0, 1).data() == "production"
    assert page.history.moves.index(0, 2).data() == "v2 → v3"
    with open_store(home) as store:
        moves = label_history(store, NAME, "production")
    assert [(m.from_version, m.to_version) for m in moves][-1] == (2, 3)

    dialog = page.history.ask_label(1)
    dialog.label.setCurrentText("staging")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.snapshot is not None and "staging" in page.snapshot.prompt.labels)
    assert page.history.moves.index(0, 2).data() == "set to v1"

    menu = page.history.context_menu(versions.version_at(2))
    (remove_menu,) = [a.menu() for a in menu.actions() if a.text() == "Remove label"]
    remove_menu.actions()[0].trigger()
    qtbot.waitUntil(
        lambda: page.snapshot is not None and "staging" not in page.snapshot.prompt.labels
    )
    assert page.history.moves.index(0, 2).data() == "removed (was v1)"


def test_diff_of_v2_and_v3_highlights_the_changed_words(qtbot: Any, page: PromptsPage) -> None:
    page.history.select_versions([2, 3])
    page.history.compare_button.click()

    assert page.tabs.currentIndex() == COMPARE_TAB
    view = page.compare.view
    assert marked_words(view.right) == [("insert", "Customer {{ customer_name }} asks: ")]
    assert marked_words(view.left) == []
    assert "insert" in row_kinds(view.right)
    assert "filler" in row_kinds(view.left)  # the added system line faces a filler
    summary = view.summary.text()
    assert "+ variable customer_name" in summary
    assert "temperature 0.7 → 0.3" in summary
    assert "+ repeat_penalty 1.15" in summary


def _good_for_version_3(request: GenerationRequest, loaded: LoadRequest) -> str:
    """'good' to version 3's user message and to m0 and m1, 'bad' otherwise."""
    message = request.messages[-1].content
    return "good" if message.startswith("Customer Ada asks:") or message in ("m0", "m1") else "bad"


EVIDENCE_SUITE = (
    "name: evidence-suite\n"
    "prompts: [support-reply@1, support-reply@3]\n"
    "models: [smollm2-135m-instruct]\n"
    "defaultTest: {vars: {customer_name: Ada}, assert: [{type: icontains, value: good}]}\n"
    "tests:\n" + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(8))
)


def test_compare_shows_what_evaluation_runs_say_about_the_pair(
    qtbot: Any, page: PromptsPage, home: Path
) -> None:
    with open_store(home) as store:
        suite = save_suite(store, load_suite_text(EVIDENCE_SUITE, source="s.yaml"), origin="t")
        options = RunOptions(prompts=("support-reply@1", "support-reply@3"))
        hosts = ScriptedModel(responder=_good_for_version_3).factory
        run_matrix(store, suite[0], options=options, hosts=hosts)

    page.history.select_versions([1, 3])
    page.history.compare_button.click()
    evidence = page.compare.evidence
    qtbot.waitUntil(lambda: "B is better" in evidence.text())

    assert evidence.isVisible()
    assert "evidence-suite@1 · smollm2-135m-instruct: 8 cases, 25% -> 100%" in evidence.text()
    page.compare.compare(3, 1)  # swapped: B is now the worse one
    qtbot.waitUntil(lambda: "B is worse" in evidence.text())
    page.compare.compare(2, 3)  # no run had v2
    qtbot.waitUntil(lambda: evidence.text().startswith("No evaluation run has both versions"))
    page.compare.compare(1, 3)
    qtbot.waitUntil(lambda: "B is better" in evidence.text())
    page.compare.show_evidence("stale-old", "stale-new", ())  # an answer for a pair gone
    assert "B is better" in evidence.text()


def test_diff_against_the_unsaved_editor(qtbot: Any, page: PromptsPage) -> None:
    page.editor.messages.cards[1].editor.setPlainText(
        "Customer {{ customer_name }} says: {{ message }}"
    )
    page.history.context_menu(page.history.versions.version_at(0)).actions()[2].trigger()

    view = page.compare.view
    assert page.compare.shows_editor()
    assert marked_words(view.left) == [("delete", "asks")]
    assert marked_words(view.right) == [("insert", "says")]


def test_switching_prompts_with_a_dirty_editor_asks_first(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, page: PromptsPage, home: Path
) -> None:
    with open_store(home) as store:
        create_prompt(store, "greeting", make_content(messages=[("user", "Hello {{ name }}")]))
    page.refresh_prompts()
    qtbot.waitUntil(lambda: page.prompts.rowCount() == 2)
    page.editor.messages.cards[0].editor.setPlainText("Be brief.")
    greeting = page.list_panel.proxy.index(0, 0)
    assert greeting.data() == "greeting"

    asked = _answer_unsaved(monkeypatch, "cancel")
    page.list_panel.view.setCurrentIndex(greeting)
    assert asked == ["“support-reply”"]
    assert page.current_name == NAME
    assert page.editor.messages.cards[0].text() == "Be brief."
    assert page.list_panel.view.currentIndex().data() == NAME

    _answer_unsaved(monkeypatch, "discard")
    page.list_panel.view.setCurrentIndex(page.list_panel.proxy.index(0, 0))
    qtbot.waitUntil(lambda: page.current_name == "greeting")
    assert page.editor.messages.parts() == [("user", "Hello {{ name }}")]
    assert not page.is_dirty()
    assert len(_stored_versions(home)) == 3


def test_answering_save_commits_before_switching(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, page: PromptsPage, home: Path
) -> None:
    page.editor.params.checks["seed"].setChecked(True)
    _answer_unsaved(monkeypatch, "save")
    page.ask_new_prompt()

    dialog = _commit_dialog(qtbot, page)
    dialog.message.setText("Fixed seed")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.findChild(NewPromptDialog) is not None)
    assert _stored_versions(home)[-1].content.params["seed"] == 0


def test_new_prompt_is_saved_as_version_1(qtbot: Any, page: PromptsPage, home: Path) -> None:
    page.ask_new_prompt()
    qtbot.waitUntil(lambda: page.findChild(NewPromptDialog) is not None)
    dialog = page.findChild(NewPromptDialog)
    assert dialog is not None
    dialog.name.setText(NAME)
    assert not dialog.ok_button.isEnabled()  # taken
    dialog.name.setText("summarise")
    dialog.description.setText("Summaries of tickets")
    dialog.ok_button.click()

    assert page.current_name == "summarise"
    assert page.is_dirty()
    assert not page.tabs.isTabEnabled(1)
    page.editor.messages.cards[1].editor.setPlainText("Summarise: {{ ticket }}")
    page.save_version()
    commit = _commit_dialog(qtbot, page)
    commit.message.setText("First version")
    commit.ok_button.click()

    qtbot.waitUntil(lambda: page.snapshot is not None and page.snapshot.prompt.name == "summarise")
    with open_store(home) as store:
        assert get_prompt(store, "summarise").description == "Summaries of tickets"
    (version,) = _stored_versions(home, "summarise")
    assert version.variables == ("ticket",)
    assert "summarise" in page.prompts.names()
    assert not page.is_dirty()


def test_export_then_import_round_trips(
    qtbot: Any, page: PromptsPage, home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "support-reply.yaml"
    target.parent.mkdir()
    export_prompt(page, NAME, target)
    qtbot.waitUntil(target.exists)
    text = target.read_text(encoding="utf-8")
    assert "name: support-reply" in text

    copy = tmp_path / "copy.yaml"
    copy.write_text(text.replace("name: support-reply", "name: support-copy"), encoding="utf-8")
    import_prompt(page, copy)
    qtbot.waitUntil(lambda: page.current_name == "support-copy")
    assert [v.version for v in _stored_versions(home, "support-copy")] == [1, 2, 3]
    assert "Imported support-copy" in page.header.notice.text()


def test_search_filters_the_list_and_ctrl_f_focuses_it(
    qtbot: Any, window: Any, page: PromptsPage
) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.list_panel.view.setFocus()
    qtbot.keyClick(page.list_panel.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.list_panel.search.hasFocus()

    qtbot.keyClicks(page.list_panel.search, "lamp")  # found in the description
    assert page.list_panel.proxy.rowCount() == 1
    qtbot.keyClicks(page.list_panel.search, "zzz")
    assert page.list_panel.proxy.rowCount() == 0


def test_open_in_playground_puts_the_rendered_prompt_there(
    qtbot: Any, window: Any, page: PromptsPage
) -> None:
    _set_samples(page, customer_name="Ada", message="Is the Aurora lamp dimmable?")

    page.header.buttons["playground"].click()
    qtbot.waitUntil(lambda: window.current_page_key() == "playground")

    playground = window.playground
    assert playground.system_prompt.toPlainText() == SYSTEM_V3
    assert playground.input.toPlainText() == "Customer Ada asks: Is the Aurora lamp dimmable?"
    sampling = playground.sampling[0].sampling()
    assert sampling.temperature == pytest.approx(0.3)
    assert sampling.max_tokens == 96


def test_open_in_playground_needs_every_sample_value(
    qtbot: Any, window: Any, page: PromptsPage
) -> None:
    page.header.buttons["playground"].click()

    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "userErrorBox") is not None)
    box = window.findChild(QMessageBox, "userErrorBox")
    assert "customer_name" in box.text()
    assert window.current_page_key() == "prompts"
    box.close()


def test_the_page_opens_no_stray_windows(window: Any, page: PromptsPage) -> None:
    page.editor.messages.add_message("assistant", "Example reply")
    page.editor.check_now()

    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert visible == [window]
    assert QApplication.activeWindow() is window


def test_discarding_a_new_prompt_goes_back_to_the_previous_one(
    qtbot: Any, page: PromptsPage
) -> None:
    page.start_new_prompt(NewPromptSpec("draft", "", "completion"))
    assert page.editor.messages.kind == "completion"
    assert page.is_dirty()

    page.discard_action.trigger()

    qtbot.waitUntil(lambda: page.current_name == NAME)
    assert not page.is_dirty()
    assert page.editor.messages.kind == "chat"
