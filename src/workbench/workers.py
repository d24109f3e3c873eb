"""Who is executing a run: this process's identity as stored with a run, and whether the
process a stored identity names is still alive.

Evaluation and bias runs store it when they start or resume, so that a second process (a
second window, ``workbench eval resume`` / ``workbench bias resume``) can refuse to work on a
run another live process is executing, before it loads a model. :class:`ActiveRuns` does the
same within one process.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from workbench.canonical import canonical_json

#: Run states a resume may pick up, for evaluation and bias runs alike: cancelled, failed, and
#: "running" (a run whose process was killed stays so in the store).
RESUMABLE = frozenset({"cancelled", "failed", "running"})


def current_worker() -> dict[str, Any]:
    """This process: ``{"host": hostname, "pid": pid}``."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def current_worker_json() -> str:
    """:func:`current_worker` as the canonical JSON runs store."""
    return canonical_json(current_worker())


def other_worker_alive(worker: object) -> bool:
    """Whether ``worker`` (a stored identity) is another process, on this machine, still alive.

    This process, another machine, or a missing or malformed identity count as not alive: a
    run left "running" by a killed process must stay resumable.
    """
    if not isinstance(worker, Mapping) or worker.get("host") != socket.gethostname():
        return False
    pid = worker.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


class ActiveRuns:
    """The runs this process is executing now (a GUI may execute several), so that a second
    executor in the same process is refused instead of racing the first; thread-safe."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def __contains__(self, run_id: object) -> bool:
        with self._lock:
            return run_id in self._ids

    @contextmanager
    def claim(self, run_id: int, busy: Callable[[], Exception]) -> Iterator[None]:
        """Hold ``run_id`` for the block; raise ``busy()`` if it is held already."""
        with self._lock:
            if run_id in self._ids:
                raise busy()
            self._ids.add(run_id)
        try:
            yield
        finally:
            with self._lock:
                self._ids.discard(run_id)
