"""Resolving a suite into a run snapshot: what exactly a run used, frozen when it starts.

Prompt references become the versions they point at (content and content hash: a label moved
tomorrow changes nothing), model names become files with their SHA-256 (checked against the
file now), and load and sampling settings are filled in. The snapshot is stored with the run,
so resume, replay and compare read it and never today's mutable state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from workbench.canonical import canonical_json, sha256_hex
from workbench.engine.messages import LoadRequest, LoadSettings
from workbench.evals.assertions import get_assertion_type
from workbench.evals.columns import choose_models, choose_prompts
from workbench.evals.errors import EvalError
from workbench.evals.library import StoredSuite
from workbench.evals.nodes import from_data
from workbench.evals.parsing import parse_case
from workbench.evals.suite import EvalCase, EvalSuite, ModelSpec, PromptSpec
from workbench.inventory import get_model, hash_file
from workbench.prompts.content import make_content
from workbench.prompts.hashing import content_hash
from workbench.prompts.model import PromptContent
from workbench.prompts.params import ParamValue, params_to_json, validate_params
from workbench.prompts.service import get_version
from workbench.store import Store
from workbench.store.settings_repo import get_setting

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class ResolvedPrompt:
    """A column's prompt as run: ``ref`` as the suite wrote it, ``resolved_ref`` the version."""

    id: str
    content: PromptContent
    content_hash: str
    ref: str | None = None
    resolved_ref: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "ref": self.ref,
            "resolved_ref": self.resolved_ref,
            "content_hash": self.content_hash,
            "content": self.content.to_dict(),
        }


@dataclass(frozen=True)
class ResolvedModel:
    """A column's model as run: the file, its hash, the load and sampling settings."""

    id: str
    name: str
    path: str
    sha256: str
    load: LoadSettings
    sampling: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))

    def load_request(self) -> LoadRequest:
        """The engine request that loads this model."""
        return LoadRequest(self.path, self.sha256, self.load, self.name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "load": self.load.to_dict(),
            "sampling": params_to_json(self.sampling),
        }


