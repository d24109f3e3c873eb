"""The main window: sidebar pages, menus, shortcuts, status bar, geometry, drag and drop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QLabel

from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.ui.pages.placeholder import PLACEHOLDERS

PAGE_KEYS = ["models", "playground", "prompts", "evaluations", "bias", "governance", "reports"]


def test_sidebar_lists_every_area_in_order(window: Any) -> None:
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]

    assert titles == [
        "Models",
        "Playground",
        "Prompts",
        "Evaluations",
        "Bias",
        "Governance",
        "Reports",
    ]
    assert all(window.sidebar.item(i).toolTip() for i in range(window.sidebar.count()))
    assert [
        menu.title() for menu in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
    ]


def test_ctrl_number_switches_pages(qtbot: Any, window: Any) -> None:
    window.activateWindow()  # shortcuts fire in the active window only
    qtbot.waitUntil(window.isActiveWindow)
    for number, key in enumerate(PAGE_KEYS, start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_key() == key
        assert window.sidebar.currentRow() == number - 1


def test_placeholder_pages_say_what_will_come(window: Any) -> None:
    from workbench.ui.pages.placeholder import PlaceholderPage

    for placeholder in PLACEHOLDERS:
        page = window.pages[placeholder.key]
        if not isinstance(page, PlaceholderPage):
            continue  # that area has its real page now
        text = " ".join(label.text() for label in page.findChildren(QLabel))
        assert placeholder.title in text
        assert placeholder.coming[0] in text


def test_menus_have_the_usual_entries(window: Any) -> None:
    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert {"File", "Edit", "View", "Help"} <= set(menus)
    edit_entries = [a.text() for a in menus["Edit"].actions()]
    assert {"Undo", "Copy", "Paste", "Settings…"} <= set(edit_entries)
    assert "Quit" in [a.text() for a in menus["File"].actions()]


def test_status_bar_says_no_model_is_loaded(window: Any) -> None:
    assert window.status.model_labels["A"].text() == "No model loaded"
    assert not window.status.model_labels["B"].isVisible()


def test_inventory_table_shows_the_demo_model(window: Any) -> None:
    table = window.context.inventory
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    row = [table.index(0, c).data() for c in range(table.columnCount())]

    assert headers == [
        "Name",
        "Loaded",
        "Architecture",
        "Parameters",
        "Quantization",
        "Size",
        "Context",
        "SHA-256",
    ]
    assert row[0] == DEFAULT_MODEL_NAME
    assert row[2] == "llama"
    assert row[3] == "134.5M"
    assert row[4] == "Q4_1"
    assert row[6] == "8192"
    assert len(row[7]) == 12


def test_details_pane_shows_every_gguf_field(window: Any) -> None:
    window.models_page.select_model(DEFAULT_MODEL_NAME)
    details = window.models_page.details
    record = window.models_page.selected_record()

    assert details.title.text() == DEFAULT_MODEL_NAME
    assert details.fact_labels["sha256"].text() == record.sha256
    assert details.metadata.rowCount() == len(record.metadata)
    assert details.metadata.value("general.architecture") == "llama"
    details.filter.setText("tokenizer")
    assert 0 < details.proxy.rowCount() < details.metadata.rowCount()


def test_window_geometry_splitters_and_page_are_restored(make_window: Any) -> None:
    first = make_window()
    first.setGeometry(100, 80, 1100, 760)
    first.show_page("playground")
    first.playground.splitter.setSizes([300, 500, 280])
    sizes = first.playground.splitter.sizes()
    first.close()

    second = make_window()

    assert second.geometry().size().toTuple() == (1100, 760)
    assert second.current_page_key() == "playground"
    assert second.playground.splitter.sizes() == sizes


def test_dragging_non_gguf_files_is_refused(ui: Any, window: Any, tmp_path: Path) -> None:
    event, _mime = ui.drag_event(QDragEnterEvent, [tmp_path / "notes.txt"])
    window.dragEnterEvent(event)
    assert not event.isAccepted()

    accepted, _mime = ui.drag_event(QDragEnterEvent, [tmp_path / "model.GGUF"])
    window.dragEnterEvent(accepted)
    assert accepted.isAccepted()


@pytest.mark.parametrize("key", ["sidebar", "inventoryTable", "messageInput", "sendButton"])
def test_widgets_have_object_names_for_styling_and_tests(window: Any, key: str) -> None:
    from PySide6.QtWidgets import QWidget

    assert window.findChild(QWidget, key) is not None


def test_every_button_explains_itself(window: Any) -> None:
    from PySide6.QtWidgets import QAbstractButton, QCheckBox

    unexplained = [
        button.text() or button.objectName()
        for button in window.findChildren(QAbstractButton)
        if button.isVisibleTo(window)
        and not isinstance(button, QCheckBox)
        and not button.toolTip()
        and button.parent() is not None
        and "qt_" not in button.objectName()
    ]
    assert unexplained == []
