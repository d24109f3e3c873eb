"""What the buttons of the Evaluations page's library panel do: "New suite…" (read the choices in
the background, ask in the :class:`~workbench.ui.evals.new_suite_dialog.NewSuiteDialog`, store),
"Import…", "Run suite…" (read the choices in the background, ask in the
:class:`~workbench.ui.evals.run_dialog.RunDialog`, start), Cancel, Resume and "Export…".

Execution itself is the :class:`~workbench.ui.evals.run_controller.RunController`'s; this
class decides what to run, and reports imports, exports and a run refused because another one
executes on the panel's status line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from workbench.errors import WorkbenchError
from workbench.evals import RunOptions, StoredSuite
from workbench.ui.error_dialogs import report_exception
from workbench.ui.evals.library_panel import LibraryPanel, ask_export_target
from workbench.ui.evals.new_suite_dialog import NewSuiteDialog
from workbench.ui.evals.promptfoo_import import SuiteImportFlow
from workbench.ui.evals.run_controller import RunController
from workbench.ui.evals.run_dialog import RunDialog
from workbench.ui.evals.suite_tasks import (
    NewSuite,
    NewSuiteChoices,
    create_suite,
    read_new_suite_choices,
)
from workbench.ui.evals.tasks import (
    ExportedRun,
    RunChoices,
    VariableGap,
    export_run_file,
    read_prompt_gaps,
    read_run_choices,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from workbench.ui.context import AppContext

SUITE_FILES = "Suites and promptfoo configs (*.yaml *.yml *.json);;All files (*)"


class LibraryActions(QObject):
    """New suite…, Import…, Run suite…, Cancel, Resume and Export… for one page."""

    suite_created = Signal(object)  # StoredSuite
    new_suite_dialog_opened = Signal(object)  # NewSuiteDialog
    suite_imported = Signal(str)
    run_dialog_opened = Signal(object)  # RunDialog
    run_exported = Signal(object)  # ExportedRun

    def __init__(
        self,
        context: AppContext,
        page: QWidget,
        library: LibraryPanel,
        controller: RunController,
    ) -> None:
        super().__init__(page)
        self.context = context
        self.page = page
        self.library = library
        self.controller = controller
        self.run_dialog: RunDialog | None = None
        self.new_suite_dialog: NewSuiteDialog | None = None
        self.export_folder = Path.home()
        self._choices_pending = False
        self._new_suite_pending = False  # its choices are being read, or the suite stored
        self.import_flow = SuiteImportFlow(context, page)
        self.import_flow.imported.connect(self._on_import_flow_imported)
        library.new_button.clicked.connect(self._on_new_button_clicked)
        library.import_button.clicked.connect(self._on_import_button_clicked)
        library.run_button.clicked.connect(self._on_run_button_clicked)
        library.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        library.resume_button.clicked.connect(self._on_resume_button_clicked)
        library.export_button.clicked.connect(self._on_export_button_clicked)

    def open_new_suite_dialog(self) -> None:
        """Read the stored prompt versions, models and suite names, then ask in a dialog."""
        if self._new_suite_pending or self.new_suite_dialog is not None:
            return
        self._new_suite_pending = True
        self.library.status.setText("Reading the prompt versions and models…")
        self.context.run(
            read_new_suite_choices, parent=self.page, success=self._on_new_suite_choices_read
        ).failure(self._on_new_suite_failed).run_in_background()

    def create_suite(self, new: NewSuite) -> None:
        """Store the suite ``new`` in the background; announce it."""
        self._new_suite_pending = True
        self.library.status.setText(f"Creating {new.name}…")
        self.context.run(
            lambda task: create_suite(task, new), parent=self.page, success=self._on_suite_created
        ).failure(self._on_new_suite_failed).run_in_background()

    def import_suite_path(self, path: Path) -> None:
        """Import the suite file at ``path`` in the background (a promptfoo config through
        the provider-mapping dialog); announce its name."""
        self.import_flow.start(path)

    def open_run_dialog(self) -> None:
        """Read what a run of the selected suite could use, then ask in the run dialog."""
        suite = self.library.selected_suite()
        busy = self.controller.running or self._choices_pending or self.run_dialog is not None
        if suite is None or busy:
            return
        self._choices_pending = True
        self.library.status.setText(f"Reading {suite}…")
        self.context.run(
            lambda task: read_run_choices(task, suite),
            parent=self.page,
            success=self._on_run_choices_read,
        ).failure(self._on_run_choices_failed).run_in_background()

    def start_run(self, options: RunOptions | None = None, *, suite: str | None = None) -> None:
        """Run ``suite`` (default: the selected one; ``NAME`` or ``NAME@VERSION``) in the
        background with ``options`` (None: the suite's own settings)."""
        suite = suite or self.library.selected_suite()
        if suite is not None and not self.controller.start(suite, options):
            self.library.status.setText(f"{self._executing()}: {suite} did not start.")

    def resume_run(self, run_id: int | None = None) -> None:
        """Finish run ``run_id`` (default: the one selected in the runs list)."""
        if run_id is None:
            run = self.library.selected_run()
            run_id = None if run is None else run.id
        if run_id is not None and not self.controller.resume(run_id):
            self.library.status.setText(f"{self._executing()}: run #{run_id} was not resumed.")

    def cancel_run(self) -> None:
        """Stop the run: the generation in flight stops, nothing more runs."""
        if self.controller.running:
            self.library.cancel_button.setEnabled(False)
            self.controller.cancel()

    def export_run(self, run_id: int, path: Path, fmt: str) -> None:
        """Write run ``run_id``'s cells to ``path`` as ``fmt`` (csv or jsonl), in the background."""
        self.library.status.setText(f"Exporting run #{run_id}…")
        self.context.run(
            lambda task: export_run_file(task, run_id, fmt, path),
            parent=self.page,
            success=self._on_run_exported,
        ).failure(self._on_run_export_failed).run_in_background()

    def _executing(self) -> str:
        """Which run executes (one at a time), for a status line that says why not."""
        run_id = self.controller.run_id
        return "Another run is executing" if run_id is None else f"Run #{run_id} is executing"

    # -- slots ------------------------------------------------------------------------------
    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_new_suite_dialog()

    def _on_new_suite_choices_read(self, choices: NewSuiteChoices) -> None:
        self._new_suite_pending = False
        self.library.status.setText("Name the new suite and choose its columns.")
        dialog = NewSuiteDialog(choices, self.page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self.create_suite)
        dialog.finished.connect(self._on_new_suite_dialog_finished)
        self.new_suite_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        self.new_suite_dialog_opened.emit(dialog)

    @Slot(int)
    def _on_new_suite_dialog_finished(self, result: int) -> None:
        self.new_suite_dialog = None

    def _on_suite_created(self, stored: StoredSuite) -> None:
        self._new_suite_pending = False
        if self.new_suite_dialog is not None:
            self.new_suite_dialog.stored()
        self.library.status.setText(f"Created {stored.ref}: fill in its first case.")
        self.suite_created.emit(stored)

    def _on_new_suite_failed(self, error: BaseException) -> None:
        self._new_suite_pending = False
        self.library.status.setText(f"No new suite: {error}")
        dialog = self.new_suite_dialog
        if dialog is not None and dialog.storing and isinstance(error, WorkbenchError):
            dialog.refused(str(error))  # in the dialog, with every answer kept
            return
        report_exception(error, self.page)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.page, "Import a suite", "", SUITE_FILES)
        if path:
            self.import_suite_path(Path(path))

    @Slot(str, str)
    def _on_import_flow_imported(self, name: str, summary: str) -> None:
        self.library.status.setText(summary)
        self.suite_imported.emit(name)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.open_run_dialog()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.cancel_run()

    @Slot()
    def _on_resume_button_clicked(self) -> None:
        self.resume_run()

    @Slot()
    def _on_export_button_clicked(self) -> None:
        run = self.library.selected_run()
        if run is None:
            return
        target = ask_export_target(self.page, run, self.export_folder)
        if target is not None:
            path, fmt = target
            self.export_folder = path.parent
            self.export_run(run.id, path, fmt)

    def _on_run_choices_read(self, choices: RunChoices) -> None:
        self._choices_pending = False
        if self.controller.running:  # a run (a Resume) started while the choices were read
            self.library.status.setText(
                f"{self._executing()}: press Run suite… again for {choices.suite.ref} once it "
                "has ended."
            )
            return
        self.library.status.setText(f"Choose the columns of the run of {choices.suite.ref}.")
        dialog = RunDialog(choices, self.page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The version the dialog showed runs, even if the suite was saved again meanwhile.
        ref = choices.suite.ref
        dialog.accepted.connect(lambda: self.start_run(dialog.options(), suite=ref))
        dialog.prompt_check_requested.connect(
            lambda prompt: self._check_run_prompt(dialog, ref, prompt)
        )
        dialog.finished.connect(self._on_run_dialog_finished)
        self.run_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        self.run_dialog_opened.emit(dialog)

    def _check_run_prompt(self, dialog: RunDialog, suite_ref: str, prompt: str) -> None:
        """Check in the background that the cases of ``suite_ref`` give the variables the
        prompt column ``prompt`` uses; answer ``dialog`` unless it has closed meanwhile."""

        def checked(gaps: tuple[VariableGap, ...]) -> None:
            if self.run_dialog is dialog:
                dialog.set_prompt_gaps(prompt, gaps)

        def failed(error: BaseException) -> None:
            user_error = isinstance(error, WorkbenchError)
            if self.run_dialog is dialog:
                dialog.prompt_check_failed(prompt, str(error) if user_error else "a bug")
            if not user_error:
                report_exception(error, self.page)  # a bug: shown with its traceback

        self.context.run(
            lambda task: read_prompt_gaps(task, suite_ref, prompt),
            parent=self.page,
            success=checked,
        ).failure(failed).run_in_background()

    def _on_run_choices_failed(self, error: BaseException) -> None:
        self._choices_pending = False
        self.library.status.setText(f"Could not prepare the run: {error}")
        report_exception(error, self.page)

    @Slot(int)
    def _on_run_dialog_finished(self, result: int) -> None:
        self.run_dialog = None

    def _on_run_exported(self, exported: ExportedRun) -> None:
        rows = "row" if exported.rows == 1 else "rows"
        self.library.status.setText(
            f"Exported {exported.rows} {rows} of run #{exported.run_id} to {exported.path}."
        )
        self.run_exported.emit(exported)

    def _on_run_export_failed(self, error: BaseException) -> None:
        self.library.status.setText(f"The export failed: {error}")
        report_exception(error, self.page)
