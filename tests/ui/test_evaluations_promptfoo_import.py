"""Importing suite files from the Evaluations page: a workbench suite at once, a promptfoo
config through the provider-mapping dialog, unmappable items listed with nothing stored, and a
malformed file refused with a message."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from workbench.evals import PromptfooProvider, get_suite, list_suites
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.ui.evals.promptfoo_import import (
    LEAVE_OUT,
    PromptfooDialog,
    SuiteImportFlow,
    default_model_for,
)

TIMEOUT_MS = 20_000

CONFIG = textwrap.dedent(
    """\
    description: Greetings
    prompts: ['Say hello to {{ name }}.']
    providers:
      - openai:gpt-4o-mini
      - {id: 'ollama:chat:llama3', label: local}
    tests:
      - vars: {name: Ada}
        assert: [{type: icontains, value: ada}]
      - vars: {name: Bo}
        assert: [{type: EXTRA, value: bo}]
    """
)


def write_config(tmp_path: Path, extra: str = "icontains") -> Path:
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text(CONFIG.replace("EXTRA", extra), encoding="utf-8")
    return path


def make_flow(window: Any) -> SuiteImportFlow:
    return SuiteImportFlow(window.context, window.pages["evaluations"])


def wait_dialog(flow: SuiteImportFlow, qtbot: Any, path: Path) -> PromptfooDialog:
    with qtbot.waitSignal(flow.dialog_opened, timeout=TIMEOUT_MS) as opened:
        flow.start(path)
    dialog: PromptfooDialog = opened.args[0]
    return dialog


def stored_names(window: Any) -> set[str]:
    with open_store(window.context.home) as store:
        return {suite.name for suite in list_suites(store)}


def test_a_workbench_suite_file_is_imported_without_questions(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "lamps.yaml"
    path.write_text(
        f"name: lamps\nprompts: [support-reply@1]\nmodels: [{DEFAULT_MODEL_NAME}]\n"
        "tests:\n  - vars: {message: hi, customer_name: Ada}\n",
        encoding="utf-8",
    )
    flow = make_flow(window)
    opened: list[object] = []
    flow.dialog_opened.connect(opened.append)

    with qtbot.waitSignal(flow.imported, timeout=TIMEOUT_MS) as imported:
        flow.start(path)

    assert imported.args[0] == "lamps"
    assert "lamps@1: 1 prompts × 1 models × 1 cases" in imported.args[1]
    assert opened == []
    assert "lamps" in stored_names(window)


def test_providers_are_mapped_in_the_dialog_then_the_suite_is_stored(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    flow = make_flow(window)
    dialog = wait_dialog(flow, qtbot, write_config(tmp_path))

    assert set(dialog.model_boxes) == {"openai:gpt-4o-mini", "local"}
    assert dialog.model_boxes["local"].currentText() == DEFAULT_MODEL_NAME
    dialog.name_edit.setText("greetings")
    with qtbot.waitSignal(flow.imported, timeout=TIMEOUT_MS) as imported:
        dialog.accept()

    name, summary = imported.args
    assert name == "greetings"
    assert f"Provider local → {DEFAULT_MODEL_NAME}" in summary
    with open_store(window.context.home) as store:
        suite = get_suite(store, "greetings").suite
    assert [m.name for m in suite.models] == [DEFAULT_MODEL_NAME, DEFAULT_MODEL_NAME]
    assert len(suite.cases) == 2


def test_unmappable_items_reopen_the_dialog_and_nothing_is_stored_until_the_user_agrees(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    flow = make_flow(window)
    dialog = wait_dialog(flow, qtbot, write_config(tmp_path, extra="javascript"))
    dialog.name_edit.setText("with-js")
    dialog.model_boxes["openai:gpt-4o-mini"].setCurrentText(LEAVE_OUT)

    with qtbot.waitSignal(flow.dialog_opened, timeout=TIMEOUT_MS) as reopened:
        dialog.accept()

    again: PromptfooDialog = reopened.args[0]
    problems = again.problems_view.toPlainText()
    assert "javascript" in problems
    assert "openai:gpt-4o-mini" in problems
    assert again.name_edit.text() == "with-js"
    assert again.model_boxes["openai:gpt-4o-mini"].currentText() == LEAVE_OUT
    assert "with-js" not in stored_names(window)

    again.skip_box.setChecked(True)
    with qtbot.waitSignal(flow.imported, timeout=TIMEOUT_MS) as imported:
        again.accept()

    assert "Skipped:" in imported.args[1]
    with open_store(window.context.home) as store:
        suite = get_suite(store, "with-js").suite
    assert any("javascript" in note for note in suite.notes)
    assert [m.name for m in suite.models] == [DEFAULT_MODEL_NAME]


def test_a_malformed_config_is_refused_with_its_line(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text("prompts: [a\nproviders: [b]\n", encoding="utf-8")
    flow = make_flow(window)
    before = stored_names(window)

    flow.start(path)

    def message_shown() -> bool:
        boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "userErrorBox"]
        return any("promptfooconfig.yaml" in b.text() for b in boxes)

    qtbot.waitUntil(message_shown, timeout=TIMEOUT_MS)
    assert stored_names(window) == before


def test_the_first_offer_is_a_model_named_like_the_provider_else_the_demo_model() -> None:
    models = ("alpha", DEFAULT_MODEL_NAME)

    assert default_model_for(PromptfooProvider("alpha"), models) == "alpha"
    assert default_model_for(PromptfooProvider("x", "alpha"), models) == "alpha"
    assert default_model_for(PromptfooProvider("openai:gpt-4o"), models) == DEFAULT_MODEL_NAME
    assert default_model_for(PromptfooProvider("openai:gpt-4o"), ("beta",)) == "beta"
    assert default_model_for(PromptfooProvider("openai:gpt-4o"), ()) == LEAVE_OUT
