"""Finding, importing and exporting: probe sets by name and version, runs as CSV and JSONL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from workbench.bias import (
    ExportFileError,
    ProbeSetConflictError,
    Selection,
    export_bias_run,
    export_bias_run_to_file,
    export_bias_run_to_stream,
    get_probe_set,
    import_probe_set,
    list_probe_sets,
    run_bias_test,
)
from workbench.canonical import sha256_hex
from workbench.errors import NotFoundError
from workbench.store.audit import list_entries, verify_chain

MODEL = {"model_name": "scripted", "model_sha256": "ab" * 32}


def test_shipped_sets_are_listed_and_found_by_name(store) -> None:
    refs = {info.ref for info in list_probe_sets(store)}
    assert {
        "decisions-hiring-lending-housing@1",
        "ambiguity-qa@1",
        "stereotype-preference@1",
    } <= refs
    assert get_probe_set(store, "ambiguity-qa").version == 1
    assert get_probe_set(store, "ambiguity-qa@1").name == "ambiguity-qa"
    with pytest.raises(NotFoundError, match="available:"):
        get_probe_set(store, "nope")


def test_import_stores_once_and_refuses_changed_content_under_the_same_version(
    store, tmp_path: Path, small_set_text: str
) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(small_set_text, encoding="utf-8")
    probe_set, created = import_probe_set(store, path)
    assert created
    assert import_probe_set(store, path)[1] is False
    assert get_probe_set(store, "small").sha256 == probe_set.sha256
    path.write_text(small_set_text.replace("Loan one.", "Loan 1."), encoding="utf-8")
    with pytest.raises(ProbeSetConflictError, match="new version"):
        import_probe_set(store, path)
    path.write_text(
        small_set_text.replace("Loan one.", "Loan 1.").replace("version: 1", "version: 2")
    )
    assert import_probe_set(store, path)[0].version == 2
    assert get_probe_set(store, "small").version == 2
    assert [e.subject for e in list_entries(store, action="probe_set.imported")] == [
        "small@1",
        "small@2",
    ]


def test_a_file_path_works_as_a_probe_set_reference(store, tmp_path: Path, small_set_text: str):
    path = tmp_path / "mine.yaml"
    path.write_text(small_set_text, encoding="utf-8")
    assert get_probe_set(store, str(path)).name == "small"


def test_exports_hold_the_evidence_and_are_audited(store, small_set, scripted) -> None:
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=Selection(families=("decision",))
    )
    metrics = export_bias_run(store, run.id, "csv")
    rows = list(csv.DictReader(io.StringIO(metrics.text)))
    assert {r["metric"] for r in rows} == {"effect", "impact_ratio", "flip_rate"}
    variants = export_bias_run(store, run.id, "csv", table="variants")
    assert variants.records == 12 * 4  # one row per continuation
    everything = export_bias_run(store, run.id, "jsonl")
    lines = [json.loads(line) for line in everything.text.splitlines()]
    assert [line["type"] for line in lines][:1] == ["run"]
    assert sum(line["type"] == "variant" for line in lines) == 12
    assert everything.sha256 == sha256_hex(everything.text)
    exported = list_entries(store, action="bias_run.exported")
    assert [e.payload_data["sha256"] for e in exported][-1] == everything.sha256


def test_a_file_export_is_audited_once_written_and_a_failed_one_leaves_nothing(
    store, small_set, scripted, tmp_path: Path
) -> None:
    run = run_bias_test(
        store, scripted(), small_set, **MODEL, selection=Selection(families=("decision",))
    )
    target = tmp_path / "variants.csv"

    done = export_bias_run_to_file(store, run.id, "csv", target, table="variants")

    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert (done.path, done.sha256, done.records, done.table) == (target, digest, 48, "variants")
    (entry,) = list_entries(store, action="bias_run.exported")
    assert entry.subject == f"bias-run:{run.id}"
    assert entry.payload_data == {
        "format": "csv", "table": "variants", "records": 48, "path": str(target),
        "sha256": digest,
    }  # fmt: skip
    assert (
        target.read_text(encoding="utf-8")
        == export_bias_run(store, run.id, "csv", table="variants").text
    )

    with pytest.raises(ExportFileError, match="No such file or directory"):
        export_bias_run_to_file(store, run.id, "jsonl", tmp_path / "missing" / "all.jsonl")
    stream = io.BytesIO()
    streamed = export_bias_run_to_stream(store, run.id, "jsonl", stream)
    assert streamed.sha256 == hashlib.sha256(stream.getvalue()).hexdigest()
    assert [e.payload_data["path"] for e in list_entries(store, action="bias_run.exported")] == [
        str(target), None, None,  # the file, the text above, the stream; not the failed one
    ]  # fmt: skip
    assert not (tmp_path / "missing").exists()
    assert verify_chain(store).ok
