"""The Suite tab: a stored suite's settings (:mod:`~workbench.ui.evals.suite_settings`) above
its cases (:mod:`~workbench.ui.evals.cases_panel`), saved together as ONE new version.

Unsaved edits are never dropped by a click elsewhere: while the settings or the cases have
edits, the editor stays on its suite until they are saved or reverted. A refused edit, save or
import is explained above the settings, and the edits stay. Every read and write (the suite,
the prompt versions and models it could add, a case file) runs in the background.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.errors import InputFileError
from workbench.evals import StoredSuite
from workbench.ui.error_dialogs import report_exception
from workbench.ui.evals.assertions_dialog import AssertionsDialog
from workbench.ui.evals.cases_model import save_problem
from workbench.ui.evals.cases_panel import CasesPanel
from workbench.ui.evals.suite_settings import SuiteSettingsForm
from workbench.ui.evals.suite_tasks import (
    ImportedCases,
    SuiteChangedError,
    SuiteToEdit,
    read_case_file,
    read_suite_to_edit,
    read_suite_warning,
    save_suite_edit,
)
from workbench.ui.prompts.colors import error_color
from workbench.wording import plural

if TYPE_CHECKING:
    from workbench.ui.context import AppContext

CASE_FILES = "Case files (*.csv *.jsonl *.yaml *.yml);;All files (*)"


class SuiteEditor(QWidget):
    """The settings and cases of one stored suite, with Save as new version and Revert."""

    suite_opened = Signal(str)
    suite_saved = Signal(object)  # StoredSuite
    cases_imported = Signal(object)  # ImportedCases

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editing_suite: str | None = None
        self.editing_version: int | None = None  # the version the edits started from
        self._wanted: str | None = None  # the suite asked for last
        # Bumped by every read asked for and every edit: only the answer to the latest read is
        # shown, so neither a slower earlier read nor one overtaken by edits replaces the tab.
        self._request = 0
        # Bumped whenever a suite is shown: a case file read for an earlier one is not added.
        self._shown = 0
        self.saving = False
        self.importing = False
        self.import_folder = Path.home()
        self._save_problem = ""
        self.settings = SuiteSettingsForm()
        self.settings.edited.connect(self._on_settings_edited)
        self.cases = CasesPanel()
        self.cases.model.edited.connect(self._on_model_edited)
        self.cases.import_button.clicked.connect(self._on_import_button_clicked)
        # The names the page and the tests know the cases' parts by.
        self.model, self.view = self.cases.model, self.cases.view
        self.add_button, self.duplicate_button = self.cases.add_button, self.cases.duplicate_button
        self.delete_button = self.cases.delete_button
        self.assertions_button = self.cases.assertions_button
        self.import_button = self.cases.import_button

        self.label = QLabel("Select a suite to edit it.")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("casesProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.hide()
        self.save_button = QPushButton("Save as new version")
        self.save_button.setObjectName("evalSaveCasesButton")
        self.save_button.setToolTip("Store the edited settings and cases as a new version (Ctrl+S)")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        # Ctrl+S wherever the focus is while the tab is shown (a window shortcut of a hidden
        # widget does not fire, so the Prompts page keeps its own Ctrl+S).
        self.save_action = QAction("Save as new version", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.save_action.triggered.connect(self._on_save_button_clicked)
        self.addAction(self.save_action)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Drop the edits and show the stored suite again")
        self.revert_button.clicked.connect(self._on_revert_button_clicked)

        # The settings scroll rather than squeeze when the splitter gives them little room.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.settings)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.cases)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self._sized = False  # the splitter is sized once, when first shown (see showEvent)
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.splitter, 1)
        self._update_actions()

    def showEvent(self, event: QShowEvent) -> None:
        """Give the settings their full height the first time the tab is shown (the splitter
        only knows its own height then); the cases get the rest."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            wanted = self.settings.sizeHint().height() + 2
            self.splitter.setSizes([wanted, max(self.splitter.height() - wanted, 1)])

    @property
    def dirty(self) -> bool:
        """Whether the settings or the cases have unsaved edits."""
        return self.model.dirty or self.settings.dirty

    @property
    def assertions_dialog(self) -> AssertionsDialog | None:
        """The open dialog of a case's assertions, if any."""
        return self.cases.assertions_dialog

    def selected_rows(self) -> list[int]:
        """The rows of the selected cases, top to bottom."""
        return self.cases.selected_rows()

    # -- suites -----------------------------------------------------------------------------
    def follow_suite(self, name: str) -> None:
        """Show suite ``name`` unless the tab holds unsaved edits of another suite (or reads a
        case file for it)."""
        if name != self._wanted and not self.dirty and not self.importing:
            self.open_suite(name)

    def suite_stored(self, name: str) -> None:
        """A new version of suite ``name`` was stored elsewhere (an import): show it, unless
        the tab holds edits, which are never dropped."""
        # Only the suite the tab shows or is opening: another (a stale one) must not win over
        # the read of the suite the user just selected.
        wanted = self._wanted or self.editing_suite
        if name == wanted and not self.dirty and not self.importing:
            self.open_suite(name)

    def open_suite(self, name: str) -> None:
        """Show the stored settings and cases of suite ``name`` (dropping unsaved edits)."""
        self._wanted = name
        self._request += 1
        request = self._request
        self.context.run(
            lambda task: read_suite_to_edit(task, name),
            parent=self,
            success=lambda read: self._on_suite_read(read, request),
        ).run_in_background()

    def save(self) -> None:
        """Store the edited settings and cases as one new version (in the background)."""
        name = self.editing_suite
        if name is None or not self.dirty or self.saving or self.importing:
            return
        problem = self.settings.problem() or self.model.problem()
        if problem is not None:
            self._show_problem(f"Not saved: {problem}")
            return
        settings = self.settings.settings()
        # A copy: the worker serialises it while the user may go on editing nested values.
        cases = copy.deepcopy(self.model.cases)
        base = self.editing_version
        self._set_saving(True)
        self.context.run(
            lambda task: save_suite_edit(task, name, settings, cases, base_version=base),
            parent=self,
            success=self._on_suite_saved,
        ).failure(self._on_save_failed).run_in_background()

    def import_cases(self, path: Path) -> None:
        """Read the case file at ``path`` in the background and add its cases below the others
        (saved with the next version); a bad file changes nothing and is explained."""
        if self.editing_suite is None or self.saving or self.importing:
            return
        self.importing = True
        self._update_actions()
        shown, label = self._shown, self.label.text()
        self.label.setText(f"Reading {path.name}…")
        self.context.run(
            lambda task: read_case_file(task, path),
            parent=self,
            success=lambda imported: self._on_cases_read(imported, shown),
        ).failure(lambda error: self._on_cases_read_failed(error, shown, label)).run_in_background()

    # -- state ------------------------------------------------------------------------------
    def _show(self, stored: StoredSuite) -> None:
        self.editing_suite = stored.name
        self.editing_version = stored.version
        self._shown += 1
        if self.cases.assertions_dialog is not None:
            # A case's assertions being edited belong to the cases this replaces.
            self.cases.assertions_dialog.reject()
        self.model.set_cases(stored.suite.cases)
        self.settings.set_suite(stored.suite)
        self.settings.set_warning("")
        self.label.setText(f"{stored.ref}: {plural(len(stored.suite.cases), 'case')}")
        self._save_problem = ""
        self._show_problem("")
        self._update_actions()
        self._read_warning(stored.ref)
        self.suite_opened.emit(stored.name)

    def _read_warning(self, ref: str) -> None:
        """Say under the settings, once read in the background, what would stop the version
        shown running as it is (cases lacking a prompt's variables, ...)."""
        shown = self._shown
        self.context.run(
            lambda task: read_suite_warning(task, ref),
            parent=self,
            success=lambda warning: self._on_warning_read(warning, shown),
        ).run_in_background()

    def _show_problem(self, text: str) -> None:
        # Coloured when shown, not when built: the theme may have changed since.
        self.problem_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _set_saving(self, saving: bool) -> None:
        # While the save runs nothing can be edited: its success replaces the settings and cases.
        self.saving = saving
        self._update_actions()

    def _update_actions(self) -> None:
        open_ = self.editing_suite is not None and not self.saving
        self.settings.setEnabled(open_)
        self.cases.set_open(open_ and not self.importing)
        self.save_button.setEnabled(open_ and self.dirty and not self.importing)
        self.save_action.setEnabled(self.save_button.isEnabled())
        self.revert_button.setEnabled(open_ and self.dirty)

    def _edited(self) -> None:
        self._request += 1
        self.label.setText(f"{self.editing_suite}: unsaved changes")
        problem = self.settings.problem() or self.model.problem()
        if problem is not None:
            problem += ". Your text is kept: fix it, or Revert."
        self._show_problem(problem or self._save_problem)
        self._update_actions()

    # -- slots ------------------------------------------------------------------------------
    def _on_suite_read(self, read: SuiteToEdit, request: int) -> None:
        if request != self._request:
            return
        self.settings.set_choices(read.choices)
        self._show(read.stored)

    def _on_suite_saved(self, value: tuple[StoredSuite, bool]) -> None:
        stored, _new = value
        self._set_saving(False)
        self._wanted = stored.name
        self._request += 1
        self._show(stored)
        self.suite_saved.emit(stored)

    def _on_warning_read(self, warning: str, shown: int) -> None:
        if shown == self._shown:  # still the version it was read for
            self.settings.set_warning(warning)

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        if isinstance(error, SuiteChangedError):  # a newer version exists: say so, keep edits
            self._save_problem = str(error)
            self._show_problem(self._save_problem)
            return
        if not isinstance(error, InputFileError):
            self._save_problem = f"Not saved: {error}"
            self._show_problem(self._save_problem)
            report_exception(error, self)  # a store problem in a box, a bug as a crash report
            return
        # The suite's own validation refused an edit: point at the case; the edits stay.
        row, self._save_problem = save_problem(error)
        self._show_problem(self._save_problem)
        if row is not None and row < self.model.rowCount():
            self.cases.select_rows([row])

    def _on_cases_read(self, imported: ImportedCases, shown: int) -> None:
        self.importing = False
        name = imported.path.name
        if shown != self._shown:
            self._update_actions()
            self._show_problem(f"Not imported: the suite changed while {name} was read.")
            return
        self.cases.append_cases(list(imported.cases))  # marks the tab edited
        self.label.setText(
            f"{self.editing_suite}: unsaved changes ({plural(len(imported.cases), 'case')} from "
            f"{name})"
        )
        self.cases_imported.emit(imported)

    def _on_cases_read_failed(self, error: BaseException, shown: int, label: str) -> None:
        self.importing = False
        self._update_actions()
        if shown == self._shown:
            self.label.setText(label)  # what it said before "Reading…"
        if not isinstance(error, InputFileError):
            self._show_problem(f"Not imported: {error}")
            report_exception(error, self)
            return
        # The message names the file, the line and the field; nothing of the file was added.
        self._show_problem(f"Not imported, nothing changed: {error}")

    @Slot()
    def _on_model_edited(self) -> None:
        self._edited()

    @Slot()
    def _on_settings_edited(self) -> None:
        self._edited()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import cases", str(self.import_folder), CASE_FILES
        )
        if path:
            self.import_folder = Path(path).parent
            self.import_cases(Path(path))

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self.editing_suite is not None:
            self.open_suite(self.editing_suite)
