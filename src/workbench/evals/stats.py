"""The statistics of a run: Wilson intervals, exact McNemar tests, distributions.

Pure Python, no SciPy. Sources:

- Wilson score interval: E. B. Wilson, *Probable Inference, the Law of Succession, and
  Statistical Inference*, JASA 22 (1927); the interval Agresti & Coull (1998) recommend for
  small samples.
- McNemar's exact test: Q. McNemar (1947); the exact version is the two-sided binomial test of
  the discordant pairs, ``b`` of ``b + c`` with ``p = 1/2`` (Fagerland, Lydersen & Laake, *The
  McNemar test for binary matched-pairs data*, BMC Med Res Methodol 13:91, 2013). Two-sided by
  R's ``binom.test`` rule: the sum of the probabilities of outcomes no more likely than the one
  observed.
- Quantiles: linear interpolation between order statistics (Hyndman & Fan type 7, the default
  of R and NumPy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Any

_RELATIVE_TOLERANCE = 1 + 1e-7  # R's binom.test tolerance for "no more likely"


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; ``(0, 1)`` when ``n`` is 0."""
    if n == 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, got {successes} of {n}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def binomial_pmf(k: int, n: int, p: float = 0.5) -> float:
    """P(X = k) for X ~ Binomial(n, p), computed in log space (exact enough for any n)."""
    if not 0 <= k <= n:
        return 0.0
    if p in (0.0, 1.0):
        return float(k == (n if p == 1.0 else 0))
    log_value = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    return math.exp(log_value)


def binomial_test(k: int, n: int, p: float = 0.5) -> float:
    """Two-sided exact binomial test p-value of ``k`` successes in ``n`` trials."""
    if n == 0:
        return 1.0
    observed = binomial_pmf(k, n, p)
    limit = observed * _RELATIVE_TOLERANCE
    total = sum(prob for i in range(n + 1) if (prob := binomial_pmf(i, n, p)) <= limit)
    return min(1.0, total)


def mcnemar_exact(b: int, c: int) -> float:
    """McNemar's exact test p-value for ``b`` and ``c`` discordant pairs (1 when none).

    With ``p = 1/2`` every probability is ``C(n, i) / 2^n`` and the distribution is symmetric,
    so the outcomes no more likely than ``b`` are the two tails beyond ``min(b, c)``: the
    p-value is twice one tail, summed exactly in integers and rounded once. The tail is built
    term by term (``C(n, i + 1) = C(n, i) (n - i) / (i + 1)``), linear in ``min(b, c)``, so
    10,000 discordant pairs take milliseconds, not the seconds a binomial per outcome took.
    """
    n = b + c
    if b == c:
        return 1.0
    term, tail = 1, 0
    for i in range(min(b, c) + 1):
        tail += term
        term = term * (n - i) // (i + 1)
    return min(1.0, float(Fraction(2 * tail, 2**n)))


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of already sorted values, by linear interpolation (type 7)."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


@dataclass(frozen=True)
class Distribution:
    """Summary of a set of measurements (all None when there are none)."""

    n: int
    mean: float | None = None
    minimum: float | None = None
    median: float | None = None
    p90: float | None = None
    maximum: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def describe(values: Sequence[float | None]) -> Distribution:
    """The distribution of the values that are not None."""
    present = sorted(v for v in values if v is not None and math.isfinite(v))
    if not present:
        return Distribution(0)
    return Distribution(
        n=len(present),
        mean=sum(present) / len(present),
        minimum=present[0],
        median=quantile(present, 0.5),
        p90=quantile(present, 0.9),
        maximum=present[-1],
    )
