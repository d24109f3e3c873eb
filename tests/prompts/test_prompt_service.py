"""Versions, dedup, references, labels and their audit entries, against a real SQLite store."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.errors import AlreadyExistsError, NotFoundError
from workbench.prompts import (
    PromptContent,
    PromptError,
    PromptTemplateError,
    chat_content,
    commit_version,
    create_prompt,
    edit_content,
    get_prompt,
    get_version,
    label_history,
    list_prompts,
    make_content,
    move_label,
    previous_version,
    remove_label,
    render_version,
    service,
    version_history,
)
from workbench.store import Store
from workbench.store.audit import list_entries, verify_chain


def _chat(user: str = "Hello {{ name }}", **params: object) -> PromptContent:
    return chat_content(system="Be brief.", user=user, params=params)


def test_create_prompt_makes_version_one_with_author_hash_and_variables(
    prompt_store: Store,
    actor: str,
) -> None:
    version = create_prompt(prompt_store, "greet", _chat(temperature=0.2), message="first")

    assert version.ref == "greet@1"
    assert version.author == actor
    assert version.message == "first"
    assert version.variables == ("name",)
    assert len(version.content_hash) == 64
    assert version.content.params == {"temperature": 0.2}
    assert get_version(prompt_store, "greet") == version


def test_create_prompt_refuses_a_taken_name(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())

    with pytest.raises(AlreadyExistsError, match="already exists"):
        create_prompt(prompt_store, "greet", _chat("other"))


def test_create_prompt_refuses_invalid_names(prompt_store: Store) -> None:
    for name in ("", "has space", "a@b", "-dash-first"):
        with pytest.raises(PromptError, match="Invalid prompt name"):
            create_prompt(prompt_store, name, _chat())


def test_commit_numbers_versions_consecutively(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat("v1"))

    second = commit_version(prompt_store, "greet", _chat("v2"), message="two")
    third = commit_version(prompt_store, "greet", _chat("v3"))

    assert (second.created, second.version.version) == (True, 2)
    assert (third.created, third.version.version) == (True, 3)
    assert [v.version for v in version_history(prompt_store, "greet")] == [1, 2, 3]
    assert get_prompt(prompt_store, "greet").latest_version == 3


def test_commit_of_identical_content_creates_no_version(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat(temperature=0.5))
    entries_before = len(list_entries(prompt_store))

    # Same words and params, built differently (int for a float param): still the same content.
    result = commit_version(prompt_store, "greet", _chat(temperature=0.5), message="again")

    assert result.created is False
    assert result.version.version == 1
    assert len(version_history(prompt_store, "greet")) == 1
    assert len(list_entries(prompt_store)) == entries_before


def test_int_and_float_params_hash_the_same(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat(temperature=1.0))

    result = commit_version(prompt_store, "greet", _chat(temperature=1))

    assert result.created is False


def test_commit_message_alone_does_not_make_a_new_version(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat(), message="one")

    result = commit_version(prompt_store, "greet", _chat(), message="a different message")

    assert result.created is False


def test_reverting_to_older_content_creates_a_new_version(prompt_store: Store) -> None:
    first = create_prompt(prompt_store, "greet", _chat("v1"))
    commit_version(prompt_store, "greet", _chat("v2"))

    revert = commit_version(prompt_store, "greet", _chat("v1"), message="revert")

    assert revert.created is True
    assert revert.version.version == 3
    assert revert.version.content_hash == first.content_hash


def test_parameter_change_alone_is_a_new_version(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat(temperature=0.7))
    latest = get_version(prompt_store, "greet")

    result = commit_version(
        prompt_store, "greet", edit_content(latest.content, set_params={"temperature": 0.2})
    )

    assert result.created is True
    assert result.version.content.params == {"temperature": 0.2}
    assert result.version.content.messages == latest.content.messages


def test_commit_to_unknown_prompt_names_the_known_ones(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())

    with pytest.raises(NotFoundError, match=r"No prompt named 'nope' \(prompts: greet\)"):
        commit_version(prompt_store, "nope", _chat())


def test_template_syntax_error_is_refused_at_save_and_nothing_is_written(
    prompt_store: Store,
) -> None:
    create_prompt(prompt_store, "greet", _chat())
    entries_before = len(list_entries(prompt_store))

    with pytest.raises(PromptTemplateError, match=r"message 2 \(user\) at line 1, column 15"):
        commit_version(prompt_store, "greet", _chat("Hello {{ name }"))

    assert len(version_history(prompt_store, "greet")) == 1
    assert len(list_entries(prompt_store)) == entries_before


def test_completion_prompts_are_versioned_like_chats(prompt_store: Store) -> None:
    version = create_prompt(prompt_store, "story", make_content(template="Once, {{ hero }}"))

    assert version.kind == "completion"
    assert version.variables == ("hero",)
    assert render_version(prompt_store, "story", {"hero": "Ada"}).text == "Once, Ada"


def test_get_version_resolves_number_label_latest_and_bare_name(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat("v1"))
    commit_version(prompt_store, "greet", _chat("v2"))
    commit_version(prompt_store, "greet", _chat("v3"))
    move_label(prompt_store, "greet", "production", 2)

    assert get_version(prompt_store, "greet@1").version == 1
    assert get_version(prompt_store, "greet@production").version == 2
    assert get_version(prompt_store, "greet@latest").version == 3
    assert get_version(prompt_store, "greet").version == 3


def test_get_version_errors_name_what_exists(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())
    move_label(prompt_store, "greet", "production", 1)

    with pytest.raises(NotFoundError, match=r"has no version 9 \(it has versions 1 to 1\)"):
        get_version(prompt_store, "greet@9")
    with pytest.raises(NotFoundError, match=r"no label 'prod' \(labels: production\)"):
        get_version(prompt_store, "greet@prod")
    with pytest.raises(PromptError, match="versions start at 1"):
        get_version(prompt_store, "greet@0")


def test_previous_version_is_none_for_the_first(prompt_store: Store) -> None:
    first = create_prompt(prompt_store, "greet", _chat("v1"))
    second = commit_version(prompt_store, "greet", _chat("v2")).version

    assert previous_version(prompt_store, first) is None
    assert previous_version(prompt_store, second) == first


def test_list_prompts_gives_latest_version_and_labels(prompt_store: Store) -> None:
    create_prompt(prompt_store, "b-prompt", _chat(), description="second")
    create_prompt(prompt_store, "a-prompt", _chat())
    commit_version(prompt_store, "a-prompt", _chat("v2"))
    move_label(prompt_store, "a-prompt", "production", 1)

    found = list_prompts(prompt_store)

    assert [p.name for p in found] == ["a-prompt", "b-prompt"]
    assert found[0].latest_version == 2
    assert dict(found[0].labels) == {"production": 1}
    assert found[0].labels_of(1) == ("production",)
    assert found[1].description == "second"


def test_moving_a_label_keeps_every_move_with_who_when_from_to(
    prompt_store: Store, actor: str
) -> None:
    create_prompt(prompt_store, "greet", _chat("v1"))
    commit_version(prompt_store, "greet", _chat("v2"))

    created = move_label(prompt_store, "greet", "production", 1)
    moved = move_label(prompt_store, "greet", "production", 2)

    assert created is not None
    assert moved is not None
    assert (created.from_version, created.to_version) == (None, 1)
    assert (moved.from_version, moved.to_version) == (1, 2)
    history = label_history(prompt_store, "greet", "production")
    assert [(m.from_version, m.to_version, m.actor) for m in history] == [
        (None, 1, actor),
        (1, 2, actor),
    ]
    assert all(m.time.endswith("Z") for m in history)
    assert get_prompt(prompt_store, "greet").labels["production"] == 2


def test_moving_a_label_to_where_it_points_records_nothing(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())
    move_label(prompt_store, "greet", "production", 1)

    assert move_label(prompt_store, "greet", "production", 1) is None
    assert len(label_history(prompt_store, "greet")) == 1


def test_label_must_point_at_an_existing_version(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())

    with pytest.raises(NotFoundError, match="no version 5"):
        move_label(prompt_store, "greet", "production", 5)
    assert label_history(prompt_store, "greet") == []


@pytest.mark.parametrize("label", ["3", "1st", "latest", "has space", "", "a@b"])
def test_label_names_that_would_be_ambiguous_are_refused(prompt_store: Store, label: str) -> None:
    create_prompt(prompt_store, "greet", _chat())

    with pytest.raises(PromptError):
        move_label(prompt_store, "greet", label, 1)


def test_removing_a_label_is_kept_in_its_history(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())
    move_label(prompt_store, "greet", "candidate", 1)

    removal = remove_label(prompt_store, "greet", "candidate")

    assert (removal.from_version, removal.to_version) == (1, None)
    assert dict(get_prompt(prompt_store, "greet").labels) == {}
    assert [m.to_version for m in label_history(prompt_store, "greet")] == [1, None]
    with pytest.raises(NotFoundError):
        remove_label(prompt_store, "greet", "candidate")


def test_every_version_and_label_move_is_audited(prompt_store: Store, actor: str) -> None:
    first = create_prompt(prompt_store, "greet", _chat("v1"), message="one")
    second = commit_version(prompt_store, "greet", _chat("v2"), message="two").version
    move_label(prompt_store, "greet", "production", 1)
    move_label(prompt_store, "greet", "production", 2)
    remove_label(prompt_store, "greet", "production")

    entries = list_entries(prompt_store, subject="greet")

    assert [e.action for e in entries] == [
        "prompt.created",
        "prompt.version_created",
        "prompt.version_created",
        "prompt.label_moved",
        "prompt.label_moved",
        "prompt.label_removed",
    ]
    assert all(e.actor == actor for e in entries)
    assert entries[1].payload_data["content_hash"] == first.content_hash
    assert entries[2].payload_data["version"] == 2
    assert entries[2].payload_data["content_hash"] == second.content_hash
    assert entries[2].payload_data["message"] == "two"
    assert entries[4].payload_data == {"label": "production", "from_version": 1, "to_version": 2}
    assert verify_chain(prompt_store).ok


def test_a_version_is_not_kept_when_its_audit_entry_fails(
    prompt_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_prompt(prompt_store, "greet", _chat("v1"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "append_entry", broken)
    with pytest.raises(RuntimeError):
        commit_version(prompt_store, "greet", _chat("v2"))
    with pytest.raises(RuntimeError):
        move_label(prompt_store, "greet", "production", 1)

    assert len(version_history(prompt_store, "greet")) == 1
    assert label_history(prompt_store, "greet") == []


def test_stored_versions_cannot_be_changed_or_deleted(prompt_store: Store) -> None:
    create_prompt(prompt_store, "greet", _chat())

    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        prompt_store.execute("UPDATE prompt_versions SET content = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        prompt_store.execute("DELETE FROM prompt_versions")


def test_stored_hash_is_sha256_of_the_stored_content_json(prompt_store: Store) -> None:
    import hashlib

    create_prompt(prompt_store, "greet", _chat("Grüße, {{ name }} 👋"))

    (content, stored_hash) = prompt_store.execute(
        "SELECT content, content_hash FROM prompt_versions"
    ).fetchone()

    # What an auditor can check with sqlite3 and sha256sum, without the workbench.
    assert hashlib.sha256(content.encode("utf-8")).hexdigest() == stored_hash


def test_unicode_content_round_trips_through_the_store(prompt_store: Store) -> None:
    text = "Réponds en français : {{ question }} — 日本語も 🙂\n\ttabbed\r\nline"
    create_prompt(prompt_store, "intl", _chat(text))

    version = get_version(prompt_store, "intl")

    assert version.content.messages[1].content == text
    assert version.variables == ("question",)
