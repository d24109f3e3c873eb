"""Highlighting of prompt templates: ``{{ expressions }}``, ``{% tags %}``, ``{# comments #}``.

Highlighting follows Jinja's delimiters only (no full parse), so it never fails on text being
typed; a delimiter left open carries on to the next lines until it is closed.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from workbench.ui.prompts.colors import syntax_colors

TEXT, EXPRESSION, TAG, COMMENT = 0, 1, 2, 3
_OPENERS = re.compile(r"\{[{%#]")
_KIND = {"{{": EXPRESSION, "{%": TAG, "{#": COMMENT}
_CLOSER = {EXPRESSION: "}}", TAG: "%}", COMMENT: "#}"}


def template_spans(text: str, state: int = TEXT) -> tuple[list[tuple[int, int, int]], int]:
    """The syntax spans of one line as (start, length, kind), and the state at its end.

    ``state`` is the state the previous line ended in (inside an unclosed delimiter or not).
    """
    spans: list[tuple[int, int, int]] = []
    position = 0
    while position < len(text):
        if state == TEXT:
            match = _OPENERS.search(text, position)
            if match is None:
                break
            start, state = match.start(), _KIND[match.group()]
            search_from = start + 2
        else:
            start = search_from = position
        end = text.find(_CLOSER[state], search_from)
        if end < 0:
            spans.append((start, len(text) - start, state))
            return spans, state
        spans.append((start, end + 2 - start, state))
        position, state = end + 2, TEXT
    return spans, state


class TemplateHighlighter(QSyntaxHighlighter):
    """Colours template syntax in a document, in the theme's colours."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[int, QTextCharFormat] = {}
        self.refresh_colors()

    def refresh_colors(self) -> None:
        """Take the current theme's colours (call after the palette changed)."""
        colors = syntax_colors()
        expression = QTextCharFormat()
        expression.setForeground(colors.expression)
        expression.setBackground(colors.expression_background)
        expression.setFontWeight(QFont.Weight.DemiBold)
        tag = QTextCharFormat()
        tag.setForeground(colors.tag)
        tag.setFontWeight(QFont.Weight.DemiBold)
        comment = QTextCharFormat()
        comment.setForeground(colors.comment)
        comment.setFontItalic(True)
        self._formats = {EXPRESSION: expression, TAG: tag, COMMENT: comment}
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        """Colour one line (Qt calls this as the text changes)."""
        previous = self.previousBlockState()
        spans, state = template_spans(text, previous if previous > 0 else TEXT)
        for start, length, kind in spans:
            self.setFormat(start, length, self._formats[kind])
        self.setCurrentBlockState(state)
