"""Evaluations: suites, assertions, the matrix runner, statistics, compare, replay, export.

The functions below are the whole public surface; the command line (``workbench eval``) and the
desktop app call them with a :class:`~workbench.store.Store` and get frozen value objects back.
Nothing here imports Qt or llama.cpp (the runner talks to models through
:class:`workbench.engine.ModelHost`, a separate process).

A GUI runs :func:`run_matrix` / :func:`resume_run` in a worker thread with a store of its own
and either forwards the ``progress`` events or polls :func:`list_cells` with ``after_id``;
:class:`RunControl` cancels from the GUI thread.
"""

from workbench.evals.assertions import (
    AssertionResult,
    GradingContext,
    GradingResult,
    JudgeVerdict,
    assertion_types,
    build_assertion,
    grade_output,
)
from workbench.evals.compare import CellChange, RunComparison, compare_runs
from workbench.evals.errors import (
    EvalError,
    MissingCaseVariablesError,
    RunBusyError,
    SuiteFileError,
    UnresolvedReferencesError,
    UnsupportedImportError,
)
from workbench.evals.events import (
    CellFinished,
    CellStarted,
    ModelLoading,
    ProgressCallback,
    RunEvent,
    RunFinished,
    RunStarted,
)
from workbench.evals.examples import import_example_suites
from workbench.evals.export import (
    EXPORT_FORMATS,
    RunExport,
    export_run,
    export_run_to_file,
    export_run_to_stream,
)
from workbench.evals.library import (
    StoredSuite,
    SuiteSummary,
    get_suite,
    import_suite_file,
    list_suites,
    save_suite,
)
from workbench.evals.plan import PlannedCell, plan_cells
from workbench.evals.promptfoo import (
    PromptfooImport,
    PromptfooProvider,
    import_promptfoo_config,
    is_promptfoo_config,
    promptfoo_providers,
    read_promptfoo_config,
)
from workbench.evals.readiness import MissingVariables, SuiteWarnings, suite_warnings
from workbench.evals.records import CellResult, EvalRun, get_cell, get_run, list_cells, list_runs
from workbench.evals.references import check_references, unresolved_references
from workbench.evals.replay import ReplayResult, replay_cell
from workbench.evals.runner import (
    RunControl,
    RunOptions,
    check_run,
    resume_run,
    run_matrix,
    unused_judge,
)
from workbench.evals.snapshot import RunSnapshot
from workbench.evals.stats import mcnemar_exact, wilson_interval
from workbench.evals.suite import Assertion, EvalCase, EvalSuite, ModelSpec, PromptSpec
from workbench.evals.suite_yaml import dump_suite_yaml, load_suite_file, load_suite_text
from workbench.evals.summary import (
    ColumnStats,
    FlakyCell,
    PairedComparison,
    RunSummary,
    snapshot_columns,
    summarize_cells,
    summarize_run,
    summarize_snapshot,
)
from workbench.evals.version_evidence import RunEvidence, SideStats, version_evidence
from workbench.store.audited_export import ExportCancelledError, ExportFileError
from workbench.workers import RESUMABLE

__all__ = [
    "EXPORT_FORMATS",
    "RESUMABLE",
    "Assertion",
    "AssertionResult",
    "CellChange",
    "CellFinished",
    "CellResult",
    "CellStarted",
    "ColumnStats",
    "EvalCase",
    "EvalError",
    "EvalRun",
    "EvalSuite",
    "ExportCancelledError",
    "ExportFileError",
    "FlakyCell",
    "GradingContext",
    "GradingResult",
    "JudgeVerdict",
    "MissingCaseVariablesError",
    "MissingVariables",
    "ModelLoading",
    "ModelSpec",
    "PairedComparison",
    "PlannedCell",
    "ProgressCallback",
    "PromptSpec",
    "PromptfooImport",
    "PromptfooProvider",
    "ReplayResult",
    "RunBusyError",
    "RunComparison",
    "RunControl",
    "RunEvent",
    "RunEvidence",
    "RunExport",
    "RunFinished",
    "RunOptions",
    "RunSnapshot",
    "RunStarted",
    "RunSummary",
    "SideStats",
    "StoredSuite",
    "SuiteFileError",
    "SuiteSummary",
    "SuiteWarnings",
    "UnresolvedReferencesError",
    "UnsupportedImportError",
    "assertion_types",
    "build_assertion",
    "check_references",
    "check_run",
    "compare_runs",
    "dump_suite_yaml",
    "export_run",
    "export_run_to_file",
    "export_run_to_stream",
    "get_cell",
    "get_run",
    "get_suite",
    "grade_output",
    "import_example_suites",
    "import_promptfoo_config",
    "import_suite_file",
    "is_promptfoo_config",
    "list_cells",
    "list_runs",
    "list_suites",
    "load_suite_file",
    "load_suite_text",
    "mcnemar_exact",
    "plan_cells",
    "promptfoo_providers",
    "read_promptfoo_config",
    "replay_cell",
    "resume_run",
    "run_matrix",
    "save_suite",
    "snapshot_columns",
    "suite_warnings",
    "summarize_cells",
    "summarize_run",
    "summarize_snapshot",
    "unresolved_references",
    "unused_judge",
    "version_evidence",
    "wilson_interval",
]
