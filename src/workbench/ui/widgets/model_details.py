"""The details pane of the Models page: what the inventory recorded and every GGUF field."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.inventory import ModelRecord
from workbench.ui.formatting import human_bytes, human_count
from workbench.ui.item_models.metadata_model import KeyValueTableModel


class ModelDetailsPane(QWidget):
    """Facts about the selected model and a filterable table of all its GGUF metadata."""

    FACTS = (
        ("name", "Name"),
        ("model_name", "Model"),
        ("path", "File"),
        ("sha256", "SHA-256"),
        ("size", "Size"),
        ("parameters", "Parameters"),
        ("architecture", "Architecture"),
        ("file_type", "Quantization"),
        ("context_length", "Context length"),
        ("vocab_size", "Vocabulary"),
        ("chat", "Chat template"),
        ("license", "License"),
        ("added_at", "Added"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelDetails")
        self.title = QLabel("No model selected")
        self.title.setObjectName("pageTitle")
        self.fact_labels: dict[str, QLabel | QLineEdit] = {}
        facts = QFormLayout()
        facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in self.FACTS:
            value: QLabel | QLineEdit
            if key in ("path", "sha256"):
                # Long, unbreakable and worth copying whole: a read-only line that scrolls.
                value = QLineEdit()
                value.setObjectName("factValue")
                value.setReadOnly(True)
                value.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            else:
                value = QLabel()
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setMinimumWidth(40)
            self.fact_labels[key] = value
            facts.addRow(label, value)
        self.metadata = KeyValueTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.metadata)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter GGUF metadata…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only the metadata whose key or value contains this text")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setObjectName("metadataTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 190)
        header.setStretchLastSection(True)
        metadata_title = QLabel("<b>GGUF metadata</b>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 6, 0)
        layout.addWidget(self.title)
        layout.addLayout(facts)
        layout.addSpacing(6)
        layout.addWidget(metadata_title)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        self.show_record(None)

    def show_record(self, record: ModelRecord | None, *, file_missing: bool = False) -> None:
        """Show ``record`` (None: nothing selected)."""
        self.filter.setEnabled(record is not None)
        if record is None:
            self.title.setText("No model selected")
            for label in self.fact_labels.values():
                label.setText("")
            self.metadata.set_items({})
            return
        missing = "  (file missing)" if file_missing else ""
        values = {
            "name": record.name,
            "model_name": record.model_name or "",
            "path": record.path + missing,
            "sha256": record.sha256,
            "size": f"{human_bytes(record.size_bytes)} ({record.size_bytes:,} bytes)",
            "parameters": (
                f"{human_count(record.parameter_count)} ({record.parameter_count:,})"
                if record.parameter_count
                else ""
            ),
            "architecture": record.architecture or "",
            "file_type": record.file_type or "",
            "context_length": f"{record.context_length:,}" if record.context_length else "",
            "vocab_size": f"{record.vocab_size:,}" if record.vocab_size else "",
            "chat": "yes" if record.has_chat_template else "no (raw prompts only)",
            "license": record.license or "",
            "added_at": record.added_at[:19].replace("T", " "),
        }
        self.title.setText(record.name)
        for key, value in values.items():
            widget = self.fact_labels[key]
            widget.setText(value)
            if isinstance(widget, QLineEdit):
                widget.setCursorPosition(0)
                widget.setToolTip(value)
        self.metadata.set_items(record.metadata)
