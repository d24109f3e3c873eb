"""Registering models: hashing, audit entries, nothing half-registered on failure."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from workbench.bootstrap import initialise_store
from workbench.errors import AlreadyExistsError, InvalidModelFileError, NotFoundError
from workbench.inventory import add_model, get_model, hash_file, list_models, remove_model
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import Store
from workbench.store.audit import list_entries, verify_chain


def test_adding_the_demo_model_records_metadata_hash_and_audit_entry(
    store: Store, demo_model_path: Path
) -> None:
    record = add_model(store, demo_model_path, name="demo")

    expected = hashlib.sha256(demo_model_path.read_bytes()).hexdigest()
    assert record.sha256 == expected
    assert get_model(store, "demo") == record
    assert record.file_type == "Q4_1"
    [entry] = list_entries(store, action="model.added")
    assert entry.subject == "demo"
    assert entry.payload_data["sha256"] == expected
    assert verify_chain(store).ok


def test_default_name_comes_from_metadata(store: Store, demo_model_path: Path) -> None:
    record = add_model(store, demo_model_path)
    assert record.name == "smollm2-135m-8k-lc100k-mix1-ep2"


def test_duplicate_name_is_refused(store: Store, demo_model_path: Path) -> None:
    add_model(store, demo_model_path, name="demo")
    with pytest.raises(AlreadyExistsError, match="--name"):
        add_model(store, demo_model_path, name="demo")
    assert len(list_entries(store, action="model.added")) == 1


def test_broken_file_registers_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 40)

    with pytest.raises(InvalidModelFileError):
        add_model(store, bad)

    assert list_models(store) == []
    assert list_entries(store) == []


def test_remove_keeps_the_file_and_audits(store: Store, demo_model_path: Path) -> None:
    add_model(store, demo_model_path, name="demo")
    removed = remove_model(store, "demo")

    assert removed.name == "demo"
    assert demo_model_path.is_file()
    with pytest.raises(NotFoundError, match="No model named 'demo'"):
        get_model(store, "demo")
    assert [e.action for e in list_entries(store)] == ["model.added", "model.removed"]


def test_hash_is_cached_by_path_size_and_mtime(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(b"x" * 10_000)
    real = hashlib.sha256(b"x" * 10_000).hexdigest()
    assert hash_file(path, store=store) == real
    store.execute("UPDATE file_hashes SET sha256 = 'cached-value'")

    assert hash_file(path, store=store) == "cached-value"  # served from the cache

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert hash_file(path, store=store) == real  # mtime changed: hashed again


def test_hash_progress_reports_and_can_cancel(tmp_path: Path) -> None:
    from workbench.inventory.hashing import CHUNK_BYTES, HashCancelledError

    path = tmp_path / "big.bin"
    path.write_bytes(b"\0" * (CHUNK_BYTES * 3))
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < CHUNK_BYTES * 2

    with pytest.raises(HashCancelledError):
        hash_file(path, progress=progress)
    assert seen == [CHUNK_BYTES, CHUNK_BYTES * 2]


def test_first_start_registers_the_default_model_once(store: Store) -> None:
    initialise_store(store)
    assert [m.name for m in list_models(store)] == [DEFAULT_MODEL_NAME]

    remove_model(store, DEFAULT_MODEL_NAME)
    initialise_store(store)

    assert list_models(store) == []  # a removed default model does not come back
