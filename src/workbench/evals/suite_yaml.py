"""Suites in YAML (or JSON): reading with validation at the boundary, and writing.

A suite file::

    name: support-reply-smoke
    description: The example prompt's versions on the demo model.
    prompts:
      - support-reply@1                 # a stored version, by number or label
      - support-reply@production
      - id: terse                        # inline: messages or a completion template
        messages:
          - {role: system, content: Answer in one sentence.}
          - {role: user, content: '{{ message }}'}
    models:
      - smollm2-135m-instruct           # an inventory name
      - {name: smollm2-135m-instruct, id: small-ctx, load: {context_size: 1024}}
    sampling: {temperature: 0, max_tokens: 32}   # over each prompt version's own params
    repeat: 1                                     # samples per cell
    seed: 0                                       # samples' seeds derive from it
    judge: smollm2-135m-instruct                  # for llm-rubric (default: the first model)
    threshold: 0.6                                # every column's pass rate must reach it
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: not-icontains, value: as an AI}]
    tests:
      - description: Flickering lamp
        vars: {message: My lamp flickers.}
        assert: [{type: icontains, value: bulb}]
      - file://more-cases.csv                      # CSV, JSONL or YAML, next to this file

A prompt written as plain text with spaces or ``{{`` is an inline chat prompt with one user
message (promptfoo's reading); a single word such as ``support-reply`` or ``support-reply@3`` is
a reference to a stored version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workbench.engine.messages import LoadSettings
from workbench.evals.case_files import load_case_file, read_case_text
from workbench.evals.errors import SuiteFileError
from workbench.evals.nodes import Node, from_data, from_yaml
from workbench.evals.parsing import (
    assign_case_ids,
    parse_assertions,
    parse_case,
    parse_id,
    parse_vars,
    unique_ids,
)
from workbench.evals.suite import SUITE_FORMAT, EvalCase, EvalSuite, ModelSpec, PromptSpec
from workbench.prompts.content import make_content
from workbench.prompts.errors import PromptError
from workbench.prompts.params import ParamValue, validate_params
from workbench.prompts.refs import parse_ref
from workbench.prompts.templates import check_content
from workbench.yaml_nodes import require

SUITE_KEYS = (
    "format", "name", "description", "prompts", "models", "defaultTest", "sampling", "repeat",
    "seed", "judge", "threshold", "notes", "tests",
)  # fmt: skip
PROMPT_KEYS = ("id", "ref", "messages", "template", "params")
MODEL_KEYS = ("id", "name", "load", "sampling")
LOAD_KEYS = ("context_size", "threads", "gpu_layers", "batch_size", "seed")
DEFAULT_TEST_KEYS = ("vars", "assert")
MAX_REPEAT = 100
FILE_PREFIX = "file://"


def load_suite_file(path: Path) -> EvalSuite:
    """Read and validate a suite file; ``file://`` case files are read relative to it."""
    path = Path(path).expanduser()
    text = read_case_text(path)
    return load_suite_text(text, source=str(path), base_dir=path.parent, default_name=path.stem)


def load_suite_text(
    text: str, *, source: str = "<text>", base_dir: Path | None = None, default_name: str = ""
) -> EvalSuite:
    """Parse and validate suite text; SuiteFileError names the file, line and field."""
    return parse_suite(from_yaml(text, source), base_dir=base_dir, default_name=default_name)


def suite_from_dict(data: Any, *, source: str) -> EvalSuite:
    """A suite from its canonical dict (a stored suite), through the same validation."""
    return parse_suite(from_data(data, source))


