"""The prompt editor: messages on the left; sample values, parameters and the live preview on
the right. Edits are checked and previewed 150 ms after the typing stops."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QScrollArea, QSplitter, QVBoxLayout, QWidget

from workbench.errors import WorkbenchError
from workbench.prompts import (
    PromptContent,
    PromptTemplateError,
    check_template,
    find_variables,
    make_content,
)
from workbench.ui.prompts.forms import ParamsForm, SampleValuesForm
from workbench.ui.prompts.message_editor import TEMPLATE, MessageListEditor
from workbench.ui.prompts.preview import PreviewPane
from workbench.ui.prompts.renderer import RENDER_LIMIT_MS, PreviewRenderer, PreviewResult

DEBOUNCE_MS = 150
_GUESS_VARIABLES = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Draft:
    """What the editor holds, checked: the content (None if it cannot be built), why not, each
    message's template error by index, and the variables found."""

    content: PromptContent | None
    problem: str | None = None
    errors: dict[int, PromptTemplateError] = field(default_factory=dict)
    variables: tuple[str, ...] = ()

    @property
    def savable(self) -> bool:
        """True when the content can be saved as a version."""
        return self.content is not None and not self.errors


def check_parts(parts: list[tuple[str, str]], params: dict[str, object]) -> Draft:
    """Build and check content from the editor's (role, text) parts and parameters."""
    errors: dict[int, PromptTemplateError] = {}
    variables: dict[str, None] = {}
    chat_number = 0
    for index, (role, text) in enumerate(parts):
        chat_number += role != TEMPLATE
        where = "the template" if role == TEMPLATE else f"message {chat_number} ({role})"
        try:
            check_template(text, where=where)
            variables.update(dict.fromkeys(find_variables(text)))
        except PromptTemplateError as exc:
            errors[index] = exc
            # Keep the sample fields of a message being typed: guess its variables.
            variables.update(dict.fromkeys(_GUESS_VARIABLES.findall(text)))
    try:
        content = build_content(parts, params)
    except WorkbenchError as exc:
        return Draft(None, str(exc), errors, tuple(variables))
    problem = str(next(iter(errors.values()))) if errors else None
    return Draft(content, problem, errors, tuple(variables))


def build_content(parts: list[tuple[str, str]], params: dict[str, object]) -> PromptContent:
    """Content from (role, text) parts; raises PromptError when it is not valid."""
    if [role for role, _ in parts] == [TEMPLATE]:
        return make_content(template=parts[0][1], params=params)
    return make_content(messages=parts, params=params)


class PromptEditorPanel(QWidget):
    """Edits one prompt's content; ``edited`` on every change, ``checked`` after each check."""

    edited = Signal()
    checked = Signal(object)  # Draft

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = MessageListEditor()
        self.samples = SampleValuesForm()
        self.params = ParamsForm()
        self.preview = PreviewPane()
        self.renderer = PreviewRenderer(self)
        self.last_draft = Draft(None, "Nothing to edit.")
        self.preview_current = False
        self._loading = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.check_now)
        self.messages.edited.connect(self._on_content_edited)
        self.params.edited.connect(self._on_content_edited)
        self.samples.edited.connect(self._on_samples_edited)
        self.renderer.preview_rendered.connect(self._on_renderer_preview_rendered)
        self.renderer.render_slow.connect(self._on_renderer_render_slow)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("promptEditorSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._titled("Messages", self.messages))
        self.splitter.addWidget(self._build_side())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def _build_side(self) -> QWidget:
        samples_scroll = QScrollArea()
        samples_scroll.setWidgetResizable(True)
        samples_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        samples_scroll.setWidget(self.samples)
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("promptSideSplitter")
        side.setChildrenCollapsible(False)
        side.addWidget(self._titled("Sample values", samples_scroll))
        side.addWidget(self._titled("Parameters", self.params))
        side.addWidget(self._titled("Preview", self.preview))
        side.setStretchFactor(0, 1)
        side.setStretchFactor(2, 3)
        side.setSizes([200, 240, 400])
        self.side_splitter = side
        return side

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(widget)
        return box

    # Content ---------------------------------------------------------------------------------

    def set_content(self, content: PromptContent) -> None:
        """Show ``content`` (a version, or a new prompt's starting point) and check it now."""
        self._loading = True
        try:
            self.messages.set_content(content)
            self.params.set_params(content.params)
        finally:
            self._loading = False
        self.check_now()

    def parts(self) -> list[tuple[str, str]]:
        """The editor's (role, text) parts."""
        return self.messages.parts()

    def current_content(self) -> PromptContent | None:
        """The content as edited, or None when it cannot be built (e.g. no messages)."""
        try:
            return build_content(self.parts(), self.params.params())
        except WorkbenchError:
            return None

    @Slot()
    def check_now(self) -> Draft:
        """Check the templates now, show errors and variables, and start a preview."""
        self._debounce.stop()
        draft = check_parts(self.parts(), self.params.params())
        self.last_draft = draft
        self.messages.show_errors(draft.errors)
        self.samples.set_variables(draft.variables)
        if draft.content is None:
            self.preview.show_text(draft.problem or "", error=True)
        elif draft.errors:
            self.preview.show_text(
                f"Fix the template error to see the preview.\n\n{draft.problem}", error=True
            )
        else:
            self.request_preview()
        self.checked.emit(draft)
        return draft

    def request_preview(self) -> None:
        """Render the current content with the sample values (on a worker thread)."""
        content = self.last_draft.content
        if content is None or self.last_draft.errors:
            return
        self.preview_current = False
        self.renderer.request(content, self.samples.values())

    # Slots -----------------------------------------------------------------------------------

    @Slot()
    def _on_content_edited(self) -> None:
        if self._loading:
            return
        self.preview_current = False
        self.edited.emit()
        self._debounce.start()

    @Slot()
    def _on_samples_edited(self) -> None:
        self.preview_current = False
        self._debounce.start()

    @Slot(object)
    def _on_renderer_preview_rendered(self, result: PreviewResult) -> None:
        self.preview_current = not self._debounce.isActive()
        self.preview.show_result(result)

    @Slot()
    def _on_renderer_render_slow(self) -> None:
        self.preview.show_text(
            "Still rendering after a second… Does a loop in the template run too long? "
            f"Rendering stops after {RENDER_LIMIT_MS // 1000} seconds, or as soon as you edit."
        )
