"""Who is executing a run: this process's identity as stored with a run, and whether the
process a stored identity names is still alive.

Evaluation and bias runs store it when they start or resume, so that a second process (a
second window, ``workbench eval resume`` / ``workbench bias resume``) can refuse to work on a
run another live process is executing, before it loads a model.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

from workbench.canonical import canonical_json


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
