"""A prompt's history: its versions with labels (context menu to edit from, compare, label),
and below them every move of its labels."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.prompts import LabelMove, Prompt, PromptVersion
from workbench.ui.prompts.dialogs import LabelDialog
from workbench.ui.prompts.item_models import LabelHistoryModel, VersionTableModel
from workbench.ui.prompts.label_chips import LabelChipsDelegate

LABELS_COLUMN = VersionTableModel.COLUMNS.index("Labels")


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setHighlightSections(False)
    return table


class HistoryPanel(QWidget):
    """Versions (newest first) and label moves; asks the page to act through signals."""

    edit_requested = Signal(int)  # version
    compare_requested = Signal(int, object)  # old version, new version or None (the editor)
    label_move_requested = Signal(str, int)  # label, version
    label_remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt: Prompt | None = None
        self.versions = VersionTableModel(self)
        self.moves = LabelHistoryModel(self)
        self.table = _table("versionTable")
        self.table.setModel(self.versions)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        self.table.doubleClicked.connect(
            lambda index: self._emit_edit(self.versions.version_at(index.row()))
        )
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.setItemDelegateForColumn(LABELS_COLUMN, LabelChipsDelegate(self.table))
        header = self.table.horizontalHeader()
        for column, mode in enumerate(
            (
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
            )
        ):
            header.setSectionResizeMode(column, mode)
        self.moves_table = _table("labelHistoryTable")
        self.moves_table.setModel(self.moves)
        moves_header = self.moves_table.horizontalHeader()
        moves_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        moves_header.setStretchLastSection(True)
        self.compare_button = QPushButton("Compare selected")
        self.compare_button.setToolTip("Select two versions (Ctrl+click) and compare them")
        self.compare_button.clicked.connect(self.compare_selected)
        self.edit_button = QPushButton("Edit from this version")
        self.edit_button.setToolTip("Load the selected version into the editor")
        self.edit_button.clicked.connect(
            lambda: self._emit_edit(
                self.selected_versions()[0] if self.selected_versions() else None
            )
        )
        self.label_button = QPushButton("Label…")
        self.label_button.setToolTip("Point a label (new or existing) at the selected version")
        self.label_button.clicked.connect(self._on_label_button_clicked)
        hint = QLabel("Right-click a version for more.")
        hint.setObjectName("muted")
        buttons = QHBoxLayout()
        for widget in (self.edit_button, self.compare_button, self.label_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(hint)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.table, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("<b>Label history</b>"))
        bottom_layout.addWidget(self.moves_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_buttons()

    def set_history(
        self, prompt: Prompt | None, versions: Sequence[PromptVersion], moves: Sequence[LabelMove]
    ) -> None:
        """Show a prompt's versions and label moves (keeping the selected versions)."""
        selected = [v.version for v in self.selected_versions()]
        self.prompt = prompt
        self.versions.set_history(prompt, versions)
        self.moves.set_moves(moves)
        self.select_versions(selected)
        self._update_buttons()

    def select_versions(self, numbers: Sequence[int]) -> None:
        """Select the rows of these versions."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for number in numbers:
            row = self.versions.row_of(number)
            if row >= 0:
                selection.select(self.versions.index(row, 0), flags)

    def selected_versions(self) -> list[PromptVersion]:
        """The selected versions, oldest first."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        found = [self.versions.version_at(row) for row in rows]
        return sorted((v for v in found if v is not None), key=lambda v: v.version)

    def context_menu(self, version: PromptVersion) -> QMenu:
        """The actions for one version (built fresh each time; the caller shows it)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        number = version.version
        menu.addAction("Edit from this version").triggered.connect(
            lambda: self.edit_requested.emit(number)
        )
        previous = menu.addAction("Compare with the previous version")
        previous.setEnabled(number > 1)
        previous.triggered.connect(lambda: self.compare_requested.emit(number - 1, number))
        menu.addAction("Compare with the editor").triggered.connect(
            lambda: self.compare_requested.emit(number, None)
        )
        menu.addSeparator()
        labels = list(self.prompt.labels) if self.prompt else []
        here = self.versions.labels_of(number)
        move_menu = menu.addMenu("Move label here")
        move_menu.setEnabled(any(label not in here for label in labels))
        for label in labels:
            if label not in here:
                target = self.prompt.labels[label] if self.prompt else 0
                action = move_menu.addAction(f"{label} (now on v{target})")
                action.triggered.connect(
                    lambda _=False, name=label: self.label_move_requested.emit(name, number)
                )
        menu.addAction("New label…").triggered.connect(lambda: self.ask_label(number))
        remove_menu = menu.addMenu("Remove label")
        remove_menu.setEnabled(bool(here))
        for label in here:
            remove_menu.addAction(label).triggered.connect(
                lambda _=False, name=label: self.label_remove_requested.emit(name)
            )
        return menu

    def ask_label(self, version: int) -> LabelDialog:
        """Ask which label to point at ``version`` (non-blocking)."""
        labels = list(self.prompt.labels) if self.prompt else []
        dialog = LabelDialog(version, labels, self)
        dialog.label_chosen.connect(lambda label: self.label_move_requested.emit(label, version))
        dialog.open()
        return dialog

    @Slot()
    def compare_selected(self) -> None:
        """Compare the two selected versions (older on the left)."""
        selected = self.selected_versions()
        if len(selected) == 2:
            self.compare_requested.emit(selected[0].version, selected[1].version)
        elif len(selected) == 1 and selected[0].version > 1:
            self.compare_requested.emit(selected[0].version - 1, selected[0].version)

    def _emit_edit(self, version: PromptVersion | None) -> None:
        if version is not None:
            self.edit_requested.emit(version.version)

    @Slot(QPoint)
    def _on_table_context_menu_requested(self, position: QPoint) -> None:
        version = self.versions.version_at(self.table.indexAt(position).row())
        if version is not None:
            self.context_menu(version).popup(self.table.viewport().mapToGlobal(position))

    @Slot()
    def _on_label_button_clicked(self) -> None:
        selected = self.selected_versions()
        if len(selected) == 1:
            self.ask_label(selected[0].version)

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        count = len(self.selected_versions())
        self.compare_button.setEnabled(count == 2 or (count == 1 and self._first_selected() > 1))
        self.edit_button.setEnabled(count == 1)
        self.label_button.setEnabled(count == 1)

    def _first_selected(self) -> int:
        selected = self.selected_versions()
        return selected[0].version if selected else 0
