"""What the Bias page runs on worker threads: plain functions of a :class:`TaskContext`.

Nothing here touches a widget. A run gets a model host of its own (its own process), so a bias
test never competes with the playground's model; cancelling stops the variant in flight. A
resumed run goes through the same host and cancel plumbing as a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.bias import (
    BiasError,
    BiasRun,
    MetricResult,
    ProbeSet,
    Selection,
    VariantScore,
    frame_for_run,
    get_bias_run,
    get_probe_set,
    list_bias_runs,
    list_metric_results,
    list_probe_sets,
    list_variant_scores,
    resumable_model,
    resume_bias_run,
    run_bias_test,
    with_overrides,
)
from workbench.ui.bias.evidence import (
    GroupRate,
    ScenarioGrid,
    VariantPair,
    decision_evidence,
    largest_pairs,
)

if TYPE_CHECKING:
    from workbench.engine import ModelHost
    from workbench.inventory import ModelRecord
    from workbench.ui.operations import TaskContext

#: Builds the model host a run uses; tests replace it with a fake scorer.
RunHostFactory = Callable[["TaskContext"], "ModelHost"]
CANCEL_POLL_S = 0.1
PAIRS_SHOWN = 25


@dataclass(frozen=True)
class RunSpec:
    """What the run panel asks for."""

    probe_set_ref: str
    model_name: str
    system_prompt: str = ""
    thresholds: Mapping[str, float] = field(default_factory=dict)
    attributes: tuple[str, ...] = ()
    max_probes: int | None = None
    #: A prompt version (``NAME@REF``) that frames the probes and that counterfactual cases
    #: fill, as ``workbench bias run --prompt`` does; None leaves counterfactual cases out.
    prompt_ref: str | None = None


@dataclass(frozen=True)
class PromptChoice:
    """A prompt version the run panel offers: by label (``support-reply@production``) or by
    number (``support-reply@2``)."""

    ref: str
    version: int
    variables: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class RunDetails:
    """One run as the page shows it: the run, its metrics and the pairs that differ most."""

    run: BiasRun
    metrics: tuple[MetricResult, ...]
    pairs: tuple[VariantPair, ...]
    rates: tuple[GroupRate, ...] = ()
    grids: tuple[ScenarioGrid, ...] = ()


def read_probe_sets(task: TaskContext) -> list[ProbeSet]:
    """Every probe set on offer, shipped and imported (worker thread)."""
    return [get_probe_set(task.store, info.ref) for info in list_probe_sets(task.store)]


def read_prompt_choices(task: TaskContext) -> list[PromptChoice]:
    """Every stored prompt's labels, then its versions newest first, by prompt name (worker
    thread)."""
    from workbench.prompts import list_prompts, version_history

    choices: list[PromptChoice] = []
    for prompt in list_prompts(task.store):
        versions = {v.version: v for v in version_history(task.store, prompt.name)}
        for label, number in prompt.labels.items():
            variables = versions[number].variables if number in versions else ()
            choices.append(PromptChoice(f"{prompt.name}@{label}", number, variables, label))
        for number in sorted(versions, reverse=True):
            choices.append(PromptChoice(versions[number].ref, number, versions[number].variables))
    return choices


def read_runs(task: TaskContext) -> list[BiasRun]:
    """Earlier runs, newest first (worker thread)."""
    return list_bias_runs(task.store)


def read_run(task: TaskContext, run_id: int) -> RunDetails:
    """A run with its metrics and its most different variant pairs (worker thread)."""
    store = task.store
    run = get_bias_run(store, run_id)
    metrics = list_metric_results(store, run_id)
    scores: list[VariantScore] = list_variant_scores(store, run_id)
    order: dict[str, list[str]] = {}
    for metric in metrics:
        groups = order.setdefault(metric.attribute, [])
        for group in (metric.reference, metric.group):
            if group and group not in groups:
                groups.append(group)
    thresholds = dict(run.thresholds)
    rates, grids = decision_evidence(
        scores,
        group_order={k: tuple(v) for k, v in order.items()},
        confidence=float(thresholds.get("confidence", 0.95)),
        samples=int(thresholds.get("bootstrap_samples", 2000)),
        seed=int(thresholds.get("seed", 0)),
    )
    return RunDetails(
        run,
        tuple(metrics),
        tuple(largest_pairs(scores, limit=PAIRS_SHOWN)),
        tuple(rates),
        tuple(grids),
    )


def default_run_host(task: TaskContext) -> ModelHost:
    """A model host of the run's own, logging under the home's logs."""
    from workbench.engine import ModelHost
    from workbench.paths import logs_dir

    return ModelHost(log_path=logs_dir(task.home) / "model-host-bias.log")


def run_bias(
    task: TaskContext, spec: RunSpec, host_factory: RunHostFactory = default_run_host
) -> RunDetails:
    """Load the model in a host of its own and run ``spec``; progress goes to ``task.report``
    and a cancel stops the variant in flight (the run keeps what it scored)."""
    from workbench.inventory import get_model

    store = task.store
    probe_set = get_probe_set(store, spec.probe_set_ref)
    thresholds = with_overrides(probe_set.defaults, dict(spec.thresholds))
    families = probe_set.families()
    if spec.prompt_ref is None:
        # Counterfactual cases fill a prompt; without one the panel says they are skipped.
        families = tuple(f for f in families if f != "counterfactual")
        if not families:
            raise BiasError(
                f"{probe_set.ref} holds only counterfactual cases, which need a prompt to fill: "
                "choose one under Prompt."
            )
    selection = Selection(families=families, attributes=spec.attributes, max_probes=spec.max_probes)
    record = get_model(store, spec.model_name)
    with _loaded_host(task, record, host_factory) as host:
        frame = frame_for_run(
            store,
            host,
            probe_set,
            prompt_ref=spec.prompt_ref,
            plain=not record.has_chat_template,
            selection=selection,
            system=spec.system_prompt.strip() or None,
        )
        run = run_bias_test(
            store,
            host,
            probe_set,
            model_name=record.name,
            model_sha256=record.sha256,
            thresholds=thresholds,
            selection=selection,
            frame=frame,
            progress=task.report,
        )
    return read_run(task, run.id)


def resume_bias(
    task: TaskContext, run_id: int, host_factory: RunHostFactory = default_run_host
) -> RunDetails:
    """Score what run ``run_id`` left unscored with the model it used, then judge it again.

    Refused with a message (a :class:`BiasError`) before the model loads when the run is
    finished or its model was removed or changed; a run scored elsewhere raises
    :class:`~workbench.bias.BiasRunBusyError`.
    """
    store = task.store
    run = get_bias_run(store, run_id)
    record = resumable_model(store, run)
    with _loaded_host(task, record, host_factory) as host:
        resume_bias_run(store, host, run_id, model_sha256=record.sha256, progress=task.report)
    return read_run(task, run_id)


@contextmanager
def _loaded_host(
    task: TaskContext, record: ModelRecord, host_factory: RunHostFactory
) -> Iterator[ModelHost]:
    """A host of the run's own with ``record`` loaded; a cancel of ``task`` stops its work."""
    from workbench.engine import LoadRequest, LoadSettings
    from workbench.store.settings_repo import get_setting

    store = task.store
    host = host_factory(task)
    stop_watching = threading.Event()

    def watch_for_cancel() -> None:
        while not stop_watching.wait(CANCEL_POLL_S):
            if task.cancelled:
                host.cancel()
                return

    watcher = threading.Thread(target=watch_for_cancel, name="bias-cancel", daemon=True)
    watcher.start()
    try:
        host.load(
            LoadRequest(
                model_path=record.path,
                model_sha256=record.sha256,
                settings=LoadSettings(
                    context_size=2048,
                    threads=get_setting(store, "engine.default_threads"),
                    gpu_layers=int(get_setting(store, "engine.default_gpu_layers", 0)),
                ),
                model_name=record.name,
            )
        )
        yield host
    finally:
        stop_watching.set()
        watcher.join()
        host.close()


def describe_thresholds(values: Mapping[str, Any]) -> str:
    """``name=value, ...`` for a tooltip."""
    return ", ".join(f"{k}={v}" for k, v in values.items())
