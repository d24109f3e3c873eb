"""The content hash of a version: SHA-256 of the canonical JSON of its content.

Only what the model is given counts (messages or template, and the default parameters); the
commit message, author and time do not, so saving the same words twice is recognised as such.
The store keeps that exact JSON text next to the hash, so anyone can recompute it with
``sqlite3`` and ``sha256sum``.
"""

from __future__ import annotations

from workbench.canonical import canonical_json, sha256_hex
from workbench.prompts.model import PromptContent


def content_json(content: PromptContent) -> str:
    """The canonical JSON text of ``content``: the bytes the hash covers."""
    return canonical_json(content.to_dict())


def content_hash(content: PromptContent) -> str:
    """The hex SHA-256 of :func:`content_json`."""
    return sha256_hex(content_json(content))
