"""Keeps the main window open while the Prompts page holds unsaved edits, until the user has
saved or discarded them (the main window offers no hook for this, so an event filter does it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class WindowCloseGuard(QObject):
    """Stops a window's close while ``is_dirty()``; shows page ``page_key`` and calls
    ``settle(then)``, which runs ``then`` (closing the window again) once edits are saved or
    discarded."""

    def __init__(
        self,
        page_key: str,
        is_dirty: Callable[[], bool],
        settle: Callable[[Callable[[], object]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.page_key = page_key
        self._is_dirty = is_dirty
        self._settle = settle
        self.window: QWidget | None = None

    def watch(self, window: QWidget) -> None:
        """Guard ``window`` (once; watching another window stops guarding the first)."""
        if window is self.window:
            return
        if self.window is not None:
            self.window.removeEventFilter(self)
        window.installEventFilter(self)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Intercept the window's close event while there are unsaved edits."""
        window = self.window
        if (
            window is None
            or watched is not window
            or event.type() != QEvent.Type.Close
            or not self._is_dirty()
        ):
            return super().eventFilter(watched, event)
        event.ignore()
        show_page = getattr(window, "show_page", None)
        if callable(show_page):
            show_page(self.page_key)
        # Closed again from the event loop, not from inside this close event.
        self._settle(lambda: QTimer.singleShot(0, window.close))
        return True
