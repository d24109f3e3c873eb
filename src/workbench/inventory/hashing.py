"""Streamed SHA-256 of model files, with progress, cancellation and a cache in the store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.store import Store
from workbench.store.models_repo import cache_file_hash, cached_file_hash

CHUNK_BYTES = 4 * 1024 * 1024

#: Called with (bytes done, bytes total); return False to cancel.
ProgressCallback = Callable[[int, int], bool | None]


class HashCancelledError(WorkbenchError):
    """Hashing was cancelled by the caller; nothing was recorded."""


def hash_file(
    path: Path, *, store: Store | None = None, progress: ProgressCallback | None = None
) -> str:
    """Return the hex SHA-256 of ``path``, read in chunks.

    With a ``store``, a previous result for the same path, size and mtime is reused and a new
    one is remembered. ``progress`` may return False to cancel (raises HashCancelledError).
    """
    stat = path.stat()
    key = str(path)
    if store is not None:
        cached = cached_file_hash(store, key, stat.st_size, stat.st_mtime_ns)
        if cached:
            if progress:
                progress(stat.st_size, stat.st_size)
            return cached
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb", buffering=0) as handle:
        # Tell the kernel we read once, front to back: better read-ahead, less page-cache churn.
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        buffer = bytearray(CHUNK_BYTES)
        view = memoryview(buffer)
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            done += n
            if progress is not None and progress(done, stat.st_size) is False:
                raise HashCancelledError(f"Hashing {path} was cancelled.")
    result = digest.hexdigest()
    if store is not None:
        cache_file_hash(store, key, stat.st_size, stat.st_mtime_ns, result)
    return result
