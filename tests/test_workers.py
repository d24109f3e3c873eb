"""Who executes a run: a live other process on this machine counts, anything else does not."""

from __future__ import annotations

import json
import subprocess
import sys
from types import MappingProxyType

from workbench.workers import current_worker, current_worker_json, other_worker_alive


def test_only_a_live_other_process_on_this_machine_is_alive() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = {**current_worker(), "pid": other.pid}
        assert other_worker_alive(live)
        assert other_worker_alive(MappingProxyType(live))  # as run records hold it
        assert not other_worker_alive({**live, "host": "another-machine"})
    finally:
        other.kill()
        other.wait()
    assert not other_worker_alive(live)  # gone


def test_this_process_and_malformed_identities_are_not_alive() -> None:
    assert not other_worker_alive(current_worker())
    assert json.loads(current_worker_json()) == current_worker()
    for malformed in (None, {}, "pid 1", {"host": current_worker()["host"], "pid": "1"}):
        assert not other_worker_alive(malformed)
