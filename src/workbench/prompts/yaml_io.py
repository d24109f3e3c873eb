"""Prompt files in YAML: a whole prompt with all its versions, or the content of one version.

This is the boundary where prompt files come in, so everything is validated here, once, and
every error names the file, the line and the field (``versions[2].messages[0].role``). The
YAML is composed into nodes rather than loaded straight into dicts, so that each value still
knows its line, and duplicate keys and anchors/aliases can be refused.

A prompt file (what ``prompts export`` writes)::

    format: workbench-prompt/1
    name: support-reply
    description: Replies to customer messages.
    labels: {production: 2}
    versions:
      - version: 1
        created_at: '2025-01-10T09:00:00Z'
        author: alice
        message: First draft
        content_hash: 3b1f...      # optional; when present it must match the content
        messages:
          - {role: system, content: You are a support agent.}
          - {role: user, content: '{{ message }}'}
        params: {temperature: 0.7, max_tokens: 96}

A content file (for ``prompts new/commit --file``) has just ``messages`` or ``template``, and
optionally ``params`` and ``message`` (the commit message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workbench.prompts.content import make_content
from workbench.prompts.errors import PromptError, PromptFileError, PromptTemplateError
from workbench.prompts.hashing import content_hash
from workbench.prompts.model import PromptContent
from workbench.prompts.params import ParamValue, params_to_json, validate_param
from workbench.prompts.refs import validate_label_name, validate_prompt_name
from workbench.prompts.templates import check_template
from workbench.yaml_nodes import PositionedNode, compose_yaml, node_line

FORMAT = "workbench-prompt/1"
MAX_FILE_BYTES = 10 * 1024 * 1024

_DOCUMENT_KEYS = ("format", "name", "description", "labels", "versions")
_VERSION_KEYS = (
    "version", "created_at", "author", "message", "content_hash", "messages", "template", "params"
)  # fmt: skip
_CONTENT_FILE_KEYS = ("messages", "template", "params", "message", "description")


@dataclass(frozen=True)
class VersionRecord:
    """One version as a file holds it; ``author`` and ``created_at`` may be absent in
    hand-written files."""

    version: int
    content: PromptContent
    message: str = ""
    author: str | None = None
    created_at: str | None = None
    content_hash: str = ""


@dataclass(frozen=True)
class PromptDocument:
    """A prompt with all its versions and labels, as exported or read from a file."""

    name: str
    versions: tuple[VersionRecord, ...]
    description: str = ""
    labels: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "<memory>"


@dataclass(frozen=True)
class ContentFile:
    """The content of one version read from a file, with its optional commit message."""

    content: PromptContent
    message: str | None = None
    description: str | None = None


def dump_prompt_document(document: PromptDocument) -> str:
    """The document as YAML text, ready for git (multi-line text in literal blocks)."""
    data: dict[str, Any] = {"format": FORMAT, "name": document.name}
    if document.description:
        data["description"] = document.description
    if document.labels:
        data["labels"] = dict(sorted(document.labels.items()))
    data["versions"] = [_version_data(record) for record in document.versions]
    header = "# A GenAI Ops Workbench prompt. Import it with: workbench prompts import FILE\n"
    body = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000, indent=2
    )
    return header + body


def load_prompt_document(text: str, *, source: str = "<text>") -> PromptDocument:
    """Parse and validate a prompt file; PromptFileError names file, line and field."""
    root = _compose(text, source).mapping(_DOCUMENT_KEYS)
    if "format" in root and root["format"].string() != FORMAT:
        raise root["format"].fail(f"unsupported format (this workbench reads {FORMAT!r})")
    name_node = _require(root, "name", source)
    name = name_node.checked(validate_prompt_name, name_node.string())
    versions_node = _require(root, "versions", source)
    items = versions_node.sequence()
    if not items:
        raise versions_node.fail("a prompt needs at least one version")
    versions = tuple(_version(item, number) for number, item in enumerate(items, start=1))
    labels: dict[str, int] = {}
    if "labels" in root:
        for label, node in root["labels"].mapping(None).items():
            node.checked(validate_label_name, label)
            target = node.integer()
            if not 1 <= target <= len(versions):
                raise node.fail(f"label {label!r} points at version {target}, not in this file")
            labels[label] = target
    description = root["description"].string() if "description" in root else ""
    return PromptDocument(name, versions, description, labels, source)


def load_content_file(text: str, *, source: str = "<text>") -> ContentFile:
    """Parse the content of one version: ``messages`` or ``template``, ``params``,
    ``message``."""
    root_node = _compose(text, source)
    if root_node.node.tag.endswith(":map") and "versions" in _keys(root_node):
        raise root_node.fail(
            "this is a prompt file with versions; bring it in with 'workbench prompts import'"
        )
    root = root_node.mapping(_CONTENT_FILE_KEYS)
    content = _content(root, root_node, "")
    message = root["message"].string() if "message" in root else None
    description = root["description"].string() if "description" in root else None
    return ContentFile(content, message, description)


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file of reasonable size; errors name the file."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PromptFileError(str(path), None, "", "the file is too large for a prompt")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptFileError(str(path), None, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise PromptFileError(str(path), None, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise PromptFileError(str(path), None, "", f"cannot read the file ({exc})") from None


class _Node(PositionedNode):
    """A YAML node with the path of the field it holds, for error messages."""

    error = PromptFileError
    line: int

    def __init__(self, node: yaml.Node, path: str, file: str) -> None:
        super().__init__(file, path, node_line(node))
        self.node = node

    def checked(self, validator: Any, value: str) -> str:
        try:
            result: str = validator(value)
        except PromptError as exc:
            raise self.fail(str(exc)) from None
        return result

    def mapping(self, allowed: tuple[str, ...] | None) -> dict[str, _Node]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail(f"expected a mapping (key: value), got {self._describe()}")
        result: dict[str, _Node] = {}
        for key_node, value_node in self.node.value:
            key = _Node(key_node, self.path, self.file)
            name = key.string() if isinstance(key_node, yaml.ScalarNode) else None
            if name is None:
                raise key.fail("keys must be plain names")
            path = self.child_path(name)
            if name in result:
                raise key.fail(f"duplicate key {name!r}")
            if allowed is not None and name not in allowed:
                raise key.fail(f"unknown field (expected one of: {', '.join(allowed)})", field=path)
            result[name] = _Node(value_node, path, self.file)
        return result

    def sequence(self) -> list[_Node]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail(f"expected a list, got {self._describe()}")
        return [
            _Node(item, self.child_path(i), self.file) for i, item in enumerate(self.node.value)
        ]

    def string(self) -> str:
        value = self.value()
        if isinstance(value, datetime | date):  # an unquoted timestamp is still its text
            return str(self.node.value)
        if not isinstance(value, str):
            raise self.fail(f"expected text, got {self._describe()} (put the text in quotes)")
        return value

    def integer(self) -> int:
        value = self.value()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected a whole number, got {self._describe()}")
        return value

    def value(self) -> Any:
        # A fresh constructor each time: one kept around would cache every node it ever built.
        return yaml.constructor.SafeConstructor().construct_object(self.node, deep=True)

    def _describe(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        if self.node.tag.endswith(":null"):
            return "nothing"
        kind = self.node.tag.rsplit(":", 1)[-1]
        return f"{kind} {self.node.value!r}"


def _compose(text: str, source: str) -> _Node:
    # Anchors and aliases have no use in a prompt file and make "billion laughs" possible.
    return _Node(compose_yaml(text, source, error=PromptFileError), "", source)


def _keys(node: _Node) -> set[str]:
    assert isinstance(node.node, yaml.MappingNode)
    return {k.value for k, _v in node.node.value if isinstance(k, yaml.ScalarNode)}


def _require(
    mapping: dict[str, _Node], key: str, source: str, parent: _Node | None = None
) -> _Node:
    if key not in mapping:
        line = parent.line if parent else 1
        field = parent.child_path(key) if parent else key
        raise PromptFileError(source, line, field, "missing required field")
    return mapping[key]


def _version(item: _Node, number: int) -> VersionRecord:
    fields = item.mapping(_VERSION_KEYS)
    if "version" in fields and fields["version"].integer() != number:
        raise fields["version"].fail(
            f"versions must be numbered 1, 2, 3, ... in order: expected {number}, "
            f"got {fields['version'].integer()}"
        )
    content = _content(fields, item, item.path)
    recorded_hash = content_hash(content)
    if "content_hash" in fields:
        given = fields["content_hash"].string()
        if given != recorded_hash:
            raise fields["content_hash"].fail(
                f"does not match the version's content (its hash is {recorded_hash}); the text "
                "was changed after export. Remove content_hash to accept the change."
            )
    return VersionRecord(
        version=number,
        content=content,
        message=fields["message"].string() if "message" in fields else "",
        author=fields["author"].string() if "author" in fields else None,
        created_at=_timestamp(fields["created_at"]) if "created_at" in fields else None,
        content_hash=recorded_hash,
    )


def _timestamp(node: _Node) -> str:
    text = node.string()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        problem = f"expected an ISO 8601 time such as 2025-01-31T09:00:00Z, got {text!r}"
        raise node.fail(problem) from None
    return text


def _content(fields: dict[str, _Node], parent: _Node, prefix: str) -> PromptContent:
    def path(key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    if ("messages" in fields) == ("template" in fields):
        raise parent.fail(
            "give either 'messages' (a chat) or 'template' (a completion), exactly one",
            field=prefix or "(top level)",
        )
    params: dict[str, ParamValue] = {}
    if "params" in fields:
        for name, node in fields["params"].mapping(None).items():
            try:
                params[name] = validate_param(name, node.value(), where=path("params"))
            except PromptError as exc:
                raise node.fail(str(exc), field="") from None
    if "template" in fields:
        node = fields["template"]
        template = _checked_text(node, "the template")
        return make_content(template=template, params=params)
    messages: list[tuple[str, str]] = []
    items = fields["messages"].sequence()
    if not items:
        raise fields["messages"].fail("a chat needs at least one message")
    for index, item in enumerate(items, start=1):
        message = item.mapping(("role", "content"))
        role_node = _require(message, "role", item.file, item)
        role = role_node.string()
        if role not in ("system", "user", "assistant"):
            raise role_node.fail(f"role must be system, user or assistant, got {role!r}")
        text = _checked_text(_require(message, "content", item.file, item), f"message {index}")
        messages.append((role, text))
    return make_content(messages=messages, params=params)


def _checked_text(node: _Node, where: str) -> str:
    text = node.string()
    try:
        check_template(text, where=where)
    except PromptTemplateError as exc:
        position = f"line {exc.line}" + (f", column {exc.column}" if exc.column else "")
        problem = f"template error at {position} of the text: {exc.problem}"
        # A literal block (|) starts on the line after its key and keeps its lines, so the
        # broken template line can be pointed at in the file itself.
        literal = isinstance(node.node, yaml.ScalarNode) and node.node.style == "|"
        line = node.line + exc.line if literal else node.line
        raise PromptFileError(node.file, line, node.path, problem) from None
    return text


def _version_data(record: VersionRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"version": record.version}
    if record.created_at:
        data["created_at"] = record.created_at
    if record.author:
        data["author"] = record.author
    data["message"] = record.message
    data["content_hash"] = record.content_hash or content_hash(record.content)
    if record.content.template is not None:
        data["template"] = record.content.template
    else:
        data["messages"] = [m.to_dict() for m in record.content.messages]
    if record.content.params:
        data["params"] = params_to_json(record.content.params)
    return data


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as literal blocks, which read (and diff in git) like the text,
    and indents lists under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a literal block cannot hold the text
    # exactly (trailing spaces, special characters), so round-trips stay exact.
    # Text that is only line breaks and spaces (a stop sequence such as "\n\n") reads better
    # quoted than as an empty-looking block.
    style = "|" if "\n" in value and value.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
