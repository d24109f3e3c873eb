"""Text editors of the prompt editor: a box that grows with its text, and the template editor
(highlighted, with the position of a template error marked in place)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, Slot
from PySide6.QtGui import QColor, QFontDatabase, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from workbench.prompts import PromptTemplateError
from workbench.ui.prompts.colors import error_color
from workbench.ui.prompts.highlighter import TemplateHighlighter


class GrowingTextEdit(QPlainTextEdit):
    """A plain-text box as tall as its text, between ``min_lines`` and ``max_lines`` lines
    (then it scrolls); wrapped lines count."""

    def __init__(self, min_lines: int = 1, max_lines: int = 6, parent: QWidget | None = None):
        super().__init__(parent)
        self.min_lines = min_lines
        self.max_lines = max_lines
        self.setTabChangesFocus(True)
        self.textChanged.connect(self._fit_height)
        self._fit_height()

    def visual_lines(self) -> int:
        """How many lines the text takes at the current width (counted up to ``max_lines``)."""
        metrics = self.fontMetrics()
        width = self.viewport().width() - 2 * int(self.document().documentMargin())
        bounds = QRect(0, 0, max(width, 40), 1 << 20)
        flags = int(Qt.TextFlag.TextWordWrap)
        lines = 0
        block = self.document().begin()
        while block.isValid() and lines < self.max_lines:
            height = metrics.boundingRect(bounds, flags, block.text() or " ").height()
            lines += max(1, round(height / metrics.lineSpacing()))
            block = block.next()
        return lines

    @Slot()
    def _fit_height(self) -> None:
        lines = max(self.min_lines, min(self.max_lines, self.visual_lines()))
        margins = self.contentsMargins()
        document_margin = 2 * self.document().documentMargin()
        height = lines * self.fontMetrics().lineSpacing() + document_margin
        self.setFixedHeight(int(height) + margins.top() + margins.bottom() + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Refit when the width changes (lines wrap differently)."""
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def changeEvent(self, event: QEvent) -> None:
        """Refit when the font changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_height()


class TemplateEdit(GrowingTextEdit):
    """A message or completion template: fixed-width, highlighted, error position marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(min_lines=2, max_lines=16, parent=parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.setPlaceholderText("Write the template; {{ name }} inserts a variable")
        self.highlighter = TemplateHighlighter(self.document())
        self.error: PromptTemplateError | None = None

    def set_error(self, error: PromptTemplateError | None) -> None:
        """Mark where ``error`` is (a wavy underline from its column to the end of the word),
        or clear the mark."""
        self.error = error
        if error is None:
            self.setExtraSelections([])
            return
        block = self.document().findBlockByNumber(max(0, error.line - 1))
        cursor = QTextCursor(block)
        column = (error.column or 1) - 1
        text = block.text()
        if column >= len(text):  # the error is at the end of the line: mark its last character
            column = max(0, len(text) - 1)
        cursor.setPosition(block.position() + column)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
        if not cursor.hasSelection():
            cursor.movePosition(
                QTextCursor.MoveOperation.NextCharacter, QTextCursor.MoveMode.KeepAnchor
            )
        mark = QTextCharFormat()
        mark.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        mark.setUnderlineColor(error_color(self.palette()))
        tint = QColor(error_color(self.palette()))
        tint.setAlpha(50)
        mark.setBackground(tint)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = mark
        self.setExtraSelections([selection])

    def marked_text(self) -> str:
        """The text the error mark covers ("" when there is none)."""
        selections = self.extraSelections()
        return selections[0].cursor.selectedText() if selections else ""

    def changeEvent(self, event: QEvent) -> None:
        """Follow the theme: recolour the syntax and the error mark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.refresh_colors()
            self.set_error(self.error)


def focus_error(edit: TemplateEdit) -> None:
    """Put the cursor where the editor's error is and give it focus."""
    if edit.error is None:
        return
    block = edit.document().findBlockByNumber(max(0, edit.error.line - 1))
    cursor = QTextCursor(block)
    column = min((edit.error.column or 1) - 1, max(0, len(block.text())))
    cursor.setPosition(block.position() + column)
    edit.setTextCursor(cursor)
    edit.setFocus(Qt.FocusReason.OtherFocusReason)
