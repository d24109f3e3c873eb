"""Importing a suite file from the Evaluations page, promptfoo configs included: for those the
user maps each provider to an inventory model, names the suite, and decides what happens to
what cannot be mapped.

The flow: a workbench suite file is imported at once; for a promptfoo config the providers and
the inventory are read in the background, a dialog asks, and the import runs in the
background. When the config holds things that cannot be mapped (an assertion type we lack, a
provider left out), nothing is stored and the dialog opens again with every one of them listed
and the choices kept, so the user can map more or import the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import (
    PromptfooImport,
    PromptfooProvider,
    StoredSuite,
    UnsupportedImportError,
    import_promptfoo_config,
    import_suite_file,
    is_promptfoo_config,
    promptfoo_providers,
)
from workbench.inventory import list_models
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.ui.error_dialogs import report_exception
from workbench.ui.operations import TaskContext

if TYPE_CHECKING:
    from workbench.ui.context import AppContext

LEAVE_OUT = "(leave out)"


@dataclass(frozen=True)
class PromptfooPlan:
    """What the dialog offers: the config's providers and the inventory's model names."""

    path: Path
    providers: tuple[PromptfooProvider, ...]
    models: tuple[str, ...]


@dataclass(frozen=True)
class PromptfooChoice:
    """What the user chose: provider key -> model (left-out providers absent), the suite's
    name (None: from the file), and whether to import what can be mapped."""

    mapping: dict[str, str]
    name: str | None
    skip_unsupported: bool


def prepare_import(task: TaskContext, path: Path) -> PromptfooPlan | StoredSuite:
    """Import a workbench suite file at once; for a promptfoo config, read what the dialog
    needs: its providers and the registered models (background)."""
    if not is_promptfoo_config(path):
        return import_suite_file(task.store, path)[0]
    providers = promptfoo_providers(path)
    models = tuple(model.name for model in list_models(task.store))
    return PromptfooPlan(path, providers, models)


def import_config(task: TaskContext, path: Path, choice: PromptfooChoice) -> PromptfooImport:
    """Translate and store the config as a suite, all or nothing (background)."""
    return import_promptfoo_config(
        task.store,
        path,
        mapping=choice.mapping,
        name=choice.name,
        skip_unsupported=choice.skip_unsupported,
    )


def default_model_for(provider: PromptfooProvider, models: tuple[str, ...]) -> str:
    """The model first offered for ``provider``: one named like it, else the demo model,
    else the first registered one."""
    for name in (provider.key, provider.id, DEFAULT_MODEL_NAME):
        if name in models:
            return name
    return models[0] if models else LEAVE_OUT


class PromptfooDialog(QDialog):
    """Map providers to models, name the suite, choose what to do with the unmappable."""

    def __init__(
        self,
        plan: PromptfooPlan,
        parent: QWidget | None = None,
        *,
        choice: PromptfooChoice | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("promptfooImportDialog")
        self.setWindowTitle("Import a promptfoo config")
        self.plan = plan
        intro = QLabel(
            f"<b>{plan.path.name}</b><br>Pick the local model that stands in for each provider. "
            "A provider left out is not imported."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.model_boxes: dict[str, QComboBox] = {}
        for provider in plan.providers:
            box = QComboBox()
            box.setObjectName(f"providerModel:{provider.key}")
            box.addItems([*plan.models, LEAVE_OUT])
            chosen = choice.mapping.get(provider.key, LEAVE_OUT) if choice else None
            box.setCurrentText(chosen or default_model_for(provider, plan.models))
            label = (
                provider.key if provider.key == provider.id else f"{provider.key} ({provider.id})"
            )
            form.addRow(f"{label}:", box)
            self.model_boxes[provider.key] = box
        self.name_edit = QLineEdit((choice.name or "") if choice else "")
        self.name_edit.setPlaceholderText("from the file or its folder")
        form.addRow("Suite name:", self.name_edit)
        self.skip_box = QCheckBox("Import what can be mapped; record the rest in the suite's notes")
        self.skip_box.setChecked(bool(choice and choice.skip_unsupported))
        self.problems_view = QPlainTextEdit("\n".join(f"• {item}" for item in problems))
        self.problems_view.setObjectName("promptfooProblems")
        self.problems_view.setReadOnly(True)
        self.problems_view.setVisible(bool(problems))
        problems_label = QLabel(
            "Nothing was imported. These cannot be mapped; map more providers, or tick the box "
            "above to import the rest:"
        )
        problems_label.setWordWrap(True)
        problems_label.setVisible(bool(problems))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.skip_box)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems_view, 1)
        layout.addWidget(buttons)
        self.resize(560, 420 if problems else 260)

    def choice(self) -> PromptfooChoice:
        """The choices as they stand."""
        mapping = {
            key: box.currentText()
            for key, box in self.model_boxes.items()
            if box.currentText() != LEAVE_OUT
        }
        name = self.name_edit.text().strip() or None
        return PromptfooChoice(mapping, name, self.skip_box.isChecked())


class SuiteImportFlow(QObject):
    """Drives imports: a suite file at once; a promptfoo config through read, ask, import,
    and ask again after unmappable items. ``imported`` carries the suite's name and a summary
    of what was stored (and, for promptfoo, mapped, skipped and changed)."""

    imported = Signal(str, str)
    dialog_opened = Signal(object)  # PromptfooDialog (tests and screenshots reach it here)

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.parent_widget = parent
        self.dialog: PromptfooDialog | None = None

    def start(self, path: Path) -> None:
        """Import the suite file or promptfoo config at ``path`` (asking for a mapping)."""
        self.context.run(
            lambda task: prepare_import(task, path),
            parent=self.parent_widget,
            success=self._on_prepared,
        ).run_in_background()

    def _on_prepared(self, prepared: PromptfooPlan | StoredSuite) -> None:
        if isinstance(prepared, StoredSuite):
            suite = prepared.suite
            self.imported.emit(
                prepared.name,
                f"Imported suite {prepared.ref}: {len(suite.prompts)} prompts × "
                f"{len(suite.models)} models × {len(suite.cases)} cases.",
            )
        else:
            self._ask(prepared)

    def _ask(
        self,
        plan: PromptfooPlan,
        choice: PromptfooChoice | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        dialog = PromptfooDialog(plan, self.parent_widget, choice=choice, problems=problems)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._import(plan, dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _import(self, plan: PromptfooPlan, choice: PromptfooChoice) -> None:
        self.dialog = None
        self.context.run(
            lambda task: import_config(task, plan.path, choice),
            parent=self.parent_widget,
            success=self._on_imported,
        ).failure(lambda error: self._on_failed(error, plan, choice)).run_in_background()

    @Slot(object)
    def _on_imported(self, result: PromptfooImport) -> None:
        self.imported.emit(result.stored.name if result.stored else "", import_summary(result))

    def _on_failed(
        self, error: BaseException, plan: PromptfooPlan, choice: PromptfooChoice
    ) -> None:
        if isinstance(error, UnsupportedImportError):
            self._ask(plan, choice, error.items)
        else:
            report_exception(error, self.parent_widget)


def import_summary(result: PromptfooImport) -> str:
    """A few lines on what the import stored, mapped, skipped and changed."""
    stored = result.stored
    ref = stored.ref if stored is not None else result.suite.name
    verb = "Imported" if result.created else "Already stored:"
    lines = [
        f"{verb} suite {ref}: {len(result.suite.prompts)} prompts × "
        f"{len(result.suite.models)} models × {len(result.suite.cases)} cases."
    ]
    lines += [f"Provider {key} → {model}" for key, model in result.providers.items()]
    lines += [f"Skipped: {item}" for item in result.skipped]
    lines += [f"Note: {item}" for item in result.warnings]
    return "\n".join(lines)
