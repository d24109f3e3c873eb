"""Who is executing a run: this process's identity as stored with a run, and whether the
process a stored identity names is still alive.

An identity is ``{"host", "pid", "started"}``: ``started`` is the process's start time
(:func:`process_start_time`; psutil elsewhere than Linux, so the check works on Windows too),
which tells the process that stored it
from a later one the system gave the same pid. Evaluation and bias runs store it when they
start or resume, so that a second process (a second window, ``workbench eval resume`` /
``workbench bias resume``) can refuse to work on a run another live process is executing,
before it loads a model; the runners check again when they claim the run, in the write
transaction that records the claim. :class:`ActiveRuns` does the same within one process.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from workbench.canonical import canonical_json

#: Run states a resume may pick up, for evaluation and bias runs alike: cancelled, failed, and
#: "running" (a run whose process was killed stays so in the store).
RESUMABLE = frozenset({"cancelled", "failed", "running"})

#: How far (seconds) a live process's start time may be from the stored one and still be the
#: process that stored it; further apart, the pid was given to a later process.
START_TIME_TOLERANCE_S = 1.0

# A flag, not an inline sys.platform test: mypy would call the other platforms' branch dead.
_LINUX = sys.platform.startswith("linux")


def current_worker() -> dict[str, Any]:
    """This process: ``{"host": hostname, "pid": pid, "started": process_start_time(pid)}``."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": process_start_time(os.getpid()),
    }


def process_start_time(pid: int) -> float:
    """When process ``pid`` started, on a clock that setting the system clock does not move.

    On Linux: seconds after boot, from /proc (psutil adds the boot time, which moves when
    the clock is stepped, by NTP or after a laptop resumes: a live worker would look like
    another process). Elsewhere: psutil's creation time, which Windows and macOS record in
    the kernel. Raises psutil.NoSuchProcess / psutil.AccessDenied.
    """
    if _LINUX:
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes()
        except FileNotFoundError:
            raise psutil.NoSuchProcess(pid) from None
        except PermissionError:
            raise psutil.AccessDenied(pid) from None
        # Field 22 (starttime, in clock ticks); the command name before it may hold spaces.
        ticks = stat[stat.rindex(b")") + 2 :].split()[19]
        return int(ticks) / os.sysconf("SC_CLK_TCK")
    return float(psutil.Process(pid).create_time())


def current_worker_json() -> str:
    """:func:`current_worker` as the canonical JSON runs store."""
    return canonical_json(current_worker())


def other_worker_alive(worker: object) -> bool:
    """Whether ``worker`` (a stored identity) is another process, on this machine, still alive.

    This process, another machine, or a missing or malformed identity count as not alive: a
    run left "running" by a killed process must stay resumable. So does a live process whose
    start time differs from the stored ``started`` (the pid was reused); an identity stored
    without ``started`` (older runs) counts as alive while its pid exists. A process whose
    start time cannot be read (another user's) counts as alive.
    """
    if not isinstance(worker, Mapping) or worker.get("host") != socket.gethostname():
        return False
    pid = worker.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    started = worker.get("started")
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False  # exited, waiting for its parent to collect it
        if isinstance(started, bool) or not isinstance(started, int | float):
            return True  # stored before start times were: the pid's existence decides
        return abs(process_start_time(pid) - started) <= START_TIME_TOLERANCE_S
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists, owned by someone else


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
