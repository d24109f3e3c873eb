"""The Evaluations grid, statistics and cell detail as QA's second round found them: baselines
that give no false verdicts, warnings about what the statistics leave out, flaky cells named
by their case, errored cells shown as errors, charts with nothing to plot that say so, and a
detail that follows a live cell."""

from __future__ import annotations

import dataclasses
import tracemalloc
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import eval_values
import pytest
from eval_values import make_run
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QApplication, QWidget

from workbench.evals import Assertion, CellResult, EvalCase, summarize_cells
from workbench.ui.evals.cell_detail import CellDetailView, cell_html
from workbench.ui.evals.detail_controller import DetailController
from workbench.ui.evals.grid_panel import (
    MEASURED_LABELS,
    NO_BASELINE,
    GridPanel,
    nothing_in_common_hint,
)
from workbench.ui.evals.matrix_model import NOT_RUN_TIP, rows_from_cases
from workbench.ui.evals.regressions import BaselineRegressions, RegressionsController
from workbench.ui.evals.summary_panel import SummaryPanel, stats_row
from workbench.ui.theme import apply_theme
from workbench.ui.widgets.themed_plot import contrast_ratio, point_color

COLUMNS = [("p1", "m1"), ("p2", "m1")]


def make_cell(
    case_id: str,
    prompt_id: str = "p1",
    model_id: str = "m1",
    *,
    passed: bool = True,
    repeat: int = 0,
    components: bool = True,
    **fields: Any,
) -> CellResult:
    """:func:`eval_values.make_cell` as this module's tests read it: the seed steps with the
    repeat, a failure reads "Expected 'bulb'", and the grading has the one component (or none,
    with ``components`` False) and no verdict of its own."""
    component = {
        "pass": passed,
        "score": 1.0 if passed else 0.0,
        "reason": "Found 'bulb'" if passed else "Expected 'bulb'",
        "assertion": {"type": "icontains", "value": "bulb"},
    }
    return eval_values.make_cell(
        case_id, prompt_id, model_id, passed=passed, repeat=repeat, seed=7 + repeat,
        failure="Expected 'bulb'",
        grading={"components": [component] if components else [], "named_scores": {}},
        **fields,
    )  # fmt: skip


ENGINE_REFUSED = "the engine refused: the prompt has 12032 tokens but the context is 2048"


def errored_cell(case_id: str, prompt_id: str = "p1", *, number: int = 1) -> CellResult:
    """A cell as the runner stores one it could not run."""
    return dataclasses.replace(
        make_cell(case_id, prompt_id, number=number, passed=False, output=""),
        status="error",
        score=0.0,
        reason=ENGINE_REFUSED,
        error=ENGINE_REFUSED,
        grading={"pass": False, "score": 0.0, "reason": ENGINE_REFUSED},
        prompt_tokens=None,
        completion_tokens=None,
        time_to_first_token_s=None,
        tokens_per_second=None,
        total_seconds=None,
        finish_reason=None,
        rendered_prompt="",
    )


CASES = (
    EvalCase(
        "ccae435a9cc",
        description="Lamp topic",
        assertions=(Assertion("icontains-any", ["lamp", "light"]),),
    ),
    EvalCase("d41d8cd98f0", description="Open question"),  # no assertion
)


def snapshot(suite: str = "lamps", cases: tuple[EvalCase, ...] = CASES, repeat: int = 1) -> Any:
    """What :meth:`GridPanel.lay_out` and :meth:`SummaryPanel.set_snapshot` read of a run's
    snapshot."""
    return SimpleNamespace(
        suite_name=suite,
        cases=cases,
        repeat=repeat,
        prompts=tuple(SimpleNamespace(id=p) for p in ("p1", "p2")),
        models=(SimpleNamespace(id="m1"),),
    )


def baseline_items(panel: GridPanel) -> list[tuple[str, Any]]:
    box = panel.baseline_box
    return [(box.itemText(i), box.itemData(i)) for i in range(box.count()) if box.itemText(i)]


@pytest.fixture
def dark(qapp: Any) -> Iterator[None]:
    assert isinstance(qapp, QApplication)
    apply_theme(qapp, "dark")
    yield
    apply_theme(qapp, "light")


# -- 1. baselines -----------------------------------------------------------------------------


