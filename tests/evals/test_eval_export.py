"""Exports of a run's cells are audited: the entry's digest is the written file's, and a failed
or cancelled export leaves neither file nor entry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import NotFoundError
from workbench.evals import (
    ExportCancelledError,
    ExportFileError,
    RunExport,
    export_run_to_file,
    export_run_to_stream,
    load_suite_text,
    run_matrix,
    save_suite,
)
from workbench.store import Store
from workbench.store.audit import list_entries, verify_chain

FakeWorld = Any  # the scripted model world of conftest.py (conftest cannot be imported)

SUITE = """\
    name: export-suite
    prompts: [support-reply@1]
    models: [demo]
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: b, vars: {message: Bravo}, assert: [{type: icontains, value: bravo}]}
      - {id: a, vars: {message: Älpha}, assert: [{type: icontains, value: zzz}]}
      - {id: c, vars: {message: Charlie}}
    """


@pytest.fixture
def run_id(eval_store: Store, world: FakeWorld) -> int:
    """A finished run of 3 cells."""
    suite = load_suite_text(textwrap.dedent(SUITE), source="test.yaml")
    stored = save_suite(eval_store, suite, origin="test")[0]
    return run_matrix(eval_store, stored, hosts=world.factory).id


def _exports(store: Store) -> list[dict[str, Any]]:
    return [
        {"subject": e.subject, **e.payload_data}
        for e in list_entries(store, action="eval_run.exported")
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_file_export_is_audited_with_the_files_sha256(
    eval_store: Store, run_id: int, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"run.{fmt}"

    done = export_run_to_file(eval_store, run_id, fmt, target)

    assert done == RunExport(run_id, fmt, 3, target, _sha256(target))
    assert _exports(eval_store) == [
        {
            "subject": f"eval-run:{run_id}",
            "format": fmt,
            "cells": 3,
            "path": str(target),
            "sha256": _sha256(target),
        }
    ]
    assert verify_chain(eval_store).ok
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    text = target.read_text(encoding="utf-8")
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == 3
    else:
        assert len([json.loads(line) for line in text.splitlines()]) == 3


def test_a_relative_path_is_recorded_absolute(
    eval_store: Store, run_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    done = export_run_to_file(eval_store, run_id, "csv", Path("out.csv"))

    assert done.path == tmp_path / "out.csv"
    assert _exports(eval_store)[0]["path"] == str(tmp_path / "out.csv")


def test_a_stream_export_is_audited_with_no_path_and_the_digest_of_its_bytes(
    eval_store: Store, run_id: int
) -> None:
    out = io.BytesIO()

    done = export_run_to_stream(eval_store, run_id, "jsonl", out)

    written = out.getvalue()
    assert len(written.decode("utf-8").splitlines()) == 3
    assert "Älpha" in written.decode("utf-8")
    assert done.sha256 == hashlib.sha256(written).hexdigest()
    (entry,) = _exports(eval_store)
    assert (entry["path"], entry["sha256"], entry["cells"]) == (None, done.sha256, 3)
    assert verify_chain(eval_store).ok


def test_an_export_into_a_missing_folder_leaves_no_file_and_no_entry(
    eval_store: Store, run_id: int, tmp_path: Path
) -> None:
    with pytest.raises(ExportFileError, match="No such file or directory"):
        export_run_to_file(eval_store, run_id, "csv", tmp_path / "missing" / "run.csv")

    assert not (tmp_path / "missing").exists()
    assert _exports(eval_store) == []
    assert verify_chain(eval_store).ok


def test_a_rename_that_fails_rolls_the_entry_back_and_removes_the_temporary_file(
    eval_store: Store, run_id: int, tmp_path: Path
) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # the rename over it fails after the entry was appended, before the commit
    entries_before = len(list_entries(eval_store))

    with pytest.raises(ExportFileError, match="Could not write"):
        export_run_to_file(eval_store, run_id, "jsonl", target)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval-home", "taken"]
    assert list(target.iterdir()) == []
    assert len(list_entries(eval_store)) == entries_before
    assert verify_chain(eval_store).ok
    assert export_run_to_file(eval_store, run_id, "csv", tmp_path / "ok.csv").cells == 3
    assert [e["path"] for e in _exports(eval_store)] == [str(tmp_path / "ok.csv")]
    assert verify_chain(eval_store).ok


def test_a_cancelled_export_keeps_the_earlier_file_and_appends_nothing(
    eval_store: Store, run_id: int, tmp_path: Path
) -> None:
    target = tmp_path / "run.csv"
    target.write_text("the earlier export\n", encoding="utf-8")

    with pytest.raises(ExportCancelledError):
        export_run_to_file(eval_store, run_id, "csv", target, cancelled=lambda: True)

    assert target.read_text(encoding="utf-8") == "the earlier export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval-home", "run.csv"]
    assert _exports(eval_store) == []


def test_an_unknown_run_fails_before_any_file_is_made(eval_store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        export_run_to_file(eval_store, 99, "csv", tmp_path / "run.csv")

    assert not (tmp_path / "run.csv").exists()
    assert _exports(eval_store) == []
