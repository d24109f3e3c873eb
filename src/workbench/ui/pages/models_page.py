"""The Models page: inventory table, adding (dialog, drop, folder scan), details, load/unload."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QModelIndex, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.messages import LoadRequest
from workbench.inventory import ModelRecord, remove_model
from workbench.ui.child_process import add_model_file, run_in_child
from workbench.ui.dialogs import FoundFilesDialog, confirm
from workbench.ui.icons import icon
from workbench.ui.item_models.inventory_model import RECORD_ROLE, SORT_ROLE
from workbench.ui.operations import TaskContext
from workbench.ui.preferences import find_gguf_files
from workbench.ui.widgets.load_settings_panel import LoadSettingsPanel
from workbench.ui.widgets.model_details import ModelDetailsPane

if TYPE_CHECKING:
    from workbench.ui.context import AppContext


def _add_one(task: TaskContext, path: Path) -> ModelRecord:
    """Validate, hash and register one file (worker thread; the work runs in a child process)."""
    record: ModelRecord = run_in_child(task, add_model_file, task.home, path)
    return record


class ModelsPage(QWidget):
    """Inventory table, model details and load controls."""

    model_added = Signal(object)  # ModelRecord

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("modelsPage")
        self.context = context
        self._adding: set[Path] = set()
        self._select_after_refresh: str | None = None
        self._build_actions()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(context.inventory)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter models…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only models whose columns contain this text")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = self._build_table()
        self.details = ModelDetailsPane()
        self.load_panel = LoadSettingsPanel()
        toolbar = QToolBar()
        toolbar.setObjectName("modelsToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.add_action, self.scan_action, self.remove_action, self.refresh_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addWidget(self.filter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self._build_load_box())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("modelsSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([760, 340])
        layout = QVBoxLayout(self)
        layout.addWidget(toolbar)
        layout.addWidget(self.splitter, 1)
        context.models_refreshed.connect(self._on_context_models_refreshed)
        context.preferences_changed.connect(self.load_panel.apply_defaults)
        for host in context.hosts.values():
            host.busy_changed.connect(self._update_actions)
            host.model_loaded.connect(self._update_actions)
            host.model_unloaded.connect(self._update_actions)
        self._update_actions()

    # Construction -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.add_action = QAction(icon("add"), "Add model…", self)
        self.add_action.setShortcut(QKeySequence.StandardKey.Open)
        self.add_action.setToolTip(
            "Add GGUF files to the inventory (Ctrl+O); you can also drop them on the window"
        )
        self.add_action.triggered.connect(self.choose_files)
        self.scan_action = QAction(icon("folder"), "Scan folders", self)
        self.scan_action.setToolTip("Look for new GGUF files in the model folders set in Settings")
        self.scan_action.triggered.connect(self.scan_folders)
        self.remove_action = QAction(icon("remove"), "Remove", self)
        self.remove_action.setToolTip(
            "Remove the selected model from the inventory (the file stays)"
        )
        self.remove_action.triggered.connect(self._on_remove_action_triggered)
        self.refresh_action = QAction(icon("refresh"), "Refresh", self)
        self.refresh_action.setToolTip("Re-read the inventory")
        self.refresh_action.triggered.connect(self.context.refresh_models)
        self.load_action = QAction(icon("load"), "Load", self)
        self.load_action.setShortcut("Ctrl+L")
        self.load_action.setToolTip("Load the selected model for the playground (Ctrl+L)")
        self.load_action.triggered.connect(lambda: self.load_selected("A"))
        self.load_b_action = QAction(icon("side-by-side"), "Load as B", self)
        self.load_b_action.setToolTip("Load the selected model in slot B, to compare side by side")
        self.load_b_action.triggered.connect(lambda: self.load_selected("B"))
        self.unload_action = QAction(icon("unload"), "Unload", self)
        self.unload_action.setToolTip("Unload the models and free their memory")
        self.unload_action.triggered.connect(self.unload_all)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("inventoryTable")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(24)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        table.doubleClicked.connect(self._on_table_double_clicked)
        table.setToolTip("Double-click a model to load it")
        return table

    def _build_load_box(self) -> QGroupBox:
        box = QGroupBox("Load settings")
        buttons = QHBoxLayout()
        for action in (self.load_action, self.load_b_action, self.unload_action):
            button = QPushButton(action.icon(), action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            button.setEnabled(action.isEnabled())
            buttons.addWidget(button)
            if action is self.load_action:
                self.load_button = button
        buttons.addStretch(1)
        self.load_status = QLabel("")
        self.load_status.setObjectName("muted")
        self.load_status.setWordWrap(True)
        self.load_panel.setMaximumWidth(380)
        right = QVBoxLayout()
        right.addLayout(buttons)
        right.addWidget(self.load_status)
        right.addStretch(1)
        layout = QHBoxLayout(box)
        layout.addWidget(self.load_panel, 1)
        layout.addSpacing(12)
        layout.addLayout(right, 1)
        return box

    # Public API ----------------------------------------------------------------------------

    def selected_record(self) -> ModelRecord | None:
        """The model selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def select_model(self, name: str) -> None:
        """Select the row of model ``name``."""
        row = self.context.inventory.row_of(name)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.context.inventory.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)

    @Slot()
    def choose_files(self) -> None:
        """Ask for GGUF files with a (non-blocking) file dialog and add them."""
        dialog = QFileDialog(self, "Add GGUF models")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters(["GGUF models (*.gguf)", "All files (*)"])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda files: self.add_model_files([Path(f) for f in files]))
        dialog.open()

    def add_model_files(self, paths: list[Path]) -> None:
        """Validate, hash and register ``paths`` in the background, with progress and cancel."""
        for path in paths:
            if path in self._adding:
                continue
            self._adding.add(path)
            self.context.run(
                partial(_add_one, path=path),
                parent=self,
                success=partial(self._on_model_added, path),
            ).failure(partial(self._on_add_failed, path)).with_progress(
                f"Adding {path.name}…", cancellable=True
            ).run_in_background()

    @Slot()
    def scan_folders(self) -> None:
        """Find GGUF files in the model folders that are not registered yet."""
        folders = self.context.preferences.model_folders
        if not folders:
            self._status("No model folders set: add some in Settings (Ctrl+,).")
            return
        known = {Path(r.path) for r in self.context.inventory.records()}

        def found(paths: list[Path]) -> None:
            new = [p for p in paths if p not in known]
            if not new:
                self._status("No new GGUF files in the model folders.")
                return
            dialog = FoundFilesDialog(new, self)
            dialog.accepted.connect(lambda: self.add_model_files(dialog.selected_paths()))
            dialog.open()

        self.context.run(
            lambda task: find_gguf_files(folders), parent=self, success=found
        ).with_progress("Scanning model folders…").run_in_background()

    def load_selected(self, slot: str) -> None:
        """Load the selected model into slot ``slot`` with the chosen settings."""
        record = self.selected_record()
        if record is None:
            return
        self.context.hosts[slot].load(
            LoadRequest(
                model_path=record.path,
                model_sha256=record.sha256,
                settings=self.load_panel.settings(),
                model_name=record.name,
            )
        )
        self.load_status.setText(f"Loading {record.name} in slot {slot}…")

    @Slot()
    def unload_all(self) -> None:
        """Unload every loaded model."""
        for host in self.context.hosts.values():
            if host.info is not None:
                host.unload()

    # Slots ---------------------------------------------------------------------------------

    def _on_model_added(self, path: Path, record: ModelRecord) -> None:
        self._adding.discard(path)
        self._status(f"Added {record.name} (sha256 {record.sha256[:12]}).")
        self._select_after_refresh = record.name
        self.context.refresh_models()
        self.model_added.emit(record)

    def _on_add_failed(self, path: Path, error: BaseException) -> None:
        from workbench.inventory.hashing import HashCancelledError
        from workbench.ui.error_dialogs import report_exception

        self._adding.discard(path)
        if isinstance(error, HashCancelledError):
            self._status(f"Adding {path.name} was cancelled.")
            return
        report_exception(error, self)

    @Slot()
    def _on_context_models_refreshed(self) -> None:
        name = self._select_after_refresh
        if name:
            self._select_after_refresh = None
            self.select_model(name)
        elif self.selected_record() is None and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_actions()

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_: object) -> None:
        record = self.selected_record()
        missing = record is not None and self.context.inventory.is_missing(record.name)
        self.details.show_record(record, file_missing=missing)
        self.load_panel.suggest_context(record.context_length if record else None)
        self._update_actions()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.load_selected("A")

    @Slot()
    def _on_remove_action_triggered(self) -> None:
        record = self.selected_record()
        if record is None:
            return

        def removed(model: ModelRecord) -> None:
            self._status(f"Removed {model.name}; the file was left in place.")
            self.context.refresh_models()

        def remove() -> None:
            self.context.run(
                lambda task: remove_model(task.store, record.name),
                parent=self,
                success=removed,
            ).run_in_background()

        confirm(
            self,
            "Remove model",
            f"Remove {record.name} from the inventory?\nThe file itself is not deleted.",
            remove,
            yes_text="Remove",
        )

    @Slot()
    def _update_actions(self, *_: object) -> None:
        record = self.selected_record()
        host_a, host_b = self.context.hosts["A"], self.context.hosts["B"]
        self.load_action.setEnabled(record is not None and not host_a.busy)
        self.load_b_action.setEnabled(record is not None and not host_b.busy)
        self.remove_action.setEnabled(record is not None)
        self.unload_action.setEnabled(
            any(h.info is not None and not h.busy for h in (host_a, host_b))
        )
        parts = []
        for slot, host in (("A", host_a), ("B", host_b)):
            if host.pending_load is not None:
                parts.append(f"Loading {host.pending_load.model_name} in slot {slot}…")
            elif host.info is not None:
                parts.append(
                    f"Slot {slot}: {host.info.model_name} ({host.info.load_seconds:.1f} s to load)"
                )
        self.load_status.setText("\n".join(parts) or "No model loaded.")

    def _status(self, message: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 8000)
