"""The client's handle on one model host process: start, talk, notice its death, stop.

Death is noticed without polling: the client closes its copy of the child's end of the pipe
right after the start, so when the process dies for any reason the client's ``recv`` ends with
EOFError at once, and ``send`` with BrokenPipeError. The exit code then says how it died.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from pathlib import Path
from typing import Any

from workbench.engine import host, protocol
from workbench.errors import ModelHostCrashedError

LOG_TAIL_CHARS = 2000
LOG_TAIL_LINES = 20


class HostGoneError(Exception):
    """Internal: the host process is gone (the pipe closed under a send or a receive)."""


class HostProcess:
    """One running model host process and the client's end of its pipe."""

    def __init__(self, cancel_up_to: Any, log_path: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.log_path = log_path
        self._log_offset = log_path.stat().st_size if log_path.exists() else 0
        client_end, host_end = context.Pipe(duplex=True)
        self._process = context.Process(
            target=host.main,
            args=(host_end, cancel_up_to, str(log_path)),
            name="workbench-model-host",
            daemon=True,  # never outlive the application
        )
        self._process.start()
        host_end.close()  # only the child holds it now: its death closes the pipe
        self._conn = client_end

    @property
    def pid(self) -> int | None:
        """The process id."""
        return self._process.pid

    def is_alive(self) -> bool:
        """Whether the process is still running."""
        return self._process.is_alive()

    def send(self, message: Any) -> None:
        """Send one message; HostGoneError if the process is gone."""
        try:
            self._conn.send(message)
        except OSError as exc:  # BrokenPipeError, ConnectionResetError
            raise HostGoneError from exc

    def receive(self) -> Any:
        """Block for the next message; HostGoneError if the process died instead."""
        try:
            return self._conn.recv()
        except (EOFError, OSError) as exc:
            raise HostGoneError from exc

    def kill(self) -> None:
        """Kill the process now (SIGKILL); a receive in another thread then ends."""
        if self._process.is_alive():
            self._process.kill()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the process to exit, kill it if it does not, and release everything."""
        if self._process.is_alive():
            with contextlib.suppress(OSError):  # already gone: nothing to ask
                self._conn.send((protocol.EXIT, 0, None))
            self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        self._conn.close()
        self._process.close()

    def crash_error(self, doing: str) -> ModelHostCrashedError:
        """The error for a process that died while ``doing``; releases the process."""
        self._process.join(5.0)
        code = self._process.exitcode
        if code is None:
            how = "stopped answering"
        elif code < 0:
            how = f"killed by signal {_signal_name(-code)}"
        else:
            how = f"exited with code {code}"
        message = f"the model process stopped: {how} while {doing}"
        tail = self._log_tail()
        if tail:
            message += f"; the end of its log ({self.log_path}):\n{tail}"
        else:
            message += " (it wrote nothing to its log)"
        message += "\nThe next request starts a new model process."
        self._process.kill()
        self._process.join(5.0)
        self._conn.close()
        self._process.close()
        return ModelHostCrashedError(message)

    def _log_tail(self) -> str:
        """What this process wrote to the log, the last lines only."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(self._log_offset)
                data = handle.read()
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")[-LOG_TAIL_CHARS:]
        return "\n".join(text.strip().splitlines()[-LOG_TAIL_LINES:])


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
