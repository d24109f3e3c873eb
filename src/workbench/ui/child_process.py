"""Heavy inventory work in a child process, so that it cannot stall the GUI thread.

Reading a GGUF file's metadata builds about a million small Python objects (gguf's reader walks
the token table), and the garbage collector's passes over them hold the GIL for 100-200 ms at a
time: on a worker *thread* that still freezes the window. In a child process it costs the window
nothing. The worker thread that runs an operation starts the child, relays its progress to the
operation's :class:`~workbench.ui.operations.TaskContext`, passes cancellation back, and returns
its result or raises its exception. No Qt here: the child imports only the headless packages.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from workbench.errors import WorkbenchError

PROGRESS_EVERY_S = 0.05
CANCEL_GRACE_S = 2.0
CHILD_NICENESS = 10


class ProgressSink(Protocol):
    """The parent side's view of a task (a TaskContext fits)."""

    def report(self, done: int, total: int) -> bool: ...

    @property
    def cancelled(self) -> bool: ...


class HelperProcessError(WorkbenchError):
    """The helper process stopped without an answer."""


def run_in_child(sink: ProgressSink, target: Callable[..., Any], *args: Any) -> Any:
    """Run ``target(*args, report)`` in a spawned process; block (off the GUI thread) until done.

    ``report(done, total) -> bool`` in the child reaches ``sink.report``; it returns False once
    the sink is cancelled. A child that ignores a cancel for 2 s is terminated.
    """
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=True)
    process = context.Process(
        target=_child_main, args=(child_end, target, args), name="workbench-helper", daemon=True
    )
    process.start()
    child_end.close()
    cancel_sent_at: float | None = None
    try:
        while True:
            if sink.cancelled and cancel_sent_at is None:
                cancel_sent_at = time.monotonic()
                _send_quietly(parent_end, ("cancel",))
            if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > CANCEL_GRACE_S:
                process.terminate()
            if not parent_end.poll(0.1):
                if not process.is_alive() and not parent_end.poll(0):
                    raise HelperProcessError(
                        f"The helper process stopped unexpectedly (exit code {process.exitcode})."
                    )
                continue
            try:
                message = parent_end.recv()
            except EOFError:
                raise HelperProcessError(
                    f"The helper process stopped unexpectedly (exit code {process.exitcode})."
                ) from None
            kind = message[0]
            if kind == "progress":
                sink.report(message[1], message[2])
            elif kind == "result":
                return message[1]
            elif kind == "error":
                raise message[1]
            else:  # "bug": an exception that could not be pickled
                raise RuntimeError(f"unexpected error in the helper process:\n{message[1]}")
    finally:
        parent_end.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(1)


def _send_quietly(connection: Connection, message: Any) -> None:
    with contextlib.suppress(OSError):  # the child is already gone; the loop notices
        connection.send(message)


def _child_main(connection: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # Bulk work yields the CPU to the window and the model: on a two-core laptop, hashing at
    # full speed would otherwise delay the GUI thread's wake-ups by tens of milliseconds.
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(CHILD_NICENESS)
    cancelled = False
    last_sent = 0.0

    def report(done: int, total: int) -> bool:
        nonlocal cancelled, last_sent
        while connection.poll(0):
            if connection.recv()[0] == "cancel":
                cancelled = True
        now = time.monotonic()
        if now - last_sent >= PROGRESS_EVERY_S or done >= total:
            last_sent = now
            connection.send(("progress", done, total))
        return not cancelled

    try:
        result = target(*args, report)
    except BaseException as exc:
        try:
            connection.send(("error", exc))
        except Exception:
            connection.send(("bug", "".join(traceback.format_exception(exc))))
    else:
        connection.send(("result", result))
    finally:
        connection.close()


# Targets (top-level, so the child can import them by name) --------------------------------


def add_model_file(home: Path, path: Path, report: Callable[[int, int], bool]) -> Any:
    """Validate, hash and register ``path`` in the store in ``home``; refuse a file already
    registered under another name."""
    from workbench.inventory import add_model, list_models, read_gguf_metadata
    from workbench.store import open_store

    path = path.expanduser().resolve()
    report(0, 0)
    meta = read_gguf_metadata(path)
    with open_store(home) as store:
        for record in list_models(store):
            if record.path == str(path):
                raise WorkbenchError(f"{path.name} is already in the inventory as {record.name!r}.")
        return add_model(store, path, metadata=meta, progress=report)


def initialise_home(home: Path, report: Callable[[int, int], bool]) -> None:
    """First-start work on the store in ``home`` (registers the demo model once)."""
    from workbench.bootstrap import initialise_store
    from workbench.store import open_store

    with open_store(home) as store:
        initialise_store(store)
