"""Per-column statistics: a table (pass rate with its Wilson 95% interval, latency, tokens/s),
the paired comparisons between columns and the flaky cells, a bar chart of pass rates with
interval bars, and the distributions of latency and tokens/s per column (one dot per cell).
pyqtgraph is imported only when the chart is first shown (it costs about half a second).

With repeats a case is sampled several times: the statistics count samples, and the table's
Cases column says how many distinct cases they come from ("2 (4 samples)"). The charts take
the palette's colours (:mod:`workbench.ui.widgets.themed_plot`) and follow a theme change; a
distribution with no value to plot says so instead of drawing an empty axis.

A line above the table warns about what the numbers leave out: cases without assertions (they
pass whenever the model answers) and cells that errored (never evaluated). The run's cases
(:meth:`SummaryPanel.set_snapshot`) name the flaky cells by their description and say which
cases have no assertion; without them, the cases whose evaluated cells had no assertion to
grade are counted."""

from __future__ import annotations

import dataclasses
import html
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import (
    CellResult,
    ColumnStats,
    EvalCase,
    RunSnapshot,
    RunSummary,
    summarize_cells,
)
from workbench.evals.summary import cases_without_assertions
from workbench.ui.error_dialogs import report_exception
from workbench.ui.evals.column_fit import ColumnFitter
from workbench.ui.evals.comparisons_view import MAX_FLAKY_LISTED, ComparisonsView, short_labels
from workbench.ui.evals.eval_colors import detail_colors
from workbench.ui.prompts.colors import error_color
from workbench.ui.widgets.themed_plot import plot_colors, point_color, style_plot, themed_plot
from workbench.wording import result_noun

if TYPE_CHECKING:
    from workbench.ui.context import AppContext

Column = tuple[str, str]
#: The distribution charts by tab title: (object name, axis label, CellResult field).
DISTRIBUTIONS = {
    "Latency": ("evalLatencyChart", "Latency (s)", "total_seconds"),
    "Tokens/s": ("evalSpeedChart", "Tokens/s", "tokens_per_second"),
}
#: What a distribution's tab says when no cell has a value for it.
NO_VALUES = {
    "Latency": "No cell has a measured latency",
    "Tokens/s": "No cell has a measurable speed (it needs two generated tokens or more)",
}
#: A threshold label sits above its line up to this pass rate, below it higher up (the view
#: ends at 1.05).
THRESHOLD_LABEL_ABOVE_UP_TO = 0.95
#: Up to this many cells the statistics are computed at once on the GUI thread (~20 ms).
SYNC_CELLS = 2_000
HEADERS = (
    "Column",
    "Cases",
    "Passed",
    "Errors",
    "Pass rate",
    "95% interval",
    "Score",
    "Latency",
    "Tokens/s",
)
HEADER_TIPS = (
    "prompt × model",
    "Distinct cases, and the samples they gave when a case ran more than once (repeats)",
    "Samples that passed (with repeats, each sample of a case counts)",
    "Samples that errored (not evaluated): left out of the pass rate, counted here",
    "Samples that passed, of those evaluated (errored samples are left out: see Errors)",
    "Wilson 95% interval of the pass rate",
    "Mean score of the evaluated samples",
    "Median time per sample, seconds",
    "Median tokens per second",
)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


Summary = tuple[RunSummary, dict[Column, int]]


def summarize(
    cells: Sequence[CellResult],
    columns: Sequence[Column],
    threshold: float | None,
    unasserted: Sequence[str] | None = None,
    repeat: int = 1,
) -> Summary:
    """The core's summary of ``cells`` and each column's distinct cases (fine on a worker).
    ``unasserted``: the ids of the cases without assertions (None: not known, the cases whose
    evaluated cells had nothing to grade); ``repeat``: the run's samples per cell."""
    if unasserted is None:
        unasserted = ungraded_cases(cells)
    summary = summarize_cells(
        cells, columns, threshold=threshold, unasserted_cases=unasserted, repeat=repeat
    )
    return summary, case_counts(cells)


