"""What travels over the pipe between :class:`~workbench.engine.client.ModelHost` and its process.

Requests (client to host) are ``(kind, request_id, payload)`` tuples. Replies (host to client):

- a plain ``str``: one streamed chunk of generated text. Chunks are the hot path, so they are
  the smallest thing that pickles: no tuple, no tag;
- ``(STARTED, prompt_tokens, rendered_prompt, fingerprint)``: a generation passed its checks
  and its prompt goes into the model (lets the client build a result if it must kill the host);
- ``(RESULT, value)``: the request's result;
- ``(ERROR, exception)``: a :class:`~workbench.errors.WorkbenchError` for the user;
- ``(BUG, traceback_text)``: anything else, which is a bug.

Cancellation does not travel over the pipe: it is a shared integer, "cancel every request whose
id is at most N", that the host reads between tokens and from llama.cpp's abort callback.
Request ids only grow, so a late cancel can never hit the next request.
"""

from __future__ import annotations

from workbench.errors import EngineError

LOAD = "load"
GENERATE = "generate"
SCORE = "score"
EXIT = "exit"

STARTED = "started"
RESULT = "result"
ERROR = "error"
BUG = "bug"


class ScoringCancelledError(EngineError):
    """A score request was cancelled before it finished; no partial scores are returned."""

    def __init__(self, message: str = "scoring was cancelled") -> None:
        super().__init__(message)


class EngineBugError(RuntimeError):
    """An unexpected exception inside the model process: a bug, shown with its traceback."""
