"""The Evaluations page after a third review: a baseline comparison counts the cells that
errored (and keeps the cases that went from pass to error), the cell detail's note counts as
"not run" only the repeats that have no sample, a suite to select after an import waits for
a library read that knows it, the statistics and "Failures only" say what they do with
errored cells, and a row leaves "Failures only" once none of its samples fails."""

from __future__ import annotations

import dataclasses
import threading
from types import SimpleNamespace
from typing import Any

import eval_values
import pytest
from eval_pages import TIMEOUT_MS, open_page, store_text
from eval_values import make_run
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from workbench.evals import (
    CellChange,
    CellResult,
    EvalCase,
    RunComparison,
)
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.ui.evals import regressions, tasks
from workbench.ui.evals.cell_detail import CellSelection, flaky_note
from workbench.ui.evals.comparisons_view import flaky_text
from workbench.ui.evals.grid_panel import GridPanel, no_regressions_hint
from workbench.ui.evals.matrix_model import MatrixData, MatrixModel, rows_from_cases
from workbench.ui.evals.regressions import (
    BaselineRegressions,
    RegressionsController,
    find_baseline_regressions,
    verdict_text,
)
from workbench.ui.evals.summary_panel import HEADER_TIPS, HEADERS, SummaryPanel
from workbench.ui.evals.tasks import Library

COLUMNS = [("p1", "m1"), ("p2", "m1")]
ENGINE_REFUSED = "the engine refused: the prompt has 12032 tokens but the context is 2048"


def make_cell(
    case_id: str, prompt_id: str = "p1", *, passed: bool = True, repeat: int = 0, **fields: Any
) -> CellResult:
    """:func:`eval_values.make_cell` as this module's tests read it: model m1, the seed steps
    with the repeat, a failure reads "Expected 'bulb'", no grading components and no rendered
    prompt."""
    return eval_values.make_cell(
        case_id, prompt_id, passed=passed, repeat=repeat, seed=7 + repeat,
        failure="Expected 'bulb'", grading={"components": [], "named_scores": {}},
        rendered_prompt=None, **fields,
    )  # fmt: skip


def errored_cell(case_id: str, prompt_id: str = "p1", **kwargs: Any) -> CellResult:
    """A cell as the runner stores one it could not run."""
    return dataclasses.replace(
        make_cell(case_id, prompt_id, passed=False, output="", **kwargs),
        status="error",
        reason=ENGINE_REFUSED,
        error=ENGINE_REFUSED,
        total_seconds=None,
        tokens_per_second=None,
    )


CASES = (EvalCase("c1", description="Lamp"), EvalCase("c2", description="Fan"))


def snapshot() -> Any:
    return SimpleNamespace(
        suite_name="lamps",
        cases=CASES,
        repeat=1,
        prompts=tuple(SimpleNamespace(id=p) for p in ("p1", "p2")),
        models=(SimpleNamespace(id="m1"),),
    )


# -- 1. a baseline comparison counts errored cells ---------------------------------------------


def change(case_id: str, number: int, status_a: str, status_b: str) -> CellChange:
    return CellChange(
        "p1", "m1", case_id, 0, number, number, None, None, "", "", True, status_a, status_b
    )


def test_a_comparison_counts_errored_cells_and_keeps_cases_that_went_from_pass_to_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # c1 passed in the baseline, c2 failed, c3 errored already: all three error now.
    errored = (change("c1", 1, "ok", "error"), change("c2", 2, "ok", "error"))
    errored += (change("c3", 3, "error", "error"),)
    comparison = RunComparison(2, 4, (), 3, (), (), 0, 0, 3, 0, 0, (), errored)
    baseline = [
        make_cell("c1", number=1, run_id=2),
        make_cell("c2", number=2, run_id=2, passed=False),
        errored_cell("c3", number=3, run_id=2),
    ]
    monkeypatch.setattr(regressions, "compare_runs", lambda store, a, b: comparison)
    monkeypatch.setattr(regressions, "list_cells", lambda store, run, light: baseline)

    found = find_baseline_regressions(SimpleNamespace(store=None), 2, 4)  # type: ignore[arg-type]

    assert found.case_ids == frozenset({"c1"})
    assert (found.n_regressed, found.n_fixed, found.matched, found.n_errored) == (0, 0, 3, 3)
    assert verdict_text(found) == (
        "Against run #2 (3 cells in common): 0 cells regressed, 0 fixed, 3 errored (not evaluated)."
    )


