"""Slots in probe templates: ``{person}``, ``{Person}``, ``{first.the_person}``, ``{name}``.

A slot names a surface form of a group; ``{role.form}`` picks the group playing ``role``
(``first``/``second`` in ambiguity QA, ``target``/``other`` in stereotype probes). A slot whose
first letter is upper case capitalises the text it inserts (``{The_person}`` -> "The woman").
``{{`` and ``}}`` are literal braces. ``name`` is special: it takes one of the group's names,
and a decision probe gets one variant per name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_SLOT = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\}")
_STRAY = re.compile(r"[{}]")


@dataclass(frozen=True)
class Slot:
    """One slot: the role (None for a single group), the form, and whether it capitalises."""

    role: str | None
    form: str
    capitalise: bool


class SlotSyntaxError(ValueError):
    """A template has a stray brace or a malformed slot."""


def find_slots(template: str) -> tuple[Slot, ...]:
    """The slots of ``template`` in order; SlotSyntaxError on stray braces."""
    slots: list[Slot] = []
    last = 0
    for match in _SLOT.finditer(template):
        _check_plain(template[last : match.start()])
        last = match.end()
        if match.group(1) is None:
            continue
        slots.append(_slot(match.group(1), match.group(2)))
    _check_plain(template[last:])
    return tuple(slots)


def render(template: str, lookup: Callable[[Slot], str]) -> str:
    """``template`` with each slot replaced by ``lookup(slot)`` (capitalised when asked)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        slot = _slot(match.group(1), match.group(2))
        text = lookup(slot)
        return text[:1].upper() + text[1:] if slot.capitalise else text

    return _SLOT.sub(replace, template)


def render_forms(template: str, roles: Mapping[str | None, Mapping[str, str]]) -> str:
    """Render with ``roles[slot.role][slot.form]`` (KeyError when a form is missing)."""
    return render(template, lambda slot: roles[slot.role][slot.form])


def _slot(first: str, second: str | None) -> Slot:
    capitalise = first[:1].isupper()
    if second is None:
        return Slot(None, _lower_first(first), capitalise)
    return Slot(_lower_first(first), second, capitalise)


def _lower_first(word: str) -> str:
    return word[:1].lower() + word[1:]


def _check_plain(text: str) -> None:
    stray = _STRAY.search(text)
    if stray:
        raise SlotSyntaxError(
            f"stray {stray.group(0)!r} at {text[max(0, stray.start() - 20) : stray.end() + 20]!r}"
            " (write {{ or }} for a literal brace; slots look like {person} or {first.person})"
        )
