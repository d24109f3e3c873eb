"""Closing the main window with unsaved edits (Prompts editor, Evaluations › Suite tab) asks
first; going back keeps the window, the edits and the model hosts; discarding closes and stops
the hosts once; saving stores the edits, then closes; without edits the window closes at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from workbench.evals import load_suite_text, save_suite
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.prompts import version_history
from workbench.store import open_store
from workbench.ui.pages.prompts_page import EDITOR_TAB, HISTORY_TAB, PromptsPage
from workbench.ui.prompts.dialogs import CommitDialog, NewPromptSpec

PROMPT = "support-reply"
TIMEOUT_MS = 10_000
SUITE = f"""
name: lamps
description: Lamp questions
prompts:
  - id: plain
    template: "Question: {{{{ message }}}}"
models:
  - {{id: demo, name: {DEFAULT_MODEL_NAME}}}
tests:
  - description: Flickering lamp
    vars: {{message: My lamp flickers}}
"""


@pytest.fixture
def shutdowns(monkeypatch: pytest.MonkeyPatch, window: Any) -> dict[str, int]:
    """How many times each model host of ``window`` has been shut down (it still shuts down)."""
    counts = dict.fromkeys(window.context.hosts, 0)
    for slot, host in window.context.hosts.items():
        original = host.shutdown

        def counted(slot: str = slot, original: Any = original) -> None:
            counts[slot] += 1
            original()

        monkeypatch.setattr(host, "shutdown", counted)
    return counts


def edit_prompt(window: Any, qtbot: Any) -> PromptsPage:
    """Open support-reply on the Prompts page and change its user message."""
    page: PromptsPage = window.pages["prompts"]
    window.show_page("prompts")
    qtbot.waitUntil(lambda: page.base is not None and page.current_name == PROMPT)
    page.editor.messages.cards[1].editor.setPlainText("Edited: {{ message }}")
    assert page.is_dirty()
    return page


def edit_suite(window: Any, qtbot: Any) -> Any:
    """Store suite ``lamps``, open it in Evaluations › Suite and change its description."""
    with open_store(window.context.home) as store:
        save_suite(store, load_suite_text(SUITE), origin="test")
    page = window.pages["evaluations"]
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        window.show_page("evaluations")
    with qtbot.waitSignal(page.library_loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.select_suite("lamps")
    editor = page.editor
    qtbot.waitUntil(lambda: editor.editing_suite == "lamps", timeout=TIMEOUT_MS)
    page.tabs.setCurrentWidget(editor)
    editor.settings.description_edit.setFocus()
    editor.settings.description_edit.selectAll()
    qtbot.keyClicks(editor.settings.description_edit, "Lamps, edited")
    assert editor.dirty
    return page


def open_boxes(window: Any) -> list[QMessageBox]:
    """The unsaved-edits questions on screen."""
    return [box for box in window.findChildren(QMessageBox, "unsavedEditsBox") if box.isVisible()]


def the_box(window: Any, qtbot: Any) -> QMessageBox:
    """The one unsaved-edits question on screen."""
    qtbot.waitUntil(lambda: len(open_boxes(window)) == 1)
    (box,) = open_boxes(window)
    assert box.isModal()
    assert box.windowModality() == Qt.WindowModality.WindowModal
    return box


def button(box: QMessageBox, name: str) -> QPushButton:
    found = box.findChild(QPushButton, name)
    assert found is not None, name
    return found


def stored_versions(home: Path) -> list[Any]:
    with open_store(home) as store:
        return version_history(store, PROMPT)


# Prompts ---------------------------------------------------------------------------------------


def test_closing_with_an_edited_prompt_names_it_and_go_back_keeps_edits_and_hosts(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_prompt(window, qtbot)
    page.tabs.setCurrentIndex(HISTORY_TAB)
    window.show_page("models")

    assert not window.close()

    box = the_box(window, qtbot)
    assert PROMPT in box.informativeText()
    assert "Prompts" in box.informativeText()
    assert window.isVisible()
    assert shutdowns == {"A": 0, "B": 0}

    button(box, "goBackButton").click()

    qtbot.waitUntil(lambda: not open_boxes(window))
    assert window.isVisible()
    assert window.current_page_key() == "prompts"
    assert page.tabs.currentIndex() == EDITOR_TAB
    assert page.editor.messages.cards[1].editor.toPlainText() == "Edited: {{ message }}"
    assert page.is_dirty()
    assert shutdowns == {"A": 0, "B": 0}


def test_escape_on_the_question_cancels_the_close(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    edit_prompt(window, qtbot)
    window.close()
    box = the_box(window, qtbot)

    qtbot.keyClick(box, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: not open_boxes(window))
    assert window.isVisible()
    assert shutdowns == {"A": 0, "B": 0}


def test_discard_and_quit_closes_and_shuts_the_hosts_down_once(
    qtbot: Any, window: Any, shutdowns: dict[str, int], home: Path
) -> None:
    edit_prompt(window, qtbot)
    before = len(stored_versions(home))

    window.quit_action.trigger()  # File › Quit
    button(the_box(window, qtbot), "discardAndQuitButton").click()

    qtbot.waitUntil(lambda: not window.isVisible())
    assert shutdowns == {"A": 1, "B": 1}
    assert len(stored_versions(home)) == before
    window.shutdown()  # what the application's aboutToQuit calls next: nothing twice
    assert shutdowns == {"A": 1, "B": 1}


def test_ctrl_q_goes_through_the_same_question(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_prompt(window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    qtbot.keyClick(page.list_panel.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    box = the_box(window, qtbot)
    assert window.isVisible()
    button(box, "goBackButton").click()
    assert shutdowns == {"A": 0, "B": 0}


def test_a_second_close_while_asking_opens_no_second_question(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    edit_prompt(window, qtbot)
    window.close()
    first = the_box(window, qtbot)

    assert not window.close()

    assert open_boxes(window) == [first]
    assert shutdowns == {"A": 0, "B": 0}
    button(first, "goBackButton").click()


def test_save_and_quit_stores_the_prompt_as_a_new_version_then_closes(
    qtbot: Any, window: Any, shutdowns: dict[str, int], home: Path
) -> None:
    edit_prompt(window, qtbot)
    before = len(stored_versions(home))
    window.close()

    button(the_box(window, qtbot), "saveAndQuitButton").click()

    qtbot.waitUntil(lambda: window.findChild(CommitDialog) is not None)
    dialog = window.findChild(CommitDialog)
    assert window.isVisible()
    dialog.message.setText("Edited before quitting")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT_MS)
    versions = stored_versions(home)
    assert len(versions) == before + 1
    assert versions[-1].message == "Edited before quitting"
    assert shutdowns == {"A": 1, "B": 1}


def test_cancelling_the_save_message_keeps_the_window_open(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_prompt(window, qtbot)
    window.close()
    button(the_box(window, qtbot), "saveAndQuitButton").click()
    qtbot.waitUntil(lambda: window.findChild(CommitDialog) is not None)
    dialog = window.findChild(CommitDialog)

    dialog.reject()

    assert window.isVisible()
    assert window.current_page_key() == "prompts"
    assert page.is_dirty()
    assert shutdowns == {"A": 0, "B": 0}


def test_a_new_prompt_not_saved_yet_counts(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_prompt(window, qtbot)
    page.discard_changes()
    page.start_new_prompt(NewPromptSpec("draft", "", "completion"))

    window.close()

    box = the_box(window, qtbot)
    assert "draft" in box.informativeText()
    assert PROMPT not in box.informativeText()
    button(box, "goBackButton").click()
    assert window.isVisible()
    assert shutdowns == {"A": 0, "B": 0}


# Evaluations -----------------------------------------------------------------------------------


def test_an_edited_suite_asks_too_and_go_back_shows_the_evaluations_page(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_suite(window, qtbot)
    page.tabs.setCurrentIndex(0)  # the grid
    window.show_page("playground")

    window.close()

    box = the_box(window, qtbot)
    assert "lamps" in box.informativeText()
    assert "Evaluations" in box.informativeText()
    # The page cannot save from here: the only honest choices are back or discard.
    assert box.findChild(QPushButton, "saveAndQuitButton") is None
    button(box, "goBackButton").click()
    qtbot.waitUntil(lambda: not open_boxes(window))
    assert window.isVisible()
    assert window.current_page_key() == "evaluations"
    assert page.tabs.currentWidget() is page.editor  # the tab with the edits
    assert page.editor.dirty
    assert shutdowns == {"A": 0, "B": 0}

    window.close()
    button(the_box(window, qtbot), "discardAndQuitButton").click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert shutdowns == {"A": 1, "B": 1}


def test_edits_on_two_pages_are_both_listed(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    edit_suite(window, qtbot)
    edit_prompt(window, qtbot)

    window.close()

    box = the_box(window, qtbot)
    text = box.informativeText()
    assert PROMPT in text
    assert "lamps" in text
    assert box.findChild(QPushButton, "saveAndQuitButton") is None
    button(box, "goBackButton").click()
    assert window.current_page_key() == "prompts"  # the first in the sidebar
    assert shutdowns == {"A": 0, "B": 0}


# No edits --------------------------------------------------------------------------------------


def test_closing_without_edits_asks_nothing(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    # A typed but unsent message and a system prompt are the next request, not unsaved edits.
    window.show_page("playground")
    window.playground.input.setPlainText("Half a question")
    window.playground.system_prompt.setPlainText("Be brief.")

    assert window.close()

    assert not window.isVisible()
    assert not window.findChildren(QMessageBox)
    assert shutdowns == {"A": 1, "B": 1}


def test_discarded_prompt_edits_no_longer_count(
    qtbot: Any, window: Any, shutdowns: dict[str, int]
) -> None:
    page = edit_prompt(window, qtbot)
    page.discard_action.trigger()
    assert page.unsaved_changes() is None

    assert window.close()
    assert shutdowns == {"A": 1, "B": 1}
