"""Background operations, after Anki's ``aqt.operations``.

The GUI thread never waits on the disk or the model. Work that touches the store or a file is a
plain function that receives a :class:`TaskContext` (never a widget) and runs on a worker
thread; its result comes back to the GUI thread through chained callbacks::

    BackgroundOp(ops, parent=self, op=lambda task: list_models(task.store))
        .success(self._on_models_listed)
        .run_in_background()

A worker thread opens its own :class:`~workbench.store.Store` (one connection per thread) the
first time the function touches ``task.store``. Progress appears only after 600 ms, so quick
work never flashes anything. Operations marked :meth:`BackgroundOp.serial` run one at a time in
submission order (for writes that depend on each other, such as a conversation and its
messages). Failures go to the default handler unless a ``failure`` callback is given: problems a
user can fix (:class:`~workbench.errors.WorkbenchError`) show as a message, anything else as a
bug with its traceback.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from workbench.errors import WorkbenchError
from workbench.store import Store, open_store
from workbench.ui.error_dialogs import report_exception

T = TypeVar("T")
_log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 600
PROGRESS_POLL_MS = 100


class ProgressView(Protocol):
    """Where running operations show their progress (the main window's status bar)."""

    def show_progress(self, key: object, label: str, cancel: Callable[[], None] | None) -> None:
        """Start showing an operation."""

    def update_progress(self, key: object, done: int, total: int) -> None:
        """Update it (``total`` 0: unknown)."""

    def hide_progress(self, key: object) -> None:
        """Stop showing it."""


class TaskContext:
    """What a background function receives: its own store, progress reporting, cancellation."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._store: Store | None = None
        self._cancelled = threading.Event()
        self._progress: tuple[int, int] | None = None
        self._cancel_hooks: list[Callable[[], None]] = []
        self._hooks_lock = threading.Lock()

    @property
    def home(self) -> Path:
        """The workbench home directory."""
        return self._home

    @property
    def store(self) -> Store:
        """A store connection owned by this worker thread, opened on first use."""
        if self._store is None:
            self._store = open_store(self._home)
        return self._store

    def report(self, done: int, total: int) -> bool:
        """Record progress; returns False once the user cancelled (fits ``progress=`` callbacks)."""
        self._progress = (done, total)
        return not self._cancelled.is_set()

    @property
    def cancelled(self) -> bool:
        """True once the user asked to cancel."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the function to stop (it sees ``report()`` return False; hooks run now, once).

        A hook that fails is logged and the others still run: cancel is called on the way out
        (window shutdown), which must go on to stop the model hosts whatever a hook does.
        """
        with self._hooks_lock:
            if self._cancelled.is_set():
                return
            self._cancelled.set()
            hooks, self._cancel_hooks = self._cancel_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:
                _log.exception("a cancel hook failed")

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` (thread-safe, quick) when the task is cancelled, or now if it is.

        For work that can stop at once rather than at its next progress report: a model
        generation in flight, which would otherwise hold a window's shutdown until it ends.
        """
        with self._hooks_lock:
            cancelled = self._cancelled.is_set()
            if not cancelled:
                self._cancel_hooks.append(hook)
        if cancelled:
            hook()

    def latest_progress(self) -> tuple[int, int] | None:
        """The last (done, total) reported."""
        return self._progress

    def close(self) -> None:
        """Close the store if it was opened (on the worker thread that opened it)."""
        if self._store is not None:
            self._store.close()
            self._store = None


class Operations(QObject):
    """Runs one window's background operations: a shared pool and a serial queue."""

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.progress_view: ProgressView | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
        self.serial_pool = QThreadPool(self)
        self.serial_pool.setMaxThreadCount(1)
        self._running: set[BackgroundOp[Any]] = set()

    @property
    def running_count(self) -> int:
        """Operations started and not yet delivered."""
        return len(self._running)

    def cancel_all(self) -> None:
        """Ask every running operation to stop."""
        for op in list(self._running):
            op.cancel()

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """Block until the worker threads are idle (used at shutdown and by tests)."""
        return self.serial_pool.waitForDone(msecs) and self.pool.waitForDone(msecs)

    def _started(self, op: BackgroundOp[Any]) -> None:
        self._running.add(op)

    def _finished(self, op: BackgroundOp[Any]) -> None:
        self._running.discard(op)


class _Relay(QObject):
    finished = Signal(object, object)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], task: TaskContext, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._task = task
        self._relay = relay

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = self._fn(self._task)
        except BaseException as exc:
            error = exc
        finally:
            try:
                self._task.close()
            except Exception as exc:
                error = error or exc
        # RuntimeError: the window closed and took the relay with it; nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            self._relay.finished.emit(result, error)


