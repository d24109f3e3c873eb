"""Playground conversations kept in the store, so a chat can be reopened later.

Headless: the desktop app's playground is a view over these functions. Creating, renaming,
clearing and deleting a conversation are audited; the messages themselves are not (they are
exploratory chat text, and every reply already records its model hash, sampling settings and
replay fingerprint in its own row).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.engine.messages import ChatMessage, GenerationResult, SamplingSettings
from workbench.errors import NotFoundError
from workbench.store import Store
from workbench.store.audit import append_entry
from workbench.store.conversations_repo import (
    delete_conversation_row,
    delete_message_rows,
    get_conversation_row,
    insert_conversation_row,
    insert_message_row,
    list_conversation_rows,
    list_message_rows,
    next_message_position,
    now_iso,
    update_conversation_row,
)

Role = Literal["system", "user", "assistant"]
TITLE_LENGTH = 60


@dataclass(frozen=True)
class ConversationMessage:
    """One stored turn. Assistant turns carry the reply's counts, timings and provenance."""

    role: Role
    content: str
    lane: int = 0
    model_name: str | None = None
    model_sha256: str | None = None
    sampling: dict[str, Any] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_per_second: float | None = None
    time_to_first_token_s: float | None = None
    total_seconds: float | None = None
    finish_reason: str | None = None
    fingerprint: dict[str, Any] | None = None
    id: int | None = None
    position: int | None = None
    created_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ConversationMessage:
        """Build from a store row."""
        data = {k: v for k, v in row.items() if k != "conversation_id"}
        for key in ("sampling", "fingerprint"):
            data[key] = json.loads(data[key]) if data[key] else None
        return cls(**data)

    @classmethod
    def from_result(
        cls,
        result: GenerationResult,
        *,
        lane: int = 0,
        model_name: str | None = None,
        model_sha256: str | None = None,
        sampling: SamplingSettings | None = None,
    ) -> ConversationMessage:
        """The assistant turn for a finished generation."""
        return cls(
            role="assistant",
            content=result.text,
            lane=lane,
            model_name=model_name,
            model_sha256=model_sha256,
            sampling=sampling.to_dict() if sampling else None,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            tokens_per_second=result.tokens_per_second,
            time_to_first_token_s=result.time_to_first_token_s,
            total_seconds=result.total_seconds,
            finish_reason=result.finish_reason,
            fingerprint=result.fingerprint,
        )

    def to_chat_message(self) -> ChatMessage:
        """The engine's view of this turn."""
        return ChatMessage(self.role, self.content)


@dataclass(frozen=True)
class ConversationSummary:
    """A line of the conversation list."""

    id: int
    title: str
    updated_at: str
    message_count: int
    side_by_side: bool


@dataclass(frozen=True)
class Conversation:
    """A conversation with every message of every lane."""

    id: int
    title: str
    system_prompt: str
    side_by_side: bool
    created_at: str
    updated_at: str
    messages: tuple[ConversationMessage, ...] = field(default=())

    def lane(self, lane: int) -> list[ConversationMessage]:
        """The messages of one lane, in order."""
        return [m for m in self.messages if m.lane == lane]


def title_from_text(text: str) -> str:
    """A conversation title from its first user message: one line, at most 60 characters."""
    line = " ".join(text.split())
    if not line:
        return "New conversation"
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def create_conversation(
    store: Store, *, title: str, system_prompt: str = "", side_by_side: bool = False
) -> Conversation:
    """Create an empty conversation."""
    with store.transaction():
        row = insert_conversation_row(
            store, title=title, system_prompt=system_prompt, side_by_side=side_by_side
        )
        append_entry(
            store,
            "conversation.created",
            f"conversation:{row['id']}",
            {"title": title, "side_by_side": side_by_side},
        )
    return _conversation(row, [])


