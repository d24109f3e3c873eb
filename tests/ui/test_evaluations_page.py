"""The Evaluations page in the window: a real run of a tiny suite on the demo model fills the
grid live, a cell's detail shows what happened, and Cancel stops a run; the run dialog's
choice of columns, Esc and Resume, a busy run, Export and Replay, all on real (tiny) runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from workbench.evals import CellFinished, RunOptions, load_suite_text, save_suite
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
    with qtbot.waitSignal(page.run_dialog_opened, timeout=10_000) as opened:
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert dialog.options() == RunOptions()  # the suite's own columns, cases and repeats
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert not page.run_button.isEnabled()
        assert page.cancel_button.isEnabled()
    assert page.library_actions.run_dialog is None
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
    assert page.status.text() == f"Run #{run.id} finished: 4/4 cells."

    page.grid.setCurrentIndex(page.filter.index(1, 1))
    detail = page.detail
    assert detail.cell is not None
    assert detail.cell.case_id == "case-1"
    qtbot.waitUntil(lambda: "Question: My lamp number 1" in detail.toPlainText(), timeout=10_000)
    text = detail.toPlainText()
    assert "icontains-any" in text
    assert "Timings" in text
    assert "Word diff against terse" in text
    assert page.status.text() == f"Run #{run.id} finished: 4/4 cells.", "no stale message"

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

    page.controller.event_arrived.connect(cancel_after_first)
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
    assert page.save_suite_button.isEnabled()
    # A click on another suite keeps the unsaved edits in the editor.
    page.select_suite("support-reply-smoke")
    assert page.editor.editing_suite == "tiny-lamps"
    with qtbot.waitSignal(page.suite_saved, timeout=10_000) as saved:
        qtbot.mouseClick(page.save_suite_button, Qt.MouseButton.LeftButton)
    stored = saved.args[0]
    assert stored.version == 2
    assert stored.suite.cases[0].description == "Renamed case"
    assert not page.save_suite_button.isEnabled()


def press(window: Any, qtbot: Any, widget: Any, key: Qt.Key, modifier: Any = None) -> None:
    """Press ``key`` on ``widget`` of the active window (shortcuts only fire in it)."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)


