"""The status bar: loaded models with their load settings, the last reply's speed, progress."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from workbench.engine.messages import GenerationResult, LoadRequest, ModelInfo
from workbench.ui.formatting import load_settings_text, speed_text
from workbench.ui.icons import icon


class _ProgressItem(QWidget):
    def __init__(self, label: str, cancel: Callable[[], None] | None) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(label)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(16)
        self.bar.setRange(0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        if cancel is not None:
            button = QToolButton()
            button.setIcon(icon("stop"))
            button.setAutoRaise(True)
            button.setToolTip("Cancel")
            button.clicked.connect(cancel)
            layout.addWidget(button)


class WorkbenchStatusBar(QStatusBar):
    """Shows what is loaded in each slot, how fast the last reply was, and running work."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.model_labels: dict[str, QLabel] = {}
        self._progress: dict[object, _ProgressItem] = {}
        for slot in ("A", "B"):
            label = QLabel()
            label.setObjectName(f"modelStatus{slot}")
            label.setToolTip(f"The model loaded in slot {slot} and how it was loaded")
            self.model_labels[slot] = label
        self.speed_label = QLabel("")
        self.speed_label.setObjectName("speedStatus")
        self.speed_label.setToolTip("Tokens and speed of the last reply")
        self.addPermanentWidget(self.model_labels["A"])
        self.addPermanentWidget(self.model_labels["B"])
        self.addPermanentWidget(self.speed_label)
        self.set_model("A", None)
        self.set_model("B", None)

    def set_model(self, slot: str, info: ModelInfo | None) -> None:
        """Show what slot ``slot`` holds (None: nothing; slot B hides when empty)."""
        label = self.model_labels[slot]
        if info is None:
            label.setText("No model loaded" if slot == "A" else "")
            label.setVisible(slot == "A")
            return
        prefix = "" if slot == "A" else "B: "
        label.setText(
            f"{prefix}<b>{info.model_name}</b> · {load_settings_text(info.settings, info.n_ctx)}"
        )
        label.setVisible(True)

    def set_loading(self, slot: str, request: LoadRequest) -> None:
        """Show that slot ``slot`` is loading a model."""
        label = self.model_labels[slot]
        label.setText(f"{'' if slot == 'A' else 'B: '}Loading {request.model_name}…")
        label.setVisible(True)

    def set_last_result(self, result: GenerationResult) -> None:
        """Show the speed of the last reply."""
        self.speed_label.setText(f"Last reply: {speed_text(result)}")

    # ProgressView, for background operations.
    def show_progress(self, key: object, label: str, cancel: Callable[[], None] | None) -> None:
        """Start showing a running operation."""
        item = _ProgressItem(label, cancel)
        self._progress[key] = item
        self.addWidget(item)
        item.show()

    def update_progress(self, key: object, done: int, total: int) -> None:
        """Update a running operation's bar (``total`` 0: busy indicator)."""
        item = self._progress.get(key)
        if item is None:
            return
        if total > 0:
            scale = max(1, total // 1_000_000)  # keep values within int32 for huge files
            item.bar.setRange(0, total // scale)
            item.bar.setValue(done // scale)
        else:
            item.bar.setRange(0, 0)

    @Slot()
    def hide_progress(self, key: object) -> None:
        """Stop showing an operation."""
        item = self._progress.pop(key, None)
        if item is not None:
            self.removeWidget(item)
            item.deleteLater()
