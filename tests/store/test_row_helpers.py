"""The shared row helpers of the repositories, on a real store: runs are inserted with their
columns and only their mutable fields can be updated."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store import open_store
from workbench.store.evals_repo import get_run_row, insert_run_row, update_run_row
from workbench.store.row_helpers import insert_row, update_row


def test_insert_and_update_a_run_row(home: Path) -> None:
    with open_store(home) as store:
        with store.transaction():
            suite_id = insert_row(
                store, "eval_suites",
                ("name", "version", "description", "sha256", "definition", "origin",
                 "created_at", "created_by"),
                {"name": "s", "version": 1, "description": "", "sha256": "0" * 64,
                 "definition": "{}", "origin": "test", "created_at": "now", "created_by": "me"},
            )  # fmt: skip
            run_id = insert_run_row(
                store,
                {"suite_id": suite_id, "suite_name": "s", "suite_version": 1,
                 "suite_sha256": "0" * 64, "snapshot": "{}", "snapshot_sha256": "1" * 64,
                 "status": "running", "n_cells": 3, "worker": "{}", "started_at": "now"},
            )  # fmt: skip
            update_run_row(store, run_id, status="cancelled", error="stopped")

        row = get_run_row(store, run_id)

    assert row is not None
    assert (row["status"], row["error"], row["n_cells"]) == ("cancelled", "stopped", 3)


def test_an_immutable_field_is_refused_before_anything_is_written(home: Path) -> None:
    with open_store(home) as store:
        with pytest.raises(ValueError, match="not updatable eval_runs fields: snapshot"):
            update_row(store, "eval_runs", 1, {"snapshot": "{}"}, ("status",))
        with pytest.raises(ValueError, match="suite_sha256"):
            update_run_row(store, 1, suite_sha256="x")
