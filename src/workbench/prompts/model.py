"""The value objects of prompt management: frozen, JSON-ready, free of storage and Qt.

A prompt is a name with a series of immutable versions 1, 2, 3, ... Each version holds a
:class:`PromptContent` (chat messages or one completion template, plus default sampling
parameters) and the facts of its making (message, author, time, content hash). Labels point at
one version each and move; every move is a :class:`LabelMove`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from workbench.prompts.params import ParamValue, params_to_json

Role = Literal["system", "user", "assistant"]
PromptKind = Literal["chat", "completion"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant")


@dataclass(frozen=True)
class PromptMessage:
    """One chat turn: a role and its template text."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class PromptContent:
    """What a version says: chat ``messages`` or a completion ``template`` (exactly one), and
    default sampling ``params``.

    Build it through :func:`workbench.prompts.content.make_content` (or a YAML file), which
    validates; this class only keeps the shape consistent.
    """

    messages: tuple[PromptMessage, ...] = ()
    template: str | None = None
    params: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if (self.template is None) == (not self.messages):
            # Both or neither: a version is either a chat or a completion, never a mix.
            raise ValueError("PromptContent needs either messages or a template, not both")
        # A read-only, name-sorted copy: the caller's dict cannot change a frozen version.
        frozen = MappingProxyType(dict(sorted(self.params.items())))
        object.__setattr__(self, "params", frozen)
        object.__setattr__(self, "messages", tuple(self.messages))

    @property
    def kind(self) -> PromptKind:
        """``"chat"`` for messages, ``"completion"`` for a single template."""
        return "completion" if self.template is not None else "chat"

    def texts(self) -> list[tuple[str, str]]:
        """Each template text with a name for messages about it: ``("message 2 (user)", ...)``."""
        if self.template is not None:
            return [("the template", self.template)]
        return [
            (f"message {index} ({message.role})", message.content)
            for index, message in enumerate(self.messages, start=1)
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; its canonical JSON is what the content hash covers."""
        data: dict[str, Any] = {}
        if self.template is not None:
            data["template"] = self.template
        else:
            data["messages"] = [message.to_dict() for message in self.messages]
        data["params"] = params_to_json(self.params)
        return data


@dataclass(frozen=True)
class PromptVersion:
    """One immutable version of a prompt, as stored."""

    prompt_name: str
    version: int
    content: PromptContent
    content_hash: str
    message: str
    author: str
    created_at: str
    variables: tuple[str, ...]

    @property
    def ref(self) -> str:
        """The reference that names exactly this version: ``name@3``."""
        return f"{self.prompt_name}@{self.version}"

    @property
    def kind(self) -> PromptKind:
        """``"chat"`` or ``"completion"``."""
        return self.content.kind

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "prompt": self.prompt_name,
            "version": self.version,
            "ref": self.ref,
            "kind": self.kind,
            "content_hash": self.content_hash,
            "message": self.message,
            "author": self.author,
            "created_at": self.created_at,
            "variables": list(self.variables),
            **self.content.to_dict(),
        }


@dataclass(frozen=True)
class Prompt:
    """A prompt's summary: its name, how many versions it has, and where its labels point."""

    name: str
    description: str
    created_at: str
    created_by: str
    latest_version: int
    updated_at: str
    labels: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(sorted(self.labels.items()))))

    def labels_of(self, version: int) -> tuple[str, ...]:
        """The labels that point at ``version``, by name."""
        return tuple(label for label, target in self.labels.items() if target == version)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "latest_version": self.latest_version,
            "updated_at": self.updated_at,
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class LabelMove:
    """One move of a label: ``from_version`` None means it was created, ``to_version`` None
    that it was removed."""

    prompt_name: str
    label: str
    from_version: int | None
    to_version: int | None
    actor: str
    time: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "prompt": self.prompt_name,
            "label": self.label,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "actor": self.actor,
            "time": self.time,
        }


@dataclass(frozen=True)
class CommitResult:
    """What :func:`~workbench.prompts.service.commit_version` did: ``created`` is False when the
    content equalled the latest version's, in which case ``version`` is that version."""

    version: PromptVersion
    created: bool
