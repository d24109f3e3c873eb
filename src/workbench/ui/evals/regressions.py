"""The Evaluations page's "Regressions vs" filter: when a baseline run is chosen in the
:class:`~workbench.ui.evals.grid_panel.GridPanel`, the shown run is compared with it in the
background and the grid keeps only the cases that passed in the baseline and fail now (saying
so in its middle when there are none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from workbench.ui.evals.grid_panel import GridPanel
from workbench.ui.evals.tasks import Regressions, find_regressions

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from workbench.ui.context import AppContext


class RegressionsController(QObject):
    """Answers a chosen baseline with the regressed cases of the run ``shown_run()`` gives."""

    regressions_found = Signal(object)  # Regressions
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

    def _on_grid_panel_baseline_chosen(self, baseline: int | None) -> None:
        shown = self._shown_run()
        if baseline is None or shown is None:
            self.grid_panel.show_regressed(None)
            return
        self.context.run(
            lambda task: find_regressions(task, baseline, shown),
            parent=self.page,
            success=self._on_regressions_found,
        ).run_in_background()

    def _on_regressions_found(self, found: Regressions) -> None:
        if found.run_b != self._shown_run() or self.grid_panel.baseline() != found.run_a:
            return  # the user moved on
        self.grid_panel.show_regressed(found.case_ids)
        self.status_changed.emit(
            f"Against run #{found.run_a}: {found.n_regressed} cells regressed, "
            f"{found.n_fixed} fixed."
        )
        self.regressions_found.emit(found)
