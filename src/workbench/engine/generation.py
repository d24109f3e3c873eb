"""The host's token loop: one generation, streamed chunk by chunk, cancellable, measured.

Runs only in the model host process.

Sampling is llama-cpp-python's own: ``Llama.generate`` with the arguments that
``Llama.create_completion`` passes (its defaults for what SamplingSettings does not expose, see
``fingerprint.FIXED_SAMPLING``), the sampler seeded per request. So the workbench does the same
work per token as the raw library. The KV cache is reused as far as that cannot change the
text (the canonical prefix, see model.py): ``Llama.generate`` is handed that prefix and
evaluates the rest.

Timings (host clock, from the moment the host starts on the request):

- ``time_to_first_token_s``: template rendering, tokenization, prefill and the first sample;
- ``tokens_per_second``: the decode rate, ``(sampled - 1) / (last sample - first sample)``:
  each token after the first costs one decode step. ``sampled`` includes a final end-of-turn
  token (it cost a step too) though ``completion_tokens`` does not count it. 0.0 when fewer than
  two tokens were sampled;
- ``total_seconds``: everything up to the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from workbench.engine import fingerprint, protocol
from workbench.engine.messages import FinishReason, GenerationRequest, GenerationResult
from workbench.engine.model import CHATML_STOP, CancelWatch, LoadedModel, reuse_length
from workbench.engine.streaming import StopFilter, Utf8Pieces
from workbench.errors import EngineError

# Text is sent at most this often: the first token at once, then one message per 20 ms rather
# than one per token. Each message wakes the client process; at 100+ tokens/s on a busy machine
# those wake-ups cost measurable time (about 2-4 % of the host's CPU per token, measured), and
# a screen shows nothing faster anyway (the GUI batches on 30-50 ms). A slower model still gets
# one message per token.
COALESCE_S = 0.02


def generate(
    model: LoadedModel,
    request: GenerationRequest,
    watch: CancelWatch,
    send: Callable[[Any], None],
) -> GenerationResult:
    """Run one generation, sending each text chunk (a ``str``) through ``send`` as it comes."""
    started = time.perf_counter()
    sampling = request.sampling
    stops = tuple(sampling.stop)
    if request.messages:
        rendered = model.render_chat(request.messages)
        # The template writes the BOS token itself where the model wants one.
        tokens = model.tokenize(rendered, add_bos=False)
        input_kind = "chat"
        template_sha256: str | None = fingerprint.text_sha256(model.chat_template)
        template_source: str | None = model.chat_template_source
        if template_source == "chatml-fallback":
            # Without a template in the file, <|im_end|> may not be an end-of-turn token.
            stops += (CHATML_STOP,)
    else:
        rendered = request.prompt or ""
        tokens = model.tokenize(rendered, add_bos=model.add_bos)
        input_kind, template_sha256, template_source = "prompt", None, None
    if not tokens:
        raise EngineError("the prompt is empty")
    if len(tokens) >= model.n_ctx:
        raise model.context_overflow(len(tokens))
    # As create_completion does: max_tokens <= 0 means "until the context is full".
    room = model.n_ctx - len(tokens)
    max_tokens = sampling.max_tokens if 0 < sampling.max_tokens < room else room
    fp = fingerprint.generation_fingerprint(
        model.info.fingerprint_base,
        sampling=sampling,
        input_kind=input_kind,
        rendered_prompt=rendered,
        prompt_tokens=len(tokens),
        chat_template_sha256=template_sha256,
        chat_template_source=template_source,
    )
    send((protocol.STARTED, len(tokens), rendered, fp))

    llm = model.llm
    llm.set_seed(sampling.seed)
    # Keep only the canonical cached prefix (see model.py), so that the text never depends on
    # what ran before; Llama.generate then evaluates exactly the rest.
    keep = reuse_length(len(tokens), model.canonical_prefix(tokens), model.batch_size)
    llm.n_tokens = keep
    solo_last = model.batch_size > 1 and len(tokens) % model.batch_size == 1
    canonical_length = len(tokens) - 1 if solo_last else len(tokens)
    decoder = Utf8Pieces()
    stop_filter = StopFilter(stops)
    completion = sampled = 0
    first_at = last_at = sent_at = 0.0
    pending = ""  # text not sent yet: chunks are coalesced, COALESCE_S apart at most
    finish: FinishReason = "length"
    generator = llm.generate(
        tokens,
        top_k=sampling.top_k,
        top_p=sampling.top_p,
        temp=sampling.temperature,
        repeat_penalty=sampling.repeat_penalty,
        **fingerprint.FIXED_SAMPLING,
    )
    try:
        if watch.cancelled():
            raise _Cancelled
        with model.evaluating(len(tokens) - keep):  # the prefill: the one long llama_decode
            token = next(generator)
        while True:
            last_at = time.perf_counter()
            if sampled == 0:
                first_at = last_at
            sampled += 1
            if model.is_end_of_generation(token):
                finish = "stop"
                break
            completion += 1
            pending += stop_filter.push(decoder.push(model.piece(token)))
            if pending and last_at - sent_at >= COALESCE_S:
                send(pending)
                pending, sent_at = "", last_at
            if stop_filter.stopped:
                finish = "stop"
                break
            if completion >= max_tokens:
                break
            if watch.cancelled():
                raise _Cancelled
            token = next(generator)  # evaluates the previous token, samples the next
    except _Cancelled:
        finish = "cancelled"
    except RuntimeError as exc:  # llama_decode failed, or returned 2 because we aborted it
        if not watch.cancelled():
            raise EngineError(f"llama.cpp failed while generating: {exc}") from exc
        finish = "cancelled"
    finally:
        generator.close()
        model.set_canonical(min(canonical_length, llm.n_tokens))

    if finish != "stop":
        # The end of the text: a character cut off at the last token, and the tail held back
        # because it could have begun a stop sequence.
        pending += stop_filter.push(decoder.flush()) + stop_filter.finish()
    if pending:
        send(pending)
    decode_seconds = last_at - first_at
    return GenerationResult(
        text=stop_filter.text,
        prompt_tokens=len(tokens),
        completion_tokens=completion,
        time_to_first_token_s=first_at - started if sampled else 0.0,
        tokens_per_second=(sampled - 1) / decode_seconds if decode_seconds > 0 else 0.0,
        total_seconds=time.perf_counter() - started,
        finish_reason=finish,
        fingerprint=fp,
        rendered_prompt=rendered,
    )


class _Cancelled(Exception):
    """Internal: leave the token loop because the client cancelled."""
