"""Rendering the live preview off the GUI thread, one render at a time, newest request first.

Templates run in a sandbox that bounds sizes but not time, so a template with a runaway loop
must not freeze the window. Each render runs on a daemon thread (a stuck one never blocks
quitting) under a trace function that stops it, between two lines of template code, when it is
cancelled: when a newer request arrives, or after :data:`RENDER_LIMIT_MS`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from workbench.prompts import (
    MissingVariableError,
    PromptContent,
    RenderedPrompt,
    TemplateRenderError,
    render_prompt,
)

SLOW_RENDER_MS = 1000
RENDER_LIMIT_MS = 5000


class RenderCancelled(BaseException):
    """Raised inside a render that was cancelled (a BaseException, so that no ``except
    Exception`` in template code or Jinja can swallow it)."""


def placeholder(name: str) -> str:
    """What stands in for a variable without a sample value."""
    return f"⟨{name}⟩"


@dataclass(frozen=True)
class PreviewRequest:
    """What to render: content and sample values ("" means none given)."""

    number: int
    content: PromptContent
    values: Mapping[str, str]


@dataclass(frozen=True)
class PreviewResult:
    """A finished render: the prompt or the error (neither when it was cancelled);
    ``placeholders`` names the variables that had no sample value and were shown as
    :func:`placeholder`."""

    request: PreviewRequest
    rendered: RenderedPrompt | None
    error: BaseException | None
    placeholders: tuple[str, ...] = ()
    seconds: float = 0.0
    cancelled: bool = False


def render_preview(request: PreviewRequest, cancel: threading.Event | None = None) -> PreviewResult:
    """Render with the sample values typed; variables left empty are left out (so a template's
    ``default`` applies), and those the template needs get a visible placeholder. Setting
    ``cancel`` stops the render (in this thread) at its next line of Python."""
    started = time.perf_counter()
    given = {name: value for name, value in request.values.items() if value}
    missing: tuple[str, ...] = ()
    if cancel is not None:
        sys.settrace(_cancelling_tracer(cancel))
    try:
        try:
            rendered = render_prompt(request.content, given)
        except MissingVariableError as exc:
            missing = exc.names
            filled = {**given, **{name: placeholder(name) for name in missing}}
            rendered = render_prompt(request.content, filled)
    except RenderCancelled:
        return PreviewResult(request, None, None, missing, time.perf_counter() - started, True)
    except Exception as exc:
        return PreviewResult(request, None, exc, missing, time.perf_counter() - started)
    finally:
        if cancel is not None:
            sys.settrace(None)
    return PreviewResult(request, rendered, None, missing, time.perf_counter() - started)


def _cancelling_tracer(cancel: threading.Event) -> Any:
    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if cancel.is_set():
            raise RenderCancelled
        return trace

    return trace


class PreviewRenderer(QObject):
    """Renders previews on worker threads; emits ``preview_rendered`` for the newest request
    and ``render_slow`` when one takes longer than a second."""

    preview_rendered = Signal(object)  # PreviewResult
    render_slow = Signal()
    _render_finished = Signal(object)  # from the worker thread to this object's thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest = 0
        self._running: PreviewRequest | None = None
        self._pending: PreviewRequest | None = None
        self._cancel = threading.Event()
        self._timed_out = False
        self._slow_timer = self._timer(SLOW_RENDER_MS, self.render_slow.emit)
        self._limit_timer = self._timer(RENDER_LIMIT_MS, self._on_limit_timer_timeout)
        self._render_finished.connect(self._on_self_render_finished)

    def _timer(self, interval: int, slot: Any) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        return timer

    @property
    def busy(self) -> bool:
        """True while a render runs or waits."""
        return self._running is not None or self._pending is not None

    def request(self, content: PromptContent, values: Mapping[str, str]) -> int:
        """Ask for a render; returns its number. A render still running is cancelled: only
        the newest request's result is delivered."""
        self._latest += 1
        request = PreviewRequest(self._latest, content, dict(values))
        if self._running is None:
            self._start(request)
        else:
            self._pending = request
            self._cancel.set()
        return request.number

    def _start(self, request: PreviewRequest) -> None:
        self._running = request
        self._cancel = threading.Event()
        self._timed_out = False
        self._slow_timer.start()
        self._limit_timer.start()
        worker = threading.Thread(
            target=self._work, args=(request, self._cancel), name="prompt-preview", daemon=True
        )
        worker.start()

    def _work(self, request: PreviewRequest, cancel: threading.Event) -> None:
        result = render_preview(request, cancel)
        # RuntimeError: the page was closed while this rendered; nobody is waiting.
        with contextlib.suppress(RuntimeError):
            self._render_finished.emit(result)

    @Slot()
    def _on_limit_timer_timeout(self) -> None:
        self._timed_out = True
        self._cancel.set()

    @Slot(object)
    def _on_self_render_finished(self, result: PreviewResult) -> None:
        self._slow_timer.stop()
        self._limit_timer.stop()
        timed_out, self._timed_out = self._timed_out, False
        self._running = None
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._start(pending)
        if result.request.number != self._latest:
            return
        if result.cancelled and timed_out:
            error = TemplateRenderError(
                f"Rendering stopped after {RENDER_LIMIT_MS // 1000} seconds: does a loop in "
                "the template run too long?"
            )
            result = PreviewResult(result.request, None, error, result.placeholders)
        if not result.cancelled or timed_out:
            self.preview_rendered.emit(result)
