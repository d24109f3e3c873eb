"""Settings persisted across restarts, the theme, and how errors reach the user."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from workbench.errors import InvalidModelFileError
from workbench.store import open_store
from workbench.store.audit import list_entries
from workbench.store.settings_repo import get_setting
from workbench.ui.error_dialogs import CrashDialog, install_excepthook, report_exception
from workbench.ui.settings_dialog import SettingsDialog
from workbench.ui.theme import apply_theme


def test_settings_round_trip_across_restarts(
    qtbot: Any, make_window: Any, home: Path, tmp_path: Path
) -> None:
    window = make_window()
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.isVisible()
    dialog.add_folder(str(tmp_path / "models"))
    dialog.threads.setValue(3)
    dialog.gpu_layers.set_value(-1)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80
    # The Models page picks up the new defaults for loading.
    assert window.models_page.load_panel.threads.value() == 3
    assert window.models_page.load_panel.gpu_layers.value() == -1
    window.close()  # waits for the save

    with open_store(home) as store:
        assert get_setting(store, "ui.theme") == "dark"
        assert get_setting(store, "engine.default_threads") == 3
        assert get_setting(store, "engine.default_gpu_layers") == -1
        assert get_setting(store, "ui.model_folders") == [str(tmp_path / "models")]
        audited = {e.subject for e in list_entries(store, action="settings.changed")}
    assert {"ui.theme", "engine.default_threads", "ui.model_folders"} <= audited

    reopened = make_window()
    preferences = reopened.context.preferences
    assert preferences.theme == "dark"
    assert preferences.default_threads == 3
    assert preferences.default_gpu_layers == -1
    assert preferences.model_folders == (str(tmp_path / "models"),)
    again = reopened.open_settings()
    assert again.threads.value() == 3
    assert again.theme.currentData() == "dark"
    again.reject()


def test_cancelling_settings_changes_nothing(qtbot: Any, window: Any) -> None:
    before = window.context.preferences
    dialog = window.open_settings()
    dialog.threads.setValue(9)
    dialog.reject()
    assert window.context.preferences == before


def test_resizing_the_window_does_not_touch_the_audit_log(
    qtbot: Any, make_window: Any, home: Path
) -> None:
    window = make_window()
    with open_store(home) as store:
        before = len(list_entries(store))
    window.resize(900, 600)
    window.close()
    with open_store(home) as store:
        assert len(list_entries(store)) == before
    assert (home / "ui-state.ini").is_file()


@pytest.mark.parametrize("theme", ["light", "dark", "system"])
def test_themes_apply(qapp: Any, theme: str) -> None:
    scheme = apply_theme(qapp, theme)
    window_color = QApplication.palette().color(QPalette.ColorRole.Window)
    assert scheme in ("light", "dark")
    assert (window_color.lightness() < 128) == (scheme == "dark")
    apply_theme(qapp, "light")


def test_crash_dialog_shows_the_traceback_and_copies_it(qtbot: Any) -> None:
    try:
        raise ValueError("something internal broke")
    except ValueError as exc:
        error = exc
    from workbench.ui.error_dialogs import format_details

    dialog = CrashDialog(format_details(type(error), error, error.__traceback__), "ValueError: x")
    qtbot.addWidget(dialog)
    dialog.show()

    assert "something internal broke" in dialog.text.toPlainText()
    assert "Traceback" in dialog.text.toPlainText()
    dialog.copy_button.click()
    assert "something internal broke" in QGuiApplication.clipboard().text()


@pytest.mark.qt_no_exception_capture
def test_an_unexpected_exception_shows_the_crash_dialog_and_the_app_keeps_running(
    qtbot: Any, window: Any, capsys: Any
) -> None:
    old_hooks = sys.excepthook, threading.excepthook
    install_excepthook()
    try:

        def buggy_slot() -> None:
            raise RuntimeError("a bug in a slot")

        QTimer.singleShot(0, buggy_slot)
        qtbot.waitUntil(lambda: _visible(CrashDialog) is not None)
    finally:
        sys.excepthook, threading.excepthook = old_hooks
    dialog = _visible(CrashDialog)
    assert "a bug in a slot" in dialog.details
    dialog.close()
    assert "a bug in a slot" in capsys.readouterr().err  # also on stderr, for logs
    # Still usable.
    window.show_page("playground")
    assert window.current_page_key() == "playground"


def test_user_errors_show_as_a_plain_message(qtbot: Any, window: Any) -> None:
    report_exception(InvalidModelFileError("x.gguf: not a GGUF file."), window)

    box = window.findChild(QMessageBox, "userErrorBox")
    assert box is not None
    assert box.text() == "x.gguf: not a GGUF file."
    assert box.icon() == QMessageBox.Icon.Warning
    box.accept()


def test_bugs_in_background_work_go_to_the_excepthook(qtbot: Any, window: Any) -> None:
    def broken(task: Any) -> None:
        raise KeyError("bug in a worker")

    with qtbot.capture_exceptions() as exceptions:
        window.context.run(broken, parent=window).run_in_background()
        qtbot.waitUntil(lambda: bool(exceptions))
    assert isinstance(exceptions[0][1], KeyError)


def _visible(cls: type) -> Any:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()), None
    )
