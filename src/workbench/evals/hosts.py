"""The model hosts a run uses: at most one per model, each model loaded once per run.

The matrix runs model by model on a worker host; a judge model (``llm-rubric``) is pinned to a
host of its own, unless the model it needs is already loaded somewhere, in which case that host
is pinned and shared. So neither the judge nor a model of the matrix is ever loaded twice in a
run, and at most two models are in memory at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workbench.engine.messages import (
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
)


class Host(Protocol):
    """What a run needs from a model host (:class:`workbench.engine.ModelHost` is one)."""

    def load(self, request: LoadRequest) -> ModelInfo:
        """Load a model, replacing the one loaded."""
        ...

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        """Generate and return the whole result."""
        ...

    def score(self, request: ScoreRequest) -> ScoreResult:
        """Log-probabilities of continuations."""
        ...

    def cancel(self) -> None:
        """Cancel the request in flight (any thread)."""
        ...

    def close(self) -> None:
        """Stop the host."""
        ...


HostFactory = Callable[[], Host]


@dataclass
class _Slot:
    host: Host
    loaded: LoadRequest | None = None
    pinned: bool = False


class HostPool:
    """Hosts made by ``factory`` on demand; :meth:`cancel` is safe from any thread."""

    def __init__(self, factory: HostFactory) -> None:
        self._factory = factory
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self.loads: list[LoadRequest] = []  # every load done, in order (for tests and events)

    def has(self, request: LoadRequest) -> bool:
        """Whether some host has this model loaded with these settings."""
        return any(slot.loaded == request for slot in self._slots)

    def acquire(self, request: LoadRequest, *, pin: bool = False) -> Host:
        """A host with ``request``'s model loaded (loading it if no host has it).

        ``pin`` keeps the host for this model for the rest of the run (the judge's).
        """
        for slot in self._slots:
            if slot.loaded == request:
                slot.pinned = slot.pinned or pin
                return slot.host
        free = None if pin else next((s for s in self._slots if not s.pinned), None)
        slot = free if free is not None else _Slot(self._factory())
        if free is None:
            with self._lock:
                self._slots.append(slot)
        slot.loaded = None
        slot.host.load(request)
        slot.loaded, slot.pinned = request, pin
        self.loads.append(request)
        return slot.host

    def cancel(self) -> None:
        """Cancel whatever any host is doing."""
        with self._lock:
            slots = list(self._slots)
        for slot in slots:
            slot.host.cancel()

    def close(self) -> None:
        """Stop every host."""
        with self._lock:
            slots, self._slots = self._slots, []
        for slot in slots:
            slot.host.close()
