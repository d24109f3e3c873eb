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


@migration
def m004_evals(db: sqlite_utils.Database) -> None:
    """Evaluations: stored suites, runs (with their resolved snapshot) and one row per cell."""
    run_script(
        db,
        """
        -- A suite as saved or imported: definition is the canonical JSON of the parsed suite
        -- (cases inlined), sha256 its hash. Versions are immutable; saving changed content
        -- under the same name adds a version.
        CREATE TABLE eval_suites (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            description TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL,
            definition TEXT NOT NULL,
            origin TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            UNIQUE (name, version),
            UNIQUE (name, sha256)
        );
        CREATE TRIGGER eval_suites_no_update BEFORE UPDATE ON eval_suites
        BEGIN SELECT RAISE(ABORT, 'suite versions are immutable: UPDATE refused'); END;
        CREATE TRIGGER eval_suites_no_delete BEFORE DELETE ON eval_suites
        BEGIN SELECT RAISE(ABORT, 'suite versions are immutable: DELETE refused'); END;

        -- snapshot: the suite resolved when the run started (prompt versions with their content
        -- and hashes, model files with their sha256, settings, cases): resume, replay and
        -- compare read it, never the mutable state (labels, inventory) of today.
        CREATE TABLE eval_runs (
            id INTEGER PRIMARY KEY,
            suite_id INTEGER NOT NULL REFERENCES eval_suites(id),
            suite_name TEXT NOT NULL,
            suite_version INTEGER NOT NULL,
            suite_sha256 TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            snapshot_sha256 TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'finished', 'cancelled', 'failed')),
            n_cells INTEGER NOT NULL,
            threshold_passed INTEGER,
            summary TEXT NOT NULL DEFAULT '{}',
            error TEXT,
            worker TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX eval_runs_by_suite ON eval_runs (suite_name, id);

        -- One row per finished cell, written the moment it finishes and never changed; the
        -- unique key (run, cell) is what makes a resumed run unable to duplicate a cell.
        CREATE TABLE eval_results (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES eval_runs(id),
            cell_key TEXT NOT NULL,
            position INTEGER NOT NULL,
            prompt_id TEXT NOT NULL,
            model_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            repeat_index INTEGER NOT NULL,
            seed INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
            request TEXT NOT NULL,
            rendered_prompt TEXT NOT NULL,
            output TEXT NOT NULL,
            passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
            score REAL NOT NULL,
            reason TEXT NOT NULL,
            grading TEXT NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            time_to_first_token_s REAL,
            tokens_per_second REAL,
            total_seconds REAL,
            finish_reason TEXT,
            fingerprint TEXT NOT NULL,
            error TEXT,
            finished_at TEXT NOT NULL,
            UNIQUE (run_id, cell_key),
            UNIQUE (run_id, position)
        );
        CREATE INDEX eval_results_by_column ON eval_results (run_id, prompt_id, model_id);
        CREATE TRIGGER eval_results_no_update BEFORE UPDATE ON eval_results
        BEGIN SELECT RAISE(ABORT, 'evaluation results are evidence: UPDATE refused'); END;
        CREATE TRIGGER eval_results_no_delete BEFORE DELETE ON eval_results
        BEGIN SELECT RAISE(ABORT, 'evaluation results are evidence: DELETE refused'); END;
        """,
    )


@migration
def m005_bias(db: sqlite_utils.Database) -> None:
    """Bias testing: imported probe sets, runs, one score per variant, one row per metric."""
    run_script(
        db,
        """
        -- A probe set as it was used or imported: its source text is the evidence, its sha256
        -- the hash of the canonical JSON of its parsed content.
        CREATE TABLE bias_probe_sets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            sha256 TEXT NOT NULL UNIQUE,
            source_text TEXT NOT NULL,
            origin TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            UNIQUE (name, version)
        );
        CREATE TRIGGER bias_probe_sets_no_update BEFORE UPDATE ON bias_probe_sets
        BEGIN SELECT RAISE(ABORT, 'probe sets are immutable: UPDATE refused'); END;

        CREATE TABLE bias_runs (
            id INTEGER PRIMARY KEY,
            probe_set_id INTEGER NOT NULL REFERENCES bias_probe_sets(id),
            probe_set_name TEXT NOT NULL,
            probe_set_version INTEGER NOT NULL,
            probe_set_sha256 TEXT NOT NULL,
            model_name TEXT NOT NULL,
            model_sha256 TEXT NOT NULL,
            prompt_ref TEXT,
            frame TEXT NOT NULL,
            selection TEXT NOT NULL,
            thresholds TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'finished', 'cancelled', 'failed')),
            verdict TEXT CHECK (verdict IN ('PASS', 'FAIL', 'INCONCLUSIVE')),
            n_variants INTEGER NOT NULL,
            canary TEXT NOT NULL DEFAULT '{}',
            engine TEXT NOT NULL DEFAULT '{}',
            summary TEXT NOT NULL DEFAULT '{}',
            error TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );

        -- Written the moment each variant is scored; never changed afterwards.
        CREATE TABLE bias_variant_scores (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES bias_runs(id),
            position INTEGER NOT NULL,
            key TEXT NOT NULL,
            family TEXT NOT NULL,
            probe_id TEXT NOT NULL,
            attribute TEXT NOT NULL,
            group_name TEXT NOT NULL,
            details TEXT NOT NULL,
            prompt TEXT NOT NULL,
            continuations TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            evaluated_tokens INTEGER NOT NULL,
            seconds REAL NOT NULL,
            scored_at TEXT NOT NULL,
            UNIQUE (run_id, key)
        );
        CREATE TRIGGER bias_variant_scores_no_update BEFORE UPDATE ON bias_variant_scores
        BEGIN SELECT RAISE(ABORT, 'variant scores are evidence: UPDATE refused'); END;
        CREATE TRIGGER bias_variant_scores_no_delete BEFORE DELETE ON bias_variant_scores
        BEGIN SELECT RAISE(ABORT, 'variant scores are evidence: DELETE refused'); END;

        CREATE TABLE bias_metrics (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES bias_runs(id),
            family TEXT NOT NULL,
            attribute TEXT NOT NULL,
            group_name TEXT NOT NULL,
            reference TEXT,
            metric TEXT NOT NULL,
            estimate REAL,
            ci_low REAL,
            ci_high REAL,
            p_value REAL,
            p_adjusted REAL,
            n INTEGER NOT NULL,
            band_low REAL NOT NULL,
            band_high REAL NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('PASS', 'FAIL', 'INCONCLUSIVE')),
            reason TEXT NOT NULL,
            details TEXT NOT NULL,
            UNIQUE (run_id, family, attribute, group_name, metric)
        );

        CREATE INDEX bias_runs_by_start ON bias_runs (started_at);
        CREATE INDEX bias_metrics_by_run ON bias_metrics (run_id);
        """,
    )


@migration
def m006_bias_run_worker(db: sqlite_utils.Database) -> None:
    """Bias runs record the process scoring them (host and pid, as evaluation runs do), so a
    second process refuses to resume a run a live one is scoring before it loads a model."""
    run_script(db, "ALTER TABLE bias_runs ADD COLUMN worker TEXT NOT NULL DEFAULT '{}';")
