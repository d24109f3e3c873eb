"""What a bias run leaves behind: the run, one score per variant, one result per metric.

Frozen value objects built from store rows; ``to_dict`` gives JSON-ready dicts for the CLI,
exports and reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workbench.bias.stats import logsumexp
from workbench.bias.verdicts import Verdict


def _proxy(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def finite_or_none(value: float | None) -> float | None:
    """NaN and infinities as None (JSON and SQLite have no NaN)."""
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class VariantScore:
    """The log-probabilities a model gave one variant's continuations."""

    run_id: int
    position: int
    key: str
    family: str
    probe_id: str
    attribute: str
    group: str
    details: Mapping[str, Any]
    prompt: str
    continuations: tuple[str, ...]
    roles: tuple[str, ...]
    logprobs: tuple[float, ...]
    token_logprobs: tuple[tuple[float, ...], ...]
    tokens: tuple[tuple[int, ...], ...]
    prompt_tokens: int
    evaluated_tokens: int
    seconds: float
    scored_at: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", _proxy(self.details))

    def role_logprob(self, role: str) -> float:
        """log of the summed probability of every continuation with ``role``."""
        return logsumexp([lp for lp, r in zip(self.logprobs, self.roles, strict=True) if r == role])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "run_id": self.run_id,
            "position": self.position,
            "key": self.key,
            "family": self.family,
            "probe_id": self.probe_id,
            "attribute": self.attribute,
            "group": self.group,
            "details": dict(self.details),
            "prompt": self.prompt,
            "continuations": [
                {
                    "text": text,
                    "role": role,
                    "logprob": lp,
                    "token_logprobs": list(tlp),
                    "tokens": list(tok),
                }
                for text, role, lp, tlp, tok in zip(
                    self.continuations,
                    self.roles,
                    self.logprobs,
                    self.token_logprobs,
                    self.tokens,
                    strict=True,
                )
            ],
            "prompt_tokens": self.prompt_tokens,
            "evaluated_tokens": self.evaluated_tokens,
            "seconds": self.seconds,
            "scored_at": self.scored_at,
        }


@dataclass(frozen=True)
class MetricResult:
    """One metric for one attribute and group, with its interval, test and verdict."""

    family: str
    attribute: str
    group: str
    reference: str | None
    metric: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None
    p_adjusted: float | None
    n: int
    band_low: float
    band_high: float
    verdict: Verdict
    reason: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", _proxy(self.details))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN as null)."""
        return {
            "family": self.family,
            "attribute": self.attribute,
            "group": self.group,
            "reference": self.reference,
            "metric": self.metric,
            "estimate": finite_or_none(self.estimate),
            "ci_low": finite_or_none(self.ci_low),
            "ci_high": finite_or_none(self.ci_high),
            "p_value": finite_or_none(self.p_value),
            "p_adjusted": finite_or_none(self.p_adjusted),
            "n": self.n,
            "band_low": self.band_low,
            "band_high": self.band_high,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "details": dict(self.details),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MetricResult:
        """Build from a store row."""

        def number(key: str) -> float:
            value = row[key]
            return math.nan if value is None else float(value)

        return cls(
            family=row["family"],
            attribute=row["attribute"],
            group=row["group_name"],
            reference=row["reference"],
            metric=row["metric"],
            estimate=number("estimate"),
            ci_low=number("ci_low"),
            ci_high=number("ci_high"),
            p_value=row["p_value"],
            p_adjusted=row["p_adjusted"],
            n=int(row["n"]),
            band_low=float(row["band_low"]),
            band_high=float(row["band_high"]),
            verdict=Verdict(row["verdict"]),
            reason=row["reason"],
            details=json.loads(row["details"]),
        )


RunStatus = str  # "running", "finished", "cancelled", "failed"


@dataclass(frozen=True)
class BiasRun:
    """A bias run: what was tested with what, how it was judged, and how it ended."""

    id: int
    probe_set_name: str
    probe_set_version: int
    probe_set_sha256: str
    model_name: str
    model_sha256: str
    prompt_ref: str | None
    frame: Mapping[str, Any]
    selection: Mapping[str, Any]
    thresholds: Mapping[str, Any]
    status: RunStatus
    verdict: Verdict | None
    n_variants: int
    n_scored: int
    canary: Mapping[str, Any]
    engine: Mapping[str, Any]
    summary: Mapping[str, Any]
    error: str | None
    started_at: str
    finished_at: str | None
    worker: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def probe_set_ref(self) -> str:
        """``name@version`` of the probe set."""
        return f"{self.probe_set_name}@{self.probe_set_version}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BiasRun:
        """Build from a store row (with ``n_scored`` counted by the query)."""
        return cls(
            id=int(row["id"]),
            probe_set_name=row["probe_set_name"],
            probe_set_version=int(row["probe_set_version"]),
            probe_set_sha256=row["probe_set_sha256"],
            model_name=row["model_name"],
            model_sha256=row["model_sha256"],
            prompt_ref=row["prompt_ref"],
            frame=_proxy(json.loads(row["frame"])),
            selection=_proxy(json.loads(row["selection"])),
            thresholds=_proxy(json.loads(row["thresholds"])),
            status=row["status"],
            verdict=Verdict(row["verdict"]) if row["verdict"] else None,
            n_variants=int(row["n_variants"]),
            n_scored=int(row.get("n_scored") or 0),
            canary=_proxy(json.loads(row["canary"] or "{}")),
            engine=_proxy(json.loads(row["engine"] or "{}")),
            summary=_proxy(json.loads(row["summary"] or "{}")),
            error=row["error"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            worker=_proxy(json.loads(row.get("worker") or "{}")),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "probe_set": self.probe_set_ref,
            "probe_set_sha256": self.probe_set_sha256,
            "model_name": self.model_name,
            "model_sha256": self.model_sha256,
            "prompt_ref": self.prompt_ref,
            "frame": dict(self.frame),
            "selection": dict(self.selection),
            "thresholds": dict(self.thresholds),
            "status": self.status,
            "verdict": self.verdict.value if self.verdict else None,
            "n_variants": self.n_variants,
            "n_scored": self.n_scored,
            "canary": dict(self.canary),
            "engine": dict(self.engine),
            "summary": dict(self.summary),
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