class FakeContext(QObject):
    """Records the background work asked for (none runs)."""

    def run(self, op: Any, *, parent: Any, success: Any) -> Any:
        return SimpleNamespace(run_in_background=lambda: None)


def test_a_verdict_where_every_cell_errored_says_so_in_the_status_and_the_grid(
    qtbot: Any,
) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    panel = GridPanel(page)
    panel.set_baselines([make_run(2, "lamps")])
    controller = RegressionsController(FakeContext(), page, panel, lambda: 4)  # type: ignore[arg-type]
    said: list[str] = []
    controller.status_changed.connect(said.append)
    panel.lay_out(snapshot())
    panel.add_cells([errored_cell(c.id, p, number=n) for n, (c, p) in enumerate(
        (c, p) for c in CASES for p in ("p1", "p2"))])  # fmt: skip
    panel.show()
    panel.baseline_box.setCurrentIndex(panel.baseline_box.findData(2))

    controller._on_regressions_found(BaselineRegressions(2, 4, frozenset(), 0, 0, 4, 4))

    assert said[-1].endswith("0 cells regressed, 0 fixed, 4 errored (not evaluated).")
    assert panel.hint_text() == no_regressions_hint(2, 4)
    assert "4 cells errored (not evaluated)" in panel.hint_text()
    assert no_regressions_hint(2) == "No regressions against run #2"


# -- 2. the cell detail's note on samples ------------------------------------------------------


def test_an_errored_repeat_ran_and_is_not_counted_as_not_run() -> None:
    samples = (
        make_cell("c1", number=1),
        make_cell("c1", number=2, repeat=1),
        errored_cell("c1", number=3, repeat=2),
    )
    note = flaky_note(CellSelection(samples, repeats=3))
    assert note == "2 of 2 samples passed, the same output, 1 errored (not evaluated)"
    # A repeat with no sample at all is what "not run" counts.
    partial = flaky_note(CellSelection(samples[::2], repeats=3))
    assert partial == "1 of 1 samples passed, 1 output, 1 errored (not evaluated) (1 not run)"


def test_flaky_notes_say_the_same_output_rather_than_one_different_outputs() -> None:
    samples = (make_cell("c1"), make_cell("c1", number=2, repeat=1, passed=False))
    assert flaky_note(CellSelection(samples)) == ("Flaky: 1 of 2 samples passed, the same output")
    flaky = SimpleNamespace(
        case_id="c1", prompt_id="p1", model_id="m1", passes=1, samples=2, distinct_outputs=1
    )
    assert "passed 1 of 2 samples, the same output" in flaky_text([flaky])  # type: ignore[list-item]
    flaky.distinct_outputs = 2
    assert "passed 1 of 2 samples, 2 different outputs" in flaky_text([flaky])  # type: ignore[list-item]


# -- 3. the suite to select after an import waits for a read that knows it ---------------------

GOOD_SUITE = f"""
name: good
prompts:
  - id: plain
    template: "Q: {{{{ message }}}}"
models:
  - {DEFAULT_MODEL_NAME}
tests:
  - {{id: one, vars: {{message: 'My lamp flickers'}}, assert: [{{type: icontains, value: bulb}}]}}
"""


