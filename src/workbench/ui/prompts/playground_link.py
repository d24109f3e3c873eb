"""“Open in playground”: the rendered prompt and its parameters go to the Playground page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from workbench.engine.messages import ChatMessage
from workbench.ui.error_dialogs import show_user_error
from workbench.ui.prompts.renderer import PreviewResult

if TYPE_CHECKING:
    from workbench.ui.pages.prompts_page import PromptsPage


def open_in_playground(page: PromptsPage) -> None:
    """Send the page's prompt, rendered with its sample values, to the Playground; if the
    preview is not up to date, render first (on the worker) and send when it is done."""
    editor = page.editor
    if editor.preview_current and editor.preview.result is not None:
        send_to_playground(page, editor.preview.result)
        return
    draft = editor.check_now()
    if not draft.savable:
        show_user_error(page, f"The prompt cannot be rendered: {draft.problem}", title="Prompts")
        return
    editor.renderer.preview_rendered.connect(
        lambda result: send_to_playground(page, result), Qt.ConnectionType.SingleShotConnection
    )


def send_to_playground(page: PromptsPage, result: PreviewResult) -> bool:
    """Put a rendered prompt into the Playground and switch to it; False (and a message) when
    it cannot go there."""
    if result.error is not None or result.rendered is None:
        show_user_error(page, f"The prompt cannot be rendered: {result.error}", title="Prompts")
        return False
    if result.placeholders:
        names = ", ".join(result.placeholders)
        show_user_error(
            page,
            f"Give a sample value for {names} first (Editor → Sample values): the playground "
            "sends exactly what the preview shows.",
            title="Prompts",
        )
        return False
    window = page.window()
    pages = getattr(window, "pages", {})
    playground = pages.get("playground") if isinstance(pages, dict) else None
    if playground is None or not hasattr(playground, "open_rendered_prompt"):
        show_user_error(page, "This window has no playground to open the prompt in.")
        return False
    request = result.rendered.to_generation_request()
    messages = request.messages
    if request.prompt is not None:  # the playground chats: a completion goes as one user turn
        messages = (ChatMessage("user", request.prompt),)
    if not playground.open_rendered_prompt(messages, request.sampling):
        show_user_error(
            page, "The playground is busy with a reply: stop it (Esc) first.", title="Prompts"
        )
        return False
    show_page = getattr(window, "show_page", None)
    if callable(show_page):
        show_page("playground")
    if isinstance(window, QMainWindow):
        note = " (as one user message: the playground chats)" if request.prompt else ""
        window.statusBar().showMessage(
            f"Opened {page.current_name} in the playground{note}: press Ctrl+Enter to send.", 8000
        )
    return True
