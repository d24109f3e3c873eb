"""How numbers, settings and timings read in the window (plain functions, no widgets)."""

from __future__ import annotations

from workbench.engine.messages import GenerationResult, LoadSettings


def human_bytes(size: int | None) -> str:
    """1536 -> '1.5 KiB'."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def human_count(count: int | None) -> str:
    """134515008 -> '134.5M'."""
    if count is None:
        return ""
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= threshold:
            return f"{count / threshold:.1f}{suffix}"
    return str(count)


def gpu_layers_text(gpu_layers: int) -> str:
    """-1 -> 'all layers on GPU', 0 -> 'CPU only', n -> 'n layers on GPU'."""
    if gpu_layers < 0:
        return "all layers on GPU"
    if gpu_layers == 0:
        return "CPU only"
    return f"{gpu_layers} layers on GPU"


def load_settings_text(settings: LoadSettings, n_ctx: int | None = None) -> str:
    """A one-line summary of how a model is loaded."""
    threads = f"{settings.threads} threads" if settings.threads else "auto threads"
    return (
        f"ctx {n_ctx or settings.context_size} · {threads} · "
        f"{gpu_layers_text(settings.gpu_layers)} · seed {settings.seed}"
    )


def reply_stats_text(result: GenerationResult) -> str:
    """Token counts and speed of one reply."""
    parts = [
        f"{result.prompt_tokens} prompt tokens",
        f"{result.completion_tokens} reply tokens",
        f"{result.tokens_per_second:.1f} tok/s",
        f"first token {result.time_to_first_token_s * 1000:.0f} ms",
    ]
    if result.finish_reason != "stop":
        reasons = {"length": "hit max tokens", "cancelled": "stopped"}
        parts.append(reasons.get(result.finish_reason, str(result.finish_reason)))
    return " · ".join(parts)


def speed_text(result: GenerationResult) -> str:
    """The status bar's 'last generation' figure."""
    return f"{result.completion_tokens} tok at {result.tokens_per_second:.1f} tok/s"
