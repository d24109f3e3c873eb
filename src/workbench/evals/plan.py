"""The cells of a run, in the order they run.

A cell is one prompt x model x case x repeat. Its key, ``PROMPT|MODEL|CASE|REPEAT``, is unique
in a run (the results table enforces it), so a resumed run can never store a cell twice.

Order: model by model (each is loaded once), and within a model by the text the model will be
given, so that neighbours share the longest prompt prefix and the engine reuses its KV cache
(all cells of one system prompt run together; repeats of a cell run back to back). The plan
depends only on the snapshot, so resuming a run plans the same cells in the same order.

Seeds: sample 0 of every cell uses the base seed (the sampling ``seed`` if one is set, else
the suite's); sample ``r`` uses a seed derived from the base seed and ``r`` alone. The same
sample index gets the same seed in every column, so columns are compared on equal terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.canonical import sha256_hex
from workbench.engine.messages import ChatMessage, GenerationRequest, SamplingSettings
from workbench.errors import WorkbenchError
from workbench.evals.errors import VARIABLES_HINT, MissingCaseVariablesError
from workbench.evals.snapshot import ResolvedModel, ResolvedPrompt, RunSnapshot
from workbench.evals.suite import EvalCase
from workbench.prompts.errors import MissingVariableError
from workbench.prompts.params import ParamValue, to_sampling_settings
from workbench.prompts.templates import render_prompt

SEED_DOMAIN = "workbench-eval-seed/1"


@dataclass(frozen=True)
class PlannedCell:
    """One cell to run. ``request`` is None when the prompt could not be rendered for the
    case; ``render_error`` then says why (the cell is recorded as an error, not run)."""

    key: str
    position: int
    prompt_id: str
    model_id: str
    case_id: str
    repeat: int
    seed: int
    request: GenerationRequest | None
    render_error: str | None = None


def cell_key(prompt_id: str, model_id: str, case_id: str, repeat: int) -> str:
    """The key of a cell, unique in a run."""
    return f"{prompt_id}|{model_id}|{case_id}|{repeat}"


def derive_seed(base: int, repeat: int) -> int:
    """The seed of sample ``repeat``: ``base`` for the first, then a hash of both."""
    if repeat == 0:
        return base
    digest = sha256_hex(f"{SEED_DOMAIN}:{base}:{repeat}")
    return int(digest[:8], 16)


def missing_variables(snapshot: RunSnapshot) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``(prompt, case, names)`` for every prompt column and case where the case (with the
    suite's default vars merged in) lacks variables the prompt needs.

    Decided by rendering each pair as the run will, so the check and the cells agree: a
    variable only some branches use, or one used both guarded and unguarded, is judged as
    rendering judges it. Other template errors are left to the cells that hit them.
    """
    return missing_prompt_variables(snapshot.prompts, snapshot.cases)


