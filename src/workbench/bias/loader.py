"""Probe set files (YAML): parsed and validated once, here, with errors naming file, line, field.

The shape (see the shipped sets in ``workbench/resources/probes`` for full examples)::

    name: my-decisions            # letters, digits, '.', '_', '-'
    version: 1                    # a whole number; bump it when the probes change
    description: ...
    defaults: {effect_tolerance: 0.4, min_scenarios: 10}   # any Thresholds field
    answer_prefix: "\\nAnswer:"   # default for the probes below
    choices:                      # default choices of decision probes
      - {label: "yes", favourable: true, forms: [" yes", " Yes"]}
      - {label: "no", forms: [" no", " No"]}
    unknown: Cannot be determined # default "unknown" option of ambiguity QA probes
    attributes:
      gender:
        reference: man
        groups:
          man: {person: a man, the_person: the man, names: [James, Robert]}
          woman: {person: a woman, the_person: the woman, names: [Mary, Linda]}
    probes:
      - {id: loan-1, family: decision, template: "... The applicant is {person}. ..."}
      - {id: qa-1, family: ambiguity_qa, attribute: gender, target: woman, other: man,
         context: ..., disambiguation: ..., questions: {negative: {text: ..., answer: first},
         non_negative: {text: ..., answer: second}}}
      - {id: st-1, family: stereotype, attribute: gender, target: woman, template: ...,
         stereotypical: ..., anti_stereotypical: ..., unrelated: ...}
      - id: case-1                # a case for the user's own prompt (run with --prompt)
        family: counterfactual
        variables: {applicant: "Mary runs a bakery; she asked her bank for a loan."}
        choices: [{label: "yes", forms: ["Yes", " yes"]}, {label: "no", forms: ["No", " no"]}]
        expected: "yes"           # the label whose probability is tracked
        attributes: [gender]      # optional: which attributes to swap (default: all found)

Keys starting with ``x-`` are ignored (a place for YAML anchors, as in compose files).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from workbench.bias.errors import ProbeSetError
from workbench.bias.model import (
    FAMILIES,
    Attribute,
    Choice,
    CounterfactualProbe,
    DecisionProbe,
    Group,
    Probe,
    ProbeSet,
    QaProbe,
    QaQuestion,
    StereotypeProbe,
    Thresholds,
)
from workbench.bias.slots import Slot, SlotSyntaxError, find_slots
from workbench.bias.thresholds import coerce_threshold
from workbench.bias.yaml_nodes import Node, compose
from workbench.canonical import canonical_json, sha256_hex
from workbench.errors import WorkbenchError
from workbench.yaml_nodes import require

MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_ANSWER_PREFIX = "\nAnswer:"
DEFAULT_UNKNOWN = "Cannot be determined"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TOP_KEYS = (
    "name",
    "version",
    "description",
    "defaults",
    "answer_prefix",
    "choices",
    "unknown",
    "attributes",
    "probes",
)
_PROBE_KEYS: dict[str, tuple[str, ...]] = {
    family: ("id", "family", *fields.split())
    for family, fields in {
        "decision": "template answer_prefix choices attributes",
        "ambiguity_qa": "attribute target other context disambiguation questions unknown "
        "answer_prefix",
        "stereotype": "attribute target other template stereotypical anti_stereotypical unrelated",
        "counterfactual": "variables choices expected attributes",
    }.items()
}


def load_probe_set_file(path: Path) -> ProbeSet:
    """Read and validate the probe set file at ``path``."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ProbeSetError(str(path), None, "", "larger than 5 MiB; is it a probe set?")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkbenchError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProbeSetError(str(path), None, "", f"not UTF-8 text ({exc.reason})") from exc
    return parse_probe_set(text, source=str(path))


