"""Choosing a run's columns: a subset of the suite's prompts and models, or stored prompt
versions and inventory models the suite does not list; resume keeps the choice."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from workbench.errors import NotFoundError
from workbench.evals import (
    CellStarted,
    EvalError,
    RunControl,
    RunEvent,
    RunOptions,
    StoredSuite,
    get_run,
    list_cells,
    load_suite_text,
    resume_run,
    run_matrix,
    save_suite,
)
from workbench.evals.columns import choose_models, choose_prompts
from workbench.store import Store
from workbench.store.audit import list_entries

FakeWorld = Any  # the scripted model world of conftest.py

SUITE = """\
    name: columns-suite
    prompts:
      - support-reply@1
      - id: inline
        template: "Q: {{ message }}"
    models:
      - demo
      - {id: small, name: demo, load: {context_size: 512}, sampling: {temperature: 0.5}}
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: a, vars: {message: Alpha}}
      - {id: b, vars: {message: Bravo}}
    """


def stored_suite(store: Store) -> StoredSuite:
    suite = load_suite_text(textwrap.dedent(SUITE), source="columns.yaml")
    return save_suite(store, suite, origin="test")[0]


def columns(store: Store, run_id: int) -> set[tuple[str, str]]:
    return {(c.prompt_id, c.model_id) for c in list_cells(store, run_id)}


def test_no_choice_runs_every_column_of_the_suite(eval_store: Store, world: FakeWorld) -> None:
    run = run_matrix(eval_store, stored_suite(eval_store), hosts=world.factory)

    assert run.n_cells == 8
    assert columns(eval_store, run.id) == {
        ("support-reply@1", "demo"), ("support-reply@1", "small"),
        ("inline", "demo"), ("inline", "small"),
    }  # fmt: skip


def test_a_subset_runs_only_the_chosen_columns_with_their_overrides(
    eval_store: Store, world: FakeWorld
) -> None:
    options = RunOptions(prompts=("inline",), models=("small",))

    run = run_matrix(eval_store, stored_suite(eval_store), options=options, hosts=world.factory)

    assert run.n_cells == run.n_done == 2
    assert columns(eval_store, run.id) == {("inline", "small")}
    assert [load.settings.context_size for load in world.loads] == [512]
    assert {r.sampling.temperature for r in world.generated} == {0.5}
    assert [p.id for p in run.snapshot.prompts] == ["inline"]


def test_stored_versions_and_inventory_models_outside_the_suite_become_columns(
    eval_store: Store, world: FakeWorld
) -> None:
    options = RunOptions(prompts=("support-reply@3", "support-reply@1"), models=("demo",))

    run = run_matrix(eval_store, stored_suite(eval_store), options=options, hosts=world.factory)

    assert [(p.id, p.resolved_ref) for p in run.snapshot.prompts] == [
        ("support-reply@3", "support-reply@3"),
        ("support-reply@1", "support-reply@1"),
    ]
    assert [m.id for m in run.snapshot.models] == ["demo"]
    assert columns(eval_store, run.id) == {("support-reply@3", "demo"), ("support-reply@1", "demo")}
    started = list_entries(eval_store, subject=f"eval-run:{run.id}")[0].payload_data
    assert [p["resolved_ref"] for p in started["prompts"]] == ["support-reply@3", "support-reply@1"]


def test_a_label_is_frozen_to_the_version_it_points_at(eval_store: Store, world: FakeWorld) -> None:
    options = RunOptions(prompts=("support-reply@production",), models=("demo",))

    run = run_matrix(eval_store, stored_suite(eval_store), options=options, hosts=world.factory)

    assert run.snapshot.prompts[0].resolved_ref == "support-reply@2"


@pytest.mark.parametrize(
    ("prompts", "models", "error", "message"),
    [
        (("support-reply@9",), (), NotFoundError, "9"),
        (("no-such-prompt",), (), NotFoundError, "no-such-prompt"),
        (("two words",), (), EvalError, "neither a prompt of suite columns-suite"),
        ((), ("no-such-model",), NotFoundError, "no-such-model"),
        (("inline", "inline"), (), EvalError, "chosen twice"),
        ((), ("small", "small"), EvalError, "chosen twice"),
        (("  ",), (), EvalError, "empty prompt"),
    ],
)
def test_a_bad_choice_is_refused_before_anything_is_stored(
    eval_store: Store,
    world: FakeWorld,
    prompts: tuple[str, ...],
    models: tuple[str, ...],
    error: type[Exception],
    message: str,
) -> None:
    suite = stored_suite(eval_store)
    options = RunOptions(prompts=prompts, models=models)

    with pytest.raises(error, match=message):
        run_matrix(eval_store, suite, options=options, hosts=world.factory)

    assert eval_store.query("SELECT count(*) AS n FROM eval_runs")[0]["n"] == 0
    assert world.generated == []


def test_ids_are_matched_before_names(eval_store: Store) -> None:
    suite = stored_suite(eval_store).suite

    assert [m.id for m in choose_models(suite, ["demo"])] == ["demo"]
    assert [m.id for m in choose_models(suite, ["small", "demo"])] == ["small", "demo"]
    assert choose_prompts(suite, []) == suite.prompts
    assert [p.id for p in choose_prompts(suite, ["support-reply@1"])] == ["support-reply@1"]


def test_resume_finishes_the_chosen_columns_only(eval_store: Store, world: FakeWorld) -> None:
    control = RunControl()
    seen: list[RunEvent] = []

    def cancel_after_first(event: RunEvent) -> bool:
        seen.append(event)
        return not (isinstance(event, CellStarted) and event.done >= 1)

    options = RunOptions(prompts=("support-reply@3",), models=("small",))
    suite = stored_suite(eval_store)
    run = run_matrix(
        eval_store, suite, options=options, hosts=world.factory, progress=cancel_after_first,
        control=control,
    )  # fmt: skip
    assert run.status == "cancelled"
    assert run.n_done == 1

    finished = resume_run(eval_store, run.id, hosts=world.factory)

    assert finished.status == "finished"
    assert finished.n_done == finished.n_cells == 2
    assert columns(eval_store, run.id) == {("support-reply@3", "small")}
    assert get_run(eval_store, run.id).snapshot.sha256 == run.snapshot.sha256
