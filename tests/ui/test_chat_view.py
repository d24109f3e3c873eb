"""The chat transcript: streamed text appended in place, Markdown once a reply is whole."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont, QTextCursor

from workbench.ui.widgets.chat_view import ChatView, looks_like_markdown, with_hard_breaks


def _is_bold_at(view: ChatView, text: str) -> bool:
    cursor = view.document().find(text)
    assert not cursor.isNull(), text
    return cursor.charFormat().fontWeight() >= QFont.Weight.Bold


def test_streamed_text_is_appended_to_the_open_reply(qtbot: Any) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message("user", "Hi")
    view.begin_message("assistant", title="model-x")
    for piece in ("Hel", "lo ", "there"):
        view.append_reply_text(piece)
    view.end_message("3 reply tokens")

    assert view.toPlainText().splitlines() == [
        "You",
        "Hi",
        "model-x",
        "Hello there",
        "3 reply tokens",
    ]
    assert view.streamed_text == "Hello there"


def test_a_markdown_reply_is_rendered_when_complete(qtbot: Any) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.begin_message("assistant")
    view.append_reply_text("1. **Be clear**: say it once.\n2. Use `git add -p`.\nline three")
    assert "**" in view.toPlainText()  # plain while streaming

    view.end_message("meta", markdown=True)

    text = view.toPlainText()
    assert "**" not in text
    assert "Be clear" in text
    assert "line three" in text
    assert _is_bold_at(view, "Be clear")
    assert text.index("Use git add -p") < text.index("line three")


def test_plain_replies_keep_their_line_breaks(qtbot: Any) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message("assistant", "1\n2\n3")
    assert view.toPlainText().splitlines()[1:] == ["1", "2", "3"]


def test_markdown_helpers() -> None:
    assert looks_like_markdown("use **bold**")
    assert not looks_like_markdown("plain text, 3 * 4 = 12")
    assert with_hard_breaks("a\nb\n\n```\ncode\n```") == "a  \nb  \n\n```\ncode\n```"


def test_clear_empties_the_transcript(qtbot: Any) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message("user", "x")
    view.clear_transcript()
    assert view.document().isEmpty()
    cursor = QTextCursor(view.document())
    assert cursor.atEnd()
