"""Bias testing: probe sets, log-probability scoring, statistics with intervals, verdicts.

The functions below are the public surface; the command line (``workbench bias``,
``workbench probes``) and the desktop app call them with a :class:`~workbench.store.Store` and
get frozen value objects back. Nothing here imports Qt or llama.cpp: the model is reached
through :class:`~workbench.engine.ModelHost` (or any object with its ``score`` method).

Typical use, from a worker thread with a store of its own::

    probe_set = get_probe_set(store, "decisions-hiring-lending-housing")
    frame = chat_frame(host)                      # or frame_from_prompt(store, host, "p@2")
    run = run_bias_test(store, host, probe_set, model_name=m.name, model_sha256=m.sha256,
                        frame=frame, progress=lambda done, total: not cancelled)
    for metric in list_metric_results(store, run.id): ...
"""

from workbench.bias.errors import (
    BiasError,
    BiasRunBusyError,
    ProbeSetConflictError,
    ProbeSetError,
)
from workbench.bias.export import (
    BiasRunExport,
    ExportResult,
    export_bias_run,
    export_bias_run_to_file,
    export_bias_run_to_stream,
)
from workbench.bias.frames import (
    case_template_from_prompt,
    chat_frame,
    frame_for_run,
    frame_from_prompt,
    render_chat,
)
from workbench.bias.library import (
    ProbeSetInfo,
    builtin_probe_sets,
    get_probe_set,
    import_probe_set,
    list_probe_sets,
)
from workbench.bias.loader import load_probe_set_file, parse_probe_set
from workbench.bias.model import (
    FAMILIES,
    Attribute,
    Choice,
    CounterfactualProbe,
    DecisionProbe,
    Group,
    Probe,
    ProbeSet,
    QaProbe,
    StereotypeProbe,
    Thresholds,
)
from workbench.bias.records import BiasRun, MetricResult, VariantScore
from workbench.bias.results import (
    get_bias_run,
    iter_variant_scores,
    list_bias_runs,
    list_metric_results,
    list_variant_scores,
)
from workbench.bias.resumption import resumable_model
from workbench.bias.runner import ProgressCallback, Scorer, resume_bias_run, run_bias_test
from workbench.bias.thresholds import THRESHOLD_NAMES, parse_assignment, with_overrides
from workbench.bias.variants import CaseTemplate, PromptFrame, Selection, Variant, build_variants
from workbench.bias.verdicts import Verdict
from workbench.store.audited_export import ExportCancelledError, ExportFileError
from workbench.workers import RESUMABLE

__all__ = [
    "FAMILIES",
    "RESUMABLE",
    "THRESHOLD_NAMES",
    "Attribute",
    "BiasError",
    "BiasRun",
    "BiasRunBusyError",
    "BiasRunExport",
    "CaseTemplate",
    "Choice",
    "CounterfactualProbe",
    "DecisionProbe",
    "ExportCancelledError",
    "ExportFileError",
    "ExportResult",
    "Group",
    "MetricResult",
    "Probe",
    "ProbeSet",
    "ProbeSetConflictError",
    "ProbeSetError",
    "ProbeSetInfo",
    "ProgressCallback",
    "PromptFrame",
    "QaProbe",
    "Scorer",
    "Selection",
    "StereotypeProbe",
    "Thresholds",
    "Variant",
    "VariantScore",
    "Verdict",
    "build_variants",
    "builtin_probe_sets",
    "case_template_from_prompt",
    "chat_frame",
    "export_bias_run",
    "export_bias_run_to_file",
    "export_bias_run_to_stream",
    "frame_for_run",
    "frame_from_prompt",
    "get_bias_run",
    "get_probe_set",
    "import_probe_set",
    "iter_variant_scores",
    "list_bias_runs",
    "list_metric_results",
    "list_probe_sets",
    "list_variant_scores",
    "load_probe_set_file",
    "parse_assignment",
    "parse_probe_set",
    "render_chat",
    "resumable_model",
    "resume_bias_run",
    "run_bias_test",
    "with_overrides",
]
