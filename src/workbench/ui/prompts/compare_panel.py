"""Compare two versions of a prompt, or a version and the editor's unsaved content."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from workbench.prompts import PromptContent, PromptVersion, diff_contents
from workbench.ui.prompts.diff_view import DiffView

#: The combo-box entry that stands for the editor's content.
EDITOR = 0


def version_title(version: PromptVersion, width: int = 60) -> str:
    """``v3 · Greet the customer by name; lower…``."""
    message = version.message.splitlines()[0] if version.message else "no message"
    title = f"v{version.version} · {message}"
    return title if len(title) <= width else title[: width - 1] + "…"


class ComparePanel(QWidget):
    """Two pickers (old, new) over a :class:`DiffView`."""

    def __init__(
        self, editor_content: Callable[[], PromptContent | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._editor_content = editor_content
        self._versions: dict[int, PromptVersion] = {}
        self.prompt_name = ""
        self.old_combo = QComboBox()
        self.new_combo = QComboBox()
        for combo, tip in ((self.old_combo, "The older side"), (self.new_combo, "The newer side")):
            combo.setObjectName("compareOld" if combo is self.old_combo else "compareNew")
            combo.setToolTip(tip)
            combo.setMinimumContentsLength(24)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.currentIndexChanged.connect(self.refresh)
        self.swap_button = QToolButton()
        self.swap_button.setText("⇄")
        self.swap_button.setToolTip("Swap the two sides")
        self.swap_button.clicked.connect(self._on_swap_button_clicked)
        self.view = DiffView()
        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("Compare"))
        pickers.addWidget(self.old_combo, 1)
        pickers.addWidget(self.swap_button)
        pickers.addWidget(QLabel("with"))
        pickers.addWidget(self.new_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addWidget(self.view, 1)

    def set_versions(self, name: str, versions: Sequence[PromptVersion]) -> None:
        """Offer ``versions`` (and the editor) on both sides, keeping the choices made."""
        old, new = self.choice() if name == self.prompt_name else (None, None)
        self.prompt_name = name
        self._versions = {v.version: v for v in versions}
        for combo in (self.old_combo, self.new_combo):
            combo.blockSignals(True)
            combo.clear()
            for version in sorted(versions, key=lambda v: -v.version):
                combo.addItem(version_title(version), version.version)
            combo.addItem("Editor (unsaved content)", EDITOR)
            combo.blockSignals(False)
        latest = max(self._versions, default=EDITOR)
        if old not in self._versions and old != EDITOR:
            old = latest - 1 if latest > 1 else latest
        if new not in self._versions and new != EDITOR:
            new = latest
        self.compare(old, new)

    def choice(self) -> tuple[int | None, int | None]:
        """The versions chosen (``EDITOR`` for the editor), None where nothing is."""
        return self.old_combo.currentData(), self.new_combo.currentData()

    def compare(self, old: int | None, new: int | None) -> None:
        """Choose the two sides (a version number, or ``EDITOR``/None for the editor)."""
        for combo, value in ((self.old_combo, old), (self.new_combo, new)):
            index = combo.findData(EDITOR if value is None else value)
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self.refresh()

    @Slot()
    def refresh(self, *_: object) -> None:
        """Diff the chosen sides again (the editor side may have changed)."""
        old, new = self.choice()
        if old is None or new is None:
            self.view.show_message("Choose two versions to compare.")
            return
        sides = [self._side(old), self._side(new)]
        if sides[0] is None or sides[1] is None:
            self.view.show_message("The editor's content is not valid yet: nothing to compare.")
            return
        (old_content, old_title), (new_content, new_title) = sides  # type: ignore[misc]
        diff = diff_contents(
            old_content, new_content, old_ref=self._ref(old), new_ref=self._ref(new)
        )
        self.view.show_diff(diff, old_title, new_title)
        self.view.scroll_to_first_change()

    def shows_editor(self) -> bool:
        """True when one side is the editor (so edits should refresh the diff)."""
        return EDITOR in self.choice()

    def _side(self, number: int) -> tuple[PromptContent, str] | None:
        if number == EDITOR:
            content = self._editor_content()
            return (content, "Editor (unsaved)") if content is not None else None
        version = self._versions[number]
        return version.content, version_title(version, 90)

    def _ref(self, number: int) -> str:
        return (
            f"{self.prompt_name}@{number}" if number != EDITOR else f"{self.prompt_name} (editor)"
        )

    @Slot()
    def _on_swap_button_clicked(self) -> None:
        old, new = self.choice()
        self.compare(new, old)
