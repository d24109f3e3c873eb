"""Scoring continuations by log-probability, against a full logits_all evaluation."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from workbench.engine import (
    GenerationRequest,
    ModelHost,
    SamplingSettings,
    ScoreRequest,
    ScoringCancelledError,
)
from workbench.errors import EngineError

pytestmark = pytest.mark.timeout(120)

PROMPT = "Question: Is the sky blue on a clear day? Answer:"
CONTINUATIONS = (" Yes", " No", " Yes, it is.", " Maybe")
TOLERANCE = 1e-3


def _tokenize(llm: Any, text: str) -> list[int]:
    tokens: list[int] = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return tokens


def _reference_logprobs(llm: Any, prompt_tokens: list[int], tokens: list[int]) -> list[float]:
    """Log-probabilities of ``tokens`` after ``prompt_tokens`` from one fresh full evaluation."""
    sequence = prompt_tokens + tokens
    llm.reset()
    llm.eval(sequence)
    logits = np.asarray(llm.scores[: len(sequence)], dtype=np.float64)
    result = []
    for position, token in enumerate(tokens, start=len(prompt_tokens) - 1):
        row = logits[position]
        top = row.max()
        result.append(float(row[token] - top - np.log(np.exp(row - top).sum())))
    return result


def _assert_matches_reference(result: Any, reference_llama: Any, prompt: str) -> None:
    prompt_tokens = _tokenize(reference_llama, prompt)
    for score in result.scores:
        expected = _reference_logprobs(reference_llama, prompt_tokens, list(score.tokens))
        np.testing.assert_allclose(score.token_logprobs, expected, atol=TOLERANCE)
        assert score.logprob == pytest.approx(sum(score.token_logprobs))


def test_scores_match_a_fresh_full_evaluation(model_host: ModelHost, reference_llama: Any) -> None:
    result = model_host.score(ScoreRequest(PROMPT, CONTINUATIONS))
    assert [score.continuation for score in result.scores] == list(CONTINUATIONS)
    _assert_matches_reference(result, reference_llama, PROMPT)
    assert all(score.logprob < 0 for score in result.scores)


def test_repeated_request_reuses_the_cache_and_gives_the_same_scores(
    model_host: ModelHost,
) -> None:
    request = ScoreRequest("Reuse check: the colour of grass is", (" green", " blue", " red"))
    first = model_host.score(request)
    second = model_host.score(request)
    assert first.evaluated_tokens >= first.prompt_tokens
    assert second.evaluated_tokens < first.evaluated_tokens
    for a, b in zip(first.scores, second.scores, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=TOLERANCE)


def test_continuations_share_one_pass_over_the_prompt(model_host: ModelHost) -> None:
    result = model_host.score(
        ScoreRequest("Shared prefix check: my favourite fruit is", (" apple", " banana", " kiwi"))
    )
    continuation_steps = sum(len(score.tokens) - 1 for score in result.scores)
    # At most the prompt once, plus each continuation's own tokens but its last.
    assert result.evaluated_tokens <= result.prompt_tokens + continuation_steps


def test_scores_after_a_generation_on_the_same_prompt_still_match(
    model_host: ModelHost, reference_llama: Any
) -> None:
    prompt = "After generation: the capital of Italy is"
    model_host.generate_text(GenerationRequest(prompt=prompt, sampling=SamplingSettings(8)))
    result = model_host.score(ScoreRequest(prompt, (" Rome", " Milan")))
    _assert_matches_reference(result, reference_llama, prompt)


def test_continuation_tokens_are_the_canonical_tokenization_of_the_whole_text(
    model_host: ModelHost, reference_llama: Any
) -> None:
    result = model_host.score(ScoreRequest("I like ice", ("cream",)))
    whole = _tokenize(reference_llama, "I like icecream")
    prompt = _tokenize(reference_llama, "I like ice")
    assert list(result.scores[0].tokens) == whole[len(prompt) :]


def test_continuation_merging_with_the_prompt_is_tokenized_on_its_own(
    model_host: ModelHost, reference_llama: Any
) -> None:
    prompt, continuation = "Hello wor", "ld"
    prompt_tokens = _tokenize(reference_llama, prompt)
    whole = _tokenize(reference_llama, prompt + continuation)
    assert whole[: len(prompt_tokens)] != prompt_tokens  # the precondition: a merge
    result = model_host.score(ScoreRequest(prompt, (continuation,)))
    assert list(result.scores[0].tokens) == _tokenize(reference_llama, continuation)
    _assert_matches_reference(result, reference_llama, prompt)


def test_empty_continuation_has_log_probability_zero(model_host: ModelHost) -> None:
    result = model_host.score(ScoreRequest(PROMPT, ("", " Yes")))
    assert result.scores[0].logprob == 0.0
    assert result.scores[0].tokens == ()
    assert result.scores[1].logprob < 0


def test_score_fingerprint_records_the_request(
    model_host: ModelHost, demo_model_sha256: str
) -> None:
    result = model_host.score(ScoreRequest(PROMPT, (" Yes",)))
    assert result.fingerprint["request"] == "score"
    assert result.fingerprint["prompt"] == PROMPT
    assert result.fingerprint["continuations"] == [" Yes"]
    assert result.fingerprint["model_sha256"] == demo_model_sha256


def test_continuation_beyond_the_context_is_a_clear_error(model_host: ModelHost) -> None:
    long_text = " " + " ".join(f"note {i}." for i in range(500))  # about 2900 tokens
    with pytest.raises(EngineError, match="context of 2048"):
        model_host.score(ScoreRequest(PROMPT, (long_text,)))


def test_cancel_during_a_long_scoring_pass_raises_and_keeps_the_host(
    model_host: ModelHost,
) -> None:
    pid = model_host.host_pid
    long_prompt = "Scoring cancel: " + " ".join(f"note {i}." for i in range(265))
    threading.Timer(0.3, model_host.cancel).start()
    with pytest.raises(ScoringCancelledError):
        model_host.score(ScoreRequest(long_prompt, (" yes", " no")))
    assert model_host.host_pid == pid
    assert model_host.score(ScoreRequest(PROMPT, (" Yes",))).scores[0].logprob < 0


def test_scores_do_not_depend_on_what_ran_before(
    model_host: ModelHost, load_request: Any, tmp_path: Any
) -> None:
    prompt = "History check: the opposite of hot is"
    continuations = (" cold", " cool", " freezing cold")
    # Leave the cache in an awkward state: the prompt evaluated by a generation, whose own
    # tokens are one-token steps, then part of the prompt scored.
    model_host.generate_text(GenerationRequest(prompt=prompt, sampling=SamplingSettings(6)))
    model_host.score(ScoreRequest(prompt[:20], (" x",)))
    warm = model_host.score(ScoreRequest(prompt, continuations))
    with ModelHost(log_path=tmp_path / "fresh.log") as fresh:
        fresh.load(load_request)
        cold = fresh.score(ScoreRequest(prompt, continuations))
    for a, b in zip(warm.scores, cold.scores, strict=True):
        assert a.tokens == b.tokens
        np.testing.assert_allclose(a.token_logprobs, b.token_logprobs, rtol=0, atol=1e-9)


def test_prompt_longer_than_one_batch_scores_like_the_reference(
    model_host: ModelHost, reference_llama: Any
) -> None:
    prompt = "Long prompt: " + " ".join(f"fact {i}." for i in range(106))  # 529 tokens
    result = model_host.score(ScoreRequest(prompt, (" The end.",)))
    assert result.prompt_tokens > 512
    _assert_matches_reference(result, reference_llama, prompt)
