"""``kill -9`` during ``workbench eval run`` loses at most the cell in flight; ``eval resume``
finishes the run without redoing or duplicating a cell, and the database stays sound."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.store import open_store
from workbench.store.audit import verify_chain

N_CASES = 8
KILL_AFTER = 2


def write_suite(path: Path) -> None:
    cases = "\n".join(
        f"  - {{id: case-{i:02d}, vars: {{message: 'Question number {i}: do you sell lamps?'}}, "
        f"assert: [{{type: icontains, value: lamp}}]}}"
        for i in range(N_CASES)
    )
    path.write_text(
        "name: kill-suite\nprompts: [support-reply@1]\nmodels: [smollm2-135m-instruct]\n"
        "sampling: {max_tokens: 12, temperature: 0}\ntests:\n" + cases + "\n",
        encoding="utf-8",
    )


def stored_rows(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute("SELECT * FROM eval_results ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
    return [dict(row) for row in rows]


def wait_for_cells(process: subprocess.Popen[bytes], db: Path, count: int) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        if db.exists() and len(stored_rows(db)) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"no {count} cells stored in time")


def test_kill_9_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    home, suite = tmp_path / "home", tmp_path / "suite.yaml"
    write_suite(suite)
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--home", str(home), "eval", "run", str(suite)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the model host child dies with it
        env={**os.environ, "WORKBENCH_HOME": str(home)},
    )
    try:
        wait_for_cells(process, home / "workbench.db", KILL_AFTER)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        log.close()
    before = stored_rows(home / "workbench.db")

    result = CliRunner().invoke(cli, ["--home", str(home), "eval", "resume", "1"])
    after = stored_rows(home / "workbench.db")

    assert process.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(before) < N_CASES
    assert result.exit_code == 0, result.output
    assert len(after) == N_CASES
    assert len({row["cell_key"] for row in after}) == N_CASES
    assert sorted(row["position"] for row in after) == list(range(N_CASES))
    assert after[: len(before)] == before  # cells finished before the kill were kept as they were
    with open_store(home) as store:
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (status,) = store.execute("SELECT status FROM eval_runs WHERE id = 1").fetchone()
        assert status == "finished"
        assert verify_chain(store).ok
        actions = [
            row["action"]
            for row in store.query("SELECT action FROM audit_log WHERE subject = 'eval-run:1'")
        ]
    assert actions == ["eval_run.started", "eval_run.resumed", "eval_run.finished"]