def test_an_older_library_read_answering_first_keeps_the_suite_to_select(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.ui.pages import evaluations_page

    home = window.context.home
    store_text(home, GOOD_SUITE)
    page = open_page(window, qtbot, "good")

    read = evaluations_page.read_library
    has_read, gate, first_done = threading.Event(), threading.Event(), threading.Event()
    calls: list[int] = []

    def older_first(task: Any) -> Library:
        calls.append(1)
        if len(calls) == 1:  # the older read: taken before the import, answers first
            library = read(task)
            has_read.set()
            gate.wait(10)
            first_done.set()
            return library
        first_done.wait(10)
        return read(task)

    monkeypatch.setattr(evaluations_page, "read_library", older_first)
    page.refresh()
    assert has_read.wait(10)
    store_text(home, GOOD_SUITE.replace("name: good", "name: zeta"))
    page._on_library_actions_suite_imported("zeta")
    answered: list[bool] = []
    page.library_loaded.connect(lambda: answered.append(True))
    gate.set()
    qtbot.waitUntil(lambda: len(answered) == 2, timeout=TIMEOUT_MS)

    assert len(calls) == 2
    assert page.selected_suite() == "zeta"  # it read "good": the older read showed row 0
    qtbot.waitUntil(lambda: page.editor.editing_suite == "zeta", timeout=TIMEOUT_MS)


# -- 4. what the statistics and "Failures only" do with errored cells --------------------------


def test_the_statistics_say_errored_cells_are_left_out_of_the_pass_rates(qtbot: Any) -> None:
    panel = SummaryPanel()
    qtbot.addWidget(panel)
    panel.set_cells([make_cell("c1"), errored_cell("c2", number=2)], COLUMNS[:1], None)
    tip = panel.warnings.toolTip()
    assert "every sample that ran" not in tip
    assert "left out of the pass rates" in tip
    rate_tip = HEADER_TIPS[HEADERS.index("Pass rate")]
    assert "of those that ran" not in rate_tip
    assert "errored samples are left out" in rate_tip


def test_failures_only_keeps_errored_rows_and_says_so(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.lay_out(snapshot())
    panel.add_cells([errored_cell("c1"), make_cell("c2", number=2)])
    panel.failures_only.setChecked(True)
    assert panel.filter.rowCount() == 1
    assert panel.filter.headerData(0, Qt.Orientation.Vertical) == "Lamp"
    assert "failing or errored" in panel.failures_only.toolTip()


def test_a_row_leaves_failures_only_when_its_failing_sample_is_replaced_by_a_pass() -> None:
    data = MatrixData(rows_from_cases(CASES), list(COLUMNS))
    data.place(make_cell("c1", passed=False))
    data.place(errored_cell("c2", "p1", number=3))
    data.place(make_cell("c2", "p2", passed=False, number=4))
    assert data.failing_rows == {0, 1}

    data.place(make_cell("c1"))  # the same cell again (resumed, replayed): it passes now
    data.place(make_cell("c2", "p1", number=3))  # the error is gone, but p2 still fails

    assert data.failing_rows == {1}
    data.place(make_cell("c2", "p2", number=4))
    assert data.failing_rows == set()


def test_the_filter_follows_a_row_that_stops_failing(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    panel.lay_out(snapshot())
    panel.add_cells([make_cell("c1", passed=False), make_cell("c2", number=2)])
    panel.failures_only.setChecked(True)
    assert panel.filter.rowCount() == 1
    panel.add_cells([make_cell("c1")])
    assert panel.filter.rowCount() == 0
    assert isinstance(panel.matrix, MatrixModel)


# -- 5. no dead regressions task ---------------------------------------------------------------


def test_the_tasks_module_has_no_second_regressions_function() -> None:
    # The "Regressions vs" filter runs find_baseline_regressions; a twin in tasks.py that
    # nothing calls would drift from it (it knew nothing of errored cells).
    assert not hasattr(tasks, "find_regressions")
    assert not hasattr(tasks, "Regressions")
