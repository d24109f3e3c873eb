"""Turning token pieces into safe-to-show text: UTF-8 across tokens and stop sequences.

Pure Python (no llama_cpp), so the rules are unit-tested without a model.

A token's piece is raw bytes, and a multi-byte character is often split across two or three
tokens. An incremental UTF-8 decoder keeps an incomplete character back until its last byte
arrives, so a stream never shows a replacement character for text that is valid as a whole.

Stop sequences are matched on the decoded text. Text that could be the start of a stop sequence
is held back until the next piece decides it, so the stop string itself is never emitted, not
even partly.
"""

from __future__ import annotations

import codecs


class Utf8Pieces:
    """Decodes byte pieces one by one into text, keeping split characters back."""

    def __init__(self) -> None:
        # errors="replace" only ever fires for bytes that are invalid as a whole (a model can
        # emit those); a character that is merely incomplete waits for its next piece.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, piece: bytes) -> str:
        """Decode ``piece`` and return the text that is now complete."""
        return self._decoder.decode(piece)

    def flush(self) -> str:
        """Return what is left at the end (a truncated character becomes U+FFFD)."""
        return self._decoder.decode(b"", final=True)


class StopFilter:
    """Accumulates generated text, finds stop sequences and decides what may be emitted.

    ``push`` returns the text that is safe to show now; after a stop sequence is seen,
    ``stopped`` is true and ``text`` ends just before it.
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._text = ""
        self._emitted = 0
        self._stopped = False

    @property
    def stopped(self) -> bool:
        """Whether a stop sequence was found (the text then ends just before it)."""
        return self._stopped

    @property
    def text(self) -> str:
        """All the text generated so far (up to the stop sequence once stopped)."""
        return self._text

    def push(self, new_text: str) -> str:
        """Add ``new_text``; return the part of the text that can be emitted now."""
        if self._stopped or not new_text:
            return ""
        self._text += new_text
        if not self._stops:
            return self._take(len(self._text))
        # A stop sequence that completes now starts in the not-yet-emitted tail: everything
        # before that was emitted only because no stop sequence could start there.
        found = [
            index for stop in self._stops if (index := self._text.find(stop, self._emitted)) >= 0
        ]
        if found:
            self._text = self._text[: min(found)]
            self._stopped = True
            return self._take(len(self._text))
        return self._take(len(self._text) - self._held_back())

    def finish(self) -> str:
        """Release the held-back tail at the end of a generation that did not stop on it."""
        return self._take(len(self._text))

    def _held_back(self) -> int:
        """The length of the longest tail of the text that is a prefix of a stop sequence."""
        tail = self._text[self._emitted :]
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(tail)), longest, -1):
                if tail.endswith(stop[:size]):
                    longest = size
                    break
        return longest

    def _take(self, end: int) -> str:
        chunk = self._text[self._emitted : end]
        self._emitted = max(self._emitted, end)
        return chunk
