"""The headless conversation functions the playground stores its chats with.

(They live under tests/ui only because this change may not touch other test folders; they
belong in tests/test_conversations.py.)
"""

from __future__ import annotations

import pytest

from workbench.conversations import (
    ConversationMessage,
    add_messages,
    clear_conversation,
    create_conversation,
    delete_conversation,
    get_conversation,
    list_conversations,
    title_from_text,
    update_conversation,
)
from workbench.engine.messages import GenerationResult, SamplingSettings
from workbench.errors import NotFoundError
from workbench.store import Store
from workbench.store.audit import list_entries, verify_chain


def _result(text: str) -> GenerationResult:
    return GenerationResult(text, 12, 3, 0.05, 60.0, 0.1, "stop", {"model_sha256": "ab"})


def test_messages_are_kept_per_lane_in_order(store: Store) -> None:
    conversation = create_conversation(
        store, title="t", system_prompt="be brief", side_by_side=True
    )
    add_messages(
        store,
        conversation.id,
        [ConversationMessage("user", "hi", lane=0), ConversationMessage("user", "hi", lane=1)],
    )
    add_messages(
        store,
        conversation.id,
        [ConversationMessage.from_result(_result("A says"), lane=0, sampling=SamplingSettings())],
    )
    add_messages(
        store, conversation.id, [ConversationMessage.from_result(_result("B says"), lane=1)]
    )

    loaded = get_conversation(store, conversation.id)

    assert [(m.role, m.content, m.position) for m in loaded.lane(0)] == [
        ("user", "hi", 0),
        ("assistant", "A says", 1),
    ]
    assert [m.content for m in loaded.lane(1)] == ["hi", "B says"]
    reply = loaded.lane(0)[1]
    assert reply.completion_tokens == 3
    assert reply.sampling == SamplingSettings().to_dict()
    assert reply.fingerprint == {"model_sha256": "ab"}
    assert loaded.system_prompt == "be brief"
    assert loaded.side_by_side


def test_list_is_newest_first_with_message_counts(store: Store) -> None:
    first = create_conversation(store, title="first")
    second = create_conversation(store, title="second")
    add_messages(store, first.id, [ConversationMessage("user", "again")])

    summaries = list_conversations(store)

    assert [(s.title, s.message_count) for s in summaries] == [("first", 1), ("second", 0)]
    assert second.id in {s.id for s in summaries}


def test_create_rename_clear_delete_are_audited(store: Store) -> None:
    conversation = create_conversation(store, title="draft")
    add_messages(store, conversation.id, [ConversationMessage("user", "x")])
    update_conversation(store, conversation.id, title="final", system_prompt="s")
    assert clear_conversation(store, conversation.id) == 1
    delete_conversation(store, conversation.id)

    actions = [e.action for e in list_entries(store, subject=f"conversation:{conversation.id}")]
    assert actions == [
        "conversation.created",
        "conversation.renamed",
        "conversation.cleared",
        "conversation.deleted",
    ]
    assert verify_chain(store).ok
    with pytest.raises(NotFoundError):
        get_conversation(store, conversation.id)


def test_adding_to_a_missing_conversation_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError):
        add_messages(store, 999, [ConversationMessage("user", "x")])


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("  What is\nthe capital?  ", "What is the capital?"),
        ("", "New conversation"),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_title_from_text_is_one_short_line(text: str, title: str) -> None:
    assert title_from_text(text) == title
