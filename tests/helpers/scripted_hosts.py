"""Scripted model hosts: stand-ins for :class:`workbench.engine.ModelHost` that answer at once,
from a script, the same way every time.

Runs, replays and pages reach a model only through the host protocol (load, generate_text,
score, cancel, close, answering with workbench.engine's value objects), so the tests of what
they do with the answers (cancel and resume, races between runs, how often a model is loaded,
verdicts from given log-probabilities) use these hosts: they take milliseconds and never
depend on the machine's load. Faking the model is fine there because the real host and the
demo model are exercised elsewhere: tests/engine, the ``*_real_run`` tests and the page tests
that run the demo model.

Test modules import this module as ``scripted_hosts``: pytest's ``pythonpath`` option puts
tests/helpers on sys.path (under ``--import-mode=importlib`` test modules and conftest files
cannot import one another).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.engine import (
    ContinuationScore,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
    ScoringCancelledError,
)
from workbench.errors import EngineError, ModelHostCrashedError

Responder = Callable[[GenerationRequest, LoadRequest], str]
LogProb = Callable[[str, str], float]  # (prompt, continuation) -> its log-probability


def user_text(request: GenerationRequest) -> str:
    """The last user message (or the raw prompt) of a request."""
    if request.prompt is not None:
        return request.prompt
    return [m.content for m in request.messages if m.role == "user"][-1]


def echo(request: GenerationRequest, loaded: LoadRequest) -> str:
    """The default reply: 'Reply to: <last user message>'."""
    return f"Reply to: {user_text(request)}"


def role_lines(request: GenerationRequest) -> str:
    """The default chat template: one 'role: content' line per message (or the raw prompt)."""
    return "\n".join(f"{m.role}: {m.content}" for m in request.messages) or (request.prompt or "")


def refusing(*messages: str) -> Responder:
    """A responder that refuses (EngineError) the given messages and answers 'good' else; the
    message is the last word of the last message."""

    def answer(request: GenerationRequest, loaded: LoadRequest) -> str:
        message = request.messages[-1].content.split()[-1]
        if message in messages:
            raise EngineError(f"the engine refused {message}")
        return "good"

    return answer


def judge_passes(p: float) -> LogProb:
    """Log-probabilities of a judge that says PASS with probability ``p``, FAIL otherwise."""
    return lambda prompt, verdict: math.log(p if verdict == "PASS" else 1 - p)


@dataclass
class ScriptedModel:
    """The script of a test's hosts and the record of what they were asked; :meth:`factory`
    makes a host (what a runner's host factory returns).

    ``responder`` writes each reply and ``render`` the prompt the chat template would give;
    ``logprob`` scores continuations (None: any scoring fails the test). With ``hold_after``
    (``hold_scores_after``), every generation (score) after that many, counted over all hosts,
    waits until its host is cancelled, as a slow model would, or until :meth:`release`;
    ``held`` is set meanwhile. The next ``crash_next`` generations fail as a killed model
    process does, after ``before_generate`` if set.
    """

    responder: Responder = echo
    render: Callable[[GenerationRequest], str] = role_lines
    logprob: LogProb | None = None
    hold_after: int | None = None
    hold_scores_after: int | None = None
    crash_next: int = 0
    before_generate: Callable[[GenerationRequest], None] | None = None
    loads: list[LoadRequest] = field(default_factory=list)
    generated: list[GenerationRequest] = field(default_factory=list)
    scored: list[ScoreRequest] = field(default_factory=list)
    hosts: list[ScriptedHost] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def factory(self) -> ScriptedHost:
        """A new host of this model."""
        host = ScriptedHost(self)
        self.hosts.append(host)
        return host

    def release(self) -> None:
        """Let every held request (and every later one) answer."""
        self._released.set()

    def record(
        self, host: ScriptedHost, requests: list[Any], request: Any, hold: int | None
    ) -> None:
        """Add ``request`` to ``requests``; wait while it is one to hold."""
        with self._lock:
            requests.append(request)
            number = len(requests)
        if hold is None or number <= hold:
            return
        self.held.set()
        deadline = time.monotonic() + 30
        while not (host.cancelled.is_set() or self._released.is_set()):
            assert time.monotonic() < deadline, "a held request was never let go"
            time.sleep(0.005)
        self.held.clear()


class ScriptedHost:
    """One scripted model process of a :class:`ScriptedModel`; used like ModelHost."""

    def __init__(self, model: ScriptedModel) -> None:
        self.model = model
        self.loaded: LoadRequest | None = None
        self.closed = False
        self.cancelled = threading.Event()  # set by cancel(), cleared as the next request begins

    def __enter__(self) -> ScriptedHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, request: LoadRequest) -> ModelInfo:
        self.model.loads.append(request)
        self.loaded = request
        return ModelInfo(
            request.model_path, request.model_sha256, request.model_name, request.settings,
            2048, 100, True, 0.0, {"model_sha256": request.model_sha256},
        )  # fmt: skip

    def generate_text(self, request: GenerationRequest) -> GenerationResult:
        assert self.loaded is not None, "generate before load"
        self.cancelled.clear()
        model = self.model
        if model.crash_next:
            model.crash_next -= 1
            raise ModelHostCrashedError("the model process stopped: killed by signal SIGKILL")
        if model.before_generate is not None:
            model.before_generate(request)
        model.record(self, model.generated, request, model.hold_after)
        rendered = model.render(request)
        text = model.responder(request, self.loaded)
        return GenerationResult(
            text=text,
            prompt_tokens=len(rendered.split()),
            completion_tokens=len(text.split()),
            time_to_first_token_s=0.01,
            tokens_per_second=100.0,
            total_seconds=0.05,
            finish_reason="cancelled" if self.cancelled.is_set() else "stop",
            fingerprint={
                "model_sha256": self.loaded.model_sha256,
                "prompt_sha256": hashlib.sha256(rendered.encode()).hexdigest(),
                "sampling": request.sampling.to_dict(),
            },
            rendered_prompt=rendered,
        )

    def score(self, request: ScoreRequest) -> ScoreResult:
        self.cancelled.clear()
        model = self.model
        model.record(self, model.scored, request, model.hold_scores_after)
        if self.cancelled.is_set():
            raise ScoringCancelledError()
        assert model.logprob is not None, "scored, but the test scripted no log-probabilities"
        values = [(text, model.logprob(request.prompt, text)) for text in request.continuations]
        scores = tuple(ContinuationScore(text, lp, (lp,), (len(text),)) for text, lp in values)
        return ScoreResult(scores, len(request.prompt), 10, 0.001, {"engine": "scripted"})

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        self.closed = True
