"""Schema migrations: named, append-only, applied with sqlite-utils' ``Migrations``.

Each migration runs in one transaction together with its record in ``_sqlite_migrations``.
Never edit a released migration: add a new function at the end, decorated with
``@migration``. ``PRAGMA user_version`` mirrors the count so that an older workbench can
refuse a newer file cheaply.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("workbench")
_KNOWN: list[str] = []
_MigrationFn = Callable[[sqlite_utils.Database], None]


def migration(fn: _MigrationFn) -> _MigrationFn:
    """Register ``fn`` as the next migration (its name is its function name)."""
    _KNOWN.append(fn.__name__)
    MIGRATIONS()(fn)
    return fn


def known_migration_names() -> list[str]:
    """Names of the migrations this version of the workbench knows, in order."""
    return list(_KNOWN)


def applied_migration_names(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations recorded in the database (read-only; empty for a blank file)."""
    return [migration.name for migration in MIGRATIONS.applied(db)]


def apply_pending(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return their names."""
    pending = [migration.name for migration in MIGRATIONS.pending(db)]
    if pending:
        MIGRATIONS.apply(db)
        db.execute(f"PRAGMA user_version = {len(known_migration_names())}")
    return pending


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run several SQL statements inside the current transaction.

    ``executescript()`` would commit first, which would split a migration from its record.
    """
    for statement in _split_statements(script):
        db.execute(statement)


def _split_statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:80]}")
    return statements


# The migrations, in the order they apply. Append only.


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    """Audit log, model inventory, file hash cache, settings."""
    run_script(
        db,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
        -- INSERT OR REPLACE deletes the old row without DELETE triggers unless recursive triggers
        -- are on in that connection; refusing any insert over an existing id closes that door.
        CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR hash = NEW.hash)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: REPLACE refused'); END;

        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            architecture TEXT,
            parameter_count INTEGER,
            file_type TEXT,
            context_length INTEGER,
            vocab_size INTEGER,
            has_chat_template INTEGER NOT NULL DEFAULT 0,
            license TEXT,
            model_name TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            added_at TEXT NOT NULL
        );

        CREATE TABLE file_hashes (
            path TEXT PRIMARY KEY,
            size_bytes INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL
        );

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    )


@migration
def m002_prompts(db: sqlite_utils.Database) -> None:
    """Prompts, their immutable versions, labels and the history of label moves."""
    run_script(
        db,
        """
        CREATE TABLE prompts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );

        -- content is the canonical JSON of the version's messages or template and parameters,
        -- exactly the text content_hash is the SHA-256 of.
        CREATE TABLE prompt_versions (
            id INTEGER PRIMARY KEY,
            prompt_id INTEGER NOT NULL REFERENCES prompts(id),
            version INTEGER NOT NULL CHECK (version >= 1),
            kind TEXT NOT NULL CHECK (kind IN ('chat', 'completion')),
            content TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            UNIQUE (prompt_id, version)
        );
        CREATE INDEX prompt_versions_hash ON prompt_versions (prompt_id, content_hash);
        CREATE TRIGGER prompt_versions_no_update BEFORE UPDATE ON prompt_versions
        BEGIN SELECT RAISE(ABORT, 'prompt versions are immutable: UPDATE refused'); END;
        CREATE TRIGGER prompt_versions_no_delete BEFORE DELETE ON prompt_versions
        BEGIN SELECT RAISE(ABORT, 'prompt versions are immutable: DELETE refused'); END;

        -- Where each label points now; every change is also kept in prompt_label_moves.
        CREATE TABLE prompt_labels (
            prompt_id INTEGER NOT NULL REFERENCES prompts(id),
            label TEXT NOT NULL,
            version INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (prompt_id, label),
            FOREIGN KEY (prompt_id, version) REFERENCES prompt_versions (prompt_id, version)
        );

        -- from_version NULL: the label was created; to_version NULL: it was removed.
        CREATE TABLE prompt_label_moves (
            id INTEGER PRIMARY KEY,
            prompt_id INTEGER NOT NULL REFERENCES prompts(id),
            label TEXT NOT NULL,
            from_version INTEGER,
            to_version INTEGER,
            actor TEXT NOT NULL,
            time TEXT NOT NULL
        );
        CREATE INDEX prompt_label_moves_label ON prompt_label_moves (prompt_id, label);
        CREATE TRIGGER prompt_label_moves_no_update BEFORE UPDATE ON prompt_label_moves
        BEGIN SELECT RAISE(ABORT, 'label history is append-only: UPDATE refused'); END;
        CREATE TRIGGER prompt_label_moves_no_delete BEFORE DELETE ON prompt_label_moves
        BEGIN SELECT RAISE(ABORT, 'label history is append-only: DELETE refused'); END;
        """,
    )


@migration
def m003_conversations(db: sqlite_utils.Database) -> None:
    """Playground conversations and their messages (one lane per side of side-by-side mode)."""
    run_script(
        db,
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            system_prompt TEXT NOT NULL DEFAULT '',
            side_by_side INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE conversation_messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            lane INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL,
            model_name TEXT,
            model_sha256 TEXT,
            sampling TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            tokens_per_second REAL,
            time_to_first_token_s REAL,
            total_seconds REAL,
            finish_reason TEXT,
            fingerprint TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (conversation_id, lane, position)
        );

        CREATE INDEX conversations_by_update ON conversations (updated_at);
        """,
    )
