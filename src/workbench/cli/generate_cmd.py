"""``workbench generate``: one generation from a registered model, streamed to stdout."""

from __future__ import annotations

import signal
import sys

import click

from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.engine import (
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    LoadSettings,
    ModelHost,
    SamplingSettings,
)
from workbench.inventory import get_model
from workbench.paths import logs_dir
from workbench.store.settings_repo import get_setting


@click.command()
@click.argument("prompt")
@click.option("-m", "--model", "model_name", required=True, help="Registered model name.")
@click.option("-s", "--system", help="System message (chat mode).")
@click.option("--raw", is_flag=True, help="Send PROMPT as is, without the chat template.")
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option("--top-p", type=float, default=0.95, show_default=True)
@click.option("--top-k", type=int, default=40, show_default=True)
@click.option("--max-tokens", type=int, default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--stop", multiple=True, help="Stop sequence (repeatable).")
@click.option("--ctx", "context_size", type=int, default=2048, show_default=True)
@click.option("--threads", type=int, help="CPU threads (default: setting or llama.cpp's).")
@click.option("--gpu-layers", type=int, help="Layers to offload to a GPU: -1 all, 0 none.")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@pass_context
def generate(
    state: CliContext,
    prompt: str,
    model_name: str,
    system: str | None,
    raw: bool,
    temperature: float,
    top_p: float,
    top_k: int,
    max_tokens: int,
    seed: int,
    stop: tuple[str, ...],
    context_size: int,
    threads: int | None,
    gpu_layers: int | None,
    as_json: bool,
) -> None:
    """Generate a reply to PROMPT with MODEL, streaming the text to stdout."""
    if raw and system:
        raise click.UsageError("--system needs chat mode; drop --raw or --system.")
    record = get_model(state.store, model_name)
    settings = LoadSettings(
        context_size=context_size,
        threads=threads
        if threads is not None
        else get_setting(state.store, "engine.default_threads"),
        gpu_layers=gpu_layers
        if gpu_layers is not None
        else int(get_setting(state.store, "engine.default_gpu_layers", 0)),
        seed=seed,
    )
    sampling = SamplingSettings(
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_tokens=max_tokens,
        stop=stop,
        seed=seed,
    )
    if raw:
        request = GenerationRequest(prompt=prompt, sampling=sampling)
    else:
        messages = ((ChatMessage("system", system),) if system else ()) + (
            ChatMessage("user", prompt),
        )
        request = GenerationRequest(messages=messages, sampling=sampling)
    with ModelHost(log_path=logs_dir(state.home) / "model-host.log") as host:
        host.load(
            LoadRequest(
                model_path=record.path,
                model_sha256=record.sha256,
                settings=settings,
                model_name=record.name,
            )
        )
        result = _stream(host, request, echo=not as_json)
    if as_json:
        echo_json(result.to_dict())
    elif sys.stderr.isatty():
        click.echo(
            f"\n[{result.prompt_tokens} prompt + {result.completion_tokens} completion tokens, "
            f"first token {result.time_to_first_token_s * 1000:.0f} ms, "
            f"{result.tokens_per_second:.1f} tokens/s, {result.finish_reason}]",
            err=True,
        )
    else:
        click.echo()


def _stream(host: ModelHost, request: GenerationRequest, *, echo: bool) -> GenerationResult:
    stream = host.generate(request)
    # Ctrl+C cancels the generation and the partial result is still reported. A handler, not
    # a KeyboardInterrupt caught around the loop: an exception raised while a message is half
    # read from the host's pipe would leave the pipe unusable.
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: host.cancel())
    try:
        for chunk in stream:
            if echo:
                click.echo(chunk.text, nl=False)
                sys.stdout.flush()
    finally:
        signal.signal(signal.SIGINT, previous)
    return stream.result
