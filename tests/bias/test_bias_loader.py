"""Probe set files: the shipped sets load, and malformed sets are refused with file, line, field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.bias import ProbeSetError, builtin_probe_sets, load_probe_set_file, parse_probe_set

HEADER = textwrap.dedent(
    """\
    name: t
    version: 1
    attributes:
      gender:
        reference: man
        groups:
          man: {person: a man, the_person: the man}
          woman: {person: a woman, the_person: the woman}
    probes:
    """
)


def _error(probes: str, *, header: str = HEADER) -> ProbeSetError:
    with pytest.raises(ProbeSetError) as info:
        parse_probe_set(header + textwrap.dedent(probes), source="t.yaml")
    return info.value


def test_shipped_sets_load_with_the_promised_sizes() -> None:
    sets = {s.name: s for s in builtin_probe_sets()}
    decisions = sets["decisions-hiring-lending-housing"]
    assert len(decisions.probes) >= 30
    assert {a.name for a in decisions.attributes} >= {
        "gender", "ethnicity", "age", "religion", "disability"
    }  # fmt: skip
    assert sets["ambiguity-qa"].families() == ("ambiguity_qa",)
    assert sets["stereotype-preference"].families() == ("stereotype",)


def test_the_hash_ignores_comments_and_formatting(small_set_text: str) -> None:
    plain = parse_probe_set(small_set_text)
    commented = parse_probe_set(
        "# a comment\n" + small_set_text.replace("version: 1", "version:   1")
    )
    changed = parse_probe_set(small_set_text.replace("Loan one.", "Loan 1."))
    assert plain.sha256 == commented.sha256
    assert plain.sha256 != changed.sha256


def test_unknown_field_names_its_line_and_path() -> None:
    error = _error(
        """\
          - id: d1
            family: decision
            template: "{person}"
            choices: [{label: y, favourable: true, forms: [" y"]}, {label: n, forms: [" n"]}]
            templte: typo
        """
    )
    assert (error.file, error.line, error.field) == ("t.yaml", 14, "probes[0].templte")
    assert "unknown field" in str(error)
    assert str(error).startswith("t.yaml:14: probes[0].templte:")


def test_missing_field_is_named() -> None:
    error = _error("  - {id: d1, family: decision, template: '{person}'}\n")
    assert error.field == "probes[0].choices"
    assert "missing" in error.problem


def test_slot_no_group_defines_is_refused() -> None:
    error = _error(
        """\
          - id: d1
            family: decision
            template: "The applicant is {adjective}."
            choices: [{label: y, favourable: true, forms: [" y"]}, {label: n, forms: [" n"]}]
        """
    )
    assert error.field == "probes[0].template"
    assert "adjective" in error.problem


def test_choices_need_a_favourable_and_an_unfavourable_answer() -> None:
    error = _error(
        """\
          - id: d1
            family: decision
            template: "{person}"
            choices: [{label: y, forms: [" y"]}, {label: n, forms: [" n"]}]
        """
    )
    assert error.field == "probes[0].choices"
    assert "favourable" in error.problem


def test_stray_brace_is_refused_with_a_hint() -> None:
    error = _error(
        """\
          - id: d1
            family: decision
            template: "The applicant is {person."
            choices: [{label: y, favourable: true, forms: [" y"]}, {label: n, forms: [" n"]}]
        """
    )
    assert "stray '{'" in error.problem


def test_duplicate_ids_and_keys_are_refused() -> None:
    probe = "  - {id: d1, family: stereotype, attribute: gender, target: woman, template: x,"
    probe += " stereotypical: ' a', anti_stereotypical: ' b', unrelated: ' c'}\n"
    assert "already used" in _error(probe + probe).problem
    assert (
        "duplicate key"
        in _error(probe.replace("template: x,", "template: x, template: y,")).problem
    )


def test_qa_target_must_be_a_group_of_the_attribute() -> None:
    error = _error(
        """\
          - id: q1
            family: ambiguity_qa
            attribute: gender
            target: robot
            other: man
            context: "{first.the_person} and {second.the_person}."
            disambiguation: "{First.the_person} did it."
            questions:
              negative: {text: "Who?", answer: first}
              non_negative: {text: "Who not?", answer: second}
        """
    )
    assert (error.line, error.field) == (13, "probes[0].target")


def test_reference_must_be_one_of_the_groups() -> None:
    header = HEADER.replace("reference: man", "reference: person")
    error = _error("  - {id: d1, family: decision, template: '{person}'}\n", header=header)
    assert error.field == "attributes.gender.reference"


def test_bad_threshold_default_is_refused() -> None:
    header = HEADER.replace("version: 1\n", "version: 1\ndefaults: {alpha: 2}\n")
    error = _error("  - {id: d1, family: decision, template: '{person}'}\n", header=header)
    assert error.field == "defaults.alpha"
    assert "between 0 and 1" in error.problem


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nversion: 1\nprobes: [\n  {id: a\n", encoding="utf-8")
    with pytest.raises(ProbeSetError) as info:
        load_probe_set_file(path)
    assert info.value.file == str(path)
    assert info.value.line is not None
    assert "not valid YAML" in info.value.problem
