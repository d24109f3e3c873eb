"""Starting the desktop app: ``run_app(home)`` is what ``workbench`` without a command calls.

The window is shown first; the store is opened (and, on a first start, the demo model hashed and
registered) on a worker thread, so the window appears in about a second whatever the disk does.
Only this package imports Qt, and only when the app starts, so ``workbench --help`` stays light.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from workbench import __version__
from workbench.ui.context import AppContext, SlotHostFactory
from workbench.ui.error_dialogs import install_excepthook
from workbench.ui.icons import app_icon
from workbench.ui.main_window import MainWindow
from workbench.ui.preferences import ui_state_path
from workbench.ui.qt_compat import guard_singletons
from workbench.ui.theme import apply_theme

APP_NAME = "GenAI Ops Workbench"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named and with HiDPI-friendly settings."""
    guard_singletons()  # before Qt is used in earnest: see qt_compat
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName("genai-ops-workbench")
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setWindowIcon(app_icon())
    QGuiApplication.setDesktopFileName("genai-ops-workbench")
    # The charts' library takes about a quarter of a second to import, most of it loading Qt's
    # OpenGL libraries with the GIL held. Imported on the GUI thread when a chart first shows,
    # or on a worker later, it froze the window for 100-300 ms (benchmarks/ui_latency.py); here,
    # before any window exists, it costs only start-up time.
    importlib.import_module("pyqtgraph")
    return app


def create_main_window(home: Path, *, host_factory: SlotHostFactory | None = None) -> MainWindow:
    """A main window over the store in ``home`` (not shown, store not yet opened)."""
    home.mkdir(parents=True, exist_ok=True)
    context = AppContext(home, host_factory=host_factory)
    return MainWindow(context)


def _startup_theme(home: Path) -> str:
    # The theme lives in the store, which opens in the background; the last one applied is
    # mirrored in the view-state file so the first paint already has the right colours.
    value = QSettings(str(ui_state_path(home)), QSettings.Format.IniFormat).value("theme/applied")
    return value if isinstance(value, str) else "system"


def open_main_window(home: Path, *, host_factory: SlotHostFactory | None = None) -> MainWindow:
    """Show the main window over the store in ``home`` (themed from the first paint) and start
    opening the store in the background; the caller runs the event loop."""
    app = create_application()
    home.mkdir(parents=True, exist_ok=True)
    apply_theme(app, _startup_theme(home))
    window = create_main_window(home, host_factory=host_factory)
    window.context.preferences_changed.connect(
        lambda prefs: window.context.ui_state.setValue("theme/applied", prefs.theme)
    )
    # Every quit closes the window first (and asks about unsaved edits); this covers an exit
    # that skips the close. The window shuts down once either way.
    app.aboutToQuit.connect(window.shutdown)
    window.start()
    return window


def run_app(home: Path) -> int:
    """Create the app, show the main window over the store in ``home``, run the event loop."""
    app = create_application()
    install_excepthook()
    window = open_main_window(home)
    code = app.exec()
    del window
    return code
