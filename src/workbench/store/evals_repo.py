"""Rows of evaluations: stored suites, runs and their cell results.

Plain SQL over dicts for the tables of migration ``m004_evals``; :mod:`workbench.evals` builds
its value objects from these rows and wraps changes in transactions with their audit entries.
Suites and results are append-only (triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from workbench.store.database import Store
from workbench.store.row_helpers import insert_row, update_row

SUITE_COLUMNS = (
    "name", "version", "description", "sha256", "definition", "origin", "created_at", "created_by"
)  # fmt: skip
RUN_COLUMNS = (
    "suite_id", "suite_name", "suite_version", "suite_sha256", "snapshot", "snapshot_sha256",
    "status", "n_cells", "worker", "started_at",
)  # fmt: skip
RESULT_COLUMNS = (
    "run_id", "cell_key", "position", "prompt_id", "model_id", "case_id", "repeat_index", "seed",
    "status", "request", "rendered_prompt", "output", "passed", "score", "reason", "grading",
    "prompt_tokens", "completion_tokens", "time_to_first_token_s", "tokens_per_second",
    "total_seconds", "finish_reason", "fingerprint", "error", "finished_at",
)  # fmt: skip
_RUN_UPDATABLE = frozenset(
    {"status", "threshold_passed", "summary", "error", "worker", "finished_at"}
)
_RUN_SELECT = (
    "SELECT r.*, (SELECT COUNT(*) FROM eval_results c WHERE c.run_id = r.id) AS n_done "
    "FROM eval_runs r"
)
_RUN_LIST_SELECT = _RUN_SELECT.replace(
    "r.*",
    "r.id, r.suite_id, r.suite_name, r.suite_version, r.suite_sha256, r.status, r.n_cells, "
    "r.threshold_passed, r.summary, r.error, r.started_at, r.finished_at",
)


# -- suites -----------------------------------------------------------------------------------


def insert_suite_row(store: Store, row: Mapping[str, Any]) -> int:
    """Insert a suite version (keys: :data:`SUITE_COLUMNS`); return its id."""
    return insert_row(store, "eval_suites", SUITE_COLUMNS, row)


def get_suite_row(
    store: Store,
    *,
    suite_id: int | None = None,
    name: str | None = None,
    version: int | None = None,
    sha256: str | None = None,
) -> dict[str, Any] | None:
    """One suite version: by id, by name and hash, by name and version, or a name's latest."""
    if suite_id is not None:
        rows = store.query("SELECT * FROM eval_suites WHERE id = ?", (suite_id,))
    elif sha256 is not None:
        rows = store.query(
            "SELECT * FROM eval_suites WHERE name = ? AND sha256 = ?", (name, sha256)
        )
    elif version is not None:
        rows = store.query(
            "SELECT * FROM eval_suites WHERE name = ? AND version = ?", (name, version)
        )
    else:
        rows = store.query(
            "SELECT * FROM eval_suites WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)
        )
    return rows[0] if rows else None


def latest_suite_version(store: Store, name: str) -> int:
    """The highest version stored under ``name`` (0 when none)."""
    row = store.execute(
        "SELECT COALESCE(MAX(version), 0) FROM eval_suites WHERE name = ?", (name,)
    ).fetchone()
    return int(row[0])


def list_suite_rows(store: Store) -> list[dict[str, Any]]:
    """The latest version of every suite (without its definition), with ``n_runs``, by name."""
    return store.query(
        "SELECT s.id, s.name, s.version, s.description, s.sha256, s.origin, s.created_at, "
        "s.created_by, (SELECT COUNT(*) FROM eval_runs r WHERE r.suite_name = s.name) AS n_runs "
        "FROM eval_suites s WHERE s.version = "
        "(SELECT MAX(version) FROM eval_suites t WHERE t.name = s.name) ORDER BY s.name"
    )


# -- runs -------------------------------------------------------------------------------------


def insert_run_row(store: Store, row: Mapping[str, Any]) -> int:
    """Insert a run (keys: :data:`RUN_COLUMNS`); return its id."""
    return insert_row(store, "eval_runs", RUN_COLUMNS, row)


