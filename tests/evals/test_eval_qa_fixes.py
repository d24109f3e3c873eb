"""What QA found in evaluations: suites that cannot run are refused before anything is stored,
nothing-in-common comparisons say so, unmeasurable rates are None, and promptfoo imports name
every mistake at once."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from workbench.engine import GenerationRequest, LoadRequest
from workbench.errors import EngineError, NotFoundError
from workbench.evals import (
    EvalError,
    MissingCaseVariablesError,
    RunOptions,
    StoredSuite,
    UnresolvedReferencesError,
    UnsupportedImportError,
    check_run,
    compare_runs,
    get_cell,
    get_run,
    import_promptfoo_config,
    list_cells,
    list_suites,
    load_suite_text,
    plan_cells,
    read_promptfoo_config,
    run_matrix,
    save_suite,
    summarize_cells,
    summarize_run,
)
from workbench.evals.records import CellResult
from workbench.evals.snapshot import resolve_suite
from workbench.store import Store

FakeWorld = Any  # the scripted model world of conftest.py

SUITE = """\
    name: qa-suite
    prompts:
      - {id: greet, messages: [{role: user, content: 'Hello {{ nme }}, {{ topic }}'}]}
    models: [demo]
    defaultTest:
      vars: {topic: lamps}
    tests:
      - {id: ada, description: Ada asks, vars: {name: Ada}, assert: [{type: icontains, value: a}]}
      - {id: bob, vars: {nme: Bob}, assert: [{type: icontains, value: b}]}
    """


def suite_text(text: str = SUITE, **replace: str) -> str:
    text = textwrap.dedent(text)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def stored(store: Store, text: str = SUITE, **replace: str) -> StoredSuite:
    suite = load_suite_text(suite_text(text, **replace), source="qa.yaml")
    return save_suite(store, suite, origin="test")[0]


def n_runs(store: Store) -> int:
    return int(store.query("SELECT count(*) AS n FROM eval_runs")[0]["n"])


# -- 1. a promptfoo config given by a relative path is named after its folder -----------------

PROMPTFOO = """\
prompts: ['Answer: {{ q }}']
providers: [openai:gpt-4o, {id: 'ollama:llama3', label: local}]
tests:
  - vars: {q: hi}
    assert: [{type: contains, value: hi}]
