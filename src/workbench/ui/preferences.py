"""The user's preferences, kept in the store's (audited) settings table.

Window geometry and other view state is *not* here: it changes on every resize, so it lives in a
QSettings INI file in the home directory (``ui-state.ini``) and never touches the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from workbench.engine.messages import LoadSettings
from workbench.store import Store
from workbench.store.settings_repo import get_setting, set_setting

#: Store keys of each preference (shared with the CLI where they overlap).
SETTING_KEYS = {
    "theme": "ui.theme",
    "model_folders": "ui.model_folders",
    "default_threads": "engine.default_threads",
    "default_gpu_layers": "engine.default_gpu_layers",
}
UI_STATE_FILENAME = "ui-state.ini"
DEFAULT_CONTEXT_SIZE = 2048


@dataclass(frozen=True)
class Preferences:
    """What the settings dialog edits."""

    theme: str = "system"  # system | light | dark
    model_folders: tuple[str, ...] = ()
    default_threads: int | None = None  # None: llama.cpp picks for this machine
    default_gpu_layers: int = 0  # 0 none (CPU only), -1 all, n that many layers

    def load_settings(
        self, *, context_size: int = DEFAULT_CONTEXT_SIZE, seed: int = 0
    ) -> LoadSettings:
        """Load settings built from these defaults."""
        return LoadSettings(
            context_size=context_size,
            threads=self.default_threads,
            gpu_layers=self.default_gpu_layers,
            seed=seed,
        )


def load_preferences(store: Store) -> Preferences:
    """Read the preferences, falling back to defaults for anything unset or malformed."""
    defaults = Preferences()
    values: dict[str, Any] = {}
    for name, key in SETTING_KEYS.items():
        values[name] = get_setting(store, key, getattr(defaults, name))
    theme = values["theme"] if values["theme"] in ("system", "light", "dark") else "system"
    folders = values["model_folders"]
    threads = values["default_threads"]
    gpu_layers = values["default_gpu_layers"]
    return Preferences(
        theme=theme,
        model_folders=tuple(str(f) for f in folders) if isinstance(folders, list | tuple) else (),
        default_threads=int(threads) if isinstance(threads, int) and threads > 0 else None,
        default_gpu_layers=int(gpu_layers) if isinstance(gpu_layers, int) else 0,
    )


def save_preferences(store: Store, preferences: Preferences) -> list[str]:
    """Store every preference that changed (each change audited); return the changed keys."""
    changed = []
    with store.transaction():
        for item in fields(Preferences):
            value = getattr(preferences, item.name)
            if isinstance(value, tuple):
                value = list(value)
            key = SETTING_KEYS[item.name]
            if set_setting(store, key, value):
                changed.append(key)
    return changed


def ui_state_path(home: Path) -> Path:
    """The INI file holding window geometry and other view state."""
    return home / UI_STATE_FILENAME


def find_gguf_files(folders: tuple[str, ...], *, limit: int = 500) -> list[Path]:
    """GGUF files under ``folders`` (recursively), sorted, at most ``limit``."""
    found: list[Path] = []
    for folder in folders:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.gguf")):
            if path.is_file():
                found.append(path.resolve())
            if len(found) >= limit:
                return found
    return sorted(set(found))
