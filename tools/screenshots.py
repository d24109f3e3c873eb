"""Screenshots of every page of the desktop app, for the README and for reviewing the layout.

Runs the real app over a temporary home with the demo model: loads it, chats a little (single
and side by side), then saves one PNG per page and dialog. Run it under a real X server, such
as Xvfb, so fonts and rendering are what a user sees:

    xvfb-run -s "-screen 0 1600x1000x24" python tools/screenshots.py --out /tmp/shots
    xvfb-run -s "-screen 0 1600x1000x24" python tools/screenshots.py --theme dark --scale 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHATS = (
    "What is the capital of France?",
    "Give me three tips for writing clear commit messages.",
)


def wait_until(condition: Any, timeout_s: float = 120) -> None:
    """Run the event loop until ``condition()`` holds."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(ms: int = 300) -> None:
    """Let layouts and paints finish."""
    deadline = time.monotonic() + ms / 1000
    wait_until(lambda: time.monotonic() > deadline)


def chat(window: Any, text: str) -> None:
    """Send ``text`` in the playground and wait for the reply(ies)."""
    page = window.playground
    page.input.setPlainText(text)
    page.send()
    wait_until(lambda: not page.generating)


def save(widget: Any, path: Path) -> None:
    """Save what ``widget`` shows."""
    settle()
    widget.grab().save(str(path))
    print(path)


def evaluations(window: Any, out: Path, suffix: str) -> None:
    """The example suite run on the demo model: the grid with a cell's detail, the statistics,
    and the run dialog."""
    page = window.pages["evaluations"]
    window.show_page("evaluations")
    wait_until(lambda: page.select_suite("support-reply-smoke"))
    finished: list[object] = []
    page.run_finished.connect(finished.append)
    page.start_run()
    wait_until(lambda: bool(finished), timeout_s=900)
    page.grid.setCurrentIndex(page.grid.model().index(1, 1))
    settle(1500)
    save(window, out / f"evaluations{suffix}.png")
    page.tabs.setCurrentWidget(page.summary)
    settle(1500)
    save(window, out / f"evaluations-statistics{suffix}.png")
    page.tabs.setCurrentIndex(0)
    opened: list[Any] = []
    page.library_actions.run_dialog_opened.connect(opened.append)
    page.open_run_dialog()
    wait_until(lambda: bool(opened))
    settle()
    save(opened[0], out / f"evaluations-run-dialog{suffix}.png")
    opened[0].reject()


def main() -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots-tmp"))
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (HiDPI check)")
    parser.add_argument("--size", default="1440x900")
    args = parser.parse_args()
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    from workbench.ui.app import create_application, open_main_window
    from workbench.ui.pages.placeholder import PLACEHOLDERS
    from workbench.ui.preferences import Preferences

    args.out.mkdir(parents=True, exist_ok=True)
    create_application([sys.argv[0]])
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="wb-shots-") as tmp:
        window = open_main_window(Path(tmp) / "home")
        window.resize(width, height)
        done: list[bool] = []
        window.context.bootstrap_finished.connect(lambda: done.append(True))
        wait_until(lambda: bool(done))
        window.context.save_preferences(Preferences(theme=args.theme))
        suffix = f"-{args.theme}" + (f"-x{args.scale:g}" if args.scale != 1.0 else "")

        models = window.models_page
        models.select_model("smollm2-135m-instruct")
        models.load_selected("A")
        wait_until(lambda: window.context.hosts["A"].info is not None)
        save(window, args.out / f"models{suffix}.png")

        window.show_page("playground")
        page = window.playground
        page.system_prompt.setPlainText("You are a concise, friendly assistant.")
        page.sampling[0].temperature.setValue(0.2)
        page.sampling[0].seed.setValue(1)
        page.sampling[0].max_tokens.setValue(200)
        for text in CHATS:
            chat(window, text)
        save(window, args.out / f"playground{suffix}.png")

        models.load_selected("B")
        wait_until(lambda: window.context.hosts["B"].info is not None)
        window.show_page("playground")
        page.side_by_side.setChecked(True)
        page.sampling[1].temperature.setValue(0.9)
        page.sampling[1].seed.setValue(7)
        page.sampling[1].repeat_penalty.setValue(1.15)
        page.sampling_tabs.setCurrentIndex(1)
        chat(window, "Explain what a unit test is in two sentences.")
        save(window, args.out / f"side-by-side{suffix}.png")

        evaluations(window, args.out, suffix)

        for placeholder in PLACEHOLDERS:
            if placeholder.key == "evaluations":
                continue  # shot above, with a run
            window.show_page(placeholder.key)
            save(window, args.out / f"{placeholder.key}{suffix}.png")

        dialog = window.open_settings()
        save(dialog, args.out / f"settings{suffix}.png")
        dialog.reject()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
