"""Suites in the store: save (versioned, deduplicated by content), fetch, list, import.

A suite is stored as the canonical JSON of its parsed form (cases from case files inlined), so
a stored suite runs the same wherever its files went. Saving content the store already has
under that name changes nothing; saving new content adds a version. Each new version is
written in one transaction with its audit entry (``eval_suite.saved``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.canonical import canonical_json
from workbench.errors import NotFoundError
from workbench.evals.errors import EvalError
from workbench.evals.suite import EvalSuite
from workbench.evals.suite_yaml import load_suite_file, suite_from_dict
from workbench.store import Store
from workbench.store.audit import append_entry, current_actor
from workbench.store.evals_repo import (
    get_suite_row,
    insert_suite_row,
    latest_suite_version,
    list_suite_rows,
)


@dataclass(frozen=True)
class StoredSuite:
    """One stored version of a suite."""

    id: int
    name: str
    version: int
    sha256: str
    origin: str
    created_at: str
    created_by: str
    suite: EvalSuite

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the suite's definition."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "ref": self.ref,
            "sha256": self.sha256,
            "origin": self.origin,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "definition": self.suite.to_dict(),
        }


@dataclass(frozen=True)
class SuiteSummary:
    """A suite's latest version, for lists."""

    id: int
    name: str
    version: int
    description: str
    sha256: str
    origin: str
    created_at: str
    created_by: str
    n_runs: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def now_iso() -> str:
    """The current UTC time as evaluation rows store it."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def save_suite(store: Store, suite: EvalSuite, *, origin: str) -> tuple[StoredSuite, bool]:
    """Store ``suite`` under its name; return the stored version and whether it is new."""
    definition = canonical_json(suite.to_dict())
    # What is stored must read back: a definition the parser refuses would make the suite
    # unreadable for good, so it is refused here, before anything is written.
    suite_from_dict(json.loads(definition), source=f"suite {suite.name} (as it would be stored)")
    with store.transaction():
        existing = get_suite_row(store, name=suite.name, sha256=suite.sha256)
        if existing is not None:
            return _from_row(existing), False
        row = {
            "name": suite.name,
            "version": latest_suite_version(store, suite.name) + 1,
            "description": suite.description,
            "sha256": suite.sha256,
            "definition": definition,
            "origin": origin,
            "created_at": now_iso(),
            "created_by": current_actor(),
        }
        row["id"] = insert_suite_row(store, row)
        append_entry(
            store,
            "eval_suite.saved",
            suite.name,
            {
                "version": row["version"],
                "sha256": suite.sha256,
                "origin": origin,
                "prompts": [p.id for p in suite.prompts],
                "models": [m.name for m in suite.models],
                "cases": len(suite.cases),
                "notes": list(suite.notes),
            },
        )
    return _from_row(row), True


def import_suite_file(store: Store, path: Path) -> tuple[StoredSuite, bool]:
    """Read, validate and store a suite file (with its case files) in one step."""
    suite = load_suite_file(path)
    return save_suite(store, suite, origin=str(Path(path).expanduser().resolve()))


def get_suite(store: Store, ref: str) -> StoredSuite:
    """The stored suite ``NAME`` (latest version) or ``NAME@VERSION``."""
    name, _, selector = ref.partition("@")
    version: int | None = None
    if selector:
        if not selector.isdigit():
            raise EvalError(f"Invalid suite reference {ref!r}: use NAME or NAME@VERSION.")
        version = int(selector)
    row = get_suite_row(store, name=name, version=version)
    if row is None:
        known = ", ".join(s.name for s in list_suites(store)) or "none"
        what = f"version {version} of suite {name!r}" if version else f"suite {name!r}"
        raise NotFoundError(f"No {what} (stored suites: {known}).")
    return _from_row(row)


def get_suite_by_id(store: Store, suite_id: int) -> StoredSuite:
    """The stored suite version with this id."""
    row = get_suite_row(store, suite_id=suite_id)
    if row is None:
        raise NotFoundError(f"No stored suite with id {suite_id}.")
    return _from_row(row)


def list_suites(store: Store) -> list[SuiteSummary]:
    """The latest version of every stored suite, by name."""
    return [SuiteSummary(**row) for row in list_suite_rows(store)]


def _from_row(row: dict[str, Any]) -> StoredSuite:
    source = f"suite {row['name']}@{row['version']}"
    suite = suite_from_dict(json.loads(row["definition"]), source=source)
    return StoredSuite(
        id=row["id"],
        name=row["name"],
        version=row["version"],
        sha256=row["sha256"],
        origin=row["origin"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        suite=suite,
    )
