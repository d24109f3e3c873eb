"""Prompts in the store: create, commit versions, resolve references, move labels.

Every function takes a :class:`~workbench.store.Store` and returns frozen value objects, so the
command line and the desktop app call the same code. Every new version and every label move is
written in one transaction together with its audit entry (``prompt.version_created``,
``prompt.label_moved``, ``prompt.label_removed``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workbench.errors import AlreadyExistsError, NotFoundError
from workbench.prompts.errors import PromptError
from workbench.prompts.hashing import content_hash, content_json
from workbench.prompts.model import (
    CommitResult,
    LabelMove,
    Prompt,
    PromptContent,
    PromptMessage,
    PromptVersion,
)
from workbench.prompts.params import validate_params
from workbench.prompts.refs import PromptRef, parse_ref, validate_label_name, validate_prompt_name
from workbench.prompts.templates import (
    RenderedPrompt,
    check_content,
    content_variables,
    render_prompt,
)
from workbench.store import Store
from workbench.store.audit import append_entry, current_actor
from workbench.store.prompts_repo import (
    delete_label_row,
    get_prompt_row,
    get_version_row,
    insert_label_move_row,
    insert_prompt_row,
    insert_version_row,
    label_move_rows,
    label_rows,
    latest_version_row,
    list_prompt_rows,
    list_version_rows,
    prompt_names,
    set_label_row,
)


def now_iso() -> str:
    """The current UTC time as the store writes it (ISO 8601, microseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def create_prompt(
    store: Store,
    name: str,
    content: PromptContent,
    *,
    message: str = "",
    description: str = "",
) -> PromptVersion:
    """Create prompt ``name`` with ``content`` as version 1.

    Raises AlreadyExistsError when the name is taken and PromptTemplateError when a template
    does not compile.
    """
    validate_prompt_name(name)
    check_content(content)
    actor = current_actor()
    with store.transaction():
        prompt_id = insert_new_prompt(store, name, description=description, actor=actor)
        return insert_version(store, prompt_id, name, 1, content, message=message, author=actor)


def commit_version(
    store: Store, name: str, content: PromptContent, *, message: str = ""
) -> CommitResult:
    """Save ``content`` as the next version of ``name``.

    Content equal to the latest version's (same hash) creates nothing: the result's
    ``created`` is False and its version is the latest. Content equal to an older version does
    create a new version, because it changes what the latest version says (a revert).
    """
    check_content(content)
    new_hash = content_hash(content)
    with store.transaction():
        row = _prompt_row(store, name)
        latest = latest_version_row(store, row["id"])
        if latest is not None and latest["content_hash"] == new_hash:
            return CommitResult(version_from_row(name, latest), created=False)
        number = (latest["version"] if latest else 0) + 1
        version = insert_version(
            store, row["id"], name, number, content, message=message, author=current_actor()
        )
    return CommitResult(version, created=True)


def get_prompt(store: Store, name: str) -> Prompt:
    """The prompt named ``name`` (NotFoundError names the known ones otherwise)."""
    row = _prompt_row(store, name)
    return _prompt_from_row(row, label_rows(store, row["id"]))


def list_prompts(store: Store) -> list[Prompt]:
    """Every prompt, by name."""
    return [_prompt_from_row(row, label_rows(store, row["id"])) for row in list_prompt_rows(store)]


def get_version(store: Store, ref: str | PromptRef) -> PromptVersion:
    """The version ``ref`` names: ``NAME`` or ``NAME@latest`` (newest), ``NAME@3``,
    ``NAME@production``."""
    parsed = parse_ref(ref) if isinstance(ref, str) else ref
    row = _prompt_row(store, parsed.name)
    if parsed.label is not None:
        labels = {r["label"]: r["version"] for r in label_rows(store, row["id"])}
        if parsed.label not in labels:
            known = ", ".join(labels) or "none"
            raise NotFoundError(
                f"Prompt {parsed.name!r} has no label {parsed.label!r} (labels: {known})."
            )
        number: int = labels[parsed.label]
    elif parsed.version is not None:
        number = parsed.version
    else:
        number = row["latest_version"]
    version_row = get_version_row(store, row["id"], number)
    if version_row is None:
        raise NotFoundError(
            f"Prompt {parsed.name!r} has no version {number} "
            f"(it has versions 1 to {row['latest_version']})."
        )
    return version_from_row(parsed.name, version_row)


def previous_version(store: Store, version: PromptVersion) -> PromptVersion | None:
    """The version before ``version`` of the same prompt, or None for version 1."""
    if version.version <= 1:
        return None
    return get_version(store, PromptRef(version.prompt_name, version.version - 1))


def version_history(store: Store, name: str) -> list[PromptVersion]:
    """Every version of ``name``, oldest first."""
    row = _prompt_row(store, name)
    return [version_from_row(name, r) for r in list_version_rows(store, row["id"])]


def move_label(store: Store, name: str, label: str, version: int) -> LabelMove | None:
    """Point ``label`` of prompt ``name`` at ``version``, creating the label if needed.

    Returns the recorded move, or None (and writes nothing) when the label already points
    there.
    """
    validate_label_name(label)
    actor, time = current_actor(), now_iso()
    with store.transaction():
        row = _prompt_row(store, name)
        if get_version_row(store, row["id"], version) is None:
            raise NotFoundError(
                f"Prompt {name!r} has no version {version} "
                f"(it has versions 1 to {row['latest_version']})."
            )
        current = {r["label"]: r["version"] for r in label_rows(store, row["id"])}.get(label)
        if current == version:
            return None
        set_label_row(store, row["id"], label, version, time=time, actor=actor)
        insert_label_move_row(store, row["id"], label, current, version, time=time, actor=actor)
        append_entry(
            store,
            "prompt.label_moved",
            name,
            {"label": label, "from_version": current, "to_version": version},
            actor=actor,
        )
    return LabelMove(name, label, current, version, actor, time)


def remove_label(store: Store, name: str, label: str) -> LabelMove:
    """Remove ``label`` from prompt ``name``; the removal is kept in the label's history."""
    actor, time = current_actor(), now_iso()
    with store.transaction():
        row = _prompt_row(store, name)
        current = {r["label"]: r["version"] for r in label_rows(store, row["id"])}.get(label)
        if current is None:
            raise NotFoundError(f"Prompt {name!r} has no label {label!r}.")
        delete_label_row(store, row["id"], label)
        insert_label_move_row(store, row["id"], label, current, None, time=time, actor=actor)
        append_entry(
            store,
            "prompt.label_removed",
            name,
            {"label": label, "from_version": current, "to_version": None},
            actor=actor,
        )
    return LabelMove(name, label, current, None, actor, time)


def label_history(store: Store, name: str, label: str | None = None) -> list[LabelMove]:
    """Every move of the prompt's labels (or of one label), oldest first."""
    row = _prompt_row(store, name)
    return [
        LabelMove(name, r["label"], r["from_version"], r["to_version"], r["actor"], r["time"])
        for r in label_move_rows(store, row["id"], label)
    ]


def render_version(
    store: Store, ref: str | PromptRef, variables: Mapping[str, object]
) -> RenderedPrompt:
    """Render the version ``ref`` names with ``variables`` (see
    :func:`~workbench.prompts.templates.render_prompt`)."""
    version = get_version(store, ref)
    return render_prompt(version.content, variables, ref=version.ref)


# Lower-level building blocks, shared with the YAML import.


def insert_new_prompt(store: Store, name: str, *, description: str, actor: str) -> int:
    """Insert a prompt without versions (inside the caller's transaction); return its id."""
    if get_prompt_row(store, name) is not None:
        raise AlreadyExistsError(
            f"A prompt named {name!r} already exists; add a version with 'prompts commit'."
        )
    prompt_id = insert_prompt_row(
        store, name=name, description=description, created_at=now_iso(), created_by=actor
    )
    append_entry(store, "prompt.created", name, {"description": description}, actor=actor)
    return prompt_id


def insert_version(
    store: Store,
    prompt_id: int,
    name: str,
    number: int,
    content: PromptContent,
    *,
    message: str,
    author: str,
    created_at: str | None = None,
    audit_extra: Mapping[str, Any] | None = None,
) -> PromptVersion:
    """Insert version ``number`` and its audit entry (inside the caller's transaction).

    ``author`` and ``created_at`` are the version's own (an import keeps the file's); the
    audit entry's actor is always whoever runs the workbench now.
    """
    text = content_json(content)
    row = {
        "prompt_id": prompt_id,
        "version": number,
        "kind": content.kind,
        "content": text,
        "content_hash": content_hash(content),
        "message": message,
        "author": author,
        "created_at": created_at or now_iso(),
        "recorded_at": now_iso(),
    }
    insert_version_row(store, row)
    append_entry(
        store,
        "prompt.version_created",
        name,
        {
            "version": number,
            "content_hash": row["content_hash"],
            "kind": content.kind,
            "message": message,
            "author": author,
            "created_at": row["created_at"],
            "source": "commit",
            **(audit_extra or {}),
        },
    )
    return version_from_row(name, row)


def version_from_row(name: str, row: Mapping[str, Any]) -> PromptVersion:
    """A :class:`PromptVersion` from a ``prompt_versions`` row."""
    data = json.loads(row["content"])
    template = data.get("template")
    messages = tuple(PromptMessage(m["role"], m["content"]) for m in data.get("messages", ()))
    content = PromptContent(
        messages=messages, template=template, params=validate_params(data.get("params", {}))
    )
    return PromptVersion(
        prompt_name=name,
        version=row["version"],
        content=content,
        content_hash=row["content_hash"],
        message=row["message"],
        author=row["author"],
        created_at=row["created_at"],
        variables=content_variables(content),
    )


def _prompt_row(store: Store, name: str) -> dict[str, Any]:
    row = get_prompt_row(store, name)
    if row is None:
        if not isinstance(name, str) or "@" in name:
            raise PromptError(f"Expected a prompt name, got {name!r}.")
        known = ", ".join(prompt_names(store)) or "none"
        raise NotFoundError(f"No prompt named {name!r} (prompts: {known}).")
    return row


def _prompt_from_row(row: Mapping[str, Any], labels: list[dict[str, Any]]) -> Prompt:
    return Prompt(
        name=row["name"],
        description=row["description"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        latest_version=row["latest_version"],
        updated_at=row["updated_at"],
        labels={r["label"]: r["version"] for r in labels},
    )