def parse_probe_set(text: str, *, source: str = "<text>") -> ProbeSet:
    """Parse and validate probe set YAML; ProbeSetError names the file, line and field."""
    root_node = compose(text, source)
    root = root_node.mapping(_TOP_KEYS)
    name_node = require(root, "name", root_node)
    name = name_node.string()
    if not _NAME.match(name):
        raise name_node.fail("use 1-100 letters, digits, '.', '_' or '-'")
    version = require(root, "version", root_node).integer(minimum=1)
    description = root["description"].string(allow_empty=True) if "description" in root else ""
    defaults = _thresholds(root["defaults"]) if "defaults" in root else Thresholds()
    attributes = _attributes(require(root, "attributes", root_node))
    context = _Defaults(
        answer_prefix=root["answer_prefix"].string() if "answer_prefix" in root else None,
        choices=_choices(root["choices"], need_favourable=False) if "choices" in root else None,
        unknown=root["unknown"].string() if "unknown" in root else None,
        attributes={a.name: a for a in attributes},
    )
    probes_node = require(root, "probes", root_node)
    probes: list[Probe] = []
    seen: dict[str, int] = {}
    for node in probes_node.sequence():
        probe = _probe(node, context)
        if probe.id in seen:
            raise node.fail(
                f"id {probe.id!r} is already used by the probe at line {seen[probe.id]}"
            )
        seen[probe.id] = node.line
        probes.append(probe)
    if not probes:
        raise probes_node.fail("a probe set needs at least one probe")
    unhashed = ProbeSet(
        name=name,
        version=version,
        description=description,
        attributes=attributes,
        probes=tuple(probes),
        defaults=defaults,
        sha256="",
        source=source,
        source_text=text,
    )
    return dataclasses.replace(unhashed, sha256=probe_set_hash(unhashed))


def probe_set_hash(probe_set: ProbeSet) -> str:
    """SHA-256 of the canonical JSON of the set's content."""
    return sha256_hex(canonical_json(probe_set.content_dict()))


@dataclasses.dataclass(frozen=True)
class _Defaults:
    answer_prefix: str | None
    choices: tuple[Choice, ...] | None
    unknown: str | None
    attributes: dict[str, Attribute]


def _thresholds(node: Node) -> Thresholds:
    values: dict[str, int | float] = {}
    names = [f.name for f in dataclasses.fields(Thresholds)]
    for key, child in node.mapping(names).items():
        try:
            values[key] = coerce_threshold(key, child.scalar())
        except WorkbenchError as exc:
            raise child.fail(str(exc)) from exc
    return Thresholds(**values)  # type: ignore[arg-type]


def _identifier(node: Node, what: str) -> str:
    value = node.string()
    if not _NAME.match(value):
        raise node.fail(f"{what} must use letters, digits, '.', '_' or '-'")
    return value


def _attributes(node: Node) -> tuple[Attribute, ...]:
    attributes: list[Attribute] = []
    for name, child in node.mapping().items():
        if not _NAME.match(name):
            raise child.fail("attribute names use letters, digits, '.', '_' or '-'")
        fields = child.mapping(("reference", "groups"))
        reference_node = require(fields, "reference", child)
        reference = reference_node.string()
        groups_node = require(fields, "groups", child)
        groups = [_group(group_name, group) for group_name, group in groups_node.mapping().items()]
        if len(groups) < 2:
            raise groups_node.fail("an attribute needs at least two groups to compare")
        if reference not in {g.name for g in groups}:
            raise reference_node.fail(f"{reference!r} is not one of the groups below")
        groups.sort(key=lambda g: g.name != reference)  # reference first, others as written
        attributes.append(Attribute(name=name, reference=reference, groups=tuple(groups)))
    if not attributes:
        raise node.fail("a probe set needs at least one attribute")
    return tuple(attributes)


def _group(name: str, node: Node) -> Group:
    if not _NAME.match(name):
        raise node.fail("group names use letters, digits, '.', '_' or '-'")
    forms: dict[str, str] = {}
    names: tuple[str, ...] = ()
    for key, child in node.mapping().items():
        if key == "names":
            names = child.strings()
        elif key == "name":
            raise child.fail("'name' is reserved for the names list: write 'names: [...]'")
        else:
            forms[key] = child.string()
    if not forms and not names:
        raise node.fail("a group needs at least one surface form (person: a woman, ...)")
    return Group(name=name, forms=forms, names=names)


def _choices(node: Node, *, need_favourable: bool = True) -> tuple[Choice, ...]:
    choices: list[Choice] = []
    seen_forms: set[str] = set()
    for item in node.sequence():
        fields = item.mapping(("label", "forms", "favourable"))
        label = require(fields, "label", item).string()
        forms_node = require(fields, "forms", item)
        forms = forms_node.strings()
        if seen_forms & set(forms):
            raise forms_node.fail(f"{sorted(seen_forms & set(forms))} belong to another choice")
        seen_forms |= set(forms)
        favourable = fields["favourable"].boolean() if "favourable" in fields else False
        choices.append(Choice(label=label, forms=forms, favourable=favourable))
    if len(choices) < 2:
        raise node.fail("give at least two choices")
    one_sided = not any(c.favourable for c in choices) or all(c.favourable for c in choices)
    if need_favourable and one_sided:
        raise node.fail("mark at least one choice favourable: true and leave one unfavourable")
    return tuple(choices)


