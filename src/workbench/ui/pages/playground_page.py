"""The Playground: chat with the loaded model, or with two side by side; chats are kept.

Layout: stored conversations on the left, the lane(s) and the message box in the middle, the
system prompt and sampling settings (one tab per lane) on the right. Every message is written to
the store the moment it exists, through serial background operations so a conversation is
created before its messages land.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.conversations import (
    Conversation,
    ConversationMessage,
    create_conversation,
    delete_conversation,
    get_conversation,
    list_conversations,
    title_from_text,
    update_conversation,
)
from workbench.ui.dialogs import confirm
from workbench.ui.icons import icon
from workbench.ui.item_models.conversation_model import SUMMARY_ROLE, ConversationListModel
from workbench.ui.operations import TaskContext
from workbench.ui.pages.chat_lane import ChatLane
from workbench.ui.widgets.sampling_panel import SamplingPanel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from workbench.engine.messages import ChatMessage, SamplingSettings
    from workbench.ui.context import AppContext


class _ConversationHandle:
    """The stored id of the conversation on screen; filled in by the (serial) create operation."""

    def __init__(self, conversation_id: int | None = None) -> None:
        self.id = conversation_id


class PlaygroundPage(QWidget):
    """Chat, stop, copy, clear, side-by-side, and the history of conversations."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("playgroundPage")
        self.context = context
        self._handle: _ConversationHandle | None = None
        self._saved_system_prompt = ""
        self.lanes = [ChatLane(0, "A", context), ChatLane(1, "B", context)]
        self.sampling = [SamplingPanel(), SamplingPanel()]
        self.conversations = ConversationListModel(self)
        self._build_actions()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("playgroundSplitter")
        self.splitter.addWidget(self._build_history())
        self.splitter.addWidget(self._build_center())
        self.splitter.addWidget(self._build_settings())
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([200, 700, 280])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        for lane in self.lanes:
            lane.reply_finished.connect(self._on_lane_reply_finished)
            lane.reply_ended.connect(self._update_state)
            lane.host.busy_changed.connect(self._update_state)
            lane.host.model_loaded.connect(self._update_state)
            lane.host.model_unloaded.connect(self._update_state)
        context.store_opened.connect(self.refresh_conversations)
        self._set_side_by_side(False)
        self._update_state()
        self._set_tab_order()

    # Construction ----------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.send_action = QAction(icon("send"), "Send", self)
        self.send_action.setToolTip("Send the message (Ctrl+Enter)")
        self.send_action.triggered.connect(self.send)
        self.stop_action = QAction(icon("stop"), "Stop", self)
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.stop_action.setToolTip("Stop the reply now (Esc); what was generated is kept")
        self.stop_action.triggered.connect(self.stop)
        self.new_action = QAction(icon("new-chat"), "New chat", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setToolTip(
            "Start a new conversation (Ctrl+N); this one stays in the history"
        )
        self.new_action.triggered.connect(self.new_conversation)
        self.copy_action = QAction(icon("copy"), "Copy reply", self)
        self.copy_action.setShortcut("Ctrl+Shift+C")
        self.copy_action.setToolTip("Copy the last reply to the clipboard (Ctrl+Shift+C)")
        self.copy_action.triggered.connect(self.copy_last_reply)
        self.clear_action = QAction(icon("clear"), "Clear", self)
        self.clear_action.setToolTip(
            "Clear the chat and start afresh; the old one stays in the history"
        )
        self.clear_action.triggered.connect(self.new_conversation)
        self.delete_action = QAction(icon("remove"), "Delete", self)
        self.delete_action.setToolTip("Delete the selected conversation")
        self.delete_action.triggered.connect(self._on_delete_action_triggered)

    def _build_history(self) -> QWidget:
        self.history_view = QListView()
        self.history_view.setObjectName("conversationList")
        self.history_view.setModel(self.conversations)
        self.history_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.history_view.setUniformItemSizes(True)
        self.history_view.setSpacing(1)
        self.history_view.setToolTip("Your conversations; click one to reopen it")
        self.history_view.clicked.connect(self._on_history_view_clicked)
        self.history_view.activated.connect(self._on_history_view_clicked)
        new_button = QPushButton(icon("new-chat"), "New chat")
        new_button.setToolTip(self.new_action.toolTip())
        new_button.clicked.connect(self.new_conversation)
        self.new_button = new_button
        delete_button = QToolButton()
        delete_button.setDefaultAction(self.delete_action)
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(new_button, 1)
        top.addWidget(delete_button)
        layout.addLayout(top)
        layout.addWidget(self.history_view, 1)
        panel.setMinimumWidth(140)
        return panel

    def _build_center(self) -> QWidget:
        self.title = QLabel("New conversation")
        self.title.setObjectName("pageTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(80)
        self.side_by_side = QCheckBox("Side by side")
        self.side_by_side.setIcon(icon("side-by-side"))
        self.side_by_side.setToolTip(
            "Send each message to two model slots, A and B (two models, or one model with two "
            "settings), and stream both replies. Starts a new conversation."
        )
        self.side_by_side.toggled.connect(self._on_side_by_side_toggled)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.side_by_side)
        for action in (self.copy_action, self.clear_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            top.addWidget(button)
        self.lane_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.lane_splitter.setObjectName("laneSplitter")
        for lane in self.lanes:
            self.lane_splitter.addWidget(lane)
        self.input = QPlainTextEdit()
        self.input.setObjectName("messageInput")
        self.input.setPlaceholderText("Message the model… (Ctrl+Enter sends, Esc stops)")
        self.input.setTabChangesFocus(True)
        self.input.setFixedHeight(84)
        self.input.textChanged.connect(self._update_state)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(
                QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            shortcut.activated.connect(self.send)
        self.send_button = QPushButton(icon("send"), "Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip(self.send_action.toolTip())
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton(icon("stop"), "Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip(self.stop_action.toolTip())
        self.stop_button.clicked.connect(self.stop)
        self.hint = QLabel("")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.input, 1)
        bottom.addLayout(buttons)
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addLayout(top)
        layout.addWidget(self.lane_splitter, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.hint)
        return panel

    def _build_settings(self) -> QWidget:
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setObjectName("systemPrompt")
        self.system_prompt.setPlaceholderText(
            "Optional: instructions the model gets before the chat"
        )
        self.system_prompt.setToolTip("The system prompt, sent first in every request")
        self.system_prompt.setTabChangesFocus(True)
        self.system_prompt.setMaximumHeight(110)
        self.sampling_tabs = QTabWidget()
        self.sampling_tabs.addTab(self.sampling[0], "Slot A")
        self.sampling_tabs.addTab(self.sampling[1], "Slot B")
        self.sampling_tabs.setToolTip("Sampling settings, per model slot")
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(QLabel("<b>System prompt</b>"))
        layout.addWidget(self.system_prompt)
        layout.addSpacing(6)
        layout.addWidget(QLabel("<b>Sampling</b>"))
        layout.addWidget(self.sampling_tabs)
        layout.addStretch(1)
        panel.setMinimumWidth(220)
        return panel

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.input,
            self.send_button,
            self.stop_button,
            self.system_prompt,
            self.sampling_tabs,
            *self.sampling[0].focus_chain(),
            self.side_by_side,
            self.new_button,
            self.history_view,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # Public API ------------------------------------------------------------------------------

    def active_lanes(self) -> list[ChatLane]:
        """The lane(s) a message goes to."""
        return self.lanes if self.side_by_side.isChecked() else self.lanes[:1]

    @property
    def generating(self) -> bool:
        """True while any lane streams."""
        return any(lane.generating for lane in self.lanes)

    @property
    def conversation_id(self) -> int | None:
        """The stored id of the conversation on screen (None until its first message is saved)."""
        return self._handle.id if self._handle else None

    def page_activated(self) -> None:
        """Called when the page is shown: put the cursor in the message box."""
        self.input.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """Esc stops the reply while the Playground is shown."""
        super().showEvent(event)
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))

    def hideEvent(self, event: QHideEvent) -> None:
        """On other pages Esc is theirs (it cancels an evaluation or bias run); Model › Stop
        still stops the reply from anywhere."""
        super().hideEvent(event)
        self.stop_action.setShortcut(QKeySequence())

    @Slot()
    def send(self) -> None:
        """Send the message box's text to the active lane(s)."""
        text = self.input.toPlainText().strip()
        if not text or self.generating:
            return
        lanes = self.active_lanes()
        reasons = [r for lane in lanes if (r := lane.not_ready_reason())]
        if reasons:
            self.hint.setText(" ".join(reasons))
            return
        system_prompt = self.system_prompt.toPlainText()
        self.input.clear()
        self._save_user_message(text, system_prompt, [lane.lane for lane in lanes])
        for lane in lanes:
            lane.send(text, system_prompt, self.sampling[lane.lane].sampling())
        self._update_state()

    @Slot()
    def stop(self) -> None:
        """Stop every reply being streamed."""
        for lane in self.lanes:
            lane.stop()

    @Slot()
    def new_conversation(self) -> None:
        """Start a new, empty conversation (the current one stays stored)."""
        if self.generating:
            return
        self._handle = None
        for lane in self.lanes:
            lane.reset()
        self.title.setText("New conversation")
        self.history_view.clearSelection()
        self.hint.setText("")
        self.input.setFocus()
        self._update_state()

    @Slot()
    def copy_last_reply(self) -> None:
        """Copy the last reply (both, labelled, in side-by-side mode) to the clipboard."""
        lanes = self.active_lanes()
        if len(lanes) == 1:
            text = lanes[0].last_reply()
        else:
            text = "\n\n".join(f"[{lane.slot}]\n{lane.last_reply()}" for lane in lanes)
        if text.strip():
            QGuiApplication.clipboard().setText(text)
            self._status("Reply copied to the clipboard.")

    @Slot()
    def refresh_conversations(self) -> None:
        """Re-read the conversation list."""
        self.context.run(
            lambda task: list_conversations(task.store, limit=500),
            parent=self,
            success=self._on_conversations_listed,
        ).serial().run_in_background()

    def open_conversation(self, conversation_id: int) -> None:
        """Load a stored conversation into the lanes."""
        if self.generating:
            return
        self.context.run(
            lambda task: get_conversation(task.store, conversation_id),
            parent=self,
            success=self._on_conversation_loaded,
        ).serial().run_in_background()

    def open_rendered_prompt(
        self, messages: Sequence[ChatMessage], sampling: SamplingSettings | None = None
    ) -> bool:
        """Start a new conversation from a rendered prompt, ready to send (not sent); returns
        False, changing nothing, while a reply streams.

        A leading system message becomes the system prompt, a final user message waits in the
        message box, and the user/assistant turns between them become the history the model
        sees. ``sampling`` goes to both slots' settings.
        """
        if self.generating:
            return False
        self.new_conversation()
        turns = list(messages)
        system = turns.pop(0).content if turns and turns[0].role == "system" else ""
        last = turns.pop().content if turns and turns[-1].role == "user" else ""
        self.system_prompt.setPlainText(system)
        for lane in self.lanes:
            lane.show_messages(
                [ConversationMessage(m.role, m.content, lane=lane.lane) for m in turns]
            )
        if sampling is not None:
            for panel in self.sampling:
                panel.set_sampling(sampling)
        self.input.setPlainText(last)
        self.input.setFocus()
        return True

    # Persistence -----------------------------------------------------------------------------

    def _save_user_message(self, text: str, system_prompt: str, lanes: list[int]) -> None:
        handle = self._handle or _ConversationHandle()
        self._handle = handle
        side_by_side = len(lanes) > 1
        title = title_from_text(text)
        previous_system = self._saved_system_prompt
        self._saved_system_prompt = system_prompt
        if handle.id is None:
            self.title.setText(title)

        def save(task: TaskContext) -> int:
            if handle.id is None:
                handle.id = create_conversation(
                    task.store, title=title, system_prompt=system_prompt, side_by_side=side_by_side
                ).id
            elif system_prompt != previous_system:
                update_conversation(task.store, handle.id, system_prompt=system_prompt)
            from workbench.conversations import add_messages

            add_messages(
                task.store,
                handle.id,
                [ConversationMessage("user", text, lane=lane) for lane in lanes],
            )
            return handle.id

        self.context.run(
            save, parent=self, success=lambda _: self.refresh_conversations()
        ).serial().run_in_background()

    @Slot(object)
    def _on_lane_reply_finished(self, message: ConversationMessage) -> None:
        handle = self._handle
        if handle is None:
            return

        def save(task: TaskContext) -> None:
            from workbench.conversations import add_messages

            if handle.id is not None:
                add_messages(task.store, handle.id, [message])

        self.context.run(
            save, parent=self, success=lambda _: self.refresh_conversations()
        ).serial().run_in_background()

    def _on_conversations_listed(self, items: list) -> None:
        self.conversations.set_items(items)
        row = self.conversations.row_of(self.conversation_id)
        if row >= 0:
            self.history_view.setCurrentIndex(self.conversations.index(row))

    def _on_conversation_loaded(self, conversation: Conversation) -> None:
        self._handle = _ConversationHandle(conversation.id)
        self._saved_system_prompt = conversation.system_prompt
        self.system_prompt.setPlainText(conversation.system_prompt)
        self.side_by_side.blockSignals(True)
        self.side_by_side.setChecked(conversation.side_by_side)
        self.side_by_side.blockSignals(False)
        self._set_side_by_side(conversation.side_by_side)
        for lane in self.lanes:
            messages = conversation.lane(lane.lane)
            lane.show_messages(messages)
            sampled = [m.sampling for m in messages if m.sampling]
            if sampled:
                self.sampling[lane.lane].set_sampling(sampled[-1])
        self.title.setText(conversation.title)
        self._update_state()

    # Slots -----------------------------------------------------------------------------------

    @Slot(QModelIndex)
    def _on_history_view_clicked(self, index: QModelIndex) -> None:
        summary = index.data(SUMMARY_ROLE)
        if summary is not None and summary.id != self.conversation_id:
            self.open_conversation(summary.id)

    @Slot(bool)
    def _on_side_by_side_toggled(self, checked: bool) -> None:
        if any(lane.history for lane in self.lanes):
            self.new_conversation()
        self._set_side_by_side(checked)
        self._update_state()

    def _set_side_by_side(self, enabled: bool) -> None:
        self.lanes[1].setVisible(enabled)
        self.sampling_tabs.setTabEnabled(1, enabled)
        if not enabled:
            self.sampling_tabs.setCurrentIndex(0)
        if enabled:
            half = max(200, self.lane_splitter.width() // 2)
            self.lane_splitter.setSizes([half, half])
        self.lane_splitter.updateGeometry()  # its layout item caches the old minimum size

    @Slot()
    def _on_delete_action_triggered(self) -> None:
        summary = self.history_view.currentIndex().data(SUMMARY_ROLE)
        if summary is None or self.generating:
            return

        def delete() -> None:
            if summary.id == self.conversation_id:
                self.new_conversation()
            self.context.run(
                lambda task: delete_conversation(task.store, summary.id),
                parent=self,
                success=lambda _: self.refresh_conversations(),
            ).serial().run_in_background()

        confirm(
            self,
            "Delete conversation",
            f"Delete “{summary.title}” and its messages?",
            delete,
            yes_text="Delete",
        )

    @Slot()
    def _update_state(self, *_: object) -> None:
        generating = self.generating
        has_text = bool(self.input.toPlainText().strip())
        lanes_ready = all(lane.not_ready_reason() is None for lane in self.active_lanes())
        self.send_button.setEnabled(has_text and not generating and lanes_ready)
        self.send_action.setEnabled(not generating)
        self.stop_button.setEnabled(generating)
        self.stop_action.setEnabled(generating)
        idle = not generating
        for widget in (self.side_by_side, self.history_view, self.new_button):
            widget.setEnabled(idle)
        self.new_action.setEnabled(idle)
        self.clear_action.setEnabled(idle)
        self.delete_action.setEnabled(idle)
        if lanes_ready or generating:
            self.hint.setText("")
        else:
            reasons = [r for lane in self.active_lanes() if (r := lane.not_ready_reason())]
            self.hint.setText(" ".join(reasons))

    def _status(self, message: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 5000)
