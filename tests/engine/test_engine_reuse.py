"""Unit tests of the KV-reuse rule that keeps results independent of what ran before."""

from __future__ import annotations

import pytest

from workbench.engine.model import common_prefix, reuse_length


def _batches(total: int, keep: int, size: int) -> list[int]:
    rest = total - keep
    return [min(size, rest - start) for start in range(0, rest, size)]


@pytest.mark.parametrize("total", [1, 2, 3, 10, 511, 512, 513, 514, 1025, 1500])
@pytest.mark.parametrize("reusable", [0, 1, 2, 9, 10, 511, 512, 513, 1499, 1500])
def test_rest_has_a_one_token_batch_exactly_when_a_fresh_evaluation_does(
    total: int, reusable: int
) -> None:
    size = 512
    reusable = min(reusable, total)
    keep = reuse_length(total, reusable, size)
    assert 0 <= keep <= min(reusable, total - 1)  # reuses only what it may, runs at least one
    fresh_has_single = _batches(total, 0, size)[-1] == 1
    assert (_batches(total, keep, size)[-1] == 1) == fresh_has_single
    if fresh_has_single:
        assert 1 not in _batches(total, keep, size)[:-1]


def test_whole_prompt_cached_reruns_its_last_two_tokens() -> None:
    assert reuse_length(10, 10, 512) == 8


def test_batch_size_one_reuses_everything_but_the_last_token() -> None:
    assert reuse_length(10, 10, 1) == 9


def test_common_prefix_of_token_sequences() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix([1, 2], [1, 2, 3]) == 2
    assert common_prefix([], [1]) == 0
    assert common_prefix([5], [6]) == 0
