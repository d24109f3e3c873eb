"""Unit tests of the text rules of streaming: UTF-8 across tokens and stop sequences."""

from __future__ import annotations

from workbench.engine.streaming import StopFilter, Utf8Pieces


def _stream(stops: tuple[str, ...], pieces: list[str]) -> tuple[list[str], StopFilter]:
    stop_filter = StopFilter(stops)
    emitted = [stop_filter.push(piece) for piece in pieces]
    if not stop_filter.stopped:
        emitted.append(stop_filter.finish())
    return [chunk for chunk in emitted if chunk], stop_filter


def test_multibyte_character_split_across_pieces_is_held_until_complete() -> None:
    data = "a😀b".encode()
    decoder = Utf8Pieces()
    outputs = [decoder.push(data[i : i + 1]) for i in range(len(data))]
    assert outputs == ["a", "", "", "", "😀", "b"]
    assert decoder.flush() == ""


def test_truncated_character_at_the_end_becomes_one_replacement_character() -> None:
    decoder = Utf8Pieces()
    assert decoder.push("é".encode()[:1]) == ""
    assert decoder.flush() == "\ufffd"


def test_text_without_stops_is_emitted_immediately() -> None:
    chunks, stop_filter = _stream((), ["Hel", "lo"])
    assert chunks == ["Hel", "lo"]
    assert stop_filter.text == "Hello"


def test_stop_sequence_split_across_pieces_is_never_emitted() -> None:
    chunks, stop_filter = _stream(("END",), ["one E", "N", "D two"])
    assert stop_filter.stopped
    assert stop_filter.text == "one "
    assert "".join(chunks) == "one "


def test_partial_stop_prefix_is_released_when_it_does_not_complete() -> None:
    chunks, stop_filter = _stream(("END",), ["one E", "N", "x"])
    assert not stop_filter.stopped
    assert chunks == ["one ", "ENx"]
    assert stop_filter.text == "one ENx"


def test_held_back_tail_is_released_at_the_end() -> None:
    chunks, stop_filter = _stream(("\n\n",), ["line\n"])
    assert chunks == ["line", "\n"]
    assert stop_filter.text == "line\n"


def test_earliest_of_several_stop_sequences_wins() -> None:
    _, stop_filter = _stream(("world", "lo w"), ["hello world"])
    assert stop_filter.text == "hel"


def test_stop_at_the_very_start_gives_empty_text() -> None:
    chunks, stop_filter = _stream(("###",), ["##", "# rest"])
    assert stop_filter.stopped
    assert chunks == []
    assert stop_filter.text == ""


def test_nothing_is_emitted_after_a_stop() -> None:
    stop_filter = StopFilter(("x",))
    assert stop_filter.push("abxcd") == "ab"
    assert stop_filter.push("more") == ""
    assert stop_filter.finish() == ""
