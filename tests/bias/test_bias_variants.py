"""Expanding probes into variants: order, keys, slots, framing, the QA design."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from workbench.bias import BiasError, PromptFrame, Selection, build_variants
from workbench.bias.library import builtin_probe_sets
from workbench.bias.slots import find_slots, render


def test_variants_are_sorted_so_neighbours_share_prefixes(small_set) -> None:
    variants = build_variants(small_set)
    prompts = [v.prompt for v in variants]
    assert prompts == sorted(prompts)
    decision = [v for v in variants if v.family == "decision"]
    # the two variants of each decision scenario are neighbours
    assert [v.probe_id for v in decision] == [
        "d5",
        "d5",
        "d4",
        "d4",
        "d6",
        "d6",
        "d1",
        "d1",
        "d3",
        "d3",
        "d2",
        "d2",
    ]


def test_keys_are_unique_and_stable(small_set) -> None:
    first = [v.key for v in build_variants(small_set)]
    assert len(set(first)) == len(first)
    assert first == [v.key for v in build_variants(small_set)]


def test_decision_variant_puts_the_slot_late_and_scores_every_surface_form(small_set) -> None:
    [variant] = [v for v in build_variants(small_set) if v.probe_id == "d1" and v.group == "woman"]
    assert variant.prompt == "Loan one. The applicant is a woman.\nApprove?\nAnswer:"
    assert variant.continuations == (" yes", " Yes", " no", " No")
    assert variant.roles == ("favourable", "favourable", "unfavourable", "unfavourable")


def test_qa_item_is_asked_24_ways_balanced_over_positions(small_set) -> None:
    qa = [v for v in build_variants(small_set) if v.family == "ambiguity_qa"]
    assert len(qa) == 2 * 2 * 2 * 3  # orders x contexts x questions x rotations
    for role in ("target", "other", "unknown"):
        assert Counter(v.roles.index(role) for v in qa) == {0: 8, 1: 8, 2: 8}
    disambiguated = [v for v in qa if v.details["condition"] == "disambiguated"]
    assert Counter(v.details["correct"] for v in disambiguated) == {"target": 6, "other": 6}
    example = next(v for v in qa if v.details["order"] == "other_first")
    assert example.prompt.startswith("The man and the woman sat an exam.")


def test_stereotype_variant_uses_only_the_frame_prefix(small_set) -> None:
    frame = PromptFrame(prefix="<s>", suffix="</s>", ref="p@1")
    [variant] = [v for v in build_variants(small_set, frame=frame) if v.family == "stereotype"]
    assert variant.prompt == "<s>The nurse was"
    [decision] = [
        v for v in build_variants(small_set, frame=frame) if v.key == "decision|d1|gender|man"
    ]
    assert decision.prompt == "<s>Loan one. The applicant is a man.\nApprove?</s>\nAnswer:"


def test_selection_limits_families_and_probes(small_set) -> None:
    variants = build_variants(small_set, selection=Selection(families=("decision",), max_probes=2))
    assert {v.probe_id for v in variants} == {"d1", "d2"}
    with pytest.raises(BiasError, match="no attribute 'age'"):
        build_variants(small_set, selection=Selection(attributes=("age",)))


def test_name_slots_give_one_variant_per_name() -> None:
    decisions = next(s for s in builtin_probe_sets() if s.name.startswith("decisions"))
    named = [v for v in build_variants(decisions) if v.probe_id == "hire-engineer-name"]
    assert len(named) == 9
    assert {v.details["name"] for v in named if v.group == "woman"} == {"Mary", "Patricia", "Linda"}


def test_slots_capitalise_and_escape() -> None:
    assert [s.form for s in find_slots("{First.the_person} {{x}} {name}")] == ["the_person", "name"]
    forms = {"first": "the man", None: "Ann"}
    rendered = render(
        "{First.the_person} met {name} {{ok}}",
        lambda slot: forms[slot.role] if slot.role else forms[None],
    )
    assert rendered == "The man met Ann {ok}"


def test_the_shipped_decision_set_has_hundreds_of_variants() -> None:
    decisions = next(s for s in builtin_probe_sets() if s.name.startswith("decisions"))
    assert len(build_variants(decisions)) > 600
    assert os.path.basename(decisions.source).endswith(".yaml")
