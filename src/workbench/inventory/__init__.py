"""The model inventory: GGUF files registered with their metadata and hashes."""

from workbench.inventory.gguf_metadata import GgufMetadata, read_gguf_metadata
from workbench.inventory.hashing import hash_file
from workbench.inventory.registry import (
    ModelRecord,
    add_model,
    get_model,
    list_models,
    remove_model,
)

__all__ = [
    "GgufMetadata",
    "ModelRecord",
    "add_model",
    "get_model",
    "hash_file",
    "list_models",
    "read_gguf_metadata",
    "remove_model",
]
