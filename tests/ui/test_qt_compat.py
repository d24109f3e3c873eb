"""The guard against PySide6 6.12.0 dropping references to None and True on Python 3.11."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QLabel
    from workbench.ui.app import create_application  # guards the singletons

    class Emitter(QObject):
        changed = Signal(str)

    app = create_application(["test"])
    label, emitter = QLabel(), Emitter()
    for _ in range(50_000):
        label.setText("x")
        emitter.changed.emit("x")
    print("survived")
    """
)


def test_many_qt_calls_do_not_abort_the_interpreter() -> None:
    # In a child process: without the guard, a defective binding aborts the interpreter.
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout


HELPER_SCRIPT = textwrap.dedent(
    """
    import sys
    from workbench.ui.child_process import run_in_child

    class Sink:
        cancelled = False

        def report(self, done, total):
            return True

    def qt_loaded(report):
        return any(name.startswith("PySide6") for name in sys.modules)

    if __name__ == "__main__":
        print(run_in_child(Sink(), qt_loaded))
    """
)


def test_helper_processes_do_not_load_qt(tmp_path: Path) -> None:
    script = tmp_path / "helper_probe.py"
    script.write_text(HELPER_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "False", done.stderr[-2000:]
