"""Engine fixtures: the demo model's load request, a loaded host per module, a reference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.engine import LoadRequest, LoadSettings, ModelHost
from workbench.engine.fingerprint import file_sha256


@pytest.fixture(scope="session")
def demo_model_sha256(demo_model_path: Path) -> str:
    """The demo GGUF's SHA-256, computed once."""
    return file_sha256(demo_model_path)


@pytest.fixture(scope="session")
def load_request(demo_model_path: Path, demo_model_sha256: str) -> LoadRequest:
    """Load the demo model with a 2048-token context, the size the prefill tests need.

    One thread: llama.cpp's threads spin at barriers, so with more threads than free cores (a
    busy 2-core CI machine, pytest-xdist) a short prefill can take seconds; one never waits.
    """
    return LoadRequest(
        model_path=str(demo_model_path),
        model_sha256=demo_model_sha256,
        settings=LoadSettings(context_size=2048, threads=1, seed=0),
        model_name="demo",
    )


@pytest.fixture(scope="module")
def model_host(
    load_request: LoadRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModelHost]:
    """One host with the demo model loaded, shared by a module's tests (loading costs time)."""
    host = ModelHost(log_path=tmp_path_factory.mktemp("engine") / "model-host.log")
    host.load(load_request)
    yield host
    host.close()


@pytest.fixture
def fresh_host(tmp_path: Path) -> Iterator[ModelHost]:
    """A host of its own, for tests that kill or stop its process."""
    host = ModelHost(log_path=tmp_path / "model-host.log")
    yield host
    host.close()


@pytest.fixture(scope="module")
def reference_llama(demo_model_path: Path) -> Iterator[Any]:
    """Raw llama-cpp-python in the test process, with logits for every position.

    The reference the engine is compared with: logits_all=True (n_ctx x n_vocab floats, 200 MB
    here) is what the engine avoids.
    """
    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=str(demo_model_path),
        n_ctx=1024,
        n_threads=1,
        n_threads_batch=1,
        logits_all=True,
        verbose=False,
    )
    yield llm
    llm.close()
