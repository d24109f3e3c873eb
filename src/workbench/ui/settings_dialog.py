"""The Settings dialog: model folders, default threads and GPU offload, theme."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.ui.icons import icon
from workbench.ui.preferences import Preferences
from workbench.ui.widgets.load_settings_panel import GpuLayersChooser

THEME_CHOICES = (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark"))


class SettingsDialog(QDialog):
    """Edits :class:`Preferences`; emits :attr:`preferences_accepted` on OK."""

    preferences_accepted = Signal(object)  # Preferences

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(560, 420)
        self.folders = QListWidget()
        self.folders.setObjectName("modelFolders")
        self.folders.setToolTip("Folders that File › Scan model folders searches for GGUF files")
        self.folders.addItems(list(preferences.model_folders))
        add_folder = QPushButton(icon("add"), "Add folder…")
        add_folder.setToolTip("Add a folder to scan for GGUF files")
        add_folder.clicked.connect(self._on_add_folder_clicked)
        remove_folder = QPushButton(icon("remove"), "Remove")
        remove_folder.setToolTip("Remove the selected folder from the list")
        remove_folder.clicked.connect(self._on_remove_folder_clicked)
        folder_buttons = QHBoxLayout()
        folder_buttons.addWidget(add_folder)
        folder_buttons.addWidget(remove_folder)
        folder_buttons.addStretch(1)
        folders_box = QGroupBox("Model folders")
        folders_layout = QVBoxLayout(folders_box)
        folders_layout.addWidget(self.folders)
        folders_layout.addLayout(folder_buttons)

        self.threads = QSpinBox()
        self.threads.setObjectName("defaultThreads")
        self.threads.setRange(0, 512)
        self.threads.setSpecialValueText("Automatic")
        self.threads.setValue(preferences.default_threads or 0)
        self.threads.setToolTip("CPU threads a model is loaded with unless you choose otherwise")
        self.gpu_layers = GpuLayersChooser()
        self.gpu_layers.setObjectName("defaultGpuLayers")
        self.gpu_layers.set_value(preferences.default_gpu_layers)
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for key, label in THEME_CHOICES:
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(preferences.theme)))
        self.theme.setToolTip("Light, dark, or follow the system's colour scheme")
        defaults_box = QGroupBox("Defaults for loading models")
        defaults_form = QFormLayout(defaults_box)
        defaults_form.addRow("Threads", self.threads)
        defaults_form.addRow("GPU offload", self.gpu_layers)
        appearance_box = QGroupBox("Appearance")
        appearance_form = QFormLayout(appearance_box)
        appearance_form.addRow("Theme", self.theme)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(folders_box, 1)
        layout.addWidget(defaults_box)
        layout.addWidget(appearance_box)
        layout.addWidget(self.buttons)

    def preferences(self) -> Preferences:
        """The preferences as edited."""
        folders = tuple(self.folders.item(i).text() for i in range(self.folders.count()))
        return Preferences(
            theme=str(self.theme.currentData()),
            model_folders=folders,
            default_threads=self.threads.value() or None,
            default_gpu_layers=self.gpu_layers.value(),
        )

    def add_folder(self, path: str) -> None:
        """Add ``path`` to the folder list (once)."""
        if path and not self.folders.findItems(path, Qt.MatchFlag.MatchExactly):
            self.folders.addItem(path)

    def accept(self) -> None:
        """Emit the edited preferences and close."""
        self.preferences_accepted.emit(self.preferences())
        super().accept()

    @Slot()
    def _on_add_folder_clicked(self) -> None:
        dialog = QFileDialog(self, "Add a model folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.add_folder)
        dialog.open()

    @Slot()
    def _on_remove_folder_clicked(self) -> None:
        for item in self.folders.selectedItems():
            self.folders.takeItem(self.folders.row(item))
