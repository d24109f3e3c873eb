"""How long does the GUI thread ever stall while the app works? Budget: under 50 ms.

Runs the real main window (offscreen unless QT_QPA_PLATFORM says otherwise) over a temporary
home, and while a 10 ms heartbeat timer ticks on the GUI thread it:

1. starts the app (the store opens and the demo model is hashed and registered in the background),
2. loads the demo model,
3. streams a long generation in the playground *and*, at the same time, adds a large GGUF file
   on the Models page (validated and hashed with progress on a worker thread),
4. runs the example evaluation suite on the Evaluations page (36 cells: the grid fills live,
   the Statistics tab is shown for the second part of the run).

The longest gap between two heartbeat ticks, minus the 10 ms interval, is the longest stall.
Two reference figures come from the same run: the GUI thread's own CPU time between two ticks
(work done *on* the GUI thread, as opposed to waiting for a CPU), and the longest stall of an
independent process that only sleeps 10 ms in a loop: on a loaded machine that one stalls too,
and the GUI cannot do better than the machine it runs on.

    python benchmarks/ui_latency.py [--file-mb 1024] [--tokens 512] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET_MS = 50.0
HEARTBEAT_MS = 10
PHASES = ("startup", "load", "stream_and_hash", "evaluation_run")
EXAMPLE_SUITE = "support-reply-smoke"
LONG_PROMPT = "Count from 1 to 3000, one number per line, and nothing else."


REFERENCE_SCRIPT = """
import sys, threading, time
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
ticks = [time.monotonic()]
while not stop.is_set():
    time.sleep(0.010)
    ticks.append(time.monotonic())
print(" ".join(f"{t:.6f}" for t in ticks))
"""


def gap_figures(ticks: list[float]) -> dict[str, float]:
    """Longest gap, longest stall (gap minus the interval), p99 and median, in ms."""
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    if not gaps:
        return {"ticks": 0, "longest_gap_ms": 0.0, "longest_stall_ms": 0.0, "p99_gap_ms": 0.0}
    return {
        "ticks": len(gaps),
        "longest_gap_ms": round(gaps[-1], 1),
        "longest_stall_ms": round(max(0.0, gaps[-1] - HEARTBEAT_MS), 1),
        "p99_gap_ms": round(gaps[max(0, int(len(gaps) * 0.99) - 1)], 1),
        "median_gap_ms": round(statistics.median(gaps), 1),
    }


class ReferenceBeat:
    """An independent process sleeping 10 ms in a loop: the machine's own stalls."""

    def __init__(self) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, "-c", REFERENCE_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ticks: list[float] = []

    def finish(self) -> None:
        out, _ = self.process.communicate("", timeout=30)
        self.ticks = [float(t) for t in out.split()]

    def between(self, start: float, end: float) -> dict[str, float]:
        return gap_figures([t for t in self.ticks if start <= t <= end])


