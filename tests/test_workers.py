"""Who executes a run: a live other process on this machine counts, anything else does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import psutil
import pytest

import workbench.workers
from workbench.workers import (
    current_worker,
    current_worker_json,
    other_worker_alive,
    process_start_time,
)

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live child process (another process on this machine), killed at the end."""
    child = subprocess.Popen(SLEEP)
    yield child
    child.kill()
    child.wait()


def identity_of(child: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The identity ``child`` would have stored, had it started a run."""
    started = process_start_time(child.pid)
    return {**current_worker(), "pid": child.pid, "started": started}


def test_only_a_live_other_process_on_this_machine_is_alive() -> None:
    other = subprocess.Popen(SLEEP)
    try:
        live = identity_of(other)
        assert other_worker_alive(live)
        assert other_worker_alive(MappingProxyType(live))  # as run records hold it
        assert other_worker_alive(json.loads(json.dumps(live)))  # as stored and read back
        assert not other_worker_alive({**live, "host": "another-machine"})
    finally:
        other.kill()
        other.wait()
    assert not other_worker_alive(live)  # gone


def test_this_process_and_malformed_identities_are_not_alive() -> None:
    assert not other_worker_alive(current_worker())
    assert json.loads(current_worker_json()) == current_worker()
    host = current_worker()["host"]
    for malformed in (
        None, {}, "pid 1", {"host": host, "pid": "1"}, {"host": host, "pid": True},
        {"host": host, "pid": -1}, {"host": host, "pid": 0},
    ):  # fmt: skip
        assert not other_worker_alive(malformed)


def test_this_process_identity_records_its_start_time() -> None:
    worker = current_worker()
    assert set(worker) == {"host", "pid", "started"}
    assert isinstance(worker["started"], float)
    assert worker["started"] == process_start_time(os.getpid())
    if sys.platform.startswith("linux"):  # seconds after boot: before now, after boot
        assert 0 <= worker["started"] <= time.monotonic() + 1
    else:
        assert worker["started"] == psutil.Process().create_time()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="psutil's Linux boot time")
def test_a_clock_step_does_not_make_a_live_worker_look_like_another_process(
    sleeper: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = identity_of(sleeper)
    # psutil dates a Linux process from the boot time, which moves with the wall clock (NTP,
    # a laptop resuming): step it by a minute after the identity was stored.
    linux = pytest.importorskip("psutil._pslinux")
    stepped = psutil.boot_time() + 60
    monkeypatch.setattr(linux, "boot_time", lambda: stepped)
    monkeypatch.setattr(psutil, "boot_time", lambda: stepped)
    assert other_worker_alive(live)


def test_a_live_pid_with_another_start_time_is_a_reused_pid_and_not_alive(
    sleeper: subprocess.Popen[bytes],
) -> None:
    live = identity_of(sleeper)
    # The process that stored the identity started an hour earlier; the system has since given
    # its pid to this one.
    assert not other_worker_alive({**live, "started": live["started"] - 3600})
    assert not other_worker_alive({**live, "started": live["started"] + 5})
    # Start times are floats read twice: a small difference is the same process.
    assert other_worker_alive({**live, "started": live["started"] + 0.5})


def test_an_identity_stored_without_start_time_falls_back_to_whether_the_pid_exists() -> None:
    other = subprocess.Popen(SLEEP)
    try:
        old = {"host": current_worker()["host"], "pid": other.pid}  # as runs stored it before
        assert other_worker_alive(old)
        assert other_worker_alive({**old, "started": "unknown"})  # malformed: the same
    finally:
        other.kill()
        other.wait()
    assert not other_worker_alive(old)


def test_a_process_whose_start_time_cannot_be_read_counts_as_alive(
    sleeper: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = identity_of(sleeper)

    def denied(pid: int) -> float:
        raise psutil.AccessDenied(pid)

    monkeypatch.setattr(workbench.workers, "process_start_time", denied)
    assert other_worker_alive({**live, "started": live["started"] - 3600})


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no zombie processes")
def test_an_exited_child_its_parent_has_not_collected_yet_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        identity = identity_of(child)
        deadline = time.monotonic() + 30
        while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.05)
        assert not other_worker_alive(identity)
        assert not other_worker_alive({"host": identity["host"], "pid": child.pid})
    finally:
        child.wait()
