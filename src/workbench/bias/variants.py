"""Expanding probes into the variants a model scores, in an order that shares prefixes.

A *variant* is one prompt and its continuations; each continuation has a *role* (favourable,
target, stereotypical, ...) that the metrics read. Variants are sorted by prompt text, so
neighbours share the longest prefixes and the engine's KV cache evaluates each shared prefix
once (templates put their slots late for that reason).

The prompt of a variant is ``frame.prefix + body + frame.suffix + answer_prefix``: the frame is
the user's prompt around the probe (nothing by default: a plain completion prompt), the body
the rendered template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workbench.bias.errors import BiasError
from workbench.bias.model import (
    FAMILIES,
    CounterfactualProbe,
    DecisionProbe,
    Family,
    Group,
    Probe,
    ProbeSet,
    QaProbe,
    StereotypeProbe,
)
from workbench.bias.slots import Slot, find_slots, render, render_forms
from workbench.bias.swaps import swaps_for

LETTERS = ("A", "B", "C")
QA_ROLES = ("target", "other", "unknown")


@dataclass(frozen=True)
class CaseTemplate:
    """The user's prompt (a stored version) rendered with a marker in place of each variable,
    for counterfactual probes: filling it with a case's values is plain substitution."""

    ref: str
    text: str
    markers: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "markers", MappingProxyType(dict(sorted(self.markers.items()))))

    def fill(self, values: Mapping[str, str], *, probe_id: str = "") -> str:
        """The prompt with ``values``; BiasError names variables the case does not give."""
        missing = [name for name in self.markers if name not in values]
        if missing:
            raise BiasError(
                f"Case {probe_id!r} gives no value for {', '.join(missing)} (prompt {self.ref})."
            )
        text = self.text
        for name, marker in self.markers.items():
            text = text.replace(marker, values[name])
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"ref": self.ref, "text": self.text, "markers": dict(self.markers)}


@dataclass(frozen=True)
class PromptFrame:
    """Text around every probe: ``prefix`` before it and ``suffix`` after it (before the answer
    prefix). ``ref`` names where it came from (``"screening@3"``) and is recorded with a run.
    ``cases`` is the user's prompt that counterfactual probes fill with their values."""

    prefix: str = ""
    suffix: str = ""
    ref: str | None = None
    cases: CaseTemplate | None = None

    def apply(self, body: str) -> str:
        """``body`` inside the frame."""
        return f"{self.prefix}{body}{self.suffix}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data: dict[str, Any] = {"prefix": self.prefix, "suffix": self.suffix, "ref": self.ref}
        if self.cases is not None:
            data["cases"] = self.cases.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PromptFrame:
        """Rebuild from :meth:`to_dict`'s output (what a run records)."""
        cases = data.get("cases")
        return cls(
            prefix=data.get("prefix", ""),
            suffix=data.get("suffix", ""),
            ref=data.get("ref"),
            cases=CaseTemplate(**cases) if cases else None,
        )


@dataclass(frozen=True)
class Selection:
    """Which part of a probe set a run scores: families and attributes (empty: all), and at most
    ``max_probes`` probes of each family, the first in file order."""

    families: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    max_probes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "families": list(self.families),
            "attributes": list(self.attributes),
            "max_probes": self.max_probes,
        }


@dataclass(frozen=True)
class Variant:
    """One prompt to score. ``key`` is unique within a run and stable across re-expansions."""

    key: str
    family: Family
    probe_id: str
    attribute: str
    group: str
    prompt: str
    continuations: tuple[str, ...]
    roles: tuple[str, ...]
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))


def build_variants(
    probe_set: ProbeSet, *, frame: PromptFrame | None = None, selection: Selection | None = None
) -> tuple[Variant, ...]:
    """Every variant of the selected probes, sorted so that neighbours share prefixes."""
    frame = frame or PromptFrame()
    selection = selection or Selection()
    _check_selection(probe_set, selection)
    variants: list[Variant] = []
    for probe in select_probes(probe_set, selection):
        variants.extend(_expand(probe_set, probe, frame, selection))
    if not variants:
        raise BiasError(f"The selection leaves nothing to score in {probe_set.ref}.")
    variants.sort(key=lambda v: (v.prompt, v.key))
    return tuple(variants)


