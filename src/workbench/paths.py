"""Where the workbench keeps its files.

The home directory holds the store (``workbench.db``) and logs. It is chosen, in order, by the
``--home`` option, the ``WORKBENCH_HOME`` environment variable, and platformdirs' user data dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV_VAR = "WORKBENCH_HOME"
DATABASE_FILENAME = "workbench.db"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the home directory to use (not created)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(HOME_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("genai-ops-workbench", appauthor=False))


def database_path(home: Path) -> Path:
    """Return the path of the SQLite store inside ``home``."""
    return home / DATABASE_FILENAME


def logs_dir(home: Path) -> Path:
    """Return (and create) the directory for log files such as the model host's stderr."""
    path = home / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
