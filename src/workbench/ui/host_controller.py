"""One model host, driven from the GUI without ever blocking it.

Every :class:`~workbench.engine.ModelHost` call blocks (the model lives in another process), so
each host gets a dedicated worker ``QThread``; requests travel there as queued signals. Streamed
text is not sent one signal per token: the worker appends chunks to a locked buffer and a 40 ms
timer on the GUI thread drains it into one :attr:`ModelHostController.text_streamed` signal per
tick. ``cancel()`` goes straight to the host (thread-safe), so Stop acts within a token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from workbench.engine.messages import (
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
)
from workbench.errors import ModelHostCrashedError

if TYPE_CHECKING:
    from workbench.engine import ModelHost

HostFactory = Callable[[], "ModelHost"]
STREAM_FLUSH_MS = 40
SHUTDOWN_WAIT_MS = 15_000


class _ChunkBuffer:
    """Text chunks handed from the worker thread to the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []

    def append(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)

    def drain(self) -> str:
        with self._lock:
            parts, self._parts = self._parts, []
        return "".join(parts)


class _HostWorker(QObject):
    """Lives on the host's thread; owns the ModelHost and makes the blocking calls."""

    loaded = Signal(object)  # ModelInfo
    unloaded = Signal()
    generated = Signal(object)  # GenerationResult
    failed = Signal(str, object, object)  # operation, exception, ModelInfo still loaded
    closed = Signal()

    def __init__(self, factory: HostFactory, buffer: _ChunkBuffer) -> None:
        super().__init__()
        self._factory = factory
        self._buffer = buffer
        self._host: ModelHost | None = None
        self._host_lock = threading.Lock()
        self.cancelled_through = 0  # generations with an id up to this one are cancelled

    def host(self) -> ModelHost:
        with self._host_lock:
            if self._host is None:
                self._host = self._factory()
            return self._host

    def cancel_current(self) -> None:
        """Called from the GUI thread."""
        with self._host_lock:
            host = self._host
        if host is not None:
            host.cancel()

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        try:
            info = self.host().load(request)
        except Exception as exc:
            self.failed.emit("load", exc, self._loaded())
        else:
            self.loaded.emit(info)

    @Slot()
    def unload(self) -> None:
        try:
            if self._host is not None:
                self._host.unload()
        except Exception as exc:
            self.failed.emit("unload", exc, self._loaded())
        else:
            self.unloaded.emit()

    @Slot(int, object)
    def generate(self, generation_id: int, request: GenerationRequest) -> None:
        try:
            stream = self.host().generate(request)
            cancel_sent = self.cancelled_through >= generation_id
            if cancel_sent:  # Stop was pressed before the request reached the host
                stream.cancel()
            for chunk in stream:
                self._buffer.append(chunk.text)
                if not cancel_sent and self.cancelled_through >= generation_id:
                    stream.cancel()
                    cancel_sent = True
            result = stream.result
        except Exception as exc:
            self.failed.emit("generate", exc, self._loaded())
        else:
            self.generated.emit(result)

    def _loaded(self) -> ModelInfo | None:
        # After a crash the client keeps the model: its next request starts a new process
        # and loads it again, so the model still counts as loaded.
        return self._host.loaded if self._host is not None else None

    @Slot()
    def close(self) -> None:
        with self._host_lock:
            host, self._host = self._host, None
        try:
            if host is not None:
                host.close()
        finally:
            self.closed.emit()


