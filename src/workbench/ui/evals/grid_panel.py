"""The Grid tab of the Evaluations page: the matrix (cases x prompt version x model) with its
filters: failures only, a tag, and the regressions against a baseline run.

A view only: the page lays it out for a run, feeds it cells, says whether the run executes
(:meth:`GridPanel.set_running`: until then the empty cells are queued, after it they were
never run), and answers a chosen baseline with the regressed cases (computed in the
background). The columns share the width there is (down to a minimum, then the grid
scrolls); the case names get the width they need up to a cap, elided beyond it (the tooltip
has the full name). An empty grid says why in its middle: no run yet, or a filter that keeps
nothing.

The baselines offered are the other runs, the shown run's suite first; the box shows a long
``#N suite@V`` elided in its middle (the run's number and version stay), whole in the list and
in each item's tooltip.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionHeader,
    QStylePainter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import Assertion, CellResult, EvalCase, EvalRun, RunSnapshot
from workbench.evals.summary import snapshot_columns
from workbench.ui.evals.cell_detail import CellSelection
from workbench.ui.evals.matrix_model import (
    NOT_RUN_TIP,
    QUEUED_TIP,
    MatrixData,
    MatrixFilter,
    MatrixModel,
    rows_from_cases,
)

ALL_TAGS = "All tags"
NO_BASELINE = "No baseline"
NO_RUN_HINT = "Pick a run, or press Run suite… (Ctrl+R)"
NO_FAILURES_HINT = "No failing or errored cells"
#: The narrowest a column gets before the grid scrolls sideways instead.
MIN_COLUMN_WIDTH = 120
#: The row header (case names) takes at most this share of the grid's width, and this much.
ROW_HEADER_SHARE = 0.3
ROW_HEADER_MAX = 320
ROW_HEADER_MIN = 60
#: Longest labels measured for the row header (a run can have 100,000 cases).
MEASURED_LABELS = 50
#: The baseline box grows with its longest run name up to this width; it elides beyond it.
BASELINE_MAX_WIDTH = 360
BASELINE_MIN_CHARS = 12


class LineElidingHeader(QHeaderView):
    """A header whose sections elide each line of their text on its own (``prompt`` over
    ``model``), where Qt would elide the two lines as one."""

    def paintSection(self, painter: QPainter, rect: QRect, logicalIndex: int) -> None:
        """Qt's section, its text's lines elided to the section's width."""
        if not rect.isValid():
            return
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        self.initStyleOptionForIndex(option, logicalIndex)
        option.rect = rect
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, option, self)
        width = max(0, rect.width() - 2 * margin - 2)
        font = QFont(painter.font())
        if option.state & QStyle.StateFlag.State_On:  # the style draws the current one bold
            font.setBold(True)
        metrics = QFontMetrics(font)
        option.text = "\n".join(
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
            for line in option.text.split("\n")
        )
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)


class ElidingComboBox(QComboBox):
    """A combo box that elides its current text in the middle when it is narrower than the
    text (``#12 three-versions-of-…-prompt@1``) and lists its items whole."""

    def paintEvent(self, event: QPaintEvent) -> None:
        """Qt's combo box, its current text elided in the middle to the room there is."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        room = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideMiddle, max(0, room.width() - 4)
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def showPopup(self) -> None:
        """Open the list wide enough for its longest item."""
        view = self.view()
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        widest = view.sizeHintForColumn(0) + view.frameWidth() * 2 + 24
        view.setMinimumWidth(max(self.width(), widest))
        super().showPopup()


def no_regressions_hint(baseline: int, errored: int = 0) -> str:
    """The grid's hint when nothing regressed against run ``baseline`` (``errored``: matched
    cells that errored in either run, never evaluated, so neither regressed nor not)."""
    if errored:
        cells = "1 cell" if errored == 1 else f"{errored} cells"
        return f"No regressions against run #{baseline}; {cells} errored (not evaluated)"
    return f"No regressions against run #{baseline}"


def nothing_in_common_hint(baseline: int) -> str:
    """The grid's hint when run ``baseline`` shares no cell with the shown run."""
    return f"Run #{baseline} has nothing in common with this run"


