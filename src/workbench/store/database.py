"""Opening the SQLite store: connection settings, version check, migrations, transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from workbench.errors import NewerDatabaseError, StoreError
from workbench.paths import database_path
from workbench.store.migrations import (
    applied_migration_names,
    apply_pending,
    known_migration_names,
)

BUSY_TIMEOUT_MS = 10_000


class Store:
    """One connection to the workbench database; use one per thread.

    Writes go through :meth:`transaction`, so a change and its audit entry commit together.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.path = path
        self.conn = connection
        self.db = sqlite_utils.Database(connection)
        self._depth = 0
        self._owner = threading.get_ident()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction (``BEGIN IMMEDIATE``); nested blocks join it.

        An exception in the block, or a COMMIT that fails, rolls the transaction back and is
        re-raised; the store is then ready for the next transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # Also when COMMIT itself failed (SQLITE_BUSY, a deferred foreign key, disk I/O):
            # SQLite may leave the transaction open, and the next BEGIN would then fail.
            self._roll_back(exc)
            raise
        finally:
            self._depth = 0

    def _roll_back(self, cause: BaseException) -> None:
        """End the open transaction, if SQLite has not ended it already; a failed ROLLBACK
        is noted on ``cause``, which the caller re-raises."""
        if not self.conn.in_transaction:
            return
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            cause.add_note(f"ROLLBACK failed as well: {exc}")

    @property
    def in_transaction(self) -> bool:
        """True inside a :meth:`transaction` block."""
        return self._depth > 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """Execute one statement (the store's modules are the only callers)."""
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Return the rows of a SELECT as dicts."""
        return list(self.db.query(sql, params))

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(home: Path, *, create: bool = True) -> Store:
    """Open (creating and migrating when needed) the store in ``home``.

    A database written by a newer workbench is refused with :class:`NewerDatabaseError` before
    anything in it is changed.
    """
    path = database_path(home)
    if not create and not path.exists():
        raise StoreError(f"No workbench database at {path}.")
    try:
        home.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"Cannot open the workbench database {path}: {exc}") from exc
    try:
        db = sqlite_utils.Database(conn)
        _refuse_newer(db, path)
        _configure(conn)
        apply_pending(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"{path} is not a usable workbench database ({exc}). Move it aside or choose another "
            "home with --home."
        ) from exc
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)


def _refuse_newer(db: sqlite_utils.Database, path: Path) -> None:
    # Read-only checks: nothing is written before we know this version understands the file.
    (user_version,) = db.execute("PRAGMA user_version").fetchone()
    known = known_migration_names()
    unknown = [name for name in applied_migration_names(db) if name not in known]
    if user_version > len(known) or unknown:
        raise NewerDatabaseError(
            f"{path} was written by a newer version of the workbench (schema {user_version}, "
            f"this version knows {len(known)}"
            + (f"; unknown migrations: {', '.join(unknown)}" if unknown else "")
            + "). Upgrade the workbench; the database was not modified."
        )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # With recursive triggers on, INSERT OR REPLACE fires DELETE triggers, so append-only tables
    # cannot be rewritten through REPLACE either.
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