def dump_suite_yaml(suite: EvalSuite) -> str:
    """The suite as YAML text (cases inlined), readable by :func:`load_suite_text`."""
    header = "# A GenAI Ops Workbench evaluation suite. Run it with: workbench eval run FILE\n"
    body = yaml.safe_dump(suite.to_dict(), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def parse_suite(root: Node, *, base_dir: Path | None = None, default_name: str = "") -> EvalSuite:
    """Build a suite from its root node."""
    fields = root.mapping(SUITE_KEYS)
    if "format" in fields and fields["format"].string() != SUITE_FORMAT:
        raise fields["format"].fail(f"unsupported format (this workbench reads {SUITE_FORMAT!r})")
    if "name" in fields:
        name = parse_id(fields["name"], "suite")
        if "@" in name:  # NAME@VERSION names a stored version: a name with '@' could not
            raise fields["name"].fail(f"invalid suite name {name!r}: '@' separates NAME@VERSION")
    elif default_name:
        name = default_name.replace("@", "-")
    else:
        raise root.fail("is missing", field="name")
    prompt_nodes = require(fields, "prompts", root).sequence()
    model_nodes = require(fields, "models", root).sequence()
    if not prompt_nodes:
        raise fields["prompts"].fail("list at least one prompt")
    if not model_nodes:
        raise fields["models"].fail("list at least one model")
    prompts = tuple(_prompt(node, index) for index, node in enumerate(prompt_nodes, start=1))
    unique_ids(((p.id, n) for p, n in zip(prompts, prompt_nodes, strict=True)), "prompt")
    models = tuple(_model(node) for node in model_nodes)
    unique_ids(((m.id, n) for m, n in zip(models, model_nodes, strict=True)), "model")
    default_vars: dict[str, Any] = {}
    default_assertions: tuple[Any, ...] = ()
    if "defaultTest" in fields:
        default = fields["defaultTest"].mapping(DEFAULT_TEST_KEYS)
        default_vars = parse_vars(default["vars"]) if "vars" in default else {}
        default_assertions = parse_assertions(default["assert"]) if "assert" in default else ()
    cases = _cases(require(fields, "tests", root), base_dir)
    return EvalSuite(
        name=name,
        prompts=prompts,
        models=models,
        cases=cases,
        description=fields["description"].string() if "description" in fields else "",
        default_vars=default_vars,
        default_assertions=default_assertions,
        sampling=_sampling(fields["sampling"]) if "sampling" in fields else {},
        repeat=fields["repeat"].integer(minimum=1, maximum=MAX_REPEAT) if "repeat" in fields else 1,
        seed=fields["seed"].integer(minimum=0, maximum=2**32 - 1) if "seed" in fields else 0,
        judge=fields["judge"].string() if "judge" in fields else None,
        threshold=(
            fields["threshold"].number(minimum=0, maximum=1) if "threshold" in fields else None
        ),
        notes=tuple(item.string() for item in fields["notes"].sequence())
        if "notes" in fields
        else (),
        source=root.file,
    )


def _prompt(node: Node, index: int) -> PromptSpec:
    if not node.is_map():
        text = node.string()
        if _looks_like_ref(text):
            try:
                ref = str(parse_ref(text))
            except PromptError as exc:
                raise node.fail(str(exc)) from None
            return PromptSpec(id=ref, ref=ref)
        return PromptSpec(id=f"prompt-{index}", content=_content(node, messages=[("user", text)]))
    fields = node.mapping(PROMPT_KEYS)
    if "ref" in fields:
        if "messages" in fields or "template" in fields or "params" in fields:
            raise node.fail("a prompt is either a ref or inline messages/template, not both")
        try:
            ref = str(parse_ref(fields["ref"].string()))
        except PromptError as exc:
            raise fields["ref"].fail(str(exc)) from None
        prompt_id = parse_id(fields["id"], "prompt") if "id" in fields else ref
        return PromptSpec(id=prompt_id, ref=ref)
    prompt_id = parse_id(fields["id"], "prompt") if "id" in fields else f"prompt-{index}"
    params = fields["params"].plain() if "params" in fields else {}
    if "messages" in fields:
        if "template" in fields:
            raise node.fail("a prompt has either messages or a template, not both")
        messages = []
        for item in fields["messages"].sequence():
            message = item.mapping(("role", "content"))
            role = require(message, "role", item).string()
            content = require(message, "content", item).string(allow_empty=True)
            messages.append((role, content))
        return PromptSpec(id=prompt_id, content=_content(node, messages=messages, params=params))
    if "template" in fields:
        template = fields["template"].string()
        return PromptSpec(id=prompt_id, content=_content(node, template=template, params=params))
    raise node.fail("give a ref (a stored version) or inline messages or template")


def _looks_like_ref(text: str) -> bool:
    return not any(char.isspace() for char in text) and "{" not in text


def _content(
    node: Node,
    *,
    messages: list[tuple[str, str]] | None = None,
    template: str | None = None,
    params: Any = None,
) -> Any:
    try:
        content = make_content(messages=messages or (), template=template, params=params or {})
        check_content(content)
    except PromptError as exc:
        raise node.fail(str(exc)) from None
    return content


def _model(node: Node) -> ModelSpec:
    if not node.is_map():
        name = node.string()
        return ModelSpec(id=name, name=name)
    fields = node.mapping(MODEL_KEYS)
    name = require(fields, "name", node).string()
    model_id = parse_id(fields["id"], "model") if "id" in fields else name
    load: dict[str, Any] = {}
    if "load" in fields:
        for key, child in fields["load"].mapping(LOAD_KEYS).items():
            if key == "threads":
                load[key] = None if child.scalar() is None else child.integer(minimum=1)
            elif key == "gpu_layers":
                load[key] = child.integer(minimum=-1)
            else:
                load[key] = child.integer(minimum=0 if key == "seed" else 1)
        LoadSettings(**load)  # the keys are LoadSettings' own
    sampling = _sampling(fields["sampling"]) if "sampling" in fields else {}
    return ModelSpec(id=model_id, name=name, load=load, sampling=sampling)


def _sampling(node: Node) -> dict[str, ParamValue]:
    node.mapping()
    try:
        return validate_params(node.plain(), where=node.path)
    except PromptError as exc:  # the message starts with the field: "sampling.top_k: ..."
        raise node.fail(str(exc), field="") from None


def _cases(node: Node, base_dir: Path | None) -> tuple[EvalCase, ...]:
    pairs: list[tuple[EvalCase, Node]] = []
    for item in node.items():
        if item.is_map():
            pairs.append((parse_case(item), item))
            continue
        reference = item.string()
        if not reference.startswith(FILE_PREFIX):
            raise item.fail("expected a test case (a mapping) or file://PATH of a case file")
        pairs.extend(_case_file(item, reference[len(FILE_PREFIX) :], base_dir))
    if not pairs:
        raise node.fail("list at least one test case")
    return assign_case_ids([case for case, _ in pairs], [n for _, n in pairs])


def _case_file(node: Node, name: str, base_dir: Path | None) -> list[tuple[EvalCase, Node]]:
    if base_dir is None:
        raise node.fail("file:// case files can only be used in a suite read from a file")
    path = Path(name)
    try:
        return load_case_file(path if path.is_absolute() else base_dir / path)
    except SuiteFileError as exc:
        if exc.problem == "no such file":
            raise node.fail(f"no case file {name!r} next to the suite") from None
        raise
