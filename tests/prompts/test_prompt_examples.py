"""The shipped example prompt: found as package data, imported once into an empty store."""

from __future__ import annotations

import pytest

from workbench import bootstrap
from workbench.bootstrap import initialise_store
from workbench.prompts import (
    create_prompt,
    diff_versions,
    get_version,
    list_prompts,
    make_content,
    render_version,
    version_history,
)
from workbench.prompts.examples import example_prompt_files, import_example_prompts
from workbench.store import Store


@pytest.fixture(autouse=True)
def _no_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """First start here is about prompts: skip hashing the 98 MB default model."""
    monkeypatch.setattr(bootstrap, "default_model_path", lambda: None)


def test_example_files_are_found_as_package_resources() -> None:
    names = [item.name for item in example_prompt_files()]

    assert names == ["support-reply.yaml"]


def test_example_has_three_versions_and_production_on_version_two(prompt_store: Store) -> None:
    import_example_prompts(prompt_store)

    versions = version_history(prompt_store, "support-reply")
    assert [v.version for v in versions] == [1, 2, 3]
    assert get_version(prompt_store, "support-reply@production").version == 2
    assert all(v.message for v in versions)


def test_example_versions_show_wording_variable_and_parameter_changes(
    prompt_store: Store,
) -> None:
    import_example_prompts(prompt_store)
    v1, v2, v3 = version_history(prompt_store, "support-reply")

    wording = diff_versions(v1, v2)
    later = diff_versions(v2, v3)

    assert [m.status for m in wording.messages] == ["changed", "unchanged"]
    assert wording.params == ()
    assert later.variables_added == ("customer_name",)
    assert [(c.name, c.old, c.new) for c in later.params] == [
        ("repeat_penalty", None, 1.15),
        ("temperature", 0.7, 0.3),
    ]


def test_example_renders_with_its_variables(prompt_store: Store) -> None:
    import_example_prompts(prompt_store)

    rendered = render_version(
        prompt_store, "support-reply", {"customer_name": "Ana", "message": "My lamp flickers."}
    )

    assert rendered.messages[0].role == "system"
    assert rendered.messages[1].content == "Customer Ana asks: My lamp flickers."
    assert rendered.params["max_tokens"] == 96


def test_first_start_imports_the_examples_once(prompt_store: Store) -> None:
    initialise_store(prompt_store)
    initialise_store(prompt_store)

    assert [p.name for p in list_prompts(prompt_store)] == ["support-reply"]
    assert len(version_history(prompt_store, "support-reply")) == 3


def test_first_start_leaves_a_store_with_prompts_alone(prompt_store: Store) -> None:
    create_prompt(prompt_store, "mine", make_content(template="x"))

    initialise_store(prompt_store)

    assert [p.name for p in list_prompts(prompt_store)] == ["mine"]


def test_examples_do_not_come_back_after_first_start(prompt_store: Store) -> None:
    initialise_store(prompt_store)
    # Even a store emptied of prompts by other means does not get the examples again.
    prompt_store.execute("PRAGMA foreign_keys = OFF")
    prompt_store.execute("DROP TRIGGER prompt_versions_no_delete")
    prompt_store.execute("DELETE FROM prompt_labels")
    prompt_store.execute("DELETE FROM prompt_versions")
    prompt_store.execute("DELETE FROM prompts")

    initialise_store(prompt_store)

    assert list_prompts(prompt_store) == []
