"""Building prompt content from parts, and deriving new content from an existing version.

These are the functions an editor calls: the command line's ``--system``, ``--user``,
``--template`` and ``--set-param`` options map onto :func:`edit_content`, and a GUI editor can
build whole content with :func:`make_content`. Template syntax is checked when a version is
saved (:func:`workbench.prompts.service.commit_version`), not here, so that an editor can hold
work in progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workbench.prompts.errors import PromptError
from workbench.prompts.model import ROLES, PromptContent, PromptMessage
from workbench.prompts.params import PARAM_SPECS, validate_params


def make_content(
    *,
    messages: Sequence[PromptMessage | tuple[str, str]] = (),
    template: str | None = None,
    params: Mapping[str, object] | None = None,
) -> PromptContent:
    """Validated content: chat ``messages`` (roles system/user/assistant) or one completion
    ``template``, and default sampling ``params``."""
    if template is not None and messages:
        raise PromptError("A prompt version has either chat messages or a template, not both.")
    if template is None and not messages:
        raise PromptError("A prompt version needs at least one message, or a template.")
    checked: list[PromptMessage] = []
    for index, item in enumerate(messages, start=1):
        role, text = (item.role, item.content) if isinstance(item, PromptMessage) else item
        if role not in ROLES:
            raise PromptError(
                f"Message {index}: role must be one of {', '.join(ROLES)}, got {role!r}."
            )
        if not isinstance(text, str):
            raise PromptError(f"Message {index}: content must be text, got {text!r}.")
        checked.append(PromptMessage(role, text))
    if template is not None and not isinstance(template, str):
        raise PromptError(f"The template must be text, got {template!r}.")
    return PromptContent(
        messages=tuple(checked), template=template, params=validate_params(params or {})
    )


def chat_content(
    *,
    system: str | None = None,
    user: str | None = None,
    params: Mapping[str, object] | None = None,
) -> PromptContent:
    """Content of a system message (optional) and a user message."""
    messages: list[tuple[str, str]] = []
    if system:
        messages.append(("system", system))
    if user is not None:
        messages.append(("user", user))
    if not messages:
        raise PromptError("Give the prompt's text: a user message (--user), or --file.")
    return make_content(messages=messages, params=params)


def edit_content(
    base: PromptContent,
    *,
    system: str | None = None,
    user: str | None = None,
    template: str | None = None,
    set_params: Mapping[str, object] | None = None,
    unset_params: Iterable[str] = (),
) -> PromptContent:
    """``base`` with some parts replaced; parts left as None are kept.

    - ``system`` replaces the leading system message, or adds one; ``""`` removes it.
    - ``user`` replaces the last user message, or appends one.
    - ``template`` replaces a completion prompt's template.
    - ``set_params`` sets parameters; ``unset_params`` removes them (back to engine defaults).
    """
    messages = list(base.messages)
    new_template = base.template
    if base.template is not None and (system is not None or user is not None):
        raise PromptError(
            "This is a completion prompt (one template): change it with --template or --file, "
            "not --system/--user."
        )
    if base.template is None and template is not None:
        raise PromptError(
            "This is a chat prompt: change its messages with --system/--user, or give the whole "
            "content with --file."
        )
    if template is not None:
        new_template = template
    if system is not None:
        has_system = bool(messages) and messages[0].role == "system"
        if system == "":
            messages = messages[1:] if has_system else messages
        elif has_system:
            messages[0] = PromptMessage("system", system)
        else:
            messages.insert(0, PromptMessage("system", system))
    if user is not None:
        last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
        if last_user is None:
            messages.append(PromptMessage("user", user))
        else:
            messages[last_user] = PromptMessage("user", user)
    params: dict[str, object] = dict(base.params)
    params.update(set_params or {})
    for name in unset_params:
        if name not in PARAM_SPECS:
            raise PromptError(f"Unknown parameter {name!r} (known: {', '.join(PARAM_SPECS)}).")
        params.pop(name, None)
    if new_template is not None:
        return make_content(template=new_template, params=params)
    return make_content(messages=messages, params=params)
