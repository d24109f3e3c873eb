"""A model loaded in the host process: the llama_cpp.Llama plus what every request needs.

Runs only in the model host process. llama_cpp is imported inside functions so that importing
this module (or the package) never loads llama.cpp.

Reusing the KV cache without changing any number. On the CPU backend, llama.cpp computes a
batch (a ubatch) of one token differently from a batch of two or more: the logits and KV
entries of a one-token step can differ in the first decimal place (measured on the demo model:
up to 1.3 in a logit), while any split into batches of two or more tokens gives bit-identical
results. A generated token is always a one-token step, and ``Llama.generate`` re-runs the last
prompt token alone when the whole prompt is cached. Reusing such entries would make a score or a
greedy text depend on what ran before. So the model tracks its *canonical* prefix: the cached
tokens whose KV entries came from batches of two or more tokens, exactly as a fresh evaluation
makes them. Requests reuse only that prefix and choose where to start so that no one-token batch
appears where a fresh evaluation would not have one (see :func:`reuse_length`).
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.engine import fingerprint
from workbench.engine.messages import ChatMessage, LoadRequest, ModelInfo
from workbench.errors import EngineError

# Used when a GGUF carries no chat template: ChatML is what most small instruct models expect.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CHATML_STOP = "<|im_end|>"

# Batches up to this many tokens run on the generation thread count (see LoadedModel.evaluating).
SMALL_BATCH = 8


class CancelWatch:
    """Tells whether the request in progress was cancelled, from the shared "cancel up to" id."""

    def __init__(self, shared: Any) -> None:
        self._shared = shared
        self.request_id = 0

    def cancelled(self) -> bool:
        """True once the client cancelled the current request (or any later one)."""
        return bool(self._shared.value >= self.request_id)


class LoadedModel:
    """A llama_cpp.Llama with its vocabulary helpers, chat template and abort switch."""

    def __init__(self, llm: Any, info: ModelInfo, watch: CancelWatch) -> None:
        import llama_cpp

        self.llm = llm
        self.info = info
        self.n_ctx: int = info.n_ctx
        # Loaded with n_ubatch == n_batch, so a chunk of Llama.eval is one llama.cpp ubatch.
        self.batch_size = int(llm.n_batch)
        self._canonical: list[int] = []
        self.vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self.add_bos = bool(llama_cpp.llama_vocab_get_add_bos(self.vocab))
        self._pieces: dict[int, bytes] = {}
        self._piece_buffer = ctypes.create_string_buffer(256)
        self._template_formatter: Any = None
        template = llm.metadata.get("tokenizer.chat_template")
        self.chat_template: str = template or CHATML_TEMPLATE
        self.chat_template_source = "gguf" if template else "chatml-fallback"
        # The callback object must stay referenced for as long as llama.cpp may call it.
        self._abort_callback = llama_cpp.ggml_abort_callback(lambda _data: watch.cancelled())
        self._no_abort_callback = llama_cpp.ggml_abort_callback()

    def close(self) -> None:
        """Free the model and its context now rather than whenever the GC runs."""
        self.llm.close()

    def cached_tokens(self) -> npt.NDArray[np.intc]:
        """The tokens whose entries are in the KV cache, in order."""
        tokens: npt.NDArray[np.intc] = self.llm.input_ids[: self.llm.n_tokens]
        return tokens

    def canonical_prefix(self, tokens: Sequence[int]) -> int:
        """How many leading ``tokens`` the cache holds exactly as a fresh evaluation makes them."""
        cached = self.cached_tokens()
        valid = common_prefix(cached, self._canonical)
        return common_prefix(cached[:valid], tokens)

    def set_canonical(self, length: int) -> None:
        """Record that the first ``length`` cached tokens came from batches of two or more."""
        self._canonical = self.cached_tokens()[:length].tolist()

    def tokenize(self, text: str, *, add_bos: bool) -> list[int]:
        """Tokens of ``text``; special tokens written in the text (``<|im_start|>``) count."""
        if not text:
            return [self.llm.token_bos()] if add_bos else []
        tokens: list[int] = self.llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
        return tokens

    def piece(self, token: int) -> bytes:
        """The bytes a token stands for (control tokens: none), cached per token."""
        cached = self._pieces.get(token)
        if cached is None:
            import llama_cpp

            buffer = self._piece_buffer
            size = llama_cpp.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, False)
            if size < 0:  # longer than the buffer: llama.cpp says how long it is
                buffer = ctypes.create_string_buffer(-size)
                size = llama_cpp.llama_token_to_piece(self.vocab, token, buffer, -size, 0, False)
            cached = buffer.raw[:size]
            self._pieces[token] = cached
        return cached

    def is_end_of_generation(self, token: int) -> bool:
        """True for EOS, EOT and the other tokens that end a turn."""
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self.vocab, token))

    def render_chat(self, messages: tuple[ChatMessage, ...]) -> str:
        """Render chat messages with the model's own template (or ChatML) for generation."""
        if self._template_formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            # The same bos/eos strings llama-cpp-python gives the template in its chat handler.
            self._template_formatter = Jinja2ChatFormatter(
                template=self.chat_template,
                eos_token=self._token_text(self.llm.token_eos()),
                bos_token=self._token_text(self.llm.token_bos()),
            )
        rendered = self._template_formatter(
            messages=[{"role": m.role, "content": m.content} for m in messages]
        )
        return str(rendered.prompt)

    def _token_text(self, token: int) -> str:
        import llama_cpp

        if token == -1:
            return ""
        return bytes(llama_cpp.llama_vocab_get_text(self.vocab, token)).decode("utf-8", "replace")

    @contextmanager
    def evaluating(self, n_tokens: int) -> Iterator[None]:
        """Run a batch decode of ``n_tokens`` (a prefill, a scoring pass) inside this block.

        A cancel can abort it: llama.cpp calls the abort callback between graph nodes, several
        hundred times per decode, and each call takes the GIL, so the callback is on only here
        and not for the token-by-token part of a generation, where the host checks for a cancel
        between tokens instead.

        A batch of a few tokens runs on the generation thread count: it costs about what one
        token costs, and more threads than free cores make llama.cpp's spinning barriers very
        slow on a busy machine (seconds for two tokens, measured). Thread counts do not change
        the numbers (measured: bit-identical logits).
        """
        import llama_cpp

        llm = self.llm
        small = n_tokens <= SMALL_BATCH and llm.n_threads_batch != llm.n_threads
        if small:
            llama_cpp.llama_set_n_threads(llm.ctx, llm.n_threads, llm.n_threads)
        llama_cpp.llama_set_abort_callback(llm.ctx, self._abort_callback, None)
        try:
            yield
        finally:
            llama_cpp.llama_set_abort_callback(llm.ctx, self._no_abort_callback, None)
            if small:
                llama_cpp.llama_set_n_threads(llm.ctx, llm.n_threads, llm.n_threads_batch)

    def context_overflow(self, n_tokens: int, what: str = "the prompt") -> EngineError:
        """The error for an input that does not fit the context the model was loaded with."""
        return EngineError(
            f"{what} has {n_tokens} tokens but the model was loaded with a context of "
            f"{self.n_ctx}; load it with a larger context size"
        )


