"""Load settings: context size, threads, GPU offload ("none", "all" or a number) and seed."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QSpinBox, QWidget

from workbench.engine.messages import LoadSettings
from workbench.ui.preferences import DEFAULT_CONTEXT_SIZE, Preferences

MAX_SEED = 2**31 - 1


class GpuLayersChooser(QWidget):
    """GPU offload as a choice people understand: none, all, or a custom number of layers."""

    changed = Signal()

    NONE, ALL, CUSTOM = range(3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(["None (CPU only)", "All layers", "Custom"])
        self.mode.setToolTip(
            "How many of the model's layers run on the GPU. 'All' needs enough GPU memory; "
            "without a GPU build of llama.cpp every choice runs on the CPU."
        )
        self.layers = QSpinBox()
        self.layers.setRange(1, 999)
        self.layers.setValue(16)
        self.layers.setSuffix(" layers")
        self.layers.setToolTip("Number of layers to offload to the GPU")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode, 1)
        layout.addWidget(self.layers)
        self.mode.currentIndexChanged.connect(self._on_mode_current_index_changed)
        self.layers.valueChanged.connect(self.changed)
        self._on_mode_current_index_changed(self.mode.currentIndex())
        self.setFocusProxy(self.mode)

    def value(self) -> int:
        """-1 all, 0 none, n that many layers."""
        index = self.mode.currentIndex()
        if index == self.ALL:
            return -1
        if index == self.NONE:
            return 0
        return self.layers.value()

    def set_value(self, gpu_layers: int) -> None:
        """Show ``gpu_layers`` (-1 all, 0 none, n custom)."""
        if gpu_layers < 0:
            self.mode.setCurrentIndex(self.ALL)
        elif gpu_layers == 0:
            self.mode.setCurrentIndex(self.NONE)
        else:
            self.layers.setValue(gpu_layers)
            self.mode.setCurrentIndex(self.CUSTOM)

    @Slot(int)
    def _on_mode_current_index_changed(self, index: int) -> None:
        self.layers.setVisible(index == self.CUSTOM)
        self.changed.emit()


class LoadSettingsPanel(QWidget):
    """The settings a model is loaded with, prefilled from the user's defaults."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context_size = QSpinBox()
        self.context_size.setRange(128, 1_048_576)
        self.context_size.setSingleStep(512)
        self.context_size.setValue(DEFAULT_CONTEXT_SIZE)
        self.context_size.setSuffix(" tokens")
        self.context_size.setToolTip(
            "Context window to allocate: the prompt plus the reply must fit. "
            "Larger uses more memory."
        )
        self.threads = QSpinBox()
        self.threads.setRange(0, 512)
        self.threads.setSpecialValueText("Automatic")
        self.threads.setToolTip("CPU threads for generation (Automatic: llama.cpp decides)")
        self.gpu_layers = GpuLayersChooser()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("Seed of the model's random number generator (for reproducible runs)")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Context size", self.context_size)
        form.addRow("Threads", self.threads)
        form.addRow("GPU offload", self.gpu_layers)
        form.addRow("Seed", self.seed)

    def apply_defaults(self, preferences: Preferences) -> None:
        """Prefill threads and GPU offload from the user's defaults."""
        self.threads.setValue(preferences.default_threads or 0)
        self.gpu_layers.set_value(preferences.default_gpu_layers)

    def suggest_context(self, trained_context: int | None) -> None:
        """Keep the context size within what the selected model was trained for."""
        if trained_context:
            self.context_size.setMaximum(max(128, trained_context))
            self.context_size.setToolTip(
                f"Context window to allocate (this model was trained with {trained_context:,})."
            )
        else:
            self.context_size.setMaximum(1_048_576)

    def settings(self) -> LoadSettings:
        """The settings as chosen."""
        return LoadSettings(
            context_size=self.context_size.value(),
            threads=self.threads.value() or None,
            gpu_layers=self.gpu_layers.value(),
            seed=self.seed.value(),
        )
