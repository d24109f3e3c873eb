"""Rows of bias testing: stored probe sets, runs, variant scores and metric results.

Plain SQL over dicts; the domain package (``workbench.bias``) builds its value objects from
these rows and wraps changes in transactions with their audit entries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from workbench.store.database import Store
from workbench.store.row_helpers import insert_row, update_row

RUN_COLUMNS = (
    "probe_set_id",
    "probe_set_name",
    "probe_set_version",
    "probe_set_sha256",
    "model_name",
    "model_sha256",
    "prompt_ref",
    "frame",
    "selection",
    "thresholds",
    "status",
    "n_variants",
    "started_at",
    "worker",
)
SCORE_COLUMNS = (
    "run_id",
    "position",
    "key",
    "family",
    "probe_id",
    "attribute",
    "group_name",
    "details",
    "prompt",
    "continuations",
    "prompt_tokens",
    "evaluated_tokens",
    "seconds",
    "scored_at",
)
METRIC_COLUMNS = (
    "run_id",
    "family",
    "attribute",
    "group_name",
    "reference",
    "metric",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "n",
    "band_low",
    "band_high",
    "verdict",
    "reason",
    "details",
)
_RUN_UPDATABLE = frozenset(
    {"status", "verdict", "canary", "engine", "summary", "error", "finished_at", "worker"}
)
_RUN_SELECT = (
    "SELECT r.*, (SELECT COUNT(*) FROM bias_variant_scores s WHERE s.run_id = r.id) AS n_scored "
    "FROM bias_runs r"
)


# -- probe sets -------------------------------------------------------------------------------


def insert_probe_set_row(store: Store, row: Mapping[str, Any]) -> int:
    """Insert a probe set (keys: name, version, sha256, source_text, origin, imported_at,
    imported_by); return its id."""
    columns = ("name", "version", "sha256", "source_text", "origin", "imported_at", "imported_by")
    return insert_row(store, "bias_probe_sets", columns, row)


def get_probe_set_row(
    store: Store, *, sha256: str | None = None, name: str | None = None, version: int | None = None
) -> dict[str, Any] | None:
    """The probe set with this hash, or this name and version (the latest without version)."""
    if sha256 is not None:
        rows = store.query("SELECT * FROM bias_probe_sets WHERE sha256 = ?", (sha256,))
    elif version is not None:
        rows = store.query(
            "SELECT * FROM bias_probe_sets WHERE name = ? AND version = ?", (name, version)
        )
    else:
        rows = store.query(
            "SELECT * FROM bias_probe_sets WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)
        )
    return rows[0] if rows else None


def list_probe_set_rows(store: Store) -> list[dict[str, Any]]:
    """Every stored probe set (without its source text), by name then version."""
    return store.query(
        "SELECT id, name, version, sha256, origin, imported_at, imported_by "
        "FROM bias_probe_sets ORDER BY name, version"
    )


# -- runs -------------------------------------------------------------------------------------


def insert_run_row(store: Store, row: Mapping[str, Any]) -> int:
    """Insert a run (keys: :data:`RUN_COLUMNS`); return its id."""
    return insert_row(store, "bias_runs", RUN_COLUMNS, row)


def update_run_row(store: Store, run_id: int, **fields: Any) -> None:
    """Set some of a run's mutable fields (status, verdict, canary, engine, summary, ...)."""
    update_row(store, "bias_runs", run_id, fields, _RUN_UPDATABLE)


def get_run_row(store: Store, run_id: int) -> dict[str, Any] | None:
    """The run with this id (with ``n_scored``), or None."""
    rows = store.query(f"{_RUN_SELECT} WHERE r.id = ?", (run_id,))
    return rows[0] if rows else None


def list_run_rows(store: Store, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Runs with ``n_scored``, newest first."""
    sql = f"{_RUN_SELECT} ORDER BY r.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql)


# -- variant scores and metrics ---------------------------------------------------------------


def insert_score_row(store: Store, row: Mapping[str, Any]) -> int:
    """Insert one variant's score (keys: :data:`SCORE_COLUMNS`); return its id."""
    return insert_row(store, "bias_variant_scores", SCORE_COLUMNS, row)


def scored_keys(store: Store, run_id: int) -> set[str]:
    """Keys of the variants already scored in a run."""
    rows = store.execute("SELECT key FROM bias_variant_scores WHERE run_id = ?", (run_id,))
    return {str(key) for (key,) in rows}


def iter_score_rows(store: Store, run_id: int) -> Iterator[dict[str, Any]]:
    """A run's variant scores in scoring order, one row at a time."""
    yield from store.db.query(
        "SELECT * FROM bias_variant_scores WHERE run_id = ? ORDER BY position, id", (run_id,)
    )


def replace_metric_rows(store: Store, run_id: int, rows: list[Mapping[str, Any]]) -> None:
    """Replace a run's metric rows (keys: :data:`METRIC_COLUMNS`) with ``rows``."""
    store.execute("DELETE FROM bias_metrics WHERE run_id = ?", (run_id,))
    for row in rows:
        insert_row(store, "bias_metrics", METRIC_COLUMNS, row)


def list_metric_rows(store: Store, run_id: int) -> list[dict[str, Any]]:
    """A run's metric rows in the order they were computed."""
    return store.query("SELECT * FROM bias_metrics WHERE run_id = ? ORDER BY id", (run_id,))
