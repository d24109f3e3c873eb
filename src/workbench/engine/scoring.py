"""Log-probabilities of fixed continuations, running each token through the model at most once.

Runs only in the model host process.

Without ``logits_all`` (n_ctx x n_vocab floats) llama.cpp keeps only the logits of the tokens a
batch asks for. So the scorer runs its own batches through the low-level API, asking for the
logits of exactly the positions it needs: the last prompt token (it predicts the first
continuation token) and each continuation token but the last.

Reuse, the point of the design:

- the KV cache: each sequence starts where the cache stops matching it, within the canonical
  prefix (see model.py), after removing the stale rest of the cache. Continuations are visited
  in token order so that neighbours share prefixes;
- the logits rows: a row depends only on the tokens up to its position, so rows already computed
  for the same token prefix are kept and reused: a second continuation after the same prompt
  does not re-run the prompt's last token, and a one-token continuation runs nothing at all.

Every row comes from a batch of two or more tokens over canonical KV entries, so a score is the
same, bit for bit, as a fresh evaluation of prompt + continuation, whatever ran before.

Tokenization at the boundary: a continuation's tokens are those of ``tokenize(prompt +
continuation)`` after the prompt's own tokens, the canonical tokenization of the whole text.
When the tokenizer merges across the boundary (prompt "Hello wor", continuation "ld"), the
prompt's tokens are not a prefix of the whole; the continuation is then tokenized on its own and
appended to the prompt's tokens. That scores exactly the continuation's text after exactly the
prompt, in a tokenization the model rarely saw; keep a word boundary (a trailing space belongs to
the continuation) to avoid it.

Log-probabilities are a log-softmax in float64 over llama.cpp's float32 logits.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import numpy.typing as npt

from workbench.engine import fingerprint, protocol
from workbench.engine.messages import ContinuationScore, ScoreRequest, ScoreResult
from workbench.engine.model import CancelWatch, LoadedModel, common_prefix
from workbench.errors import EngineError

# Rows kept for reuse (n_vocab floats each); the lowest positions, the most shared, first.
MAX_KEPT_ROWS = 256


class Scorer:
    """Scores continuations on one loaded model, keeping logits rows between requests."""

    def __init__(self, model: LoadedModel, watch: CancelWatch) -> None:
        import llama_cpp

        self._model = model
        self._watch = watch
        self._batch = llama_cpp.llama_batch_init(model.batch_size, 0, 1)
        # position -> (float32 logits, float64 log-sum-exp), for the tokens _rows_tokens[: p + 1]
        self._rows: dict[int, tuple[npt.NDArray[np.float32], float]] = {}
        self._rows_tokens: list[int] = []
        # position -> log-probability of the next token of the sequence being scored
        self._fresh: dict[int, float] = {}

    def close(self) -> None:
        """Free the batch."""
        import llama_cpp

        llama_cpp.llama_batch_free(self._batch)

    def score(self, request: ScoreRequest) -> ScoreResult:
        """Score every continuation of ``request``; results come back in request order."""
        started = time.perf_counter()
        model = self._model
        prompt = model.tokenize(request.prompt, add_bos=model.add_bos)
        if not prompt:
            raise EngineError("an empty prompt cannot be scored: nothing predicts the first token")
        sequences = [
            prompt + self._continuation_tokens(prompt, request.prompt, text)
            for text in request.continuations
        ]
        for sequence in sequences:
            if len(sequence) > model.n_ctx:
                raise model.context_overflow(len(sequence), "the prompt with a continuation")
        evaluated = 0
        scores: dict[int, ContinuationScore] = {}
        for index in sorted(range(len(sequences)), key=lambda i: sequences[i]):
            sequence = sequences[index]
            evaluated += self._run(sequence, len(prompt))
            continuation = sequence[len(prompt) :]
            logprobs = tuple(
                self._fresh[position] if position in self._fresh else self._kept(position, token)
                for position, token in enumerate(continuation, start=len(prompt) - 1)
            )
            scores[index] = ContinuationScore(
                continuation=request.continuations[index],
                logprob=float(sum(logprobs)),
                token_logprobs=logprobs,
                tokens=tuple(continuation),
            )
        return ScoreResult(
            scores=tuple(scores[i] for i in range(len(sequences))),
            prompt_tokens=len(prompt),
            evaluated_tokens=evaluated,
            total_seconds=time.perf_counter() - started,
            fingerprint=fingerprint.score_fingerprint(model.info.fingerprint_base, request),
        )

    def _continuation_tokens(self, prompt: list[int], prompt_text: str, text: str) -> list[int]:
        if not text:
            return []
        whole = self._model.tokenize(prompt_text + text, add_bos=self._model.add_bos)
        if whole[: len(prompt)] == prompt:
            return whole[len(prompt) :]
        return self._model.tokenize(text, add_bos=False)  # merged at the boundary: see above

    def _run(self, sequence: list[int], prompt_length: int) -> int:
        """Evaluate what ``sequence``'s scored positions still need; return the tokens run.

        Afterwards each scored position has a log-probability in ``_fresh`` or a kept row.
        """
        self._fresh = {}
        needed = range(prompt_length - 1, len(sequence) - 1)
        rows_valid = common_prefix(self._rows_tokens, sequence)  # row p is valid if p < this
        missing = [p for p in needed if p >= rows_valid or p not in self._rows]
        if not missing:
            return 0
        end = len(sequence) - 1  # the last token predicts nothing we need
        start = min(self._model.canonical_prefix(sequence[:end]), missing[0])
        size = self._model.batch_size
        if size > 1 and (end - start) % size == 1:
            end += 1  # no one-token batch (see model.py): run the last token too
        # Rows from here on belong to this sequence (also if a cancel interrupts the pass).
        self._rows = {p: row for p, row in self._rows.items() if p < min(start, rows_valid)}
        self._rows_tokens = sequence[:end]
        self._evaluate(sequence, start, end, set(needed))
        return end - start

    def _evaluate(self, sequence: list[int], start: int, end: int, needed: set[int]) -> None:
        """Run ``sequence[start:end]`` at positions start..end-1, scoring the needed ones."""
        import llama_cpp

        model = self._model
        llm = model.llm
        ctx = llm.ctx
        # Positions from ``start`` on are replaced: drop their KV entries first (Llama.eval does
        # the same before it evaluates).
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), 0, start, -1)
        llm.n_tokens = start
        batch = self._batch
        size = model.batch_size
        n_vocab = model.info.n_vocab
        bounds = [*range(start, end, size), end]
        if size > 1 and len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
            bounds[-2] -= 1  # the last batch would hold one token: take one from the one before
        for chunk_start, chunk_end in itertools.pairwise(bounds):
            chunk = sequence[chunk_start:chunk_end]
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = chunk_start + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = chunk_start + i in needed
            batch.n_tokens = len(chunk)
            with model.evaluating(len(chunk)):
                code = llama_cpp.llama_decode(ctx, batch)
            if code != 0:
                if self._watch.cancelled():
                    raise protocol.ScoringCancelledError()
                raise EngineError(f"llama.cpp failed while scoring (llama_decode returned {code})")
            llm.input_ids[chunk_start:chunk_end] = chunk
            llm.n_tokens = chunk_end
            for i in range(len(chunk)):
                position = chunk_start + i
                if position in needed:
                    self._read_row(position, i, sequence[position + 1], n_vocab)
        model.set_canonical(end)
        # Llama.generate may sample from the "current" logits after an exact cache hit; make it
        # re-run rather than trust the outputs of our batch.
        if hasattr(llm, "_requires_eval"):
            llm._requires_eval = True

    def _read_row(self, position: int, index: int, next_token: int, n_vocab: int) -> None:
        import llama_cpp

        logits = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(self._model.llm.ctx, index), shape=(n_vocab,)
        )
        lse = _logsumexp(logits)
        self._fresh[position] = float(np.float64(logits[next_token]) - lse)
        # Rows are kept for later sequences up to a bound on memory.
        if len(self._rows) < MAX_KEPT_ROWS:
            self._rows[position] = (logits.copy(), lse)

    def _kept(self, position: int, token: int) -> float:
        logits, lse = self._rows[position]
        return float(np.float64(logits[token]) - lse)


def _logsumexp(logits: npt.NDArray[np.float32]) -> float:
    values = logits.astype(np.float64)
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))