def update_run_row(store: Store, run_id: int, **fields: Any) -> None:
    """Set some of a run's mutable fields (status, summary, threshold_passed, error, ...)."""
    update_row(store, "eval_runs", run_id, fields, _RUN_UPDATABLE)


def get_run_row(store: Store, run_id: int) -> dict[str, Any] | None:
    """The run with this id (with ``n_done``, its finished cells), or None."""
    rows = store.query(f"{_RUN_SELECT} WHERE r.id = ?", (run_id,))
    return rows[0] if rows else None


def list_run_rows(
    store: Store, *, suite_name: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Runs with ``n_done`` (without their snapshot), newest first."""
    sql = _RUN_LIST_SELECT
    params: list[Any] = []
    if suite_name is not None:
        sql += " WHERE r.suite_name = ?"
        params.append(suite_name)
    sql += " ORDER BY r.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, params)


# -- cell results -----------------------------------------------------------------------------


def insert_result_row(store: Store, row: Mapping[str, Any]) -> bool:
    """Insert one cell's result (keys: :data:`RESULT_COLUMNS`).

    Returns False, writing nothing, when the run already has that cell: a cell is never
    stored twice, even by two processes racing on one run.
    """
    names = ", ".join(RESULT_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in RESULT_COLUMNS)
    cursor = store.execute(
        f"INSERT INTO eval_results ({names}) VALUES ({placeholders}) "
        "ON CONFLICT (run_id, cell_key) DO NOTHING",
        row,
    )
    return cursor.rowcount > 0


def done_cell_keys(store: Store, run_id: int) -> set[str]:
    """Keys of the cells a run has finished."""
    rows = store.execute("SELECT cell_key FROM eval_results WHERE run_id = ?", (run_id,))
    return {str(key) for (key,) in rows}


def count_result_rows(store: Store, run_id: int) -> int:
    """How many cells a run has finished."""
    row = store.execute("SELECT COUNT(*) FROM eval_results WHERE run_id = ?", (run_id,)).fetchone()
    return int(row[0])


def iter_result_rows(
    store: Store, run_id: int, *, after_id: int = 0, light: bool = False
) -> Iterator[dict[str, Any]]:
    """A run's results in plan order, one row at a time. ``after_id`` returns only rows
    written after that row id (for polling a run in progress); ``light`` leaves out the
    request, rendered prompt and fingerprint."""
    yield from store.db.query(
        f"SELECT {_result_columns(light)} FROM eval_results WHERE run_id = ? AND id > ? "
        "ORDER BY position",
        (run_id, after_id),
    )


def fetch_result_rows(
    store: Store, run_id: int, *, after_id: int = 0, light: bool = False
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The rows of :func:`iter_result_rows` all at once, as tuples, with the column names
    given once (a dict per row costs more than reading the row), and two more columns that
    SQLite extracts from each grading so that statistics over 100,000 cells parse none:
    ``named_scores_type`` (the JSON type of the grading's ``named_scores``; NULL when it has
    none) and ``named_scores`` (its JSON text)."""
    cursor = store.execute(
        f"SELECT {_result_columns(light)}, "
        "json_type(grading, '$.named_scores') AS named_scores_type, "
        "json_extract(grading, '$.named_scores') AS named_scores "
        "FROM eval_results WHERE run_id = ? AND id > ? ORDER BY position",
        (run_id, after_id),
    )
    names = tuple(column[0] for column in cursor.description)
    return names, cursor.fetchall()


def _result_columns(light: bool) -> str:
    if not light:
        return "*"
    heavy = {"request", "rendered_prompt", "fingerprint"}
    return ", ".join(["id", *(c for c in RESULT_COLUMNS if c not in heavy)])


def get_result_row(
    store: Store, run_id: int, *, cell_key: str | None = None, position: int | None = None
) -> dict[str, Any] | None:
    """One cell of a run, by key or by plan position."""
    if cell_key is not None:
        rows = store.query(
            "SELECT * FROM eval_results WHERE run_id = ? AND cell_key = ?", (run_id, cell_key)
        )
    else:
        rows = store.query(
            "SELECT * FROM eval_results WHERE run_id = ? AND position = ?", (run_id, position)
        )
    return rows[0] if rows else None
