"""The model host process: isolation, crashes, kills, restarts, load errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from workbench.engine import (
    GenerationRequest,
    LoadRequest,
    LoadSettings,
    ModelHost,
    SamplingSettings,
    ScoreRequest,
)
from workbench.errors import EngineError, ModelHostCrashedError, NoModelLoadedError

pytestmark = pytest.mark.timeout(120)
posix_signals = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")

PROMPT = "The three most important inventions in history are"


def _greedy(max_tokens: int) -> GenerationRequest:
    return GenerationRequest(prompt=PROMPT, sampling=SamplingSettings(max_tokens=max_tokens))


def test_importing_the_engine_does_not_load_llama_cpp() -> None:
    code = (
        "import sys, workbench.engine, workbench.engine.host;"
        "assert 'llama_cpp' not in sys.modules, 'llama_cpp was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_model_runs_in_a_separate_process(fresh_host: ModelHost, load_request: LoadRequest) -> None:
    assert fresh_host.host_pid is None  # started lazily
    info = fresh_host.load(load_request)
    assert fresh_host.host_pid not in (None, os.getpid())
    assert fresh_host.loaded == info
    assert info.n_ctx == 2048
    assert info.has_chat_template
    assert info.fingerprint_base["model_sha256"] == load_request.model_sha256


@posix_signals
def test_sigkill_during_generation_raises_crashed_error_then_next_request_reloads(
    fresh_host: ModelHost, load_request: LoadRequest
) -> None:
    fresh_host.load(load_request)
    pid = fresh_host.host_pid
    assert pid is not None
    stream = fresh_host.generate(_greedy(200))
    next(stream)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ModelHostCrashedError, match="the model process stopped: killed by signal"):
        for _ in stream:
            pass
    with pytest.raises(ModelHostCrashedError, match="SIGKILL"):
        _ = stream.result
    # The next request starts a new host and loads the same model again, transparently.
    result = fresh_host.generate_text(_greedy(8))
    assert result.completion_tokens == 8
    assert fresh_host.host_pid not in (None, pid)
    assert fresh_host.loaded is not None
    assert fresh_host.loaded.model_path == load_request.model_path


@posix_signals
def test_host_that_died_while_idle_is_replaced_transparently(
    fresh_host: ModelHost, load_request: LoadRequest
) -> None:
    fresh_host.load(load_request)
    pid = fresh_host.host_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert fresh_host.generate_text(_greedy(4)).completion_tokens == 4
    assert fresh_host.host_pid != pid


@posix_signals
def test_host_that_ignores_a_cancel_is_killed_and_the_result_says_cancelled(
    tmp_path: Path, load_request: LoadRequest
) -> None:
    with ModelHost(log_path=tmp_path / "host.log", cancel_grace_s=1.0) as host:
        host.load(load_request)
        pid = host.host_pid
        assert pid is not None
        stream = host.generate(_greedy(300))
        first = next(stream).text
        os.kill(pid, signal.SIGSTOP)  # a host that cannot answer any more
        started = time.monotonic()
        host.cancel()
        rest = "".join(chunk.text for chunk in stream)
        result = stream.result
        assert time.monotonic() - started < 10.0
        assert result.finish_reason == "cancelled"
        assert result.text == first + rest
        assert result.fingerprint["cancelled_by_killing_the_model_process"] is True
        assert host.generate_text(_greedy(4)).completion_tokens == 4
        assert host.host_pid != pid


def test_text_does_not_depend_on_what_ran_before(
    fresh_host: ModelHost, load_request: LoadRequest, tmp_path: Path
) -> None:
    fresh_host.load(load_request)
    first = fresh_host.generate_text(_greedy(24))
    # A follow-up whose prompt contains the generated tokens: their cache entries came from
    # one-token steps and must not be reused, or the text would differ from a fresh run.
    follow_up = GenerationRequest(
        prompt=PROMPT + first.text + " Also,", sampling=SamplingSettings(max_tokens=16)
    )
    warm = fresh_host.generate_text(follow_up)
    with ModelHost(log_path=tmp_path / "cold.log") as cold:
        cold.load(load_request)
        assert cold.generate_text(follow_up).text == warm.text
        assert cold.generate_text(_greedy(24)).text == first.text


def test_missing_model_file_is_a_clear_error(fresh_host: ModelHost, tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(EngineError, match=r"the model file .*nope\.gguf does not exist"):
        fresh_host.load(LoadRequest(model_path=str(missing), model_sha256=""))
    assert fresh_host.loaded is None


def test_file_that_is_not_a_gguf_is_a_clear_error(fresh_host: ModelHost, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"this is not a model\n" * 100)
    with pytest.raises(EngineError, match=r"bogus\.gguf"):
        fresh_host.load(LoadRequest(model_path=str(bogus), model_sha256=""))
    assert fresh_host.loaded is None
    with pytest.raises(NoModelLoadedError):
        fresh_host.generate_text(_greedy(4))


def test_failed_load_replaces_the_previous_model(
    fresh_host: ModelHost, load_request: LoadRequest, tmp_path: Path
) -> None:
    fresh_host.load(load_request)
    with pytest.raises(EngineError):
        fresh_host.load(LoadRequest(model_path=str(tmp_path / "gone.gguf"), model_sha256=""))
    with pytest.raises(NoModelLoadedError):
        fresh_host.generate_text(_greedy(4))


def test_unload_stops_the_host_process(fresh_host: ModelHost, load_request: LoadRequest) -> None:
    fresh_host.load(load_request)
    fresh_host.unload()
    assert fresh_host.host_pid is None
    assert fresh_host.loaded is None
    with pytest.raises(NoModelLoadedError):
        fresh_host.generate_text(_greedy(4))


def test_closed_host_refuses_requests(load_request: LoadRequest) -> None:
    host = ModelHost()
    log_path = host.log_path
    host.close()
    assert not log_path.exists()  # the temporary log goes with it
    with pytest.raises(EngineError, match="closed"):
        host.load(load_request)


def test_close_while_another_thread_streams_cancels_that_stream(
    fresh_host: ModelHost, load_request: LoadRequest
) -> None:
    fresh_host.load(load_request)
    stream = fresh_host.generate(_greedy(400))
    next(stream)
    results = []
    reader = threading.Thread(target=lambda: results.append(stream.result))
    reader.start()
    fresh_host.close()
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert results[0].finish_reason == "cancelled"
    assert fresh_host.host_pid is None


def test_default_load_settings_generate_and_score(
    fresh_host: ModelHost, load_request: LoadRequest
) -> None:
    # The other tests run single-threaded; this one takes llama.cpp's thread defaults, where a
    # short prefill switches to the generation thread count.
    info = fresh_host.load(replace(load_request, settings=LoadSettings()))
    resolved = info.fingerprint_base["resolved_load_settings"]
    assert resolved["n_threads"] >= 1
    assert fresh_host.generate_text(_greedy(4)).completion_tokens == 4
    assert fresh_host.generate_text(_greedy(4)).completion_tokens == 4  # cached: 2-token prefill
    score = fresh_host.score(ScoreRequest(PROMPT, (" fire", " the wheel")))
    assert all(s.logprob < 0 for s in score.scores)
