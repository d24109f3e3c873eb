"""Background functions of the Suite tab and of "New suite…": each receives a TaskContext (its
own store) on a worker thread.

Every suite they store goes through :func:`~workbench.evals.load_suite_text`, the validation a
suite file gets, so a refused edit names the field (``threshold``, ``tests[2].vars``), and
through :func:`~workbench.evals.save_suite`, which writes the version with its audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from workbench.errors import AlreadyExistsError
from workbench.evals import (
    EvalError,
    EvalSuite,
    StoredSuite,
    get_suite,
    list_suites,
    load_suite_text,
    save_suite,
)
from workbench.evals.case_files import load_case_file
from workbench.prompts import get_version
from workbench.store import Store
from workbench.store.evals_repo import get_suite_row
from workbench.ui.evals.tasks import (
    StoredPromptChoice,
    gaps_line,
    inventory_model_names,
    missing_columns,
    quoted_cases,
    stored_prompt_choices,
    variable_gaps,
)
from workbench.ui.operations import TaskContext

#: The keys of a suite definition that :class:`SuiteSettings` owns (the rest is kept as stored).
SETTINGS_KEYS = ("description", "prompts", "models", "defaultTest", "repeat", "seed", "judge",
                 "threshold")  # fmt: skip


@dataclass(frozen=True)
class ColumnChoices:
    """What can become a column: every stored prompt version and label, every inventory model."""

    stored_prompts: tuple[StoredPromptChoice, ...] = ()
    model_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuiteToEdit:
    """A stored suite read for the Suite tab, with the columns it could gain."""

    stored: StoredSuite
    choices: ColumnChoices


#: Where the Suite tab sends the user to fix a case that lacks a variable.
SUITE_FIX = "Give it a value in each case's Variables below, or once in Default variables."


def suite_warning(store: Store, stored: StoredSuite, model_names: tuple[str, ...]) -> str:
    """What stops ``stored`` from running as it is, or makes a run of it say little, in a few
    sentences ("" when nothing): cases that lack a variable a prompt uses (the run would be
    refused), columns the store lacks (left out of a run), cases without assertions (they
    pass whatever the model answers)."""
    suite = stored.suite
    parts = []
    missing_prompts, missing_models = missing_columns(store, suite, model_names)
    present = [spec.id for spec in suite.prompts if spec.id not in missing_prompts]
    gaps = gaps_line(variable_gaps(store, stored, present), SUITE_FIX)
    if gaps:
        parts.append(f"It cannot run: {gaps}")
    missing = [*missing_prompts, *missing_models]
    if missing:
        parts.append(
            f"Not in this workbench: {', '.join(missing)} (a run leaves "
            f"{'it' if len(missing) == 1 else 'them'} out)."
        )
    bare = [] if suite.default_assertions else [c.label for c in suite.cases if not c.assertions]
    if bare:
        cases = quoted_cases(bare)
        parts.append(
            f"{cases[0].upper()}{cases[1:]} "
            f"{'has' if len(bare) == 1 else 'have'} no assertions: "
            f"{'it passes' if len(bare) == 1 else 'they pass'} whatever the model answers."
        )
    return " ".join(parts)


@dataclass(frozen=True)
class SuiteSettings:
    """A suite's settings as the Suite tab edits them: the columns in the suite file's shape
    (``{id, ref}``, ``{id, name, load?, sampling?}``, inline prompts as stored) and the rest."""

    description: str
    prompts: tuple[Mapping[str, Any], ...]
    models: tuple[Mapping[str, Any], ...]
    threshold: float | None = None
    repeat: int = 1
    seed: int = 0
    judge: str | None = None
    default_vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    default_assertions: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, suite: EvalSuite) -> SuiteSettings:
        """The settings of ``suite``."""
        return cls(
            description=suite.description,
            prompts=tuple(spec.to_dict() for spec in suite.prompts),
            models=tuple(spec.to_dict() for spec in suite.models),
            threshold=suite.threshold,
            repeat=suite.repeat,
            seed=suite.seed,
            judge=suite.judge,
            default_vars=dict(suite.default_vars),
            default_assertions=tuple(a.to_dict() for a in suite.default_assertions),
        )

    def apply(self, definition: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of the suite ``definition`` with these settings in place of its own."""
        data = {key: value for key, value in definition.items() if key not in SETTINGS_KEYS}
        if self.description.strip():
            data["description"] = self.description.strip()
        data["prompts"] = [dict(prompt) for prompt in self.prompts]
        data["models"] = [dict(model) for model in self.models]
        default: dict[str, Any] = {}
        if self.default_vars:
            default["vars"] = dict(self.default_vars)
        if self.default_assertions:
            default["assert"] = [dict(assertion) for assertion in self.default_assertions]
        if default:
            data["defaultTest"] = default
        data["repeat"] = self.repeat
        data["seed"] = self.seed
        if self.judge:
            data["judge"] = self.judge
        if self.threshold is not None:
            data["threshold"] = self.threshold
        return data


def read_column_choices(task: TaskContext) -> ColumnChoices:
    """The stored prompt versions and labels, and the inventory's models."""
    return ColumnChoices(stored_prompt_choices(task.store), inventory_model_names(task.store))


