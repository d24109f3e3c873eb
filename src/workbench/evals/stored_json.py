"""JSON objects read from the store as text and parsed only when first used.

Opening a run of 100,000 cells builds 100,000 gradings the grid never shows: parsing them
(and keeping the dicts alive for the garbage collector to scan) cost more than reading the
rows. A :class:`StoredJson` keeps the text and parses it on first use.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

#: In ``known``: the object has no such member.
ABSENT: Final[Any] = object()
#: In ``known``: the member is an empty object (a new ``{}`` is returned on each use).
EMPTY_OBJECT: Final[Any] = object()


class StoredJson(Mapping[str, Any]):
    """A JSON object stored as ``text``, parsed on first use; equal to the parsed dict.

    ``known`` holds members already known without parsing (SQLite extracted them in the
    query), each a value or :data:`ABSENT` / :data:`EMPTY_OBJECT`: looking one of them up
    parses nothing. Safe to share between threads: a race parses twice, harmlessly.
    """

    __slots__ = ("_known", "_text", "_value")

    def __init__(self, text: str, known: Mapping[str, Any] | None = None) -> None:
        self._text = text
        self._known = known
        self._value: dict[str, Any] | None = None

    def parsed(self) -> dict[str, Any]:
        """The parsed object (parsed once, then kept)."""
        value = self._value
        if value is None:
            value = self._value = json.loads(self._text)
        return value

    def __getitem__(self, key: str) -> Any:
        known = self._known
        if self._value is None and known is not None and key in known:
            value = known[key]
            if value is ABSENT:
                raise KeyError(key)
            return {} if value is EMPTY_OBJECT else value
        return self.parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parsed())

    def __len__(self) -> int:
        return len(self.parsed())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredJson):
            other = other.parsed()
        return self.parsed() == other

    __hash__ = None  # type: ignore[assignment]  # a mapping, like dict

    def __repr__(self) -> str:
        return repr(self.parsed())

    def __reduce__(self) -> tuple[type[StoredJson], tuple[str]]:
        return (StoredJson, (self._text,))  # pickled and copied as its text

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        # A deep copy is the parsed dict (as ``dataclasses.asdict`` made of an eager grading).
        return copy.deepcopy(self.parsed(), memo)
