"""Rows of playground conversations and their messages.

A conversation has one or two *lanes*: lane 0 is the single chat, and side-by-side mode adds
lane 1, whose messages (the same user turns, another model's or settings' replies) are kept
apart so that either lane can be replayed on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workbench.store.database import Store

MESSAGE_COLUMNS = (
    "conversation_id",
    "lane",
    "position",
    "role",
    "content",
    "model_name",
    "model_sha256",
    "sampling",
    "prompt_tokens",
    "completion_tokens",
    "tokens_per_second",
    "time_to_first_token_s",
    "total_seconds",
    "finish_reason",
    "fingerprint",
    "created_at",
)


def now_iso() -> str:
    """The current UTC time as stored in conversation rows."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def insert_conversation_row(
    store: Store, *, title: str, system_prompt: str, side_by_side: bool
) -> dict[str, Any]:
    """Insert one conversation; return its row."""
    stamp = now_iso()
    cursor = store.execute(
        "INSERT INTO conversations (title, system_prompt, side_by_side, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (title, system_prompt, int(side_by_side), stamp, stamp),
    )
    row = get_conversation_row(store, int(cursor.lastrowid or 0))
    assert row is not None
    return row


def get_conversation_row(store: Store, conversation_id: int) -> dict[str, Any] | None:
    """The conversation with this id, or None."""
    rows = store.query("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
    return rows[0] if rows else None


def list_conversation_rows(store: Store, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Conversations with their message counts, most recently updated first."""
    sql = (
        "SELECT c.*, (SELECT COUNT(*) FROM conversation_messages m "
        "WHERE m.conversation_id = c.id) AS message_count "
        "FROM conversations c ORDER BY c.updated_at DESC, c.id DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql)


def update_conversation_row(store: Store, conversation_id: int, **fields: Any) -> bool:
    """Set ``fields`` (title, system_prompt, side_by_side) and touch ``updated_at``."""
    allowed = {"title", "system_prompt", "side_by_side"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not conversation fields: {', '.join(sorted(unknown))}")
    assignments = [f"{name} = :{name}" for name in fields] + ["updated_at = :updated_at"]
    params = {**fields, "updated_at": now_iso(), "id": conversation_id}
    cursor = store.execute(
        f"UPDATE conversations SET {', '.join(assignments)} WHERE id = :id", params
    )
    return cursor.rowcount > 0


def delete_conversation_row(store: Store, conversation_id: int) -> bool:
    """Delete a conversation and (by cascade) its messages; False when there was none."""
    cursor = store.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
    return cursor.rowcount > 0


def next_message_position(store: Store, conversation_id: int, lane: int) -> int:
    """The position the next message of this lane takes."""
    (value,) = store.execute(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM conversation_messages "
        "WHERE conversation_id = ? AND lane = ?",
        (conversation_id, lane),
    ).fetchone()
    return int(value)


def insert_message_row(store: Store, row: dict[str, Any]) -> int:
    """Insert one message (keys: :data:`MESSAGE_COLUMNS`) and touch its conversation."""
    columns = ", ".join(MESSAGE_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in MESSAGE_COLUMNS)
    cursor = store.execute(
        f"INSERT INTO conversation_messages ({columns}) VALUES ({placeholders})", row
    )
    store.execute(
        "UPDATE conversations SET updated_at = ? WHERE id = ?",
        (row["created_at"], row["conversation_id"]),
    )
    return int(cursor.lastrowid or 0)


def list_message_rows(store: Store, conversation_id: int) -> list[dict[str, Any]]:
    """Every message of a conversation, by lane then position."""
    return store.query(
        "SELECT * FROM conversation_messages WHERE conversation_id = ? ORDER BY lane, position",
        (conversation_id,),
    )


def delete_message_rows(store: Store, conversation_id: int) -> int:
    """Delete every message of a conversation (the conversation stays); return how many."""
    cursor = store.execute(
        "DELETE FROM conversation_messages WHERE conversation_id = ?", (conversation_id,)
    )
    return cursor.rowcount