class ModelHostController(QObject):
    """The GUI's handle on one model host: load, unload, generate, cancel, all non-blocking."""

    load_started = Signal(object)  # LoadRequest
    model_loaded = Signal(object)  # ModelInfo
    model_unloaded = Signal()
    load_failed = Signal(object)  # exception
    generation_started = Signal()
    text_streamed = Signal(str)  # a batch of streamed text
    generation_finished = Signal(object)  # GenerationResult
    generation_failed = Signal(object)  # exception
    host_crashed = Signal(str)  # message fit to show
    busy_changed = Signal(bool)

    _load_requested = Signal(object)
    _unload_requested = Signal()
    _generate_requested = Signal(int, object)
    _close_requested = Signal()

    def __init__(self, factory: HostFactory, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._buffer = _ChunkBuffer()
        self._thread = QThread()
        self._thread.setObjectName(f"model-host-{name}")
        self._worker = _HostWorker(factory, self._buffer)
        self._worker.moveToThread(self._thread)
        self._load_requested.connect(self._worker.load)
        self._unload_requested.connect(self._worker.unload)
        self._generate_requested.connect(self._worker.generate)
        self._close_requested.connect(self._worker.close)
        self._worker.loaded.connect(self._on_worker_loaded)
        self._worker.unloaded.connect(self._on_worker_unloaded)
        self._worker.generated.connect(self._on_worker_generated)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.closed.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(STREAM_FLUSH_MS)
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)
        self._thread.start()
        self.info: ModelInfo | None = None
        self.pending_load: LoadRequest | None = None
        self.last_result: GenerationResult | None = None
        self._generation_id = 0
        self._generating = False
        self._loading = False
        self._closed = False

    @property
    def generating(self) -> bool:
        """True from :meth:`generate` until its result or failure arrives."""
        return self._generating

    @property
    def host_pid(self) -> int | None:
        """The model process's id while one runs (diagnostics and tests)."""
        host = self._worker._host
        return host.host_pid if host is not None else None

    @property
    def busy(self) -> bool:
        """True while loading, unloading or generating."""
        return self._generating or self._loading

    def load(self, request: LoadRequest) -> None:
        """Load a model (replacing the current one); answers with model_loaded or load_failed."""
        if self._closed:
            return
        self.cancel()
        self._loading = True
        self.pending_load = request
        self.load_started.emit(request)
        self.busy_changed.emit(True)
        self._load_requested.emit(request)

    def unload(self) -> None:
        """Unload the model, freeing its memory."""
        if self._closed:
            return
        self.cancel()
        self._loading = True
        self.busy_changed.emit(True)
        self._unload_requested.emit()

    def generate(self, request: GenerationRequest) -> None:
        """Start a generation; text arrives in batches on text_streamed."""
        if self._closed:
            return
        self._generation_id += 1
        self._generating = True
        self._buffer.drain()
        self.generation_started.emit()
        self.busy_changed.emit(True)
        self._flush_timer.start()
        self._generate_requested.emit(self._generation_id, request)

    def cancel(self) -> None:
        """Stop the running generation within a token; its result arrives as 'cancelled'."""
        if not self._generating:
            return
        self._worker.cancelled_through = self._generation_id
        self._worker.cancel_current()

    def shutdown(self) -> None:
        """Cancel, close the host process and stop the thread (blocks up to 15 s, at exit)."""
        if self._closed:
            return
        self._closed = True
        self._flush_timer.stop()
        if self._generating:
            self._worker.cancelled_through = self._generation_id
            self._worker.cancel_current()
        # The worker closes the host (its process ends), then stops its own thread; quitting
        # from here instead could drop the queued close.
        self._close_requested.emit()
        if not self._thread.wait(SHUTDOWN_WAIT_MS):
            self._thread.quit()
            self._thread.wait(1000)
        # Deliver what the worker said last (a cancelled reply's result), so that it is shown
        # and stored before the window goes.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)

    @Slot()
    def _on_flush_timer_timeout(self) -> None:
        text = self._buffer.drain()
        if text:
            self.text_streamed.emit(text)

    def _end_generation(self) -> None:
        self._flush_timer.stop()
        self._on_flush_timer_timeout()
        self._generating = False
        self.busy_changed.emit(self.busy)

    @Slot(object)
    def _on_worker_loaded(self, info: ModelInfo) -> None:
        self.info = info
        self.pending_load = None
        self._loading = False
        self.model_loaded.emit(info)
        self.busy_changed.emit(self.busy)

    @Slot()
    def _on_worker_unloaded(self) -> None:
        self.info = None
        self._loading = False
        self.model_unloaded.emit()
        self.busy_changed.emit(self.busy)

    @Slot(object)
    def _on_worker_generated(self, result: GenerationResult) -> None:
        self.last_result = result
        self._end_generation()
        self.generation_finished.emit(result)

    @Slot(str, object, object)
    def _on_worker_failed(self, operation: str, error: Any, still_loaded: Any) -> None:
        crashed = isinstance(error, ModelHostCrashedError)
        if operation == "generate":
            self._end_generation()
        else:
            self._loading = False
            self.pending_load = None
        if crashed:
            self.info = still_loaded
            if still_loaded is None:
                self.model_unloaded.emit()
            self.host_crashed.emit(str(error))
        if operation == "generate":
            self.generation_failed.emit(error)
        elif operation == "load" or not crashed:
            self.load_failed.emit(error)
        self.busy_changed.emit(self.busy)
