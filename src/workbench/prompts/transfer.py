"""Export a prompt with all its versions to YAML, and import one; an import never rewrites history.

The import rule, version by version in the file's order:

- the store has that version number with the same content hash: already there, skipped;
- the store does not have that number yet: appended under the same number, keeping the
  file's author, time and commit message;
- the store has that number with different content: a conflict. By default the whole import
  is refused (nothing is written) and every conflicting version is named. With
  ``renumber=True`` the file's versions from the first conflict on are appended after the
  store's latest version under new numbers, except those whose content the store already has
  (they map to the existing version).

Labels in the file are created when the store lacks them; a label the store already has is
left where it is (moving it is a decision for ``prompts label``). Everything an import writes
happens in one transaction, with an audit entry per version and label.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.prompts.errors import ImportConflictError
from workbench.prompts.service import (
    get_prompt,
    insert_new_prompt,
    insert_version,
    move_label,
    version_history,
)
from workbench.prompts.templates import check_content
from workbench.prompts.yaml_io import (
    PromptDocument,
    VersionRecord,
    dump_prompt_document,
    load_prompt_document,
    read_text_file,
)
from workbench.store import Store
from workbench.store.audit import current_actor
from workbench.store.prompts_repo import get_prompt_row


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``added`` pairs each imported file version with the number it got
    in the store; ``unchanged`` lists file versions the store already had; ``labels_kept``
    lists labels the store already had (pointing elsewhere), left unmoved."""

    prompt_name: str
    created_prompt: bool
    added: tuple[tuple[int, int], ...]
    unchanged: tuple[int, ...]
    labels_set: tuple[str, ...]
    labels_kept: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "prompt": self.prompt_name,
            "created_prompt": self.created_prompt,
            "added": [{"file_version": f, "version": s} for f, s in self.added],
            "unchanged": list(self.unchanged),
            "labels_set": list(self.labels_set),
            "labels_kept": list(self.labels_kept),
        }


def prompt_document(store: Store, name: str) -> PromptDocument:
    """Prompt ``name`` with all its versions and current labels."""
    prompt = get_prompt(store, name)
    records = tuple(
        VersionRecord(
            version=v.version,
            content=v.content,
            message=v.message,
            author=v.author,
            created_at=v.created_at,
            content_hash=v.content_hash,
        )
        for v in version_history(store, name)
    )
    return PromptDocument(prompt.name, records, prompt.description, prompt.labels, "<store>")


def export_prompt(store: Store, name: str) -> str:
    """Prompt ``name`` with all its versions and labels as YAML text."""
    return dump_prompt_document(prompt_document(store, name))


def import_prompt_file(store: Store, path: Path, *, renumber: bool = False) -> ImportResult:
    """Import the prompt file at ``path`` (see the module's rule)."""
    path = Path(path)
    return import_prompt_text(store, read_text_file(path), source=str(path), renumber=renumber)


def import_prompt_text(
    store: Store, text: str, *, source: str = "<text>", renumber: bool = False
) -> ImportResult:
    """Import a prompt file's text; ``source`` names it in error messages."""
    return import_prompt(store, load_prompt_document(text, source=source), renumber=renumber)


def import_prompt(
    store: Store, document: PromptDocument, *, renumber: bool = False
) -> ImportResult:
    """Import ``document`` (see the module's rule); all or nothing."""
    for record in document.versions:
        check_content(record.content)
    actor = current_actor()
    with store.transaction():
        row = get_prompt_row(store, document.name)
        created = row is None
        prompt_id = (
            insert_new_prompt(store, document.name, description=document.description, actor=actor)
            if row is None
            else int(row["id"])
        )
        existing = (
            {}
            if created
            else {v.version: v.content_hash for v in version_history(store, document.name)}
        )
        plan = _plan(document, existing, renumber)
        added: list[tuple[int, int]] = []
        for record, target in plan.to_add:
            insert_version(
                store,
                prompt_id,
                document.name,
                target,
                record.content,
                message=record.message,
                author=record.author or actor,
                created_at=record.created_at,
                audit_extra={
                    "source": "import",
                    "file": document.source,
                    "file_version": record.version,
                },
            )
            added.append((record.version, target))
        labels_set, labels_kept = _import_labels(store, document, plan.mapping)
    return ImportResult(
        document.name, created, tuple(added), plan.unchanged, labels_set, labels_kept
    )


@dataclass(frozen=True)
class _Plan:
    to_add: tuple[tuple[VersionRecord, int], ...]
    unchanged: tuple[int, ...]
    mapping: dict[int, int]  # file version -> store version


def _plan(document: PromptDocument, existing: dict[int, str], renumber: bool) -> _Plan:
    conflicts = [
        r
        for r in document.versions
        if r.version in existing and existing[r.version] != r.content_hash
    ]
    if conflicts and not renumber:
        details = "; ".join(
            f"version {r.version}: file {r.content_hash[:12]}, store {existing[r.version][:12]}"
            for r in conflicts
        )
        raise ImportConflictError(
            f"{document.source}: prompt {document.name!r} already has different content under "
            f"the same version numbers ({details}). Nothing was imported. Import with "
            "--renumber to append the file's versions as new versions instead."
        )
    to_add: list[tuple[VersionRecord, int]] = []
    unchanged: list[int] = []
    mapping: dict[int, int] = {}
    next_number = max(existing, default=0) + 1
    by_hash = {h: n for n, h in sorted(existing.items())}  # newest version wins
    diverged = False
    for record in document.versions:
        same_number = existing.get(record.version) == record.content_hash
        diverged = diverged or (record.version in existing and not same_number)
        if not diverged and same_number:
            unchanged.append(record.version)
            mapping[record.version] = record.version
        elif not diverged and record.version == next_number:
            to_add.append((record, next_number))
            mapping[record.version] = next_number
            by_hash[record.content_hash] = next_number
            next_number += 1
        elif record.content_hash in by_hash:
            unchanged.append(record.version)
            mapping[record.version] = by_hash[record.content_hash]
        else:
            diverged = True
            to_add.append((record, next_number))
            mapping[record.version] = next_number
            by_hash[record.content_hash] = next_number
            next_number += 1
    return _Plan(tuple(to_add), tuple(unchanged), mapping)


def _import_labels(
    store: Store, document: PromptDocument, mapping: dict[int, int]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    current = dict(get_prompt(store, document.name).labels)
    labels_set: list[str] = []
    labels_kept: list[str] = []
    for label, file_version in sorted(document.labels.items()):
        target = mapping[file_version]
        if label not in current:
            move_label(store, document.name, label, target)
            labels_set.append(label)
        elif current[label] != target:
            labels_kept.append(label)
    return tuple(labels_set), tuple(labels_kept)