class GridPanel(QWidget):
    """The matrix grid and the row above it that filters it."""

    #: The current cell changed: a CellSelection (its samples, the neighbouring column's,
    #: the case's name), or None.
    cell_selected = Signal(object)
    #: A baseline run was chosen (its id), or None for no baseline.
    baseline_chosen = Signal(object)
    #: A run's snapshot was laid out (:meth:`lay_out`): the RunSnapshot.
    laid_out = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repeats = 1
        self._row_header_natural = ROW_HEADER_MIN
        self._cases: tuple[EvalCase, ...] = ()
        self._runs: list[EvalRun] = []
        self._shown_run: int | None = None
        self._shown_suite: str | None = None
        self._unrelated: int | None = None  # a baseline with no cell in common
        self._errored = 0  # matched cells that errored against the baseline (not evaluated)
        self.matrix = MatrixModel(self)
        self.matrix.set_executing(False)
        self.filter = MatrixFilter(self)
        self.filter.setSourceModel(self.matrix)
        self.grid = QTableView()
        self.grid.setObjectName("evalGrid")
        self.grid.setModel(self.filter)
        self.grid.setWordWrap(False)
        self.grid.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        columns = LineElidingHeader(Qt.Orientation.Horizontal, self.grid)
        self.grid.setHorizontalHeader(columns)
        columns.setSectionsClickable(True)
        columns.setHighlightSections(True)
        columns.setMinimumSectionSize(MIN_COLUMN_WIDTH)
        columns.setDefaultSectionSize(MIN_COLUMN_WIDTH)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        columns.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.grid.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(24)
        rows.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current_changed)
        self.hint = QLabel(self.grid.viewport())
        self.hint.setObjectName("evalGridHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._viewport = self.grid.viewport()  # compared by identity: no call into a dying grid
        self._viewport.installEventFilter(self)
        for signal in (
            self.filter.modelReset,
            self.filter.layoutChanged,
            self.filter.rowsInserted,
            self.filter.rowsRemoved,
        ):
            signal.connect(self._update_hint)
        self.matrix.modelReset.connect(self._on_matrix_model_reset)
        self.failures_only = QCheckBox("Failures only")
        self.failures_only.setToolTip(
            "Show only the cases with a failing or errored (not evaluated) cell"
        )
        self.failures_only.toggled.connect(self._on_failures_only_toggled)
        self.tag_box = QComboBox()
        self.tag_box.setObjectName("evalTagFilter")
        self.tag_box.setToolTip("Show only the cases with this tag")
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.currentIndexChanged.connect(self._on_tag_box_current_index_changed)
        self.baseline_box = ElidingComboBox()
        self.baseline_box.setObjectName("evalBaseline")
        self.baseline_box.setToolTip("Show only cases that passed in this other run and fail now")
        self.baseline_box.addItem(NO_BASELINE, None)
        # As wide as its longest "#12 support-reply-smoke@3" up to a maximum (it was cut to
        # "#1 support-", then to "#4 three-versions-of-the-support-reply-prompt@"): past it,
        # and where the row is narrower, the current text is elided in its middle.
        self.baseline_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.baseline_box.setMinimumContentsLength(BASELINE_MIN_CHARS)
        self.baseline_box.setMaximumWidth(BASELINE_MAX_WIDTH)
        self.baseline_box.setMinimumWidth(
            self.baseline_box.fontMetrics().horizontalAdvance("#" + "x" * BASELINE_MIN_CHARS) + 40
        )
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
        self._update_hint()

    def lay_out(self, snapshot: RunSnapshot, data: MatrixData | None = None) -> None:
        """Show the rows and columns of a run's snapshot, empty or with ``data`` (cells placed
        on a worker thread by :func:`build_matrix`); reset the filters (the baseline without
        a word: no comparison was asked for the new run)."""
        cases = snapshot.cases
        self._cases = cases
        self._repeats = snapshot.repeat
        self._shown_suite = snapshot.suite_name
        self.matrix.set_repeats(snapshot.repeat)
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
        self.baseline_box.blockSignals(True)
        self.baseline_box.setCurrentIndex(0)
        self.baseline_box.blockSignals(False)
        self.show_regressed(None)
        self._fill_baselines()
        self.laid_out.emit(snapshot)

    @Slot(bool)
    def set_running(self, running: bool) -> None:
        """Say whether the shown run executes: its empty cells are queued ("…") while it does,
        never run ("not run") once it has stopped."""
        self.matrix.set_executing(running)

    def set_baselines(self, runs: Sequence[EvalRun]) -> None:
        """Offer ``runs`` (but the shown one) as baselines, keeping the chosen one when it is
        still listed."""
        self._runs = list(runs)
        self._fill_baselines()

    def set_shown_run(self, run_id: int | None) -> None:
        """Say which run the grid shows: it is no baseline of its own."""
        self._shown_run = run_id
        self._fill_baselines()

    def _fill_baselines(self) -> None:
        shown, suite = self._shown_run, self._shown_suite
        others = [run for run in self._runs if run.id != shown]
        same = [run for run in others if suite is None or run.suite_name == suite]
        elsewhere = [run for run in others if suite is not None and run.suite_name != suite]
        baseline = self.baseline()
        box = self.baseline_box
        box.blockSignals(True)
        box.clear()
        box.addItem(NO_BASELINE, None)
        for run in same:
            self._add_baseline(run, "")
        if same and elsewhere:
            box.insertSeparator(box.count())
        for run in elsewhere:
            self._add_baseline(
                run, " Another suite: only the cases and columns it shares are compared."
            )
        found = box.findData(baseline) if baseline is not None else 0
        box.setCurrentIndex(max(0, found))
        box.blockSignals(False)
        if baseline is not None and found < 0:  # gone (or now the shown run): no baseline
            self.show_regressed(None)
            self.baseline_chosen.emit(None)

    def _add_baseline(self, run: EvalRun, note: str) -> None:
        box = self.baseline_box
        box.addItem(f"#{run.id} {run.suite_ref}", run.id)
        when = run.started_at[:16].replace("T", " ")
        described = f"Run #{run.id} of {run.suite_ref}, {run.status}, started {when}.{note}"
        box.setItemData(box.count() - 1, described, Qt.ItemDataRole.ToolTipRole)

    def baseline(self) -> int | None:
        """The chosen baseline run's id."""
        value = self.baseline_box.currentData()
        return None if value is None else int(value)

    def add_cells(self, cells: Sequence[CellResult]) -> None:
        """Put finished cells in the grid; a sample of the current cell (or of its neighbour)
        among them selects the cell again, so the detail offers it."""
        self.matrix.add_cells(cells)
        current = self.filter.mapToSource(self.grid.currentIndex())
        if not current.isValid():
            return
        case_id = self.matrix.row_id(current.row())
        columns = self.matrix.columns
        near = {columns[current.column()]}
        neighbour = self.matrix.neighbour_column(current)
        if neighbour is not None:
            near.add(columns[neighbour])
        if any(cell.case_id == case_id and cell.column in near for cell in cells):
            self._select(current)

    def show_regressed(self, case_ids: frozenset[str] | None, *, errored: int = 0) -> None:
        """Keep only these cases (those regressed against the chosen baseline); None: all.
        ``errored``: the matched cells that errored in either run, said when none is kept."""
        self._unrelated = None
        self._errored = errored if case_ids is not None else 0
        self.filter.set_regressed(case_ids)
        self._update_hint()

    def show_nothing_in_common(self, baseline: int) -> None:
        """Say that the baseline run shares no cell with the shown run (no case is kept: none
        can have regressed against it)."""
        self.filter.set_regressed(frozenset())
        self._unrelated = baseline
        self._update_hint()

    def hint_text(self) -> str:
        """What the grid's middle says ("" when it shows cells)."""
        return self.hint.text() if not self.hint.isHidden() else ""

    # -- layout -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the hint centred in the grid and the row header's width in step with it."""
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self._place_hint()
            self._fit_row_header()
        return super().eventFilter(watched, event)

    def _measure_row_header(self) -> None:
        longest = heapq.nlargest(MEASURED_LABELS, self.matrix.row_labels(), key=len)
        header = self.grid.verticalHeader()
        metrics = header.fontMetrics()
        widest = max((metrics.horizontalAdvance(label) for label in longest), default=0)
        # Room for the section's margins and frame on either side of the text.
        margin = 2 * header.style().pixelMetric(header.style().PixelMetric.PM_HeaderMargin) + 8
        self._row_header_natural = max(ROW_HEADER_MIN, widest + margin)

    def _fit_row_header(self) -> None:
        cap = min(ROW_HEADER_MAX, int(self.grid.width() * ROW_HEADER_SHARE))
        width = max(ROW_HEADER_MIN, min(cap, self._row_header_natural))
        self.grid.verticalHeader().setFixedWidth(width if self.matrix.rowCount() else 0)

    def _place_hint(self) -> None:
        viewport = self.grid.viewport()
        self.hint.setGeometry(viewport.rect().adjusted(24, 24, -24, -24))

    @Slot()
    def _update_hint(self) -> None:
        text = ""
        if self.matrix.rowCount() == 0 or self.matrix.columnCount() == 0:
            text = NO_RUN_HINT
        elif self.filter.rowCount() == 0:
            baseline = self.baseline()
            if self.filter.regressed is not None and baseline is not None:
                if self._unrelated == baseline:
                    text = nothing_in_common_hint(baseline)
                else:
                    text = no_regressions_hint(baseline, self._errored)
            elif self.failures_only.isChecked():
                text = NO_FAILURES_HINT
            else:
                text = "No case matches the filters"
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        self._place_hint()

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_matrix_model_reset(self) -> None:
        self._measure_row_header()
        self._fit_row_header()
        self._update_hint()

    @Slot(bool)
    def _on_failures_only_toggled(self, on: bool) -> None:
        self.filter.set_failures_only(on)
        self._update_hint()

    @Slot(int)
    def _on_tag_box_current_index_changed(self, index: int) -> None:
        self.filter.set_tag("" if index <= 0 else self.tag_box.itemText(index))
        self._update_hint()

    @Slot(int)
    def _on_baseline_box_current_index_changed(self, index: int) -> None:
        baseline = self.baseline_box.itemData(index) if index > 0 else None
        if baseline is None:
            self.show_regressed(None)
        self.baseline_chosen.emit(baseline)

    @Slot(QModelIndex, QModelIndex)
    def _on_grid_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        source = self.filter.mapToSource(current)
        if not source.isValid():
            self.cell_selected.emit(None)
            return
        self._select(source)

    def _select(self, source: QModelIndex) -> None:
        """Say what the cell at ``source`` (an index of the matrix) holds."""
        cells = self.matrix.cells_at(source)
        label = self.matrix.row_label(source.row())
        assertions = self._assertions(source.row())
        if not cells:
            pending = QUEUED_TIP if self.matrix.executing else NOT_RUN_TIP
            self.cell_selected.emit(
                CellSelection((), (), label, self._repeats, assertions, pending)
            )
            return
        selection = CellSelection(
            tuple(cells), tuple(self.matrix.neighbour(source)), label, self._repeats, assertions
        )
        self.cell_selected.emit(selection)

    def _assertions(self, row: int) -> tuple[Assertion, ...] | None:
        """The assertions of the case in ``row`` (None: its case is not known)."""
        case_id = self.matrix.row_id(row)
        cases = self._cases
        if row < len(cases) and cases[row].id == case_id:  # the rows follow the cases
            return cases[row].assertions
        for case in cases:
            if case.id == case_id:
                return case.assertions
        return None
