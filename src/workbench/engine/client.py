"""ModelHost: the one client API to a model, used by the CLI and the GUI alike.

A loaded model lives in its own process (multiprocessing, "spawn"), started on the first
request: a llama.cpp abort, an out-of-memory kill or a bad GGUF then costs that process, never
the caller's, and unloading really frees the memory. This module never imports llama_cpp.

- One request runs at a time. A request from another thread waits until the one in flight ends;
  a request from the thread that owns an unfinished generation stream cancels that stream first.
- ``cancel()`` may be called from any thread. The host sees it between two tokens, and during a
  prefill or a scoring pass llama.cpp's abort callback stops the decode. If the host has not
  answered within ``cancel_grace_s`` (2 s) the client kills it; a cancelled generation still
  ends with a normal result (finish_reason "cancelled", the text so far), and the next request
  starts a new host.
- If the host dies (crash, kill, out of memory) the request in flight raises
  ModelHostCrashedError; the next request starts a new host and loads the last model again.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from workbench.engine import protocol
from workbench.engine.messages import (
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
)
from workbench.engine.process import HostGoneError, HostProcess
from workbench.engine.stream import GenerationStream
from workbench.errors import EngineError, NoModelLoadedError


class ModelHost:
    """A model in a separate process: load, generate (streamed), score, cancel, unload.

    ``log_path`` receives everything the process writes to stdout and stderr (llama.cpp's
    messages, a crash's traceback); by default a temporary file, removed by :meth:`close`.
    """

    def __init__(
        self, log_path: str | os.PathLike[str] | None = None, *, cancel_grace_s: float = 2.0
    ) -> None:
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="workbench-model-host-", suffix=".log")
            os.close(fd)
            self._log_path, self._owns_log = Path(name), True
        else:
            self._log_path, self._owns_log = Path(log_path), False
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._cancel_grace_s = cancel_grace_s
        # "Cancel every request whose id is at most this": shared memory the host reads without
        # a lock (an aligned 64-bit load); only the client writes it, under _state_lock.
        self._cancel_up_to: Any = multiprocessing.get_context("spawn").RawValue(
            ctypes.c_longlong, 0
        )
        self._ids = itertools.count(1)
        self._request_lock = threading.Lock()  # one request at a time
        self._state_lock = threading.Lock()  # in-flight id, cancel timer, kill mark
        self._process: HostProcess | None = None
        self._loaded: ModelInfo | None = None
        self._last_load: LoadRequest | None = None
        self._inflight: int | None = None
        self._killed_for_cancel = 0
        self._cancel_timer: threading.Timer | None = None
        self._active: GenerationStream | None = None
        self._closed = False

    # -- public API ---------------------------------------------------------------------------

    @property
    def loaded(self) -> ModelInfo | None:
        """The model loaded now (reloaded transparently after a crash), or None."""
        return self._loaded

    @property
    def host_pid(self) -> int | None:
        """The host process id while one runs (for tests and diagnostics), else None."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    @property
    def log_path(self) -> Path:
        """The file the host process writes its stdout and stderr to."""
        return self._log_path

    def load(self, request: LoadRequest) -> ModelInfo:
        """Load a model in the host, replacing the one loaded; EngineError if it cannot."""
        self._begin()
        try:
            process = self._ready_process(reload=False)
            # The host frees the old model before loading: whatever happens, it is gone.
            self._loaded = self._last_load = None
            info: ModelInfo = self._call(process, protocol.LOAD, request, "loading the model")
            self._loaded, self._last_load = info, request
            return info
        finally:
            self._request_lock.release()

    def generate(self, request: GenerationRequest) -> GenerationStream:
        """Start a generation; iterate the stream for chunks, then read ``stream.result``.

        Chat messages are rendered with the model's chat template (ChatML if the file has
        none); a raw prompt is used verbatim. ``max_tokens`` <= 0 means "until the context is
        full". The result's timings are the host's: ``time_to_first_token_s`` includes
        rendering, tokenizing and the prefill; ``tokens_per_second`` is the decode rate,
        (tokens sampled - 1) / (time from the first to the last sample). The text does not
        depend on what the host ran before: with temperature 0, or a fixed seed, the same
        request gives the same text.
        """
        if bool(request.messages) == (request.prompt is not None):
            raise EngineError(
                "a generation needs either chat messages or a raw prompt (exactly one of them)"
            )
        self._begin()
        try:
            process = self._ready_process(reload=True)
        except BaseException:
            self._request_lock.release()
            raise
        request_id = self._start(cancellable=True)
        stream = GenerationStream(self, process, request_id, request)
        try:
            process.send((protocol.GENERATE, request_id, request))
        except HostGoneError:
            self._end(request_id)
            raise self._crashed(process, "starting a generation") from None
        self._active = stream
        return stream

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        """Generate and wait for the whole result (the stream consumed internally)."""
        return self.generate(request).result

    def score(self, request: ScoreRequest) -> ScoreResult:
        """Log-probabilities of each continuation after the prompt (see scoring.py).

        The prompt is run once, prefixes shared with earlier work are reused, and the scores
        equal those of a fresh evaluation. ScoringCancelledError if cancelled.
        """
        self._begin()
        try:
            process = self._ready_process(reload=True)
        except BaseException:
            self._request_lock.release()
            raise
        request_id = self._start(cancellable=True)
        try:
            process.send((protocol.SCORE, request_id, request))
            reply = process.receive()
        except HostGoneError:
            if self._was_killed_for_cancel(request_id):
                self.discard_process(process)
                raise protocol.ScoringCancelledError() from None
            raise self._crashed(process, "scoring") from None
        except BaseException:
            self.discard_process(process)  # interrupted mid-message: the pipe is not trusted
            raise
        finally:
            self._end(request_id)
        result: ScoreResult = self.unwrap(reply)
        return result

    def cancel(self) -> None:
        """Cancel the generation or scoring in flight, if any. Safe from any thread."""
        with self._state_lock:
            if self._inflight is not None:
                self._cancel_locked(self._inflight)

    def unload(self) -> None:
        """Stop the host process, which frees the model's memory for sure."""
        self._begin()
        try:
            self._stop_process()
            self._loaded = self._last_load = None
        finally:
            self._request_lock.release()

    def close(self) -> None:
        """Cancel what runs, stop the host and remove the temporary log. Idempotent."""
        if self._closed:
            return
        self.cancel()
        self._close_own_stream()
        got_lock = self._request_lock.acquire(timeout=self._cancel_grace_s + 5.0)
        try:
            if not got_lock and self._process is not None:
                self._process.kill()  # another thread is stuck in a request: end it
            self._stop_process()
            self._loaded = self._last_load = None
            self._closed = True
            if self._owns_log:
                self._log_path.unlink(missing_ok=True)
        finally:
            if got_lock:
                self._request_lock.release()

    def __enter__(self) -> ModelHost:
        """Use as a context manager; :meth:`close` on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the host."""
        self.close()

    # -- used by GenerationStream --------------------------------------------------------------

    def cancel_request(self, request_id: int) -> None:
        """Cancel ``request_id`` if it is still in flight."""
        with self._state_lock:
            if self._inflight == request_id:
                self._cancel_locked(request_id)

    def finish_request(self, request_id: int, stream: GenerationStream) -> None:
        """A stream got its last message: let the next request run."""
        if self._active is stream:
            self._active = None
        self._end(request_id)

    def was_killed_for_cancel(self, request_id: int) -> bool:
        """Whether the client killed the host because ``request_id`` ignored a cancel."""
        return self._was_killed_for_cancel(request_id)

    def crashed(self, process: HostProcess, doing: str) -> EngineError:
        """The error for a host that died while ``doing``; forgets that process."""
        return self._crashed(process, doing)

    def discard_process(self, process: HostProcess) -> None:
        """Forget and kill a process whose pipe cannot be trusted any more."""
        if self._process is process:
            self._process = None
        process.kill()
        process.stop(timeout=1.0)

    @staticmethod
    def unwrap(reply: Any) -> Any:
        """The value of a RESULT reply; raise what an ERROR or BUG reply carries."""
        tag = reply[0]
        if tag == protocol.RESULT:
            return reply[1]
        if tag == protocol.ERROR:
            raise reply[1]
        if tag == protocol.BUG:
            raise protocol.EngineBugError(f"unexpected error in the model process:\n{reply[1]}")
        raise protocol.EngineBugError(f"unexpected reply from the model process: {reply!r:.200}")

    # -- internals ----------------------------------------------------------------------------

    def _begin(self) -> None:
        """Wait for our turn; a stream this thread left unfinished is cancelled first."""
        self._close_own_stream()
        self._request_lock.acquire()
        if self._closed:
            self._request_lock.release()
            raise EngineError("this model host is closed")

    def _close_own_stream(self) -> None:
        active = self._active
        if active is not None and active.owner == threading.get_ident():
            active.close()

    def _start(self, *, cancellable: bool) -> int:
        with self._state_lock:
            request_id = next(self._ids)
            self._inflight = request_id if cancellable else None
        return request_id

    def _end(self, request_id: int) -> None:
        with self._state_lock:
            if self._inflight == request_id:
                self._inflight = None
            if self._cancel_timer is not None:
                self._cancel_timer.cancel()
                self._cancel_timer = None
        self._request_lock.release()

    def _cancel_locked(self, request_id: int) -> None:
        self._cancel_up_to.value = max(self._cancel_up_to.value, request_id)
        if self._cancel_timer is None:
            timer = threading.Timer(self._cancel_grace_s, self._kill_unresponsive, (request_id,))
            timer.daemon = True
            self._cancel_timer = timer
            timer.start()

    def _kill_unresponsive(self, request_id: int) -> None:
        """The last resort of cancel: the host did not finish the request in time."""
        with self._state_lock:
            if self._inflight != request_id:
                return
            self._killed_for_cancel = request_id
            process = self._process
        if process is not None:
            process.kill()  # the blocked receive of the request's thread ends with EOF

    def _was_killed_for_cancel(self, request_id: int) -> bool:
        with self._state_lock:
            return self._killed_for_cancel == request_id

    def _ready_process(self, *, reload: bool) -> HostProcess:
        """The running host; a new one (with the last model loaded again) if it died."""
        if reload and self._loaded is None:
            raise NoModelLoadedError("no model is loaded; load one first")
        process = self._process
        if process is not None and not process.is_alive():
            self.discard_process(process)  # died while idle: nothing was lost, start again
            process = None
        if process is None:
            process = self._process = HostProcess(self._cancel_up_to, self._log_path)
            if reload and self._last_load is not None:
                try:
                    self._call(process, protocol.LOAD, self._last_load, "loading the model again")
                except EngineError:
                    self._loaded = self._last_load = None
                    raise
        return process

    def _call(self, process: HostProcess, kind: str, payload: Any, doing: str) -> Any:
        """A request that is not cancellable and has a single reply (load)."""
        request_id = self._start(cancellable=False)
        try:
            process.send((kind, request_id, payload))
            reply = process.receive()
        except HostGoneError:
            raise self._crashed(process, doing) from None
        except BaseException:
            self.discard_process(process)  # interrupted mid-message: the pipe is not trusted
            raise
        return self.unwrap(reply)

    def _crashed(self, process: HostProcess, doing: str) -> EngineError:
        if self._process is process:
            self._process = None
        return process.crash_error(doing)

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stop()
