"""The judge of ``llm-rubric``: a local model asked whether an output satisfies a rubric.

How the verdict is reached (chosen for small local models, which follow a format unreliably):

1. The judge is asked, greedily, for ``PASS`` or ``FAIL`` and one sentence why. What it writes
   is kept as its reasoning.
2. The verdict is read from log-probabilities, not parsed from that text: the engine scores the
   continuations ``PASS`` and ``FAIL`` right after the judge's answer prompt, and the score is
   ``P(PASS) / (P(PASS) + P(FAIL))``. So every rubric gets a decision and a graded score, even
   from a model that rambles, and it is deterministic for a given judge model.

The word the judge wrote first (if any) is kept as ``stated`` next to the probabilities.
"""

from __future__ import annotations

import math
import re
from typing import Any

from workbench.engine.messages import ChatMessage, GenerationRequest, SamplingSettings, ScoreRequest
from workbench.engine.protocol import ScoringCancelledError
from workbench.evals.assertions import JudgeVerdict
from workbench.evals.hosts import HostPool
from workbench.evals.snapshot import ResolvedModel

JUDGE_SYSTEM = (
    "You are a strict grader. You are given a RUBRIC and an OUTPUT. Decide whether the OUTPUT "
    "satisfies the RUBRIC. Reply with PASS or FAIL first, then one short sentence saying why."
)
JUDGE_MAX_TOKENS = 48
VERDICTS = ("PASS", "FAIL")
_STATED = re.compile(r"\b(PASS|FAIL)\b")
_MAX_OUTPUT_CHARS = 4000


class JudgeCancelledError(ScoringCancelledError):
    """The judge's generation was cancelled with the run."""

    def __init__(self) -> None:
        super().__init__("the judge was cancelled")


def judge_messages(rubric: str, output: str) -> tuple[ChatMessage, ...]:
    """The chat the judge is given."""
    shown = output if len(output) <= _MAX_OUTPUT_CHARS else output[:_MAX_OUTPUT_CHARS] + " [...]"
    return (
        ChatMessage("system", JUDGE_SYSTEM),
        ChatMessage(
            "user",
            f"RUBRIC: {rubric}\n\nOUTPUT: {shown}\n\n"
            "Does the OUTPUT satisfy the RUBRIC? Answer PASS or FAIL, then why.",
        ),
    )


class ModelJudge:
    """A judge on a model of the run's host pool (loaded once, pinned)."""

    def __init__(self, pool: HostPool, model: ResolvedModel, *, seed: int = 0) -> None:
        self._pool = pool
        self.model = model
        self._sampling = SamplingSettings(temperature=0.0, max_tokens=JUDGE_MAX_TOKENS, seed=seed)

    def grade(self, rubric: str, output: str) -> JudgeVerdict:
        """Ask the judge; see the module for how the verdict is read."""
        host = self._pool.acquire(self.model.load_request(), pin=True)
        request = GenerationRequest(
            messages=judge_messages(rubric, output), sampling=self._sampling
        )
        result = host.generate_text(request)
        if result.finish_reason == "cancelled":
            raise JudgeCancelledError()
        scores = host.score(ScoreRequest(prompt=result.rendered_prompt, continuations=VERDICTS))
        logprob_pass, logprob_fail = (score.logprob for score in scores.scores)
        probability = pass_probability(logprob_pass, logprob_fail)
        stated = _STATED.search(result.text)
        details: dict[str, Any] = {
            "judge_model": self.model.name,
            "judge_sha256": self.model.sha256,
            "stated": stated.group(1) if stated else None,
            "logprob_pass": logprob_pass,
            "logprob_fail": logprob_fail,
            "judge_fingerprint": result.fingerprint,
        }
        return JudgeVerdict(probability, result.text, details)


def pass_probability(logprob_pass: float, logprob_fail: float) -> float:
    """``P(PASS) / (P(PASS) + P(FAIL))`` from the two log-probabilities, computed stably."""
    return 1.0 / (1.0 + math.exp(min(700.0, logprob_fail - logprob_pass)))
