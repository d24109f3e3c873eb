"""The value objects of a suite: prompts x models x test cases, with assertions.

The nouns and shapes are promptfoo's, so that people can bring their suites: a test case has
``vars``, ``assert`` (each ``{type, value, threshold, weight, metric}``, any type negated with a
``not-`` prefix), ``description`` and ``threshold``; ``defaultTest`` holds the variables and
assertions every case gets. Where promptfoo has ``providers`` a suite has ``models``: names from
the model inventory, optionally with load and sampling overrides.

Build suites through :mod:`workbench.evals.suite_yaml` (files, stored suites), which validates;
these classes only hold the result. ``to_dict`` gives the suite's canonical form: the one that
is stored and hashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workbench.canonical import canonical_json, sha256_hex
from workbench.prompts.model import PromptContent
from workbench.prompts.params import ParamValue, params_to_json

NEGATION_PREFIX = "not-"
SUITE_FORMAT = "workbench-suite/1"


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Assertion:
    """One check of an output: ``type`` without its ``not-`` prefix, which ``negate`` records.

    ``weight`` 0 makes the assertion informational: it is graded and shown, but counts neither
    for the case's pass nor for its score.
    """

    type: str
    value: Any = None
    negate: bool = False
    threshold: float | None = None
    weight: float = 1.0
    metric: str | None = None

    @property
    def name(self) -> str:
        """The type as written: ``not-contains`` for a negated ``contains``."""
        return f"{NEGATION_PREFIX}{self.type}" if self.negate else self.type

    def to_dict(self) -> dict[str, Any]:
        """The promptfoo-shaped dict: ``{type, value?, threshold?, weight?, metric?}``."""
        data: dict[str, Any] = {"type": self.name}
        if self.value is not None:
            data["value"] = self.value
        if self.threshold is not None:
            data["threshold"] = self.threshold
        if self.weight != 1.0:
            data["weight"] = self.weight
        if self.metric is not None:
            data["metric"] = self.metric
        return data


@dataclass(frozen=True)
class EvalCase:
    """One test case: variables for the prompt and assertions on the output.

    ``id`` is stable: given in the file, or derived from the case's variables and description,
    so that the same case in two runs can be matched.
    """

    id: str
    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    assertions: tuple[Assertion, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    threshold: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "vars", _frozen(self.vars))
        object.__setattr__(self, "assertions", tuple(self.assertions))
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def label(self) -> str:
        """A short name for tables: the description, or the id."""
        return self.description or self.id

    def to_dict(self) -> dict[str, Any]:
        """The promptfoo-shaped dict of the case (without ``id`` while it has none)."""
        data: dict[str, Any] = {"id": self.id} if self.id else {}
        if self.description:
            data["description"] = self.description
        data["vars"] = dict(self.vars)
        if self.assertions:
            data["assert"] = [assertion.to_dict() for assertion in self.assertions]
        if self.tags:
            data["tags"] = list(self.tags)
        if self.threshold is not None:
            data["threshold"] = self.threshold
        return data


@dataclass(frozen=True)
class PromptSpec:
    """A column's prompt: a reference to a stored version (``support-reply@production``) or
    inline content. ``id`` names the column (the reference as written, by default)."""

    id: str
    ref: str | None = None
    content: PromptContent | None = None

    def __post_init__(self) -> None:
        if (self.ref is None) == (self.content is None):
            raise ValueError("a PromptSpec has either a ref or inline content")

    def to_dict(self) -> dict[str, Any]:
        """The suite form: ``{id, ref}`` or ``{id, messages|template, params}``."""
        if self.ref is not None:
            return {"id": self.id, "ref": self.ref}
        assert self.content is not None
        return {"id": self.id, **self.content.to_dict()}


@dataclass(frozen=True)
class ModelSpec:
    """A column's model: an inventory name, with load and sampling overrides."""

    id: str
    name: str
    load: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    sampling: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "load", _frozen(self.load))
        object.__setattr__(self, "sampling", _frozen(self.sampling))

    def to_dict(self) -> dict[str, Any]:
        """The suite form: ``{id, name, load?, sampling?}``."""
        data: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.load:
            data["load"] = dict(sorted(self.load.items()))
        if self.sampling:
            data["sampling"] = params_to_json(self.sampling)
        return data


@dataclass(frozen=True)
class EvalSuite:
    """A whole suite. ``threshold`` is the pass rate every column must reach for the run to
    pass (the CI gate); ``repeat`` is the number of samples per cell; ``notes`` record what an
    import could not bring over."""

    name: str
    prompts: tuple[PromptSpec, ...]
    models: tuple[ModelSpec, ...]
    cases: tuple[EvalCase, ...]
    description: str = ""
    default_vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    default_assertions: tuple[Assertion, ...] = ()
    sampling: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))
    repeat: int = 1
    seed: int = 0
    judge: str | None = None
    threshold: float | None = None
    notes: tuple[str, ...] = ()
    source: str = "<memory>"

    def __post_init__(self) -> None:
        for name in ("prompts", "models", "cases", "default_assertions", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "default_vars", _frozen(self.default_vars))
        object.__setattr__(self, "sampling", _frozen(self.sampling))

    @property
    def n_cells(self) -> int:
        """Cells in the matrix: prompts x models x cases x repeats."""
        return len(self.prompts) * len(self.models) * len(self.cases) * self.repeat

    def to_dict(self) -> dict[str, Any]:
        """The canonical form (JSON-ready), what is stored and hashed."""
        data: dict[str, Any] = {"format": SUITE_FORMAT, "name": self.name}
        if self.description:
            data["description"] = self.description
        data["prompts"] = [prompt.to_dict() for prompt in self.prompts]
        data["models"] = [model.to_dict() for model in self.models]
        if self.default_vars or self.default_assertions:
            default: dict[str, Any] = {}
            if self.default_vars:
                default["vars"] = dict(self.default_vars)
            if self.default_assertions:
                default["assert"] = [a.to_dict() for a in self.default_assertions]
            data["defaultTest"] = default
        if self.sampling:
            data["sampling"] = params_to_json(self.sampling)
        for key, value, default_value in (
            ("repeat", self.repeat, 1),
            ("seed", self.seed, 0),
            ("judge", self.judge, None),
            ("threshold", self.threshold, None),
        ):
            if value != default_value:
                data[key] = value
        if self.notes:
            data["notes"] = list(self.notes)
        data["tests"] = [case.to_dict() for case in self.cases]
        return data

    @property
    def sha256(self) -> str:
        """The SHA-256 of the canonical JSON of :meth:`to_dict`."""
        return sha256_hex(canonical_json(self.to_dict()))
