"""One side of the playground: a model slot, its transcript, and the chat history it replays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.conversations import ConversationMessage
from workbench.engine.messages import (
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    SamplingSettings,
)
from workbench.errors import ModelHostCrashedError, WorkbenchError
from workbench.ui.error_dialogs import report_exception
from workbench.ui.formatting import gpu_layers_text, load_settings_text, reply_stats_text
from workbench.ui.icons import icon
from workbench.ui.item_models.inventory_model import RECORD_ROLE
from workbench.ui.widgets.chat_view import ChatView

if TYPE_CHECKING:
    from workbench.ui.context import AppContext
    from workbench.ui.host_controller import ModelHostController


class ChatLane(QWidget):
    """A transcript bound to one model host (slot A or B)."""

    reply_finished = Signal(object)  # ConversationMessage (the assistant turn)
    reply_ended = Signal()  # finished, failed or stopped

    def __init__(self, lane: int, slot: str, context: AppContext) -> None:
        super().__init__()
        self.setObjectName(f"chatLane{slot}")
        self.lane = lane
        self.slot = slot
        self.context = context
        self.host: ModelHostController = context.hosts[slot]
        self.history: list[ConversationMessage] = []
        self._pending_user: str | None = None
        self._sampling: SamplingSettings | None = None
        self._streaming = False
        self.chat = ChatView()
        self.chat.setObjectName(f"chatView{slot}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_header())
        layout.addWidget(self.chat, 1)
        self.host.text_streamed.connect(self._on_host_text_streamed)
        self.host.generation_finished.connect(self._on_host_generation_finished)
        self.host.generation_failed.connect(self._on_host_generation_failed)
        self.host.load_started.connect(self._update_header)
        self.host.model_loaded.connect(self._update_header)
        self.host.model_unloaded.connect(self._update_header)
        self.host.load_failed.connect(self._update_header)
        context.models_refreshed.connect(self._update_header)
        self._update_header()

    def _build_header(self) -> QFrame:
        header = QFrame()
        header.setObjectName("laneHeader")
        badge = QLabel(self.slot)
        badge.setFixedWidth(22)
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setStyleSheet(
            "background: palette(highlight); color: palette(highlighted-text);"
            "border-radius: 4px; font-weight: 600; padding: 1px;"
        )
        badge.setToolTip(f"Model slot {self.slot}")
        self.model_combo = QComboBox()
        self.model_combo.setObjectName(f"laneModel{self.slot}")
        self.model_combo.setModel(self.context.inventory)
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(12)
        self.model_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.model_combo.setMaximumWidth(320)
        self.model_combo.setToolTip(f"The model to load in slot {self.slot}")
        self.load_button = QPushButton(icon("load"), "Load")
        self.load_button.setToolTip(
            f"Load the chosen model in slot {self.slot} with your default load settings "
            "(the Models page has every setting)"
        )
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(header)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(badge)
        layout.addWidget(self.model_combo, 2)
        layout.addWidget(self.load_button)
        layout.addWidget(self.status, 1)
        return header

    # State -----------------------------------------------------------------------------------

    @property
    def generating(self) -> bool:
        """True while this lane streams a reply."""
        return self._streaming

    def not_ready_reason(self) -> str | None:
        """Why this lane cannot send now, or None."""
        if self.host.pending_load is not None:
            return f"Slot {self.slot} is still loading {self.host.pending_load.model_name}."
        if self.host.info is None:
            return f"No model in slot {self.slot}: choose one above the chat and press Load."
        if self.host.busy:
            return f"Slot {self.slot} is busy."
        return None

    def send(self, text: str, system_prompt: str, sampling: SamplingSettings) -> None:
        """Show the user's message and stream the model's reply to it."""
        messages: list[ChatMessage] = []
        if system_prompt.strip():
            messages.append(ChatMessage("system", system_prompt))
        messages.extend(m.to_chat_message() for m in self.history)
        messages.append(ChatMessage("user", text))
        self.history.append(ConversationMessage("user", text, lane=self.lane))
        self._pending_user = text
        self._sampling = sampling
        self.chat.add_message("user", text)
        info = self.host.info
        self.chat.begin_message("assistant", title=info.model_name if info else "Assistant")
        self._streaming = True
        self.host.generate(GenerationRequest(messages=tuple(messages), sampling=sampling))

    def stop(self) -> None:
        """Stop the reply being streamed (it keeps what was generated)."""
        if self._streaming:
            self.host.cancel()

    def show_messages(self, messages: list[ConversationMessage]) -> None:
        """Replace the transcript and history with stored messages."""
        self.history = [m for m in messages if m.role in ("user", "assistant")]
        self.chat.clear_transcript()
        for message in self.history:
            title = (message.model_name or "") if message.role == "assistant" else ""
            self.chat.add_message(message.role, message.content, title=title, meta=_meta(message))

    def reset(self) -> None:
        """Forget the history and clear the transcript."""
        self.show_messages([])

    def last_reply(self) -> str:
        """The text of the last assistant message."""
        replies = [m for m in self.history if m.role == "assistant"]
        return replies[-1].content if replies else ""

    def transcript_text(self) -> str:
        """The whole chat as plain text."""
        return "\n\n".join(
            f"{'You' if m.role == 'user' else (m.model_name or 'Assistant')}: {m.content}"
            for m in self.history
        )

    # Slots -----------------------------------------------------------------------------------

    @Slot(str)
    def _on_host_text_streamed(self, text: str) -> None:
        if self._streaming:
            self.chat.append_reply_text(text)

    @Slot(object)
    def _on_host_generation_finished(self, result: GenerationResult) -> None:
        if not self._streaming:
            return
        self._streaming = False
        info = self.host.info
        message = ConversationMessage.from_result(
            result,
            lane=self.lane,
            model_name=info.model_name if info else None,
            model_sha256=info.model_sha256 if info else None,
            sampling=self._sampling,
        )
        if result.text != self.chat.streamed_text:
            # The stream and the final text differ only if the host trimmed a stop sequence.
            self.chat.append_reply_text(result.text[len(self.chat.streamed_text) :])
        self.chat.end_message(reply_stats_text(result), markdown=True)
        self.history.append(message)
        self.reply_finished.emit(message)
        self.reply_ended.emit()

    @Slot(object)
    def _on_host_generation_failed(self, error: object) -> None:
        if not self._streaming:
            return
        self._streaming = False
        bug = not isinstance(error, WorkbenchError)
        if isinstance(error, ModelHostCrashedError):
            note = "The model process stopped before the reply ended (see the message)."
        elif bug:
            note = "Generation failed because of a bug; the error dialog has the details."
        else:
            note = f"Generation failed: {error}"
        self.chat.end_message(note)
        # The failed turn is not part of the history the model sees next time.
        if self.history and self.history[-1].role == "user":
            self.history.pop()
        self.reply_ended.emit()
        if bug and isinstance(error, BaseException):
            report_exception(error, self)

    @Slot()
    def _on_load_button_clicked(self) -> None:
        record = self.model_combo.currentData(RECORD_ROLE)
        if record is None:
            return
        self.host.load(
            LoadRequest(
                model_path=record.path,
                model_sha256=record.sha256,
                settings=self.context.preferences.load_settings(),
                model_name=record.name,
            )
        )

    @Slot()
    def _update_header(self, *_: object) -> None:
        info: ModelInfo | None = self.host.info
        pending = self.host.pending_load
        if pending is not None:
            self.status.setText(f"Loading {pending.model_name}…")
        elif info is not None:
            self.status.setText(f"ctx {info.n_ctx} · {gpu_layers_text(info.settings.gpu_layers)}")
            self.status.setToolTip(load_settings_text(info.settings, info.n_ctx))
            row = self.context.inventory.row_of(info.model_name)
            if row >= 0 and self.model_combo.currentIndex() != row:
                self.model_combo.setCurrentIndex(row)
        else:
            self.status.setText("Not loaded")
        if info is None:
            self.status.setToolTip(self.status.text())
        self.load_button.setEnabled(pending is None and self.model_combo.count() > 0)


def _meta(message: ConversationMessage) -> str:
    if message.role != "assistant" or message.completion_tokens is None:
        return ""
    result = GenerationResult(
        text=message.content,
        prompt_tokens=message.prompt_tokens or 0,
        completion_tokens=message.completion_tokens,
        time_to_first_token_s=message.time_to_first_token_s or 0.0,
        tokens_per_second=message.tokens_per_second or 0.0,
        total_seconds=message.total_seconds or 0.0,
        finish_reason=message.finish_reason or "stop",  # type: ignore[arg-type]
        fingerprint={},
    )
    return reply_stats_text(result)