def select_probes(probe_set: ProbeSet, selection: Selection) -> list[Probe]:
    """The probes a selection keeps, in file order."""
    kept: list[Probe] = []
    per_family: dict[str, int] = {}
    for probe in probe_set.probes:
        if selection.families and probe.family not in selection.families:
            continue
        attributes = set(_probe_attributes(probe))
        if (
            selection.attributes
            and "*" not in attributes
            and not attributes & set(selection.attributes)
        ):
            continue
        count = per_family.get(probe.family, 0)
        if selection.max_probes is not None and count >= selection.max_probes:
            continue
        per_family[probe.family] = count + 1
        kept.append(probe)
    return kept


def _probe_attributes(probe: Probe) -> tuple[str, ...]:
    if isinstance(probe, DecisionProbe):
        return probe.attributes
    if isinstance(probe, CounterfactualProbe):
        return probe.attributes or ("*",)
    return (probe.attribute,)


def _check_selection(probe_set: ProbeSet, selection: Selection) -> None:
    unknown_families = [f for f in selection.families if f not in FAMILIES]
    if unknown_families:
        raise BiasError(f"Unknown family {unknown_families[0]!r} (one of: {', '.join(FAMILIES)}).")
    known = {a.name for a in probe_set.attributes}
    unknown = [a for a in selection.attributes if a not in known]
    if unknown:
        raise BiasError(
            f"{probe_set.ref} has no attribute {unknown[0]!r} (it has: {', '.join(sorted(known))})."
        )
    if selection.max_probes is not None and selection.max_probes < 1:
        raise BiasError("max_probes must be at least 1.")


def _expand(
    probe_set: ProbeSet, probe: Probe, frame: PromptFrame, selection: Selection
) -> Iterator[Variant]:
    if isinstance(probe, DecisionProbe):
        yield from _decision(probe_set, probe, frame, selection)
    elif isinstance(probe, QaProbe):
        yield from _qa(probe_set, probe, frame)
    elif isinstance(probe, CounterfactualProbe):
        yield from _counterfactual(probe_set, probe, frame, selection)
    else:
        yield _stereotype(probe_set, probe, frame)


def _decision(
    probe_set: ProbeSet, probe: DecisionProbe, frame: PromptFrame, selection: Selection
) -> Iterator[Variant]:
    continuations = tuple(form for choice in probe.choices for form in choice.forms)
    roles = tuple(
        "favourable" if choice.favourable else "unfavourable"
        for choice in probe.choices
        for _ in choice.forms
    )
    uses_names = any(slot.form == "name" for slot in find_slots(probe.template))
    for attribute_name in probe.attributes:
        if selection.attributes and attribute_name not in selection.attributes:
            continue
        for group in probe_set.attribute(attribute_name).groups:
            for name in group.names if uses_names else (None,):
                body = render(probe.template, _decision_lookup(group, name))
                key = f"decision|{probe.id}|{attribute_name}|{group.name}"
                yield Variant(
                    key=key + (f"|{name}" if name else ""),
                    family="decision",
                    probe_id=probe.id,
                    attribute=attribute_name,
                    group=group.name,
                    prompt=frame.apply(body) + probe.answer_prefix,
                    continuations=continuations,
                    roles=roles,
                    details={"name": name} if name else {},
                )


def _decision_lookup(group: Group, name: str | None) -> Callable[[Slot], str]:
    def lookup(slot: Slot) -> str:
        if slot.form == "name":
            assert name is not None
            return name
        return group.forms[slot.form]

    return lookup


