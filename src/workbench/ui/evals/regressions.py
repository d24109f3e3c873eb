"""The Evaluations page's "Regressions vs" filter: when a baseline run is chosen in the
:class:`~workbench.ui.evals.grid_panel.GridPanel`, the shown run is compared with it in the
background and the grid keeps only the cases that passed in the baseline and fail now, or
error now (saying so in its middle when there are none).

A matched cell that errored in either run was never evaluated there: it is neither regressed
nor fixed, and the verdict counts it apart ("…, 3 errored (not evaluated)"), so a run whose
every cell errored never reads as "0 cells regressed". A case that passed in the baseline and
errors now is kept by the filter all the same: it no longer passes.

Two runs with no cell in common (another suite, other columns) have nothing to compare: that
is said ("Run #3 has nothing in common with this run"), in the status line and in the grid's
middle, instead of a verdict of 0 regressed, 0 fixed. The shown run is never offered as its
own baseline: the controller tells the grid panel which run it shows whenever one is laid
out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from workbench.evals import compare_runs, list_cells
from workbench.ui.evals.grid_panel import GridPanel, nothing_in_common_hint
from workbench.wording import plural

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from workbench.ui.context import AppContext
    from workbench.ui.operations import TaskContext


@dataclass(frozen=True)
class Regressions:
    """The cases of run B whose verdict went from pass to fail (or to an error) since run A,
    and how many cells regressed and were fixed."""

    run_a: int
    run_b: int
    case_ids: frozenset[str]
    n_regressed: int
    n_fixed: int


@dataclass(frozen=True)
class BaselineRegressions(Regressions):
    """:class:`Regressions` with the number of cells the two runs have in common, and of
    those that errored in either run (not evaluated: neither regressed nor fixed)."""

    matched: int
    n_errored: int = 0

    @property
    def nothing_in_common(self) -> bool:
        """Whether no cell of the shown run matches one of the baseline."""
        return self.matched == 0


def find_baseline_regressions(task: TaskContext, run_a: int, run_b: int) -> BaselineRegressions:
    """Compare run B against the baseline run A (on a worker)."""
    comparison = compare_runs(task.store, run_a, run_b)
    cases = {change.case_id for change in comparison.regressed}
    broken = [c for c in comparison.errored if c.status_a != "error" and c.status_b == "error"]
    if broken:  # a case that passed in the baseline and errors now no longer passes
        passed_a = {
            cell.number for cell in list_cells(task.store, run_a, light=True) if cell.verdict
        }
        cases.update(change.case_id for change in broken if change.number_a in passed_a)
    return BaselineRegressions(
        run_a,
        run_b,
        frozenset(cases),
        len(comparison.regressed),
        len(comparison.fixed),
        comparison.matched,
        len(comparison.errored),
    )


def nothing_in_common_text(baseline: int) -> str:
    """What the status line says when the baseline shares no cell with the shown run."""
    return f"{nothing_in_common_hint(baseline)}: it shares no case and column with it."


def verdict_text(found: BaselineRegressions) -> str:
    """What the status line says about a comparison with cells in common."""
    errored = f", {found.n_errored} errored (not evaluated)" if found.n_errored else ""
    return (
        f"Against run #{found.run_a} ({plural(found.matched, 'cell')} in common): "
        f"{plural(found.n_regressed, 'cell')} regressed, {found.n_fixed} fixed{errored}."
    )


class RegressionsController(QObject):
    """Answers a chosen baseline with the regressed cases of the run ``shown_run()`` gives."""

    regressions_found = Signal(object)  # BaselineRegressions
    status_changed = Signal(str)

    def __init__(
        self,
        context: AppContext,
        page: QWidget,
        grid_panel: GridPanel,
        shown_run: Callable[[], int | None],
    ) -> None:
        super().__init__(page)
        self.context = context
        self.page = page
        self.grid_panel = grid_panel
        self._shown_run = shown_run
        grid_panel.baseline_chosen.connect(self._on_grid_panel_baseline_chosen)
        grid_panel.laid_out.connect(self._on_grid_panel_laid_out)

    def _on_grid_panel_laid_out(self, _snapshot: object) -> None:
        self.grid_panel.set_shown_run(self._shown_run())

    def _on_grid_panel_baseline_chosen(self, baseline: int | None) -> None:
        shown = self._shown_run()
        if baseline is None or shown is None:
            self.grid_panel.show_regressed(None)
            self.status_changed.emit("")  # the verdict against the old baseline is gone
            return
        self.status_changed.emit(f"Comparing with run #{baseline}…")
        self.context.run(
            lambda task: find_baseline_regressions(task, baseline, shown),
            parent=self.page,
            success=self._on_regressions_found,
        ).run_in_background()

    def _on_regressions_found(self, found: BaselineRegressions) -> None:
        if found.run_b != self._shown_run() or self.grid_panel.baseline() != found.run_a:
            return  # the user moved on
        if found.nothing_in_common:
            self.grid_panel.show_nothing_in_common(found.run_a)
            self.status_changed.emit(nothing_in_common_text(found.run_a))
        else:
            self.grid_panel.show_regressed(found.case_ids, errored=found.n_errored)
            self.status_changed.emit(verdict_text(found))
        self.regressions_found.emit(found)
