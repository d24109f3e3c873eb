"""The top of the Prompts page: the prompt's name, an "unsaved changes" badge, what the editor
holds, a notice line (saved, no change, not saved because...), and the main actions."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from workbench.ui.prompts.colors import error_color


class PromptHeader(QWidget):
    """Title, badge, subtitle and notice over the page; a button per action, by key."""

    def __init__(self, actions: Sequence[tuple[str, QAction]], parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("Prompts")
        self.title.setObjectName("pageTitle")
        self.dirty_badge = QLabel("unsaved changes")
        self.dirty_badge.setObjectName("dirtyBadge")
        self.dirty_badge.setToolTip("The editor differs from the version it started from")
        self.dirty_badge.setStyleSheet(
            "background: palette(highlight); color: palette(highlighted-text);"
            "border-radius: 4px; padding: 1px 6px; font-weight: 600;"
        )
        self.subtitle = QLabel()
        self.subtitle.setObjectName("muted")
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice = QLabel()
        self.notice.setObjectName("promptNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addSpacing(6)
        heading.addWidget(self.dirty_badge)
        heading.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for key, action in actions:
            button = QPushButton(action.icon(), action.text())
            button.setObjectName(f"{key}Button")
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            self.buttons[key] = button
            heading.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(heading)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.notice)

    def set_state(self, title: str, subtitle: str, *, dirty: bool) -> None:
        """Show what the editor holds."""
        self.title.setText(title)
        self.dirty_badge.setVisible(dirty)
        self.subtitle.setText(subtitle)
        self.subtitle.setToolTip(subtitle)

    def show_notice(self, text: str, *, error: bool = False) -> None:
        """Show one line about the last action (red for a refusal)."""
        color = error_color(self.palette()).name() if error else "palette(window-text)"
        self.notice.setStyleSheet(f"color: {color}; padding: 2px 0;")
        self.notice.setText(text)
        self.notice.show()

    def clear_notice(self) -> None:
        """Hide the notice."""
        self.notice.hide()
        self.notice.clear()
