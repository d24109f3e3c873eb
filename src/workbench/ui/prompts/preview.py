"""The preview pane: a rendered prompt, each message under its role, then its parameters and
notes (such as variables shown as placeholders)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from workbench.errors import WorkbenchError
from workbench.ui.error_dialogs import report_exception
from workbench.ui.prompts.colors import error_color, muted_color
from workbench.ui.prompts.diff_rows import format_value
from workbench.ui.prompts.renderer import PreviewResult, placeholder


class PreviewPane(QTextEdit):
    """Shows a rendered prompt: each message under its role, then parameters and notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptPreview")
        self.setReadOnly(True)
        self.result: PreviewResult | None = None
        self.setPlaceholderText("The prompt, rendered with the sample values, appears here.")

    def show_result(self, result: PreviewResult) -> None:
        """Show a render (or its error)."""
        self.result = result
        self.clear()
        cursor = QTextCursor(self.document())
        if result.error is not None:
            if not isinstance(result.error, WorkbenchError):
                report_exception(result.error, self)
            self._write(cursor, str(result.error), color=error_color(self.palette()))
            return
        rendered = result.rendered
        assert rendered is not None
        body = QTextCharFormat()
        body.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        if rendered.text is not None:
            self._heading(cursor, "completion prompt", first=True)
            cursor.insertText(rendered.text, body)
        for number, message in enumerate(rendered.messages):
            self._heading(cursor, message.role, first=number == 0)
            cursor.insertText(message.content, body)
        notes: list[str] = []
        if rendered.params:
            notes.append(
                "Parameters: "
                + ", ".join(f"{k} {format_value(v)}" for k, v in rendered.params.items())
            )
        if result.placeholders:
            notes.append(
                "No sample value for "
                + ", ".join(result.placeholders)
                + ": shown as "
                + ", ".join(placeholder(n) for n in result.placeholders)
                + "."
            )
        if notes:
            cursor.insertBlock()
        for note in notes:
            cursor.insertBlock()
            self._write(cursor, note, color=muted_color(self.palette()))
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def show_text(self, text: str, *, error: bool = False) -> None:
        """Replace the preview by a message (e.g. why nothing can be rendered)."""
        self.result = None
        self.clear()
        color = error_color(self.palette()) if error else muted_color(self.palette())
        self._write(QTextCursor(self.document()), text, color=color)

    def _heading(self, cursor: QTextCursor, title: str, *, first: bool) -> None:
        if not first:
            cursor.insertBlock()
            cursor.insertBlock()
        heading = QTextCharFormat()
        heading.setFontWeight(QFont.Weight.Bold)
        heading.setFontCapitalization(QFont.Capitalization.AllUppercase)
        heading.setFontPointSize(max(7.0, self.font().pointSizeF() * 0.85))
        heading.setForeground(muted_color(self.palette()))
        cursor.insertText(title, heading)
        cursor.insertBlock()

    def _write(self, cursor: QTextCursor, text: str, *, color: QColor) -> None:
        fmt = QTextCharFormat()
        fmt.setForeground(color)
        cursor.insertText(text, fmt)
