"""The Evaluations page in the window: a real run of a tiny suite on the demo model fills the
grid live and a cell's detail shows what happened; the run dialog's choice of columns, a busy
run, Export and Replay also run on the demo model. Cancel, Esc and Resume, and the races
between reads, runs, replays and the run dialog, run on scripted model hosts
(:class:`ScriptedModel`) that hold a generation until the test lets it go, so what finishes
first never depends on the machine's load."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from scripted_hosts import ScriptedModel

from workbench.evals import (
    CellFinished,
    RunEvent,
    RunOptions,
    get_suite,
    list_runs,
    load_suite_text,
    run_matrix,
    save_suite,
)
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


def store_suite(
    home: Path, n_cases: int, name: str = "tiny-lamps", model: str = DEFAULT_MODEL_NAME
) -> None:
    cases = "".join(
        f"  - id: case-{i}\n    description: Case {i}\n    tags: [{'odd' if i % 2 else 'even'}]\n"
        f"    vars: {{message: 'My lamp number {i} flickers. What should I do?'}}\n"
        "    assert: [{type: icontains-any, value: [lamp, bulb, light]}]\n"
        for i in range(n_cases)
    )
    text = TINY_SUITE.replace("tiny-lamps", name).replace(DEFAULT_MODEL_NAME, model)
    with open_store(home) as store:
        save_suite(store, load_suite_text(text + cases), origin="test")


def stored_run(
    home: Path, suite: str, options: RunOptions | None = None, *, stop_after: int | None = None
) -> int:
    """A run of ``suite`` done headlessly on scripted hosts: finished, or cancelled after
    ``stop_after`` cells (what a Cancel or a killed process leaves). Returns its id."""

    def progress(event: RunEvent) -> bool:
        return stop_after is None or not (
            isinstance(event, CellFinished) and event.done >= stop_after
        )

    with open_store(home) as store:
        run = run_matrix(
            store, get_suite(store, suite), options=options, hosts=ScriptedModel().factory,
            progress=progress,
        )  # fmt: skip
    assert run.status == ("finished" if stop_after is None else "cancelled")
    return run.id


Releases = list[Callable[[], None]]


class _ReleaseOnClose(QObject):
    def __init__(self, window: Any, releases: Releases) -> None:
        super().__init__(window)
        self.releases = releases
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            for release in self.releases:
                release()
        return False


@pytest.fixture
def let_go(window: Any) -> Releases:
    """What lets held background work go, all called as the window closes (before it waits
    for its workers), so a failing test never leaves a worker held."""
    releases: Releases = []
    _ReleaseOnClose(window, releases)
    return releases


def scripted(page: Any, let_go: Releases, hold_after: int | None = None) -> ScriptedModel:
    """Make the page's runs and replays use hosts of a scripted model; return the model."""
    hosts = ScriptedModel(hold_after=hold_after)
    let_go.append(hosts.release)
    page.controller.hosts = page.details.hosts = hosts.factory
    return hosts


def held_event(let_go: Releases) -> threading.Event:
    """An event that held background work waits on (set at the latest as the window closes)."""
    event = threading.Event()
    let_go.append(event.set)
    return event


def wait_idle(window: Any, qtbot: Any) -> None:
    """Wait until every background operation of the window has answered."""
    qtbot.waitUntil(lambda: window.context.ops.running_count == 0, timeout=10_000)


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


