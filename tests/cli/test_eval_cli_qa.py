"""``workbench eval`` after QA: what cannot run is refused before it is stored, errored cells
fail the command, and the text names cases and repeats the way people read them."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runs import ok, write_suite

from workbench.errors import EngineError

SUITE = textwrap.dedent(
    """\
    name: qa-cli
    prompts: [support-reply@1]
    models: [smollm2-135m-instruct]
    defaultTest:
      vars: {customer_name: Ada}
    tests:
      - {id: lamp, description: Flickering lamp, vars: {message: lamp},
         assert: [{type: icontains, value: lamp}]}
      - {id: bulb, vars: {message: bulb}, assert: [{type: icontains, value: bulb}]}
    """
)


def write(tmp_path: Path, text: str = SUITE, name: str = "suite.yaml", **replace: str) -> Path:
    """:func:`cli_runs.write_suite`, this module's suite by default."""
    return write_suite(tmp_path, text, name, **replace)


@pytest.fixture
def reply(script_model: Any) -> Callable[[Callable[[str], str]], None]:
    """``reply(fn)``: the scripted model answers ``fn(message)`` (default: 'Hello, <msg>')."""
    script_model(lambda message: f"Hello, {message}")
    return script_model  # type: ignore[no-any-return]


def suites(run: Any) -> str:
    return ok(run("eval", "suites", "--json"))


# -- 1 ----------------------------------------------------------------------------------------


