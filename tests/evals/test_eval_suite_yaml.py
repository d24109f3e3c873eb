"""Suite files: references and inline prompts, models with overrides, defaults, case files;
malformed suites are refused with file, line and field; the canonical form round-trips."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.evals import SuiteFileError, dump_suite_yaml, load_suite_file, load_suite_text
from workbench.evals.suite_yaml import suite_from_dict

SUITE = textwrap.dedent(
    """\
    name: demo-suite
    description: A suite for tests.
    prompts:
      - support-reply@production
      - id: terse
        messages:
          - {role: system, content: Be terse.}
          - {role: user, content: '{{ message }}'}
        params: {max_tokens: 8}
      - 'Answer briefly: {{ message }}'
    models:
      - demo
      - {name: demo, id: demo-greedy, load: {context_size: 1024}, sampling: {temperature: 0}}
    sampling: {max_tokens: 12}
    repeat: 2
    seed: 7
    threshold: 0.5
    defaultTest:
      vars: {customer_name: Ada}
      assert:
        - type: not-refusal
    tests:
      - id: hello
        description: Says hello
        vars: {message: Hi}
        tags: [smoke]
        assert:
          - {type: icontains, value: hello, weight: 2, metric: greeting}
      - vars: {message: Bye}
    """
)


def test_suite_parses_prompts_models_defaults_and_cases() -> None:
    suite = load_suite_text(SUITE, source="suite.yaml")

    assert [p.id for p in suite.prompts] == ["support-reply@production", "terse", "prompt-3"]
    assert suite.prompts[0].ref == "support-reply@production"
    assert suite.prompts[2].content is not None
    assert suite.prompts[2].content.messages[0].content == "Answer briefly: {{ message }}"
    assert [(m.id, m.name) for m in suite.models] == [("demo", "demo"), ("demo-greedy", "demo")]
    assert dict(suite.models[1].load) == {"context_size": 1024}
    assert dict(suite.models[1].sampling) == {"temperature": 0.0}
    assert (suite.repeat, suite.seed, suite.threshold) == (2, 7, 0.5)
    assert dict(suite.default_vars) == {"customer_name": "Ada"}
    assert suite.default_assertions[0].name == "not-refusal"
    assert suite.cases[0].id == "hello"
    assert suite.cases[0].tags == ("smoke",)
    assert suite.cases[1].id.startswith("c")
    assert len(suite.cases[1].id) == 11
    assert suite.n_cells == 3 * 2 * 2 * 2


def test_derived_case_ids_are_stable_and_independent_of_order() -> None:
    reordered = SUITE.replace("  - vars: {message: Bye}\n", "").replace(
        "tests:\n", "tests:\n  - vars: {message: Bye}\n"
    )

    first = load_suite_text(SUITE).cases[1].id
    second = load_suite_text(reordered).cases[0].id

    assert first == second


def test_canonical_form_round_trips_through_yaml_and_json() -> None:
    suite = load_suite_text(SUITE, source="suite.yaml")

    again = load_suite_text(dump_suite_yaml(suite), source="dumped.yaml")
    stored = suite_from_dict(suite.to_dict(), source="stored")

    assert again.sha256 == suite.sha256 == stored.sha256
    assert again.to_dict() == suite.to_dict()


def test_case_files_are_read_next_to_the_suite(tmp_path: Path) -> None:
    (tmp_path / "more.csv").write_text("message,__expected\nHello,Hi there\n", encoding="utf-8")
    (tmp_path / "suite.yaml").write_text(
        "prompts: [support-reply@1]\nmodels: [demo]\ntests:\n  - vars: {message: x}\n"
        "  - file://more.csv\n",
        encoding="utf-8",
    )

    suite = load_suite_file(tmp_path / "suite.yaml")

    assert suite.name == "suite"  # from the file name
    assert [dict(c.vars)["message"] for c in suite.cases] == ["x", "Hello"]
    assert suite.cases[1].assertions[0].value == "Hi there"


def test_a_bad_case_file_is_reported_with_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "more.csv").write_text("message\nok\nnot,ok\n", encoding="utf-8")
    (tmp_path / "suite.yaml").write_text(
        "prompts: [a@1]\nmodels: [m]\ntests: file://more.csv\n", encoding="utf-8"
    )

    with pytest.raises(SuiteFileError) as caught:
        load_suite_file(tmp_path / "suite.yaml")

    assert caught.value.file == str(tmp_path / "more.csv")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("change", "line", "field", "problem"),
    [
        (("repeat: 2", "repeat: 0"), 15, "repeat", "at least 1"),
        (("seed: 7", "seed: seven"), 16, "seed", "whole number"),
        (("threshold: 0.5", "threshold: 2"), 17, "threshold", "at most 1"),
        (("sampling: {max_tokens: 12}", "sampling: {max_tokns: 12}"), 14, "", "unknown parameter"),
        (("- demo\n", "- {id: x}\n"), 12, "models[0].name", "is missing"),
        (("context_size: 1024", "context: 1024"), 13, "models[1].load.context", "unknown field"),
        (("{role: system, content: Be terse.}", "{role: boss, content: x}"), 5, "prompts[1]",
         "role must be one of"),
        (("'{{ message }}'}\n    params", "'{{ message'}\n    params"), 5, "prompts[1]",
         "Template error"),
        (("type: icontains, value: hello", "type: icontains"), 28, "tests[0].assert[0].value",
         "expected a text value"),
        (("id: hello", "id: 'a|b'"), 23, "tests[0].id", "invalid case id"),
        (("description: A suite", "descripton: A suite"), 2, "descripton", "unknown field"),
        (("- support-reply@production", "- support-reply@"), 4, "prompts[0]", "Invalid reference"),
    ],
)  # fmt: skip
def test_malformed_suites_name_line_and_field(
    change: tuple[str, str], line: int, field: str, problem: str
) -> None:
    text = SUITE.replace(*change)
    assert text != SUITE

    with pytest.raises(SuiteFileError) as caught:
        load_suite_text(text, source="suite.yaml")

    assert caught.value.file == "suite.yaml"
    assert caught.value.line == line, str(caught.value)
    assert caught.value.field == field, str(caught.value)
    assert problem in caught.value.problem


def test_duplicate_keys_columns_and_case_ids_are_refused() -> None:
    with pytest.raises(SuiteFileError, match="duplicate key"):
        load_suite_text(SUITE.replace("seed: 7", "seed: 7\nseed: 8"))
    with pytest.raises(SuiteFileError, match="both named 'demo'"):
        load_suite_text(SUITE.replace("id: demo-greedy, ", ""))
    with pytest.raises(SuiteFileError, match="used twice"):
        load_suite_text(SUITE.replace("  - vars: {message: Bye}", "  - {id: hello, vars: {}}"))


def test_yaml_aliases_and_stored_file_references_are_refused() -> None:
    with pytest.raises(SuiteFileError, match="aliases"):
        load_suite_text("a: &x [1]\nb: *x\n")
    with pytest.raises(SuiteFileError, match="only be used in a suite read from a file"):
        load_suite_text("prompts: [a@1]\nmodels: [m]\ntests: file://x.csv\n", default_name="s")


def test_a_suite_name_with_an_at_sign_is_refused() -> None:
    """'@' separates NAME@VERSION: a suite so named could never be fetched back."""
    import pytest

    from workbench.evals import SuiteFileError, load_suite_text

    text = "name: lamps@2\nprompts: [p@1]\nmodels: [m]\ntests: [{vars: {a: 1}}]\n"
    with pytest.raises(SuiteFileError, match="'@' separates NAME@VERSION") as refused:
        load_suite_text(text, source="s.yaml")
    assert refused.value.line == 1
