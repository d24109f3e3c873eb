"""The statistics behind the verdicts: bootstrap intervals, permutation tests, Holm, Wilson.

Everything random draws from ``numpy.random.Generator(PCG64(seed))``, so a re-run with the same
seed gives the same numbers to the last digit. Sources:

- Percentile bootstrap over scenarios: Efron & Tibshirani, *An Introduction to the Bootstrap*
  (1993), ch. 13. Scenarios (not variants) are resampled, since variants of one scenario share
  its wording and are not independent.
- Paired permutation test: under "the group makes no difference", the two members of each
  scenario's pair are exchangeable, so swapping them (a sign flip for a mean difference) gives
  the null distribution. Exact over all 2^n swaps when that is small, else Monte Carlo with
  p = (1 + #extreme) / (1 + B) (Phipson & Smyth, *Permutation P-values Should Never Be Zero*,
  2010). Two-sided: extreme means ``|T* - null| >= |T - null|``.
- Holm step-down correction: Holm, *A Simple Sequentially Rejective Multiple Test Procedure*
  (1979): ``p_(i) adjusted = max_{j <= i} min(1, (m - j + 1) p_(j))``.
- Wilson score interval for proportions: Wilson, *Probable Inference...* (JASA 1927).
- Exact two-sided binomial test: the sum of the probabilities of outcomes no more likely than
  the one observed (the "minlike" method of R's ``binom.test``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Statistic = Callable[..., FloatArray]
EXACT_PERMUTATION_LIMIT = 4096  # enumerate every swap pattern up to 12 pairs
_TIE_TOLERANCE = 1e-9


def rng_for(seed: int) -> np.random.Generator:
    """The generator every resampling here uses."""
    return np.random.Generator(np.random.PCG64(seed))


def as_array(values: Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a 1-D float64 array."""
    return np.asarray(values, dtype=np.float64).reshape(-1)


def point_estimate(columns: Sequence[FloatArray], statistic: Statistic) -> float:
    """``statistic`` of the full sample (each column seen as one row of shape (1, n))."""
    return float(statistic(*(column[np.newaxis, :] for column in columns))[0])


def bootstrap_interval(
    columns: Sequence[FloatArray],
    statistic: Statistic,
    *,
    samples: int,
    seed: int,
    confidence: float,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over rows resampled with replacement.

    ``columns`` are aligned arrays of length n (one entry per scenario); ``statistic`` maps
    arrays of shape (B, n) to shape (B,). Resamples where the statistic is undefined (NaN) are
    dropped; when all are, the interval is (nan, nan).
    """
    n = len(columns[0])
    if n == 0:
        return math.nan, math.nan
    indices = rng_for(seed).integers(0, n, size=(samples, n))
    values = statistic(*(column[indices] for column in columns))
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def swap_masks(n: int, *, permutations: int, seed: int) -> tuple[npt.NDArray[np.bool_], bool]:
    """Which pairs to swap in each permutation, and whether the set is exhaustive (exact)."""
    if 2**n <= max(EXACT_PERMUTATION_LIMIT, 2):
        codes = np.arange(2**n, dtype=np.int64)[:, np.newaxis]
        return (codes >> np.arange(n, dtype=np.int64)) & 1 == 1, True
    return rng_for(seed).random((permutations, n)) < 0.5, False


def paired_permutation_pvalue(
    a: FloatArray,
    b: FloatArray,
    statistic: Statistic,
    *,
    null: float = 0.0,
    permutations: int,
    seed: int,
) -> float:
    """Two-sided p-value of ``statistic(a, b)`` against ``null`` by swapping ``a[i]``, ``b[i]``.

    ``statistic`` maps two arrays of shape (B, n) to shape (B,).
    """
    n = len(a)
    if n == 0:
        return math.nan
    observed = point_estimate((a, b), statistic)
    if not math.isfinite(observed):
        return math.nan
    masks, exact = swap_masks(n, permutations=permutations, seed=seed)
    permuted = statistic(np.where(masks, b, a), np.where(masks, a, b))
    threshold = abs(observed - null) * (1 - _TIE_TOLERANCE) - _TIE_TOLERANCE
    extreme = int(np.count_nonzero(np.abs(permuted - null) >= threshold))
    if exact:
        return extreme / len(masks)
    return (1 + extreme) / (1 + len(masks))


def holm_adjust(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values in the input order; NaN stays NaN and is not counted in m."""
    indexed = [(p, i) for i, p in enumerate(pvalues) if not math.isnan(p)]
    adjusted = [math.nan] * len(pvalues)
    m = len(indexed)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(indexed)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(successes: float, n: int, *, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a proportion: ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) /
    (1 + z²/n)``; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    z = z_value(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 and n successes the bounds are exactly 0 and 1; rounding would leave 1e-17.
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def binomial_pvalue(successes: int, n: int, p: float = 0.5) -> float:
    """Exact two-sided binomial test of ``successes`` out of ``n`` against rate ``p``."""
    if n == 0:
        return math.nan

    def log_pmf(k: int) -> float:
        return (
            math.lgamma(n + 1)
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * math.log(p)
            + (n - k) * math.log1p(-p)
        )

    observed = log_pmf(successes)
    total = sum(math.exp(log_pmf(k)) for k in range(n + 1) if log_pmf(k) <= observed + 1e-7)
    return min(1.0, total)


def logsumexp(values: Sequence[float]) -> float:
    """``log(sum(exp(values)))``, computed stably; -inf for no values."""
    if not values:
        return -math.inf
    top = max(values)
    if top == -math.inf:
        return -math.inf
    return top + math.log(sum(math.exp(v - top) for v in values))


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))`` without overflow."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)
