"""What stored evaluation runs say about two prompt versions: is B really better than A?

A run's snapshot records the content hash of every prompt column it ran, so a diff of two
versions (which carries both content hashes) can find the runs that had both as columns. For
each such run and model, the two columns are compared on the cases both evaluated (errored
cells are no result), the way a run's summary compares them: pass rates with Wilson 95%
intervals and McNemar's exact test, read as "B is better / B is worse / no detectable
difference".

Only runs that stopped (finished or cancelled) and stored cells count; a running run's numbers
are still moving. When a run has several columns with the same content (``support-reply@2``
and ``support-reply@production``), the first of each side stands for it, so one run and model
give at most one comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.evals.records import CellResult, EvalRun, get_run, list_cells, list_runs
from workbench.evals.snapshot import RunSnapshot
from workbench.evals.summary import ColumnStats, summarize_cells
from workbench.store import Store

#: Runs whose cells are final.
STOPPED = ("finished", "cancelled")


@dataclass(frozen=True)
class SideStats:
    """One version's column in a run, on the cases both columns have."""

    prompt_id: str
    n: int
    passed: int
    pass_rate: float | None
    ci_low: float
    ci_high: float

    @classmethod
    def from_column(cls, stats: ColumnStats) -> SideStats:
        """The pass figures of a column's statistics."""
        return cls(
            stats.prompt_id, stats.n, stats.passed, stats.pass_rate, stats.ci_low, stats.ci_high
        )

    @property
    def percent(self) -> str:
        """``42%`` (``n/a`` without cells)."""
        return "n/a" if self.pass_rate is None else f"{self.pass_rate:.0%}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunEvidence:
    """Version B (``new``) against version A (``old``) in one run, on one model."""

    run_id: int
    suite_ref: str
    status: str
    started_at: str
    model_id: str
    model_name: str
    n_pairs: int
    old: SideStats
    new: SideStats
    only_old: int
    only_new: int
    p_value: float
    verdict: str  # "better", "worse" or "no detectable difference" (B against A)
    sentence: str

    @property
    def line(self) -> str:
        """``run #3 smoke@1 · demo: 12 cases, 42% -> 83%, B is better (p 0.031)``."""
        cases = "case" if self.n_pairs == 1 else "cases"
        return (
            f"run #{self.run_id} {self.suite_ref} · {self.model_name}: {self.n_pairs} {cases}, "
            f"{self.old.percent} -> {self.new.percent}, {self.sentence} (p {self.p_value:.3f})"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = dict(self.__dict__)
        data["old"], data["new"] = self.old.to_dict(), self.new.to_dict()
        return data


def version_evidence(
    store: Store, old_hash: str, new_hash: str, *, limit: int = 50
) -> tuple[RunEvidence, ...]:
    """Evidence from the newest ``limit`` runs that had both versions as columns, newest first.

    ``old_hash`` and ``new_hash`` are content hashes (``PromptDiff.old_hash``/``new_hash``).
    Identical hashes give nothing: a version is not compared with itself.
    """
    if old_hash == new_hash:
        return ()
    evidence: list[RunEvidence] = []
    for listed in list_runs(store, limit=limit):
        if listed.status not in STOPPED or listed.n_done == 0:
            continue
        run = get_run(store, listed.id)
        if run.snapshot is None:
            continue
        old_id = _prompt_column(run.snapshot, old_hash)
        new_id = _prompt_column(run.snapshot, new_hash)
        if old_id is None or new_id is None:
            continue
        cells = list_cells(store, run.id, light=True)
        for model in run.snapshot.models:
            found = _compare(run, cells, (old_id, model.id), (new_id, model.id), model.name)
            if found is not None:
                evidence.append(found)
    return tuple(evidence)


def _prompt_column(snapshot: RunSnapshot, wanted: str) -> str | None:
    return next((p.id for p in snapshot.prompts if p.content_hash == wanted), None)


def _compare(
    run: EvalRun,
    cells: Sequence[CellResult],
    old: tuple[str, str],
    new: tuple[str, str],
    model_name: str,
) -> RunEvidence | None:
    """The comparison of two columns on the cases both evaluated (an errored cell is not a
    result); None when they share none."""
    evaluated = [cell for cell in cells if cell.evaluated]
    old_cases = {cell.case_id for cell in evaluated if cell.column == old}
    shared = {cell.case_id for cell in evaluated if cell.column == new} & old_cases
    if not shared:
        return None
    pair = [cell for cell in evaluated if cell.column in (old, new) and cell.case_id in shared]
    summary = summarize_cells(pair, [old, new])
    (old_stats, new_stats), comparison = summary.columns, summary.comparisons[0]
    return RunEvidence(
        run_id=run.id,
        suite_ref=run.suite_ref,
        status=run.status,
        started_at=run.started_at,
        model_id=old[1],
        model_name=model_name,
        n_pairs=comparison.n_pairs,
        old=SideStats.from_column(old_stats),
        new=SideStats.from_column(new_stats),
        only_old=comparison.only_a,
        only_new=comparison.only_b,
        p_value=comparison.p_value,
        verdict=comparison.verdict,
        sentence=comparison.sentence,
    )
