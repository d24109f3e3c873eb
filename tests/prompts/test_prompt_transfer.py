"""Export and import against a real store: history is kept, never overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.prompts import (
    ImportConflictError,
    PromptContent,
    chat_content,
    commit_version,
    create_prompt,
    export_prompt,
    get_prompt,
    get_version,
    import_prompt_file,
    import_prompt_text,
    label_history,
    move_label,
    version_history,
)
from workbench.store import Store, open_store
from workbench.store.audit import list_entries


def _chat(user: str) -> PromptContent:
    return chat_content(system="Be brief.", user=user, params={"temperature": 0.4})


def _three_versions(store: Store) -> str:
    create_prompt(store, "greet", _chat("v1"), message="one", description="Greets")
    commit_version(store, "greet", _chat("v2 {{ name }}"), message="two")
    commit_version(store, "greet", _chat("v3 {{ name }}"), message="three")
    move_label(store, "greet", "production", 2)
    return export_prompt(store, "greet")


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[Store]:
    """A second workbench's store, to import into."""
    store = open_store(tmp_path / "other-home")
    yield store
    store.close()


def test_import_into_an_empty_store_recreates_versions_labels_and_provenance(
    prompt_store: Store, other_store: Store, actor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _three_versions(prompt_store)
    monkeypatch.setenv("WORKBENCH_ACTOR", "bob")

    result = import_prompt_text(other_store, text, source="greet.yaml")

    assert result.created_prompt
    assert result.added == ((1, 1), (2, 2), (3, 3))
    assert result.labels_set == ("production",)
    for mine, theirs in zip(
        version_history(prompt_store, "greet"), version_history(other_store, "greet"), strict=True
    ):
        assert theirs == mine  # same numbers, content, hashes, authors, times and messages
    assert theirs.author == actor
    assert get_prompt(other_store, "greet").description == "Greets"
    assert get_version(other_store, "greet@production").version == 2
    assert [m.actor for m in label_history(other_store, "greet")] == ["bob"]


def test_importing_the_same_file_again_changes_nothing(
    prompt_store: Store, other_store: Store
) -> None:
    text = _three_versions(prompt_store)
    import_prompt_text(other_store, text)
    entries = len(list_entries(other_store))

    again = import_prompt_text(other_store, text)

    assert again.added == ()
    assert again.unchanged == (1, 2, 3)
    assert len(list_entries(other_store)) == entries


def test_import_into_own_store_is_a_no_op(prompt_store: Store) -> None:
    text = _three_versions(prompt_store)

    result = import_prompt_text(prompt_store, text)

    assert (result.created_prompt, result.added, result.labels_set) == (False, (), ())


def test_import_appends_newer_versions_from_the_file(
    prompt_store: Store, other_store: Store
) -> None:
    import_prompt_text(other_store, _three_versions(prompt_store))
    commit_version(prompt_store, "greet", _chat("v4"), message="four")

    result = import_prompt_text(other_store, export_prompt(prompt_store, "greet"))

    assert result.added == ((4, 4),)
    assert get_version(other_store, "greet@4").message == "four"


def test_conflicting_version_numbers_refuse_the_whole_import(
    prompt_store: Store, other_store: Store
) -> None:
    text = _three_versions(prompt_store)
    create_prompt(other_store, "greet", _chat("v1"), message="one")
    commit_version(other_store, "greet", _chat("something else"), message="local two")
    entries = len(list_entries(other_store))

    with pytest.raises(ImportConflictError) as caught:
        import_prompt_text(other_store, text, source="greet.yaml")

    message = str(caught.value)
    assert "greet.yaml" in message
    assert "version 2: file " in message
    assert "Nothing was imported" in message
    assert "--renumber" in message
    assert len(version_history(other_store, "greet")) == 2
    assert len(list_entries(other_store)) == entries


def test_renumber_appends_diverging_versions_after_the_latest(
    prompt_store: Store, other_store: Store
) -> None:
    text = _three_versions(prompt_store)
    create_prompt(other_store, "greet", _chat("v1"), message="one")
    local_two = commit_version(other_store, "greet", _chat("local"), message="local two").version

    result = import_prompt_text(other_store, text, renumber=True)

    assert result.unchanged == (1,)
    assert result.added == ((2, 3), (3, 4))
    assert get_version(other_store, "greet@2") == local_two  # history untouched
    assert get_version(other_store, "greet@3").message == "two"
    # The file's production label pointed at its version 2, which is now version 3 here.
    assert get_version(other_store, "greet@production").version == 3


def test_existing_labels_are_not_moved_by_an_import(
    prompt_store: Store, other_store: Store
) -> None:
    text = _three_versions(prompt_store)
    import_prompt_text(other_store, text)
    move_label(other_store, "greet", "production", 3)

    result = import_prompt_text(other_store, text)

    assert result.labels_kept == ("production",)
    assert get_version(other_store, "greet@production").version == 3


def test_imported_versions_are_audited_with_their_source(
    prompt_store: Store, other_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "greet.yaml"
    path.write_text(_three_versions(prompt_store), encoding="utf-8")

    import_prompt_file(other_store, path)

    created = list_entries(other_store, action="prompt.version_created")
    assert [e.payload_data["version"] for e in created] == [1, 2, 3]
    assert {e.payload_data["source"] for e in created} == {"import"}
    assert created[0].payload_data["file"] == str(path)
    assert list_entries(other_store, action="prompt.label_moved")[0].payload_data == {
        "label": "production",
        "from_version": None,
        "to_version": 2,
    }


def test_a_broken_file_imports_nothing(other_store: Store) -> None:
    text = "name: greet\nversions:\n  - template: fine\n  - template: '{{ broken'\n"

    with pytest.raises(Exception, match="template error"):
        import_prompt_text(other_store, text, source="bad.yaml")

    assert list_entries(other_store) == []
