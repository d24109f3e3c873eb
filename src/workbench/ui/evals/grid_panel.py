"""The Grid tab of the Evaluations page: the matrix (cases x prompt version x model) with its
filters: failures only, a tag, and the regressions against a baseline run.

A view only: the page lays it out for a run, feeds it cells, and answers a chosen baseline
with the regressed cases (computed in the background).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import CellResult, EvalRun, RunSnapshot
from workbench.evals.summary import snapshot_columns
from workbench.ui.evals.matrix_model import (
    MatrixData,
    MatrixFilter,
    MatrixModel,
    rows_from_cases,
)

ALL_TAGS = "All tags"
NO_BASELINE = "No baseline"


class GridPanel(QWidget):
    """The matrix grid and the row above it that filters it."""

    #: The current cell changed: (CellResult, neighbour CellResult or None), or (None, None).
    cell_selected = Signal(object, object)
    #: A baseline run was chosen (its id), or None for no baseline.
    baseline_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = MatrixModel(self)
        self.filter = MatrixFilter(self)
        self.filter.setSourceModel(self.matrix)
        self.grid = QTableView()
        self.grid.setObjectName("evalGrid")
        self.grid.setModel(self.filter)
        self.grid.setWordWrap(False)
        self.grid.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.grid.horizontalHeader().setDefaultSectionSize(220)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.verticalHeader().setDefaultSectionSize(24)
        self.grid.verticalHeader().setMaximumWidth(220)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current_changed)
        self.failures_only = QCheckBox("Failures only")
        self.failures_only.setToolTip("Show only the cases with a failing cell")
        self.failures_only.toggled.connect(self._on_failures_only_toggled)
        self.tag_box = QComboBox()
        self.tag_box.setObjectName("evalTagFilter")
        self.tag_box.setToolTip("Show only the cases with this tag")
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.currentIndexChanged.connect(self._on_tag_box_current_index_changed)
        self.baseline_box = QComboBox()
        self.baseline_box.setObjectName("evalBaseline")
        self.baseline_box.setToolTip("Show only cases that passed in this earlier run and fail now")
        self.baseline_box.addItem(NO_BASELINE, None)
        self.baseline_box.currentIndexChanged.connect(self._on_baseline_box_current_index_changed)
        filters = QHBoxLayout()
        filters.addWidget(self.failures_only)
        filters.addWidget(QLabel("Tag:"))
        filters.addWidget(self.tag_box)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Regressions vs:"))
        filters.addWidget(self.baseline_box)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.grid)

    def lay_out(self, snapshot: RunSnapshot, data: MatrixData | None = None) -> None:
        """Show the rows and columns of a run's snapshot, empty or with ``data`` (cells placed
        on a worker thread by :func:`build_matrix`); reset the filters."""
        cases = snapshot.cases
        if data is None:
            self.matrix.set_layout(rows_from_cases(cases), snapshot_columns(snapshot))
        else:
            self.matrix.set_matrix(data)
        tags = sorted({tag for case in cases for tag in case.tags})
        self.tag_box.blockSignals(True)
        self.tag_box.clear()
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.addItems(tags)
        self.tag_box.blockSignals(False)
        self.filter.set_tag("")
        self.baseline_box.setCurrentIndex(0)
        self.filter.set_regressed(None)

    def set_baselines(self, runs: Sequence[EvalRun]) -> None:
        """Offer ``runs`` as baselines, keeping the chosen one when it is still listed."""
        baseline = self.baseline()
        self.baseline_box.blockSignals(True)
        self.baseline_box.clear()
        self.baseline_box.addItem(NO_BASELINE, None)
        for run in runs:
            self.baseline_box.addItem(f"#{run.id} {run.suite_ref}", run.id)
        found = self.baseline_box.findData(baseline) if baseline is not None else 0
        self.baseline_box.setCurrentIndex(max(0, found))
        self.baseline_box.blockSignals(False)

    def baseline(self) -> int | None:
        """The chosen baseline run's id."""
        value = self.baseline_box.currentData()
        return None if value is None else int(value)

    def add_cells(self, cells: Sequence[CellResult]) -> None:
        """Put finished cells in the grid."""
        self.matrix.add_cells(cells)

    # -- slots ------------------------------------------------------------------------------
    @Slot(bool)
    def _on_failures_only_toggled(self, on: bool) -> None:
        self.filter.set_failures_only(on)

    @Slot(int)
    def _on_tag_box_current_index_changed(self, index: int) -> None:
        self.filter.set_tag("" if index <= 0 else self.tag_box.itemText(index))

    @Slot(int)
    def _on_baseline_box_current_index_changed(self, index: int) -> None:
        baseline = self.baseline_box.itemData(index) if index > 0 else None
        if baseline is None:
            self.filter.set_regressed(None)
        self.baseline_chosen.emit(baseline)

    @Slot(QModelIndex, QModelIndex)
    def _on_grid_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        source = self.filter.mapToSource(current)
        cells = self.matrix.cells_at(source) if source.isValid() else []
        if not cells:
            self.cell_selected.emit(None, None)
            return
        neighbours = self.matrix.neighbour(source)
        self.cell_selected.emit(cells[0], neighbours[0] if neighbours else None)
