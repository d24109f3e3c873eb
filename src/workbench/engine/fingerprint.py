"""Replay fingerprints: everything needed to say how a result was produced.

A fingerprint is a JSON-ready dict. The base part is fixed at load time (model file hash, engine
versions, llama.cpp's build and CPU features, load settings as given and as resolved); each
result adds what its request chose. Every figure in a report has to trace back to one of these.

Pure Python: the llama.cpp facts are passed in by the host, so the client can build the
fingerprint of a result it has to assemble itself (after killing a host that ignored a cancel).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.engine.messages import LoadRequest, SamplingSettings, ScoreRequest

FINGERPRINT_VERSION = 1

# Sampler parameters that SamplingSettings does not expose: the host passes llama-cpp-python's
# own create_completion defaults, and the fingerprint says so, so that a replay does the same.
FIXED_SAMPLING: dict[str, Any] = {
    "min_p": 0.05,
    "typical_p": 1.0,
    "frequency_penalty": 0.0,
    "presence_penalty": 0.0,
    "tfs_z": 1.0,
    "mirostat_mode": 0,
}


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def text_sha256(text: str) -> str:
    """Hex SHA-256 of a string's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def base_fingerprint(
    request: LoadRequest,
    *,
    model_sha256: str,
    model_name: str,
    llama_cpp_version: str,
    system_info: str,
    resolved: dict[str, Any],
) -> dict[str, Any]:
    """The load-time part of every fingerprint."""
    return {
        "fingerprint_version": FINGERPRINT_VERSION,
        "workbench_version": __version__,
        "engine": "llama.cpp",
        "llama_cpp_python_version": llama_cpp_version,
        "llama_cpp_system_info": system_info,
        "model_path": request.model_path,
        "model_name": model_name,
        "model_sha256": model_sha256,
        "load_settings": request.settings.to_dict(),
        "resolved_load_settings": resolved,
    }


def generation_fingerprint(
    base: dict[str, Any],
    *,
    sampling: SamplingSettings,
    input_kind: str,
    rendered_prompt: str,
    prompt_tokens: int,
    chat_template_sha256: str | None,
    chat_template_source: str | None,
) -> dict[str, Any]:
    """The fingerprint of one generation: the base plus its input and every sampler setting."""
    return {
        **base,
        "request": "generate",
        "input": input_kind,
        "prompt_sha256": text_sha256(rendered_prompt),
        "prompt_tokens": prompt_tokens,
        "sampling": {**sampling.to_dict(), **FIXED_SAMPLING},
        "chat_template_sha256": chat_template_sha256,
        "chat_template_source": chat_template_source,
    }


def score_fingerprint(base: dict[str, Any], request: ScoreRequest) -> dict[str, Any]:
    """The fingerprint of one score request: the base plus the request itself."""
    return {
        **base,
        "request": "score",
        "prompt": request.prompt,
        "continuations": list(request.continuations),
        "logprob_precision": "float64 log-softmax of llama.cpp's float32 logits",
    }