class BackgroundOp(Generic[T]):
    """One background function and what to do with its outcome on the GUI thread."""

    def __init__(
        self,
        ops: Operations,
        *,
        parent: QWidget | None,
        op: Callable[[TaskContext], T],
        success: Callable[[T], Any] | None = None,
    ) -> None:
        self._ops = ops
        self._parent = parent
        self._fn = op
        self._success = success
        self._failure: Callable[[BaseException], Any] | None = None
        self._progress_label: str | None = None
        self._cancellable = False
        self._serial = False
        self._task = TaskContext(ops.home)
        self._relay = _Relay()
        self._delay_timer: QTimer | None = None
        self._poll_timer: QTimer | None = None
        self._showing = False

    def success(self, fn: Callable[[T], Any]) -> BackgroundOp[T]:
        """Call ``fn(result)`` on the GUI thread when the function returns."""
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], Any]) -> BackgroundOp[T]:
        """Call ``fn(exception)`` instead of the default error display."""
        self._failure = fn
        return self

    def with_progress(self, label: str, *, cancellable: bool = False) -> BackgroundOp[T]:
        """Show ``label`` and the reported progress if the work takes longer than 600 ms."""
        self._progress_label = label
        self._cancellable = cancellable
        return self

    def serial(self) -> BackgroundOp[T]:
        """Run after every serial operation submitted before, and before any submitted after."""
        self._serial = True
        return self

    def cancel(self) -> None:
        """Ask the function to stop; it ends at its next progress report."""
        self._task.cancel()

    @property
    def task(self) -> TaskContext:
        """The context the function receives."""
        return self._task

    def run_in_background(self) -> BackgroundOp[T]:
        """Start the function on a worker thread."""
        self._relay.finished.connect(self._on_relay_finished)
        self._ops._started(self)
        if self._progress_label is not None and self._ops.progress_view is not None:
            self._delay_timer = QTimer(self._relay)
            self._delay_timer.setSingleShot(True)
            self._delay_timer.timeout.connect(self._on_delay_timer_timeout)
            self._delay_timer.start(PROGRESS_DELAY_MS)
        pool = self._ops.serial_pool if self._serial else self._ops.pool
        pool.start(_Runnable(self._fn, self._task, self._relay))
        return self

    @Slot()
    def _on_delay_timer_timeout(self) -> None:
        view = self._ops.progress_view
        if view is None or self._progress_label is None:
            return
        view.show_progress(self, self._progress_label, self.cancel if self._cancellable else None)
        self._showing = True
        self._poll_timer = QTimer(self._relay)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)
        self._poll_timer.start(PROGRESS_POLL_MS)
        self._on_poll_timer_timeout()

    @Slot()
    def _on_poll_timer_timeout(self) -> None:
        view = self._ops.progress_view
        latest = self._task.latest_progress()
        if view is not None:
            done, total = latest if latest else (0, 0)
            view.update_progress(self, done, total)

    @Slot(object, object)
    def _on_relay_finished(self, result: Any, error: BaseException | None) -> None:
        for timer in (self._delay_timer, self._poll_timer):
            if timer is not None:
                timer.stop()
        if self._showing and self._ops.progress_view is not None:
            self._ops.progress_view.hide_progress(self)
        self._ops._finished(self)
        self._relay.deleteLater()
        if self._parent is not None and not isValid(self._parent):
            return  # the widget that asked is gone; nobody to tell
        if error is None:
            if self._success is not None:
                self._success(result)
        elif self._failure is not None:
            self._failure(error)
        elif self._task.cancelled and isinstance(error, WorkbenchError):
            pass  # the user cancelled; the function stopped as asked
        else:
            report_exception(error, self._parent)
