"""The side-by-side diff of two prompt versions: changed lines tinted, changed words highlighted.

Both sides are read-only :class:`QPlainTextEdit` documents built from
:func:`~workbench.prompts.diff_rows.side_by_side_rows`, one text block per row, so they stay
aligned line for line and scroll together. Changed words carry :data:`CHANGE_PROPERTY` in their
character format ("delete" or "insert"), which is what tests and accessibility tools read.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import (
    QFontDatabase,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QSizePolicy, QWidget

from workbench.prompts import PromptDiff
from workbench.ui.prompts.colors import diff_tints, muted_color
from workbench.ui.prompts.diff_rows import Side, side_by_side_rows, summary_parts

#: Character-format property of a highlighted word: "delete" (old side) or "insert" (new side).
CHANGE_PROPERTY = int(QTextFormat.Property.UserProperty) + 1
#: Block-format property naming what a row is: gap, heading, equal, delete, insert or filler.
ROW_PROPERTY = int(QTextFormat.Property.UserProperty) + 2


class DiffSide(QPlainTextEdit):
    """One side of the diff (old or new), in a fixed-width font, not wrapped."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )

    def show_sides(self, sides: list[Side], number_width: int) -> None:
        """Replace the text with one block per side."""
        tints = diff_tints()
        muted = QTextCharFormat()
        muted.setForeground(muted_color(self.palette()))
        plain = QTextCharFormat()
        self.clear()
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for number, side in enumerate(sides):
            block = QTextBlockFormat()
            block.setProperty(ROW_PROPERTY, side.kind)
            background = {
                "heading": tints.heading,
                "delete": tints.delete_line,
                "insert": tints.insert_line,
                "filler": tints.filler,
            }.get(side.kind)
            if background is not None:
                block.setBackground(background)
            if number == 0:
                cursor.setBlockFormat(block)
            else:
                cursor.insertBlock(block, plain)
            if side.kind == "heading":
                heading = QTextCharFormat()
                heading.setFontWeight(700)
                cursor.insertText(side.text, heading)
                continue
            if side.kind in ("filler", "gap"):
                continue
            gutter = str(side.lineno) if side.lineno is not None else ""
            marker = {"delete": "−", "insert": "+"}.get(side.kind, " ")
            cursor.insertText(f"{gutter:>{number_width}} {marker} ", muted)
            if not side.spans:
                cursor.insertText(side.text, plain)
                continue
            for span in side.spans:
                if span.kind == "equal":
                    cursor.insertText(span.text, plain)
                    continue
                word = QTextCharFormat()
                word.setBackground(
                    tints.delete_word if span.kind == "delete" else tints.insert_word
                )
                word.setProperty(CHANGE_PROPERTY, span.kind)
                cursor.insertText(span.text, word)
        cursor.endEditBlock()
        self.moveCursor(QTextCursor.MoveOperation.Start)


def marked_words(edit: QPlainTextEdit) -> list[tuple[str, str]]:
    """The highlighted word runs of a diff side, as (kind, text), read from its formats."""
    found: list[tuple[str, str]] = []
    block = edit.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            kind = fragment.charFormat().property(CHANGE_PROPERTY)
            if isinstance(kind, str):
                found.append((kind, fragment.text()))
            iterator += 1
        block = block.next()
    return found


def row_kinds(edit: QPlainTextEdit) -> list[str]:
    """What each row of a diff side is (gap, heading, equal, delete, insert, filler)."""
    kinds: list[str] = []
    block = edit.document().begin()
    while block.isValid():
        kinds.append(str(block.blockFormat().property(ROW_PROPERTY)))
        block = block.next()
    return kinds


class DiffView(QWidget):
    """A summary line over the two sides; call :meth:`show_diff`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptDiffView")
        self.diff: PromptDiff | None = None
        self._titles = ("", "")
        self.summary = QLabel()
        self.summary.setObjectName("diffSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.old_title = QLabel()
        self.new_title = QLabel()
        for title in (self.old_title, self.new_title):
            title.setObjectName("diffSideTitle")
            title.setTextFormat(Qt.TextFormat.RichText)
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.left = DiffSide("diffOld")
        self.right = DiffSide("diffNew")
        for one, other in ((self.left, self.right), (self.right, self.left)):
            one.verticalScrollBar().valueChanged.connect(other.verticalScrollBar().setValue)
            one.horizontalScrollBar().valueChanged.connect(other.horizontalScrollBar().setValue)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.addWidget(self.summary, 0, 0, 1, 2)
        layout.addWidget(self.old_title, 1, 0)
        layout.addWidget(self.new_title, 1, 1)
        layout.addWidget(self.left, 2, 0)
        layout.addWidget(self.right, 2, 1)
        layout.setRowStretch(2, 1)
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)
        self.show_message("Choose two versions to compare.")

    def show_diff(self, diff: PromptDiff, old_title: str, new_title: str) -> None:
        """Show ``diff`` with a title over each side (e.g. "v2 · Friendlier wording")."""
        self.diff = diff
        self._titles = (old_title, new_title)
        rows = side_by_side_rows(diff)
        linenos = [side.lineno or 0 for row in rows for side in (row.left, row.right)]
        width = max(2, len(str(max(linenos, default=0))))
        self.left.show_sides([row.left for row in rows], width)
        self.right.show_sides([row.right for row in rows], width)
        self.old_title.setText(f"<b>{html.escape(old_title)}</b>")
        self.new_title.setText(f"<b>{html.escape(new_title)}</b>")
        self.summary.setText("  ·  ".join(summary_parts(diff)))

    def show_message(self, text: str) -> None:
        """Empty both sides and say why (e.g. nothing chosen yet)."""
        self.diff = None
        self.left.clear()
        self.right.clear()
        self.old_title.setText("<b>Old</b>")
        self.new_title.setText("<b>New</b>")
        self.summary.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        """Redraw in the new theme's colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.diff is not None:
            self.show_diff(self.diff, *self._titles)

    @Slot()
    def scroll_to_first_change(self) -> None:
        """Scroll both sides to the first changed row."""
        changed = ("delete", "insert")
        pairs = zip(row_kinds(self.left), row_kinds(self.right), strict=True)
        for number, (old, new) in enumerate(pairs):
            if old in changed or new in changed:
                block = self.right.document().findBlockByNumber(max(0, number - 2))
                self.right.setTextCursor(QTextCursor(block))
                self.right.centerCursor()
                return
