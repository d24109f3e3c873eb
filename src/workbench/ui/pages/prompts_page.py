"""The Prompts page: find a prompt, edit it with a live preview, save versions, read its history,
move its labels, compare any two versions, and try it in the playground.

A view over :mod:`workbench.prompts`: every read and write runs in the background
(:mod:`workbench.ui.prompts.tasks`) and comes back as frozen value objects. Unsaved edits are
never dropped silently: switching prompt, starting a new one or importing with a changed editor
asks whether to save, discard or go on editing, and closing the window names them first
(``unsaved_changes()``, see :mod:`workbench.ui.unsaved_edits`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.prompts import Prompt, PromptContent, PromptVersion, diff_contents, make_content
from workbench.ui.icons import icon
from workbench.ui.prompts.compare_panel import ComparePanel
from workbench.ui.prompts.dialogs import (
    Answer,
    CommitDialog,
    NewPromptDialog,
    NewPromptSpec,
    ask_unsaved_changes,
)
from workbench.ui.prompts.diff_rows import summary_parts
from workbench.ui.prompts.editor_panel import Draft, PromptEditorPanel
from workbench.ui.prompts.file_actions import ask_export, ask_import
from workbench.ui.prompts.header import PromptHeader
from workbench.ui.prompts.history_panel import HistoryPanel
from workbench.ui.prompts.item_models import labels_text
from workbench.ui.prompts.list_panel import PromptListPanel
from workbench.ui.prompts.playground_link import open_in_playground
from workbench.ui.prompts.tasks import (
    PromptSnapshot,
    drop_label,
    point_label,
    read_evidence,
    read_prompts,
    read_snapshot,
    save_content,
)
from workbench.ui.prompts.template_edit import focus_error

if TYPE_CHECKING:
    from workbench.prompts import CommitResult
    from workbench.ui.context import AppContext

EDITOR_TAB, HISTORY_TAB, COMPARE_TAB = 0, 1, 2
STARTERS: dict[str, PromptContent] = {
    "chat": make_content(
        messages=[("system", "You are a helpful assistant."), ("user", "{{ question }}")]
    ),
    "completion": make_content(template="Question: {{ question }}\nAnswer:"),
}


def same_content(a: PromptContent | None, b: PromptContent | None) -> bool:
    """True when both exist and say the same thing (what the content hash covers)."""
    return a is not None and b is not None and a.to_dict() == b.to_dict()


class PromptsPage(QWidget):
    """Prompt list, editor, history and compare tabs; see the module docstring."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("promptsPage")
        self.context = context
        self.snapshot: PromptSnapshot | None = None
        self.base: PromptVersion | None = None
        self.new_prompt: NewPromptSpec | None = None
        self._load_token = 0
        self._before_new: str | None = None
        self._build_actions()
        self.list_panel = PromptListPanel([self.new_action, self.import_action, self.export_action])
        self.prompts = self.list_panel.model
        self.header = PromptHeader(
            [
                ("discard", self.discard_action),
                ("save", self.save_action),
                ("playground", self.playground_action),
            ]
        )
        self.header.buttons["save"].setDefault(True)
        self.editor = PromptEditorPanel()
        self.history = HistoryPanel()
        self.compare = ComparePanel(self.editor.current_content)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.editor, "Editor")
        self.tabs.addTab(self.history, "History")
        self.tabs.addTab(self.compare, "Compare")
        self.empty = QLabel("Choose a prompt on the left, or create one with New…")
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget()
        self.body.addWidget(self.empty)
        self.body.addWidget(self.tabs)
        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(6, 0, 0, 0)
        center_layout.addWidget(self.header)
        center_layout.addWidget(self.body, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("promptsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(center)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([220, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self._restore_splitters()
        self._connect()
        self._show_state()

    def _build_actions(self) -> None:
        def action(text: str, tip: str, slot: Callable[[], Any], keys: Any = None) -> QAction:
            made = QAction(text, self)
            made.setToolTip(tip)
            made.triggered.connect(lambda _=False: slot())
            if keys is not None:
                made.setShortcut(QKeySequence(keys))
                made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(made)
            return made

        self.save_action = action(
            "Save version…",
            "Save the editor as a new version (Ctrl+S); asks for a message",
            self.save_version,
            QKeySequence.StandardKey.Save,
        )
        self.discard_action = action(
            "Discard changes",
            "Go back to the version the editor started from",
            self.discard_changes,
        )
        self.playground_action = action(
            "Open in playground",
            "Send the rendered prompt and its parameters to the Playground",
            self.open_in_playground,
        )
        self.playground_action.setIcon(icon("playground"))
        self.new_action = action("New…", "Create a prompt", self.ask_new_prompt)
        self.new_action.setIcon(icon("add"))
        self.import_action = action(
            "Import…",
            "Import a prompt YAML file (all its versions and labels)",
            lambda: ask_import(self),
        )
        self.export_action = action(
            "Export…", "Export the prompt with every version and label to YAML", self.ask_export
        )
        self.find_action = action(
            "Find prompt",
            "Search the prompts (Ctrl+F)",
            lambda: self.list_panel.focus_search(),
            QKeySequence.StandardKey.Find,
        )

    def _connect(self) -> None:
        self.list_panel.prompt_chosen.connect(self.request_prompt)
        self.editor.edited.connect(self._on_editor_edited)
        self.editor.checked.connect(self._on_editor_checked)
        self.history.edit_requested.connect(self._on_history_edit_requested)
        self.history.compare_requested.connect(self._on_history_compare_requested)
        self.compare.pair_changed.connect(self._on_compare_pair_changed)
        self.history.label_move_requested.connect(self.move_label)
        self.history.label_remove_requested.connect(self.remove_label)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.splitter.splitterMoved.connect(self._save_splitters)
        self.editor.splitter.splitterMoved.connect(self._save_splitters)
        self.context.store_opened.connect(self.refresh_prompts)
        self.context.bootstrap_finished.connect(self.refresh_prompts)

    # State -----------------------------------------------------------------------------------

    @property
    def current_name(self) -> str | None:
        """The prompt in the editor (saved or new), or None."""
        if self.new_prompt is not None:
            return self.new_prompt.name
        return self.snapshot.prompt.name if self.snapshot else None

    def is_dirty(self) -> bool:
        """True when the editor holds something no version has: a new prompt, or edits."""
        if self.new_prompt is not None:
            return True
        if self.base is None:
            return False
        return not same_content(self.editor.current_content(), self.base.content)

    def page_activated(self) -> None:
        """Called when the page is shown: focus the list when no prompt is open."""
        if self.current_name is None:
            self.list_panel.view.setFocus()

    # Loading ---------------------------------------------------------------------------------

    @Slot()
    def refresh_prompts(self) -> None:
        """Re-read the prompt list (and open one if none is open yet)."""
        self.context.run(
            read_prompts, parent=self, success=self._on_prompts_read
        ).run_in_background()

    def request_prompt(self, name: str, version: int | None = None) -> None:
        """Open prompt ``name`` (its latest version, or ``version``) once unsaved edits are
        saved or discarded."""
        self.run_when_saved_or_discarded(lambda: self.open_prompt(name, version))

    def open_prompt(self, name: str, version: int | None = None, *, notice: str = "") -> None:
        """Load prompt ``name`` into the editor now (unsaved edits are replaced), then show
        ``notice`` over it."""
        self._load_token += 1
        token = self._load_token
        self.context.run(
            lambda task: read_snapshot(task, name),
            parent=self,
            success=lambda snapshot: self._on_snapshot_read(snapshot, token, version, notice),
        ).run_in_background()

    def _on_prompts_read(self, prompts: list[Prompt]) -> None:
        self.prompts.set_prompts(prompts)
        self.list_panel.select(self.current_name)
        if self.current_name is None and self._load_token == 0 and prompts:
            last = self.context.ui_state.value("prompts/last")
            names = self.prompts.names()
            self.open_prompt(last if isinstance(last, str) and last in names else names[0])

    def _on_snapshot_read(
        self, snapshot: PromptSnapshot, token: int, version: int | None, notice: str
    ) -> None:
        if token != self._load_token:
            return  # the user opened another prompt meanwhile
        if self.is_dirty():  # typed into the editor while this loaded: ask before replacing
            self.run_when_saved_or_discarded(lambda: self._show_snapshot(snapshot, version, notice))
            return
        self._show_snapshot(snapshot, version, notice)

    def _show_snapshot(self, snapshot: PromptSnapshot, version: int | None, notice: str) -> None:
        self.new_prompt = None
        self._apply_snapshot(snapshot)
        self.base = (snapshot.version(version) if version else None) or snapshot.latest
        self.history.versions.set_edited_version(self.base.version)
        self.editor.samples.set_values(self._stored_samples(snapshot.prompt.name))
        self.editor.set_content(self.base.content)
        self.context.ui_state.setValue("prompts/last", snapshot.prompt.name)
        if notice:
            self.header.show_notice(notice)
        else:
            self.header.clear_notice()
        self._show_state()

    def _apply_snapshot(self, snapshot: PromptSnapshot) -> None:
        self.snapshot = snapshot
        self.prompts.update_prompt(snapshot.prompt)
        self.history.set_history(snapshot.prompt, snapshot.versions, snapshot.moves)
        self.compare.set_versions(snapshot.prompt.name, snapshot.versions)
        self.list_panel.select(snapshot.prompt.name)

    # Unsaved edits ---------------------------------------------------------------------------

    def run_when_saved_or_discarded(self, action: Callable[[], object]) -> None:
        """Run ``action`` now if nothing is unsaved; otherwise ask Save / Discard / Cancel."""
        if not self.is_dirty():
            action()
            return

        def answered(answer: Answer) -> None:
            if answer == "save":
                self.save_version(then=action)
            elif answer == "discard":
                self.discard_changes()
                action()
            else:
                self.list_panel.select(self.current_name)

        ask_unsaved_changes(self.window(), f"“{self.current_name}”", answered)

    @Slot()
    def discard_changes(self) -> None:
        """Put the editor back to the version it started from; a new prompt is dropped and
        the prompt open before it comes back."""
        if self.new_prompt is not None:
            self.new_prompt = None
            self.base = None
            if self._before_new is not None and self._before_new in self.prompts.names():
                self.open_prompt(self._before_new)
        elif self.base is not None:
            self.editor.set_content(self.base.content)
        self.header.clear_notice()
        self._show_state()

    # What closing the window would lose (workbench.ui.unsaved_edits) --------------------------

    def unsaved_changes(self) -> str | None:
        """What closing the window now would lose: the editor's edits or a new prompt, or None."""
        if not self.is_dirty():
            return None
        if self.new_prompt is not None:
            return f"New prompt “{self.new_prompt.name}”, not saved yet (Prompts › Editor)"
        return f"Unsaved edits of prompt “{self.current_name}” (Prompts › Editor)"

    def show_unsaved_changes(self) -> None:
        """Show the editor holding the unsaved edits."""
        self.tabs.setCurrentIndex(EDITOR_TAB)

    def save_unsaved_changes(self, then: Callable[[], object]) -> None:
        """Save the editor as a new version (asking for its message) and run ``then`` once it is
        stored; a refused, cancelled or failed save does not run it."""
        self.show_unsaved_changes()
        self.save_version(then=then)

    # Saving ----------------------------------------------------------------------------------

    def save_version(self, then: Callable[[], object] | None = None) -> CommitDialog | None:
        """Save the editor as a new version: check it, ask for a message, commit in the
        background, then run ``then``. Returns the message dialog, if one opened."""
        name = self.current_name
        if name is None:
            return None
        draft = self.editor.check_now()
        if not draft.savable:
            self._refuse_save(draft)
            return None
        content = draft.content
        assert content is not None
        snapshot = self.snapshot if self.new_prompt is None else None
        if snapshot is not None and same_content(content, snapshot.latest.content):
            self.base = snapshot.latest
            self.history.versions.set_edited_version(self.base.version)
            self.header.show_notice(
                f"No change: the editor matches v{snapshot.latest.version}; nothing saved."
            )
            self._show_state()
            if then is not None:
                then()
            return None
        if snapshot is None:
            changes = ["A new prompt: this becomes version 1."]
            number = 1
        else:
            reference = self.base or snapshot.latest
            diff = diff_contents(reference.content, content)
            changes = [f"Changes from v{reference.version}: " + "; ".join(summary_parts(diff))]
            number = snapshot.latest.version + 1
        dialog = CommitDialog(f"Save {name} as version {number}", changes, self)
        dialog.message_accepted.connect(lambda message: self._commit(name, content, message, then))
        dialog.rejected.connect(lambda: self.list_panel.select(self.current_name))
        dialog.open()
        return dialog

    def _refuse_save(self, draft: Draft) -> None:
        if draft.errors:
            index, error = next(iter(draft.errors.items()))
            position = f"line {error.line}" + (f", column {error.column}" if error.column else "")
            self.header.show_notice(
                f"Not saved: {error.where} has a template error at {position}: {error.problem}",
                error=True,
            )
            self.tabs.setCurrentIndex(EDITOR_TAB)
            focus_error(self.editor.messages.cards[index].editor)
        else:
            self.header.show_notice(f"Not saved: {draft.problem}", error=True)
        self.list_panel.select(self.current_name)

    def _commit(
        self, name: str, content: PromptContent, message: str, then: Callable[[], object] | None
    ) -> None:
        spec = self.new_prompt
        self.context.run(
            lambda task: save_content(
                task,
                name,
                content,
                message,
                create=spec is not None,
                description=spec.description if spec else "",
            ),
            parent=self,
            success=lambda saved: self._on_saved(saved, then),
        ).serial().run_in_background()

    def _on_saved(
        self, saved: tuple[CommitResult, PromptSnapshot], then: Callable[[], object] | None
    ) -> None:
        result, snapshot = saved
        if self.current_name != snapshot.prompt.name:
            self.prompts.update_prompt(snapshot.prompt)
            return
        self.new_prompt = None
        self._apply_snapshot(snapshot)
        self.base = result.version
        self.history.versions.set_edited_version(self.base.version)
        if result.created:
            self.header.show_notice(f"Saved {result.version.ref}: {result.version.message}")
            self.status(f"Saved {result.version.ref}.")
        else:
            self.header.show_notice(
                f"No change: the content equals v{result.version.version}; nothing saved."
            )
        self._show_state()
        if then is not None:
            then()

    # Labels ----------------------------------------------------------------------------------

    @Slot(str, int)
    def move_label(self, label: str, version: int) -> None:
        """Point ``label`` at ``version`` of the open prompt (creating the label if needed)."""
        name = self.current_name
        if name is None or self.new_prompt is not None:
            return
        self.context.run(
            lambda task: point_label(task, name, label, version),
            parent=self,
            success=self._on_labels_changed,
        ).serial().run_in_background()

    @Slot(str)
    def remove_label(self, label: str) -> None:
        """Remove ``label`` from the open prompt (its history keeps the removal)."""
        name = self.current_name
        if name is None or self.new_prompt is not None:
            return
        self.context.run(
            lambda task: drop_label(task, name, label),
            parent=self,
            success=self._on_labels_changed,
        ).serial().run_in_background()

    def _on_labels_changed(self, snapshot: PromptSnapshot) -> None:
        if self.current_name == snapshot.prompt.name and self.new_prompt is None:
            self._apply_snapshot(snapshot)
            self._show_state()
            self.status(f"Labels of {snapshot.prompt.name}: {labels_text(snapshot.prompt)}")

    # New, import, export ---------------------------------------------------------------------

    @Slot()
    def ask_new_prompt(self) -> None:
        """Ask for a new prompt's name and starting point (after unsaved edits are settled)."""

        def ask() -> None:
            dialog = NewPromptDialog(self.prompts.names(), self.current_name, self)
            dialog.prompt_described.connect(self.start_new_prompt)
            dialog.open()

        self.run_when_saved_or_discarded(ask)

    def start_new_prompt(self, spec: NewPromptSpec) -> None:
        """Open an editor for a prompt not saved yet; Save makes its version 1."""
        content = self.editor.current_content() if spec.start_from == "copy" else None
        self._before_new = self.current_name
        self.new_prompt = spec
        self.snapshot = None
        self.base = None
        self.history.set_history(None, [], [])
        self.compare.set_versions(spec.name, [])
        if spec.start_from != "copy":
            self.editor.samples.set_values({})
        self.editor.set_content(content or STARTERS.get(spec.start_from, STARTERS["chat"]))
        self.list_panel.select(None)
        self.tabs.setCurrentIndex(EDITOR_TAB)
        self.header.clear_notice()
        self._show_state()
        if self.editor.messages.cards:
            self.editor.messages.cards[-1].editor.setFocus()

    @Slot()
    def ask_export(self) -> QFileDialog | None:
        """Choose where to export the open prompt as YAML."""
        if self.snapshot is None or self.new_prompt is not None:
            return None
        return ask_export(self, self.snapshot.prompt.name)

    # Playground ------------------------------------------------------------------------------

    @Slot()
    def open_in_playground(self) -> None:
        """Send the rendered prompt (sample values filled in) and its parameters to the
        Playground, and switch to it."""
        open_in_playground(self)

    # Slots and helpers -----------------------------------------------------------------------

    @Slot()
    def _on_editor_edited(self) -> None:
        self.header.clear_notice()
        self._show_state()

    @Slot(object)
    def _on_editor_checked(self, _draft: Draft) -> None:
        self._show_state()
        name = self.current_name
        if name is not None:
            values = self.editor.samples.all_values()
            self.context.ui_state.setValue(f"prompts/samples/{name}", json.dumps(values))
        if self.tabs.currentIndex() == COMPARE_TAB and self.compare.shows_editor():
            self.compare.refresh()

    @Slot(int)
    def _on_history_edit_requested(self, version: int) -> None:
        if self.snapshot is None:
            return
        name = self.snapshot.prompt.name

        def edit() -> None:
            self.open_prompt(name, version)
            self.tabs.setCurrentIndex(EDITOR_TAB)

        self.run_when_saved_or_discarded(edit)

    @Slot(int, object)
    def _on_history_compare_requested(self, old: int, new: int | None) -> None:
        self.compare.compare(old, new)
        self.tabs.setCurrentIndex(COMPARE_TAB)

    @Slot(str, str)
    def _on_compare_pair_changed(self, old_hash: str, new_hash: str) -> None:
        self.context.run(
            lambda task: read_evidence(task, old_hash, new_hash),
            parent=self,
            success=lambda evidence: self.compare.show_evidence(old_hash, new_hash, evidence),
        ).run_in_background()

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index == COMPARE_TAB and self.compare.shows_editor():
            self.compare.refresh()

    def _show_state(self) -> None:
        name = self.current_name
        dirty = self.is_dirty()
        self.body.setCurrentWidget(self.tabs if name is not None else self.empty)
        self.tabs.setTabEnabled(HISTORY_TAB, self.snapshot is not None)
        self.tabs.setTabEnabled(COMPARE_TAB, self.snapshot is not None)
        if self.new_prompt is not None:
            subtitle = "New prompt, not saved yet: saving (Ctrl+S) makes version 1."
        elif self.snapshot is not None and self.base is not None:
            latest = self.snapshot.latest.version
            where = "the latest" if self.base.version == latest else f"latest is v{latest}"
            labels = self.snapshot.prompt.labels_of(self.base.version)
            subtitle = f"Editing from v{self.base.version} ({where})"
            subtitle += f" · labels: {', '.join(labels)}" if labels else ""
            if self.snapshot.prompt.description:
                subtitle += f" · {self.snapshot.prompt.description}"
        else:
            subtitle = ""
        self.header.set_state(name or "Prompts", subtitle, dirty=dirty)
        self.save_action.setEnabled(name is not None)
        self.discard_action.setEnabled(dirty)
        self.playground_action.setEnabled(self.editor.last_draft.savable and name is not None)
        self.export_action.setEnabled(self.snapshot is not None and self.new_prompt is None)

    def _stored_samples(self, name: str) -> dict[str, str]:
        stored = self.context.ui_state.value(f"prompts/samples/{name}")
        try:
            values = json.loads(stored) if isinstance(stored, str) else {}
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}

    def status(self, message: str) -> None:
        """Show ``message`` in the window's status bar for a while."""
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 5000)

    def _restore_splitters(self) -> None:
        for key, splitter in (
            ("splitters/prompts", self.splitter),
            ("splitters/promptsEditor", self.editor.splitter),
        ):
            value = self.context.ui_state.value(key)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)

    @Slot()
    def _save_splitters(self, *_: object) -> None:
        self.context.ui_state.setValue("splitters/prompts", self.splitter.saveState())
        self.context.ui_state.setValue("splitters/promptsEditor", self.editor.splitter.saveState())
