"""What every page of the window shares: home, background operations, preferences, inventory and
the two model hosts (slot A for the playground, slot B for side-by-side mode)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from workbench.inventory import ModelRecord, list_models
from workbench.ui.child_process import initialise_home, run_in_child
from workbench.ui.error_dialogs import report_exception
from workbench.ui.host_controller import ModelHostController
from workbench.ui.item_models.inventory_model import InventoryTableModel
from workbench.ui.operations import BackgroundOp, Operations, TaskContext
from workbench.ui.preferences import (
    Preferences,
    load_preferences,
    save_preferences,
    ui_state_path,
)

if TYPE_CHECKING:
    from workbench.engine import ModelHost

SLOTS = ("A", "B")
Inventory = tuple[list[ModelRecord], frozenset[str]]
#: Builds the model host for a slot ("A" or "B"); tests pass fakes.
SlotHostFactory = Callable[[str], "ModelHost"]


def read_inventory(task: TaskContext) -> tuple[list[ModelRecord], frozenset[str]]:
    """The registered models and the names of those whose file is missing (worker thread)."""
    records = list_models(task.store)
    return records, frozenset(r.name for r in records if not Path(r.path).is_file())


def default_host_factory(home: Path) -> SlotHostFactory:
    """Real model hosts, each logging its process's stderr under ``home/logs``."""

    def factory(slot: str) -> ModelHost:
        from workbench.engine import ModelHost
        from workbench.paths import logs_dir

        return ModelHost(log_path=logs_dir(home) / f"model-host-{slot}.log")

    return factory


class AppContext(QObject):
    """Shared state of one main window. Lives on the GUI thread."""

    preferences_changed = Signal(object)  # Preferences
    models_refreshed = Signal()
    store_opened = Signal()
    bootstrap_finished = Signal()

    def __init__(
        self,
        home: Path,
        *,
        host_factory: SlotHostFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.ops = Operations(home, self)
        self.preferences = Preferences()
        self.inventory = InventoryTableModel(self)
        self.ui_state = QSettings(str(ui_state_path(home)), QSettings.Format.IniFormat)
        self.store_ready = False
        factory = host_factory or default_host_factory(home)
        self.hosts: dict[str, ModelHostController] = {
            slot: ModelHostController(partial(factory, slot), slot, self) for slot in SLOTS
        }
        for slot, host in self.hosts.items():
            host.model_loaded.connect(lambda info, s=slot: self._on_host_model_changed(s, info))
            host.model_unloaded.connect(lambda s=slot: self._on_host_model_changed(s, None))

    def run(
        self,
        op: Callable[[TaskContext], Any],
        *,
        parent: QWidget | None,
        success: Callable[[Any], Any] | None = None,
    ) -> BackgroundOp[Any]:
        """A background operation (not yet started) bound to this window's workers."""
        return BackgroundOp(self.ops, parent=parent, op=op, success=success)

    def open_store(self, *, bootstrap: bool = True) -> None:
        """Open (and migrate) the store, read preferences and the inventory, then, on a first
        start, register the demo model (it hashes ~100 MB), all off the GUI thread."""

        def opened(task: TaskContext) -> tuple[Preferences, Inventory]:
            return load_preferences(task.store), read_inventory(task)

        def registered(task: TaskContext) -> Inventory:
            # Registering the demo model reads and hashes ~100 MB: a child process does it.
            run_in_child(task, initialise_home, task.home)
            return read_inventory(task)

        def on_opened(value: tuple[Preferences, Inventory]) -> None:
            preferences, inventory = value
            self.store_ready = True
            self._set_preferences(preferences)
            self._set_records(inventory)
            self.store_opened.emit()
            if bootstrap:
                self.run(registered, parent=None, success=on_registered).failure(
                    on_registration_failed
                ).with_progress("Registering the demo model…").serial().run_in_background()
            else:
                self.bootstrap_finished.emit()

        def on_registered(inventory: Inventory) -> None:
            self._set_records(inventory)
            self.bootstrap_finished.emit()

        def on_registration_failed(error: BaseException) -> None:
            # The window is usable without the demo model: say what went wrong and carry on.
            self.bootstrap_finished.emit()
            report_exception(error, None)

        self.run(opened, parent=None, success=on_opened).serial().run_in_background()

    def refresh_models(self) -> None:
        """Re-read the inventory from the store."""
        self.run(read_inventory, parent=None, success=self._set_records).run_in_background()

    def save_preferences(self, preferences: Preferences) -> None:
        """Persist ``preferences`` (audited) and apply them now."""
        self._set_preferences(preferences)
        self.run(
            lambda task: save_preferences(task.store, preferences), parent=None
        ).serial().run_in_background()

    def shutdown(self) -> None:
        """Stop background work and wait for it, close both model hosts, then wait for what
        their last replies started (at exit)."""
        self.ops.cancel_all()
        # Workers first: a worker thread emitting its result while a host's shutdown delivers
        # that host's posted events on this thread crashed the interpreter (a segmentation
        # fault at window close, about one full UI test run in seven). Cancelled work ends at
        # its next progress report; the hosts' own threads are not in the pool.
        self.ops.wait_for_done()
        for host in self.hosts.values():
            host.shutdown()
        self.ops.wait_for_done()  # what the hosts' last replies started (storing a cut reply)
        self.ui_state.sync()

    def _set_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        self.preferences_changed.emit(preferences)

    def _set_records(self, inventory: Inventory) -> None:
        self.inventory.set_records(*inventory)
        for slot, host in self.hosts.items():
            self.inventory.set_loaded(slot, host.info.model_name if host.info else None)
        self.models_refreshed.emit()

    def _on_host_model_changed(self, slot: str, info: Any) -> None:
        self.inventory.set_loaded(slot, info.model_name if info is not None else None)