def test_cancel_stops_the_run_before_every_cell_ran(
    window: Any, qtbot: Any, let_go: Releases
) -> None:
    store_suite(window.context.home, 12, name="long-lamps")
    page = open_page(window, qtbot, "long-lamps")
    hosts = scripted(page, let_go, hold_after=1)  # the second cell generates until cancelled

    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
        qtbot.waitUntil(lambda: page.matrix.n_finished == 1 and hosts.held.is_set())
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
        assert not page.cancel_button.isEnabled()
    run = finished.args[0]
    assert run.status == "cancelled"
    assert run.n_done == 1  # the cell in flight stopped and was not stored
    assert run.n_cells == 24
    assert page.matrix.n_finished == 1
    assert page.run_button.isEnabled()
    assert page.status.text() == f"Run #{run.id} cancelled: 1/24 cells."


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
    window: Any, qtbot: Any, let_go: Releases
) -> None:
    from workbench.evals import list_cells

    store_suite(window.context.home, 2)
    page = open_page(window, qtbot, "tiny-lamps")
    hosts = scripted(page, let_go, hold_after=1)

    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.start_run()
        qtbot.waitUntil(lambda: page.matrix.n_finished == 1 and hosts.held.is_set())
        press(window, qtbot, page.grid, Qt.Key.Key_Escape)
    cancelled = finished.args[0]
    assert cancelled.status == "cancelled"
    assert cancelled.n_done == 1
    assert cancelled.n_cells == 4
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=10_000)
    assert page.library.selected_run().id == cancelled.id

    hosts.hold_after = None
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
    import hashlib
    import json

    from PySide6.QtWidgets import QFileDialog

    from workbench.evals import list_cells
    from workbench.store.audit import list_entries, verify_chain
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

    with open_store(window.context.home) as store:  # each export audited with its digest
        entries = list_entries(store, action="eval_run.exported")
        assert verify_chain(store).ok
    assert [(e.subject, e.payload_data["format"]) for e in entries] == [
        (f"eval-run:{run.id}", "csv"),
        (f"eval-run:{run.id}", "jsonl"),
    ]
    for entry, name in zip(entries, ("lamps.csv", "lamps.jsonl"), strict=True):
        assert entry.payload_data["path"] == str(out / name)
        assert entry.payload_data["cells"] == 2
        assert entry.payload_data["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert exported.args[0].sha256 == entries[0].payload_data["sha256"]


def test_a_failed_export_leaves_no_file_and_keeps_the_earlier_one(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import pytest

    from workbench.evals import ExportFileError
    from workbench.evals import export as core_export
    from workbench.store.audit import list_entries
    from workbench.ui.evals import tasks
    from workbench.ui.operations import TaskContext

    out = tmp_path / "exports"
    out.mkdir()
    target = out / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")

    def broken(store: Any, run_id: int, fmt: str, handle: Any) -> int:
        handle.write("half a row")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(core_export, "get_run", lambda store, run_id: None)
    monkeypatch.setattr(core_export, "export_run", broken)
    task = TaskContext(tmp_path / "home")
    with pytest.raises(ExportFileError, match="No space left on device"):
        tasks.export_run_file(task, 1, "csv", target)
    assert list_entries(task.store, action="eval_run.exported") == []
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


def test_the_grid_follows_the_run_picked_last_when_an_earlier_read_answers_late(
    window: Any, qtbot: Any, let_go: Releases, monkeypatch: Any
) -> None:
    from workbench.ui.pages import evaluations_page

    home = window.context.home
    store_suite(home, 2)
    large = stored_run(home, "tiny-lamps")  # 4 cells
    small = stored_run(home, "tiny-lamps", RunOptions(prompts=("plain",)))  # 2 cells
    page = open_page(window, qtbot, "tiny-lamps")
    gates: dict[int, threading.Event] = {}
    read_run = evaluations_page.read_run

    def slow_read(task: Any, run_id: int) -> Any:
        if run_id in gates:
            assert gates[run_id].wait(30)
        return read_run(task, run_id)

    monkeypatch.setattr(evaluations_page, "read_run", slow_read)
    gates[large] = held_event(let_go)
    assert page.library.select_run(large)  # read, and held: the large run reads slowly
    with qtbot.waitSignal(page.run_loaded, timeout=10_000) as loaded:
        assert page.library.select_run(small)
    assert loaded.args == [small]
    gates[large].set()  # the large run's answer comes last
    wait_idle(window, qtbot)
    assert page.shown_run_id == small
    assert page.matrix.n_finished == 2
    assert page.library.selected_run().id == small  # what Resume and Export act on

    # Away and straight back before the read answers: the shown run stays.
    gates[large] = held_event(let_go)
    with qtbot.assertNotEmitted(page.run_loaded, wait=100):
        assert page.library.select_run(large)
        assert page.library.select_run(small)
        gates[large].set()
        wait_idle(window, qtbot)
    assert page.shown_run_id == small
    assert page.matrix.n_finished == 2
    with qtbot.waitSignal(page.library_loaded, timeout=10_000):
        page.refresh()
    assert page.library.selected_run().id == small


def test_resume_lays_out_the_earlier_cells_built_on_the_worker(
    window: Any, qtbot: Any, let_go: Releases, monkeypatch: Any
) -> None:
    home = window.context.home
    store_suite(home, 12)
    cancelled = stored_run(home, "tiny-lamps", stop_after=20)  # 20 of 24 cells
    page = open_page(window, qtbot, "tiny-lamps")
    scripted(page, let_go)
    assert page.library.select_run(cancelled)
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=10_000)
    placed_here: list[int] = []  # cells placed in the grid on the GUI thread, batch by batch
    add_cells = page.matrix.add_cells

    def counted_add_cells(cells: Any) -> Any:
        placed_here.append(len(cells))
        return add_cells(cells)

    monkeypatch.setattr(page.matrix, "add_cells", counted_add_cells)
    at_start: list[tuple[int, int]] = []
    page.controller.run_started.connect(
        lambda started: at_start.append(
            (page.matrix.n_finished, sum(column.n for column in page.summary.model.stats))
        )
    )
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as resumed:
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    assert resumed.args[0].n_done == 24
    assert at_start == [(20, 20)]  # shown at once, statistics included
    assert sum(placed_here) == 4  # only the cells the resume ran
    assert page.matrix.n_finished == 24


def test_a_cell_is_replayed_once_at_a_time_even_after_leaving_it(
    window: Any, qtbot: Any, let_go: Releases
) -> None:
    home = window.context.home
    store_suite(home, 2)
    run_id = stored_run(home, "tiny-lamps", RunOptions(prompts=("plain",)))
    page = open_page(window, qtbot, "tiny-lamps")
    hosts = scripted(page, let_go, hold_after=0)  # the replay generates until let go
    with qtbot.waitSignal(page.run_loaded, timeout=10_000):
        page.show_run(run_id)
    detail = page.detail
    page.grid.setCurrentIndex(page.filter.index(0, 0))
    first = detail.cell
    qtbot.mouseClick(detail.replay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(hosts.held.is_set, timeout=30_000)

    page.grid.setCurrentIndex(page.filter.index(1, 0))
    assert detail.replay_button.isEnabled()  # another cell: its own Replay
    assert detail.replay_status.text() == ""
    page.grid.setCurrentIndex(page.filter.index(0, 0))
    assert detail.cell.id == first.id
    assert detail.replay_status.text().startswith("Replaying…")
    assert not detail.replay_button.isEnabled()
    assert not page.replay_cell(first)  # nothing second starts, from anywhere

    with qtbot.waitSignal(page.cell_replayed, timeout=30_000) as replayed:
        hosts.release()
    assert replayed.args[0].identical
    assert len(hosts.generated) == len(hosts.hosts) == 1  # one model process, one generation
    assert detail.replay_status.text() == "Identical output"
    assert detail.replay_button.isEnabled()


def test_a_replay_of_a_changed_model_file_says_so_in_the_detail(
    window: Any, qtbot: Any, tmp_path: Path, demo_model_path: Path
) -> None:
    import shutil

    from PySide6.QtWidgets import QMessageBox

    from workbench.inventory import add_model

    home = window.context.home
    copy = tmp_path / "lamp-model.gguf"
    shutil.copy(demo_model_path, copy)
    with open_store(home) as store:
        add_model(store, copy, name="lamp-model")
    store_suite(home, 1, model="lamp-model")
    run_id = stored_run(home, "tiny-lamps", RunOptions(prompts=("plain",)))
    with copy.open("ab") as handle:
        handle.write(b"\0")  # the file the run used is not the one there now
    page = open_page(window, qtbot, "tiny-lamps")
    with qtbot.waitSignal(page.run_loaded, timeout=10_000):
        page.show_run(run_id)
    page.grid.setCurrentIndex(page.filter.index(0, 0))
    detail = page.detail
    qtbot.mouseClick(detail.replay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "failed" in detail.replay_status.text(), timeout=30_000)

    assert detail.replay_status.text().startswith("Replay failed: The run used lamp-model")
    assert "missing or changed" in detail.replay_status.text()
    assert "Replaying cell 1 failed" in page.status.text()
    assert detail.replay_button.isEnabled()  # a user's problem: no dialog, Replay offered again
    assert page.findChild(QMessageBox) is None


def held_in_run(page: Any, hosts: ScriptedModel, run_id: int) -> bool:
    """Whether run ``run_id`` executes on the page with a generation held, and the page has
    had every event before it (the held cell's start is on the status line)."""
    started = page.status.text().startswith("Cell ")
    return page.controller.run_id == run_id and hosts.held.is_set() and started


def run_choices_held(monkeypatch: Any, let_go: Releases) -> threading.Event:
    """Hold the reads of the run dialog's choices until the returned event is set."""
    from workbench.ui.evals import library_actions

    gate = held_event(let_go)
    read = library_actions.read_run_choices

    def held(task: Any, suite: str) -> Any:
        assert gate.wait(30)
        return read(task, suite)

    monkeypatch.setattr(library_actions, "read_run_choices", held)
    return gate


def test_the_run_dialog_stays_shut_when_a_resume_started_while_its_choices_were_read(
    window: Any, qtbot: Any, let_go: Releases, monkeypatch: Any
) -> None:
    home = window.context.home
    store_suite(home, 1)
    cancelled = stored_run(home, "tiny-lamps", stop_after=1)
    page = open_page(window, qtbot, "tiny-lamps")
    hosts = scripted(page, let_go, hold_after=0)
    gate = run_choices_held(monkeypatch, let_go)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)  # the choices are read…
    assert page.library.select_run(cancelled)
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)  # …when Resume starts
    qtbot.waitUntil(lambda: held_in_run(page, hosts, cancelled))

    with qtbot.assertNotEmitted(page.run_dialog_opened, wait=100):
        gate.set()
        qtbot.waitUntil(lambda: not page.library_actions._choices_pending, timeout=10_000)
    assert page.library_actions.run_dialog is None
    assert page.status.text() == (
        f"Run #{cancelled} is executing: press Run suite… again for tiny-lamps@1 once it has ended."
    )
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS):
        page.cancel_run()