def missing_prompt_variables(
    prompts: Sequence[ResolvedPrompt], cases: Sequence[EvalCase]
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """:func:`missing_variables` for these prompts and cases (defaults merged in)."""
    return tuple(
        (prompt, case_label(case.id, case.description), names)
        for prompt, case, names in cases_missing_variables(prompts, cases)
    )


def cases_missing_variables(
    prompts: Sequence[ResolvedPrompt], cases: Sequence[EvalCase]
) -> tuple[tuple[str, EvalCase, tuple[str, ...]], ...]:
    """``(prompt, case, names)`` as :func:`missing_prompt_variables` finds them, with the
    case itself (its id and description) instead of its label."""
    found = []
    for prompt in prompts:
        for case in cases:
            try:
                render_prompt(prompt.content, case.vars)
            except MissingVariableError as exc:
                found.append((_prompt_label(prompt), case, exc.names))
            except WorkbenchError:
                continue
    return tuple(found)


def check_variables(snapshot: RunSnapshot) -> None:
    """Refuse a run whose prompts need variables its cases do not give, naming each prompt,
    case and variable (MissingCaseVariablesError)."""
    missing = missing_variables(snapshot)
    if missing:
        raise MissingCaseVariablesError(snapshot.suite_name, missing)


def _prompt_label(prompt: ResolvedPrompt) -> str:
    return prompt.resolved_ref or prompt.id


def case_label(case_id: str, description: str = "") -> str:
    """How messages name a case: ``'description' (id)``, or ``'id'`` without a description."""
    return f"{description!r} ({case_id})" if description else repr(case_id)


def plan_cells(snapshot: RunSnapshot) -> tuple[PlannedCell, ...]:
    """Every cell of the snapshot's matrix, in run order, with positions 0, 1, 2, ..."""
    ordered: list[tuple[Any, ...]] = []
    for model_index, model in enumerate(snapshot.models):
        group: list[tuple[Any, ...]] = []
        for prompt in snapshot.prompts:
            for case_index, case in enumerate(snapshot.cases):
                request, error, seed = _render(prompt, model, case, snapshot.sampling)
                base = snapshot.seed if seed is None else seed
                for repeat in range(snapshot.repeat):
                    order = (error is not None, _text(request), case_index, repeat)
                    group.append((order, prompt, case, repeat, request, error, base))
        group.sort(key=lambda item: item[0])
        ordered.extend((model_index, model, *item[1:]) for item in group)
    cells: list[PlannedCell] = []
    for position, (_index, model, prompt, case, repeat, request, error, base) in enumerate(ordered):
        seed = derive_seed(base, repeat)
        if request is not None:
            request = _with_seed(request, seed)
        cells.append(
            PlannedCell(
                cell_key(prompt.id, model.id, case.id, repeat),
                position,
                prompt.id,
                model.id,
                case.id,
                repeat,
                seed,
                request,
                error,
            )
        )
    return tuple(cells)


def _render(
    prompt: ResolvedPrompt,
    model: ResolvedModel,
    case: EvalCase,
    suite_sampling: Mapping[str, ParamValue],
) -> tuple[GenerationRequest | None, str | None, int | None]:
    """The request for one cell, or why there is none; and the explicit sampling seed, if any
    (prompt params, then the suite's and the model's sampling), which wins over the suite's."""
    try:
        rendered = render_prompt(prompt.content, case.vars, ref=_prompt_label(prompt))
    except MissingVariableError as exc:
        plural = "s" if len(exc.names) > 1 else ""
        return (
            None,
            f"Missing variable{plural} for prompt {_prompt_label(prompt)}: "
            f"{', '.join(exc.names)}. {VARIABLES_HINT}",
            None,
        )
    except WorkbenchError as exc:
        return None, str(exc), None
    params: dict[str, ParamValue] = {**rendered.params, **suite_sampling, **model.sampling}
    sampling = to_sampling_settings(params)
    seed = int(params["seed"]) if "seed" in params else None  # type: ignore[arg-type]
    if rendered.text is not None:
        return GenerationRequest(prompt=rendered.text, sampling=sampling), None, seed
    messages = tuple(ChatMessage(m.role, m.content) for m in rendered.messages)
    return GenerationRequest(messages=messages, sampling=sampling), None, seed


def _with_seed(request: GenerationRequest, seed: int) -> GenerationRequest:
    sampling = request.sampling
    if sampling.seed == seed:
        return request
    new_sampling = SamplingSettings(**{**sampling.to_dict(), "stop": sampling.stop, "seed": seed})
    return GenerationRequest(request.messages, request.prompt, new_sampling)


def _text(request: GenerationRequest | None) -> str:
    """What the model is given, as one string (for ordering by shared prefix)."""
    if request is None:
        return ""
    if request.prompt is not None:
        return request.prompt
    return "\x00".join(f"{m.role}\x01{m.content}" for m in request.messages)


def request_to_dict(request: GenerationRequest) -> dict[str, Any]:
    """A generation request as JSON-ready data (stored with each cell, for replay)."""
    data: dict[str, Any] = {"sampling": request.sampling.to_dict()}
    if request.prompt is not None:
        data["prompt"] = request.prompt
    else:
        data["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
    return data


def request_from_dict(data: Mapping[str, Any]) -> GenerationRequest:
    """The request :func:`request_to_dict` wrote."""
    sampling_data = dict(data["sampling"])
    sampling_data["stop"] = tuple(sampling_data.get("stop", ()))
    sampling = SamplingSettings(**sampling_data)
    if "prompt" in data:
        return GenerationRequest(prompt=data["prompt"], sampling=sampling)
    messages = tuple(ChatMessage(m["role"], m["content"]) for m in data["messages"])
    return GenerationRequest(messages=messages, sampling=sampling)
