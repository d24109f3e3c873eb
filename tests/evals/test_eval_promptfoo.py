"""Importing promptfoo configs: providers mapped to models, assertions translated, and what
cannot be mapped named; nothing is half-imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.errors import NotFoundError
from workbench.evals import (
    SuiteFileError,
    UnsupportedImportError,
    import_promptfoo_config,
    is_promptfoo_config,
    list_suites,
    promptfoo_providers,
    read_promptfoo_config,
)
from workbench.store import Store

CONFIG = textwrap.dedent(
    """\
    description: Translation checks
    prompts:
      - 'Translate to {{ language }}: {{ text }}'
      - file://chat.json
      - {raw: 'Say {{ text }} in {{ language }}, politely.', label: polite}
    providers:
      - openai:gpt-4o-mini
      - id: ollama:chat:llama3
        label: local
        config: {temperature: 0.2, max_tokens: 64, apiBaseUrl: 'http://localhost'}
    defaultTest:
      vars: {text: Hello}
      assert:
        - type: not-is-refusal
    evaluateOptions: {repeat: 2, maxConcurrency: 4}
    tests:
      - description: French
        vars: {language: French}
        assert:
          - {type: icontains, value: bonjour, metric: accuracy}
          - {type: similar, value: Bonjour, threshold: 0.5}
        metadata: {area: greetings}
      - vars: {language: [German, Spanish]}
        assert: [{type: latency, threshold: 5000}]
      - file://more.csv
    """
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "chat.json").write_text(
        '[{"role": "system", "content": "You translate."}, '
        '{"role": "user", "content": "{{ text }} -> {{ language }}"}]',
        encoding="utf-8",
    )
    (tmp_path / "more.csv").write_text(
        "language,__expected\nItalian,icontains: ciao\n", encoding="utf-8"
    )
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


MAPPING = {"openai:gpt-4o-mini": "demo", "local": "demo"}


def test_a_promptfoo_config_becomes_a_suite(config: Path) -> None:
    result = read_promptfoo_config(config, mapping=MAPPING, name="translate")
    suite = result.suite

    assert is_promptfoo_config(config)
    assert suite.name == "translate"
    assert suite.description == "Translation checks"
    assert [p.id for p in suite.prompts] == ["prompt-1", "chat", "polite"]
    assert suite.prompts[1].content.messages[0].role == "system"
    assert [(m.id, m.name) for m in suite.models] == [
        ("openai:gpt-4o-mini", "demo"),
        ("local", "demo"),
    ]
    assert dict(suite.models[1].sampling) == {"temperature": 0.2, "max_tokens": 64}
    assert suite.repeat == 2
    assert suite.default_assertions[0].name == "not-refusal"
    languages = [dict(c.vars).get("language") for c in suite.cases]
    assert languages == ["French", "German", "Spanish", "Italian"]  # arrays expand
    assert suite.cases[0].tags == ("area=greetings",)
    assert suite.cases[3].assertions[0].type == "icontains"
    assert dict(result.providers) == MAPPING
    assert any("string similarity" in w for w in result.warnings)
    assert any("apiBaseUrl" in w for w in result.warnings)
    assert any("maxConcurrency" in w for w in result.warnings)


def test_unmapped_providers_and_unsupported_assertions_are_named(config: Path) -> None:
    config.write_text(
        CONFIG.replace("- {type: similar, value: Bonjour, threshold: 0.5}",
                       "- {type: javascript, value: 'output.length < 50'}\n"
                       "      - {type: factuality, value: Bonjour}"),
        encoding="utf-8",
    )  # fmt: skip

    with pytest.raises(UnsupportedImportError) as caught:
        read_promptfoo_config(config, mapping={"local": "demo"})

    items = "\n".join(caught.value.items)
    assert "provider 'openai:gpt-4o-mini' is not mapped" in items
    assert "assertion type 'javascript' is not supported" in items
    assert "assertion type 'factuality' is not supported" in items
    assert f"{config}:21, tests[0].assert[1].type" in items  # where each one is


def test_skip_unsupported_imports_the_rest_and_records_what_was_skipped(
    config: Path, eval_store: Store
) -> None:
    config.write_text(
        CONFIG.replace("metadata: {area: greetings}", "options: {transform: output.trim()}"),
        encoding="utf-8",
    )

    result = import_promptfoo_config(
        eval_store, config, mapping={"local": "demo"}, skip_unsupported=True
    )

    assert result.created
    assert result.stored is not None
    assert [m.id for m in result.suite.models] == ["local"]
    assert any("openai:gpt-4o-mini" in s for s in result.skipped)
    assert any("'options'" in s for s in result.skipped)
    assert any(
        note.startswith("skipped: provider 'openai:gpt-4o-mini'") for note in result.suite.notes
    )


def test_nothing_is_stored_when_an_import_fails(config: Path, eval_store: Store) -> None:
    before = list_suites(eval_store)

    with pytest.raises(UnsupportedImportError):
        import_promptfoo_config(eval_store, config, mapping={"local": "demo"})
    with pytest.raises(NotFoundError, match="No model named 'nope'"):
        import_promptfoo_config(eval_store, config, mapping={**MAPPING, "local": "nope"})
    (config.parent / "more.csv").write_text("language\nA\nB,C\n", encoding="utf-8")
    with pytest.raises(SuiteFileError) as caught:
        import_promptfoo_config(eval_store, config, mapping=MAPPING)

    assert caught.value.line == 3
    assert caught.value.file.endswith("more.csv")
    assert list_suites(eval_store) == before


def test_a_promptfoo_template_that_does_not_compile_names_its_line(config: Path) -> None:
    config.write_text(CONFIG.replace("{{ text }}'", "{{ text '"), encoding="utf-8")

    with pytest.raises(SuiteFileError) as caught:
        read_promptfoo_config(config, mapping=MAPPING)

    assert caught.value.line == 3
    assert "Template error" in caught.value.problem


def test_a_suite_file_is_not_mistaken_for_a_promptfoo_config(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text("prompts: [a@1]\nmodels: [m]\ntests: [{vars: {}}]\n", encoding="utf-8")
    assert not is_promptfoo_config(path)


def test_the_providers_to_map_are_listed_for_the_gui(config: Path) -> None:
    providers = promptfoo_providers(config)

    assert [(p.id, p.label, p.key) for p in providers] == [
        ("openai:gpt-4o-mini", None, "openai:gpt-4o-mini"),
        ("ollama:chat:llama3", "local", "local"),
    ]
