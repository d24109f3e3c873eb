"""Help › Keyboard shortcuts: every key the window and its pages answer, grouped by page, in a
two-column grid whose descriptions wrap under themselves (a rich-text table in a message box
wrapped them under the keys)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

#: (section, ((keys, what they do), ...)), in the order shown.
SHORTCUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("Ctrl+1 … Ctrl+7", "Switch pages"),
            ("Ctrl+N", "New conversation (Playground)"),
            ("Ctrl+Shift+C", "Copy the last reply"),
            ("Ctrl+O", "Add a model"),
            ("Ctrl+L", "Load the selected model"),
            ("Ctrl+,", "Settings"),
            ("Ctrl+B", "Show or hide the sidebar"),
            ("Ctrl+Q", "Quit"),
        ),
    ),
    (
        "Playground",
        (
            ("Ctrl+Enter", "Send the message"),
            ("Esc", "Stop the reply"),
        ),
    ),
    (
        "Prompts",
        (
            ("Ctrl+S", "Save the prompt as a new version"),
            ("Ctrl+F", "Search the prompts"),
        ),
    ),
    (
        "Evaluations",
        (
            ("Ctrl+R", "Run suite…: choose the run's prompts, models and cases"),
            ("Esc, Ctrl+.", "Cancel the run (the cells finished so far are kept)"),
            ("Ctrl+Shift+S", "New suite…"),
            ("F5", "Read the suites and runs again"),
            ("Ctrl+S", "Save the suite's edits as a new version (Suite tab)"),
            ("Insert, Ctrl+Shift+N", "Add a case (Suite tab, in the cases table)"),
            ("Delete", "Delete the selected cases (Suite tab, in the cases table)"),
        ),
    ),
    (
        "Bias",
        (
            ("Ctrl+R", "Run the probe set"),
            ("Esc, Ctrl+.", "Cancel the running test"),
            ("F5", "Read the runs, probe sets and prompt versions again"),
        ),
    ),
)


def help_keys() -> str:
    """The platform's key for this list (F1 on most), or "" where it has none."""
    return QKeySequence(QKeySequence.StandardKey.HelpContents).toString(
        QKeySequence.SequenceFormat.NativeText
    )


class ShortcutsDialog(QDialog):
    """The shortcuts, one row each: the keys in bold, what they do beside them, wrapped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        top = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        #: (keys, description) labels, in the order shown; the tests read them.
        self.rows: list[tuple[QLabel, QLabel]] = []
        row = 0
        sections = list(SHORTCUTS)
        if help_keys():
            everywhere = (*sections[0][1], (help_keys(), "This list of shortcuts"))
            sections[0] = (sections[0][0], everywhere)
        for section, shortcuts in sections:
            title = QLabel(section)
            font = QFont(title.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.1)
            title.setFont(font)
            if row:
                grid.setRowMinimumHeight(row, 8)  # a gap above every section but the first
                row += 1
            grid.addWidget(title, row, 0, 1, 2)
            row += 1
            for keys, what in shortcuts:
                key_label = QLabel(f"<b>{keys}</b>")
                key_label.setTextFormat(Qt.TextFormat.RichText)
                what_label = QLabel(what)
                what_label.setWordWrap(True)
                # Each label fills its cell (a layout alignment would size a wrapped label by
                # its one-line hint and clip it) and puts its text at the top.
                for label in (key_label, what_label):
                    label.setAlignment(top)
                grid.addWidget(key_label, row, 0)
                grid.addWidget(what_label, row, 1)
                self.rows.append((key_label, what_label))
                row += 1
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def listed(self) -> list[tuple[str, str]]:
        """Each row's keys and description as shown (the keys without markup)."""
        return [
            (keys.text().removeprefix("<b>").removesuffix("</b>"), what.text())
            for keys, what in self.rows
        ]