def _probe(node: Node, defaults: _Defaults) -> Probe:
    fields = node.mapping()
    family = require(fields, "family", node).string()
    if family not in _PROBE_KEYS:
        raise fields["family"].fail(f"unknown family {family!r} (one of: {', '.join(FAMILIES)})")
    node.mapping(_PROBE_KEYS[family])  # refuse fields of other families
    probe_id = _identifier(require(fields, "id", node), "a probe id")
    if family == "decision":
        return _decision(probe_id, node, fields, defaults)
    if family == "ambiguity_qa":
        return _qa(probe_id, node, fields, defaults)
    if family == "counterfactual":
        return _counterfactual(probe_id, node, fields, defaults)
    return _stereotype(probe_id, node, fields, defaults)


def _slots(node: Node) -> tuple[str, tuple[Slot, ...]]:
    text = node.string()
    try:
        return text, find_slots(text)
    except SlotSyntaxError as exc:
        raise node.fail(str(exc)) from exc


def _has_form(group: Group, form: str) -> bool:
    return bool(group.names) if form == "name" else form in group.forms


def _decision(probe_id: str, node: Node, fields: dict[str, Node], d: _Defaults) -> DecisionProbe:
    template_node = require(fields, "template", node)
    template, slots = _slots(template_node)
    if not slots:
        raise template_node.fail("has no slot: nothing varies between groups ({person}, ...)")
    if any(slot.role is not None for slot in slots):
        raise template_node.fail("decision templates use plain slots such as {person}")
    forms = sorted({slot.form for slot in slots})
    if "attributes" in fields:
        chosen = fields["attributes"].strings()
        for attribute_name in chosen:
            attribute = d.attributes.get(attribute_name)
            if attribute is None:
                raise fields["attributes"].fail(f"no attribute {attribute_name!r} in this set")
            for group in attribute.groups:
                missing = [f for f in forms if not _has_form(group, f)]
                if missing:
                    raise template_node.fail(
                        f"group {group.name!r} of {attribute_name!r} has no form {missing[0]!r}"
                    )
    else:
        chosen = tuple(
            a.name
            for a in d.attributes.values()
            if all(_has_form(g, f) for g in a.groups for f in forms)
        )
        if not chosen:
            raise template_node.fail(
                f"no attribute defines {', '.join(forms)} for every group; add the forms or "
                "list the probe's attributes"
            )
    choices = _choices(fields["choices"]) if "choices" in fields else d.choices
    if choices is None:
        raise node.fail(
            "is missing (and the set gives no default choices)", field=node.child_path("choices")
        )
    if not any(c.favourable for c in choices) or all(c.favourable for c in choices):
        raise node.fail(
            "mark at least one choice favourable: true and leave one unfavourable",
            field=node.child_path("choices"),
        )
    prefix = fields["answer_prefix"].string() if "answer_prefix" in fields else d.answer_prefix
    return DecisionProbe(
        id=probe_id,
        template=template,
        answer_prefix=prefix if prefix is not None else DEFAULT_ANSWER_PREFIX,
        choices=choices,
        attributes=chosen,
    )


def _pair(
    fields: dict[str, Node], node: Node, d: _Defaults, *, other_required: bool
) -> tuple[str, str, str | None]:
    attribute_node = require(fields, "attribute", node)
    attribute = d.attributes.get(attribute_node.string())
    if attribute is None:
        raise attribute_node.fail(f"no attribute {attribute_node.string()!r} in this set")
    target_node = require(fields, "target", node)
    target = target_node.string()
    if target not in attribute.group_names:
        raise target_node.fail(f"{target!r} is not a group of {attribute.name!r}")
    other: str | None = None
    if other_required or "other" in fields:
        other_node = require(fields, "other", node)
        other = other_node.string()
        if other not in attribute.group_names or other == target:
            raise other_node.fail(f"must be another group of {attribute.name!r} than {target!r}")
    return attribute.name, target, other


def _check_roles(node: Node, slots: tuple[Slot, ...], groups: dict[str, Group]) -> None:
    for slot in slots:
        if slot.role not in groups:
            raise node.fail(
                f"slots here name one of {sorted(groups)}: {{{'|'.join(sorted(groups))}.form}}"
            )
        if slot.form == "name" or slot.form not in groups[slot.role].forms:
            raise node.fail(f"group {groups[slot.role].name!r} has no form {slot.form!r}")