@dataclass(frozen=True)
class RunSnapshot:
    """Everything a run needs, resolved; cases have the suite's defaults merged in."""

    suite_name: str
    suite_version: int
    suite_sha256: str
    prompts: tuple[ResolvedPrompt, ...]
    models: tuple[ResolvedModel, ...]
    cases: tuple[EvalCase, ...]
    sampling: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))
    repeat: int = 1
    seed: int = 0
    judge: ResolvedModel | None = None
    threshold: float | None = None
    tags: tuple[str, ...] = ()

    @property
    def n_cells(self) -> int:
        """Cells of the matrix, repeats included."""
        return len(self.prompts) * len(self.models) * len(self.cases) * self.repeat

    def to_dict(self) -> dict[str, Any]:
        """The canonical form stored with the run."""
        return {
            "snapshot_version": SNAPSHOT_VERSION,
            "suite": {
                "name": self.suite_name,
                "version": self.suite_version,
                "sha256": self.suite_sha256,
            },
            "prompts": [prompt.to_dict() for prompt in self.prompts],
            "models": [model.to_dict() for model in self.models],
            "cases": [case.to_dict() for case in self.cases],
            "sampling": params_to_json(self.sampling),
            "repeat": self.repeat,
            "seed": self.seed,
            "judge": self.judge.to_dict() if self.judge else None,
            "threshold": self.threshold,
            "tags": list(self.tags),
        }

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict`."""
        return sha256_hex(canonical_json(self.to_dict()))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSnapshot:
        """Rebuild a stored snapshot (its cases validated again, like any suite)."""
        if data.get("snapshot_version") != SNAPSHOT_VERSION:
            raise EvalError(
                f"This run was recorded by another version of the workbench (snapshot "
                f"{data.get('snapshot_version')}); it cannot be resumed or replayed here."
            )
        suite = data["suite"]
        cases_node = from_data(data["cases"], f"run snapshot of {suite['name']}", path="cases")
        return cls(
            suite_name=suite["name"],
            suite_version=suite["version"],
            suite_sha256=suite["sha256"],
            prompts=tuple(_prompt_from_dict(p) for p in data["prompts"]),
            models=tuple(_model_from_dict(m) for m in data["models"]),
            cases=tuple(parse_case(node) for node in cases_node.sequence()),
            sampling=validate_params(data["sampling"]),
            repeat=data["repeat"],
            seed=data["seed"],
            judge=_model_from_dict(data["judge"]) if data["judge"] else None,
            threshold=data["threshold"],
            tags=tuple(data["tags"]),
        )


def resolve_suite(
    store: Store,
    stored: StoredSuite,
    *,
    repeat: int | None = None,
    judge: str | None = None,
    threshold: float | None = None,
    tags: Sequence[str] = (),
    prompts: Sequence[str] = (),
    models: Sequence[str] = (),
) -> RunSnapshot:
    """Resolve a stored suite for a run; the options override the suite's own settings.

    ``prompts`` and ``models`` choose the run's columns (see :mod:`workbench.evals.columns`);
    empty means the suite's own.
    """
    suite = stored.suite
    prompt_specs = choose_prompts(suite, prompts)
    model_specs = choose_models(suite, models)
    cases = chosen_cases(suite, tags)
    if not cases and tags:
        known = sorted({tag for case in suite.cases for tag in case.tags})
        listed = f"its tags: {', '.join(known)}" if known else "none of its cases has a tag"
        raise EvalError(
            f"No case of suite {suite.name} has the tag(s) {', '.join(tags)} ({listed})."
        )
    resolved_models = tuple(resolve_model(store, spec) for spec in model_specs)
    return RunSnapshot(
        suite_name=stored.name,
        suite_version=stored.version,
        suite_sha256=stored.sha256,
        prompts=tuple(resolve_prompt(store, spec) for spec in prompt_specs),
        models=resolved_models,
        cases=cases,
        sampling=suite.sampling,
        repeat=repeat if repeat is not None else suite.repeat,
        seed=suite.seed,
        judge=_resolve_judge(store, suite, cases, resolved_models, judge),
        threshold=threshold if threshold is not None else suite.threshold,
        tags=tuple(tags),
    )


def chosen_cases(suite: EvalSuite, tags: Sequence[str] = ()) -> tuple[EvalCase, ...]:
    """The cases a run uses, with the suite's defaults merged in: those with any of ``tags``
    (all of them without tags; possibly none)."""
    cases = tuple(merge_defaults(suite, case) for case in suite.cases)
    if tags:
        cases = tuple(case for case in cases if set(case.tags) & set(tags))
    return cases


def needs_judge(cases: Sequence[EvalCase]) -> bool:
    """Whether an assertion of ``cases`` (``llm-rubric``, negated or not) needs a judge."""
    return any(
        (kind := get_assertion_type(a.type)) is not None and kind.needs_judge
        for case in cases
        for a in case.assertions
    )


def judge_name(suite: EvalSuite, cases: Sequence[EvalCase], override: str | None) -> str | None:
    """The model that judges a run of ``cases`` (defaults merged in): ``override``, else the
    suite's judge, else its first model; None when no case needs a judge, so a judge the run
    would not use is neither resolved nor required."""
    if not needs_judge(cases):
        return None
    return override or suite.judge or suite.models[0].name


def merge_defaults(suite: EvalSuite, case: EvalCase) -> EvalCase:
    """``case`` with the suite's default variables under its own and default assertions first."""
    return EvalCase(
        id=case.id,
        vars={**suite.default_vars, **case.vars},
        assertions=suite.default_assertions + case.assertions,
        description=case.description,
        tags=case.tags,
        threshold=case.threshold,
    )


def resolve_model(store: Store, spec: ModelSpec) -> ResolvedModel:
    """The inventory model of ``spec``, its file checked against the registered hash."""
    record = get_model(store, spec.name)
    path = Path(record.path)
    if not path.is_file():
        raise EvalError(f"The file of model {record.name!r} is missing: {path}.")
    if hash_file(path, store=store) != record.sha256:
        raise EvalError(
            f"The file of model {record.name!r} ({path}) changed since it was registered; "
            "register it again to evaluate it."
        )
    settings: dict[str, Any] = {
        "threads": get_setting(store, "engine.default_threads"),
        "gpu_layers": int(get_setting(store, "engine.default_gpu_layers", 0) or 0),
        **spec.load,
    }
    return ResolvedModel(
        spec.id, record.name, str(path), record.sha256, LoadSettings(**settings), spec.sampling
    )


def resolve_prompt(store: Store, spec: PromptSpec) -> ResolvedPrompt:
    """A column's prompt: the stored version ``spec.ref`` points at now, or its inline
    content (NotFoundError, or another WorkbenchError, for a reference that does not
    resolve)."""
    if spec.ref is not None:
        version = get_version(store, spec.ref)
        return ResolvedPrompt(spec.id, version.content, version.content_hash, spec.ref, version.ref)
    assert spec.content is not None
    return ResolvedPrompt(spec.id, spec.content, content_hash(spec.content))


def _resolve_judge(
    store: Store,
    suite: EvalSuite,
    cases: Sequence[EvalCase],
    models: Sequence[ResolvedModel],
    override: str | None,
) -> ResolvedModel | None:
    name = judge_name(suite, cases, override)
    if name is None:
        return None
    for model in models:  # a model of the matrix: the same load settings, so one load serves
        if name in (model.id, model.name):
            return ResolvedModel(
                f"judge:{model.id}", model.name, model.path, model.sha256, model.load
            )
    judge = resolve_model(store, ModelSpec(id=name, name=name))
    return ResolvedModel(f"judge:{name}", judge.name, judge.path, judge.sha256, judge.load)


def _prompt_from_dict(data: Mapping[str, Any]) -> ResolvedPrompt:
    stored = data["content"]
    messages = [(m["role"], m["content"]) for m in stored.get("messages", ())]
    content = make_content(
        messages=messages, template=stored.get("template"), params=stored.get("params", {})
    )
    return ResolvedPrompt(
        data["id"], content, data["content_hash"], data["ref"], data["resolved_ref"]
    )


def _model_from_dict(data: Mapping[str, Any]) -> ResolvedModel:
    return ResolvedModel(
        data["id"],
        data["name"],
        data["path"],
        data["sha256"],
        LoadSettings(**data["load"]),
        validate_params(data["sampling"]),
    )
