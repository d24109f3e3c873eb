"""Counts in sentences, the same in the CLI and the desktop app: ``1 cell``, ``2 cells``."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an ``s`` unless there is exactly one: ``1 cell``,
    ``0 cells``, ``3 cells``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
