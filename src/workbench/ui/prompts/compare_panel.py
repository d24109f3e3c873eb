"""Compare two versions of a prompt, or a version and the editor's unsaved content, with what
stored evaluation runs say about the pair under the diff.

The panel never reads the store: when the compared pair changes it emits :attr:`pair_changed`
with the two content hashes; the page reads the evidence in the background and hands it to
:meth:`ComparePanel.show_evidence`, which drops answers for a pair no longer shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from workbench.evals import RunEvidence
from workbench.prompts import PromptContent, PromptVersion, diff_contents
from workbench.ui.prompts.diff_view import DiffView

#: The combo-box entry that stands for the editor's content.
EDITOR = 0
NO_EVIDENCE = (
    "No evaluation run has both versions as columns: run a suite with both prompts "
    "(Evaluations page) to see whether B is really better."
)


def version_title(version: PromptVersion, width: int = 60) -> str:
    """``v3 · Greet the customer by name; lower…``."""
    message = version.message.splitlines()[0] if version.message else "no message"
    title = f"v{version.version} · {message}"
    return title if len(title) <= width else title[: width - 1] + "…"


class ComparePanel(QWidget):
    """Two pickers (old, new) over a :class:`DiffView` and the evaluation evidence."""

    #: The diff now shows these two contents (old hash, new hash): read their evidence.
    pair_changed = Signal(str, str)

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
        self.evidence = QLabel()
        self.evidence.setObjectName("compareEvidence")
        self.evidence.setTextFormat(Qt.TextFormat.PlainText)
        self.evidence.setWordWrap(True)
        self.evidence.setContentsMargins(2, 4, 2, 0)
        self.evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evidence.hide()
        self._pair: tuple[str, str] | None = None
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
        layout.addWidget(self.evidence)

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
            self._set_pair(None)
            return
        sides = [self._side(old), self._side(new)]
        if sides[0] is None or sides[1] is None:
            self.view.show_message("The editor's content is not valid yet: nothing to compare.")
            self._set_pair(None)
            return
        (old_content, old_title), (new_content, new_title) = sides  # type: ignore[misc]
        diff = diff_contents(
            old_content, new_content, old_ref=self._ref(old), new_ref=self._ref(new)
        )
        self.view.show_diff(diff, old_title, new_title)
        self.view.scroll_to_first_change()
        self._set_pair(None if diff.identical else (diff.old_hash, diff.new_hash))

    def evidence_pair(self) -> tuple[str, str] | None:
        """The content hashes (old, new) whose evidence the panel shows or waits for."""
        return self._pair

    def show_evidence(self, old_hash: str, new_hash: str, evidence: Sequence[RunEvidence]) -> None:
        """Show what evaluations say about (``old_hash``, ``new_hash``), if still compared."""
        if self._pair != (old_hash, new_hash):
            return  # the user chose another pair while this was read
        if not evidence:
            self.evidence.setText(NO_EVIDENCE)
            return
        lines = ["Evaluations (A = left, B = right):"]
        lines += [f"  {found.line}" for found in evidence]
        self.evidence.setText("\n".join(lines))

    def _set_pair(self, pair: tuple[str, str] | None) -> None:
        if pair == self._pair:
            return
        self._pair = pair
        self.evidence.setVisible(pair is not None)
        if pair is not None:
            self.evidence.setText("Reading evaluation runs…")
            self.pair_changed.emit(*pair)

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
