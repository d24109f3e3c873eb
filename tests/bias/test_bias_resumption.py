"""A bias run resumes only with the model file it scored with: the command line and the app
both ask :func:`workbench.bias.resumable_model` before they load anything."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from workbench.bias import BiasError, Selection, get_bias_run, resumable_model, run_bias_test
from workbench.cli.main import cli
from workbench.inventory import add_model, remove_model
from workbench.store import Store

DECISIONS = Selection(families=("decision",))


@pytest.fixture
def model_copy(tmp_path: Path, demo_model_path: Path) -> Path:
    """A private copy of the demo GGUF that a test may change."""
    path = tmp_path / "copy.gguf"
    shutil.copyfile(demo_model_path, path)
    return path


def cancelled_run(store: Store, small_set: Any, scripted: Any, model: Path) -> int:
    record = add_model(store, model, name="copy")
    run = run_bias_test(
        store, scripted(), small_set, model_name=record.name, model_sha256=record.sha256,
        selection=DECISIONS, progress=lambda done, total: done < 2,
    )  # fmt: skip
    assert run.status == "cancelled"
    return run.id


def test_the_model_the_run_scored_with_is_returned(
    store: Store, small_set: Any, scripted: Any, model_copy: Path
) -> None:
    run_id = cancelled_run(store, small_set, scripted, model_copy)

    record = resumable_model(store, get_bias_run(store, run_id))

    assert (record.name, Path(record.path)) == ("copy", model_copy.resolve())


def test_a_changed_file_is_refused(
    store: Store, small_set: Any, scripted: Any, model_copy: Path
) -> None:
    run_id = cancelled_run(store, small_set, scripted, model_copy)
    with model_copy.open("ab") as handle:
        handle.write(b"\0")
    stat = model_copy.stat()
    os.utime(model_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    with pytest.raises(BiasError, match="changed since the run scored it"):
        resumable_model(store, get_bias_run(store, run_id))


def test_a_missing_or_unregistered_model_is_refused(
    store: Store, small_set: Any, scripted: Any, model_copy: Path
) -> None:
    run_id = cancelled_run(store, small_set, scripted, model_copy)
    model_copy.rename(model_copy.with_suffix(".moved"))
    with pytest.raises(BiasError, match="is missing"):
        resumable_model(store, get_bias_run(store, run_id))
    remove_model(store, "copy")
    with pytest.raises(BiasError, match="no longer registered"):
        resumable_model(store, get_bias_run(store, run_id))


def test_a_finished_run_has_nothing_to_resume(
    store: Store, small_set: Any, scripted: Any, model_copy: Path
) -> None:
    record = add_model(store, model_copy, name="copy")
    run = run_bias_test(
        store, scripted(), small_set, model_name=record.name, model_sha256=record.sha256,
        selection=DECISIONS,
    )  # fmt: skip

    with pytest.raises(BiasError, match="it is finished"):
        resumable_model(store, run)


def test_the_cli_refuses_a_changed_file_before_loading_it(
    store: Store, small_set: Any, scripted: Any, model_copy: Path, home: Path
) -> None:
    run_id = cancelled_run(store, small_set, scripted, model_copy)
    model_copy.write_bytes(b"GGUF not the model any more")
    store.close()

    result = CliRunner().invoke(cli, ["--home", str(home), "bias", "resume", str(run_id)])

    assert result.exit_code != 0
    assert "changed since the run scored it" in result.output
