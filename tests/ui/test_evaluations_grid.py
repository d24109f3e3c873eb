"""The Evaluations page's matrix grid model, its filters and the cell detail (no window)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from eval_values import make_cell
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QWidget

from workbench.evals import CellResult, EvalCase
from workbench.ui.evals.cell_detail import CellDetailView, cell_html, word_diff_html
from workbench.ui.evals.matrix_model import (
    FAIL_COLOR,
    PASS_COLOR,
    CellsRole,
    MatrixFilter,
    MatrixModel,
    MatrixRow,
    build_matrix,
    rows_from_cases,
)
from workbench.ui.evals.summary_panel import SYNC_CELLS, SummaryPanel


def synthetic_matrix(n_rows: int, n_columns: int) -> tuple[MatrixModel, list[CellResult]]:
    model = MatrixModel()
    rows = [
        MatrixRow(f"case-{r}", f"Case {r}", ("even",) if r % 2 == 0 else ()) for r in range(n_rows)
    ]
    columns = [(f"p{c}", "m") for c in range(n_columns)]
    model.set_layout(rows, columns)
    cells = [
        make_cell(f"case-{r}", f"p{c}", "m", passed=(r * c) % 7 != 3, number=r * n_columns + c + 1)
        for r in range(n_rows)
        for c in range(n_columns)
    ]
    return model, cells


def test_grid_of_ten_thousand_cells_fills_and_reads_fast(qtbot: Any) -> None:
    model, cells = synthetic_matrix(100, 100)
    started = time.perf_counter()
    assert model.add_cells(cells) == 10_000
    filled = time.perf_counter() - started
    assert model.rowCount() == 100
    assert model.columnCount() == 100
    started = time.perf_counter()
    for row in range(100):
        for column in range(100):
            index = model.index(row, column)
            model.data(index, Qt.ItemDataRole.DisplayRole)
            model.data(index, Qt.ItemDataRole.BackgroundRole)
    read = time.perf_counter() - started
    assert filled < 1.0, filled
    assert read < 1.0, read

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    started = time.perf_counter()
    view.scrollToBottom()
    view.viewport().repaint()
    assert time.perf_counter() - started < 1.0
    assert len(view.findChildren(QWidget)) < 40  # no widget per cell


def test_cells_fill_in_one_at_a_time_and_colour_by_pass_fail(qtbot: Any) -> None:
    model = MatrixModel()
    cases = [EvalCase("flicker", description="Flickering lamp", tags=("lamps",)), EvalCase("ship")]
    model.set_layout(rows_from_cases(cases), [("p1", "m1"), ("p2", "m1")])
    assert model.data(model.index(0, 0)) == "…"
    with qtbot.waitSignal(model.dataChanged):
        model.add_cells([make_cell("flicker", "p1")])
    model.add_cells([make_cell("flicker", "p2", passed=False, output="I cannot help.")])
    assert model.data(model.index(0, 0)).startswith("✓ Replace the bulb")
    assert model.data(model.index(0, 1)).startswith("✗ I cannot help")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color() == PASS_COLOR
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole).color() == FAIL_COLOR
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert model.headerData(0, Qt.Orientation.Vertical) == "Flickering lamp"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "p2\nm1"
    assert len(model.data(model.index(0, 1), CellsRole)) == 1
    # A cell of a column or case the grid does not have finds no place.
    assert model.add_cells([make_cell("unknown", "p1")]) == 0


def test_filters_keep_failing_rows_and_rows_with_the_tag() -> None:
    model, cells = synthetic_matrix(10, 5)
    model.add_cells(cells)
    proxy = MatrixFilter()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 10
    proxy.set_failures_only(True)
    failing = [r for r in range(10) if any((r * c) % 7 == 3 for c in range(5))]
    assert proxy.rowCount() == len(failing)
    proxy.set_failures_only(False)
    proxy.set_tag("even")
    assert proxy.rowCount() == 5
    proxy.set_tag("")
    assert proxy.rowCount() == 10
    proxy.set_regressed(frozenset({"case-1", "case-4"}))
    assert proxy.rowCount() == 2
    proxy.set_regressed(None)
    assert proxy.rowCount() == 10


def test_cell_detail_shows_output_assertions_timings_prompt_and_diff(qtbot: Any) -> None:
    view = CellDetailView()
    qtbot.addWidget(view)
    cell = make_cell("flicker", "p2", passed=False, output="Check the plug first.")
    neighbour = make_cell("flicker", "p1", output="Replace the bulb first.")
    view.show_cell(cell, neighbour)
    text = view.toPlainText()
    assert "FAILED" in text
    assert "Check the plug first." in text
    assert "icontains" in text
    assert "Expected output to contain 'bulb'" in text
    assert "0.31 s" in text
    assert "88.5 tokens/s" in text
    assert "finish: stop" in text
    assert "User: my lamp flickers" in text
    assert "Word diff against p1 × m1" in text
    view.clear_cell()
    assert "Select a cell" in view.toPlainText()


def test_word_diff_marks_removed_and_added_words() -> None:
    diff = word_diff_html("Replace the bulb first.", "Check the plug first.")
    assert "<s>Replace</s>" in diff
    assert "<u>Check</u>" in diff
    assert "the" in diff
    assert "<s>bulb</s>" in diff
    assert "<" not in word_diff_html("a <b>", "a <b>").replace("&lt;", "")


def test_cell_without_rendered_prompt_says_it_is_loading() -> None:
    assert "Loading…" in cell_html(make_cell("x", rendered_prompt=None))


@pytest.mark.parametrize("with_chart", [False, True])
def test_summary_gives_pass_rate_with_wilson_interval(qtbot: Any, with_chart: bool) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    cells = [make_cell(f"c{i}", "p1", passed=i < 8, number=i + 1) for i in range(10)]
    if with_chart:
        panel.ensure_chart()
    panel.set_cells(cells, [("p1", "m1"), ("p2", "m1")], None)
    model = panel.model
    assert model.rowCount() == 2
    assert model.item(0, 4).text() == "80%"
    assert model.item(0, 5).text() == "49% – 94%"  # Wilson 95% of 8/10
    assert model.item(1, 4).text() == "–"
    assert (panel.chart is not None) == with_chart
    if with_chart:
        panel.show()
        assert panel.chart.listDataItems() or panel.chart.getPlotItem().items
        assert panel.latency_chart is None  # made when its tab is first shown
        assert panel.show_chart("Latency").listDataItems()
        assert panel.show_chart("Tokens/s").listDataItems()
        assert panel.latency_chart is not None


def test_cases_table_edits_description_vars_and_tags_in_place() -> None:
    from workbench.ui.evals.cases_model import DESCRIPTION, ID, TAGS, VARS, CasesModel

    model = CasesModel()
    model.set_cases([EvalCase("flicker", vars={"message": "hi"}, description="Lamp")])
    assert model.data(model.index(0, VARS)) == '{"message": "hi"}'
    assert not model.flags(model.index(0, ID)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(0, VARS), "[1, 2]")  # variables must be an object
    assert not model.setData(model.index(0, VARS), "{broken")
    assert model.cases[0]["vars"] == {"message": "hi"}  # refused edits change nothing
    assert model.setData(model.index(0, VARS), '{"message": "bye"}')
    assert model.setData(model.index(0, TAGS), "lamps, smoke")
    assert model.setData(model.index(0, DESCRIPTION), "Flickering lamp")
    assert model.dirty
    assert model.cases[0]["vars"] == {"message": "bye"}
    assert model.cases[0]["tags"] == ["lamps", "smoke"]
    assert model.data(model.index(0, DESCRIPTION)) == "Flickering lamp"


def test_statistics_compare_columns_and_list_flaky_cells(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    # p1 passes all 12 cases, p2 fails 10 of them: McNemar exact p = 2 * 0.5**10 ≈ 0.002.
    cells = [make_cell(f"c{i}", "p1", number=i + 1) for i in range(12)]
    cells += [make_cell(f"c{i}", "p2", passed=i >= 10, number=20 + i) for i in range(12)]
    # case c0 of p1 sampled twice more: one pass, one fail, with two outputs -> flaky.
    cells += [
        make_cell("c0", "p1", number=40, repeat=1, passed=False, output="Other."),
        make_cell("c0", "p1", number=41, repeat=2),
    ]

    panel.set_cells(cells, [("p1", "m1"), ("p2", "m1")], None)

    table = panel.comparisons.model
    assert table.rowCount() == 1
    row = [table.item(0, column).text() for column in range(table.columnCount())]
    assert row[:3] == ["p1", "p2", "B is worse"]  # one model: columns named by their prompt
    assert table.item(0, 0).toolTip() == "p1 × m1"
    assert row[4:6] == ["10", "0"]
    assert row[6] == "0.00195"
    flaky = panel.comparisons.flaky.text()
    assert "Flaky cells (1)" in flaky
    assert "c0 · p1 × m1: passed 2 of 3 samples, 2 different outputs" in flaky


def test_statistics_without_comparable_columns_say_so(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)

    panel.set_cells([make_cell("c0", "p1")], [("p1", "m1"), ("p2", "m2")], None)

    assert panel.comparisons.model.rowCount() == 0
    assert not panel.comparisons.empty.isHidden()
    assert "No flaky cells" in panel.comparisons.flaky.text()


def test_pass_rate_chart_marks_the_threshold(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()
    panel.show()
    qtbot.waitExposed(panel)

    panel.set_cells([make_cell("c0", "p1")], [("p1", "m1")], 0.8)
    lines = [i for i in panel.chart.getPlotItem().items if i.objectName() == "evalThresholdLine"]
    panel.set_cells([make_cell("c0", "p1")], [("p1", "m1")], None)
    after = [i for i in panel.chart.getPlotItem().items if i.objectName() == "evalThresholdLine"]

    assert [line.value() for line in lines] == [0.8]
    assert after == []


# -- large runs stay off the GUI thread ------------------------------------------------------

LARGE_COLUMNS = [("p1", "m1"), ("p2", "m1")]


def many_cells(n_cases: int) -> list[Any]:
    return [
        make_cell(f"c{i}", prompt, passed=(i % 4 != 0) or prompt == "p1", number=n)
        for n, (prompt, i) in enumerate((p, i) for p, _ in LARGE_COLUMNS for i in range(n_cases))
    ]


def test_a_built_matrix_swapped_in_shows_every_cell(qtbot: Any) -> None:
    cases = [EvalCase(f"c{i}", tags=("even" if i % 2 == 0 else "odd",)) for i in range(50)]
    cells = many_cells(50)
    cells.append(make_cell("c1", "p1", number=999, repeat=1, passed=False))  # a second sample
    cells.append(make_cell("unknown", "p1", number=1000))  # not a case of the grid

    data = build_matrix(rows_from_cases(cases), LARGE_COLUMNS, cells)
    model = MatrixModel()
    with qtbot.waitSignal(model.modelReset):
        model.set_matrix(data)

    assert (model.rowCount(), model.columnCount()) == (50, 2)
    assert model.n_finished == 101
    assert [c.repeat for c in model.cells_at(model.index(1, 0))] == [0, 1]
    assert model.row_failed(0)  # p2 fails every fourth case
    assert model.row_failed(1)  # the failing second sample of c1
    assert not model.row_failed(2)


def test_large_statistics_wait_until_shown_then_run_in_the_background(
    window: Any, qtbot: Any
) -> None:
    panel = SummaryPanel(context=window.context)
    qtbot.addWidget(panel)
    n_cases = SYNC_CELLS  # two columns: twice the cells computed at once
    panel.set_cells(many_cells(n_cases), LARGE_COLUMNS, 0.9)

    assert panel.model.rowCount() == 0  # hidden: nothing computed yet
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=20_000)

    assert panel.summary is not None
    assert [c.n for c in panel.summary.columns] == [n_cases, n_cases]
    assert panel.summary.columns[1].passed == n_cases - n_cases // 4
    assert panel.summary.failing_columns == (("p2", "m1"),)
    assert panel.comparisons.model.item(0, 2).text() == "B is worse"


def test_cells_arriving_during_a_computation_are_summarised_after_it(
    window: Any, qtbot: Any
) -> None:
    panel = SummaryPanel(context=window.context)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    panel.set_cells(many_cells(SYNC_CELLS), LARGE_COLUMNS, None)
    panel.set_cells(many_cells(SYNC_CELLS + 10), LARGE_COLUMNS, None)  # while the first one runs

    qtbot.waitUntil(
        lambda: panel.summary is not None and panel.summary.n_done == 2 * (SYNC_CELLS + 10),
        timeout=20_000,
    )


def test_columns_are_named_by_what_differs() -> None:
    from workbench.ui.evals.comparisons_view import short_labels

    assert short_labels([("p1", "m"), ("p2", "m")]) == {("p1", "m"): "p1", ("p2", "m"): "p2"}
    assert short_labels([("p", "m1"), ("p", "m2")]) == {("p", "m1"): "m1", ("p", "m2"): "m2"}
    mixed = [("p1", "m1"), ("p2", "m2")]
    assert short_labels(mixed) == {("p1", "m1"): "p1 × m1", ("p2", "m2"): "p2 × m2"}
    assert short_labels([("p1", "m1")]) == {("p1", "m1"): "p1 × m1"}


def test_a_late_result_for_replaced_cells_is_never_shown(window: Any, qtbot: Any) -> None:
    panel = SummaryPanel(context=window.context)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    panel.set_cells(many_cells(SYNC_CELLS), LARGE_COLUMNS, None)  # computed in the background
    small = [make_cell("only", "q1", "m9")]
    panel.set_cells(small, [("q1", "m9")], None)  # shown at once, before the large result
    assert window.context.ops.wait_for_done()
    qtbot.wait(50)  # deliver the large result's queued signal

    assert panel.summary is not None
    assert [(c.prompt_id, c.n) for c in panel.summary.columns] == [("q1", 1)]
    assert panel.model.rowCount() == 1


def test_charts_are_drawn_only_when_they_can_be_seen(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()

    panel.set_cells([make_cell("c0", "p1")], [("p1", "m1")], None)  # hidden: not drawn
    assert panel.chart.getPlotItem().items == []
    panel.show()
    qtbot.waitExposed(panel)

    assert panel.chart.getPlotItem().items  # drawn on show
