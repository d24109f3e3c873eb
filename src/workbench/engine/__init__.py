"""The inference engine: a model in its own process behind one client, :class:`ModelHost`.

Importing this package does not load llama.cpp; only the model host process does.
"""

from workbench.engine.client import ModelHost
from workbench.engine.messages import (
    ChatMessage,
    ContinuationScore,
    FinishReason,
    GenerationChunk,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    LoadSettings,
    ModelInfo,
    SamplingSettings,
    ScoreRequest,
    ScoreResult,
)
from workbench.engine.protocol import EngineBugError, ScoringCancelledError
from workbench.engine.stream import GenerationStream

__all__ = [
    "ChatMessage",
    "ContinuationScore",
    "EngineBugError",
    "FinishReason",
    "GenerationChunk",
    "GenerationRequest",
    "GenerationResult",
    "GenerationStream",
    "LoadRequest",
    "LoadSettings",
    "ModelHost",
    "ModelInfo",
    "SamplingSettings",
    "ScoreRequest",
    "ScoreResult",
    "ScoringCancelledError",
]
