"""The Playground with the real demo model: streaming, stop, side by side, stored conversations."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMessageBox

from workbench.conversations import get_conversation, list_conversations
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store

LONG_PROMPT = "Count from 1 to 500, one number per line."


def _stored(home: Path) -> Any:
    with open_store(home) as store:
        summaries = list_conversations(store)
        return [get_conversation(store, s.id) for s in summaries]


def test_send_streams_the_reply_in_batches_and_stores_it(
    qtbot: Any, ui: Any, window: Any, home: Path
) -> None:
    ui.load_demo_model(window)
    page = window.playground
    page.system_prompt.setPlainText("You answer in one short sentence.")
    page.sampling[0].temperature.setValue(0.0)
    page.sampling[0].max_tokens.setValue(24)
    batches: list[str] = []
    window.context.hosts["A"].text_streamed.connect(batches.append)

    ui.send_message(window, "What is the capital of France?")
    with qtbot.waitSignal(window.context.hosts["A"].generation_finished, timeout=120_000) as done:
        pass
    result = done.args[0]

    lane = page.lanes[0]
    assert "".join(batches) == result.text
    assert 0 < len(batches) <= result.completion_tokens  # batched, never more than one per token
    assert "Paris" in lane.last_reply()
    transcript = lane.chat.toPlainText()
    assert "What is the capital of France?" in transcript
    assert f"{result.completion_tokens} reply tokens" in transcript
    assert "tok/s" in transcript
    assert "Last reply:" in window.status.speed_label.text()
    assert page.input.toPlainText() == ""
    qtbot.waitUntil(lambda: page.conversations.rowCount() == 1)
    qtbot.waitUntil(lambda: len(_stored(home)[0].messages) == 2)
    (conversation,) = _stored(home)
    assert conversation.system_prompt == "You answer in one short sentence."
    assert [m.role for m in conversation.lane(0)] == ["user", "assistant"]
    reply = conversation.lane(0)[1]
    assert reply.content == result.text
    assert reply.model_name == DEFAULT_MODEL_NAME
    assert reply.sampling["max_tokens"] == 24
    assert reply.completion_tokens == result.completion_tokens


def test_stop_ends_the_reply_within_a_token(qtbot: Any, ui: Any, window: Any) -> None:
    ui.load_demo_model(window)
    page = window.playground
    page.sampling[0].max_tokens.setValue(400)
    host = window.context.hosts["A"]
    ui.send_message(window, LONG_PROMPT)
    with qtbot.waitSignal(host.text_streamed, timeout=60_000):
        pass

    with qtbot.waitSignal(host.generation_finished, timeout=30_000) as done:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    result = done.args[0]

    assert result.finish_reason == "cancelled"
    assert result.completion_tokens < 400
    assert not page.generating
    assert "stopped" in page.lanes[0].chat.toPlainText()
    assert page.send_action.isEnabled()


def test_copy_and_clear(qtbot: Any, ui: Any, window: Any) -> None:
    ui.load_demo_model(window)
    page = window.playground
    page.sampling[0].max_tokens.setValue(16)
    ui.send_message(window, "Say hello.")
    ui.wait_until_idle(window)
    reply = page.lanes[0].last_reply()

    page.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == reply

    page.clear_action.trigger()
    assert page.lanes[0].chat.toPlainText() == ""
    assert page.conversation_id is None
    qtbot.waitUntil(lambda: page.conversations.rowCount() == 1)  # the old chat is kept


def test_a_stored_conversation_reopens_with_its_history(qtbot: Any, ui: Any, window: Any) -> None:
    ui.load_demo_model(window)
    page = window.playground
    page.sampling[0].max_tokens.setValue(12)
    page.sampling[0].seed.setValue(42)
    page.system_prompt.setPlainText("Be brief.")
    ui.send_message(window, "Name a colour.")
    ui.wait_until_idle(window)
    qtbot.waitUntil(lambda: page.conversations.rowCount() == 1)
    first_reply = page.lanes[0].last_reply()
    page.new_conversation()
    page.system_prompt.clear()
    page.sampling[0].seed.setValue(0)

    index = page.conversations.index(0)
    page.history_view.clicked.emit(index)

    qtbot.waitUntil(lambda: page.lanes[0].last_reply() == first_reply)
    assert page.system_prompt.toPlainText() == "Be brief."
    assert page.sampling[0].seed.value() == 42
    assert "Name a colour." in page.lanes[0].chat.toPlainText()
    assert page.title.text() == "Name a colour."
    # The history goes with the next message.
    ui.send_message(window, "Another one.")
    ui.wait_until_idle(window)
    assert [m.role for m in page.lanes[0].history] == ["user", "assistant"] * 2


def test_side_by_side_sends_to_both_slots_and_streams_both(
    qtbot: Any, ui: Any, window: Any, home: Path
) -> None:
    ui.load_demo_model(window, "A")
    ui.load_demo_model(window, "B")
    window.show_page("playground")
    page = window.playground
    assert not page.lanes[1].isVisible()
    page.side_by_side.setChecked(True)
    assert page.lanes[1].isVisible()
    page.sampling[0].temperature.setValue(0.0)
    page.sampling[0].max_tokens.setValue(16)
    page.sampling[1].temperature.setValue(1.2)
    page.sampling[1].seed.setValue(3)
    page.sampling[1].max_tokens.setValue(20)
    streamed = {"A": "", "B": ""}
    for slot in streamed:
        window.context.hosts[slot].text_streamed.connect(
            lambda text, s=slot: streamed.__setitem__(s, streamed[s] + text)
        )

    ui.send_message(window, "Tell me a fact about cats.")
    ui.wait_until_idle(window)

    lane_a, lane_b = page.lanes
    assert lane_a.last_reply()
    assert lane_b.last_reply()
    assert streamed == {"A": lane_a.last_reply(), "B": lane_b.last_reply()}
    assert window.status.model_labels["B"].isVisible()
    qtbot.waitUntil(lambda: page.conversations.rowCount() == 1)
    qtbot.waitUntil(lambda: len(_stored(home)[0].messages) == 4)
    (conversation,) = _stored(home)
    assert conversation.side_by_side
    assert [m.role for m in conversation.lane(1)] == ["user", "assistant"]
    assert conversation.lane(1)[1].sampling["temperature"] == 1.2


def test_sending_without_a_loaded_model_explains_what_to_do(qtbot: Any, window: Any) -> None:
    window.show_page("playground")
    page = window.playground
    page.input.setPlainText("Hello?")
    qtbot.keyClick(page.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert not page.generating
    assert "No model in slot A" in page.hint.text()
    assert page.input.toPlainText() == "Hello?"
    assert not page.send_button.isEnabled()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_crashed_model_process_is_reported_and_the_app_recovers(
    qtbot: Any, ui: Any, window: Any
) -> None:
    ui.load_demo_model(window)
    page = window.playground
    page.sampling[0].max_tokens.setValue(400)
    host = window.context.hosts["A"]
    ui.send_message(window, LONG_PROMPT)
    with qtbot.waitSignal(host.text_streamed, timeout=60_000):
        pass
    pid = host.host_pid
    assert pid is not None

    with qtbot.waitSignal(host.host_crashed, timeout=30_000):
        os.kill(pid, signal.SIGKILL)

    box = window.findChild(QMessageBox, "userErrorBox")
    assert box is not None
    assert box.isVisible()
    assert "stopped unexpectedly" in box.text()
    assert "model process stopped" in page.lanes[0].chat.toPlainText()
    assert not page.generating
    box.accept()
    # The next message starts a new model process with the same model.
    page.sampling[0].max_tokens.setValue(8)
    ui.send_message(window, "Hello!")
    ui.wait_until_idle(window)
    assert page.lanes[0].last_reply()
    assert host.host_pid not in (None, pid)


def test_closing_the_window_mid_reply_stops_cleanly(qtbot: Any, ui: Any, window: Any) -> None:
    import time

    ui.load_demo_model(window)
    window.playground.sampling[0].max_tokens.setValue(400)
    host = window.context.hosts["A"]
    ui.send_message(window, LONG_PROMPT)
    with qtbot.waitSignal(host.text_streamed, timeout=60_000):
        pass
    pid = host.host_pid

    started = time.monotonic()
    window.close()

    assert time.monotonic() - started < 15
    assert host.host_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_reply_cut_short_by_closing_is_still_stored(
    qtbot: Any, ui: Any, make_window: Any, home: Path
) -> None:
    window = make_window()
    ui.load_demo_model(window)
    window.playground.sampling[0].max_tokens.setValue(400)
    ui.send_message(window, LONG_PROMPT)
    with qtbot.waitSignal(window.context.hosts["A"].text_streamed, timeout=60_000):
        pass

    window.close()

    (conversation,) = _stored(home)
    roles = [m.role for m in conversation.lane(0)]
    assert roles == ["user", "assistant"]
    assert conversation.lane(0)[1].finish_reason == "cancelled"


def test_esc_belongs_to_the_playground_only_while_it_is_shown(window: Any) -> None:
    page = window.playground
    window.show_page("playground")
    assert page.stop_action.shortcut() == QKeySequence(Qt.Key.Key_Escape)

    window.show_page("bias")  # Esc cancels a bias run here: not ambiguous with Stop
    assert page.stop_action.shortcut().isEmpty()
    assert page.stop_action in window.actions()  # Model › Stop still works from any page

    window.show_page("playground")
    assert page.stop_action.shortcut() == QKeySequence(Qt.Key.Key_Escape)