def ungraded_cases(cells: Sequence[CellResult]) -> tuple[str, ...]:
    """The cases whose evaluated cells had no assertion to grade (plain Python)."""
    graded: set[str] = set()
    ungraded: dict[str, None] = {}
    for cell in cells:
        if cell.status == "error":
            continue
        if cell.grading.get("components"):
            graded.add(cell.case_id)
        else:
            ungraded[cell.case_id] = None
    return tuple(case for case in ungraded if case not in graded)


def warnings_text(summary: RunSummary) -> str:
    """What the statistics leave out, one sentence each ("" when nothing)."""
    lines = []
    unasserted = len(summary.unasserted_cases)
    if unasserted:
        cases = "1 case has" if unasserted == 1 else f"{unasserted} cases have"
        lines.append(f"{cases} no assertions: they pass whenever the model answers.")
    errors = summary.n_errors
    if errors:
        # With repeats the count is of samples (a grid cell holds several), not of cells.
        noun = result_noun(summary.repeat)
        counted = (
            f"1 {noun} errored and was" if errors == 1 else f"{errors} {noun}s errored and were"
        )
        lines.append(f"{counted} not evaluated.")
    return "\n".join(lines)


def case_counts(cells: Sequence[CellResult]) -> dict[Column, int]:
    """The distinct cases with a sample in each column (plain Python: fine on a worker)."""
    cases: dict[Column, set[str]] = defaultdict(set)
    for cell in cells:
        cases[cell.column].add(cell.case_id)
    return {column: len(ids) for column, ids in cases.items()}


def cases_text(n_cases: int | None, n_samples: int) -> str:
    """``2``, or ``2 (4 samples)`` when the cases ran more than once."""
    if n_cases is None or n_cases == n_samples:
        return str(n_samples)
    return f"{n_cases} ({n_samples} samples)"


def stats_row(
    stats: ColumnStats, label: str | None = None, n_cases: int | None = None
) -> list[str]:
    """The table's texts for one column (named ``label``, by default ``prompt × model``;
    ``n_cases``: its distinct cases, when known)."""
    return [
        label or stats.label,
        cases_text(n_cases, stats.n),
        str(stats.passed),
        str(stats.errors),
        _percent(stats.pass_rate),
        f"{stats.ci_low:.0%} – {stats.ci_high:.0%}" if stats.evaluated else "–",
        _number(stats.mean_score),
        _number(stats.latency_s.median, " s"),
        _number(stats.tokens_per_second.median, "", 1),
    ]


