"""GenerationStream: the chunks of one generation as they come, then its result."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from workbench.engine import protocol
from workbench.engine.messages import GenerationChunk, GenerationRequest, GenerationResult
from workbench.engine.process import HostGoneError, HostProcess
from workbench.errors import EngineError

if TYPE_CHECKING:
    from workbench.engine.client import ModelHost


class GenerationStream(Iterator[GenerationChunk]):
    """Iterate for :class:`GenerationChunk` objects; afterwards ``result`` holds the result.

    The concatenated chunks equal ``result.text``. Reading ``result`` early consumes the rest
    of the stream. If the generation fails, iterating raises the error once and ``result``
    raises it every time. Iterating from several threads is safe (each chunk goes to one).
    """

    def __init__(
        self, host: ModelHost, process: HostProcess, request_id: int, request: GenerationRequest
    ) -> None:
        self.request = request
        self._host = host
        self._process = process
        self._id = request_id
        self._read_lock = threading.Lock()
        self.owner = threading.get_ident()  # the thread that made or last read it
        self._started_at = time.perf_counter()
        self._first_chunk_at = 0.0
        self._chunks: list[str] = []
        self._prompt_tokens = 0
        self._rendered_prompt = ""
        self._fingerprint: dict[str, Any] = {}
        self._result: GenerationResult | None = None
        self._error: BaseException | None = None
        self._error_raised = False
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the last message arrived (result or error)."""
        return self._done

    @property
    def result(self) -> GenerationResult:
        """The result; consumes the rest of the stream first if needed."""
        if not self._done:
            for _ in self:
                pass
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def cancel(self) -> None:
        """Cancel this generation (no effect once it is done). Safe from any thread."""
        if not self._done:
            self._host.cancel_request(self._id)

    def close(self) -> None:
        """Cancel if still running and wait for the end; errors stay available in ``result``."""
        if self._done:
            return
        self.cancel()
        try:
            for _ in self:
                pass
        except Exception:
            pass  # recorded in self._error

    def __iter__(self) -> GenerationStream:
        """The stream is its own iterator."""
        return self

    def __next__(self) -> GenerationChunk:
        """The next chunk; StopIteration after the result arrived."""
        with self._read_lock:
            self.owner = threading.get_ident()
            while not self._done:
                try:
                    message = self._process.receive()
                except HostGoneError:
                    self._host_gone()
                    break
                except BaseException:
                    # Interrupted inside recv (Ctrl-C): the pipe may hold half a message.
                    self._host.discard_process(self._process)
                    self._error_raised = True
                    self._finish(error=EngineError("the generation was interrupted"))
                    raise
                if type(message) is str:  # the hot path: one chunk
                    if not self._chunks:
                        self._first_chunk_at = time.perf_counter()
                    self._chunks.append(message)
                    return GenerationChunk(message)
                if message[0] == protocol.STARTED:
                    _, self._prompt_tokens, self._rendered_prompt, self._fingerprint = message
                    continue
                try:
                    self._result = self._host.unwrap(message)
                except Exception as exc:
                    self._finish(error=exc)
                else:
                    self._finish(error=None)
            if self._error is not None and not self._error_raised:
                self._error_raised = True
                raise self._error
            raise StopIteration

    def _host_gone(self) -> None:
        if self._host.was_killed_for_cancel(self._id):
            self._host.discard_process(self._process)
            self._result = self._killed_result()
            self._finish(error=None)
        else:
            self._finish(error=self._host.crashed(self._process, "generating"))

    def _finish(self, *, error: BaseException | None) -> None:
        self._error = error
        self._done = True
        self._host.finish_request(self._id, self)

    def _killed_result(self) -> GenerationResult:
        """The result of a generation whose host ignored a cancel and was killed.

        Built here from what arrived: the text is exact, the token count is the number of
        chunks (a chunk is usually one token) and the timings are the client's.
        """
        now = time.perf_counter()
        return GenerationResult(
            text="".join(self._chunks),
            prompt_tokens=self._prompt_tokens,
            completion_tokens=len(self._chunks),
            time_to_first_token_s=self._first_chunk_at - self._started_at if self._chunks else 0.0,
            tokens_per_second=0.0,
            total_seconds=now - self._started_at,
            finish_reason="cancelled",
            fingerprint={
                **(self._fingerprint or self._host_base_fingerprint()),
                "cancelled_by_killing_the_model_process": True,
            },
            rendered_prompt=self._rendered_prompt,
        )

    def _host_base_fingerprint(self) -> dict[str, Any]:
        loaded = self._host.loaded
        base = dict(loaded.fingerprint_base) if loaded is not None else {}
        return {**base, "request": "generate", "sampling": self.request.sampling.to_dict()}