def test_ctrl_r_opens_the_dialog_and_the_chosen_prompt_is_the_only_column(
    window: Any, qtbot: Any
) -> None:
    from workbench.ui.evals.run_dialog import ChoiceRole

    store_suite(window.context.home, 1)
    page = open_page(window, qtbot, "tiny-lamps")
    with qtbot.waitSignal(page.run_dialog_opened, timeout=10_000) as opened:
        press(window, qtbot, page.grid, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = opened.args[0]
    items = [dialog.prompt_list.item(row) for row in range(dialog.prompt_list.count())]
    by_value = {item.data(ChoiceRole): item for item in items}
    # Read in the background before it opened: the stored versions, labels and models.
    assert {"terse", "plain", "support-reply@production", "support-reply@3"} <= set(by_value)
    assert dialog.checked_models() == (DEFAULT_MODEL_NAME,)
    by_value["terse"].setCheckState(Qt.CheckState.Unchecked)
    assert dialog.options() == RunOptions(prompts=("plain",))
    assert "1 prompt × 1 model × 1 case × 1 repeat = 1 cell" in dialog.count_label.text()

    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    run = finished.args[0]
    assert run.status == "finished"
    assert run.n_cells == run.n_done == 1
    assert page.matrix.columns == [("plain", DEFAULT_MODEL_NAME)]
    assert page.matrix.n_finished == 1


def test_shortcuts_of_a_hidden_page_do_not_fire(window: Any, qtbot: Any) -> None:
    page = open_page(window, qtbot, "support-reply-smoke")
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        press(window, qtbot, page.grid, Qt.Key.Key_F5)
    window.show_page("playground")
    status = page.status.text()
    press(window, qtbot, window.playground.input, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.status.text() == status  # not "Reading support-reply-smoke…"
    assert page.library_actions.run_dialog is None

    window.show_page("evaluations")
    with qtbot.waitSignal(page.run_dialog_opened, timeout=10_000) as opened:
        press(window, qtbot, page.grid, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    opened.args[0].reject()


def test_esc_cancels_and_resume_finishes_the_run_without_duplicated_cells(
    window: Any, qtbot: Any
) -> None:
    from workbench.evals import list_cells

    store_suite(window.context.home, 2)
    page = open_page(window, qtbot, "tiny-lamps")
    pressed: list[bool] = []

    def escape_after_first(event: object) -> None:
        if isinstance(event, CellFinished) and not pressed:
            pressed.append(True)
            press(window, qtbot, page.grid, Qt.Key.Key_Escape)

    page.controller.event_arrived.connect(escape_after_first)
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
    cancelled = finished.args[0]
    assert cancelled.status == "cancelled"
    assert 1 <= cancelled.n_done < cancelled.n_cells == 4
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=10_000)
    assert page.library.selected_run().id == cancelled.id

    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as resumed:
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
        assert page.cancel_button.isEnabled()
        assert not page.resume_button.isEnabled()
        assert not page.run_button.isEnabled()
    run = resumed.args[0]
    assert run.id == cancelled.id
    assert run.status == "finished"
    assert run.n_done == run.n_cells == 4
    assert page.matrix.n_finished == 4  # the earlier cells were shown, then the rest
    assert page.status.text() == f"Run #{run.id} finished: 4/4 cells."
    with open_store(window.context.home) as store:
        keys = [cell.key for cell in list_cells(store, run.id)]
    assert len(keys) == len(set(keys)) == 4
    qtbot.waitUntil(lambda: not page.resume_button.isEnabled(), timeout=10_000)


def test_resuming_a_run_another_process_executes_says_so_plainly(window: Any, qtbot: Any) -> None:
    import os
    import socket

    from PySide6.QtWidgets import QMessageBox

    from workbench.canonical import canonical_json
    from workbench.store.evals_repo import update_run_row

    store_suite(window.context.home, 1)
    page = open_page(window, qtbot, "tiny-lamps")
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run(RunOptions(prompts=("plain",)))
    run = finished.args[0]
    # As if this shell's process, alive on this machine, were executing the run.
    worker = canonical_json({"host": socket.gethostname(), "pid": os.getppid()})
    with open_store(window.context.home) as store:
        update_run_row(store, run.id, status="running", worker=worker)
    page.refresh()  # the refresh after the run may have read the run before the change

    def listed_as_running() -> bool:
        selected = page.library.select_run(run.id) and page.library.selected_run()
        return bool(selected) and selected.status == "running"

    qtbot.waitUntil(listed_as_running, timeout=10_000)
    assert page.resume_button.isEnabled()

    with qtbot.assertNotEmitted(page.run_finished):
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.findChild(QMessageBox, "userErrorBox") is not None)
    box = page.findChild(QMessageBox, "userErrorBox")
    assert box.windowTitle() == "The run is busy"
    assert f"still being executed by process {os.getppid()}" in box.text()
    assert "still being executed" in page.status.text()
    assert page.run_button.isEnabled()
    box.close()


def test_export_writes_a_csv_row_per_cell_through_a_temporary_file(
    window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    import csv
    import json

    from PySide6.QtWidgets import QFileDialog

    from workbench.evals import list_cells
    from workbench.ui.evals.library_panel import EXPORT_FILTERS

    store_suite(window.context.home, 1)
    page = open_page(window, qtbot, "tiny-lamps")
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
    run = finished.args[0]
    qtbot.waitUntil(page.export_button.isEnabled, timeout=10_000)
    out = tmp_path / "exports"
    out.mkdir()
    asked: list[str] = []

    def answer(parent: Any, title: str, suggested: str, filters: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(out / "lamps"), EXPORT_FILTERS["csv"]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    with qtbot.waitSignal(page.run_exported, timeout=10_000) as exported:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert asked[0].endswith(f"tiny-lamps-run-{run.id}.csv")
    assert exported.args[0].rows == 2
    with (out / "lamps.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open_store(window.context.home) as store:
        stored = {cell.number: cell for cell in list_cells(store, run.id)}
    assert sorted(int(row["cell"]) for row in rows) == sorted(stored) == [1, 2]
    for row in rows:
        cell = stored[int(row["cell"])]
        assert row["run_id"] == str(run.id)
        assert (row["prompt_id"], row["case_id"]) == (cell.prompt_id, cell.case_id)
        assert row["output"] == cell.output
    assert page.status.text() == f"Exported 2 rows of run #{run.id} to {out / 'lamps.csv'}."
    assert sorted(p.name for p in out.iterdir()) == ["lamps.csv"]  # no temporary file left

    with qtbot.waitSignal(page.run_exported, timeout=10_000):
        page.library_actions.export_run(run.id, out / "lamps.jsonl", "jsonl")
    lines = (out / "lamps.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["output"] for line in lines] == [row["output"] for row in rows]


def test_a_failed_export_leaves_no_file_and_keeps_the_earlier_one(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import pytest

    from workbench.ui.evals import tasks
    from workbench.ui.operations import TaskContext

    out = tmp_path / "exports"
    out.mkdir()
    target = out / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")

    def broken(store: Any, run_id: int, fmt: str, handle: Any) -> int:
        handle.write("half a row")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tasks, "get_run", lambda store, run_id: None)
    monkeypatch.setattr(tasks, "export_run", broken)
    task = TaskContext(tmp_path / "home")
    with pytest.raises(tasks.ExportFileError, match="No space left on device"):
        tasks.export_run_file(task, 1, "csv", target)
    task.close()
    assert target.read_text(encoding="utf-8") == "the earlier export\n"
    assert [p.name for p in out.iterdir()] == ["run.csv"]


def test_replay_of_a_greedy_cell_says_the_output_is_identical(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 1)
    page = open_page(window, qtbot, "tiny-lamps")
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS):
        page.start_run(RunOptions(prompts=("plain",)))
    page.grid.setCurrentIndex(page.filter.index(0, 0))
    detail = page.detail
    assert detail.cell is not None
    assert detail.replay_button.isEnabled()

    with qtbot.waitSignal(page.cell_replayed, timeout=RUN_TIMEOUT_MS) as replayed:
        qtbot.mouseClick(detail.replay_button, Qt.MouseButton.LeftButton)
        assert not detail.replay_button.isEnabled()
        assert "Replaying" in detail.replay_status.text()
    result = replayed.args[0]
    assert result.identical
    assert result.output == detail.cell.output
    assert detail.replay_status.text() == "Identical output"
    assert "Identical output" in detail.toPlainText()
    assert "Fingerprint" in detail.toPlainText()
    assert detail.replay_button.isEnabled()
