"""Checking what a suite refers to before anything is stored or run.

A suite names inventory models and stored prompt versions. A run from a file must not store a
suite it cannot run, and a run must not start only to fail on the second unknown name after
the first is fixed: :func:`unresolved_references` lists every model, judge and prompt reference
that does not resolve, and :func:`check_references` refuses them all in one error that says what
exists. A judge given for the run (``--judge``) is always checked, so that a mistyped name is
refused even when no chosen case needs a judge; the suite's own judge (or by default its first
model) is required only when a chosen case has an assertion that needs one (``llm-rubric``,
negated or not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from workbench.errors import WorkbenchError
from workbench.evals.columns import choose_models, choose_prompts
from workbench.evals.errors import UnresolvedReferencesError
from workbench.evals.snapshot import chosen_cases, judge_name
from workbench.evals.suite import EvalSuite
from workbench.inventory import list_models
from workbench.prompts.service import get_version, list_prompts
from workbench.store import Store


class UnresolvedReference(NamedTuple):
    """One reference that does not resolve: what it is (a column's ``model`` or ``prompt``, or
    the ``judge``) and the sentence that says so."""

    kind: Literal["model", "judge", "prompt"]
    problem: str


def unresolved_references(
    store: Store,
    suite: EvalSuite,
    *,
    prompts: Sequence[str] = (),
    models: Sequence[str] = (),
    judge: str | None = None,
    tags: Sequence[str] = (),
) -> tuple[str, ...]:
    """What the run's columns (``prompts``/``models`` as for a run; empty: the suite's own)
    and its judge (``judge`` whenever given; the suite's only if a case chosen by ``tags``
    needs one) that this store does not have, one sentence each."""
    found = classify_unresolved_references(
        store, suite, prompts=prompts, models=models, judge=judge, tags=tags
    )
    return tuple(reference.problem for reference in found)


def classify_unresolved_references(
    store: Store,
    suite: EvalSuite,
    *,
    prompts: Sequence[str] = (),
    models: Sequence[str] = (),
    judge: str | None = None,
    tags: Sequence[str] = (),
) -> tuple[UnresolvedReference, ...]:
    """:func:`unresolved_references`, each with its kind."""
    problems: list[UnresolvedReference] = []
    registered = {model.name for model in list_models(store)}
    model_specs = choose_models(suite, models)
    for spec in model_specs:
        if spec.name not in registered:
            problems.append(
                UnresolvedReference("model", f"model {spec.name!r} is not in the inventory")
            )
    judge_model = judge or judge_name(suite, chosen_cases(suite, tags), None)
    column_names = {name for spec in model_specs for name in (spec.id, spec.name)}
    if judge_model and judge_model not in column_names and judge_model not in registered:
        problems.append(
            UnresolvedReference("judge", f"judge model {judge_model!r} is not in the inventory")
        )
    for prompt in choose_prompts(suite, prompts):
        if prompt.ref is None:
            continue
        try:
            get_version(store, prompt.ref)
        except WorkbenchError as exc:  # not found, or a malformed reference
            problems.append(
                UnresolvedReference("prompt", f"prompt {prompt.ref!r}: {str(exc).rstrip('.')}")
            )
    return tuple(problems)


def check_references(
    store: Store,
    suite: EvalSuite,
    *,
    prompts: Sequence[str] = (),
    models: Sequence[str] = (),
    judge: str | None = None,
    tags: Sequence[str] = (),
) -> None:
    """Raise UnresolvedReferencesError naming every unresolved reference (see
    :func:`unresolved_references`) and what the store has instead."""
    problems = unresolved_references(
        store, suite, prompts=prompts, models=models, judge=judge, tags=tags
    )
    if problems:
        raise UnresolvedReferencesError(describe_unresolved(store, suite.name, problems), problems)


def describe_unresolved(store: Store, suite_name: str, problems: Sequence[str]) -> str:
    """The message for ``problems``: each one, then the models and prompts that exist."""
    listed = "\n".join(f"  - {problem}" for problem in problems)
    models = ", ".join(model.name for model in list_models(store)) or "none"
    prompts = ", ".join(prompt.name for prompt in list_prompts(store)) or "none"
    return (
        f"Suite {suite_name} refers to what this workbench does not have:\n{listed}\n"
        f"Registered models: {models} (workbench models list; add one with "
        f"workbench models add FILE). Stored prompts: {prompts} (workbench prompts list)."
    )
