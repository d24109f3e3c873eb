"""How errors reach the user: a plain message for what they can fix, a crash dialog for bugs.

A :class:`~workbench.errors.WorkbenchError` carries a message fit to show as is, so it gets a
warning box. Anything else is a bug: it goes to ``sys.excepthook``, which :func:`install_excepthook`
points at a :class:`CrashDialog` with the traceback and a "Copy details" button, and the app keeps
running. Under pytest-qt the test's own hook is in place instead, so a bug fails the test.
"""

from __future__ import annotations

import platform
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.errors import WorkbenchError

MAX_OPEN_CRASH_DIALOGS = 3


def show_user_error(parent: QWidget | None, message: str, title: str = "Workbench") -> QMessageBox:
    """Show ``message`` in a window-modal warning box without blocking; return the box."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("userErrorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return box


def report_exception(error: BaseException, parent: QWidget | None = None) -> None:
    """Show ``error``: a message if the user can fix it, otherwise the bug's traceback."""
    if isinstance(error, WorkbenchError):
        show_user_error(parent, str(error))
    else:
        sys.excepthook(type(error), error, error.__traceback__)


def format_details(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    """The text "Copy details" puts on the clipboard: versions, then the traceback."""
    header = (
        f"GenAI Ops Workbench {__version__}\n"
        f"Python {platform.python_version()} on {platform.platform()}\n"
        f"Thread: {threading.current_thread().name}\n\n"
    )
    return header + "".join(traceback.format_exception(exc_type, exc, tb))


class CrashDialog(QDialog):
    """An unexpected error: what happened, the traceback, and a way to copy it."""

    def __init__(self, details: str, summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Unexpected error")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 460)
        self.details = details
        intro = QLabel(
            f"<b>Something went wrong: {_escape(summary)}</b><br>"
            "This is a bug in the workbench, not something you did. Your data is safe and the "
            "app keeps running. Please copy the details below into a bug report."
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(details)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setToolTip("Copy the versions and the traceback to the clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


class _ExceptionRelay(QObject):
    """Carries exceptions raised on other threads to the GUI thread."""

    raised = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.raised.connect(self._on_self_raised, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _on_self_raised(self, exc_type: object, exc: object, tb: object) -> None:
        show_crash_dialog(exc_type, exc, tb)  # type: ignore[arg-type]


_relay: _ExceptionRelay | None = None


def show_crash_dialog(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> CrashDialog | None:
    """Show the crash dialog for one exception (at most a few at once; the rest go to stderr)."""
    traceback.print_exception(exc_type, exc, tb)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    open_dialogs = [
        w for w in app.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()
    ]
    if len(open_dialogs) >= MAX_OPEN_CRASH_DIALOGS:
        return None
    active = app.activeWindow()
    parent = active if active is not None and active.isVisible() else None
    dialog = CrashDialog(format_details(exc_type, exc, tb), f"{exc_type.__name__}: {exc}", parent)
    dialog.show()
    return dialog


def install_excepthook() -> None:
    """Route uncaught exceptions (GUI and worker threads) to the crash dialog."""
    global _relay
    relay = _relay = _ExceptionRelay()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
        elif threading.current_thread() is threading.main_thread():
            show_crash_dialog(exc_type, exc, tb)
        else:
            relay.raised.emit(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def _escape(text: str) -> str:
    text = text if len(text) <= 300 else text[:299] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
