"""The Models page: adding (file dialog, drop, folder scan), refusing bad files, load/unload."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.ui.dialogs import FoundFilesDialog
from workbench.ui.widgets.load_settings_panel import GpuLayersChooser


def _names(window: Any) -> list[str]:
    return [record.name for record in window.context.inventory.records()]


def _user_error(qtbot: Any, window: Any) -> QMessageBox:
    qtbot.waitUntil(
        lambda: window.findChild(QMessageBox, "userErrorBox") is not None, timeout=60_000
    )
    box = window.findChild(QMessageBox, "userErrorBox")
    assert box.isVisible()
    return box


def test_add_model_with_the_file_dialog(
    qtbot: Any, make_window: Any, demo_model_path: Path
) -> None:
    window = make_window(seeded=False)
    assert _names(window) == []

    window.models_page.add_action.trigger()
    dialog = window.findChild(QFileDialog)
    assert dialog is not None
    assert dialog.isVisible()
    dialog.filesSelected.emit([str(demo_model_path)])
    dialog.close()
    qtbot.waitUntil(lambda: _names(window) == ["smollm2-135m-8k-lc100k-mix1-ep2"], timeout=60_000)

    record = window.models_page.selected_record()
    assert record is not None
    assert record.path == str(demo_model_path)
    assert window.models_page.details.title.text() == record.name


def test_dropping_a_gguf_file_adds_it(
    qtbot: Any, ui: Any, window: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    copy = tmp_path / "my-model.gguf"
    shutil.copy(demo_model_path, copy)
    window.show_page("playground")

    event, _mime = ui.drag_event(QDropEvent, [copy])
    window.dropEvent(event)

    assert event.isAccepted()
    assert window.current_page_key() == "models"
    qtbot.waitUntil(lambda: len(_names(window)) == 2, timeout=60_000)


def test_a_bad_gguf_file_shows_an_error_dialog(qtbot: Any, window: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"PK\x03\x04 this is a zip file, not a model" * 10)

    window.models_page.add_model_files([bad])

    box = _user_error(qtbot, window)
    assert "not a GGUF file" in box.text()
    assert "broken.gguf" in box.text()
    box.accept()
    assert _names(window) == [DEFAULT_MODEL_NAME]


def test_a_truncated_gguf_file_is_refused_with_a_clear_message(
    qtbot: Any, window: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(demo_model_path.read_bytes()[:5_000_000])

    window.models_page.add_model_files([truncated])

    assert "truncated" in _user_error(qtbot, window).text()


def test_adding_a_registered_file_again_says_so(
    qtbot: Any, window: Any, demo_model_path: Path
) -> None:
    window.models_page.add_model_files([demo_model_path])

    assert "already in the inventory" in _user_error(qtbot, window).text()


def test_remove_asks_first_and_keeps_the_file(
    qtbot: Any, window: Any, demo_model_path: Path
) -> None:
    page = window.models_page
    page.select_model(DEFAULT_MODEL_NAME)
    page.remove_action.trigger()
    box = window.findChild(QMessageBox, "confirmBox")
    assert box is not None
    yes = next(b for b in box.buttons() if b.text() == "Remove")

    yes.click()

    qtbot.waitUntil(lambda: _names(window) == [])
    assert demo_model_path.is_file()


def test_scan_folders_offers_new_gguf_files(
    qtbot: Any, window: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    folder = tmp_path / "models"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(demo_model_path, folder / "nested" / "found.gguf")
    (folder / "readme.txt").write_text("not a model")
    from workbench.ui.preferences import Preferences

    window.context.save_preferences(Preferences(model_folders=(str(folder),)))
    window.models_page.scan_action.trigger()

    qtbot.waitUntil(lambda: window.findChild(FoundFilesDialog) is not None)
    dialog = window.findChild(FoundFilesDialog)
    assert [p.name for p in dialog.selected_paths()] == ["found.gguf"]
    dialog.accept()
    qtbot.waitUntil(lambda: len(_names(window)) == 2, timeout=60_000)


def test_gpu_layers_offer_none_all_or_a_number(qtbot: Any) -> None:
    chooser = GpuLayersChooser()
    qtbot.addWidget(chooser)
    assert chooser.value() == 0
    chooser.set_value(-1)
    assert chooser.mode.currentText() == "All layers"
    assert chooser.value() == -1
    chooser.set_value(12)
    assert chooser.mode.currentText() == "Custom"
    assert chooser.value() == 12


def test_load_and_unload_show_in_the_status_bar(qtbot: Any, ui: Any, window: Any) -> None:
    page = window.models_page
    page.select_model(DEFAULT_MODEL_NAME)
    page.load_panel.context_size.setValue(1024)
    page.load_panel.threads.setValue(2)
    page.load_panel.seed.setValue(7)

    ui.load_demo_model(window)

    info = window.context.hosts["A"].info
    assert info.settings.context_size == 1024
    assert info.settings.threads == 2
    assert info.settings.seed == 7
    status = window.status.model_labels["A"].text()
    assert DEFAULT_MODEL_NAME in status
    assert "ctx 1024" in status
    assert "2 threads" in status
    assert "CPU only" in status
    assert window.context.inventory.index(0, 1).data() == "A"

    with qtbot.waitSignal(window.context.hosts["A"].model_unloaded, timeout=30_000):
        page.unload_action.trigger()
    assert window.status.model_labels["A"].text() == "No model loaded"
    assert window.context.inventory.index(0, 1).data() == ""


def test_loading_a_missing_file_shows_the_error_in_the_window(
    qtbot: Any, window: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    moved = tmp_path / "moving.gguf"
    shutil.copy(demo_model_path, moved)
    window.models_page.add_model_files([moved])
    qtbot.waitUntil(lambda: len(_names(window)) == 2, timeout=60_000)
    moved.unlink()
    (added,) = set(_names(window)) - {DEFAULT_MODEL_NAME}
    window.models_page.select_model(added)

    window.models_page.load_action.trigger()

    box = _user_error(qtbot, window)
    assert "moving.gguf" in box.text()
    QTimer.singleShot(0, box.accept)
    assert window.context.hosts["A"].info is None


def test_hashing_a_large_file_shows_progress_and_can_be_cancelled(
    qtbot: Any, window: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    from PySide6.QtWidgets import QProgressBar, QToolButton

    big = tmp_path / "big.gguf"
    shutil.copy(demo_model_path, big)
    with open(big, "r+b") as handle:  # sparse padding: a 4 GiB file that costs no disk
        handle.truncate(4 * 1024**3)

    window.models_page.add_model_files([big])
    qtbot.waitUntil(lambda: window.status.findChild(QProgressBar) is not None, timeout=30_000)
    bar = window.status.findChild(QProgressBar)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() > 0, timeout=60_000)
    cancel = next(b for b in window.status.findChildren(QToolButton) if b.toolTip() == "Cancel")
    cancel.click()

    qtbot.waitUntil(lambda: window.context.ops.running_count == 0, timeout=30_000)
    assert "cancelled" in window.status.currentMessage()
    assert _names(window) == [DEFAULT_MODEL_NAME]
