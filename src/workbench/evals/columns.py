"""Choosing a run's columns: a subset of the suite's prompts and models, or others.

A run may use fewer columns than its suite (run only ``support-reply@3`` against the demo
model) or other ones (a prompt version or an inventory model the suite does not list). Each
choice is matched against the suite first, so its overrides (a model's load and sampling
settings, an inline prompt) come along; anything else is taken as a stored prompt reference
(``NAME``, ``NAME@VERSION``, ``NAME@LABEL``) or an inventory model name, resolved when the run
starts like the suite's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from workbench.evals.errors import EvalError
from workbench.evals.suite import EvalSuite, ModelSpec, PromptSpec

Spec = TypeVar("Spec", PromptSpec, ModelSpec)


def choose_prompts(suite: EvalSuite, chosen: Sequence[str]) -> tuple[PromptSpec, ...]:
    """The prompt columns for ``chosen`` (all of the suite's when empty), in the given order.

    A choice names a suite prompt by its id or by the reference it uses; anything else is a
    stored prompt reference, whose column id is the reference as written.
    """
    if not chosen:
        return suite.prompts
    specs = []
    for choice in _cleaned(chosen, "prompt"):
        spec = _find(suite.prompts, choice, "ref")
        if spec is None:
            if any(char.isspace() for char in choice):
                raise EvalError(
                    f"{choice!r} is neither a prompt of suite {suite.name} nor a stored prompt "
                    "reference (NAME, NAME@VERSION or NAME@LABEL)."
                )
            spec = PromptSpec(id=choice, ref=choice)
        specs.append(spec)
    return _unique(specs, "prompt")


def choose_models(suite: EvalSuite, chosen: Sequence[str]) -> tuple[ModelSpec, ...]:
    """The model columns for ``chosen`` (all of the suite's when empty), in the given order.

    A choice names a suite model by its id or inventory name (keeping its overrides); anything
    else is an inventory model name, run with the default settings.
    """
    if not chosen:
        return suite.models
    specs = []
    for choice in _cleaned(chosen, "model"):
        spec = _find(suite.models, choice, "name")
        specs.append(spec or ModelSpec(id=choice, name=choice))
    return _unique(specs, "model")


def _find(specs: Sequence[Spec], choice: str, other: str) -> Spec | None:
    """The spec whose id is ``choice``, else the first whose ``other`` field is: ids first, so
    a choice that is one column's id never picks another column sharing its model or prompt."""
    by_id = next((spec for spec in specs if spec.id == choice), None)
    return by_id or next((spec for spec in specs if getattr(spec, other) == choice), None)


def _cleaned(chosen: Sequence[str], what: str) -> list[str]:
    cleaned = [choice.strip() for choice in chosen]
    if not all(cleaned):
        raise EvalError(f"An empty {what} was chosen for the run.")
    return cleaned


def _unique(specs: list[Spec], what: str) -> tuple[Spec, ...]:
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise EvalError(f"The {what} column {spec.id!r} was chosen twice for the run.")
        seen.add(spec.id)
    return tuple(specs)
