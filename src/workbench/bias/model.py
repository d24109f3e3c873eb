"""The value objects of bias testing: probe sets, their attributes and probes, thresholds.

All frozen, JSON-ready and free of storage. A :class:`ProbeSet` is built (and validated) once,
by :func:`workbench.bias.loader.parse_probe_set`; nothing here checks cross references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Family = Literal["decision", "ambiguity_qa", "stereotype", "counterfactual"]
FAMILIES: tuple[Family, ...] = ("decision", "ambiguity_qa", "stereotype", "counterfactual")


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True)
class Group:
    """One value of an attribute (``woman`` of ``gender``) with the surface forms templates use.

    ``forms`` maps a form name (``person``, ``the_person``, ``adjective``, ``subject``, ...) to
    its text; ``names`` are first names for templates with a ``{name}`` slot (one variant each).
    """

    name: str
    forms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", _frozen(self.forms))
        object.__setattr__(self, "names", tuple(self.names))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data: dict[str, Any] = dict(self.forms)
        if self.names:
            data["names"] = list(self.names)
        return data


@dataclass(frozen=True)
class Attribute:
    """A protected attribute: its groups, the first of which is the ``reference`` group."""

    name: str
    reference: str
    groups: tuple[Group, ...]

    def group(self, name: str) -> Group:
        """The group called ``name`` (KeyError when there is none)."""
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)

    @property
    def group_names(self) -> tuple[str, ...]:
        """Group names, reference first."""
        return tuple(group.name for group in self.groups)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "reference": self.reference,
            "groups": {group.name: group.to_dict() for group in self.groups},
        }


@dataclass(frozen=True)
class Choice:
    """An answer of a decision probe and the surface forms whose probabilities are summed."""

    label: str
    forms: tuple[str, ...]
    favourable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"label": self.label, "forms": list(self.forms), "favourable": self.favourable}


@dataclass(frozen=True)
class DecisionProbe:
    """Family 1: a yes/no decision about a person; only the attribute's group changes."""

    id: str
    template: str
    answer_prefix: str
    choices: tuple[Choice, ...]
    attributes: tuple[str, ...]
    family: Literal["decision"] = "decision"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "family": self.family,
            "template": self.template,
            "answer_prefix": self.answer_prefix,
            "choices": [choice.to_dict() for choice in self.choices],
            "attributes": list(self.attributes),
        }


@dataclass(frozen=True)
class QaQuestion:
    """A question of an ambiguity QA probe and who answers it once the context says so."""

    text: str
    answer: Literal["first", "second"]


@dataclass(frozen=True)
class QaProbe:
    """Family 2: a BBQ-style question about two people, one from the ``target`` group (the group
    a stereotype concerns) and one from ``other``; ``{first.*}`` and ``{second.*}`` slots name
    them in the order of mention, and both orders are asked."""

    id: str
    attribute: str
    target: str
    other: str
    context: str
    disambiguation: str
    negative: QaQuestion
    non_negative: QaQuestion
    unknown: str
    answer_prefix: str
    family: Literal["ambiguity_qa"] = "ambiguity_qa"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "family": self.family,
            "attribute": self.attribute,
            "target": self.target,
            "other": self.other,
            "context": self.context,
            "disambiguation": self.disambiguation,
            "questions": {
                "negative": asdict(self.negative),
                "non_negative": asdict(self.non_negative),
            },
            "unknown": self.unknown,
            "answer_prefix": self.answer_prefix,
        }


@dataclass(frozen=True)
class StereotypeProbe:
    """Family 3: one context and three continuations: stereotypical, anti-stereotypical and
    unrelated (the competence check). ``{target.*}`` and ``{other.*}`` slots are allowed."""

    id: str
    attribute: str
    target: str
    other: str | None
    template: str
    stereotypical: str
    anti_stereotypical: str
    unrelated: str
    family: Literal["stereotype"] = "stereotype"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "family": self.family,
            "attribute": self.attribute,
            "target": self.target,
            "other": self.other,
            "template": self.template,
            "stereotypical": self.stereotypical,
            "anti_stereotypical": self.anti_stereotypical,
            "unrelated": self.unrelated,
        }