def test_baselines_leave_out_the_shown_run_and_list_its_suite_first(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    runs = [make_run(5, "three-versions"), make_run(4, "lamps"), make_run(3, "lamps")]
    panel.set_baselines(runs)
    panel.lay_out(snapshot("lamps"))
    panel.set_shown_run(4)

    assert baseline_items(panel) == [
        (NO_BASELINE, None),
        ("#3 lamps@1", 3),
        ("#5 three-versions@1", 5),
    ]
    box = panel.baseline_box
    other = box.findData(5)
    assert box.itemText(other - 1) == ""  # a separator between the suites
    assert "Another suite" in box.itemData(other, Qt.ItemDataRole.ToolTipRole)


def test_a_baseline_that_becomes_the_shown_run_is_dropped(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.set_baselines([make_run(4, "lamps"), make_run(3, "lamps")])
    panel.set_shown_run(4)
    panel.baseline_box.setCurrentIndex(panel.baseline_box.findData(3))
    with qtbot.waitSignal(panel.baseline_chosen) as chosen:
        panel.set_shown_run(3)
    assert chosen.args == [None]
    assert panel.baseline() is None
    assert panel.baseline_box.findData(3) == -1


def test_a_long_baseline_name_fits_with_its_number_and_version(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.resize(620, 300)
    long = "three-versions-of-the-support-reply-prompt"
    panel.set_baselines([make_run(4, long), make_run(5, "lamps")])
    panel.set_shown_run(5)
    panel.show()
    qtbot.waitExposed(panel)
    box = panel.baseline_box
    box.setCurrentIndex(box.findData(4))
    assert box.currentText() == f"#4 {long}@1"
    assert f"Run #4 of {long}@1" in box.itemData(box.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    assert box.width() <= 360
    assert box.geometry().right() <= panel.width()


class FakeContext(QObject):
    """Records the background work asked for (none runs)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Any] = []

    def run(self, op: Any, *, parent: Any, success: Any) -> Any:
        self.asked.append(op)
        return SimpleNamespace(run_in_background=lambda: None)


def regressions_setup(qtbot: Any) -> tuple[GridPanel, RegressionsController, list[str]]:
    page = QWidget()
    qtbot.addWidget(page)
    panel = GridPanel(page)
    panel.set_baselines([make_run(3, "other"), make_run(2, "lamps")])
    controller = RegressionsController(FakeContext(), page, panel, lambda: 4)  # type: ignore[arg-type]
    said: list[str] = []
    controller.status_changed.connect(said.append)
    panel.lay_out(snapshot("lamps"))
    panel.add_cells([make_cell(c.id, p, number=n) for n, (c, p) in enumerate(
        (c, p) for c in CASES for p in ("p1", "p2"))])  # fmt: skip
    return panel, controller, said


def test_a_baseline_with_nothing_in_common_gives_no_verdict(qtbot: Any) -> None:
    panel, controller, said = regressions_setup(qtbot)
    panel.show()
    panel.baseline_box.setCurrentIndex(panel.baseline_box.findData(3))
    controller._on_regressions_found(BaselineRegressions(3, 4, frozenset(), 0, 0, matched=0))

    assert said[-1].startswith("Run #3 has nothing in common with this run")
    assert "regressed" not in said[-1]
    assert panel.hint_text() == nothing_in_common_hint(3)


def test_a_verdict_counts_the_cells_in_common_and_no_baseline_clears_it(qtbot: Any) -> None:
    panel, controller, said = regressions_setup(qtbot)
    panel.show()
    panel.baseline_box.setCurrentIndex(panel.baseline_box.findData(2))
    assert said[-1] == "Comparing with run #2…"
    found = BaselineRegressions(2, 4, frozenset({"ccae435a9cc"}), 1, 0, matched=4)
    controller._on_regressions_found(found)
    assert said[-1] == "Against run #2 (4 cells in common): 1 cell regressed, 0 fixed."
    assert panel.filter.rowCount() == 1

    panel.baseline_box.setCurrentIndex(0)

    assert said[-1] == ""
    assert panel.filter.rowCount() == 2


def test_laying_out_a_run_tells_the_panel_which_run_it_shows(qtbot: Any) -> None:
    panel, _controller, _said = regressions_setup(qtbot)
    assert panel.baseline_box.findData(4) == -1
    assert baseline_items(panel)[1] == ("#2 lamps@1", 2)  # the shown suite's run first


# -- 2, 3. statistics: warnings and flaky cells named by their case ---------------------------


def test_statistics_warn_about_cases_without_assertions_and_errored_cells(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_snapshot(snapshot())
    cells = [
        make_cell("ccae435a9cc", number=1),
        make_cell("d41d8cd98f0", number=2, components=False),
        errored_cell("ccae435a9cc", "p2", number=3),
    ]
    panel.set_cells(cells, COLUMNS, None)

    text = panel.warnings.text()
    assert not panel.warnings.isHidden()
    assert "1 case has no assertions: they pass whenever the model answers." in text
    assert "1 cell errored and was not evaluated." in text


def test_without_the_cases_the_ungraded_ones_are_counted(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    cells = [make_cell(f"c{i}", number=i, components=False) for i in range(2)]
    panel.set_cells(cells, COLUMNS[:1], None)
    assert "2 cases have no assertions" in panel.warnings.text()
    panel.set_cells([make_cell("c0")], COLUMNS[:1], None)
    assert panel.warnings.isHidden()


def test_flaky_cells_are_named_by_the_cases_description(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_snapshot(snapshot(repeat=2))
    cells = [
        make_cell("ccae435a9cc", number=1),
        make_cell("ccae435a9cc", number=2, repeat=1, passed=False, output="Other."),
    ]
    panel.set_cells(cells, COLUMNS[:1], None)
    flaky = panel.comparisons.flaky
    assert "Lamp topic · p1 × m1: passed 1 of 2 samples" in flaky.text()
    assert "ccae435a9cc" not in flaky.text()
    assert "Lamp topic: case ccae435a9cc" in flaky.toolTip()


# -- 4. errored cells -------------------------------------------------------------------------


@pytest.mark.usefixtures("qapp")
def test_an_errored_cell_shows_the_error_once_and_its_assertions_not_evaluated() -> None:
    cell = errored_cell("ccae435a9cc")
    neighbour = make_cell("ccae435a9cc", "p2", number=2)
    html = cell_html(cell, neighbour, case_label="Lamp topic", assertions=CASES[0].assertions)
    document = QTextDocument()
    document.setHtml(html)
    text = document.toPlainText()
    assert "ERROR (not evaluated)" in text
    assert text.count("12032 tokens") == 1
    assert "icontains-any" in text
    assert "not evaluated" in text.split("Assertions", 1)[1]
    assert "No assertions" not in text
    assert "score" not in text
    assert "Word diff" not in text
    assert "Rendered prompt" not in text
    assert "Output" not in text


def test_an_errored_cell_reads_as_an_error_in_the_grid(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.lay_out(snapshot())
    panel.add_cells([errored_cell("ccae435a9cc")])
    index = panel.matrix.index(0, 0)
    assert panel.matrix.data(index).startswith("⚠ the engine refused")
    tip = panel.matrix.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Error (not evaluated):")
    assert tip.count("12032 tokens") == 1


def test_selecting_an_errored_cell_lists_the_cases_assertions(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    view = CellDetailView()
    qtbot.addWidget(view)
    panel.cell_selected.connect(view.show_selection)
    panel.lay_out(snapshot())
    panel.add_cells([errored_cell("ccae435a9cc")])
    panel.grid.setCurrentIndex(panel.filter.index(0, 0))
    text = view.toPlainText()
    assert "icontains-any" in text
    assert "not evaluated" in text


# -- 5. charts --------------------------------------------------------------------------------


def test_a_speed_chart_without_values_says_so(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()
    panel.show()
    panel.set_cells([make_cell("c0", tokens_per_second=None)], COLUMNS[:1], None)
    plot = panel.show_chart("Tokens/s")
    assert plot.isHidden()
    label = panel.no_values["Tokens/s"]
    assert not label.isHidden()
    assert label.text().startswith("No cell has a measurable speed")
    plot = panel.show_chart("Latency")
    assert not plot.isHidden()
    assert panel.no_values["Latency"].isHidden()


@pytest.mark.usefixtures("dark")
def test_distribution_dots_stand_out_on_the_dark_background(qtbot: Any) -> None:
    palette = QGuiApplication.palette()
    base = palette.color(palette.ColorRole.Base)
    assert contrast_ratio(point_color(palette), base) >= 4.5
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.ensure_chart()
    panel.show()
    panel.set_cells([make_cell("c0")], COLUMNS[:1], None)
    plot = panel.show_chart("Latency")
    (dots,) = [i for i in plot.getPlotItem().items if type(i).__name__ == "ScatterPlotItem"]
    colour = QColor(dots.opts["brush"].color())
    colour.setAlpha(255)
    assert contrast_ratio(colour, base) >= 4.5


def test_distribution_dots_stand_out_on_the_light_background() -> None:
    palette = QGuiApplication.palette()
    base = palette.color(palette.ColorRole.Base)
    assert contrast_ratio(point_color(palette), base) >= 4.5


# -- 6. live samples, not-run cells, the row header -------------------------------------------


def test_repeats_arriving_for_the_shown_cell_join_its_selector(qtbot: Any) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    panel = GridPanel(page)
    view = CellDetailView(page)
    details = DetailController(FakeContext(), page, view)  # type: ignore[arg-type]
    panel.cell_selected.connect(details.show)
    panel.lay_out(snapshot(repeat=3))
    panel.set_running(True)
    panel.add_cells([make_cell("ccae435a9cc", number=1)])
    panel.grid.setCurrentIndex(panel.filter.index(0, 0))
    assert view.sample_box.count() == 1
    view.replay_status.setText("kept")

    panel.add_cells([make_cell("ccae435a9cc", number=2, repeat=1, passed=False)])

    assert view.sample_box.count() == 2
    assert view.sample_box.currentIndex() == 0  # the sample shown stays shown
    assert view.cell is not None
    assert view.cell.number == 1
    assert "Flaky: 1 of 2 samples passed" in view.samples_note.text()
    assert view.replay_status.text() == "kept"
    panel.add_cells([make_cell("d41d8cd98f0", number=3)])  # another cell: nothing changes
    assert view.sample_box.count() == 2


def test_a_cell_never_run_says_resume_runs_it(qtbot: Any) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    panel = GridPanel(page)
    view = CellDetailView(page)
    details = DetailController(FakeContext(), page, view)  # type: ignore[arg-type]
    panel.cell_selected.connect(details.show)
    panel.lay_out(snapshot())
    panel.set_running(False)
    panel.grid.setCurrentIndex(panel.filter.index(1, 1))
    text = view.toPlainText()
    assert NOT_RUN_TIP in text
    assert text.startswith("Open question")
    assert "Select a cell" not in text
    assert not view.replay_button.isEnabled()


def test_the_row_header_measures_only_the_longest_labels(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    n_rows = 20_000
    cases = [EvalCase(f"c{i}", description="x" * (i % 90 + 1)) for i in range(n_rows)]
    panel.matrix.set_layout(rows_from_cases(cases), COLUMNS)
    header = panel.grid.verticalHeader()
    metrics = header.fontMetrics()
    assert panel._row_header_natural >= metrics.horizontalAdvance("x" * 90)

    measured: list[str] = []

    class MetricsSpy:
        def horizontalAdvance(self, text: str) -> int:
            measured.append(text)
            return metrics.horizontalAdvance(text)

    header.fontMetrics = MetricsSpy  # type: ignore[method-assign]
    tracemalloc.start()
    try:
        panel._measure_row_header()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Only a few labels are measured, and they are picked without holding every label at
    # once: a full sort (a list of all 20,000 labels, and of their keys) needs far more than
    # a pointer per row; picking the longest few streams them in a few kilobytes.
    assert 0 < len(measured) <= MEASURED_LABELS
    assert max(map(len, measured)) == 90
    assert peak < 8 * n_rows, f"measuring the row header held {peak} bytes"


def test_a_column_whose_every_cell_errored_shows_no_interval() -> None:
    errored = dataclasses.replace(
        make_cell("c1"), status="error", passed=False, score=0.0, error="the engine refused"
    )
    summary = summarize_cells([errored], [("p1", "m1")])
    row = stats_row(summary.columns[0])
    # No evaluated cell: no pass rate and no interval (it read "0% – 100%").
    assert row[4:6] == ["–", "–"]
    assert row[3] == "1"  # the error is counted