def get_conversation(store: Store, conversation_id: int) -> Conversation:
    """A conversation with its messages; NotFoundError when it does not exist."""
    row = get_conversation_row(store, conversation_id)
    if row is None:
        raise NotFoundError(f"No conversation with id {conversation_id}.")
    return _conversation(row, list_message_rows(store, conversation_id))


def list_conversations(store: Store, *, limit: int | None = None) -> list[ConversationSummary]:
    """Conversations, most recently updated first."""
    return [
        ConversationSummary(
            id=row["id"],
            title=row["title"],
            updated_at=row["updated_at"],
            message_count=row["message_count"],
            side_by_side=bool(row["side_by_side"]),
        )
        for row in list_conversation_rows(store, limit=limit)
    ]


def add_messages(
    store: Store, conversation_id: int, messages: Sequence[ConversationMessage]
) -> list[ConversationMessage]:
    """Append messages (each to its own lane) in one transaction; return them as stored."""
    stored: list[ConversationMessage] = []
    with store.transaction():
        if get_conversation_row(store, conversation_id) is None:
            raise NotFoundError(f"No conversation with id {conversation_id}.")
        for message in messages:
            row = {
                "conversation_id": conversation_id,
                "lane": message.lane,
                "position": next_message_position(store, conversation_id, message.lane),
                "role": message.role,
                "content": message.content,
                "model_name": message.model_name,
                "model_sha256": message.model_sha256,
                "sampling": json.dumps(message.sampling) if message.sampling else None,
                "prompt_tokens": message.prompt_tokens,
                "completion_tokens": message.completion_tokens,
                "tokens_per_second": message.tokens_per_second,
                "time_to_first_token_s": message.time_to_first_token_s,
                "total_seconds": message.total_seconds,
                "finish_reason": message.finish_reason,
                "fingerprint": json.dumps(message.fingerprint, default=str)
                if message.fingerprint
                else None,
                "created_at": now_iso(),
            }
            row_id = insert_message_row(store, row)
            stored.append(ConversationMessage.from_row({**row, "id": row_id}))
    return stored


def update_conversation(
    store: Store,
    conversation_id: int,
    *,
    title: str | None = None,
    system_prompt: str | None = None,
    side_by_side: bool | None = None,
) -> Conversation:
    """Change a conversation's title, system prompt or mode; renames are audited."""
    fields: dict[str, Any] = {}
    if title is not None:
        fields["title"] = title
    if system_prompt is not None:
        fields["system_prompt"] = system_prompt
    if side_by_side is not None:
        fields["side_by_side"] = int(side_by_side)
    with store.transaction():
        before = get_conversation(store, conversation_id)
        if fields:
            update_conversation_row(store, conversation_id, **fields)
        if title is not None and title != before.title:
            append_entry(
                store,
                "conversation.renamed",
                f"conversation:{conversation_id}",
                {"old": before.title, "new": title},
            )
    return get_conversation(store, conversation_id)


def clear_conversation(store: Store, conversation_id: int) -> int:
    """Delete every message of a conversation, keeping it; return how many were deleted."""
    with store.transaction():
        get_conversation(store, conversation_id)
        count = delete_message_rows(store, conversation_id)
        update_conversation_row(store, conversation_id)
        append_entry(
            store,
            "conversation.cleared",
            f"conversation:{conversation_id}",
            {"messages_deleted": count},
        )
    return count


def delete_conversation(store: Store, conversation_id: int) -> None:
    """Delete a conversation and its messages."""
    with store.transaction():
        conversation = get_conversation(store, conversation_id)
        delete_conversation_row(store, conversation_id)
        append_entry(
            store,
            "conversation.deleted",
            f"conversation:{conversation_id}",
            {"title": conversation.title, "messages": len(conversation.messages)},
        )


def _conversation(row: dict[str, Any], messages: list[dict[str, Any]]) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        system_prompt=row["system_prompt"],
        side_by_side=bool(row["side_by_side"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        messages=tuple(ConversationMessage.from_row(m) for m in messages),
    )
