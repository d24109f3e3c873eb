"""Importing a promptfoo config (``promptfooconfig.yaml``) as a suite.

What maps: ``prompts`` (inline text, chat JSON, ``file://`` text or JSON files; a text file's
``---`` lines separate prompts), ``providers`` (each mapped to an inventory model with
``--map PROVIDER=MODEL``, by id or label; ``temperature``, ``max_tokens``, ``top_p``, ``top_k``,
``seed`` and ``stop`` of its config become sampling overrides), ``tests`` (inline, or
``file://`` CSV, JSONL, YAML or JSON files; array variables expand into one case per
combination, as promptfoo does), ``defaultTest`` (vars and assert), ``evaluateOptions.repeat``,
and every assertion type the workbench has (``is-refusal`` becomes ``refusal``; ``similar`` is
string similarity here, not embeddings, and the import says so).

What cannot map (other assertion types such as ``javascript`` or ``factuality``, unmapped
providers, test options, per-test provider filters, code-generated prompts or tests) is listed
by name. By default the import is then refused and nothing is stored; with
``skip_unsupported`` the rest is imported and each skipped item is recorded in the suite's
``notes``. A malformed file is refused with its file, line and field.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import NotFoundError
from workbench.evals.assertions import get_assertion_type
from workbench.evals.case_files import load_case_file, read_case_text
from workbench.evals.errors import UnsupportedImportError
from workbench.evals.library import StoredSuite, save_suite
from workbench.evals.nodes import Node, from_data, from_yaml
from workbench.evals.suite import NEGATION_PREFIX, EvalSuite
from workbench.evals.suite_yaml import parse_suite
from workbench.inventory import list_models
from workbench.prompts.params import PARAM_SPECS
from workbench.store import Store

RENAMED_TYPES = {"is-refusal": "refusal"}
WARNED_TYPES = {
    "similar": "promptfoo's 'similar' compares embeddings; here it is string similarity "
    "(normalised Levenshtein), so its threshold may need lowering",
}
IGNORED_KEYS = ("outputPath", "sharing", "env", "commandLineOptions", "writeLatestResults", "tags")
MAX_EXPANDED_CASES = 10_000
_SLUG = re.compile(r"[^A-Za-z0-9._:@/-]+")


@dataclass(frozen=True)
class PromptfooImport:
    """The suite read from a promptfoo config, and what the import left out or changed."""

    suite: EvalSuite
    providers: Mapping[str, str]
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    stored: StoredSuite | None = None
    created: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "suite": self.stored.ref if self.stored else self.suite.name,
            "created": self.created,
            "providers": dict(self.providers),
            "prompts": [p.id for p in self.suite.prompts],
            "cases": len(self.suite.cases),
            "skipped": list(self.skipped),
            "warnings": list(self.warnings),
        }


@dataclass
class _Translation:
    file: str
    base_dir: Path
    mapping: Mapping[str, str]
    known_models: Collection[str] | None = None
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown_models: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)

    def problem(self, node: Node, what: str) -> None:
        """Something that cannot be imported (skipped with ``skip_unsupported``)."""
        self.problems.append(f"{what} ({_where(node)})")

    def error(self, node: Node, what: str) -> None:
        """A mistake in what the user asked (never skipped): a ``--map`` that names no provider
        or a model the inventory does not have."""
        self.errors.append(f"{what} ({_where(node)})")


def _where(node: Node) -> str:
    where = f"{node.file}:{node.line}" if node.line else node.file
    return f"{where}, {node.path or 'top level'}"


def is_promptfoo_config(path: Path) -> bool:
    """Whether ``path`` holds a promptfoo config (it lists ``providers``; a suite has
    ``models``). Malformed files raise SuiteFileError."""
    root = from_yaml(read_case_text(Path(path).expanduser()), str(path))
    return root.is_map() and "providers" in root.mapping()


@dataclass(frozen=True)
class PromptfooProvider:
    """A provider a promptfoo config names: map it by ``id`` or by ``label``."""

    id: str
    label: str | None = None

    @property
    def key(self) -> str:
        """What ``--map KEY=MODEL`` (or the GUI's mapping) should use: the label if any."""
        return self.label or self.id


def promptfoo_providers(path: Path) -> tuple[PromptfooProvider, ...]:
    """The providers of a promptfoo config, in order (for asking the user to map each)."""
    path = Path(path).expanduser()
    root = from_yaml(read_case_text(path), str(path))
    fields = root.mapping()
    if "providers" not in fields:
        return ()
    t = _Translation(str(path), path.parent, {})
    found = []
    for item in fields["providers"].items():
        provider_id, label, _config = _provider_parts(t, item)
        found.append(PromptfooProvider(provider_id, label))
    return tuple(found)


def read_promptfoo_config(
    path: Path,
    *,
    mapping: Mapping[str, str],
    name: str | None = None,
    skip_unsupported: bool = False,
    known_models: Collection[str] | None = None,
) -> PromptfooImport:
    """Translate and validate a promptfoo config into a suite (nothing is stored).

    Every problem is reported at once: what cannot be imported (skipped with
    ``skip_unsupported``), a ``mapping`` key that names no provider of the config, and (when
    ``known_models`` is given) a mapping to a model not among them; the last two are never
    skipped. When unknown models are the only problem, NotFoundError names them.
    """
    path = Path(path).expanduser()
    text = read_case_text(path)
    root = from_yaml(text, str(path))
    t = _Translation(str(path), path.parent, mapping, known_models)
    fields = root.mapping()
    children: dict[str, Node] = {}
    # Resolved: "promptfooconfig.yaml" given from its own folder has a parent named "".
    folder = path.resolve().parent.name
    suite_name = name or _slug(folder if path.stem == "promptfooconfig" else path.stem)
    children["name"] = from_data(suite_name, t.file, path="name")
    for key, node in fields.items():
        if key == "description":
            children["description"] = node
        elif key == "prompts":
            children["prompts"] = _seq(
                node, [p for item in node.items() for p in _prompts(t, item)]
            )
        elif key == "providers":
            children["models"] = _seq(node, _providers(t, node))
        elif key == "tests":
            children["tests"] = _seq(node, _tests(t, node))
        elif key == "defaultTest":
            children["defaultTest"] = _default_test(t, node)
        elif key == "evaluateOptions":
            for option, child in node.mapping().items():
                if option == "repeat":
                    children["repeat"] = child
                else:
                    t.warnings.append(f"evaluateOptions.{option} is ignored")
        elif key in IGNORED_KEYS:
            t.warnings.append(f"{key} is ignored")
        else:
            t.problem(node, f"'{key}' is not supported")
    for needed, what in (("prompts", "prompts"), ("models", "providers"), ("tests", "tests")):
        if needed not in children:
            raise root.fail(f"the config lists no {what}")
    _raise_problems(t, skip_unsupported=skip_unsupported)
    notes = [f"skipped: {p}" for p in t.problems] + [f"note: {w}" for w in t.warnings]
    if notes:
        children["notes"] = from_data(notes, t.file, path="notes")
    suite_root = Node("map", children, t.file, "", root.line)
    suite = parse_suite(suite_root, base_dir=t.base_dir, default_name=suite_name)
    return PromptfooImport(suite, dict(t.used), tuple(t.problems), tuple(t.warnings))


def import_promptfoo_config(
    store: Store,
    path: Path,
    *,
    mapping: Mapping[str, str],
    name: str | None = None,
    skip_unsupported: bool = False,
) -> PromptfooImport:
    """Translate a promptfoo config and store it as a suite, all or nothing.

    Mapped models must be in the inventory; every problem is named at once (see
    :func:`read_promptfoo_config`).
    """
    known = [model.name for model in list_models(store)]
    result = read_promptfoo_config(
        path, mapping=mapping, name=name, skip_unsupported=skip_unsupported, known_models=known
    )
    origin = f"promptfoo:{Path(path).expanduser().resolve()}"
    stored, created = save_suite(store, result.suite, origin=origin)
    return PromptfooImport(
        result.suite, result.providers, result.skipped, result.warnings, stored, created
    )


def _raise_problems(t: _Translation, *, skip_unsupported: bool) -> None:
    if t.unknown_models and not t.problems and len(t.errors) == len(t.unknown_models):
        raise NotFoundError(
            "\n".join(t.unknown_models) + "\nRegister a model with: workbench models add FILE"
        )
    if t.errors or (t.problems and not skip_unsupported):
        raise UnsupportedImportError(t.file, t.problems, errors=t.errors)


def _seq(parent: Node, items: list[Node]) -> Node:
    return Node("seq", items, parent.file, parent.path, parent.line)


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-.")[:100] or "promptfoo-suite"


# -- prompts ----------------------------------------------------------------------------------


def _prompts(t: _Translation, node: Node) -> list[Node]:
    label: str | None = None
    if node.is_map():
        fields = node.mapping()
        label = fields["label"].text() if "label" in fields else None
        for key in set(fields) - {"id", "label", "raw"}:
            t.problem(fields[key], f"prompt field '{key}' is not supported")
        source = fields.get("raw") or fields.get("id")
        if source is None:
            raise node.fail("a prompt needs raw text or an id (file://...)")
        node = source
    text = node.string()
    if text.startswith("file://"):
        return _prompt_file(t, node, text[len("file://") :], label)
    return [_prompt_node(node, text, label)]


def _prompt_file(t: _Translation, node: Node, name: str, label: str | None) -> list[Node]:
    path = t.base_dir / name
    if path.suffix.lower() not in (".txt", ".md", ".json", ".j2", ".prompt"):
        t.problem(node, f"prompt file {name!r} is code or an unknown kind of file")
        return []
    text = read_case_text(path)
    if path.suffix.lower() == ".json":
        return [_prompt_node(from_data(text, str(path), line=1), text, label or path.stem)]
    parts = [p.strip() for p in re.split(r"^---$", text, flags=re.M) if p.strip()]
    return [
        _prompt_node(from_data(part, str(path), line=1), part, label if len(parts) == 1 else None)
        for part in parts
    ]


def _prompt_node(node: Node, text: str, label: str | None) -> Node:
    data: dict[str, Any] = {}
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            messages = json.loads(stripped)
        except ValueError:
            messages = None
        if isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
            data["messages"] = messages
    if "messages" not in data:
        data["messages"] = [{"role": "user", "content": text}]
    if label:
        data["id"] = _slug(label)
    return from_data(data, node.file, line=node.line, path=node.path)


# -- providers --------------------------------------------------------------------------------


def _providers(t: _Translation, node: Node) -> list[Node]:
    models: list[Node] = []
    names: list[str] = []
    for item in node.items():
        provider_id, label, config = _provider_parts(t, item)
        names += [provider_id] + ([label] if label else [])
        model = t.mapping.get(label or "") or t.mapping.get(provider_id)
        if model is None:
            t.problem(item, f"provider '{provider_id}' is not mapped to a model "
                      f"(--map {label or provider_id}=MODEL)")  # fmt: skip
            continue
        if t.known_models is not None and model not in t.known_models:
            known = ", ".join(sorted(t.known_models)) or "none"
            message = (
                f"No model named {model!r} (provider '{label or provider_id}' is mapped to it; "
                f"registered: {known}; see workbench models list)"
            )
            t.error(item, message)
            t.unknown_models.append(message)
        t.used[label or provider_id] = model
        data: dict[str, Any] = {"name": model, "id": _slug(label or provider_id)}
        sampling: dict[str, Any] = {}
        for key, value in config.items():
            if key in PARAM_SPECS:
                sampling[key] = value
            else:
                t.warnings.append(f"provider '{provider_id}': config '{key}' is ignored")
        if sampling:
            data["sampling"] = sampling
        models.append(from_data(data, item.file, line=item.line, path=item.path))
    for key in t.mapping:
        if key not in names:
            listed = ", ".join(f"'{n}'" for n in dict.fromkeys(names)) or "none"
            t.error(node, f"--map {key}=... names no provider of this config (providers: {listed})")
    return models


def _provider_parts(t: _Translation, item: Node) -> tuple[str, str | None, dict[str, Any]]:
    if not item.is_map():
        return item.string(), None, {}
    fields = item.mapping()
    if "id" not in fields and len(fields) == 1:  # the older {provider_id: {config: ...}} form
        ((provider_id, inner),) = fields.items()
        fields = {**inner.mapping(), "id": from_data(provider_id, item.file, line=item.line)}
    provider_id = fields["id"].string() if "id" in fields else ""
    if not provider_id:
        raise item.fail("a provider needs an id")
    label = fields["label"].text() if "label" in fields else None
    config = fields["config"].mapping() if "config" in fields else {}
    for key in set(fields) - {"id", "label", "config"}:
        t.problem(fields[key], f"provider field '{key}' is not supported")
    return provider_id, label, {key: child.plain() for key, child in config.items()}


# -- tests ------------------------------------------------------------------------------------


def _tests(t: _Translation, node: Node) -> list[Node]:
    cases: list[Node] = []
    for item in node.items():
        if item.is_map():
            cases.extend(_case_nodes(t, item))
            continue
        reference = item.string()
        if not reference.startswith("file://"):
            t.problem(item, f"tests from {reference!r} are not supported")
            continue
        path = t.base_dir / reference[len("file://") :]
        if path.suffix.lower() in (".yaml", ".yml", ".json"):
            for case in from_yaml(read_case_text(path), str(path)).sequence():
                cases.extend(_case_nodes(t, case))
        elif path.suffix.lower() in (".csv", ".jsonl"):
            for loaded, origin in load_case_file(path):
                cases.append(from_data(loaded.to_dict(), str(path), line=origin.line))
        else:
            t.problem(item, f"tests from {reference!r} are not supported")
    return cases


def _case_nodes(t: _Translation, node: Node) -> list[Node]:
    fields = node.mapping()
    children: dict[str, Node] = {}
    for key, child in fields.items():
        if key in ("description", "threshold", "vars"):
            children[key] = child
        elif key == "assert":
            children[key] = _seq(child, _assertions(t, child))
        elif key == "metadata":
            tags = [f"{k}={v.text()}" for k, v in child.mapping().items()]
            children["tags"] = from_data(tags, child.file, line=child.line, path=child.path)
        elif key == "options" and not child.mapping():
            continue
        else:
            t.problem(child, f"test field '{key}' is not supported")
    case = Node("map", children, node.file, node.path, node.line)
    return _expand(t, case)


def _expand(t: _Translation, case: Node) -> list[Node]:
    """promptfoo runs one case per combination of array variables."""
    fields = case.mapping()
    if "vars" not in fields:
        return [case]
    variables = fields["vars"].mapping()
    for name, child in list(variables.items()):
        value = child.plain()
        if isinstance(value, str) and value.startswith("file://"):
            path = t.base_dir / value[len("file://") :]
            if path.suffix.lower() in (".txt", ".md"):
                variables[name] = from_data(read_case_text(path), child.file, line=child.line)
            else:
                t.problem(child, f"variable from {value!r} is not supported")
    lists = {name: child.sequence() for name, child in variables.items() if child.is_seq()}
    if not lists:
        return [
            _with(case, "vars", Node("map", variables, case.file, f"{case.path}.vars", case.line))
        ]
    combos = list(itertools.islice(itertools.product(*lists.values()), MAX_EXPANDED_CASES + 1))
    if len(combos) > MAX_EXPANDED_CASES:
        raise fields["vars"].fail(f"array variables expand to more than {MAX_EXPANDED_CASES} cases")
    expanded = []
    for combo in combos:
        chosen = {**variables, **dict(zip(lists, combo, strict=True))}
        vars_node = Node("map", chosen, case.file, f"{case.path}.vars", case.line)
        expanded.append(_with(case, "vars", vars_node))
    return expanded


def _with(case: Node, key: str, value: Node) -> Node:
    return Node("map", {**case.mapping(), key: value}, case.file, case.path, case.line)


def _default_test(t: _Translation, node: Node) -> Node:
    children: dict[str, Node] = {}
    for key, child in node.mapping().items():
        if key == "vars":
            children[key] = child
        elif key == "assert":
            children[key] = _seq(child, _assertions(t, child))
        elif key == "options" and not child.mapping():
            continue
        else:
            t.problem(child, f"defaultTest field '{key}' is not supported")
    return Node("map", children, node.file, node.path, node.line)


def _assertions(t: _Translation, node: Node) -> list[Node]:
    result: list[Node] = []
    for item in node.sequence():
        fields = item.mapping()
        type_node = fields.get("type")
        if type_node is None:
            raise item.fail("is missing", field=item.child_path("type"))
        written = type_node.string()
        negate = written.startswith(NEGATION_PREFIX)
        base = written.removeprefix(NEGATION_PREFIX)
        base = RENAMED_TYPES.get(base, base)
        if get_assertion_type(base) is None:
            t.problem(type_node, f"assertion type '{written}' is not supported")
            continue
        if base in WARNED_TYPES and WARNED_TYPES[base] not in t.warnings:
            t.warnings.append(WARNED_TYPES[base])
        unsupported = set(fields) - {"type", "value", "threshold", "weight", "metric"}
        if unsupported:
            for key in sorted(unsupported):
                t.problem(fields[key], f"assertion field '{key}' ({written}) is not supported")
            continue
        new_type = from_data(NEGATION_PREFIX * negate + base, item.file, line=type_node.line)
        result.append(Node("map", {**fields, "type": new_type}, item.file, item.path, item.line))
    return result
