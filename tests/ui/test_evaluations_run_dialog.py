"""The run dialog on its own, from prepared choices (no store, no model): what it offers, the
RunOptions it answers, the cell count line and when Run is refused; and the export file
choice of the save dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from workbench.evals import RunOptions, StoredSuite, load_suite_text
from workbench.ui.evals.library_panel import EXPORT_FILTERS, export_target
from workbench.ui.evals.run_dialog import ChoiceRole, RunDialog, cell_count_line
from workbench.ui.evals.tasks import RunChoices, StoredPromptChoice

SUITE = """
name: dialog-suite
prompts:
  - support-reply@1
  - id: inline
    template: "Q: {{ message }}"
models:
  - demo
  - {id: small, name: demo, load: {context_size: 512}}
repeat: 2
threshold: 0.6
tests:
  - {id: a, tags: [smoke], vars: {message: A}}
  - {id: b, tags: [slow], vars: {message: B}}
  - {id: c, tags: [smoke, slow], vars: {message: C}}
"""


def prepared_choices() -> RunChoices:
    suite = load_suite_text(SUITE, source="dialog.yaml")
    stored = StoredSuite(1, suite.name, 4, suite.sha256, "test", "2026-01-01", "tester", suite)
    prompts = (
        StoredPromptChoice("support-reply@production", "label → v2"),
        StoredPromptChoice("support-reply@3", "latest"),
        StoredPromptChoice("support-reply@2", "production"),
        StoredPromptChoice("support-reply@1", ""),
    )
    return RunChoices(stored, prompts, ("demo", "other-model"))


@pytest.fixture
def dialog(qtbot: Any) -> RunDialog:
    made = RunDialog(prepared_choices())
    qtbot.addWidget(made)
    return made


def offered(widget: QListWidget) -> dict[str, bool]:
    """Each choice of a list and whether it is checked (headers left out)."""
    items = [widget.item(row) for row in range(widget.count())]
    return {
        item.data(ChoiceRole): item.checkState() == Qt.CheckState.Checked
        for item in items
        if item.data(ChoiceRole) is not None
    }


def set_checked(widget: QListWidget, value: str, checked: bool) -> None:
    for row in range(widget.count()):
        item = widget.item(row)
        if item.data(ChoiceRole) == value:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            return
    raise AssertionError(f"{value} is not offered")


def test_it_offers_the_suite_columns_checked_and_other_versions_and_models_unchecked(
    dialog: RunDialog,
) -> None:
    assert list(offered(dialog.prompt_list).items()) == [
        ("support-reply@1", True),
        ("inline", True),
        ("support-reply@production", False),
        ("support-reply@3", False),
        ("support-reply@2", False),
    ]  # support-reply@1 is the suite's column already: not offered twice
    assert list(offered(dialog.model_list).items()) == [
        ("demo", True),
        ("small", True),
        ("other-model", False),
    ]
    assert offered(dialog.tag_list) == {"slow": False, "smoke": False}
    assert dialog.repeat_box.value() == 2
    assert dialog.windowTitle() == "Run dialog-suite@4"


def test_the_default_selection_answers_empty_options(dialog: RunDialog) -> None:
    assert dialog.options() == RunOptions()
    assert dialog.ok_button.isEnabled()


def test_unchecking_a_prompt_and_checking_a_stored_version_choose_the_columns(
    dialog: RunDialog,
) -> None:
    set_checked(dialog.prompt_list, "inline", False)
    set_checked(dialog.prompt_list, "support-reply@3", True)
    set_checked(dialog.model_list, "other-model", True)

    options = dialog.options()

    assert options.prompts == ("support-reply@1", "support-reply@3")
    assert options.models == ("demo", "small", "other-model")
    assert options.repeat is None
    assert options.tags == ()


def test_tags_repeats_and_threshold_become_options(dialog: RunDialog) -> None:
    set_checked(dialog.tag_list, "slow", True)
    dialog.repeat_box.setValue(3)
    assert not dialog.threshold_box.isEnabled()
    dialog.threshold_check.setChecked(True)
    assert dialog.threshold_box.isEnabled()
    assert dialog.threshold_box.value() == 60.0  # starts at the suite's own
    dialog.threshold_box.setValue(75.0)

    assert dialog.options() == RunOptions(repeat=3, threshold=0.75, tags=("slow",))


def test_the_count_line_follows_every_choice(dialog: RunDialog) -> None:
    assert (
        dialog.count_label.text()
        == "2 prompts × 2 models × 3 cases × 2 repeats = 24 samples (12 cells × 2)"
    )
    set_checked(dialog.prompt_list, "support-reply@2", True)
    assert (
        dialog.count_label.text()
        == "3 prompts × 2 models × 3 cases × 2 repeats = 36 samples (18 cells × 2)"
    )
    set_checked(dialog.model_list, "small", False)
    set_checked(dialog.tag_list, "smoke", True)  # cases a and c
    dialog.repeat_box.setValue(1)
    assert dialog.count_label.text() == "3 prompts × 1 model × 2 cases × 1 repeat = 6 cells"


def test_run_is_refused_with_a_reason_while_no_prompt_or_no_model_is_checked(
    dialog: RunDialog,
) -> None:
    dialog.show()
    for prompt in ("support-reply@1", "inline"):
        set_checked(dialog.prompt_list, prompt, False)
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason_label.isVisible()
    assert dialog.reason_label.text() == "Check at least one prompt."
    assert dialog.count_label.text().endswith("= 0 samples (0 cells × 2)")

    set_checked(dialog.prompt_list, "support-reply@production", True)
    for model in ("demo", "small"):
        set_checked(dialog.model_list, model, False)
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason_label.text() == "Check at least one model."

    set_checked(dialog.model_list, "other-model", True)
    assert dialog.ok_button.isEnabled()
    assert not dialog.reason_label.isVisible()
    assert dialog.options() == RunOptions(
        prompts=("support-reply@production",), models=("other-model",)
    )


def test_a_suite_without_tags_says_every_case_runs(qtbot: Any) -> None:
    choices = prepared_choices()
    head = SUITE[: SUITE.index("tests:")]
    untagged = load_suite_text(head + "tests:\n  - {id: a, vars: {message: A}}\n")
    suite = StoredSuite(1, untagged.name, 1, untagged.sha256, "t", "t", "t", untagged)
    dialog = RunDialog(RunChoices(suite, choices.stored_prompts, ()))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.tag_list.isVisible()
    assert dialog.no_tags_label.isVisible()
    assert (
        dialog.count_label.text()
        == "2 prompts × 2 models × 1 case × 2 repeats = 8 samples (4 cells × 2)"
    )


def test_cell_count_line_speaks_in_singular_for_one() -> None:
    assert cell_count_line(1, 1, 1, 1) == "1 prompt × 1 model × 1 case × 1 repeat = 1 cell"


@pytest.mark.parametrize(
    ("path", "chosen", "expected", "fmt"),
    [
        ("out/run", EXPORT_FILTERS["csv"], "out/run.csv", "csv"),
        ("out/run", EXPORT_FILTERS["jsonl"], "out/run.jsonl", "jsonl"),
        ("out/run.JSONL", EXPORT_FILTERS["csv"], "out/run.JSONL", "jsonl"),
        ("out/run.v2", EXPORT_FILTERS["csv"], "out/run.v2.csv", "csv"),
    ],
)
def test_the_export_format_comes_from_the_name_else_the_filter(
    path: str, chosen: str, expected: str, fmt: str
) -> None:
    assert export_target(path, chosen) == (Path(expected), fmt)
