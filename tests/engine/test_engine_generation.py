"""Generation through ModelHost against the real demo model (SmolLM2-135M-Instruct)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from workbench.engine import (
    ChatMessage,
    GenerationRequest,
    LoadRequest,
    ModelHost,
    SamplingSettings,
)
from workbench.engine.fingerprint import text_sha256
from workbench.errors import EngineError, NoModelLoadedError

pytestmark = pytest.mark.timeout(120)

STORY = "Once upon a time, in a small village by the sea, there lived"


def _raw(prompt: str, max_tokens: int, **sampling: Any) -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt, sampling=SamplingSettings(max_tokens=max_tokens, **sampling)
    )


def _chat(text: str, max_tokens: int) -> GenerationRequest:
    return GenerationRequest(
        messages=(ChatMessage("user", text),), sampling=SamplingSettings(max_tokens=max_tokens)
    )


def _numbered_prompt(items: int, topic: str) -> str:
    """About 6 tokens per item (265 items: about 1500 tokens), starting with ``topic``."""
    return f"{topic}: " + " ".join(f"note {i}." for i in range(items))


def test_stream_chunks_concatenate_to_result_text(model_host: ModelHost) -> None:
    stream = model_host.generate(_raw(STORY, 64))
    chunks = [chunk.text for chunk in stream]
    result = stream.result
    # The first token comes at once, later text at most every 20 ms (COALESCE_S).
    assert len(chunks) >= 2
    assert "".join(chunks) == result.text
    assert result.text.strip()


def test_counts_and_timings_are_consistent(model_host: ModelHost) -> None:
    result = model_host.generate_text(_raw(STORY, 16))
    assert result.finish_reason == "length"
    assert result.completion_tokens == 16
    assert result.prompt_tokens > 5
    assert 0 < result.time_to_first_token_s <= result.total_seconds
    assert result.tokens_per_second > 0
    assert result.rendered_prompt == STORY


def test_greedy_text_equals_raw_llama_cpp_create_completion(
    model_host: ModelHost, load_request: LoadRequest
) -> None:
    import llama_cpp

    settings = load_request.settings
    raw = llama_cpp.Llama(
        model_path=load_request.model_path,
        n_ctx=settings.context_size,
        n_threads=settings.threads,
        n_threads_batch=settings.threads,
        seed=0,
        verbose=False,
    )
    try:
        expected = raw.create_completion(
            STORY, max_tokens=32, temperature=0.0, top_k=40, top_p=0.95, seed=0
        )
    finally:
        raw.close()
    result = model_host.generate_text(_raw(STORY, 32))
    assert result.text == expected["choices"][0]["text"]
    assert result.prompt_tokens == expected["usage"]["prompt_tokens"]
    assert result.completion_tokens == expected["usage"]["completion_tokens"]


def test_chat_request_is_rendered_with_the_model_template(model_host: ModelHost) -> None:
    result = model_host.generate_text(_chat("Name a colour.", 8))
    assert result.rendered_prompt.startswith("<|im_start|>system\n")
    assert "<|im_start|>user\nName a colour.<|im_end|>\n" in result.rendered_prompt
    assert result.rendered_prompt.endswith("<|im_start|>assistant\n")
    assert result.fingerprint["input"] == "chat"
    assert result.fingerprint["chat_template_source"] == "gguf"
    assert len(result.fingerprint["chat_template_sha256"]) == 64


def test_raw_prompt_is_used_verbatim_without_template(model_host: ModelHost) -> None:
    result = model_host.generate_text(_raw("Name a colour:", 8))
    assert result.rendered_prompt == "Name a colour:"
    assert result.fingerprint["input"] == "prompt"
    assert result.fingerprint["chat_template_sha256"] is None
    chat = model_host.generate_text(_chat("Name a colour:", 8))
    assert chat.prompt_tokens > result.prompt_tokens


def test_stop_sequence_ends_text_before_it_and_never_streams_it(model_host: ModelHost) -> None:
    full = model_host.generate_text(_raw(STORY, 40)).text
    # A stop string from the middle of the text, long enough to span several tokens.
    start = len(full) // 2
    stop = full[start : start + 7]
    assert stop.strip(), f"unexpected model output {full!r}"
    expected = full[: full.index(stop)]
    stream = model_host.generate(_raw(STORY, 40, stop=(stop,)))
    chunks = [chunk.text for chunk in stream]
    result = stream.result
    assert result.finish_reason == "stop"
    assert result.text == expected
    assert "".join(chunks) == expected
    assert stop not in "".join(chunks)


def test_same_greedy_request_twice_gives_same_text(model_host: ModelHost) -> None:
    request = _chat("Tell me about the moon.", 32)
    first = model_host.generate_text(request)
    second = model_host.generate_text(request)
    assert first.text == second.text
    assert first.completion_tokens == second.completion_tokens


def test_seeded_sampling_repeats_exactly(model_host: ModelHost) -> None:
    request = _raw(STORY, 32, temperature=0.9, seed=1234)
    first = model_host.generate_text(request)
    model_host.generate_text(_raw("Something else entirely", 8, temperature=0.9, seed=7))
    assert model_host.generate_text(request).text == first.text


def test_multibyte_characters_split_across_tokens_arrive_intact(model_host: ModelHost) -> None:
    # Each emoji is several byte-level tokens in this vocabulary.
    stream = model_host.generate(_raw("Emoji story: 😀😃😄😁😆😅", 24))
    chunks = [chunk.text for chunk in stream]
    result = stream.result
    assert "\ufffd" not in result.text
    assert "".join(chunks) == result.text
    assert any(ord(char) > 0xFFFF for char in result.text), result.text


def test_fingerprint_records_model_engine_and_all_settings(
    model_host: ModelHost, demo_model_sha256: str
) -> None:
    sampling = SamplingSettings(max_tokens=4, temperature=0.0, top_k=12, seed=5, stop=("x",))
    result = model_host.generate_text(GenerationRequest(prompt=STORY, sampling=sampling))
    fingerprint = result.fingerprint
    assert fingerprint["model_sha256"] == demo_model_sha256
    assert fingerprint["model_name"] == "demo"
    assert fingerprint["llama_cpp_python_version"]
    assert fingerprint["llama_cpp_system_info"]
    assert fingerprint["load_settings"]["context_size"] == 2048
    assert fingerprint["sampling"]["top_k"] == 12
    assert fingerprint["sampling"]["seed"] == 5
    assert fingerprint["sampling"]["stop"] == ["x"]
    assert fingerprint["sampling"]["min_p"] == 0.05
    assert fingerprint["prompt_sha256"] == text_sha256(STORY)


def test_cancel_from_another_thread_stops_within_a_few_chunks(model_host: ModelHost) -> None:
    stream = model_host.generate(_raw(STORY, 400))
    cancelled = threading.Event()
    chunks_after_cancel = 0
    for index, _chunk in enumerate(stream):
        if cancelled.is_set():
            chunks_after_cancel += 1
        if index == 3:
            canceller = threading.Thread(target=lambda: (model_host.cancel(), cancelled.set()))
            canceller.start()
            canceller.join()
    result = stream.result
    assert result.finish_reason == "cancelled"
    # The host sees the cancel before its next token; a few chunks may already be in the pipe.
    assert chunks_after_cancel <= 5
    assert result.completion_tokens < 400
    assert result.text.strip()


def test_cancel_during_long_prefill_returns_quickly_without_killing_host(
    model_host: ModelHost,
) -> None:
    pid = model_host.host_pid
    request = _raw(_numbered_prompt(265, "prefill-cancel"), 16)
    threading.Timer(0.3, model_host.cancel).start()
    started = time.monotonic()
    result = model_host.generate_text(request)
    assert time.monotonic() - started < 5.0
    assert result.finish_reason == "cancelled"
    assert result.completion_tokens == 0
    assert result.prompt_tokens > 1200
    assert model_host.host_pid == pid  # stopped by the abort callback, not by a kill
    assert model_host.generate_text(_raw(STORY, 4)).finish_reason == "length"


def test_cancel_with_nothing_running_does_not_touch_the_next_request(
    model_host: ModelHost,
) -> None:
    model_host.cancel()
    assert model_host.generate_text(_raw(STORY, 4)).finish_reason == "length"


def test_prompt_longer_than_the_context_is_a_clear_error(model_host: ModelHost) -> None:
    with pytest.raises(EngineError, match=r"context of 2048; load it with a larger context"):
        model_host.generate_text(_raw(_numbered_prompt(500, "overflow"), 4))
    assert model_host.generate_text(_raw(STORY, 4)).completion_tokens == 4


def test_request_needs_exactly_one_of_messages_and_prompt(model_host: ModelHost) -> None:
    with pytest.raises(EngineError, match="either chat messages or a raw prompt"):
        model_host.generate(GenerationRequest(messages=(ChatMessage("user", "hi"),), prompt="hi"))
    with pytest.raises(EngineError, match="either chat messages or a raw prompt"):
        model_host.generate(GenerationRequest())


def test_request_without_a_loaded_model_raises_and_starts_no_process() -> None:
    with ModelHost() as host:
        with pytest.raises(NoModelLoadedError):
            host.generate_text(_raw(STORY, 4))
        assert host.host_pid is None


def test_new_request_cancels_the_unfinished_stream_of_the_same_thread(
    model_host: ModelHost,
) -> None:
    abandoned = model_host.generate(_raw(STORY, 300))
    next(abandoned)
    result = model_host.generate_text(_raw(STORY, 4))
    assert result.finish_reason == "length"
    assert abandoned.done
    assert abandoned.result.finish_reason == "cancelled"