"""


def test_a_promptfoo_config_read_from_its_own_folder_is_named_after_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "billing-bot"
    folder.mkdir()
    (folder / "promptfooconfig.yaml").write_text(PROMPTFOO, encoding="utf-8")
    monkeypatch.chdir(folder)

    result = read_promptfoo_config(
        Path("promptfooconfig.yaml"), mapping={"openai:gpt-4o": "demo", "local": "demo"}
    )

    assert result.suite.name == "billing-bot"


# -- 2. undefined template variables are refused before a run starts --------------------------


def test_a_variable_no_case_gives_refuses_the_run_before_anything_is_stored(
    eval_store: Store, world: FakeWorld
) -> None:
    suite = stored(eval_store)

    with pytest.raises(MissingCaseVariablesError) as caught:
        run_matrix(eval_store, suite, hosts=world.factory)

    message = str(caught.value)
    assert "prompt greet, case 'Ada asks' (ada): missing nme" in message
    assert "case 'bob'" not in message  # bob gives nme; topic comes from the default vars
    assert "case's vars" in message
    assert "default vars" in message
    assert caught.value.missing == (("greet", "'Ada asks' (ada)", ("nme",)),)
    assert n_runs(eval_store) == 0
    assert world.generated == []
    with pytest.raises(MissingCaseVariablesError):
        check_run(eval_store, suite.suite)  # the same check for a suite not stored yet


def test_default_vars_and_guarded_variables_satisfy_the_check(
    eval_store: Store, world: FakeWorld
) -> None:
    suite = stored(
        eval_store,
        **{
            "{topic: lamps}": "{topic: lamps, nme: Someone}",
            "{{ topic }}": '{{ x | default("none") }}',
        },
    )

    run = run_matrix(eval_store, suite, hosts=world.factory)

    assert run.status == "finished"
    assert all(cell.status == "ok" for cell in list_cells(eval_store, run.id))


def test_the_check_judges_variables_as_rendering_does(eval_store: Store) -> None:
    # Guarded once and used bare once: the static rule called it optional, rendering fails.
    suite = stored(eval_store, **{"{{ topic }}": '{{ topic }} {{ x | default("") }} {{ x }}'})
    with pytest.raises(MissingCaseVariablesError) as caught:
        check_run(eval_store, suite.suite)
    assert caught.value.missing == (
        ("greet", "'Ada asks' (ada)", ("nme",)),
        ("greet", "'bob'", ("x",)),  # bob gives nme: only rendering finds x missing
    )
    # Set inside the template, or only in a branch not taken: renders, so runs.
    fine = stored(
        eval_store,
        **{
            "name: qa-suite": "name: qa-suite-2",
            "{{ topic }}": '{% set shop = "Lumen" %}{{ shop }}'
            "{% if y is defined %}{{ y }}{% endif %}",
            "{name: Ada}": "{nme: Ada}",
        },
    )
    check_run(eval_store, fine.suite)


def test_a_cell_that_misses_a_variable_points_at_case_vars_not_the_command_line(
    eval_store: Store,
) -> None:
    snapshot = resolve_suite(eval_store, stored(eval_store))  # resolving does not check vars

    errors = [cell.render_error for cell in plan_cells(snapshot) if cell.render_error]

    assert len(errors) == 1
    assert "Missing variable for prompt greet: nme" in errors[0]
    assert "case's vars" in errors[0]
    assert "--var" not in errors[0]


# -- 3. unknown models and prompts are all named before anything is stored --------------------


def test_every_unknown_model_and_prompt_is_named_at_once(
    eval_store: Store, world: FakeWorld
) -> None:
    text = suite_text(
        **{
            "models: [demo]": "models: [nomodel, demo, other-missing]\njudge: no-judge",
            "  - {id: greet,": "  - support-reply@42\n  - no-such-prompt\n  - {id: greet,",
            "{name: Ada}": "{nme: Ada}",
            # a judge is required only by a case that needs one
            "{type: icontains, value: b}": "{type: llm-rubric, value: polite}",
        }
    )
    suite = load_suite_text(text, source="qa.yaml")

    with pytest.raises(UnresolvedReferencesError) as caught:
        check_run(eval_store, suite)

    message = str(caught.value)
    for expected in (
        "model 'nomodel' is not in the inventory",
        "model 'other-missing' is not in the inventory",
        "judge model 'no-judge' is not in the inventory",
        "prompt 'support-reply@42'",
        "prompt 'no-such-prompt'",
        "Registered models: demo",
        "workbench models list",
        "Stored prompts: support-reply",
    ):
        assert expected in message
    assert len(caught.value.problems) == 5
    assert isinstance(caught.value, NotFoundError)  # what callers caught before
    stored_suite = save_suite(eval_store, suite, origin="test")[0]
    with pytest.raises(UnresolvedReferencesError):
        run_matrix(eval_store, stored_suite, hosts=world.factory)
    assert n_runs(eval_store) == 0


def test_the_check_follows_the_columns_a_run_chooses(eval_store: Store) -> None:
    suite = load_suite_text(
        suite_text(**{"models: [demo]": "models: [nomodel]", "{name: Ada}": "{nme: Ada}"}),
        source="qa.yaml",
    )

    check_run(eval_store, suite, RunOptions(models=("demo",)))  # nomodel is not used

    with pytest.raises(UnresolvedReferencesError, match="nomodel"):
        check_run(eval_store, suite)


# -- 4. comparisons with nothing in common -----------------------------------------------------


def test_runs_with_nothing_in_common_get_no_verdict(eval_store: Store, world: FakeWorld) -> None:
    a = stored(eval_store, **{"{name: Ada}": "{nme: Ada}"})
    b = stored(
        eval_store,
        **{"name: qa-suite": "name: other", "id: ada": "id: cy", "id: bob": "id: dee",
           "{name: Ada}": "{nme: Ada}"},
    )  # fmt: skip
    run_a = run_matrix(eval_store, a, hosts=world.factory)
    run_b = run_matrix(eval_store, b, hosts=world.factory)

    comparison = compare_runs(eval_store, run_a.id, run_b.id)

    assert comparison.matched == 0
    assert comparison.nothing_in_common
    assert comparison.tests == ()
    data = comparison.to_dict()
    assert data["nothing_in_common"] is True
    assert data["tests"] == []


def _cell(prompt: str, case: str, passed: bool) -> CellResult:
    return CellResult(
        id=0, run_id=1, number=1, key=f"{prompt}|m|{case}|0", prompt_id=prompt, model_id="m",
        case_id=case, repeat=0, seed=0, status="ok", output="x", passed=passed, score=1.0,
        reason="", grading={}, prompt_tokens=1, completion_tokens=3, time_to_first_token_s=0.1,
        tokens_per_second=None, total_seconds=0.2, finish_reason="stop", error=None,
        finished_at="",
    )  # fmt: skip


def test_two_columns_without_a_shared_case_are_not_compared() -> None:
    cells = [_cell("a", "x", True), _cell("b", "y", False), _cell("c", "x", False)]

    summary = summarize_cells(cells, [("a", "m"), ("b", "m"), ("c", "m")])

    assert [(c.a[0], c.b[0]) for c in summary.comparisons] == [("a", "c")]


# -- 5. promptfoo --map mistakes ---------------------------------------------------------------


def test_a_map_key_that_names_no_provider_is_refused_with_the_providers(tmp_path: Path) -> None:
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(PROMPTFOO, encoding="utf-8")

    with pytest.raises(UnsupportedImportError) as caught:
        read_promptfoo_config(
            config,
            mapping={"openai:gpt-4o": "demo", "local": "demo", "openai:gpt4o": "demo"},
            skip_unsupported=True,  # a mistaken --map is never skipped
        )

    (item,) = caught.value.items
    assert "--map openai:gpt4o=... names no provider" in item
    assert "'openai:gpt-4o', 'ollama:llama3', 'local'" in item
    assert "--skip-unsupported skips what cannot be mapped, not a mistaken --map" in str(
        caught.value
    )


def test_an_unknown_model_is_named_with_every_other_problem_at_once(
    tmp_path: Path, eval_store: Store
) -> None:
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(
        PROMPTFOO.replace("{type: contains, value: hi}", "{type: javascript, value: 'true'}"),
        encoding="utf-8",
    )
    before = list_suites(eval_store)

    with pytest.raises(UnsupportedImportError) as caught:
        import_promptfoo_config(
            eval_store, config, mapping={"openai:gpt-4o": "nope", "typo": "demo"}
        )

    items = "\n".join(caught.value.items)
    assert "No model named 'nope'" in items
    assert "registered: demo" in items
    assert "--map typo=... names no provider" in items
    assert "provider 'ollama:llama3' is not mapped" in items
    assert "assertion type 'javascript' is not supported" in items
    assert list_suites(eval_store) == before


# -- 6. cases without assertions are counted ---------------------------------------------------


def test_cases_without_assertions_are_counted_in_the_summary(
    eval_store: Store, world: FakeWorld
) -> None:
    suite = stored(
        eval_store,
        **{"{name: Ada}": "{nme: Ada}", ", assert: [{type: icontains, value: b}]": ""},
    )

    run = run_matrix(eval_store, suite, hosts=world.factory)

    summary = summarize_run(eval_store, run.id)
    assert summary.unasserted_cases == ("bob",)
    assert summary.to_dict()["cases_without_assertions"] == 1
    assert get_run(eval_store, run.id).summary["cases_without_assertions"] == 1


# -- 7. tokens/s that cannot be measured ------------------------------------------------------


def test_tokens_per_second_of_one_or_no_completion_token_is_not_measured(
    eval_store: Store, world: FakeWorld
) -> None:
    def short(request: GenerationRequest, loaded: LoadRequest) -> str:
        return "" if "Bob" in request.messages[-1].content else "Yes"

    world.responder = short
    run = run_matrix(
        eval_store, stored(eval_store, **{"{name: Ada}": "{nme: Ada}"}), hosts=world.factory
    )

    cells = list_cells(eval_store, run.id)
    assert [c.completion_tokens for c in cells] in ([1, 0], [0, 1])
    assert [c.tokens_per_second for c in cells] == [None, None]
    (column,) = summarize_run(eval_store, run.id).columns
    assert column.tokens_per_second.n == 0
    assert column.tokens_per_second.median is None


# -- 8. clean errors --------------------------------------------------------------------------


def test_a_cell_of_an_unknown_run_names_the_run(eval_store: Store, world: FakeWorld) -> None:
    with pytest.raises(NotFoundError, match=r"^No evaluation run 999\.$"):
        get_cell(eval_store, 999, 1)
    run = run_matrix(
        eval_store, stored(eval_store, **{"{name: Ada}": "{nme: Ada}"}), hosts=world.factory
    )
    with pytest.raises(NotFoundError, match=r"has no finished cell 9 \(it has 2 of 2 cells"):
        get_cell(eval_store, run.id, 9)


def test_an_unknown_tag_lists_the_tags_that_exist(eval_store: Store, world: FakeWorld) -> None:
    suite = stored(
        eval_store,
        **{"{name: Ada}": "{nme: Ada}", "id: ada,": "id: ada, tags: [smoke, slow],"},
    )

    with pytest.raises(EvalError, match=r"tag\(s\) nonexistent \(its tags: slow, smoke\)"):
        run_matrix(eval_store, suite, options=RunOptions(tags=("nonexistent",)))


def test_an_engine_refusal_is_still_an_error_cell(eval_store: Store, world: FakeWorld) -> None:
    def refuse(request: GenerationRequest, loaded: LoadRequest) -> str:
        raise EngineError("the prompt has 9999 tokens but the model was loaded with 2048")

    world.responder = refuse
    run = run_matrix(
        eval_store, stored(eval_store, **{"{name: Ada}": "{nme: Ada}"}), hosts=world.factory
    )

    summary = summarize_run(eval_store, run.id)
    assert summary.n_errors == 2
    assert summary.to_dict()["n_errors"] == 2