def test_a_promptfoo_config_imported_from_its_folder_is_named_after_it(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "billing-bot"
    folder.mkdir()
    write(
        folder,
        "prompts: ['Answer: {{ q }}']\nproviders: [openai:gpt-4o]\n"
        "tests:\n  - vars: {q: hi}\n    assert: [{type: contains, value: hi}]\n",
        name="promptfooconfig.yaml",
    )
    monkeypatch.chdir(folder)

    imported = run(
        "eval", "import", "promptfooconfig.yaml", "--map", "openai:gpt-4o=smollm2-135m-instruct"
    )

    assert "Stored suite billing-bot@1" in ok(imported)


# -- 2 ----------------------------------------------------------------------------------------


def test_an_undefined_variable_refuses_the_run_and_stores_nothing(
    run: Any, reply: Any, tmp_path: Path
) -> None:
    inline = "[{id: p, messages: [{role: user, content: 'Hi {{ nme }}'}]}]"
    path = write(tmp_path, **{"[support-reply@1]": inline})

    result = run("eval", "run", str(path))

    assert result.exit_code == 1
    assert "prompt p, case 'Flickering lamp' (lamp): missing nme" in result.output
    assert "prompt p, case 'bulb': missing nme" in result.output
    assert "default vars" in result.output
    assert "--var" not in result.output
    assert "qa-cli" not in suites(run)
    assert json.loads(ok(run("eval", "list", "--json"))) == []


def test_errored_cells_make_the_run_exit_3(run: Any, script_model: Any, tmp_path: Path) -> None:
    def refuse_bulb(message: str) -> str:
        if message == "bulb":
            raise EngineError("the prompt has 9999 tokens but the model was loaded with 2048")
        return f"Hello, {message}"

    script_model(refuse_bulb)

    result = run("eval", "run", str(write(tmp_path)))
    as_json = run("eval", "run", "qa-cli", "--json")
    helped = ok(run("eval", "run", "-h"))

    assert result.exit_code == 3, result.output
    assert "1 cell of run 1 errored and was not evaluated (exit code 3)" in result.stderr
    assert "the engine refused" in result.stderr
    assert "Errors: 1 cell could not be evaluated" in result.stdout
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["summary"]["n_errors"] == 1
    assert "3    a cell errored" in helped


# -- 3 ----------------------------------------------------------------------------------------


def test_a_suite_file_with_unknown_models_and_prompts_is_not_stored(
    run: Any, reply: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        **{
            "models: [smollm2-135m-instruct]": "models: [nomodel, also-missing]",
            "[support-reply@1]": "[support-reply@1, support-reply@42]",
        },
    )

    result = run("eval", "run", str(path))

    assert result.exit_code == 1
    assert "Stored suite" not in result.output
    for expected in (
        "model 'nomodel' is not in the inventory",
        "model 'also-missing' is not in the inventory",
        "prompt 'support-reply@42'",
        "Registered models: smollm2-135m-instruct",
        "workbench models list",
    ):
        assert expected in result.output
    assert "qa-cli" not in suites(run)


def test_import_stores_a_suite_with_unknown_models_but_warns(
    run: Any, reply: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, **{"models: [smollm2-135m-instruct]": "models: [nomodel]"})

    result = run("eval", "import", str(path))

    assert "Stored suite qa-cli@1" in ok(result)
    assert "Warning: suite qa-cli@1: model 'nomodel' is not in the inventory" in result.stderr


# -- 4 ----------------------------------------------------------------------------------------


def test_compare_of_runs_with_nothing_in_common_says_so(
    run: Any, reply: Any, tmp_path: Path
) -> None:
    ok(run("eval", "run", str(write(tmp_path))))
    other = write(
        tmp_path, name="other.yaml", **{"name: qa-cli": "name: other", "id: lamp": "id: x",
                                        "id: bulb": "id: y"}
    )  # fmt: skip
    ok(run("eval", "run", str(other)))

    text = ok(run("eval", "compare", "1", "2"))
    data = json.loads(ok(run("eval", "compare", "1", "2", "--json")))

    assert "Runs 1 and 2 have nothing in common to compare" in text
    assert "p=" not in text
    assert "no detectable difference" not in text
    assert data["nothing_in_common"] is True
    assert data["tests"] == []


# -- 5 ----------------------------------------------------------------------------------------


def test_a_map_to_no_provider_and_an_unknown_model_are_refused_together(
    run: Any, tmp_path: Path
) -> None:
    config = write(
        tmp_path,
        "prompts: ['Answer: {{ q }}']\nproviders: [openai:gpt-4o, {id: x, label: local}]\n"
        "tests:\n  - vars: {q: hi}\n    assert: [{type: python, value: 'True'}]\n",
        name="promptfooconfig.yaml",
    )

    result = run(
        "eval", "import", str(config), "--map", "openai:gpt-4o=nomodel",
        "--map", "lcoal=smollm2-135m-instruct",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "No model named 'nomodel'" in result.output
    assert "--map lcoal=... names no provider of this config" in result.output
    assert "'openai:gpt-4o', 'x', 'local'" in result.output
    assert "provider 'x' is not mapped" in result.output
    assert "assertion type 'python' is not supported" in result.output


# -- 6 ----------------------------------------------------------------------------------------


def test_cases_without_assertions_are_warned_about(run: Any, reply: Any, tmp_path: Path) -> None:
    path = write(tmp_path, **{", assert: [{type: icontains, value: bulb}]": ""})

    text = ok(run("eval", "run", str(path)))
    data = json.loads(ok(run("eval", "run", "qa-cli", "--json")))

    assert "1 case has no assertions: they pass whenever the model answers" in text
    assert data["summary"]["cases_without_assertions"] == 1


# -- 8 ----------------------------------------------------------------------------------------


def test_cell_of_an_errored_cell_prints_the_error_and_no_empty_measures(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    def refuse(message: str) -> str:
        raise EngineError("the prompt is too long")

    script_model(refuse)
    run("eval", "run", str(write(tmp_path)))

    text = ok(run("eval", "cell", "1", "1"))

    assert "ERROR (not evaluated)" in text
    assert "the prompt is too long" in text
    assert "None" not in text
    assert "tokens/s" not in text


def test_unknown_runs_suites_and_tags_name_what_exists(
    run: Any, reply: Any, tmp_path: Path
) -> None:
    ok(run("eval", "run", str(write(tmp_path, **{"id: bulb,": "id: bulb, tags: [smoke],"}))))

    cell = run("eval", "cell", "999", "1")
    listed = run("eval", "list", "--suite", "nosuch")
    no_runs_yet = ok(run("eval", "list", "--suite", "support-reply-smoke"))
    tagged = run("eval", "run", "qa-cli", "--tag", "nonexistent")

    assert cell.exit_code == 1
    assert "No evaluation run 999." in cell.output
    assert listed.exit_code == 1
    assert "No suite 'nosuch'" in listed.output
    assert "qa-cli" in listed.output
    assert "No runs of suite support-reply-smoke yet" in no_runs_yet
    assert tagged.exit_code == 1
    assert "(its tags: smoke)" in tagged.output


def test_flaky_cells_and_compare_name_cases_and_count_repeats_from_one(
    run: Any, script_model: Any, tmp_path: Path
) -> None:
    calls = {"lamp": 0}

    def flaky_lamp(message: str) -> str:
        if message == "lamp":
            calls["lamp"] += 1
            return "lamp" if calls["lamp"] % 2 else "no"
        return f"Hello, {message}"

    script_model(flaky_lamp)
    path = write(tmp_path, **{"name: qa-cli": "name: qa-cli\nrepeat: 2"})

    first = ok(run("eval", "run", str(path)))
    cell = ok(run("eval", "cell", "1", "support-reply@1|smollm2-135m-instruct|lamp|1"))
    script_model(lambda message: "no")
    ok(run("eval", "run", "qa-cli", "--threshold", "0"))
    compared = ok(run("eval", "compare", "1", "2"))
    exported = ok(run("eval", "export", "1", "--format", "jsonl"))

    assert "/ Flickering lamp: 1 of 2 samples pass" in first
    assert "/ lamp:" not in first
    assert "repeat 2 of 2" in cell
    assert "case Flickering lamp" in cell
    assert "Flickering lamp (repeat 1 of 2)" in compared
    assert "(repeat 2 of 2)" in compared  # bulb's second sample
    repeats = sorted(json.loads(line)["repeat"] for line in exported.splitlines())
    assert repeats == [0, 0, 1, 1]  # stored indexes stay 0-based