class Heartbeat:
    """Records every tick of a precise 10 ms timer on the GUI thread, with the GUI thread's
    CPU time, so that a gap can be told apart from work done on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.cpu: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.windows: list[tuple[float, float]] = []

    def _tick(self) -> None:
        self.ticks.append(time.monotonic())
        self.cpu.append(time.thread_time())

    def start(self) -> None:
        self.ticks, self.cpu = [time.monotonic()], [time.thread_time()]
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        self.windows.append((self.ticks[0], self.ticks[-1]))
        figures = gap_figures(self.ticks)
        busy = [(b - a) * 1000 for a, b in zip(self.cpu, self.cpu[1:], strict=False)]
        figures["longest_gui_busy_ms"] = round(max(busy, default=0.0), 1)
        return figures


def wait_until(condition: Any, timeout_s: float, what: str) -> None:
    """Run the real event loop until ``condition()`` holds (checked every 5 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError(f"timed out waiting for {what}")


def make_large_gguf(source: Path, target: Path, extra_mb: int) -> None:
    """A valid GGUF of the demo model followed by ``extra_mb`` of (sparse) padding."""
    shutil.copy(source, target)
    with open(target, "r+b") as handle:
        handle.truncate(source.stat().st_size + extra_mb * 1024 * 1024)


def run(file_mb: int, tokens: int) -> dict[str, Any]:
    """Measure every phase; return the figures."""
    from workbench.inventory.default_model import DEFAULT_MODEL_NAME, default_model_path
    from workbench.ui.app import create_application, open_main_window

    demo = default_model_path()
    if demo is None:
        raise SystemExit(
            "the demo model is not installed: pip install 'genai-ops-workbench[model]'"
        )
    app = create_application([sys.argv[0]])
    figures: dict[str, Any] = {
        "platform": app.platformName(),
        "file_mb": file_mb,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    reference = ReferenceBeat()
    with tempfile.TemporaryDirectory(prefix="wb-ui-latency-") as tmp:
        home = Path(tmp) / "home"
        big = Path(tmp) / "large-model.gguf"
        make_large_gguf(demo, big, file_mb)
        heartbeat = Heartbeat()

        # 1. Start: window first, store and demo model registration in the background. Building
        # the widgets is reported as window_shown_s; the heartbeat watches what follows.
        started = time.perf_counter()
        window = open_main_window(home)
        shown_s = time.perf_counter() - started
        heartbeat.start()
        done: list[bool] = []
        window.context.bootstrap_finished.connect(lambda: done.append(True))
        wait_until(lambda: bool(done), 120, "the first start")
        figures["window_shown_s"] = round(shown_s, 3)
        figures["first_start_ready_s"] = round(time.perf_counter() - started, 2)
        figures["startup"] = heartbeat.stop()

        # 2. Load the demo model.
        heartbeat.start()
        window.models_page.select_model(DEFAULT_MODEL_NAME)
        window.models_page.load_selected("A")
        host = window.context.hosts["A"]
        wait_until(lambda: host.info is not None, 120, "the model to load")
        figures["load"] = heartbeat.stop()

        # 3. Replies stream, one after another, until the large file is in and `tokens` have
        # streamed; the file is validated and hashed meanwhile.
        window.show_page("playground")
        page = window.playground
        page.sampling[0].temperature.setValue(0.0)
        page.sampling[0].max_tokens.setValue(tokens)
        replies: list[Any] = []
        host.generation_finished.connect(replies.append)
        heartbeat.start()
        stream_started = time.perf_counter()
        window.models_page.add_model_files([big])
        hashed_s = 0.0
        while True:
            page.new_conversation()
            page.input.setPlainText(LONG_PROMPT)
            page.send()
            wait_until(lambda: not page.generating, 600, "a reply")
            if not hashed_s and len(window.context.inventory.records()) == 2:
                hashed_s = time.perf_counter() - stream_started
            streamed = sum(r.completion_tokens for r in replies)
            if hashed_s and streamed >= tokens:
                break
        figures["stream_and_hash"] = heartbeat.stop()
        seconds = time.perf_counter() - stream_started
        figures["generation"] = {
            "replies": len(replies),
            "completion_tokens": streamed,
            "tokens_per_second": round(statistics.mean(r.tokens_per_second for r in replies), 1),
            "seconds": round(seconds, 2),
        }
        figures["large_file_added_s"] = round(hashed_s, 2)

        # 4. The example suite runs on the Evaluations page: the grid fills live, the
        # statistics follow, with the Statistics tab shown half of the time.
        evaluations = window.pages["evaluations"]
        window.show_page("evaluations")
        wait_until(lambda: evaluations.select_suite(EXAMPLE_SUITE), 60, "the example suite")
        finished: list[Any] = []
        evaluations.run_finished.connect(finished.append)
        heartbeat.start()
        run_started = time.perf_counter()
        evaluations.start_run()
        wait_until(lambda: evaluations.matrix.n_finished >= 8, 600, "the first cells")
        evaluations.tabs.setCurrentWidget(evaluations.summary)
        wait_until(lambda: bool(finished), 900, "the evaluation run")
        figures["evaluation_run"] = heartbeat.stop()
        figures["evaluation"] = {
            "cells": finished[0].n_done,
            "seconds": round(time.perf_counter() - run_started, 2),
        }
        window.close_discarding_edits()
    reference.finish()
    for phase, (start, end) in zip(PHASES, heartbeat.windows, strict=True):
        figures[phase]["reference_stall_ms"] = reference.between(start, end)["longest_stall_ms"]
    stalls = [figures[k]["longest_stall_ms"] for k in PHASES]
    figures["longest_stall_ms"] = max(stalls)
    figures["reference_longest_stall_ms"] = max(figures[k]["reference_stall_ms"] for k in PHASES)
    figures["budget_ms"] = BUDGET_MS
    figures["within_budget"] = figures["longest_stall_ms"] < BUDGET_MS
    return figures


def main() -> int:
    """Parse the options, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file-mb", type=int, default=1024, help="Padding of the large GGUF.")
    parser.add_argument("--tokens", type=int, default=512, help="Tokens to stream, at least.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    figures = run(args.file_mb, args.tokens)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"platform {figures['platform']}; window shown in {figures['window_shown_s']} s; "
            f"first start ready in {figures['first_start_ready_s']} s"
        )
        print(f"{figures['cpus']} CPUs, load average {figures['load_average_at_start']} at start")
        for phase in PHASES:
            f = figures[phase]
            print(
                f"{phase:16} ticks {f['ticks']:5}  p99 gap {f['p99_gap_ms']:5.1f} ms  "
                f"longest stall {f['longest_stall_ms']:5.1f} ms  "
                f"(GUI thread busy at most {f['longest_gui_busy_ms']:4.1f} ms; "
                f"reference process stalled {f['reference_stall_ms']:5.1f} ms)"
            )
        g = figures["generation"]
        print(
            f"streamed {g['completion_tokens']} tokens in {g['replies']} replies at "
            f"{g['tokens_per_second']} tok/s; {figures['file_mb']} MiB file added in "
            f"{figures['large_file_added_s']} s"
        )
        e = figures["evaluation"]
        print(f"evaluation run: {e['cells']} cells in {e['seconds']} s")
        verdict = "within" if figures["within_budget"] else "OVER"
        print(
            f"longest stall {figures['longest_stall_ms']:.1f} ms: {verdict} the "
            f"{BUDGET_MS:.0f} ms budget (ratio {figures['longest_stall_ms'] / BUDGET_MS:.2f}); "
            f"reference process on the same machine: {figures['reference_longest_stall_ms']:.1f} ms"
        )
    return 0 if figures["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
