"""Unsaved edits at quit: what a page says it would lose, and the question the window asks.

A page (any widget in the sidebar, see :mod:`workbench.ui.pages`) that holds edits the store
does not have yet defines ``unsaved_changes() -> str | None``: one line naming what closing the
window now would lose, or None. Two optional methods go with it:

- ``show_unsaved_changes()`` brings the edits on screen (the tab inside the page that has them);
- ``save_unsaved_changes(then)`` saves them the way the page's own Save does and calls ``then``
  once they are stored. A save that is refused, cancelled or fails never calls ``then`` (the
  page says why), so the window stays open with the edits.

The main window asks every page before it closes, whichever way the close came (its close
button, File › Quit, Ctrl+Q, ``QApplication.quit()``). With edits, :func:`ask_about_unsaved_edits`
lists them and offers "Discard and quit", "Go back" to the first page with edits, and "Save and
quit…" only when every page with edits can save. Quitting with no edits asks nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

QuitAnswer = Literal["save", "discard", "go_back"]


@dataclass(frozen=True)
class UnsavedEdits:
    """The unsaved edits of one page: its sidebar key and title, and what they are."""

    key: str
    title: str
    description: str
    page: QWidget

    @property
    def can_save(self) -> bool:
        """Whether the page can save them (and say when it could not)."""
        return callable(getattr(self.page, "save_unsaved_changes", None))

    def show(self) -> None:
        """Bring the edits on screen inside their page (the page itself is shown by the caller)."""
        reveal = getattr(self.page, "show_unsaved_changes", None)
        if callable(reveal):
            reveal()

    def save(self, then: Callable[[], object]) -> None:
        """Save the edits; ``then`` runs once they are stored, never after a failed save."""
        save = getattr(self.page, "save_unsaved_changes", None)
        if callable(save):
            save(then)


def find_unsaved_edits(pages: Iterable[tuple[str, str, QWidget]]) -> list[UnsavedEdits]:
    """The unsaved edits of the ``(key, title, page)`` pages that report any, in their order."""
    found = []
    for key, title, page in pages:
        unsaved_changes = getattr(page, "unsaved_changes", None)
        description = unsaved_changes() if callable(unsaved_changes) else None
        if description:
            found.append(UnsavedEdits(key, title, str(description), page))
    return found


def ask_about_unsaved_edits(
    parent: QWidget, edits: Sequence[UnsavedEdits], on_answer: Callable[[QuitAnswer], None]
) -> QMessageBox:
    """Ask, window-modal and without blocking, whether to quit although ``edits`` are unsaved;
    ``on_answer`` gets the answer (closing the box is "go_back"). Returns the box."""
    assert edits, "nothing to ask about"
    can_save = all(edit.can_save for edit in edits)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Unsaved changes",
        "Quit without saving your changes?",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("unsavedEditsBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    listed = "\n".join(f"• {edit.description}" for edit in edits)
    if can_save:
        choice = "Save them and quit, go back to them, or discard them and quit."
    else:
        choice = "Go back to save them, or discard them and quit."
    box.setInformativeText(f"Not saved yet:\n{listed}\n\n{choice}")
    answers: dict[str, QuitAnswer] = {
        "saveAndQuitButton": "save",
        "discardAndQuitButton": "discard",
    }
    save: QPushButton | None = None
    if can_save:
        save = box.addButton("Save and quit…", QMessageBox.ButtonRole.AcceptRole)
        save.setObjectName("saveAndQuitButton")
    discard = box.addButton("Discard and quit", QMessageBox.ButtonRole.DestructiveRole)
    discard.setObjectName("discardAndQuitButton")
    go_back = box.addButton(f"Go back to {edits[0].title}", QMessageBox.ButtonRole.RejectRole)
    go_back.setObjectName("goBackButton")
    box.setDefaultButton(go_back if save is None else save)
    box.setEscapeButton(go_back)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished() -> None:
        clicked = box.clickedButton()
        on_answer(answers.get(clicked.objectName(), "go_back") if clicked else "go_back")

    box.finished.connect(finished)
    box.open()
    return box