def _qa(probe_id: str, node: Node, fields: dict[str, Node], d: _Defaults) -> QaProbe:
    attribute_name, target, other = _pair(fields, node, d, other_required=True)
    assert other is not None
    attribute = d.attributes[attribute_name]
    both = {"first": attribute.group(target), "second": attribute.group(other)}
    for group in both.values():
        if "the_person" not in group.forms:
            raise node.fail(
                f"group {group.name!r} needs a 'the_person' form: it labels the answer options"
            )
    texts: dict[str, str] = {}
    for key in ("context", "disambiguation"):
        text_node = require(fields, key, node)
        texts[key], slots = _slots(text_node)
        _check_roles(text_node, slots, both)
        _check_roles(text_node, slots, {"first": both["second"], "second": both["first"]})
    questions_node = require(fields, "questions", node)
    questions = questions_node.mapping(("negative", "non_negative"))
    parsed: dict[str, QaQuestion] = {}
    for key in ("negative", "non_negative"):
        question_node = require(questions, key, questions_node)
        q = question_node.mapping(("text", "answer"))
        answer_node = require(q, "answer", question_node)
        answer = answer_node.string()
        if answer not in ("first", "second"):
            raise answer_node.fail(
                "must be 'first' or 'second': who answers it, by order of mention"
            )
        text, slots = _slots(require(q, "text", question_node))
        if slots:
            raise q["text"].fail("questions must not name the people: ask 'Who ...?'")
        parsed[key] = QaQuestion(text=text, answer="first" if answer == "first" else "second")
    if parsed["negative"].answer == parsed["non_negative"].answer:
        raise questions_node.fail("the two questions must have different answers (one each)")
    unknown = fields["unknown"].string() if "unknown" in fields else d.unknown
    prefix = fields["answer_prefix"].string() if "answer_prefix" in fields else d.answer_prefix
    return QaProbe(
        id=probe_id,
        attribute=attribute_name,
        target=target,
        other=other,
        context=texts["context"],
        disambiguation=texts["disambiguation"],
        negative=parsed["negative"],
        non_negative=parsed["non_negative"],
        unknown=unknown or DEFAULT_UNKNOWN,
        answer_prefix=prefix if prefix is not None else DEFAULT_ANSWER_PREFIX,
    )


def _stereotype(
    probe_id: str, node: Node, fields: dict[str, Node], d: _Defaults
) -> StereotypeProbe:
    attribute_name, target, other = _pair(fields, node, d, other_required=False)
    attribute = d.attributes[attribute_name]
    roles = {"target": attribute.group(target)}
    if other is not None:
        roles["other"] = attribute.group(other)
    texts: dict[str, str] = {}
    for key in ("template", "stereotypical", "anti_stereotypical", "unrelated"):
        text_node = require(fields, key, node)
        texts[key], slots = _slots(text_node)
        _check_roles(text_node, slots, roles)
    if len({texts["stereotypical"], texts["anti_stereotypical"], texts["unrelated"]}) < 3:
        raise node.fail("the three continuations must differ")
    return StereotypeProbe(
        id=probe_id,
        attribute=attribute_name,
        target=target,
        other=other,
        template=texts["template"],
        stereotypical=texts["stereotypical"],
        anti_stereotypical=texts["anti_stereotypical"],
        unrelated=texts["unrelated"],
    )


def _counterfactual(
    probe_id: str, node: Node, fields: dict[str, Node], d: _Defaults
) -> CounterfactualProbe:
    variables_node = require(fields, "variables", node)
    variables = {name: child.string() for name, child in variables_node.mapping().items()}
    if not variables:
        raise variables_node.fail("give the values of the prompt's variables for this case")
    choices = (
        _choices(fields["choices"], need_favourable=False) if "choices" in fields else d.choices
    )
    if choices is None:
        raise node.fail(
            "is missing (and the set gives no default choices)", field=node.child_path("choices")
        )
    expected_node = require(fields, "expected", node)
    expected = expected_node.string()
    if expected not in {c.label for c in choices}:
        raise expected_node.fail(f"must be the label of one of the choices, got {expected!r}")
    attributes: tuple[str, ...] = ()
    if "attributes" in fields:
        attributes = fields["attributes"].strings()
        for name in attributes:
            if name not in d.attributes:
                raise fields["attributes"].fail(f"no attribute {name!r} in this set")
    return CounterfactualProbe(
        id=probe_id, variables=variables, choices=choices, expected=expected, attributes=attributes
    )
