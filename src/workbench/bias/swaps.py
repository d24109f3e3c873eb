"""Counterfactual swaps: the same case with one demographic group's terms replaced by another's.

The terms are the surface forms of the probe set's attribute groups (``woman``, ``she``,
``her``, first names, ...). In a case's variable values the group whose terms occur most often
is the *source*; each other group of the attribute gives one counterfactual, where every source
term is replaced (whole words, case-insensitive, first letter's case kept) by the target
group's form of the same name, and the i-th name by the target's i-th name.

A term can stand for two forms ("her" is both object and possessive), the known difficulty of
counterfactual data augmentation (Lu et al., 2020). For the object/possessive pair the word
after it decides, as in common CDA tools: a content word makes it possessive ("her bank" ->
"his bank"), a function word or the end of a clause makes it the object ("told her that" ->
"told him that"). Any other ambiguity takes the first form by name. Ambiguous terms are
recorded with the swap, and every counterfactual text is stored with its score for review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from workbench.bias.model import Attribute, Group


@dataclass(frozen=True)
class Swap:
    """One counterfactual of a case: the swapped values and what was replaced."""

    attribute: str
    source: str
    target: str
    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    replacements: int = 0
    ambiguous: tuple[str, ...] = ()


def group_terms(group: Group) -> dict[str, str]:
    """Every term of a group, keyed by form name (names as ``name0``, ``name1``, ...)."""
    terms = dict(group.forms)
    terms.update({f"name{i}": name for i, name in enumerate(group.names)})
    return terms


def _pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def count_terms(values: Mapping[str, str], group: Group) -> int:
    """How often the group's terms occur in the values."""
    terms = [t for t in group_terms(group).values() if t.strip()]
    if not terms:
        return 0
    pattern = _pattern(terms)
    return sum(len(pattern.findall(text)) for text in values.values())


def find_source(values: Mapping[str, str], attribute: Attribute) -> Group | None:
    """The group whose terms occur most often (the first group on a tie), or None."""
    best: Group | None = None
    best_count = 0
    for group in attribute.groups:
        count = count_terms(values, group)
        if count > best_count:
            best, best_count = group, count
    return best


def swaps_for(values: Mapping[str, str], attribute: Attribute) -> list[Swap]:
    """One counterfactual per other group of ``attribute`` (none when no term occurs)."""
    source = find_source(values, attribute)
    if source is None:
        return []
    swaps = []
    for target in attribute.groups:
        if target.name == source.name:
            continue
        mapping, ambiguous = _mapping(source, target)
        if not mapping:
            continue
        swapped, replacements = _replace(values, mapping)
        swaps.append(
            Swap(
                attribute=attribute.name,
                source=source.name,
                target=target.name,
                variables=MappingProxyType(swapped),
                replacements=replacements,
                ambiguous=ambiguous,
            )
        )
    return swaps


# Words after which an object/possessive pronoun is the object ("gave her the keys").
_FUNCTION_WORDS_TEXT = """
a an the this that these those to of in on at by for from with about as into onto over and or
but so if when because than then up down out off again back too very is was be will would can
could should may might must has have had do does did not who which
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
_NEXT_WORD = re.compile(r"\s*([A-Za-z][\w'-]*)")

# term (lower case) -> {form name: replacement}
_Mapping = dict[str, dict[str, str]]


def _mapping(source: Group, target: Group) -> tuple[_Mapping, tuple[str, ...]]:
    source_terms, target_terms = group_terms(source), group_terms(target)
    mapping: _Mapping = {}
    for form, text in sorted(source_terms.items()):
        replacement = target_terms.get(form)
        if replacement is None and form.startswith("name") and target.names:
            replacement = target.names[int(form[4:]) % len(target.names)]
        if replacement is not None:
            mapping.setdefault(text.lower(), {})[form] = replacement
    ambiguous = tuple(
        sorted(term for term, forms in mapping.items() if len(set(forms.values())) > 1)
    )
    return mapping, ambiguous


def _choose(forms: dict[str, str], following: str) -> str:
    if len(set(forms.values())) == 1:
        return next(iter(forms.values()))
    if {"object", "possessive"} <= forms.keys():
        word = _NEXT_WORD.match(following)
        content_word = word is not None and word.group(1).lower() not in _FUNCTION_WORDS
        return forms["possessive" if content_word else "object"]
    return forms[min(forms)]


def _replace(values: Mapping[str, str], mapping: _Mapping) -> tuple[dict[str, str], int]:
    pattern = _pattern(list(mapping))
    count = 0

    def swap_text(text: str) -> str:
        def substitute(match: re.Match[str]) -> str:
            nonlocal count
            count += 1
            found = match.group(0)
            replacement = _choose(mapping[found.lower()], text[match.end() :])
            if found[:1].isupper():
                return replacement[:1].upper() + replacement[1:]
            return replacement

        return pattern.sub(substitute, text)

    return {name: swap_text(text) for name, text in values.items()}, count