def reuse_length(total: int, reusable: int, batch_size: int) -> int:
    """How many of ``total`` leading tokens to keep cached so that evaluating the rest, in
    batches of ``batch_size``, reproduces a fresh evaluation of all of them bit for bit.

    ``reusable`` tokens are canonical in the cache. At least one token is always evaluated (its
    logits are needed). A fresh evaluation ends with a one-token batch exactly when
    ``total % batch_size == 1``; the rest is made to end the same way, and to have no one-token
    batch otherwise.
    """
    keep = min(reusable, total - 1)
    if batch_size > 1:
        if total % batch_size == 1:
            keep -= (keep - total + 1) % batch_size  # the largest keep with rest % size == 1
        elif (total - keep) % batch_size == 1:
            keep -= 1
    return max(keep, 0)


def common_prefix(first: Sequence[int] | npt.NDArray[Any], second: Sequence[int]) -> int:
    """The length of the longest common prefix of two token sequences."""
    n = min(len(first), len(second))
    if n == 0:
        return 0
    differs = np.flatnonzero(np.asarray(first[:n]) != np.asarray(second[:n]))
    return int(differs[0]) if differs.size else n


def load_model(request: LoadRequest, watch: CancelWatch) -> LoadedModel:
    """Load ``request.model_path`` with llama.cpp, or raise EngineError saying why not."""
    path = Path(request.model_path)
    if not path.is_file():
        raise EngineError(f"the model file {path} does not exist")
    import llama_cpp

    settings = request.settings
    started = time.perf_counter()
    try:
        llm = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=settings.context_size,
            # Like llama.cpp's -t: one thread count for generation and prompt processing.
            n_threads=settings.threads,
            n_threads_batch=settings.threads,
            n_gpu_layers=settings.gpu_layers,
            seed=settings.seed,
            n_batch=settings.batch_size,
            n_ubatch=settings.batch_size,  # one Llama.eval chunk = one ubatch (see above)
            logits_all=False,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise EngineError(
            f"llama.cpp could not load {path} ({exc}); is it a complete GGUF file that this "
            f"llama.cpp version supports?"
        ) from exc
    load_seconds = time.perf_counter() - started
    metadata = llm.metadata
    model_sha256 = request.model_sha256 or fingerprint.file_sha256(path)
    model_name = request.model_name or metadata.get("general.name") or path.stem
    resolved = {
        "n_ctx": llm.n_ctx(),
        "n_threads": llm.n_threads,
        "n_threads_batch": llm.n_threads_batch,
        "n_batch": llm.n_batch,
        "n_ubatch": llm.context_params.n_ubatch,
        "n_gpu_layers": settings.gpu_layers,
    }
    base = fingerprint.base_fingerprint(
        request,
        model_sha256=model_sha256,
        model_name=model_name,
        llama_cpp_version=llama_cpp.__version__,
        system_info=llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip(),
        resolved=resolved,
    )
    info = ModelInfo(
        model_path=str(path),
        model_sha256=model_sha256,
        model_name=model_name,
        settings=settings,
        n_ctx=llm.n_ctx(),
        n_vocab=llm.n_vocab(),
        has_chat_template=bool(metadata.get("tokenizer.chat_template")),
        load_seconds=load_seconds,
        fingerprint_base=base,
    )
    return LoadedModel(llm, info, watch)
