"""Finding probe sets: the ones shipped in the package and the ones imported into the store.

Shipped sets live in ``workbench/resources/probes/`` (package data, read with
:mod:`importlib.resources`). A set is stored in the store when a user imports it or a run uses
it, so that every run can point at the exact set it used even after the workbench is upgraded.
``name@version`` is immutable: importing different content under a taken name and version is
refused (bump the version).
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.bias.errors import ProbeSetConflictError
from workbench.bias.loader import load_probe_set_file, parse_probe_set
from workbench.bias.model import ProbeSet
from workbench.errors import NotFoundError
from workbench.store import Store
from workbench.store.audit import append_entry, current_actor
from workbench.store.bias_repo import (
    get_probe_set_row,
    insert_probe_set_row,
    list_probe_set_rows,
)

BUILTIN_ORIGIN = "builtin"


@dataclass(frozen=True)
class ProbeSetInfo:
    """A probe set in a listing: where it comes from and what it holds."""

    name: str
    version: int
    sha256: str
    origin: str
    stored: bool
    description: str
    probes: dict[str, int]
    attributes: dict[str, list[str]]

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "version": self.version,
            "ref": self.ref,
            "sha256": self.sha256,
            "origin": self.origin,
            "stored": self.stored,
            "description": self.description,
            "probes": dict(self.probes),
            "attributes": {k: list(v) for k, v in self.attributes.items()},
        }


@lru_cache(maxsize=1)
def builtin_probe_sets() -> tuple[ProbeSet, ...]:
    """The probe sets shipped with the workbench, by name."""
    directory = importlib.resources.files("workbench").joinpath("resources/probes")
    sets = [
        parse_probe_set(item.read_text(encoding="utf-8"), source=f"{BUILTIN_ORIGIN}:{item.name}")
        for item in directory.iterdir()
        if item.name.endswith((".yaml", ".yml"))
    ]
    return tuple(sorted(sets, key=lambda s: (s.name, s.version)))


def list_probe_sets(store: Store) -> list[ProbeSetInfo]:
    """Every probe set available: shipped and stored, by name then version."""
    stored = {row["sha256"]: row for row in list_probe_set_rows(store)}
    infos: dict[str, ProbeSetInfo] = {}
    for probe_set in builtin_probe_sets():
        infos[probe_set.sha256] = _info(probe_set, BUILTIN_ORIGIN, probe_set.sha256 in stored)
    for sha, row in stored.items():
        if sha not in infos:
            full = get_probe_set_row(store, sha256=sha)
            assert full is not None
            infos[sha] = _info(_from_row(full), row["origin"], True)
    return sorted(infos.values(), key=lambda i: (i.name, i.version))


def get_probe_set(store: Store, ref: str) -> ProbeSet:
    """The probe set ``NAME`` (latest version), ``NAME@VERSION``, or a YAML file's path."""
    path = Path(ref).expanduser()
    if ref.endswith((".yaml", ".yml")) and path.is_file():
        return load_probe_set_file(path)
    name, _, version_text = ref.partition("@")
    version = int(version_text) if version_text.isdigit() else None
    if version_text and version is None:
        raise NotFoundError(f"Invalid probe set reference {ref!r}: write NAME or NAME@VERSION.")
    candidates = [s for s in builtin_probe_sets() if s.name == name]
    row = get_probe_set_row(store, name=name, version=version)
    if row is not None:
        candidates.append(_from_row(row))
    if version is not None:
        candidates = [s for s in candidates if s.version == version]
    if not candidates:
        known = ", ".join(sorted({i.ref for i in list_probe_sets(store)})) or "none"
        raise NotFoundError(f"No probe set {ref!r} (available: {known}).")
    return max(candidates, key=lambda s: s.version)


def get_probe_set_by_hash(store: Store, sha256: str) -> ProbeSet:
    """The stored probe set with this content hash (what a run points at)."""
    row = get_probe_set_row(store, sha256=sha256)
    if row is None:
        raise NotFoundError(f"No stored probe set with hash {sha256[:12]}.")
    return _from_row(row)


def import_probe_set(store: Store, path: Path) -> tuple[ProbeSet, bool]:
    """Validate and store the probe set file at ``path``; return it and whether it was new.

    Refused with ProbeSetConflictError when its name and version are taken by other content.
    """
    probe_set = load_probe_set_file(path.expanduser())
    for builtin in builtin_probe_sets():
        if builtin.ref == probe_set.ref and builtin.sha256 != probe_set.sha256:
            raise _conflict(probe_set, "a shipped probe set")
    created = store_probe_set(store, probe_set, origin=str(path))[1]
    return probe_set, created


def store_probe_set(store: Store, probe_set: ProbeSet, *, origin: str) -> tuple[int, bool]:
    """Store ``probe_set`` unless it is there already (audited); return its id and whether it
    was added."""
    with store.transaction():
        existing = get_probe_set_row(store, sha256=probe_set.sha256)
        if existing is not None:
            return int(existing["id"]), False
        taken = get_probe_set_row(store, name=probe_set.name, version=probe_set.version)
        if taken is not None:
            raise _conflict(probe_set, f"the stored set (hash {taken['sha256'][:12]})")
        probe_set_id = insert_probe_set_row(
            store,
            {
                "name": probe_set.name,
                "version": probe_set.version,
                "sha256": probe_set.sha256,
                "source_text": probe_set.source_text,
                "origin": origin,
                "imported_at": datetime.now(UTC).isoformat(),
                "imported_by": current_actor(),
            },
        )
        append_entry(
            store,
            "probe_set.imported",
            probe_set.ref,
            {"sha256": probe_set.sha256, "origin": origin, "probes": len(probe_set.probes)},
        )
    return probe_set_id, True


def _conflict(probe_set: ProbeSet, what: str) -> ProbeSetConflictError:
    return ProbeSetConflictError(
        f"{probe_set.ref} already exists with different content ({what}); nothing was imported. "
        "Give the changed set a new version number."
    )


def _from_row(row: dict[str, Any]) -> ProbeSet:
    return parse_probe_set(row["source_text"], source=str(row["origin"]))


def _info(probe_set: ProbeSet, origin: str, stored: bool) -> ProbeSetInfo:
    summary = probe_set.summary()
    return ProbeSetInfo(
        name=probe_set.name,
        version=probe_set.version,
        sha256=probe_set.sha256,
        origin=origin,
        stored=stored,
        description=probe_set.description,
        probes=summary["probes"],
        attributes=summary["attributes"],
    )
