"""Background operations: results on the GUI thread, a store per worker, late progress, order."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import WorkbenchError
from workbench.store.settings_repo import get_setting, set_setting
from workbench.ui.operations import BackgroundOp, Operations


class RecordingProgress:
    """A ProgressView that remembers what it was asked to show."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def show_progress(self, key: object, label: str, cancel: Any) -> None:
        self.calls.append(("show", label))
        self.cancel = cancel

    def update_progress(self, key: object, done: int, total: int) -> None:
        self.calls.append(("update", (done, total)))

    def hide_progress(self, key: object) -> None:
        self.calls.append(("hide", None))


@pytest.fixture
def ops(qtbot: Any, home: Path) -> Any:
    operations = Operations(home)
    operations.progress_view = RecordingProgress()
    yield operations
    operations.cancel_all()
    assert operations.wait_for_done()


def _run(qtbot: Any, op: BackgroundOp[Any]) -> list[Any]:
    results: list[Any] = []
    op.success(results.append).failure(results.append).run_in_background()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    return results


def test_the_function_runs_off_the_gui_thread_with_its_own_store(qtbot: Any, ops: Any) -> None:
    gui_thread = threading.get_ident()

    def work(task: Any) -> tuple[int, Any]:
        set_setting(task.store, "test.key", 5)
        return threading.get_ident(), get_setting(task.store, "test.key")

    (result,) = _run(qtbot, BackgroundOp(ops, parent=None, op=work))

    worker_thread, value = result
    assert worker_thread != gui_thread
    assert value == 5


def test_quick_work_never_shows_progress(qtbot: Any, ops: Any) -> None:
    _run(qtbot, BackgroundOp(ops, parent=None, op=lambda task: 1).with_progress("Quick"))
    assert ops.progress_view.calls == []


def test_slow_work_shows_progress_after_a_delay_and_can_be_cancelled(qtbot: Any, ops: Any) -> None:
    def slow(task: Any) -> str:
        for step in range(200):
            if not task.report(step, 200):
                raise WorkbenchError("cancelled")
            time.sleep(0.01)
        return "finished"

    op = BackgroundOp(ops, parent=None, op=slow).with_progress("Slow", cancellable=True)
    results: list[Any] = []
    op.success(results.append).failure(results.append).run_in_background()
    qtbot.waitUntil(lambda: ("show", "Slow") in ops.progress_view.calls, timeout=5_000)
    qtbot.waitUntil(lambda: any(c[0] == "update" and c[1][0] > 0 for c in ops.progress_view.calls))
    ops.progress_view.cancel()
    qtbot.waitUntil(lambda: bool(results))

    assert isinstance(results[0], WorkbenchError)
    assert ops.progress_view.calls[-1] == ("hide", None)


def test_serial_operations_run_in_submission_order(qtbot: Any, ops: Any) -> None:
    order: list[int] = []

    def step(n: int, delay: float) -> Any:
        def run(task: Any) -> int:
            time.sleep(delay)
            order.append(n)
            return n

        return run

    done: list[int] = []
    for n, delay in enumerate([0.2, 0.0, 0.1, 0.0]):
        BackgroundOp(ops, parent=None, op=step(n, delay)).success(
            done.append
        ).serial().run_in_background()
    qtbot.waitUntil(lambda: len(done) == 4)

    assert order == [0, 1, 2, 3]
    assert done == [0, 1, 2, 3]


def test_results_for_a_deleted_widget_are_dropped(qtbot: Any, ops: Any) -> None:
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    called: list[Any] = []
    BackgroundOp(ops, parent=widget, op=lambda task: time.sleep(0.1)).success(
        called.append
    ).run_in_background()
    widget.deleteLater()
    qtbot.waitUntil(lambda: ops.running_count == 0)
    assert called == []


def test_cancel_hooks_run_once_at_cancel_or_at_once_when_already_cancelled(tmp_path: Any) -> None:
    from workbench.ui.operations import TaskContext

    task = TaskContext(tmp_path)
    calls: list[str] = []
    task.on_cancel(lambda: calls.append("before"))
    assert calls == []

    task.cancel()
    task.on_cancel(lambda: calls.append("after"))

    assert calls == ["before", "after"]
    assert task.cancelled


def test_a_second_cancel_runs_no_hook_again_and_a_failing_hook_stops_no_other(
    tmp_path: Any, caplog: Any
) -> None:
    from workbench.ui.operations import TaskContext

    task = TaskContext(tmp_path)
    calls: list[str] = []

    def failing() -> None:
        raise RuntimeError("hook broke")

    task.on_cancel(failing)
    task.on_cancel(lambda: calls.append("second"))
    task.cancel()
    task.cancel()

    assert calls == ["second"]
    assert "a cancel hook failed" in caplog.text
