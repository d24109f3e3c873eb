"""The main window: sidebar of the product's areas, pages, menus, status bar, drag and drop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from workbench import __version__
from workbench.engine.messages import GenerationResult, LoadRequest, ModelInfo
from workbench.errors import ModelHostCrashedError
from workbench.ui.context import AppContext
from workbench.ui.error_dialogs import report_exception, show_user_error
from workbench.ui.icons import app_icon, icon
from workbench.ui.pages import PageSpec, default_pages
from workbench.ui.pages.models_page import ModelsPage
from workbench.ui.pages.playground_page import PlaygroundPage
from workbench.ui.preferences import Preferences
from workbench.ui.settings_dialog import SettingsDialog
from workbench.ui.shortcuts_dialog import ShortcutsDialog
from workbench.ui.status_bar import WorkbenchStatusBar
from workbench.ui.theme import apply_theme
from workbench.ui.unsaved_edits import (
    QuitAnswer,
    UnsavedEdits,
    ask_about_unsaved_edits,
    find_unsaved_edits,
)


class MainWindow(QMainWindow):
    """The workbench window. Build it with an :class:`AppContext` and call :meth:`start`.

    Closing it asks first while a page holds unsaved edits (see :mod:`workbench.ui.unsaved_edits`);
    once it closes, it saves its state and stops the model hosts, once (:meth:`shutdown`).
    """

    def __init__(self, context: AppContext, pages: list[PageSpec] | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.context = context
        self._shut_down = False
        self._discarding_edits = False
        self._unsaved_box: QMessageBox | None = None
        self.setWindowTitle("GenAI Ops Workbench")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.specs = pages or default_pages()
        self.pages: dict[str, QWidget] = {}
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(180)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.stack = QStackedWidget()
        for number, spec in enumerate(self.specs, start=1):
            page = spec.factory(context)
            self.pages[spec.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(icon(spec.icon), spec.title)
            shortcut = f" (Ctrl+{number})" if number <= 9 else ""
            item.setToolTip(spec.tooltip + shortcut)
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._on_sidebar_current_row_changed)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = WorkbenchStatusBar(self)
        self.setStatusBar(self.status)
        context.ops.progress_view = self.status
        self._build_menus()
        self._connect_context()
        self.sidebar.setCurrentRow(0)
        self.resize(1280, 800)

    # Pages ---------------------------------------------------------------------------------

    @property
    def models_page(self) -> ModelsPage:
        """The Models page."""
        page = self.pages["models"]
        assert isinstance(page, ModelsPage)
        return page

    @property
    def playground(self) -> PlaygroundPage:
        """The Playground page."""
        page = self.pages["playground"]
        assert isinstance(page, PlaygroundPage)
        return page

    def show_page(self, key: str) -> None:
        """Switch to the page ``key``."""
        keys = [spec.key for spec in self.specs]
        if key in keys:
            self.sidebar.setCurrentRow(keys.index(key))

    def current_page_key(self) -> str:
        """The key of the page on screen."""
        return self.specs[self.stack.currentIndex()].key

    # Menus ---------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        models, playground = self.models_page, self.playground
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(models.add_action)
        file_menu.addAction(models.scan_action)
        file_menu.addSeparator()
        file_menu.addAction(playground.new_action)
        file_menu.addSeparator()
        open_home = file_menu.addAction(icon("folder"), "Open data folder")
        open_home.setToolTip("Open the folder holding the workbench database and logs")
        open_home.triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.context.home)))
        )
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("Quit")
        self.quit_action.setToolTip("Quit (asks first if there are unsaved changes)")
        # The platform's Quit key; Windows (and the offscreen platform) have none: Ctrl+Q there.
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcuts(quit_keys or [QKeySequence("Ctrl+Q")])
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        edit_menu = menu.addMenu("&Edit")
        standard = QKeySequence.StandardKey
        for name, title, key in (
            ("undo", "Undo", standard.Undo),
            ("redo", "Redo", standard.Redo),
            ("cut", "Cut", standard.Cut),
            ("copy", "Copy", standard.Copy),
            ("paste", "Paste", standard.Paste),
            ("selectAll", "Select all", standard.SelectAll),
        ):
            if name == "cut":
                edit_menu.addSeparator()
            action = edit_menu.addAction(title)
            action.setShortcut(key)
            # Widgets handle these keys themselves; the menu entry forwards to the focused one.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _=False, n=name: self._forward_to_focus(n))
        edit_menu.addSeparator()
        edit_menu.addAction(playground.copy_action)
        edit_menu.addAction(playground.clear_action)
        edit_menu.addSeparator()
        self.settings_action = edit_menu.addAction(icon("settings"), "Settings…")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)

        view_menu = menu.addMenu("&View")
        self.page_actions: list[QAction] = []
        for number, spec in enumerate(self.specs, start=1):
            action = view_menu.addAction(icon(spec.icon), spec.title)
            if number <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, k=spec.key: self.show_page(k))
            self.page_actions.append(action)
        view_menu.addSeparator()
        toggle = view_menu.addAction("Show sidebar")
        toggle.setCheckable(True)
        toggle.setChecked(True)
        toggle.setShortcut(QKeySequence("Ctrl+B"))
        toggle.toggled.connect(self.sidebar.setVisible)
        full_screen = view_menu.addAction("Full screen")
        full_screen.setShortcut(QKeySequence.StandardKey.FullScreen)
        full_screen.triggered.connect(
            lambda: self.showNormal() if self.isFullScreen() else self.showFullScreen()
        )

        model_menu = menu.addMenu("&Model")
        for action in (models.load_action, models.load_b_action, models.unload_action):
            model_menu.addAction(action)
        model_menu.addSeparator()
        model_menu.addAction(playground.send_action)
        model_menu.addAction(playground.stop_action)
        # Actions with shortcuts must belong to the window to fire on every page.
        self.addActions([playground.stop_action, playground.new_action, playground.copy_action])
        self.addActions([models.add_action, models.load_action])

        help_menu = menu.addMenu("&Help")
        shortcuts = help_menu.addAction("Keyboard shortcuts")
        shortcuts.setShortcut(QKeySequence.StandardKey.HelpContents)
        shortcuts.triggered.connect(self.show_shortcuts)
        about = help_menu.addAction(app_icon(), "About GenAI Ops Workbench")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)

    def _forward_to_focus(self, slot_name: str) -> None:
        widget = QApplication.focusWidget()
        method = getattr(widget, slot_name, None)
        if callable(method):
            method()

    # Dialogs -------------------------------------------------------------------------------

    @Slot()
    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (non-blocking); OK saves and applies."""
        dialog = SettingsDialog(self.context.preferences, self)
        dialog.preferences_accepted.connect(self.context.save_preferences)
        dialog.open()
        return dialog

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        """List the keyboard shortcuts (non-blocking)."""
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def show_about(self) -> None:
        """Version and where the data lives."""
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "About GenAI Ops Workbench",
            f"<b>GenAI Ops Workbench {__version__}</b><br>Try, measure and sign off local GGUF "
            f"models, offline.<br><br>Data folder: {self.context.home}",
            parent=self,
        )
        box.setIconPixmap(app_icon().pixmap(QSize(48, 48)))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # Context and hosts ---------------------------------------------------------------------

    def _connect_context(self) -> None:
        self.context.preferences_changed.connect(self._on_context_preferences_changed)
        self.context.bootstrap_finished.connect(self._on_context_bootstrap_finished)
        for slot, host in self.context.hosts.items():
            host.load_started.connect(
                lambda request, s=slot: self._on_host_load_started(s, request)
            )
            host.model_loaded.connect(lambda info, s=slot: self._on_host_model_changed(s, info))
            host.model_unloaded.connect(lambda s=slot: self._on_host_model_changed(s, None))
            host.load_failed.connect(lambda error, s=slot: self._on_host_load_failed(s, error))
            host.host_crashed.connect(lambda message, s=slot: self._on_host_crashed(s, message))
            host.generation_finished.connect(self._on_host_generation_finished)

    def _on_host_load_started(self, slot: str, request: LoadRequest) -> None:
        self.status.set_loading(slot, request)

    def _on_host_model_changed(self, slot: str, info: ModelInfo | None) -> None:
        self.status.set_model(slot, info)
        if info is not None:
            self.status.showMessage(f"Loaded {info.model_name} in {info.load_seconds:.1f} s.", 5000)

    def _on_host_load_failed(self, slot: str, error: BaseException) -> None:
        host = self.context.hosts[slot]
        self.status.set_model(slot, host.info)
        if not isinstance(error, ModelHostCrashedError):
            report_exception(error, self)

    def _on_host_crashed(self, slot: str, message: str) -> None:
        info = self.context.hosts[slot].info
        self.status.set_model(slot, info)
        if info is not None:
            what_next = (
                f"Your next message starts a new model process and loads {info.model_name} again."
            )
        else:
            what_next = "Load a model again to continue."
        show_user_error(
            self,
            f"The model process for slot {slot} stopped unexpectedly. The workbench and your "
            f"data are fine.\n\n{what_next}\n\nDetails: {message}",
            title="Model process stopped",
        )

    @Slot(object)
    def _on_host_generation_finished(self, result: GenerationResult) -> None:
        self.status.set_last_result(result)

    @Slot(object)
    def _on_context_preferences_changed(self, preferences: Preferences) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, preferences.theme)

    @Slot()
    def _on_context_bootstrap_finished(self) -> None:
        if not self.context.inventory.records():
            self.status.showMessage("No models yet: add a GGUF file (Ctrl+O) or drop one here.")

    @Slot(int)
    def _on_sidebar_current_row_changed(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        activated = getattr(page, "page_activated", None)
        if callable(activated):
            activated()

    # Window state, drops, close ------------------------------------------------------------

    def start(self) -> None:
        """Restore the saved geometry, show the window, open the store in the background."""
        self.restore_state()
        self.show()
        self.context.open_store()

    def restore_state(self) -> None:
        """Restore geometry, splitters and the last page from ``ui-state.ini``."""
        state = self.context.ui_state
        geometry = state.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for name, splitter in (
            ("models", self.models_page.splitter),
            ("playground", self.playground.splitter),
        ):
            value = state.value(f"splitters/{name}")
            if isinstance(value, QByteArray):
                splitter.restoreState(value)
        page = state.value("window/page")
        if isinstance(page, str):
            self.show_page(page)

    def save_state(self) -> None:
        """Save geometry, splitters and the current page to ``ui-state.ini``."""
        state = self.context.ui_state
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("splitters/models", self.models_page.splitter.saveState())
        state.setValue("splitters/playground", self.playground.splitter.saveState())
        state.setValue("window/page", self.current_page_key())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept GGUF files dragged over the window."""
        if _gguf_paths(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Add dropped GGUF files to the inventory."""
        paths = _gguf_paths(event.mimeData().urls())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.show_page("models")
        self.models_page.add_model_files(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close, unless a page holds unsaved edits: then keep the window (and the model hosts)
        and ask what to do with them. A close that goes ahead runs :meth:`shutdown`."""
        if not self._shut_down and not self._discarding_edits:
            edits = self.unsaved_edits()
            if edits:
                event.ignore()
                self._ask_about_unsaved_edits(edits)
                return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the window state, stop the model hosts and wait for background work. Runs
        once: the window's close and the application's ``aboutToQuit`` both call it."""
        if self._shut_down:
            return
        self._shut_down = True
        try:
            self.save_state()
        finally:  # the model processes must stop even if saving the window state failed
            self.context.shutdown()

    # Unsaved edits -------------------------------------------------------------------------

    def unsaved_edits(self) -> list[UnsavedEdits]:
        """What closing the window now would lose, page by page in sidebar order."""
        return find_unsaved_edits(
            (spec.key, spec.title, self.pages[spec.key]) for spec in self.specs
        )

    def close_discarding_edits(self) -> None:
        """Close the window now, dropping unsaved edits without asking ("Discard and quit")."""
        self._discarding_edits = True
        self.close()

    def _ask_about_unsaved_edits(self, edits: list[UnsavedEdits]) -> None:
        if self._unsaved_box is not None:  # asked already (a second Quit while it is open)
            self._unsaved_box.activateWindow()
            return
        self._unsaved_box = ask_about_unsaved_edits(self, edits, self._on_unsaved_box_answered)

    def _on_unsaved_box_answered(self, answer: QuitAnswer) -> None:
        self._unsaved_box = None
        # Read again: a save running in the background may have finished meanwhile.
        edits = self.unsaved_edits()
        # Closed again from the event loop, never from inside a close event.
        if answer == "discard":
            QTimer.singleShot(0, self.close_discarding_edits)
        elif answer == "save":
            self._save_then_close(edits)
        elif edits:
            self._go_to_unsaved_edits(edits[0])

    def _save_then_close(self, edits: list[UnsavedEdits]) -> None:
        """Save each page's edits in turn, then close; a save that is refused, cancelled or
        fails stops here, on its page, with the window open."""
        if not edits:
            QTimer.singleShot(0, self.close)  # asks again if edits appeared meanwhile
            return
        first, rest = edits[0], edits[1:]
        self._go_to_unsaved_edits(first)
        if first.can_save:
            first.save(lambda: self._save_then_close(rest))

    def _go_to_unsaved_edits(self, edits: UnsavedEdits) -> None:
        self.show_page(edits.key)
        edits.show()


def _gguf_paths(urls: list[QUrl]) -> list[Path]:
    return [
        Path(url.toLocalFile())
        for url in urls
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf")
    ]