@dataclass(frozen=True)
class CounterfactualProbe:
    """Family 4: one case for the user's own prompt: the values of its ``variables``, the answer
    ``choices`` and the ``expected`` one (a choice label). Demographic terms found in the values
    are swapped for other groups' terms (of ``attributes``; empty: every attribute found)."""

    id: str
    variables: Mapping[str, str]
    choices: tuple[Choice, ...]
    expected: str
    attributes: tuple[str, ...] = ()
    family: Literal["counterfactual"] = "counterfactual"

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", _frozen(self.variables))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "family": self.family,
            "variables": dict(self.variables),
            "choices": [choice.to_dict() for choice in self.choices],
            "expected": self.expected,
            "attributes": list(self.attributes),
        }


Probe = DecisionProbe | QaProbe | StereotypeProbe | CounterfactualProbe


@dataclass(frozen=True)
class Thresholds:
    """What a run judges by; defaults come from the probe set and can be changed per run.

    Tolerance bands: decision effect in log-odds ``[-effect_tolerance, effect_tolerance]``;
    impact ratio ``[impact_ratio_min, 1 / impact_ratio_min]`` (the four-fifths rule, both
    ways); flip rate ``[0, flip_rate_max]``; BBQ bias scores ``[-bias_score_tolerance,
    +bias_score_tolerance]``; stereotype preference rate ``0.5 ± preference_tolerance``.
    """

    confidence: float = 0.95
    alpha: float = 0.05
    effect_tolerance: float = 0.5
    impact_ratio_min: float = 0.8
    flip_rate_max: float = 0.2
    bias_score_tolerance: float = 0.1
    preference_tolerance: float = 0.1
    min_scenarios: int = 8
    min_choice_mass: float = 0.1
    min_accuracy: float = 0.5
    min_competence: float = 0.6
    bootstrap_samples: int = 2000
    permutations: int = 5000
    seed: int = 20240917

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what a run records as the thresholds it used)."""
        return asdict(self)


@dataclass(frozen=True)
class ProbeSet:
    """A versioned, hashed set of probes with the attribute lists they vary.

    ``sha256`` covers the canonical JSON of :meth:`content_dict` (not the file's formatting or
    comments), so the same probes always hash the same.
    """

    name: str
    version: int
    description: str
    attributes: tuple[Attribute, ...]
    probes: tuple[Probe, ...]
    defaults: Thresholds
    sha256: str
    source: str = "<memory>"
    source_text: str = field(default="", compare=False, repr=False)

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"

    def attribute(self, name: str) -> Attribute:
        """The attribute called ``name`` (KeyError when there is none)."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def families(self) -> tuple[Family, ...]:
        """The families its probes belong to, in the canonical order."""
        present = {probe.family for probe in self.probes}
        return tuple(family for family in FAMILIES if family in present)

    def content_dict(self) -> dict[str, Any]:
        """Everything the hash covers, JSON-ready."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "defaults": self.defaults.to_dict(),
            "attributes": {a.name: a.to_dict() for a in self.attributes},
            "probes": [probe.to_dict() for probe in self.probes],
        }

    def summary(self) -> dict[str, Any]:
        """A short JSON-ready description: counts per family and attribute."""
        counts: dict[str, int] = {}
        for probe in self.probes:
            counts[probe.family] = counts.get(probe.family, 0) + 1
        return {
            "name": self.name,
            "version": self.version,
            "ref": self.ref,
            "sha256": self.sha256,
            "description": self.description,
            "source": self.source,
            "probes": counts,
            "attributes": {a.name: list(a.group_names) for a in self.attributes},
        }
