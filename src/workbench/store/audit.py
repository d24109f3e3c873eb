"""The audit log: an append-only, hash-chained record of every change a user makes.

Each entry's hash is SHA-256 over a domain tag, the previous entry's hash and the canonical JSON
of the entry's fields, so altering, removing or reordering any row breaks the chain at that row.
Triggers in the schema refuse UPDATE, DELETE and REPLACE; :func:`verify_chain` catches what
raw SQL with the triggers dropped could still do.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from workbench.canonical import canonical_json
from workbench.store.database import Store

GENESIS_HASH = "0" * 64
DOMAIN_TAG = b"genai-ops-workbench/audit-entry/v1"
ACTOR_ENV_VAR = "WORKBENCH_ACTOR"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    time: str
    actor: str
    action: str
    subject: str
    payload: str  # canonical JSON text, exactly as hashed
    prev_hash: str
    hash: str

    @property
    def payload_data(self) -> Any:
        """The payload parsed from its canonical JSON."""
        return json.loads(self.payload)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the payload parsed."""
        return {
            "id": self.id,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload_data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class ChainVerification:
    """The outcome of :func:`verify_chain`."""

    ok: bool
    entries_checked: int
    first_bad_id: int | None = None
    problem: str | None = None


def current_actor() -> str:
    """The name recorded as the actor of changes: ``WORKBENCH_ACTOR`` or the OS user."""
    explicit = os.environ.get(ACTOR_ENV_VAR)
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def compute_entry_hash(
    *, prev_hash: str, id: int, time: str, actor: str, action: str, subject: str, payload: str
) -> str:
    """The chain hash of one entry."""
    body = canonical_json(
        {
            "id": id,
            "time": time,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
    )
    digest = hashlib.sha256()
    digest.update(DOMAIN_TAG + b"\n" + prev_hash.encode("ascii") + b"\n" + body.encode("utf-8"))
    return digest.hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return compute_entry_hash(
        prev_hash=entry.prev_hash,
        id=entry.id,
        time=entry.time,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        payload=entry.payload,
    )


def append_entry(
    store: Store, action: str, subject: str, payload: Any, *, actor: str | None = None
) -> AuditEntry:
    """Append one entry, inside the caller's transaction when there is one."""
    with store.transaction():
        last = store.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        entry_id, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(
            id=entry_id,
            time=datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            actor=actor or current_actor(),
            action=action,
            subject=subject,
            payload=canonical_json(payload),
            prev_hash=prev_hash,
            hash="",
        )
        entry = replace(entry, hash=_hash_of(entry))
        store.execute(
            "INSERT INTO audit_log (id, time, actor, action, subject, payload, prev_hash, hash) "
            "VALUES (:id, :time, :actor, :action, :subject, :payload, :prev_hash, :hash)",
            asdict(entry),
        )
    return entry


def list_entries(
    store: Store, *, subject: str | None = None, action: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Entries in chain order, optionally filtered; ``limit`` keeps the newest ones."""
    where, params = [], []
    if subject is not None:
        where.append("subject = ?")
        params.append(subject)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = store.query(sql, params)
    return [AuditEntry(**row) for row in reversed(rows)]


def verify_chain(store: Store) -> ChainVerification:
    """Recompute the whole chain; report the first entry that does not verify."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    count = 0
    for row in store.db.query("SELECT * FROM audit_log ORDER BY id"):
        entry = AuditEntry(**row)
        if entry.id != expected_id:
            return ChainVerification(
                False, count, entry.id, f"entry {expected_id} is missing (next id is {entry.id})"
            )
        if entry.prev_hash != expected_prev:
            return ChainVerification(
                False, count, entry.id, "prev_hash does not match the previous entry's hash"
            )
        recomputed = _hash_of(entry)
        if recomputed != entry.hash:
            return ChainVerification(
                False, count, entry.id, "content does not match its hash (the row was altered)"
            )
        expected_prev = entry.hash
        expected_id += 1
        count += 1
    return ChainVerification(True, count)
