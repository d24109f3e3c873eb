"""The Evaluations grid, cell detail and statistics as QA found them wanting: readable in the
dark theme, every sample of a repeated cell, cases and samples told apart, cells never run
shown as such, the case's name in the detail, columns that fit, and hints in an empty grid."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from eval_values import make_cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication

from workbench.evals import EvalCase
from workbench.ui.evals.cell_detail import CellDetailView, CellSelection, word_diff_html
from workbench.ui.evals.column_fit import share_width
from workbench.ui.evals.eval_colors import detail_colors
from workbench.ui.evals.grid_panel import (
    NO_FAILURES_HINT,
    NO_RUN_HINT,
    GridPanel,
    no_regressions_hint,
)
from workbench.ui.evals.matrix_model import NOT_RUN_TEXT, QUEUED_TEXT, rows_from_cases
from workbench.ui.evals.summary_panel import SummaryPanel
from workbench.ui.theme import apply_theme

COLUMNS = [
    ("support-reply@1", "smollm2-135m-instruct"),
    ("support-reply@production", "smollm2-135m-instruct"),
    ("inline1", "smollm2-135m-instruct"),
]
LONG = "Opening hours, similar to the reference answer the staff would give"


@pytest.fixture
def dark(qapp: Any) -> Iterator[None]:
    app = qapp
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    yield
    apply_theme(app, "light")


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def filled_grid(qtbot: Any, *, repeats: int = 1) -> GridPanel:
    panel = GridPanel()
    qtbot.addWidget(panel)
    cases = [EvalCase("c8c873b5f9d", description="capital"), EvalCase("m", description=LONG)]
    panel.matrix.set_layout(rows_from_cases(cases), COLUMNS)
    panel._repeats = repeats
    return panel


@pytest.mark.usefixtures("dark")
def test_word_diff_reads_on_the_dark_palette() -> None:
    palette = QGuiApplication.palette()
    text = palette.color(palette.ColorRole.Text)
    colors = detail_colors(palette)
    diff = word_diff_html("Replace the bulb", "Check the bulb", colors)
    assert colors.removed in diff
    assert colors.added in diff
    assert "#f6cfcf" not in diff
    assert "#cdebd3" not in diff
    for background in (colors.removed, colors.added):
        assert contrast(QColor(background), text) >= 4.5


@pytest.mark.usefixtures("dark")
def test_charts_take_the_palettes_base_and_text_colours(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()
    panel.show()
    panel.set_cells([make_cell("c0", "p1")], [("p1", "m1")], None)
    palette = panel.palette()
    base = palette.color(palette.ColorRole.Base)
    for title in ("Pass rate", "Latency", "Tokens/s"):
        plot = panel.show_chart(title)
        assert plot.backgroundBrush().color() == base
        axis = plot.getAxis("left")
        assert axis.textPen().color() == palette.color(palette.ColorRole.Text)


def test_latency_axis_names_its_unit_without_an_si_factor(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()
    panel.show()
    cells = [
        dataclasses.replace(make_cell(f"c{i}", number=i), total_seconds=0.002) for i in range(3)
    ]
    panel.set_cells(cells, [("p1", "m1")], None)
    plot = panel.show_chart("Latency")
    qtbot.wait(20)
    label = plot.getAxis("left").labelString()
    assert "Latency (s)" in label
    assert "x0.001" not in label


def test_threshold_label_lies_inside_the_chart(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 800)
    panel.ensure_chart()
    panel.show()
    qtbot.waitExposed(panel)
    for threshold in (0.9, 1.0, 0.1):
        cells = [make_cell("c0", p) for p in ("p1", "p2")]
        panel.set_cells(cells, [("p1", "m1"), ("p2", "m1")], threshold)
        qtbot.wait(20)
        items = panel.chart.getPlotItem().items
        (label,) = [i for i in items if i.objectName() == "evalThresholdLabel"]
        view = panel.chart.getPlotItem().getViewBox().sceneBoundingRect()
        assert view.contains(label.sceneBoundingRect()), threshold
        assert label.toPlainText() == f"threshold {threshold:.0%}"


def test_every_sample_of_a_repeated_cell_can_be_seen(qtbot: Any) -> None:
    panel = filled_grid(qtbot, repeats=2)
    view = CellDetailView()
    qtbot.addWidget(view)
    panel.cell_selected.connect(view.show_selection)
    samples = [
        make_cell("c8c873b5f9d", "inline1", COLUMNS[2][1], number=1, output="Paris."),
        dataclasses.replace(
            make_cell("c8c873b5f9d", "inline1", COLUMNS[2][1], number=2, repeat=1, passed=False,
                      output="Lyon."),
            seed=8,
        ),
    ]  # fmt: skip
    panel.add_cells(samples)

    panel.grid.setCurrentIndex(panel.filter.index(0, 2))

    assert not view.samples_row.isHidden()
    assert view.sample_box.count() == 2
    assert view.sample_box.itemText(0) == "Repeat 1 of 2 · passed · seed 7"
    assert view.sample_box.itemText(1) == "Repeat 2 of 2 · failed · seed 8"
    assert "Flaky: 1 of 2 samples passed, 2 different outputs" in view.samples_note.text()
    assert "Paris." in view.toPlainText()
    assert "repeat 1 of 2, seed 7" in view.toPlainText()
    with qtbot.waitSignal(view.sample_chosen):
        qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert view.cell is not None
    assert view.cell.repeat == 1
    text = view.toPlainText()
    assert "Lyon." in text
    assert "FAILED" in text
    assert "repeat 2 of 2, seed 8" in text
    assert not view.next_button.isEnabled()
    assert view.previous_button.isEnabled()


def test_a_single_sample_hides_the_selector(qtbot: Any) -> None:
    view = CellDetailView()
    qtbot.addWidget(view)
    view.show_cell(make_cell("x"))
    assert view.samples_row.isHidden()
    assert "repeat 1 of 1" in view.toPlainText()


def test_detail_is_headed_by_the_cases_description_with_its_id_in_small(qtbot: Any) -> None:
    panel = filled_grid(qtbot)
    view = CellDetailView()
    qtbot.addWidget(view)
    panel.cell_selected.connect(view.show_selection)
    panel.add_cells([make_cell("c8c873b5f9d", *COLUMNS[0])])
    panel.grid.setCurrentIndex(panel.filter.index(0, 0))
    heading = view.toPlainText().splitlines()[0]
    assert heading.startswith("capital · support-reply@1 ×")
    assert "case c8c873b5f9d" in view.toPlainText()
    assert isinstance(view.selection, CellSelection)


def test_statistics_count_cases_and_samples_apart(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    cells = [
        make_cell(case, "p1", number=n, repeat=r)
        for n, (case, r) in enumerate((c, r) for c in ("a", "b") for r in range(2))
    ]
    panel.set_cells(cells, [("p1", "m1")], None)
    assert panel.model.item(0, 1).text() == "2 (4 samples)"
    panel.set_cells(cells[::2], [("p1", "m1")], None)  # one sample per case
    assert panel.model.item(0, 1).text() == "2"


def test_cells_never_run_read_not_run_once_the_run_stopped(qtbot: Any) -> None:
    panel = filled_grid(qtbot)
    panel.set_running(True)
    index = panel.matrix.index(1, 1)
    assert panel.matrix.data(index) == QUEUED_TEXT
    with qtbot.waitSignal(panel.matrix.dataChanged):
        panel.set_running(False)
    assert panel.matrix.data(index) == NOT_RUN_TEXT
    assert panel.matrix.data(index, Qt.ItemDataRole.FontRole).italic()
    muted = QGuiApplication.palette().color(QGuiApplication.palette().ColorRole.PlaceholderText)
    assert panel.matrix.data(index, Qt.ItemDataRole.ForegroundRole).color() == muted


def test_three_columns_share_a_1440_wide_windows_grid(qtbot: Any) -> None:
    panel = filled_grid(qtbot)
    panel.resize(640, 500)
    panel.show()
    qtbot.waitExposed(panel)
    header = panel.grid.horizontalHeader()
    assert panel.grid.horizontalScrollBar().maximum() == 0  # no sideways scrolling
    assert sum(header.sectionSize(c) for c in range(3)) <= panel.grid.viewport().width()
    rows = panel.grid.verticalHeader()
    assert rows.width() <= 0.3 * panel.grid.width() + 1
    assert rows.width() >= rows.fontMetrics().horizontalAdvance("capital")
    tip = panel.matrix.headerData(1, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(LONG)
    tip = panel.matrix.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip == "support-reply@production × smollm2-135m-instruct"


def test_columns_share_width_widest_first_down_to_a_minimum() -> None:
    assert share_width([50, 200, 100], 400, [1, 2], 60) == [50, 200, 100]
    assert share_width([50, 200, 100], 250, [1, 2], 60) == [50, 100, 100]
    assert share_width([50, 200, 100], 100, [1, 2], 60) == [50, 60, 60]


def test_comparisons_fit_their_table(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.resize(620, 700)
    panel.show()
    qtbot.waitExposed(panel)
    cells = [make_cell(f"c{i}", p, m, number=n) for n, (i, (p, m)) in enumerate(
        (i, col) for i in range(3) for col in COLUMNS)]  # fmt: skip
    panel.set_cells(cells, COLUMNS, None)
    qtbot.wait(20)
    for table in (panel.comparisons.table, panel.table):
        assert table.horizontalScrollBar().maximum() == 0, table.objectName()


def test_an_empty_grid_says_why(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.hint_text() == NO_RUN_HINT
    cases = [EvalCase("a")]
    panel.matrix.set_layout(rows_from_cases(cases), COLUMNS[:1])
    panel.add_cells([make_cell("a", *COLUMNS[0])])
    assert panel.hint_text() == ""
    panel.failures_only.setChecked(True)
    assert panel.hint_text() == NO_FAILURES_HINT
    panel.failures_only.setChecked(False)
    panel.baseline_box.addItem("#3 suite", 3)
    panel.baseline_box.blockSignals(True)
    panel.baseline_box.setCurrentIndex(1)
    panel.baseline_box.blockSignals(False)
    panel.show_regressed(frozenset())
    assert panel.hint_text() == no_regressions_hint(3) == "No regressions against run #3"
    panel.show_regressed(None)
    assert panel.hint_text() == ""
