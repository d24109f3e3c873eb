"""Whether a bias run can be resumed, and with which model: the same file it scored with.

A run never mixes two models' scores, so a resume needs the registered model the run used and
its file unchanged (re-hashed when its size or modification time moved). The command line and
the desktop app both ask here before they load anything.
"""

from __future__ import annotations

from pathlib import Path

from workbench.bias.errors import BiasError
from workbench.bias.records import BiasRun
from workbench.bias.runner import check_not_busy
from workbench.errors import NotFoundError
from workbench.inventory import ModelRecord, get_model, hash_file
from workbench.store import Store
from workbench.workers import RESUMABLE


def resumable_model(store: Store, run: BiasRun) -> ModelRecord:
    """The registered model ``run`` scored with, if its file is still the one it scored.

    Raises :class:`BiasError` (a message for the user) when the run is finished, its model is
    no longer registered, or the file is missing or changed, and
    :class:`~workbench.bias.BiasRunBusyError` when a live process is scoring it now.
    """
    cannot = f"Run {run.id} cannot be resumed"
    if run.status not in RESUMABLE:
        raise BiasError(f"{cannot}: it is {run.status}, there is nothing left to score.")
    check_not_busy(run)
    try:
        record = get_model(store, run.model_name)
    except NotFoundError as exc:
        raise BiasError(f"{cannot}: its model {run.model_name} is no longer registered.") from exc
    path = Path(record.path)
    if not path.is_file():
        raise BiasError(f"{cannot}: the model file {path} is missing.")
    # hash_file reuses the stored hash while the file's size and mtime are unchanged.
    if record.sha256 != run.model_sha256 or hash_file(path, store=store) != run.model_sha256:
        raise BiasError(
            f"{cannot}: the model file {path} changed since the run scored it (sha256 "
            f"{run.model_sha256[:12]}). Start a new run to test the model as it is now."
        )
    return record