def test_ok_in_the_run_dialog_while_a_run_executes_says_the_run_did_not_start(
    window: Any, qtbot: Any, let_go: Releases
) -> None:

    home = window.context.home
    store_suite(home, 1)
    cancelled = stored_run(home, "tiny-lamps", stop_after=1)
    page = open_page(window, qtbot, "tiny-lamps")
    hosts = scripted(page, let_go, hold_after=0)
    with qtbot.waitSignal(page.run_dialog_opened, timeout=10_000) as opened:
        page.open_run_dialog()
    dialog = opened.args[0]
    page.library_actions.resume_run(cancelled)  # not by a click: the dialog is modal
    qtbot.waitUntil(lambda: held_in_run(page, hosts, cancelled))

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert page.status.text() == f"Run #{cancelled} is executing: tiny-lamps@1 did not start."
    assert page.controller.run_id == cancelled
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.cancel_run()
    assert finished.args[0].id == cancelled
    with open_store(home) as store:
        assert [run.id for run in list_runs(store)] == [cancelled]


def test_a_failed_read_of_the_run_choices_can_be_tried_again(
    window: Any, qtbot: Any, let_go: Releases, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from workbench.evals import EvalError
    from workbench.ui.evals import library_actions, suite_tasks

    page = open_page(window, qtbot, "support-reply-smoke")
    actions = page.library_actions
    new_suite_gate = held_event(let_go)
    read_new_suite_choices = suite_tasks.read_new_suite_choices

    def held_new_suite_choices(task: Any) -> Any:
        assert new_suite_gate.wait(30)
        return read_new_suite_choices(task)

    monkeypatch.setattr(library_actions, "read_new_suite_choices", held_new_suite_choices)
    page.open_new_suite_dialog()  # its choices are being read meanwhile
    read_run_choices = library_actions.read_run_choices

    def broken(task: Any, suite: str) -> Any:
        raise EvalError("The suite could not be read.")

    monkeypatch.setattr(library_actions, "read_run_choices", broken)
    page.open_run_dialog()
    qtbot.waitUntil(lambda: not actions._choices_pending, timeout=10_000)
    assert page.status.text() == "Could not prepare the run: The suite could not be read."
    box = page.findChild(QMessageBox, "userErrorBox")
    assert box is not None
    box.close()
    assert actions._new_suite_pending  # the other read's flag is its own

    monkeypatch.setattr(library_actions, "read_run_choices", read_run_choices)
    with qtbot.waitSignal(page.run_dialog_opened, timeout=10_000) as opened:
        page.open_run_dialog()
    opened.args[0].reject()
    with qtbot.waitSignal(actions.new_suite_dialog_opened, timeout=10_000) as new_suite:
        new_suite_gate.set()
    new_suite.args[0].reject()


def test_resume_is_offered_for_the_states_the_runner_resumes(window: Any, qtbot: Any) -> None:
    from workbench.evals import RESUMABLE
    from workbench.store.evals_repo import update_run_row

    home = window.context.home
    store_suite(home, 1)
    run_id = stored_run(home, "tiny-lamps")
    page = open_page(window, qtbot, "tiny-lamps")
    assert {"cancelled", "failed", "running"} == RESUMABLE
    for status in ("finished", "cancelled", "failed", "running"):
        with open_store(home) as store:
            update_run_row(store, run_id, status=status)
        with qtbot.waitSignal(page.library_loaded, timeout=10_000):
            page.refresh()
        assert page.library.select_run(run_id)
        assert page.resume_button.isEnabled() == (status in RESUMABLE), status


def test_closing_the_window_mid_run_stops_the_cell_in_flight(window: Any, qtbot: Any) -> None:
    store_suite(window.context.home, 6, name="long-lamps")
    page = open_page(window, qtbot, "long-lamps")
    hosts = ScriptedModel(hold_after=1)  # not released on close: only a cancel lets it go
    page.controller.hosts = hosts.factory
    page.start_run()
    qtbot.waitUntil(lambda: page.matrix.n_finished == 1 and hosts.held.is_set())

    window.close_discarding_edits()

    assert hosts.hosts[0].cancelled.is_set()  # the generation in flight was told to stop
    with open_store(window.context.home) as store:
        run = list_runs(store)[0]
    assert (run.status, run.n_done) == ("cancelled", 1)
