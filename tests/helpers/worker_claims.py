"""Another process's claim on a run, for the tests of a resume's claim: the identity of a live
process on this machine that is not this one, and the write its resume makes when it claims a
run first.

Eval runs (``eval_runs``) and bias runs (``bias_runs``) record who runs them the same way, in
a ``worker`` JSON column, so both test packages share these.

Test modules import this module as ``worker_claims`` (``rival = worker_claims.rival`` makes
the fixture theirs): pytest's ``pythonpath`` option puts tests/helpers on sys.path
(under ``--import-mode=importlib`` test modules and conftest files cannot import one another).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.workers import current_worker, process_start_time


@pytest.fixture
def rival() -> Iterator[dict[str, Any]]:
    """The identity of another live process on this machine (a child that sleeps)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = process_start_time(child.pid)
    yield {**current_worker(), "pid": child.pid, "started": started}
    child.kill()
    child.wait()


def claim_run(path: Path, run_id: int, worker: dict[str, Any], *, table: str) -> None:
    """What a second process's resume writes when it claims run ``run_id`` of ``table``
    (``eval_runs`` or ``bias_runs``) in the store file at ``path``."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute(
            f"UPDATE {table} SET status = 'running', worker = ? WHERE id = ?",
            (json.dumps(worker), run_id),
        )
    finally:
        conn.close()
