"""The fourth QA round of the Evaluations page: a partly run repeated cell, an all-errored
cell's note, two choices of one prompt version in New suite, a single ``similar`` text
reopening as typed, and counts of samples said as samples."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from eval_pages import RUN_TIMEOUT_MS, open_page, store_text
from eval_values import make_cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from scripted_hosts import ScriptedModel

from workbench.evals import CellResult, EvalCase, summarize_cells
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.ui.evals.assertions_dialog import build_row, parse_value, value_text
from workbench.ui.evals.cell_detail import CellSelection, flaky_note
from workbench.ui.evals.grid_panel import GridPanel
from workbench.ui.evals.matrix_model import PARTIAL_COLOR, MatrixModel, rows_from_cases
from workbench.ui.evals.new_suite_dialog import ChoiceRole, NewSuiteDialog
from workbench.ui.evals.run_controller import unit_noun
from workbench.ui.evals.run_dialog import cell_count_line
from workbench.ui.evals.suite_tasks import ColumnChoices, NewSuiteChoices
from workbench.ui.evals.summary_panel import warnings_text
from workbench.ui.evals.tasks import StoredPromptChoice

COLUMN = ("p1", "m1")


def errored(cell: CellResult) -> CellResult:
    return dataclasses.replace(cell, status="error", error="model crashed", passed=False)


def one_cell_model(qtbot: Any, repeats: int, *, executing: bool) -> MatrixModel:
    model = MatrixModel()
    model.set_layout(rows_from_cases([EvalCase("c1")]), [COLUMN])
    model.set_repeats(repeats)
    model.set_executing(executing)
    return model


# 1. A partly run repeated cell -------------------------------------------------------------


def test_a_cell_with_samples_never_run_says_so_on_a_neutral_colour(qtbot: Any) -> None:
    model = one_cell_model(qtbot, 3, executing=False)
    model.add_cells([make_cell("c1", output="Hello! How can I help?")])
    index = model.index(0, 0)
    assert model.data(index) == "1/1 · 2 not run Hello! How can I help?"
    background = model.data(index, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush)
    assert background.color() == PARTIAL_COLOR
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "2 of 3 samples not run" in tip
    assert "Resume" in tip


def test_two_of_three_samples_read_as_unfinished_not_flaky(qtbot: Any) -> None:
    model = one_cell_model(qtbot, 3, executing=False)
    model.add_cells([make_cell("c1", number=1), make_cell("c1", number=2, repeat=1, passed=False)])
    index = model.index(0, 0)
    assert str(model.data(index)).startswith("1/2 · 1 not run ")
    assert model.data(index, Qt.ItemDataRole.BackgroundRole).color() == PARTIAL_COLOR


def test_while_the_run_executes_the_missing_samples_are_queued(qtbot: Any) -> None:
    model = one_cell_model(qtbot, 3, executing=True)
    model.add_cells([make_cell("c1")])
    index = model.index(0, 0)
    assert model.data(index) == "1/1 · … Replace the bulb."
    assert "2 of 3 samples still queued" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole).color() != PARTIAL_COLOR


def test_a_complete_cell_and_a_single_repeat_read_as_before(qtbot: Any) -> None:
    model = one_cell_model(qtbot, 1, executing=False)
    model.add_cells([make_cell("c1")])
    assert model.data(model.index(0, 0)) == "✓ Replace the bulb."
    full = one_cell_model(qtbot, 2, executing=False)
    full.add_cells([make_cell("c1", number=1), make_cell("c1", number=2, repeat=1)])
    assert full.data(full.index(0, 0)) == "2/2 Replace the bulb."
    assert full.data(full.index(0, 0), Qt.ItemDataRole.BackgroundRole).color() != PARTIAL_COLOR


def test_an_errored_sample_of_a_partly_run_cell_is_counted(qtbot: Any) -> None:
    model = one_cell_model(qtbot, 3, executing=False)
    model.add_cells([errored(make_cell("c1"))])
    assert model.data(model.index(0, 0)) == "⚠ 1 · 2 not run model crashed"


def test_the_grid_takes_the_repeat_count_from_the_run_snapshot(qtbot: Any) -> None:
    panel = GridPanel()
    qtbot.addWidget(panel)
    snapshot = SimpleNamespace(
        suite_name="lamps",
        cases=(EvalCase("c1"),),
        repeat=3,
        prompts=(SimpleNamespace(id="p1"),),
        models=(SimpleNamespace(id="m1"),),
    )
    panel.lay_out(snapshot)  # type: ignore[arg-type]
    panel.set_running(False)
    panel.add_cells([make_cell("c1")])
    assert panel.matrix.data(panel.matrix.index(0, 0)).startswith("1/1 · 2 not run")


# 2. Every sample errored -------------------------------------------------------------------


def test_a_cell_whose_every_sample_errored_says_only_that() -> None:
    samples = tuple(errored(make_cell("c1", number=n, repeat=n)) for n in range(3))
    assert flaky_note(CellSelection(samples, repeats=3)) == "3 of 3 samples errored (not evaluated)"


def test_an_all_errored_partly_run_cell_still_counts_the_samples_not_run() -> None:
    samples = (errored(make_cell("c1")),)
    assert flaky_note(CellSelection(samples, repeats=3)) == (
        "1 of 1 samples errored (not evaluated) (2 not run)"
    )


def test_some_errored_samples_keep_the_passed_count() -> None:
    samples = (make_cell("c1"), errored(make_cell("c1", number=2, repeat=1)))
    assert flaky_note(CellSelection(samples, repeats=2)) == (
        "1 of 1 samples passed, 1 output, 1 errored (not evaluated)"
    )


# 3. New suite: one prompt version checked twice --------------------------------------------

PROMPTS = (
    StoredPromptChoice("support-reply@production", "label → v2", "support-reply@2"),
    StoredPromptChoice("support-reply@3", "latest"),
    StoredPromptChoice("support-reply@2", "production"),
)


def new_suite_dialog(qtbot: Any, models: tuple[str, ...] = ("demo", "other")) -> NewSuiteDialog:
    dialog = NewSuiteDialog(NewSuiteChoices(ColumnChoices(PROMPTS, models), frozenset()))
    qtbot.addWidget(dialog)
    return dialog


def check(dialog: NewSuiteDialog, widget: Any, value: str, on: bool = True) -> None:
    for row in range(widget.count()):
        if widget.item(row).data(ChoiceRole) == value:
            state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            widget.item(row).setCheckState(state)
            return
    raise AssertionError(value)


def test_a_label_and_the_version_it_points_at_are_noted_not_refused(qtbot: Any) -> None:
    dialog = new_suite_dialog(qtbot)
    dialog.show()
    qtbot.keyClicks(dialog.name_edit, "fresh")
    check(dialog, dialog.model_list, "demo")
    check(dialog, dialog.prompt_list, "support-reply@2")
    check(dialog, dialog.prompt_list, "support-reply@production")
    # A moving label against a pinned version is a sound suite: said, not refused.
    expected = (
        "support-reply@production runs support-reply@2 today: the two columns give the same "
        "outputs until the label moves."
    )
    assert dialog.problem() == ""
    assert dialog.reason_label.text() == expected
    assert dialog.ok_button.isEnabled()
    check(dialog, dialog.prompt_list, "support-reply@2", on=False)
    check(dialog, dialog.prompt_list, "support-reply@3")
    assert dialog.reason_label.text() == ""
    assert dialog.ok_button.isEnabled()


def test_the_only_inventory_model_is_checked_at_the_start(qtbot: Any) -> None:
    dialog = new_suite_dialog(qtbot, ("demo",))
    assert dialog.checked_models() == ("demo",)
    assert new_suite_dialog(qtbot).checked_models() == ()


# 4. A single similar text reopens as typed -------------------------------------------------


def test_a_similar_text_reopens_as_the_text_typed() -> None:
    typed = "Hello! How can I help you today?"
    row = SimpleNamespace(
        negate=False, type="similar", value=typed, threshold="", weight="", metric=""
    )
    stored = build_row(row)  # type: ignore[arg-type]
    assert stored["value"] == [typed]  # the core keeps a list
    assert value_text(stored["value"], "similar") == typed
    for texts in (["3"], ["[abc]"]):  # texts that would read back as something else: quoted
        shown = value_text(texts, "similar")
        assert parse_value(shown, "similar") == texts[0]
    assert value_text(["a", "b"], "similar") == '["a", "b"]'


# 5. Samples counted as samples -------------------------------------------------------------


def test_errored_samples_of_a_repeated_run_are_called_samples() -> None:
    cells = [errored(make_cell("c1", number=n, repeat=n)) for n in range(3)]
    summary = summarize_cells(cells, [COLUMN], repeat=3)
    assert warnings_text(summary) == "3 samples errored and were not evaluated."
    single = summarize_cells(cells[:1], [COLUMN])
    assert warnings_text(single) == "1 cell errored and was not evaluated."


def test_the_run_dialog_counts_samples_and_cells_apart() -> None:
    assert cell_count_line(2, 1, 7, 3) == (
        "2 prompts × 1 model × 7 cases × 3 repeats = 42 samples (14 cells × 3)"
    )
    assert cell_count_line(2, 1, 7, 1) == "2 prompts × 1 model × 7 cases × 1 repeat = 14 cells"
    assert (unit_noun(1), unit_noun(3)) == ("cells", "samples")


def test_a_run_with_repeats_reports_samples_in_the_status_line(window: Any, qtbot: Any) -> None:
    suite = f"""
name: twice
repeat: 2
prompts:
  - id: plain
    template: "Q: {{{{ message }}}}"
models:
  - {DEFAULT_MODEL_NAME}
tests:
  - {{id: one, vars: {{message: 'My lamp flickers'}}, assert: [{{type: icontains, value: q}}]}}
"""
    store_text(window.context.home, suite)
    page = open_page(window, qtbot, "twice")
    page.controller.hosts = ScriptedModel().factory
    lines: list[str] = []
    page.controller.status_changed.connect(lines.append)
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS):
        page.start_run()
    assert [line.split(":")[0] for line in lines if "/2:" in line] == ["Sample 1/2", "Sample 2/2"]
    assert page.status.text().endswith("finished: 2/2 samples.")
