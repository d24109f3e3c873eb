"""The model host process: its entry point and request loop.

:func:`main` is what ``ModelHost`` starts with multiprocessing's "spawn" context. It sends its
stdout and stderr (file descriptors 1 and 2, where llama.cpp and ggml write) to the log file, so
the terminal stays clean and a crash error can quote the tail; it ignores SIGINT, so Ctrl-C in a
terminal reaches only the client, which cancels; then it serves one request at a time until the
client says EXIT or its end of the pipe closes.

llama_cpp is imported only inside the functions of model, generation and scoring, which this
module imports lazily, in the child.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from workbench.engine import protocol
from workbench.errors import NoModelLoadedError, WorkbenchError

if TYPE_CHECKING:
    from workbench.engine.model import CancelWatch, LoadedModel
    from workbench.engine.scoring import Scorer


def main(conn: Connection, cancel_up_to: Any, log_path: str) -> None:
    """Entry point of the host process (runs in the child)."""
    _redirect_output(log_path)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from workbench.engine.model import CancelWatch

    Host(conn, CancelWatch(cancel_up_to)).serve()


def _redirect_output(log_path: str) -> None:
    """Point fds 1 and 2 at the log, so C code's output lands there too."""
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    # A segfault or abort in llama.cpp then leaves a Python traceback in the log for the client
    # to quote.
    faulthandler.enable(file=sys.stderr, all_threads=True)


class Host:
    """Holds at most one loaded model and answers the client's requests one at a time."""

    def __init__(self, conn: Connection, watch: CancelWatch) -> None:
        self._conn = conn
        self._watch = watch
        self._model: LoadedModel | None = None
        self._scorer: Scorer | None = None

    def serve(self) -> None:
        """Answer requests until EXIT or until the client's end of the pipe closes."""
        while True:
            try:
                kind, request_id, payload = self._conn.recv()
            except (EOFError, OSError):
                break  # the client went away: nothing left to answer
            if kind == protocol.EXIT:
                break
            self._watch.request_id = request_id
            try:
                result = self._handle(kind, payload)
            except WorkbenchError as exc:
                self._conn.send((protocol.ERROR, exc))
            except Exception:
                self._conn.send((protocol.BUG, traceback.format_exc()))
            else:
                self._conn.send((protocol.RESULT, result))
        self._unload()

    def _handle(self, kind: str, payload: Any) -> Any:
        if kind == protocol.LOAD:
            return self._load(payload)
        model = self._model
        if model is None:
            raise NoModelLoadedError("no model is loaded; load one first")
        if kind == protocol.GENERATE:
            from workbench.engine.generation import generate

            return generate(model, payload, self._watch, self._conn.send)
        if kind == protocol.SCORE:
            if self._scorer is None:
                from workbench.engine.scoring import Scorer

                self._scorer = Scorer(model, self._watch)
            return self._scorer.score(payload)
        raise ValueError(f"unknown request kind {kind!r}")

    def _load(self, request: Any) -> Any:
        from workbench.engine.model import load_model

        # Free the old model first: two models at once may not fit in memory.
        self._unload()
        self._model = load_model(request, self._watch)
        sys.stderr.flush()
        return self._model.info

    def _unload(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
        if self._model is not None:
            self._model.close()
            self._model = None
