"""UI test fixtures: offscreen Qt, a main-window factory over a private home, the demo model.

``QT_QPA_PLATFORM`` is set before anything creates a QApplication. Windows made by
``make_window`` are closed at teardown (dropping any unsaved edits a test left), which stops their
model hosts and waits for their worker threads, so no test leaks a process or a thread into the
next.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Offscreen, on a 1920x1200 screen (the plugin's default, 800x800, is smaller than the window).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    screen = Path(__file__).with_name("offscreen_screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"

from workbench.ui.qt_compat import guard_singletons

guard_singletons()  # PySide6 6.12.0 on Python 3.11 drops references: see workbench.ui.qt_compat

#: A Qt message that is a fact of the offscreen test platform, not a problem of the app
#: (qutebrowser ignores the same one); it would sit better in pyproject's qt_log_ignore.
OFFSCREEN_NOISE = r"^This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen platform's noise in every UI test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


#: pytest-qt gives up waiting after 5 s. A background read that takes milliseconds here can take
#: longer on a loaded 2-core CI machine; a wait that succeeds returns at once, so the longer limit
#: only costs time when a test fails anyway. A test's own ``timeout=`` still wins.
PATIENT_WAIT_MS = 30_000


@pytest.fixture
def qtbot(qtbot: Any) -> Any:
    """pytest-qt's ``qtbot`` whose waits default to :data:`PATIENT_WAIT_MS`."""

    def patient(wait: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(wait)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", PATIENT_WAIT_MS)
            return wait(*args, **kwargs)

        return wrapper

    for name in ("waitUntil", "waitSignal", "waitSignals", "waitExposed", "waitActive"):
        setattr(qtbot, name, patient(getattr(qtbot, name)))
    return qtbot


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with the demo model registered (hashed once per session, then copied)."""
    from workbench.bootstrap import initialise_store
    from workbench.paths import database_path
    from workbench.store import open_store

    home = tmp_path_factory.mktemp("seed-home")
    with open_store(home) as store:
        initialise_store(store)
    return database_path(home)


WindowFactory = Callable[..., Any]


@pytest.fixture
def make_window(qtbot: Any, home: Path, seeded_database: Path) -> Iterator[WindowFactory]:
    """Build a shown main window over ``home`` whose store is open.

    ``seeded=True`` starts from a store where the demo model is registered; ``seeded=False``
    from an empty one (no demo model). ``host_factory`` replaces the real model hosts.
    """
    from workbench.paths import database_path
    from workbench.ui.app import create_main_window

    windows = []

    def make(*, seeded: bool = True, host_factory: Any = None) -> Any:
        home.mkdir(parents=True, exist_ok=True)
        if seeded and not database_path(home).exists():
            shutil.copy(seeded_database, database_path(home))
        window = create_main_window(home, host_factory=host_factory)
        qtbot.addWidget(window)
        windows.append(window)
        window.restore_state()
        window.show()
        qtbot.waitExposed(window)
        finished: list[bool] = []
        window.context.bootstrap_finished.connect(lambda: finished.append(True))
        window.context.open_store(bootstrap=seeded)
        qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
        return window

    yield make
    for window in windows:
        window.close_discarding_edits()  # a test may leave edits: no question at teardown


@pytest.fixture
def window(make_window: WindowFactory) -> Any:
    """A main window over a store holding the demo model."""
    return make_window()


LOAD_TIMEOUT_MS = 60_000
REPLY_TIMEOUT_MS = 120_000


class UiSteps:
    """Steps the UI tests share, done the way a user does them."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    def load_demo_model(self, window: Any, slot: str = "A") -> None:
        """Select the demo model on the Models page and load it in ``slot``."""
        from workbench.inventory.default_model import DEFAULT_MODEL_NAME

        page = window.models_page
        window.show_page("models")
        page.select_model(DEFAULT_MODEL_NAME)
        assert page.selected_record() is not None
        action = page.load_action if slot == "A" else page.load_b_action
        with self.qtbot.waitSignal(
            window.context.hosts[slot].model_loaded, timeout=LOAD_TIMEOUT_MS
        ):
            action.trigger()

    def send_message(self, window: Any, text: str) -> None:
        """Type ``text`` in the playground and press Ctrl+Enter."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        window.show_page("playground")
        # Shortcuts only fire in the active window (a closed message box may have had it).
        window.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        page = window.playground
        page.input.setPlainText(text)
        page.input.setFocus()
        self.qtbot.keyClick(page.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert page.generating, page.hint.text()

    def wait_until_idle(self, window: Any) -> None:
        """Wait until no lane streams any more."""
        self.qtbot.waitUntil(lambda: not window.playground.generating, timeout=REPLY_TIMEOUT_MS)

    @staticmethod
    def drag_event(cls: type, paths: list[Path]) -> tuple[Any, Any]:
        """A drag-enter or drop event carrying ``paths`` (keep the mime data alive with it)."""
        from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
        from PySide6.QtGui import QDragEnterEvent

        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        # Qt's C++ signatures differ: QDragEnterEvent takes a QPoint, QDropEvent a QPointF
        # (PySide6 6.12 converts implicitly, 6.11 does not).
        position = QPoint(50, 50) if issubclass(cls, QDragEnterEvent) else QPointF(50, 50)
        event = cls(
            position,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        return event, mime


@pytest.fixture
def ui(qtbot: Any) -> UiSteps:
    """Shared UI steps (load the demo model, send a message, wait for replies, drag files)."""
    return UiSteps(qtbot)
