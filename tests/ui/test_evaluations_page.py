"""The Evaluations page in the window: a real run of a tiny suite on the demo model fills the
grid live, a cell's detail shows what happened, and Cancel stops a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from workbench.evals import CellFinished, load_suite_text, save_suite
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store

RUN_TIMEOUT_MS = 180_000

TINY_SUITE = f"""
name: tiny-lamps
prompts:
  - id: terse
    messages:
      - {{role: system, content: Answer in one short sentence.}}
      - {{role: user, content: '{{{{ message }}}}'}}
  - id: plain
    template: "Question: {{{{ message }}}}\\nAnswer:"
models:
  - {DEFAULT_MODEL_NAME}
sampling: {{temperature: 0, max_tokens: 8}}
tests:
"""


def store_suite(home: Path, n_cases: int, name: str = "tiny-lamps") -> None:
    cases = "".join(
        f"  - id: case-{i}\n    description: Case {i}\n    tags: [{'odd' if i % 2 else 'even'}]\n"
        f"    vars: {{message: 'My lamp number {i} flickers. What should I do?'}}\n"
        "    assert: [{type: icontains-any, value: [lamp, bulb, light]}]\n"
        for i in range(n_cases)
    )
    suite = load_suite_text(TINY_SUITE.replace("tiny-lamps", name) + cases)
    with open_store(home) as store:
        save_suite(store, suite, origin="test")


def open_page(window: Any, qtbot: Any, suite: str) -> Any:
    page = window.pages["evaluations"]
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        window.show_page("evaluations")
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        page.refresh()
    assert page.select_suite(suite)
    return page


def test_run_fills_the_grid_and_a_cell_shows_its_detail(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 2)
    page = open_page(window, qtbot, "tiny-lamps")
    filled: list[int] = []
    page.matrix.dataChanged.connect(lambda *_: filled.append(page.matrix.n_finished))
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        assert not page.run_button.isEnabled()
        assert page.cancel_button.isEnabled()
    run = finished.args[0]
    assert run.status == "finished"
    assert run.n_done == 4
    assert filled
    assert filled[0] < 4
    assert page.matrix.rowCount() == 2
    assert page.matrix.columnCount() == 2
    assert page.matrix.n_finished == 4
    assert page.run_button.isEnabled()
    assert not page.cancel_button.isEnabled()
    assert page.summary.model.rowCount() == 2

    page.grid.setCurrentIndex(page.filter.index(1, 1))
    detail = page.detail
    assert detail.cell is not None
    assert detail.cell.case_id == "case-1"
    qtbot.waitUntil(lambda: "Question: My lamp number 1" in detail.toPlainText(), timeout=10_000)
    text = detail.toPlainText()
    assert "icontains-any" in text
    assert "Timings" in text
    assert "Word diff against terse" in text

    page.tag_box.setCurrentText("odd")
    assert page.filter.rowCount() == 1
    page.tabs.setCurrentWidget(page.summary)
    assert page.summary.chart is not None


def test_cancel_stops_the_run_before_every_cell_ran(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 12, name="long-lamps")
    page = open_page(window, qtbot, "long-lamps")

    def cancel_after_first(event: object) -> None:
        if isinstance(event, CellFinished):
            page.cancel_run()

    page._relay.event_arrived.connect(cancel_after_first)
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
    run = finished.args[0]
    assert run.status == "cancelled"
    assert 1 <= run.n_done < run.n_cells == 24
    assert page.run_button.isEnabled()
    assert "cancelled" in page.status.text()


def test_an_earlier_run_opens_in_the_grid_and_serves_as_a_baseline(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 2)
    page = open_page(window, qtbot, "tiny-lamps")
    runs = []
    for _ in range(2):
        with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            page.start_run()
        runs.append(finished.args[0].id)
    first, second = runs
    page.matrix.set_layout([], [])
    page.shown_run_id = None
    with qtbot.waitSignal(page.run_loaded, timeout=10_000):
        page.show_run(second)
    assert page.matrix.n_finished == 4
    assert page.filter.rowCount() == 2
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        page.refresh()
    # Same prompts, same model, temperature 0: nothing regressed, so no case stays shown.
    with qtbot.waitSignal(page.regressions_found, timeout=10_000) as found:
        page.baseline_box.setCurrentIndex(page.baseline_box.findData(first))
    assert found.args[0].n_regressed == 0
    assert page.filter.rowCount() == 0
    assert "0 cells regressed" in page.status.text()
    page.baseline_box.setCurrentIndex(0)
    assert page.filter.rowCount() == 2


def test_import_adds_the_suite_and_selects_it(window: Any, qtbot: Any, tmp_path: Path) -> None:
    page = open_page(window, qtbot, "support-reply-smoke")
    path = tmp_path / "imported.yaml"
    path.write_text(
        TINY_SUITE.replace("tiny-lamps", "imported-lamps")
        + "  - vars: {message: Hello}\n    assert: [{type: icontains, value: hello}]\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        page.import_suite_path(path)
    assert page.selected_suite() == "imported-lamps"


def test_edited_cases_are_saved_as_a_new_suite_version(window: Any, qtbot: Any) -> None:
    from workbench.ui.evals.cases_model import DESCRIPTION

    store_suite(window.context.home, 2)
    page = open_page(window, qtbot, "tiny-lamps")
    qtbot.waitUntil(lambda: page.editor.editing_suite == "tiny-lamps", timeout=10_000)
    page.tabs.setCurrentIndex(2)
    model = page.cases_model
    assert model.rowCount() == 2
    assert model.setData(model.index(0, DESCRIPTION), "Renamed case")
    assert page.save_cases_button.isEnabled()
    # A click on another suite keeps the unsaved edits in the editor.
    page.select_suite("support-reply-smoke")
    assert page.editor.editing_suite == "tiny-lamps"
    with qtbot.waitSignal(page.cases_saved, timeout=10_000) as saved:
        qtbot.mouseClick(page.save_cases_button, Qt.MouseButton.LeftButton)
    stored = saved.args[0]
    assert stored.version == 2
    assert stored.suite.cases[0].description == "Renamed case"
    assert not page.save_cases_button.isEnabled()
