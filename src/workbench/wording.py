"""Counts in sentences, the same in the CLI and the desktop app: ``1 cell``, ``2 cells``, and
what one stored result of an evaluation run is called."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an ``s`` unless there is exactly one: ``1 cell``,
    ``0 cells``, ``3 cells``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def result_noun(repeat: int) -> str:
    """What one stored result of an evaluation run is called: a ``sample`` when the run
    repeats each cell (prompt × model × case) ``repeat`` > 1 times, else a ``cell``."""
    return "sample" if repeat > 1 else "cell"
