"""A chat transcript that streams: messages as formatted blocks, reply text appended in place."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QWidget

from workbench.ui.theme import ACCENT

ROLE_TITLES = {"user": "You", "assistant": "Assistant", "system": "System"}
#: A reply with any of these is shown as Markdown once it is complete.
MARKDOWN_MARKERS = ("**", "__", "`", "# ", "](")


def looks_like_markdown(text: str) -> bool:
    """True when ``text`` uses Markdown emphasis, code, headings or links."""
    return any(marker in text for marker in MARKDOWN_MARKERS)


def with_hard_breaks(text: str) -> str:
    """Markdown that keeps the text's single line breaks (outside code fences)."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.strip():
            line += "  "  # a trailing double space is a hard line break
        lines.append(line)
    return "\n".join(lines)


class ChatView(QTextBrowser):
    """Read-only, selectable transcript; :meth:`append_reply_text` extends the reply in progress."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setOpenLinks(False)
        self.setPlaceholderText("Type a message below and press Ctrl+Enter.")
        self.document().setDocumentMargin(12)
        self._reply_open = False
        self._reply_text = ""
        self._body_start = 0

    # Formats follow the palette at the time a block is added.
    def _header_format(self, role: str) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.DemiBold)
        palette = self.palette()
        colors = {
            "user": QColor(ACCENT),
            "assistant": QColor("#2e9e6b"),
            "system": palette.color(QPalette.ColorRole.PlaceholderText),
        }
        fmt.setForeground(colors.get(role, palette.color(QPalette.ColorRole.Text)))
        return fmt

    def _body_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(self.palette().color(QPalette.ColorRole.Text))
        return fmt

    def _meta_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        size = self.font().pointSizeF()
        if size > 0:
            fmt.setFontPointSize(size * 0.88)
        return fmt

    def _end_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _new_block(self, cursor: QTextCursor, *, top_margin: float = 0) -> None:
        block = QTextBlockFormat()
        block.setTopMargin(top_margin)
        if self.document().isEmpty():
            cursor.setBlockFormat(block)
        else:
            cursor.insertBlock(block)

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _keep_bottom(self, was_at_bottom: bool) -> None:
        if was_at_bottom:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def add_message(self, role: str, text: str, *, title: str = "", meta: str = "") -> None:
        """Append a complete message (an assistant's as Markdown when it uses Markdown)."""
        self.begin_message(role, title=title)
        self.append_reply_text(text)
        self.end_message(meta, markdown=role == "assistant")

    def begin_message(self, role: str, *, title: str = "") -> None:
        """Start a message whose text will be streamed with :meth:`append_reply_text`."""
        was_at_bottom = self._at_bottom()
        cursor = self._end_cursor()
        self._new_block(cursor, top_margin=0 if self.document().isEmpty() else 12)
        cursor.insertText(title or ROLE_TITLES.get(role, role), self._header_format(role))
        self._new_block(cursor, top_margin=2)
        cursor.setCharFormat(self._body_format())
        self._body_start = cursor.position()
        self._reply_open = True
        self._reply_text = ""
        self._keep_bottom(was_at_bottom)

    def append_reply_text(self, text: str) -> None:
        """Append streamed text to the open message."""
        if not text:
            return
        was_at_bottom = self._at_bottom()
        self._end_cursor().insertText(text, self._body_format())
        self._reply_text += text
        self._keep_bottom(was_at_bottom)

    def end_message(self, meta: str = "", *, markdown: bool = False) -> None:
        """Close the open message, with an optional line of counts and timings.

        With ``markdown``, text that uses Markdown is re-rendered as such now that it is whole
        (while it streams it is plain text: half a Markdown construct renders badly).
        """
        was_at_bottom = self._at_bottom()
        if markdown and looks_like_markdown(self._reply_text):
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._body_start)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            cursor.setCharFormat(self._body_format())
            cursor.insertMarkdown(with_hard_breaks(self._reply_text.strip()))
        if meta:
            cursor = self._end_cursor()
            self._new_block(cursor, top_margin=3)
            cursor.insertText(meta, self._meta_format())
        self._reply_open = False
        self._keep_bottom(was_at_bottom)

    @property
    def streamed_text(self) -> str:
        """The text of the message being (or last) streamed."""
        return self._reply_text

    def clear_transcript(self) -> None:
        """Remove every message."""
        self.clear()
        self._reply_open = False
        self._reply_text = ""