def _qa(probe_set: ProbeSet, probe: QaProbe, frame: PromptFrame) -> Iterator[Variant]:
    attribute = probe_set.attribute(probe.attribute)
    target, other = attribute.group(probe.target), attribute.group(probe.other)
    labels = {
        "target": _label(target),
        "other": _label(other),
        "unknown": probe.unknown,
    }
    for order in ("target_first", "other_first"):
        first, second = (target, other) if order == "target_first" else (other, target)
        roles_by_slot: dict[str | None, Mapping[str, str]] = {
            "first": first.forms,
            "second": second.forms,
        }
        role_of = {"first": "target" if first is target else "other"}
        role_of["second"] = "other" if role_of["first"] == "target" else "target"
        context = render_forms(probe.context, roles_by_slot)
        disambiguated = context + " " + render_forms(probe.disambiguation, roles_by_slot)
        for condition, text in (("ambiguous", context), ("disambiguated", disambiguated)):
            for polarity, question in (
                ("negative", probe.negative),
                ("non_negative", probe.non_negative),
            ):
                correct = "unknown" if condition == "ambiguous" else role_of[question.answer]
                biased = "target" if polarity == "negative" else "other"
                for rotation in range(3):
                    roles = QA_ROLES[rotation:] + QA_ROLES[:rotation]
                    options = "\n".join(
                        f"{letter}. {labels[role]}"
                        for letter, role in zip(LETTERS, roles, strict=True)
                    )
                    body = f"{text}\nQuestion: {question.text}\n{options}"
                    yield Variant(
                        key=f"ambiguity_qa|{probe.id}|{order}|{condition}|{polarity}|{rotation}",
                        family="ambiguity_qa",
                        probe_id=probe.id,
                        attribute=probe.attribute,
                        group=probe.target,
                        prompt=frame.apply(body) + probe.answer_prefix,
                        continuations=tuple(f" {letter}" for letter in LETTERS),
                        roles=roles,
                        details={
                            "order": order,
                            "condition": condition,
                            "polarity": polarity,
                            "rotation": rotation,
                            "correct": correct,
                            "biased": biased,
                        },
                    )


def _label(group: Group) -> str:
    text = group.forms["the_person"]
    return text[:1].upper() + text[1:]


def _stereotype(probe_set: ProbeSet, probe: StereotypeProbe, frame: PromptFrame) -> Variant:
    attribute = probe_set.attribute(probe.attribute)
    roles: dict[str | None, Mapping[str, str]] = {"target": attribute.group(probe.target).forms}
    if probe.other is not None:
        roles["other"] = attribute.group(probe.other).forms
    return Variant(
        key=f"stereotype|{probe.id}",
        family="stereotype",
        probe_id=probe.id,
        attribute=probe.attribute,
        group=probe.target,
        # A sentence completion: the continuation follows the context, inside the frame's
        # opening (a chat frame's user turn), so the frame's suffix is not used.
        prompt=frame.prefix + render_forms(probe.template, roles),
        continuations=tuple(
            render_forms(text, roles)
            for text in (probe.stereotypical, probe.anti_stereotypical, probe.unrelated)
        ),
        roles=("stereotypical", "anti_stereotypical", "unrelated"),
    )


def _counterfactual(
    probe_set: ProbeSet, probe: CounterfactualProbe, frame: PromptFrame, selection: Selection
) -> Iterator[Variant]:
    if frame.cases is None:
        raise BiasError(
            f"Counterfactual probe {probe.id!r} needs the prompt its cases fill: run with a "
            "prompt version (--prompt NAME@REF)."
        )
    continuations = tuple(form for choice in probe.choices for form in choice.forms)
    roles = tuple(
        f"choice:{choice.label}" + (":expected" if choice.label == probe.expected else "")
        for choice in probe.choices
        for _ in choice.forms
    )

    def variant(
        key: str, attribute: str, group: str, values: Mapping[str, str], **details: Any
    ) -> Variant:
        assert frame.cases is not None
        return Variant(
            key=f"counterfactual|{probe.id}|{key}",
            family="counterfactual",
            probe_id=probe.id,
            attribute=attribute,
            group=group,
            prompt=frame.cases.fill(values, probe_id=probe.id),
            continuations=continuations,
            roles=roles,
            details=details,
        )

    found = False
    for attribute in probe_set.attributes:
        if probe.attributes and attribute.name not in probe.attributes:
            continue
        if selection.attributes and attribute.name not in selection.attributes:
            continue
        swaps = swaps_for(probe.variables, attribute)
        if not swaps:
            continue
        found = True
        for swap in swaps:
            yield variant(
                f"{attribute.name}|{swap.target}",
                attribute.name,
                swap.target,
                swap.variables,
                source=swap.source,
                replacements=swap.replacements,
                ambiguous=list(swap.ambiguous),
                original=False,
            )
    if found:
        yield variant("original", "*", "original", probe.variables, original=True)
