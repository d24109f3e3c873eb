"""Prompt frames: the text a model sees around every probe.

Scoring takes a raw prompt string, so a chat model's template has to be applied before
scoring. The frame is found by rendering a marker in place of the probe and splitting there:

- :func:`chat_frame`: the model's own chat template (the engine renders it exactly as for a
  generation), with the probe as the user's message and an optional system message. The
  default for models that have a template: an instruct model is asked the way it is used.
- :func:`frame_from_prompt`: a stored prompt version (``NAME@REF``) whose one variable (or the
  variable called ``input``) receives the probe; chat versions go through the chat template.
- ``PromptFrame()``: no frame, the probe as a plain completion prompt ("... Answer:"), for base
  models and for comparing with published log-probability benchmarks.
- :func:`case_template_from_prompt`: for counterfactual probes, the prompt version with a marker
  in place of every variable; each case (and each of its counterfactuals) fills the markers.
  Variables must reach the text as they are (a filter such as ``| upper`` is refused).

:func:`frame_for_run` picks what a run needs from these.

The decision and ambiguity QA families put the probe's answer prefix (``"\\nAnswer:"``) after
the frame, so it opens the assistant's turn; stereotype probes are sentence completions and use
only the frame's prefix (their continuation follows the context directly).
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from workbench.bias.errors import BiasError
from workbench.bias.model import ProbeSet
from workbench.bias.variants import CaseTemplate, PromptFrame, Selection
from workbench.engine.messages import (
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    SamplingSettings,
)
from workbench.store import Store

MARKER = "\u27e6workbench-probe\u27e7"
INPUT_VARIABLE = "input"


class ChatRenderer(Protocol):
    """What rendering a chat needs: a loaded model host (``ModelHost`` is one)."""

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        """Generate; the result carries the rendered prompt."""
        ...


def render_chat(host: ChatRenderer, messages: tuple[ChatMessage, ...]) -> str:
    """``messages`` rendered with the loaded model's chat template, generation prompt included.

    The engine exposes its rendering only through a generation, so this asks for one token
    (greedy) and keeps the rendered prompt.
    """
    request = GenerationRequest(messages=messages, sampling=SamplingSettings(max_tokens=1))
    return host.generate_text(request).rendered_prompt


def chat_frame(host: ChatRenderer, *, system: str | None = None) -> PromptFrame:
    """The loaded model's chat template around the probe (the user's message)."""
    messages = ((ChatMessage("system", system),) if system else ()) + (ChatMessage("user", MARKER),)
    return split_frame(render_chat(host, messages), ref=None, where="the chat template")


def frame_from_prompt(store: Store, host: ChatRenderer, ref: str) -> PromptFrame:
    """The prompt version ``ref`` around the probe, which fills its input variable."""
    from workbench.prompts import get_version, render_prompt

    version = get_version(store, ref)
    variables = version.variables
    if INPUT_VARIABLE in variables:
        variable = INPUT_VARIABLE
    elif len(variables) == 1:
        variable = variables[0]
    else:
        raise BiasError(
            f"Prompt {version.ref} has the variables {', '.join(variables) or 'none'}; a bias "
            f"test needs one variable to put each probe in (call it '{INPUT_VARIABLE}')."
        )
    rendered = render_prompt(version.content, {variable: MARKER}, ref=version.ref)
    if rendered.text is not None:
        text = rendered.text
    else:
        messages = tuple(ChatMessage(m.role, m.content) for m in rendered.messages)
        text = render_chat(host, messages)
    return split_frame(text, ref=version.ref, where=f"prompt {version.ref}")


def split_frame(text: str, *, ref: str | None, where: str) -> PromptFrame:
    """The frame around the one marker in ``text``."""
    if text.count(MARKER) != 1:
        raise BiasError(
            f"{where} must use its input variable exactly once to frame a probe "
            f"(it appears {text.count(MARKER)} times)."
        )
    prefix, suffix = text.split(MARKER)
    return PromptFrame(prefix=prefix, suffix=suffix, ref=ref)


def case_template_from_prompt(store: Store, host: ChatRenderer, ref: str) -> CaseTemplate:
    """The prompt version ``ref`` with markers for its variables, for counterfactual cases."""
    from workbench.prompts import get_version, render_prompt

    version = get_version(store, ref)
    if not version.variables:
        raise BiasError(f"Prompt {version.ref} has no variables for counterfactual cases to fill.")
    markers = {name: f"\u27e6workbench-var:{name}\u27e7" for name in version.variables}
    rendered = render_prompt(version.content, markers, ref=version.ref)
    if rendered.text is not None:
        text = rendered.text
    else:
        messages = tuple(ChatMessage(m.role, m.content) for m in rendered.messages)
        text = render_chat(host, messages)
    for name, marker in markers.items():
        if marker not in text:
            raise BiasError(
                f"Prompt {version.ref} changes the variable {name!r} before it reaches the text "
                "(a filter or condition); counterfactual cases need variables inserted as given."
            )
    return CaseTemplate(ref=version.ref, text=text, markers=markers)


def frame_for_run(
    store: Store,
    host: ChatRenderer,
    probe_set: ProbeSet,
    *,
    prompt_ref: str | None = None,
    plain: bool = False,
    selection: Selection | None = None,
    system: str | None = None,
) -> PromptFrame:
    """The frame a run of ``probe_set`` needs: the prompt version ``prompt_ref`` (around probes,
    and filled by counterfactual cases), else plain text (``plain``) or the chat template, with
    ``system`` as the system prompt (or, for plain text, a first paragraph)."""
    families = set(selection.families if selection and selection.families else probe_set.families())
    needs_cases = "counterfactual" in families
    needs_frame = bool(families - {"counterfactual"})
    if prompt_ref is None:
        if needs_cases:
            raise BiasError(
                f"{probe_set.ref} has counterfactual cases: name the prompt they fill "
                "(--prompt NAME@REF)."
            )
        if plain:
            return PromptFrame(prefix=f"{system}\n\n" if system else "")
        return chat_frame(host, system=system)
    frame = frame_from_prompt(store, host, prompt_ref) if needs_frame else PromptFrame()
    if needs_cases:
        cases = case_template_from_prompt(store, host, prompt_ref)
        frame = dataclasses.replace(frame, ref=cases.ref, cases=cases)
    return frame
