"""Stored suites (versioned, deduplicated, immutable, audited) and the example suite that a new
store gets on first start."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest

from workbench import bootstrap
from workbench.errors import NotFoundError
from workbench.evals import get_suite, list_suites, load_suite_text, save_suite
from workbench.evals.examples import example_suite_files, import_example_suites
from workbench.evals.plan import plan_cells
from workbench.evals.snapshot import resolve_suite
from workbench.store import Store, open_store
from workbench.store.audit import list_entries
from workbench.store.migrations import known_migration_names

SUITE = textwrap.dedent(
    """\
    name: lib
    prompts: [support-reply@1]
    models: [demo]
    tests: [{vars: {message: hi}}]
    """
)


def test_the_evals_migration_sits_between_conversations_and_bias() -> None:
    names = known_migration_names()
    assert names.index("m004_evals") == names.index("m003_conversations") + 1


def test_saving_new_content_adds_a_version_and_same_content_adds_nothing(
    eval_store: Store,
) -> None:
    first, created_first = save_suite(eval_store, load_suite_text(SUITE), origin="a")
    same, created_same = save_suite(eval_store, load_suite_text(SUITE), origin="b")
    changed, _ = save_suite(eval_store, load_suite_text(SUITE.replace("hi", "hello")), origin="c")

    assert (created_first, created_same) == (True, False)
    assert same.id == first.id
    assert same.origin == "a"
    assert changed.version == 2
    assert changed.ref == "lib@2"
    assert get_suite(eval_store, "lib").version == 2
    assert get_suite(eval_store, "lib@1").suite.sha256 == first.sha256
    assert [(s.name, s.version) for s in list_suites(eval_store)] == [("lib", 2)]
    audited = list_entries(eval_store, subject="lib", action="eval_suite.saved")
    assert [e.payload_data["version"] for e in audited] == [1, 2]
    with pytest.raises(NotFoundError, match="No version 3 of suite 'lib'"):
        get_suite(eval_store, "lib@3")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        eval_store.execute("UPDATE eval_suites SET description = 'x'")


def test_the_example_suite_resolves_against_the_example_prompt_and_demo_model(
    eval_store: Store,
) -> None:
    (stored,) = import_example_suites(eval_store)
    text = example_suite_files()[0].read_text(encoding="utf-8")
    suite = load_suite_text(text.replace("smollm2-135m-instruct", "demo"), source="example")
    demo, _ = save_suite(eval_store, suite, origin="test")

    snapshot = resolve_suite(eval_store, demo)
    cells = plan_cells(snapshot)

    assert stored.name == "support-reply-smoke"
    assert len(stored.suite.cases) == 12
    types = {a.type for case in stored.suite.cases for a in case.assertions}
    assert len(types | {a.type for a in stored.suite.default_assertions}) >= 8
    assert [p.resolved_ref for p in snapshot.prompts] == [
        "support-reply@1", "support-reply@2", "support-reply@3"
    ]  # fmt: skip
    assert snapshot.judge is not None
    assert snapshot.judge.name == "demo"
    assert len(cells) == 36
    assert all(cell.request is not None for cell in cells)


def test_first_start_offers_the_example_suite_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "default_model_path", lambda: None)
    home = tmp_path / "first"
    with open_store(home) as store:
        bootstrap.initialise_store(store)
        assert [s.name for s in list_suites(store)] == ["support-reply-smoke"]
    with open_store(home) as store:
        bootstrap.initialise_store(store)
        assert len(list_suites(store)) == 1
        assert list_suites(store)[0].version == 1


def test_repeated_cases_without_ids_are_stored_and_read_back(eval_store: Store) -> None:
    text = SUITE.replace(
        "tests: [{vars: {message: hi}}]", "tests: [{vars: {message: hi}}, {vars: {message: hi}}]"
    )

    stored, _ = save_suite(eval_store, load_suite_text(text), origin="test")
    again = get_suite(eval_store, "lib")

    first, second = (case.id for case in again.suite.cases)
    assert second == f"{first}~2"
    assert again.sha256 == stored.sha256


def test_a_definition_that_would_not_read_back_is_refused_before_it_is_stored(
    eval_store: Store,
) -> None:
    from dataclasses import replace

    from workbench.evals import SuiteFileError

    suite = load_suite_text(SUITE)
    broken = replace(suite, cases=(replace(suite.cases[0], id="has space"),))

    with pytest.raises(SuiteFileError, match="invalid case id 'has space'"):
        save_suite(eval_store, broken, origin="test")

    assert list_suites(eval_store) == []