def read_suite_to_edit(task: TaskContext, name: str) -> SuiteToEdit:
    """The latest version of suite ``name`` and what could become its columns."""
    return SuiteToEdit(get_suite(task.store, name), read_column_choices(task))


def read_suite_warning(task: TaskContext, ref: str) -> str:
    """What would stop the stored suite ``ref`` (``NAME@VERSION``) running as it is (see
    :func:`suite_warning`)."""
    stored = get_suite(task.store, ref)
    return suite_warning(task.store, stored, inventory_model_names(task.store))


class SuiteChangedError(EvalError):
    """The suite was saved again (elsewhere) since the tab opened the version it edits."""


def save_suite_edit(
    task: TaskContext,
    name: str,
    settings: SuiteSettings,
    cases: Sequence[Mapping[str, Any]],
    *,
    base_version: int | None = None,
) -> tuple[StoredSuite, bool]:
    """Store suite ``name`` with these settings and cases (promptfoo-shaped) as one new version.

    What the tab does not edit (sampling, notes) is kept from the latest stored version. The
    definition goes through the suite file's validation, so a bad edit is refused with a message
    naming the field. ``base_version`` is the version the edits started from: when a newer one
    was stored meanwhile (an import, the CLI, another window) the save is refused rather than
    silently overwriting that version's changes. Returns the stored version and whether it is
    new.
    """
    store = task.store
    # One transaction from the version check to the write: a version stored by another
    # process in between would otherwise be overwritten after all.
    with store.transaction():
        latest = get_suite(store, name)
        if base_version is not None and latest.version != base_version:
            raise SuiteChangedError(
                f"Not saved: {name} was saved as version {latest.version} (by "
                f"{latest.created_by}, {latest.origin}) since you opened version {base_version}. "
                "Your edits are still here: copy what you need, then Revert to see the new "
                "version."
            )
        data = settings.apply(latest.suite.to_dict())
        data["tests"] = [dict(case) for case in cases]
        suite = load_suite_text(json.dumps(data), source=f"the suite editor ({name})")
        if suite.sha256 != latest.sha256:
            older = _same_older_version(store, name, suite.sha256)
            if older is not None:
                # Versions are unique by content: saving would only point back at the older
                # one and leave the latest as it is, which reads as a lost save.
                raise SuiteChangedError(
                    f"Not saved: with these edits {name} is exactly version {older} again, and "
                    f"each content is stored once. Run {name}@{older} to use it, or change "
                    "something to store a new version."
                )
        return save_suite(store, suite, origin="workbench-ui:suite-editor")


def _same_older_version(store: Store, name: str, sha256: str) -> int | None:
    """The version of suite ``name`` that has this content, if any."""
    row = get_suite_row(store, name=name, sha256=sha256)
    return None if row is None else int(row["version"])


@dataclass(frozen=True)
class NewSuiteChoices:
    """What the New suite dialog offers, read before it opens: the columns, and the names
    already taken."""

    columns: ColumnChoices
    suite_names: frozenset[str]


@dataclass(frozen=True)
class NewSuite:
    """The New suite dialog's answer."""

    name: str
    description: str
    prompts: tuple[str, ...]  # stored versions or labels: support-reply@3
    models: tuple[str, ...]  # inventory names


def read_new_suite_choices(task: TaskContext) -> NewSuiteChoices:
    """The stored prompt versions, the inventory's models and the stored suites' names."""
    names = frozenset(summary.name for summary in list_suites(task.store))
    return NewSuiteChoices(read_column_choices(task), names)


def create_suite(task: TaskContext, new: NewSuite) -> StoredSuite:
    """Store a new suite with one starter case whose variables are those of its prompts, empty.

    A suite needs a case to be valid; this one shows the user what to fill in. Refused with
    AlreadyExistsError when the name is taken (checked in the transaction that stores it, so a
    suite stored meanwhile by the command line is never given a second version by mistake).
    """
    variables: dict[str, None] = {}
    for ref in new.prompts:
        variables.update(dict.fromkeys(get_version(task.store, ref).variables))
    data: dict[str, Any] = {
        "name": new.name,
        "prompts": [{"id": ref, "ref": ref} for ref in new.prompts],
        "models": list(new.models),
        "tests": [{"vars": dict.fromkeys(variables, "")}],
    }
    if new.description.strip():
        data["description"] = new.description.strip()
    suite = load_suite_text(json.dumps(data), source="the New suite dialog")
    with task.store.transaction():
        if any(summary.name == new.name for summary in list_suites(task.store)):
            raise AlreadyExistsError(f"A suite named {new.name!r} already exists.")
        stored, _new = save_suite(task.store, suite, origin="workbench-ui:new-suite")
    return stored


@dataclass(frozen=True)
class ImportedCases:
    """The cases of a case file, promptfoo-shaped, in file order."""

    path: Path
    cases: tuple[dict[str, Any], ...]


def read_case_file(task: TaskContext, path: Path) -> ImportedCases:
    """The cases of a CSV, JSONL or YAML case file; SuiteFileError names the file, line and
    field of a bad row, and then none of the file is used."""
    pairs = load_case_file(Path(path))
    return ImportedCases(Path(path), tuple(case.to_dict() for case, _node in pairs))
