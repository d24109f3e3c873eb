"""Import and export of prompt YAML files from the Prompts page, through non-blocking file
dialogs; reading and writing happen in the background."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from workbench.prompts import ImportConflictError, ImportResult
from workbench.ui.dialogs import confirm
from workbench.ui.error_dialogs import report_exception
from workbench.ui.prompts.tasks import export_file, import_file, import_summary

if TYPE_CHECKING:
    from workbench.ui.pages.prompts_page import PromptsPage

YAML_FILTER = "Prompt files (*.yaml *.yml)"


def ask_import(page: PromptsPage) -> QFileDialog:
    """Choose a prompt file; once unsaved edits are settled, import it."""
    dialog = QFileDialog(page, "Import a prompt")
    dialog.setObjectName("importPromptDialog")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilters([YAML_FILTER, "All files (*)"])
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(
        lambda path: page.run_when_saved_or_discarded(lambda: import_prompt(page, Path(path)))
    )
    dialog.open()
    return dialog


def import_prompt(page: PromptsPage, path: Path, *, renumber: bool = False) -> None:
    """Import ``path`` in the background, then open the prompt it holds. A conflict with the
    store's history asks whether to import the differing versions as new ones."""

    def imported(result: ImportResult) -> None:
        summary = import_summary(result)
        page.status(summary)
        page.refresh_prompts()
        page.open_prompt(result.prompt_name, notice=summary)

    def failed(error: BaseException) -> None:
        if not isinstance(error, ImportConflictError):
            report_exception(error, page)
            return
        confirm(
            page,
            "Import conflicts with history",
            f"{error}\n\nImport the file's differing versions as new versions after the "
            "latest one instead? History is never rewritten.",
            lambda: import_prompt(page, path, renumber=True),
            yes_text="Import as new versions",
        )

    page.context.run(
        lambda task: import_file(task, path, renumber=renumber), parent=page, success=imported
    ).failure(failed).serial().run_in_background()


def ask_export(page: PromptsPage, name: str) -> QFileDialog:
    """Choose where to write prompt ``name`` as YAML, then write it."""
    dialog = QFileDialog(page, f"Export {name}")
    dialog.setObjectName("exportPromptDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters([YAML_FILTER])
    dialog.setDefaultSuffix("yaml")
    dialog.selectFile(f"{name}.yaml")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda path: export_prompt(page, name, Path(path)))
    dialog.open()
    return dialog


def export_prompt(page: PromptsPage, name: str, path: Path) -> None:
    """Write prompt ``name`` (every version and label) to ``path`` in the background."""
    page.context.run(
        lambda task: export_file(task, name, path),
        parent=page,
        success=lambda written: page.status(f"Exported {name} to {written}."),
    ).run_in_background()