class SummaryModel(QStandardItemModel):
    """One row per column of the grid."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(list(HEADERS))
        for section, tip in enumerate(HEADER_TIPS):
            self.setHeaderData(section, Qt.Orientation.Horizontal, tip, Qt.ItemDataRole.ToolTipRole)
        self.stats: tuple[ColumnStats, ...] = ()
        self.labels: dict[Column, str] = {}
        self.cases: dict[Column, int] = {}

    def set_stats(
        self, stats: Sequence[ColumnStats], cases: dict[Column, int] | None = None
    ) -> None:
        """Show these columns' statistics (``cases``: each column's distinct cases)."""
        self.stats = tuple(stats)
        self.cases = dict(cases or {})
        self.labels = short_labels([(s.prompt_id, s.model_id) for s in self.stats])
        self.setRowCount(0)
        for column in self.stats:
            key = (column.prompt_id, column.model_id)
            label = self.labels.get(key)
            n_cases = self.cases.get(key, 0) if cases is not None else None
            items = [QStandardItem(text) for text in stats_row(column, label, n_cases)]
            items[0].setToolTip(column.label)
            for item in items:
                item.setEditable(False)
            for item in items[1:]:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.appendRow(items)


class SummaryPanel(QWidget):
    """The statistics table over the chart (built on first show)."""

    def __init__(self, parent: QWidget | None = None, *, context: AppContext | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._columns: list[Column] = []
        self._threshold: float | None = None
        self._stale = False  # cells changed while hidden: recompute when shown
        self._computing = False  # one background computation at a time
        self._generation = 0  # bumped by every set_cells: which cells a result belongs to
        self._shown_generation = 0
        self._charts_stale = False  # cells changed while the charts could not be seen
        self._cases: tuple[EvalCase, ...] = ()
        self._unasserted: tuple[str, ...] | None = None  # None: the run's cases not known
        self._repeat = 1  # the shown run's samples per cell
        self.warnings = QLabel()
        self.warnings.setObjectName("evalSummaryWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.model = SummaryModel(self)
        self.table = QTableView()
        self.table.setObjectName("evalSummaryTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.fitter = ColumnFitter(self.table, shrinkable=(0,))
        self.comparisons = ComparisonsView()
        self.summary: RunSummary | None = None
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.comparisons)
        self.chart: Any = None  # a pyqtgraph PlotWidget, made by ensure_chart()
        self.latency_chart: Any = None
        self.speed_chart: Any = None
        self.charts: QTabWidget | None = None
        self._cells: list[CellResult] = []
        self.no_values: dict[str, QLabel] = {}  # a distribution's "no value" label by tab title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.warnings)
        layout.addWidget(self.splitter)

    def set_snapshot(self, snapshot: RunSnapshot) -> None:
        """Take the shown run's cases: the flaky cells are named by their description, and
        the cases without assertions are known (not guessed from the cells)."""
        self._cases = snapshot.cases
        self._unasserted = cases_without_assertions(snapshot)
        self._repeat = snapshot.repeat
        if self.summary is not None:
            self.summary = dataclasses.replace(
                self.summary, unasserted_cases=self._unasserted, repeat=self._repeat
            )
            self._show_notes()

    def set_cells(
        self, cells: Sequence[CellResult], columns: Sequence[Column], threshold: float | None
    ) -> None:
        """Show the statistics of ``cells``.

        A few thousand cells are summarised at once (milliseconds). More would stall the GUI
        thread (100,000 take most of a second), so they are summarised only while the panel
        is shown, on a worker thread when the panel has a context, one computation at a time;
        a result computed for cells that have since been replaced is never shown.
        """
        self._generation += 1
        self._cells = list(cells)
        self._columns, self._threshold = list(columns), threshold
        if len(self._cells) <= SYNC_CELLS:
            self._show_summary(
                summarize(self._cells, self._columns, threshold, self._unasserted, self._repeat)
            )
        elif not self.isVisible():
            self._stale = True
        else:
            self._compute_large()

    def _compute_large(self) -> None:
        self._stale = False
        unasserted, repeat = self._unasserted, self._repeat
        if self.context is None:
            self._show_summary(
                summarize(self._cells, self._columns, self._threshold, unasserted, repeat)
            )
            return
        if self._computing:
            return  # its result is for older cells: _on_large_summary starts the next one
        self._computing = True
        generation = self._generation
        cells, columns, threshold = self._cells, self._columns, self._threshold
        self.context.run(
            lambda _task: summarize(cells, columns, threshold, unasserted, repeat),
            parent=self,
            success=lambda summary: self._on_large_summary(summary, generation),
        ).failure(self._on_large_summary_failed).run_in_background()

    def _on_large_summary(self, summary: Summary, generation: int) -> None:
        self._computing = False
        if generation == self._generation:
            self._show_summary(summary)
        elif self._shown_generation != self._generation:  # newer large cells wait for a turn
            if self.isVisible():
                self._compute_large()
            else:
                self._stale = True

    def _on_large_summary_failed(self, error: BaseException) -> None:
        self._computing = False
        report_exception(error, self)

    def _show_summary(self, summary_and_cases: Summary) -> None:
        summary, cases = summary_and_cases
        self._shown_generation = self._generation
        self.summary = summary
        self.model.set_stats(summary.columns, cases)
        self._show_notes()
        if self.chart is not None:
            self._draw_chart()

    def _show_notes(self) -> None:
        """The warnings line, the comparisons and the flaky cells (named by description)."""
        summary = self.summary
        assert summary is not None
        text = warnings_text(summary)
        colour = detail_colors(self.palette()).error
        self.warnings.setText(
            "<br>".join(
                f"<span style='color:{colour}'>⚠ {html.escape(line)}</span>"
                for line in text.splitlines()
            )
        )
        self.warnings.setVisible(bool(text))
        self.warnings.setToolTip(
            "The statistics count every evaluated sample. A case without assertions passes "
            "whenever the model answers; a cell that errored (the prompt could not be "
            "rendered, or the engine refused it) was never evaluated: it is left out of the "
            "pass rates and intervals and counted apart, under Errors."
        )
        wanted = {cell.case_id for cell in summary.flaky[:MAX_FLAKY_LISTED]}
        case_labels = {c.id: c.label for c in self._cases if c.id in wanted} if wanted else {}
        self.comparisons.set_results(
            summary.comparisons, summary.flaky, self.model.labels, case_labels
        )

    def ensure_chart(self) -> None:
        """Build the charts' tabs and the pass-rate chart if they are not there yet.

        The latency and tokens/s charts are made when their tab is first shown, and a chart is
        drawn only while it can be seen: making and drawing all three when the Statistics tab
        first opened, and redrawing them on every batch of a live run, cost the GUI thread
        tens of milliseconds each time (benchmarks/ui_latency.py)."""
        if self.chart is not None:
            return
        self.chart = self._plot("evalPassRateChart", "Pass rate")
        self.chart.setYRange(0, 1.05)
        self.charts = QTabWidget()
        self.charts.addTab(self.chart, "Pass rate")
        for title in DISTRIBUTIONS:
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.charts.addTab(holder, title)
        self.charts.currentChanged.connect(self._on_charts_current_changed)
        self.splitter.addWidget(self.charts)
        self._draw_chart()

    def show_chart(self, title: str) -> Any:
        """Make the chart tab ``title`` (Pass rate, Latency, Tokens/s) current; return its plot."""
        self.ensure_chart()
        assert self.charts is not None
        for index in range(self.charts.count()):
            if self.charts.tabText(index) == title:
                self.charts.setCurrentIndex(index)
        return self._current_plot()

    def _plot(self, name: str, label: str) -> Any:
        return themed_plot(name, label, self.palette())

    def _plots(self) -> list[Any]:
        return [p for p in (self.chart, self.latency_chart, self.speed_chart) if p is not None]

    def changeEvent(self, event: QEvent) -> None:
        """Give the charts the new palette's colours after a theme change."""
        super().changeEvent(event)
        changed = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() not in changed:
            return
        if getattr(self, "summary", None) is not None:
            self._show_notes()  # the warning's colour
        if getattr(self, "charts", None) is not None:
            for plot in self._plots():
                style_plot(plot, self.palette())
            self._draw_chart()

    def _current_plot(self) -> Any:
        """The plot of the current chart tab, made on first use."""
        assert self.charts is not None
        index = self.charts.currentIndex()
        title = self.charts.tabText(index)
        if title not in DISTRIBUTIONS:
            return self.chart
        holder = self.charts.widget(index)
        layout = holder.layout() if holder is not None else None
        assert layout is not None
        if layout.count() == 0:
            name, label, _field = DISTRIBUTIONS[title]
            plot = self._plot(name, label)
            layout.addWidget(plot)
            empty = QLabel(NO_VALUES[title])
            empty.setObjectName(f"{name}Empty")
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            empty.setWordWrap(True)
            empty.hide()
            layout.addWidget(empty)
            self.no_values[title] = empty
            if title == "Latency":
                self.latency_chart = plot
            else:
                self.speed_chart = plot
        item = layout.itemAt(0)
        assert item is not None
        return item.widget()

    @Slot(int)
    def _on_charts_current_changed(self, index: int) -> None:
        self._draw_chart()

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up with cells that arrived while the panel was hidden."""
        super().showEvent(event)
        if self._stale:
            self._compute_large()
        if self._charts_stale:
            self._draw_chart()

    def _label(self, stats: ColumnStats) -> str:
        return self.model.labels.get((stats.prompt_id, stats.model_id), stats.label)

    def _draw_chart(self) -> None:
        """Draw the chart that can be seen now; the others when they are shown."""
        if self.charts is None:
            return
        if not self.isVisible():
            self._charts_stale = True
            return
        self._charts_stale = False
        title = self.charts.tabText(self.charts.currentIndex())
        if title in DISTRIBUTIONS:
            plot = self._current_plot()
            drawn = self._draw_distribution(plot, DISTRIBUTIONS[title][2])
            plot.setVisible(drawn)  # no value: a label says so instead of an empty axis
            self.no_values[title].setVisible(not drawn)
        else:
            self._draw_pass_rates()

    def _draw_pass_rates(self) -> None:
        import pyqtgraph as pg

        chart = self.chart
        chart.clear()
        stats = [s for s in self.model.stats if s.pass_rate is not None]
        if not stats:
            return
        xs = list(range(len(stats)))
        heights = [s.pass_rate or 0.0 for s in stats]
        chart.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.6, brush="#7fb3e6"))
        import numpy as np

        _background, foreground = plot_colors(self.palette())
        alarm = error_color(self.palette())

        chart.addItem(
            pg.ErrorBarItem(
                x=np.array(xs, dtype=float),
                y=np.array(heights, dtype=float),
                top=np.array([s.ci_high - h for s, h in zip(stats, heights, strict=True)]),
                bottom=np.array([h - s.ci_low for s, h in zip(stats, heights, strict=True)]),
                beam=0.2,
                pen=pg.mkPen(foreground, width=1.5),
            )
        )
        threshold = self.summary.threshold if self.summary is not None else None
        if threshold is not None:  # the CI gate: every column must reach it
            line = pg.InfiniteLine(
                pos=threshold,
                angle=0,
                pen=pg.mkPen(alarm, width=1, style=Qt.PenStyle.DashLine),
            )
            line.setObjectName("evalThresholdLine")
            chart.addItem(line)
            # Right-aligned at the view's right edge, above the line (below it near the top),
            # so the whole label stays in the view.
            above = threshold <= THRESHOLD_LABEL_ABOVE_UP_TO
            label = pg.TextItem(
                f"threshold {threshold:.0%}", color=alarm, anchor=(1, 1 if above else 0)
            )
            label.setObjectName("evalThresholdLabel")
            label.setPos(len(stats) - 0.45, threshold)
            chart.addItem(label)
        axis = chart.getAxis("bottom")
        axis.setTicks([[(x, self._label(s)) for x, s in zip(xs, stats, strict=True)]])
        chart.setXRange(-0.6, len(stats) - 0.4)

    def _draw_distribution(self, chart: Any, field: str) -> bool:
        """One dot per finished cell of each column (spread sideways), median as a bar; False
        (nothing drawn) when no cell has a value."""
        import pyqtgraph as pg

        chart.clear()
        alarm = error_color(self.palette())
        stats = self.model.stats
        place = {(s.prompt_id, s.model_id): x for x, s in enumerate(stats)}
        xs: list[float] = []
        ys: list[float] = []
        by_column: dict[int, list[float]] = {}
        for i, cell in enumerate(self._cells):
            x = place.get(cell.column)
            value = getattr(cell, field)
            if x is None or value is None or cell.status != "ok":
                continue
            xs.append(x + ((i * 0.618) % 1.0 - 0.5) * 0.5)
            ys.append(float(value))
            by_column.setdefault(x, []).append(float(value))
        if not xs:
            return False
        dots = point_color(self.palette())
        dots.setAlpha(220)
        chart.addItem(pg.ScatterPlotItem(x=xs, y=ys, size=6, brush=pg.mkBrush(dots), pen=None))
        for x, values in by_column.items():
            values.sort()
            median = values[len(values) // 2]
            chart.plot([x - 0.3, x + 0.3], [median, median], pen=pg.mkPen(alarm, width=2))
        chart.getAxis("bottom").setTicks([[(x, self._label(s)) for x, s in enumerate(stats)]])
        chart.setXRange(-0.6, max(1, len(stats)) - 0.4)
        return True
