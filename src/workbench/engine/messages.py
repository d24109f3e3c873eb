"""The messages between the model host client and its process: plain, frozen, picklable.

These are also the engine's public value objects: callers build requests from them and get
results back. Nothing here imports llama_cpp.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FinishReason = Literal["stop", "length", "cancelled"]


@dataclass(frozen=True)
class LoadSettings:
    """How a model is loaded. ``gpu_layers`` -1 offloads every layer, 0 none."""

    context_size: int = 2048
    threads: int | None = None  # None: llama.cpp's default for this machine
    gpu_layers: int = 0
    seed: int = 0
    batch_size: int = 512

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class LoadRequest:
    """Load ``model_path`` in the host, replacing any model already loaded."""

    model_path: str
    model_sha256: str
    settings: LoadSettings = field(default_factory=LoadSettings)
    model_name: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """What the host reports after a load."""

    model_path: str
    model_sha256: str
    model_name: str
    settings: LoadSettings
    n_ctx: int
    n_vocab: int
    has_chat_template: bool
    load_seconds: float
    fingerprint_base: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat: role is system, user or assistant."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class SamplingSettings:
    """Sampling for one generation. Temperature 0 is greedy and, with a seed, deterministic."""

    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 40
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int = 0
    repeat_penalty: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["stop"] = list(self.stop)
        return data


@dataclass(frozen=True)
class GenerationRequest:
    """Generate from either chat ``messages`` (rendered with the model's chat template) or a raw
    ``prompt``; exactly one of them is given."""

    messages: tuple[ChatMessage, ...] = ()
    prompt: str | None = None
    sampling: SamplingSettings = field(default_factory=SamplingSettings)


@dataclass(frozen=True)
class GenerationChunk:
    """A piece of streamed text."""

    text: str


@dataclass(frozen=True)
class GenerationResult:
    """The end of a generation: the whole text, counts, timings and the replay fingerprint."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    time_to_first_token_s: float
    tokens_per_second: float
    total_seconds: float
    finish_reason: FinishReason
    fingerprint: dict[str, Any]
    rendered_prompt: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ScoreRequest:
    """Log-probabilities of each continuation after ``prompt`` (no sampling).

    The prompt is evaluated once; continuations that share a token prefix with the previous
    evaluation reuse it.
    """

    prompt: str
    continuations: tuple[str, ...]


@dataclass(frozen=True)
class ContinuationScore:
    """The log-probability of one continuation, in total and per token."""

    continuation: str
    logprob: float
    token_logprobs: tuple[float, ...]
    tokens: tuple[int, ...]


@dataclass(frozen=True)
class ScoreResult:
    """Scores for every continuation of a :class:`ScoreRequest`, in order."""

    scores: tuple[ContinuationScore, ...]
    prompt_tokens: int
    evaluated_tokens: int  # tokens actually run through the model (reused prefixes excluded)
    total_seconds: float
    fingerprint: dict[str, Any]
