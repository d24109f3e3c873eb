"""The messages of a prompt being edited: a card per chat turn (role, text, error), or one card
for a completion template; add, remove and reorder turns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.prompts import PromptContent, PromptTemplateError
from workbench.ui.icons import icon
from workbench.ui.prompts.colors import error_color
from workbench.ui.prompts.template_edit import TemplateEdit

ROLES = ("system", "user", "assistant")
TEMPLATE = "template"


class MessageCard(QFrame):
    """One turn: its role, its template text and, below it, the template error if any."""

    edited = Signal()
    move_requested = Signal(int)  # -1 up, +1 down
    remove_requested = Signal()

    def __init__(self, role: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.is_template = role == TEMPLATE
        self.role_combo = QComboBox()
        self.role_combo.addItems(ROLES)
        self.role_combo.setToolTip("Who says this turn")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        if role == TEMPLATE:
            self.role_combo.hide()
            title = QLabel("<b>Completion template</b>")
            title.setToolTip("The whole prompt text the model continues")
            header.addWidget(title)
        else:
            self.role_combo.setCurrentText(role)
            header.addWidget(self.role_combo)
        self.counter = QLabel()
        self.counter.setObjectName("muted")
        header.addWidget(self.counter, 1)
        style = self.style()
        self.up_button = self._tool(style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp), "Up")
        self.down_button = self._tool(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown), "Down"
        )
        self.remove_button = self._tool(icon("remove"), "Remove this message")
        for button in (self.up_button, self.down_button, self.remove_button):
            if role == TEMPLATE:
                button.hide()  # (showing a widget before it has a parent would open a window)
            header.addWidget(button)
        self.up_button.clicked.connect(lambda: self.move_requested.emit(-1))
        self.down_button.clicked.connect(lambda: self.move_requested.emit(1))
        self.remove_button.clicked.connect(self.remove_requested.emit)
        self.editor = TemplateEdit()
        self.editor.setPlainText(text)
        self.error_label = QLabel()
        self.error_label.setObjectName("templateError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.editor)
        layout.addWidget(self.error_label)
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self.role_combo.currentTextChanged.connect(self.edited)
        self._update_counter()

    def _tool(self, button_icon: object, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(button_icon)  # type: ignore[arg-type]
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    @property
    def role(self) -> str:
        """``system``, ``user``, ``assistant`` or ``template``."""
        return TEMPLATE if self.is_template else self.role_combo.currentText()

    def text(self) -> str:
        """The template text."""
        return self.editor.toPlainText()

    def set_error(self, error: PromptTemplateError | None) -> None:
        """Show ``error`` under the text and mark its position, or clear both."""
        self.editor.set_error(error)
        if error is None:
            self.error_label.hide()
            self.error_label.clear()
            return
        where = f"Line {error.line}" + (f", column {error.column}" if error.column else "")
        self.error_label.setText(f"⚠ {where}: {error.problem}")
        self.error_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.error_label.show()

    @Slot()
    def _on_editor_text_changed(self) -> None:
        self._update_counter()
        self.edited.emit()

    def _update_counter(self) -> None:
        text = self.editor.toPlainText()
        lines = text.count("\n") + 1 if text else 0
        plural = "" if lines == 1 else "s"
        self.counter.setText(f"  {len(text)} characters · {lines} line{plural}")


class MessageListEditor(QWidget):
    """Edits a prompt's messages (chat) or its template (completion)."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "chat"
        self.cards: list[MessageCard] = []
        self._container = QWidget()
        self._cards_layout = QVBoxLayout(self._container)
        self._cards_layout.setContentsMargins(0, 0, 4, 0)
        self._cards_layout.setSpacing(8)
        self._cards_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self._container)
        self.add_buttons: dict[str, QPushButton] = {}
        adders = QHBoxLayout()
        adders.setContentsMargins(0, 0, 0, 0)
        for role in ROLES:
            button = QPushButton(icon("add"), role.capitalize())
            button.setToolTip(f"Add a {role} message at the end")
            button.clicked.connect(lambda _=False, r=role: self.add_message(r))
            self.add_buttons[role] = button
            adders.addWidget(button)
        adders.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(adders)

    def set_content(self, content: PromptContent) -> None:
        """Show ``content``'s messages or template (replacing what was there)."""
        self.set_parts(
            [(TEMPLATE, content.template)]
            if content.template is not None
            else [(m.role, m.content) for m in content.messages]
        )

    def set_parts(self, parts: Sequence[tuple[str, str]]) -> None:
        """Show (role, text) parts; one ``("template", text)`` part makes a completion prompt."""
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        self.kind = "completion" if [r for r, _ in parts] == [TEMPLATE] else "chat"
        for button in self.add_buttons.values():
            button.setVisible(self.kind == "chat")
        for role, text in parts:
            self._insert_card(role, text)
        self._update_buttons()
        self.edited.emit()

    def parts(self) -> list[tuple[str, str]]:
        """(role, text) of every card, in order (role ``template`` for a completion prompt)."""
        return [(card.role, card.text()) for card in self.cards]

    def add_message(self, role: str, text: str = "") -> MessageCard:
        """Append a chat turn and put the cursor in it."""
        card = self._insert_card(role, text)
        self._update_buttons()
        card.editor.setFocus()
        QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(card))
        self.edited.emit()
        return card

    def remove_message(self, index: int) -> None:
        """Remove the turn at ``index``."""
        card = self.cards.pop(index)
        card.deleteLater()
        self._update_buttons()
        self.edited.emit()

    def move_message(self, index: int, delta: int) -> None:
        """Move the turn at ``index`` up (-1) or down (+1)."""
        target = index + delta
        if not 0 <= target < len(self.cards):
            return
        card = self.cards.pop(index)
        self.cards.insert(target, card)
        self._cards_layout.removeWidget(card)
        self._cards_layout.insertWidget(target, card)
        self._update_buttons()
        card.editor.setFocus()
        self.edited.emit()

    def show_errors(self, errors: Mapping[int, PromptTemplateError]) -> None:
        """Show each card's template error (by card index); cards not named have none."""
        for index, card in enumerate(self.cards):
            card.set_error(errors.get(index))

    def _insert_card(self, role: str, text: str) -> MessageCard:
        card = MessageCard(role, text)
        self.cards.append(card)
        self._cards_layout.insertWidget(len(self.cards) - 1, card)
        card.edited.connect(self.edited)
        card.move_requested.connect(lambda delta, c=card: self.move_message(self._index(c), delta))
        card.remove_requested.connect(lambda c=card: self.remove_message(self._index(c)))
        return card

    def _index(self, card: MessageCard) -> int:
        return self.cards.index(card)

    def _update_buttons(self) -> None:
        for index, card in enumerate(self.cards):
            card.up_button.setEnabled(index > 0)
            card.down_button.setEnabled(index < len(self.cards) - 1)
            card.remove_button.setEnabled(len(self.cards) > 1)
