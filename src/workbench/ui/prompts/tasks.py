"""What the Prompts page does in the background: plain functions of a
:class:`~workbench.ui.operations.TaskContext`, run on worker threads (never touching a widget)."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.evals import RunEvidence, version_evidence
from workbench.prompts import (
    CommitResult,
    ImportResult,
    LabelMove,
    Prompt,
    PromptContent,
    PromptVersion,
    commit_version,
    create_prompt,
    export_prompt,
    get_prompt,
    import_prompt_file,
    label_history,
    list_prompts,
    move_label,
    remove_label,
    version_history,
)
from workbench.ui.operations import TaskContext


@dataclass(frozen=True)
class PromptSnapshot:
    """One prompt as stored: its summary, every version (oldest first), every label move."""

    prompt: Prompt
    versions: tuple[PromptVersion, ...]
    moves: tuple[LabelMove, ...]

    @property
    def latest(self) -> PromptVersion:
        """The newest version."""
        return self.versions[-1]

    def version(self, number: int) -> PromptVersion | None:
        """Version ``number``, if it exists."""
        return next((v for v in self.versions if v.version == number), None)


def read_prompts(task: TaskContext) -> list[Prompt]:
    """Every prompt."""
    return list_prompts(task.store)


def read_snapshot(task: TaskContext, name: str) -> PromptSnapshot:
    """Prompt ``name`` with its versions and label moves."""
    store = task.store
    return PromptSnapshot(
        get_prompt(store, name),
        tuple(version_history(store, name)),
        tuple(label_history(store, name)),
    )


def save_content(
    task: TaskContext,
    name: str,
    content: PromptContent,
    message: str,
    *,
    create: bool,
    description: str = "",
) -> tuple[CommitResult, PromptSnapshot]:
    """Save ``content`` as the next version (or as version 1 of a new prompt)."""
    if create:
        version = create_prompt(task.store, name, content, message=message, description=description)
        result = CommitResult(version, created=True)
    else:
        result = commit_version(task.store, name, content, message=message)
    return result, read_snapshot(task, name)


def point_label(task: TaskContext, name: str, label: str, version: int) -> PromptSnapshot:
    """Move (or create) ``label`` to ``version``."""
    move_label(task.store, name, label, version)
    return read_snapshot(task, name)


def drop_label(task: TaskContext, name: str, label: str) -> PromptSnapshot:
    """Remove ``label`` (its history keeps the removal)."""
    remove_label(task.store, name, label)
    return read_snapshot(task, name)


def read_evidence(task: TaskContext, old_hash: str, new_hash: str) -> tuple[RunEvidence, ...]:
    """What stored evaluation runs say about the version with ``new_hash`` against
    ``old_hash``."""
    return version_evidence(task.store, old_hash, new_hash)


def import_file(task: TaskContext, path: Path, *, renumber: bool) -> ImportResult:
    """Import a prompt YAML file."""
    return import_prompt_file(task.store, path, renumber=renumber)


def export_file(task: TaskContext, name: str, path: Path) -> Path:
    """Write prompt ``name`` with every version and label to ``path`` as YAML: through a
    hidden temporary file renamed into place, so that ``path`` is never seen half-written."""
    text = export_prompt(task.store, name)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:  # the user's disk or folder, not a bug: say so plainly
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise WorkbenchError(f"Could not write {path}: {exc.strerror or exc}.") from exc
    return path


def import_summary(result: ImportResult) -> str:
    """One line saying what an import did."""
    parts = []
    if result.created_prompt:
        parts.append("new prompt")
    if result.added:
        parts.append("added " + ", ".join(f"v{stored}" for _file, stored in result.added))
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} version(s) already there")
    if result.labels_set:
        parts.append("labels set: " + ", ".join(result.labels_set))
    if result.labels_kept:
        parts.append("labels left where they were: " + ", ".join(result.labels_kept))
    return f"Imported {result.prompt_name}: " + ("; ".join(parts) or "nothing new") + "."
