"""Scoring, weighting, aggregation, grading and rating methods of the index engine.

Pure, vectorised numpy functions with no Django import: the engine (and its DuckDB and Spark
back ends) hands them arrays of per-unit values and stores what they return. The conventions:

- A *score* runs from 0 to 100 and 100 is best, whatever the raw measure's direction.
- ``direction`` is ``"lower_is_better"`` (counts of incidents) or ``"higher_is_better"`` (rates of
  satisfaction, participation).
- Missing is NaN, and NaN stays NaN: no method turns a missing value into a zero. Where a method
  must decide (aggregation, filling), it says so in a mask it returns.
- Cross-sectional methods (min-max, z-score, rank) compare peers in one period; they take an
  optional ``groups`` array so that villages and communities are compared only among themselves.

Method references: the OECD/JRC *Handbook on Constructing Composite Indicators* (2008) for
normalisation, weighting and aggregation; Saaty's analytic hierarchy process for pairwise weights
with the consistency ratio CR = CI / RI, CI = (λmax − n) / (n − 1), accepted below 0.10.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

LOWER = "lower_is_better"
HIGHER = "higher_is_better"
DIRECTIONS = (LOWER, HIGHER)

# Saaty's random consistency index: the mean CI of random reciprocal matrices of order n.
SAATY_RI: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}
# Named random-index tables; a definition names one (or passes its own mapping to ahp_weights).
RI_TABLES: dict[str, Mapping[int, float]] = {"saaty": SAATY_RI}
CR_THRESHOLD = 0.1

DEFAULT_GRADE_BANDS: tuple[tuple[float, str], ...] = (
    (90.0, "blue"),
    (80.0, "yellow"),
    (70.0, "orange"),
    (-math.inf, "red"),
)
DEFAULT_STAR_BANDS: tuple[tuple[float, int], ...] = (
    (90.0, 5),
    (80.0, 4),
    (70.0, 3),
    (60.0, 2),
    (-math.inf, 1),
)
DEFAULT_STAR_SHARES: tuple[float, ...] = (0.35, 0.25, 0.20, 0.15, 0.05)
DEFAULT_ESCALATION: dict[int, str] = {3: "warning", 4: "summons", 5: "accountability"}


class InconsistentMatrix(ValueError):
    """A pairwise-comparison matrix whose consistency ratio is at or above the threshold."""

    def __init__(self, cr: float, threshold: float, lambda_max: float, n: int):
        self.cr = cr
        self.threshold = threshold
        self.lambda_max = lambda_max
        self.n = n
        super().__init__(
            f"pairwise matrix is inconsistent: CR = {cr:.4f} (λmax = {lambda_max:.4f}, n = {n}); "
            f"it must be below {threshold:g} — revise the judgements"
        )


class AHPResult(NamedTuple):
    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float


class Aggregate(NamedTuple):
    values: np.ndarray  # per unit; NaN where no leaf is present
    complete: np.ndarray  # bool per unit: every weighted leaf was present


class Filled(NamedTuple):
    values: np.ndarray
    incomplete: np.ndarray  # bool: still missing after the rule (the score is incomplete)
    imputed: np.ndarray  # bool: the value was missing and the rule supplied it


class Ranked(NamedTuple):
    rank: np.ndarray  # 1 = best; ties share the better rank (1, 2, 2, 4); NaN where unscored
    move: np.ndarray  # previous rank − rank: + moved up, − moved down; NaN where either is missing


# --------------------------------------------------------------------------------------------
# helpers


def _floats(values: ArrayLike) -> np.ndarray:
    """A float array; None becomes NaN."""
    return np.asarray(values, dtype="float64")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")


def _oriented(values: np.ndarray, direction: str) -> np.ndarray:
    """Values turned so that higher is better."""
    _check_direction(direction)
    return -values if direction == LOWER else values


def _by_group(fn, values: np.ndarray, groups: ArrayLike | None) -> np.ndarray:
    """Apply a cross-sectional ``fn`` (1-D float array → same shape) within each group."""
    if groups is None:
        return fn(values)
    groups = np.asarray(groups)
    if groups.shape != values.shape:
        raise ValueError(f"groups has shape {groups.shape}, values {values.shape}")
    out = np.full(values.shape, np.nan)
    for g in np.unique(groups):
        sel = groups == g
        out[sel] = fn(values[sel])
    return out


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ascending ranks 1..n of a NaN-free 1-D array, ties given the mean of the ranks they span."""
    s = np.sort(x)
    below = np.searchsorted(s, x, side="left")  # values strictly smaller
    upto = np.searchsorted(s, x, side="right")  # values smaller or equal
    return (below + 1 + upto) / 2.0


def _competition_ranks_desc(x: np.ndarray) -> np.ndarray:
    """Descending ranks (1 = largest) of a NaN-free 1-D array, ties sharing the best (1, 2, 2, 4)."""
    s = np.sort(x)
    greater = x.size - np.searchsorted(s, x, side="right")
    return greater + 1.0


# --------------------------------------------------------------------------------------------
# scoring a leaf


def goalposts(values: ArrayLike, *, worst: float, best: float) -> np.ndarray:
    """Linear score between fixed goalposts: ``100 × (x − worst) / (best − worst)``, clipped to 0..100.

    The JRC "goalposts" normalisation: a value at ``worst`` or beyond scores 0, at ``best`` or beyond
    100. The order of the goalposts gives the direction (``worst=10, best=0`` for a count where lower
    is better), so the score is comparable across periods, unlike min-max over peers.
    """
    if worst == best:
        raise ValueError("goalposts: worst and best must differ")
    x = _floats(values)
    return np.clip(100.0 * (x - worst) / (best - worst), 0.0, 100.0)


def per_capita(counts: ArrayLike, population: ArrayLike, *, per: float = 1000.0) -> np.ndarray:
    """Rate per ``per`` residents: ``counts / population × per``; NaN where population is 0 or missing.

    Star ratings use counts per 1,000 residents, Huizhou per 10,000: a rate makes units of
    different size comparable before they are scored.
    """
    c = _floats(counts)
    p = _floats(population)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, c / np.where(p > 0, p, 1.0) * per, np.nan)


def baseline_mean(history: ArrayLike, *, last: int | None = None) -> np.ndarray:
    """Baseline as the mean of past periods: ``history`` is (periods, units), oldest row first.

    ``last=N`` takes the mean of the last N rows (Shanghai: a 15-week rolling average; Huizhou: the
    previous year's average), ignoring missing periods; a unit with no value in the window gets NaN.
    "Same period last year" needs no helper: it is one row of the history.
    """
    h = _floats(history)
    if h.ndim == 1:
        h = h[:, None]
    if last is not None:
        if last < 1:
            raise ValueError("baseline_mean: last must be at least 1")
        h = h[-last:]
    present = ~np.isnan(h)
    n = present.sum(axis=0)
    total = np.where(present, h, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def baseline_ratio(
    values: ArrayLike,
    baseline: ArrayLike,
    *,
    direction: str,
    cap: float = 2.0,
    par: float = 100.0,
    min_baseline: float = 0.0,
) -> np.ndarray:
    """Score a value by its ratio to a baseline (same period last year, mean of the last N periods).

    Let the *deterioration ratio* be ``d = x / b`` when lower is better and ``d = b / x`` when higher
    is better, so that ``d > 1`` always means worse than the baseline and the two directions are
    symmetric (doubling incidents and halving satisfaction both give ``d = 2``). Then::

        d ≥ 1:  score = par × (cap − d) / (cap − 1)                 (par at d = 1, 0 at d = cap)
        d < 1:  score = par + (100 − par) × (1 − d) / (1 − 1/cap)    (100 at d = 1/cap)

    clipped to 0..100. The mapping is monotone, bounded, and linear on each side. With the default
    ``par=100`` a unit at or better than its baseline scores 100 and one ``cap`` times worse scores
    0; a lower ``par`` (say 80) leaves room to reward improvement.

    A baseline of 0: ``0 / 0`` is parity (``par``); a positive count against a zero baseline is an
    unbounded deterioration (0). For sparse counts, where that is too harsh, raise the baseline to a
    floor with ``min_baseline`` (e.g. 1 event) or use :func:`poisson_score`. Missing stays NaN.
    """
    _check_direction(direction)
    if not cap > 1:
        raise ValueError("baseline_ratio: cap must be greater than 1")
    if not 0 <= par <= 100:
        raise ValueError("baseline_ratio: par must lie in 0..100")
    x = _floats(values)
    b = _floats(baseline)
    x, b = np.broadcast_arrays(x, b)
    if np.any(x < 0) or np.any(b < 0):
        raise ValueError("baseline_ratio: values and baselines must be non-negative")
    b = np.maximum(b, min_baseline)
    num, den = (x, b) if direction == LOWER else (b, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = num / den  # 0/0 → NaN, k/0 → inf
    d = np.where((num == 0) & (den == 0), 1.0, d)
    with np.errstate(invalid="ignore"):  # d = inf: the unused branch may be 0 × inf
        worse = par * (cap - d) / (cap - 1.0)
        better = par + (100.0 - par) * (1.0 - d) / (1.0 - 1.0 / cap)
        score = np.where(d >= 1.0, worse, better)
    score = np.clip(score, 0.0, 100.0)
    return np.where(np.isnan(x) | np.isnan(b), np.nan, score)


# Above this expected count a Poisson or negative-binomial count is read with the normal
# approximation (continuity-corrected, same mean and variance): summing the mass term by term
# would take as many steps as the count (a month of a city's hotline calls: 190,000), and at these
# sizes the two differ by about a tenth of a score point.
NORMAL_FROM = 2000.0
_lgamma = np.frompyfunc(math.lgamma, 1, 1)
_erf = np.frompyfunc(math.erf, 1, 1)


def _mass_below_and_at(k: np.ndarray, mu: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P(X < k)`` and ``P(X = k)`` elementwise, for X Poisson with mean μ (φ = 1) or negative
    binomial with mean μ and variance φμ (φ > 1: size r = μ/(φ − 1), success probability 1/φ).

    Exact below `NORMAL_FROM`: the mass is summed from where it becomes noticeable (12 standard
    deviations below the mean, or k itself when lower) up to k, by the recurrences
    ``P(j+1) = P(j) μ/(j+1)`` and ``P(j+1) = P(j) (j+r)/(j+1) (1−1/φ)`` in log space, started from
    the exact ``P(lo)`` (log-gamma); what lies below the start is under 1e-30.
    """
    below = np.zeros(k.shape)
    at = np.zeros(k.shape)
    if k.size == 0:
        return below, at
    sd = np.sqrt(phi * mu)
    big = mu >= NORMAL_FROM
    if big.any():
        z_lo = (k[big] - 0.5 - mu[big]) / sd[big]
        z_hi = (k[big] + 0.5 - mu[big]) / sd[big]
        cdf_lo = 0.5 * (1.0 + _erf(z_lo / math.sqrt(2.0)).astype(float))
        cdf_hi = 0.5 * (1.0 + _erf(z_hi / math.sqrt(2.0)).astype(float))
        below[big], at[big] = cdf_lo, cdf_hi - cdf_lo
    small = ~big
    if not small.any():
        return below, at
    ks, ms, ps = k[small], mu[small], phi[small]
    lo = np.minimum(ks, np.maximum(0, np.floor(ms - 12.0 * sd[small] - 12.0))).astype(np.int64)
    # φ within 1e-4 of 1 is the Poisson: the negative binomial's size r = μ/(φ − 1) would be so
    # large that log-gamma differences lose their digits
    nb = ps > 1.0 + 1e-4
    r = np.where(nb, ms / np.where(nb, ps - 1.0, 1.0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = np.log(ms)
        log_q = np.where(nb, np.log1p(-1.0 / np.where(nb, ps, 2.0)), 0.0)
        lg_lo = _lgamma(lo + 1.0).astype(float)
        log_p = np.where(
            nb,
            _lgamma(lo + r).astype(float) - _lgamma(r).astype(float) - lg_lo - r * np.log(ps) + lo * log_q,
            np.where(lo == 0, -ms, lo * log_mu - ms - lg_lo),
        )
        b = np.zeros(ks.shape)
        a = np.zeros(ks.shape)
        for t in range(int((ks - lo).max()) + 1):
            j = lo + t
            p = np.exp(log_p)
            b += np.where(j < ks, p, 0.0)
            a += np.where(j == ks, p, 0.0)
            log_p = log_p + np.where(nb, np.log((j + r) / (j + 1.0)) + log_q, log_mu - np.log(j + 1.0))
    below[small], at[small] = np.minimum(b, 1.0), a
    return below, at


def dispersion(history: ArrayLike, *, minimum_periods: int = 5, cap: float = 10.0) -> np.ndarray:
    """Overdispersion φ = variance / mean of past counts per unit (columns of ``history``, periods
    as rows), at least 1 (Poisson) and at most ``cap``; 1 where fewer than ``minimum_periods`` are
    present or the mean is 0. Real incident counts vary more than Poisson (weekdays, weather,
    campaigns), and a city-wide count of 80 a day would otherwise look alarming at 90."""
    h = _floats(history)
    if h.ndim == 1:
        h = h[:, None]
    present = ~np.isnan(h)
    n = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, h, 0.0).sum(axis=0) / np.maximum(n, 1)
        var = np.where(present, (h - mean) ** 2, 0.0).sum(axis=0) / np.maximum(n - 1, 1)
        phi = np.where((n >= minimum_periods) & (mean > 0), var / np.where(mean > 0, mean, 1.0), 1.0)
    return np.clip(phi, 1.0, cap)


def count_tails(
    counts: ArrayLike, expected: ArrayLike, *, dispersion: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``P(X ≤ k)`` and ``P(X ≥ k)`` elementwise for X Poisson with mean ``expected`` (negative
    binomial with variance φ × mean where ``dispersion`` φ > 1). How surprising a count is, in
    either direction: the aberration tests of the daily index and the delivery check use them.
    Missing stays NaN."""
    k = _floats(counts)
    lam = _floats(expected)
    k, lam = np.broadcast_arrays(k, lam)
    missing = np.isnan(k) | np.isnan(lam)
    lower = np.full(k.shape, np.nan)
    upper = np.full(k.shape, np.nan)
    kv, lv = k[~missing], lam[~missing]
    if np.any(kv < 0) or np.any(kv != np.floor(kv)) or np.any(lv < 0):
        raise ValueError("count_tails: counts are non-negative integers, expectations non-negative")
    phi = np.ones(kv.shape) if dispersion is None else np.broadcast_to(_floats(dispersion), k.shape)[~missing]
    phi = np.where(lv > 0, np.maximum(np.nan_to_num(phi, nan=1.0), 1.0), 1.0)
    below, at = _mass_below_and_at(kv.astype("int64"), lv, phi)
    lower[~missing] = np.clip(below + at, 0.0, 1.0)
    upper[~missing] = np.clip(1.0 - below, 0.0, 1.0)
    return lower, upper


def poisson_score(
    counts: ArrayLike, expected: ArrayLike, *, direction: str = LOWER, dispersion: ArrayLike | None = None
) -> np.ndarray:
    """Probability score of a sparse count against its expectation, on the Poisson mid-p.

    Daily counts per street are small (0, 1, 2 …), and a ratio to the baseline jumps from "perfect"
    to "twice as bad" with one event. Instead, with X ~ Poisson(λ = expected)::

        lower is better:   score = 100 × (P(X > k) + ½ P(X = k))
        higher is better:  score = 100 × (P(X < k) + ½ P(X = k))

    — the share of ordinary days that would have been worse, counting ties as half (the mid-p, so
    that a count equal to its expectation scores near 50 rather than being pushed up or down by
    the discreteness). The two directions add up to 100. Examples (lower is better): k = 0 on a day
    with λ = 0.2 scores 100 × (1 − ½ e^−0.2) = 59.06 (a quiet day is the usual day); k = 0 with
    λ = 5 scores 99.66; k = 1 with λ = 1 scores 100 × (1 − 1.5 e^−1) = 44.82; far above λ scores ~0.
    With λ = 0 a zero count scores 50 and any event 0.

    The distribution is computed with numpy (no scipy dependency), summing the mass exactly up to
    an expected count of `NORMAL_FROM`, by the normal approximation above. With ``dispersion`` φ > 1
    (see :func:`dispersion`) the count is read against a negative binomial with the same mean and
    variance φλ — the quasi-Poisson practice of outbreak detection (Farrington et al.). Counts must be
    non-negative integers (score rates with :func:`baseline_ratio`); missing stays NaN.
    """
    _check_direction(direction)
    k = _floats(counts)
    lam = _floats(expected)
    k, lam = np.broadcast_arrays(k, lam)
    missing = np.isnan(k) | np.isnan(lam)
    kv = k[~missing]
    lv = lam[~missing]
    if np.any(kv < 0) or np.any(kv != np.floor(kv)):
        raise ValueError("poisson_score: counts must be non-negative integers")
    if np.any(lv < 0) or np.any(np.isinf(lv)):
        raise ValueError("poisson_score: expected counts must be finite and non-negative")
    phi = np.ones(kv.shape) if dispersion is None else np.broadcast_to(_floats(dispersion), k.shape)[~missing]
    phi = np.where(lv > 0, np.maximum(phi, 1.0), 1.0)  # no spread around an expectation of 0
    below, at = _mass_below_and_at(kv.astype("int64"), lv, phi)
    s = 100.0 * (1.0 - below - 0.5 * at) if direction == LOWER else 100.0 * (below + 0.5 * at)
    out = np.full(k.shape, np.nan)
    out[~missing] = np.clip(s, 0.0, 100.0)
    return out


def minmax(values: ArrayLike, *, direction: str, groups: ArrayLike | None = None) -> np.ndarray:
    """Min-max among peers: ``100 × (x − min) / (max − min)`` (flipped when lower is better).

    Cross-sectional, for monthly rankings only: the best peer scores 100 and the worst 0 whatever
    their absolute level, so scores are not comparable across periods. Peers all equal score 50;
    NaN stays NaN and is not a peer.
    """
    x = _oriented(_floats(values), direction)

    def fn(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        out = np.full(v.shape, np.nan)
        if not ok.any():
            return out
        lo, hi = v[ok].min(), v[ok].max()
        out[ok] = 50.0 if hi == lo else 100.0 * (v[ok] - lo) / (hi - lo)
        return out

    return _by_group(fn, x, groups)


def zscore(values: ArrayLike, *, direction: str, groups: ArrayLike | None = None) -> np.ndarray:
    """Z-score among peers mapped to 0..100: ``clip(50 + 10 z, 0, 100)``, z = (x − mean) / sd.

    The population standard deviation (ddof = 0) of the present peers; z is negated when lower is
    better. 50 is the peer mean and each standard deviation is 10 points (a "T-score"), so ±5 sd
    reach the bounds. Peers all equal score 50; NaN stays NaN.
    """
    x = _oriented(_floats(values), direction)

    def fn(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        out = np.full(v.shape, np.nan)
        if not ok.any():
            return out
        sd = v[ok].std()
        z = np.zeros(ok.sum()) if sd == 0 else (v[ok] - v[ok].mean()) / sd
        out[ok] = np.clip(50.0 + 10.0 * z, 0.0, 100.0)
        return out

    return _by_group(fn, x, groups)


def rank_score(values: ArrayLike, *, direction: str, groups: ArrayLike | None = None) -> np.ndarray:
    """Rank among peers as a score: ``100 × (r − 1) / (n − 1)``, r the ascending rank of the merit.

    The best peer scores 100, the worst 0, ties get the mean of the ranks they span; robust to
    outliers, unlike min-max. A single peer (or all tied) scores 50; NaN stays NaN.
    """
    x = _oriented(_floats(values), direction)

    def fn(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        out = np.full(v.shape, np.nan)
        n = int(ok.sum())
        if n == 0:
            return out
        out[ok] = 50.0 if n == 1 else 100.0 * (_average_ranks(v[ok]) - 1.0) / (n - 1)
        return out

    return _by_group(fn, x, groups)


# --------------------------------------------------------------------------------------------
# weights


def normalise_weights(weights: ArrayLike) -> np.ndarray:
    """Direct weights scaled to sum to 1 (60/20/20 → 0.6, 0.2, 0.2); all must be ≥ 0, some > 0."""
    w = _floats(weights)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-D sequence")
    if np.any(np.isnan(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"weights must be non-negative with a positive sum, not {w.tolist()}")
    return w / w.sum()


def ahp_weights(
    matrix: ArrayLike,
    *,
    ri: str | Mapping[int, float] = "saaty",
    threshold: float = CR_THRESHOLD,
    labels: Sequence[str] | None = None,
    reciprocal_tolerance: float = 0.01,
) -> AHPResult:
    """AHP weights from a pairwise-comparison matrix, with Saaty's consistency check.

    ``matrix[i][j]`` says how much more important criterion i is than j (1 … 9 and reciprocals);
    it must be positive with ``a_ii = 1`` and ``a_ji = 1 / a_ij`` (within ``reciprocal_tolerance``,
    relative, so 0.333 passes for 1/3). The weights are the principal (Perron) eigenvector scaled to
    sum to 1, with eigenvalue λmax ≥ n; then::

        CI = (λmax − n) / (n − 1),   CR = CI / RI(n)

    RI from the named table (``"saaty"``: :data:`SAATY_RI`) or a mapping passed in. For n ≤ 2 the
    matrix is always consistent (CI = CR = 0). :class:`InconsistentMatrix` is raised when
    CR ≥ ``threshold`` (0.1), since the judgements then contradict each other too much to be used.
    """
    a = _floats(matrix)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"pairwise matrix must be square, not of shape {a.shape}")
    n = a.shape[0]
    if labels is not None and len(labels) != n:
        raise ValueError(f"{len(labels)} labels for a {n}×{n} matrix")

    def cell(i: int, j: int) -> str:
        if labels is not None:
            return f"matrix[{i}][{j}] ({labels[i]} vs {labels[j]})"
        return f"matrix[{i}][{j}]"

    for i in range(n):
        for j in range(n):
            v = float(a[i, j])
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{cell(i, j)} = {v!r}: entries must be positive and finite")
        if not math.isclose(a[i, i], 1.0, rel_tol=1e-9):
            raise ValueError(f"{cell(i, i)} = {float(a[i, i])!r}: the diagonal must be 1")
    for i in range(n):
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1.0) > reciprocal_tolerance:
                raise ValueError(
                    f"{cell(j, i)} = {float(a[j, i])!r} is not the reciprocal of {cell(i, j)} = {float(a[i, j])!r} "
                    f"(expected {1.0 / a[i, j]:.6g})"
                )
    table = RI_TABLES[ri] if isinstance(ri, str) else ri
    if n == 1:
        return AHPResult(np.array([1.0]), 1.0, 0.0, 0.0)
    eigenvalues, vectors = np.linalg.eig(a)
    top = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[top].real)
    v = np.abs(vectors[:, top].real)  # the Perron vector has one sign; abs removes it
    weights = v / v.sum()
    ci = max(0.0, (lambda_max - n) / (n - 1))  # rounding can give −1e-16 for a consistent matrix
    if n <= 2:
        cr = 0.0
    else:
        if n not in table:
            raise ValueError(f"the random-index table has no entry for n = {n}")
        cr = ci / table[n]
    if cr >= threshold:
        raise InconsistentMatrix(cr, threshold, lambda_max, n)
    return AHPResult(weights, lambda_max, ci, cr)


def entropy_weights(matrix: ArrayLike) -> np.ndarray:
    """Entropy-weight method: indicators that vary more across units weigh more.

    ``matrix`` is units × indicators of non-negative scores (already oriented, e.g. 0..100). With m
    units, ``p_ij = x_ij / Σ_i x_ij``, the entropy ``e_j = −Σ_i p_ij ln p_ij / ln m`` (0 ln 0 = 0),
    the divergence ``d_j = 1 − e_j`` and ``w_j = d_j / Σ_j d_j``. An indicator equal for every unit
    has e = 1 and weight 0; an all-zero column carries no information and weighs 0. If no indicator
    diverges the weights are equal. The matrix must be complete (no NaN) with at least 2 units.
    """
    x = _floats(matrix)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] == 0:
        raise ValueError(f"entropy_weights needs units × indicators with ≥ 2 units, not {x.shape}")
    if np.any(np.isnan(x)):
        raise ValueError("entropy_weights: fill or drop missing values first")
    if np.any(x < 0):
        raise ValueError("entropy_weights: values must be non-negative (use scores, not raw values)")
    m = x.shape[0]
    col = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(col > 0, x / np.where(col > 0, col, 1.0), 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = np.where(col > 0, -plogp.sum(axis=0) / math.log(m), 1.0)
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() == 0:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return d / d.sum()


# --------------------------------------------------------------------------------------------
# aggregation, deductions, missing data


def aggregate(scores: ArrayLike, weights: ArrayLike, *, method: str = "arithmetic") -> Aggregate:
    """Weighted mean of leaf scores per unit: ``scores`` is units × leaves, ``weights`` per leaf.

    ``"arithmetic"``: ``Σ w_i s_i / Σ w_i`` — fully compensatory (a bad leaf is offset by good ones).
    ``"geometric"``: ``Π s_i^(w_i / Σ w_i)`` — partly compensatory: a 0 in any weighted leaf gives 0,
    and a unit gains more by raising its weakest leaf (the JRC handbook's argument for it).

    Missing leaves are not zeros: the weights are renormalised over the leaves present, and
    ``complete`` is False for that unit. A unit with no leaf present gets NaN. Leaves with weight 0
    are ignored. Scores must be ≥ 0 for the geometric mean.
    """
    if method not in ("arithmetic", "geometric"):
        raise ValueError(f"method must be 'arithmetic' or 'geometric', not {method!r}")
    s = _floats(scores)
    if s.ndim == 1:
        s = s[None, :]
    w = normalise_weights(weights)
    if s.shape[1] != w.size:
        raise ValueError(f"{s.shape[1]} leaves but {w.size} weights")
    used = w > 0
    s = s[:, used]
    w = w[used]
    present = ~np.isnan(s)
    wp = np.where(present, w, 0.0)
    total = wp.sum(axis=1)
    complete = present.all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = wp / np.where(total > 0, total, 1.0)[:, None]
        if method == "arithmetic":
            values = (np.where(present, s, 0.0) * wn).sum(axis=1)
        else:
            if np.any(s[present] < 0):
                raise ValueError("aggregate: the geometric mean needs non-negative scores")
            logs = np.where(present, np.log(np.where(present, s, 1.0)), 0.0)  # log 0 = −inf
            values = np.exp(np.where(wn > 0, wn * logs, 0.0).sum(axis=1))
    values = np.where(total > 0, values, np.nan)
    return Aggregate(values, complete)


def _per_kind(arg, kinds: list[str] | None, n: int, name: str, default: float) -> np.ndarray:
    """A per-kind parameter as an array: a mapping (by kind name), a sequence, a scalar or None."""
    if arg is None:
        return np.full(n, default)
    if isinstance(arg, Mapping):
        if kinds is None:
            raise ValueError(f"{name} is a mapping but the counts are not keyed by kind")
        return np.array([default if arg.get(k) is None else float(arg[k]) for k in kinds])
    a = np.array(
        [default if v is None else v for v in np.atleast_1d(np.asarray(arg, dtype=object))], dtype=float
    )
    if a.size == 1:
        return np.full(n, a[0])
    if a.size != n:
        raise ValueError(f"{name} has {a.size} entries for {n} kinds")
    return a


def deductions(
    counts_per_kind: ArrayLike | Mapping[str, ArrayLike],
    points_per_event: Sequence[float] | Mapping[str, float],
    caps: Sequence[float | None] | Mapping[str, float] | None = None,
    *,
    total_cap: float | None = None,
) -> np.ndarray:
    """Points taken off each unit's score for deaths and serious events.

    ``counts_per_kind`` is units × kinds (or a mapping kind → per-unit counts); for each kind
    ``min(count × points_per_event, cap)``, then the kinds are summed and the sum capped at
    ``total_cap``. A cap of None is no cap. The result is positive points to subtract (see
    :func:`apply_deductions`); a missing count gives NaN, not 0 off.
    """
    kinds: list[str] | None = None
    if isinstance(counts_per_kind, Mapping):
        kinds = list(counts_per_kind)
        c = np.column_stack([_floats(counts_per_kind[k]) for k in kinds])
    else:
        c = _floats(counts_per_kind)
        if c.ndim == 1:
            c = c[:, None]
    if np.any(c < 0):
        raise ValueError("deductions: counts must be non-negative")
    n = c.shape[1]
    points = _per_kind(points_per_event, kinds, n, "points_per_event", math.nan)
    if np.any(np.isnan(points)):
        raise ValueError("deductions: every kind needs points_per_event")
    cap = _per_kind(caps, kinds, n, "caps", math.inf)
    off = np.minimum(c * points, cap).sum(axis=1)  # NaN count → NaN
    if total_cap is not None:
        off = np.minimum(off, total_cap)
    return off


def apply_deductions(scores: ArrayLike, points_off: ArrayLike, *, floor: float = 0.0) -> np.ndarray:
    """``max(score − points_off, floor)``; NaN in either stays NaN."""
    return np.maximum(_floats(scores) - _floats(points_off), floor)


FILL_RULES = ("carry_last", "peer_median", "incomplete")


def fill_missing(
    values: ArrayLike,
    rule: str,
    *,
    last: ArrayLike | None = None,
    peers: ArrayLike | None = None,
    groups: ArrayLike | None = None,
) -> Filled:
    """Apply a leaf's explicit missing-data rule; never a silent zero.

    - ``"carry_last"``: a missing value takes ``last`` (the unit's previous value; a monthly feed
      carried through the days);
    - ``"peer_median"``: a missing value takes the median of the present ``peers`` values (default:
      the present ``values`` themselves), within the unit's group when ``groups`` is given;
    - ``"incomplete"``: nothing is filled.

    Returns the values, ``incomplete`` (still missing: the unit's score must be marked incomplete)
    and ``imputed`` (filled by the rule, to footnote in reports).
    """
    if rule not in FILL_RULES:
        raise ValueError(f"rule must be one of {FILL_RULES}, not {rule!r}")
    x = _floats(values).copy()
    missing = np.isnan(x)
    if rule == "carry_last":
        if last is None:
            raise ValueError("fill_missing: carry_last needs last")
        prev = np.broadcast_to(_floats(last), x.shape)
        x = np.where(missing, prev, x)
    elif rule == "peer_median":
        p = x if peers is None else _floats(peers)
        if p.shape != x.shape:
            raise ValueError("fill_missing: peers must have the shape of values")

        def med(v: np.ndarray) -> np.ndarray:
            ok = ~np.isnan(v)
            return np.full(v.shape, np.median(v[ok]) if ok.any() else np.nan)

        x = np.where(missing, _by_group(med, p, groups), x)
    incomplete = np.isnan(x)
    return Filled(x, incomplete, missing & ~incomplete)


# --------------------------------------------------------------------------------------------
# grades, streaks, escalation


def grades_by_bands(
    scores: ArrayLike, bands: Sequence[tuple[float, str]] = DEFAULT_GRADE_BANDS
) -> np.ndarray:
    """Grade by absolute bands: the first ``(threshold, label)`` with ``score ≥ threshold``.

    ``bands`` from best to worst with descending thresholds, e.g. ``[(90, "blue"), (80, "yellow"),
    (70, "orange"), (-inf, "red")]``; the last threshold should be −inf so every score is graded.
    Returns an object array of labels; None where the score is missing.
    """
    thresholds = [float(t) for t, _ in bands]
    if not bands or any(a <= b for a, b in itertools.pairwise(thresholds)):
        raise ValueError("bands must be non-empty with strictly descending thresholds")
    s = _floats(scores)
    out = np.full(s.shape, None, dtype=object)
    done = np.isnan(s)
    for t, label in bands:
        hit = ~done & (s >= t)
        out[hit] = label
        done |= hit
    if not done.all():
        raise ValueError(f"scores below the last band ({thresholds[-1]}): {s[~done].tolist()}")
    return out


def grades_by_quantiles(
    scores: ArrayLike,
    quantiles: Sequence[float] = (0.75, 0.5, 0.25),
    labels: Sequence[str] = ("blue", "yellow", "orange", "red"),
    *,
    groups: ArrayLike | None = None,
) -> np.ndarray:
    """Grade by peer quantiles: ``labels[i]`` goes to scores at or above the ``quantiles[i]`` quantile.

    Quantiles descending, one fewer than the labels (best first); the last label takes the rest. The
    defaults give the top quarter of peers blue, … the bottom quarter red, whatever the level. The
    quantiles are numpy's linear interpolation over the present peers (within ``groups``).
    """
    q = [float(v) for v in quantiles]
    if len(labels) != len(q) + 1:
        raise ValueError("grades_by_quantiles needs one more label than quantiles")
    if any(not 0 < v < 1 for v in q) or any(a <= b for a, b in itertools.pairwise(q)):
        raise ValueError("quantiles must lie in (0, 1) and be strictly descending")
    s = _floats(scores)
    groups_arr = np.zeros(s.shape, dtype=int) if groups is None else np.asarray(groups)
    out = np.full(s.shape, None, dtype=object)
    for g in np.unique(groups_arr):
        sel = groups_arr == g
        v = s[sel]
        ok = ~np.isnan(v)
        if not ok.any():
            continue
        cuts = np.quantile(v[ok], q)
        res = np.full(v.shape, None, dtype=object)
        done = ~ok
        for cut, label in zip(cuts, labels, strict=False):
            hit = ~done & (v >= cut)
            res[hit] = label
            done |= hit
        res[~done] = labels[-1]
        out[sel] = res
    return out


def grades_by_baseline(
    scores: ArrayLike,
    baseline_scores: ArrayLike,
    tolerance: float,
    *,
    labels: Sequence[str] = ("green", "yellow", "red"),
) -> np.ndarray:
    """Grade by comparison with the baseline (Huizhou: against the previous year's average).

    With ``diff = score − baseline``: above ``+tolerance`` → ``labels[0]`` (better), within
    ±tolerance → ``labels[1]`` (the same), below ``−tolerance`` → ``labels[2]`` (worse). None where
    either is missing.
    """
    if tolerance < 0 or len(labels) != 3:
        raise ValueError("grades_by_baseline needs tolerance ≥ 0 and three labels")
    s, b = np.broadcast_arrays(_floats(scores), _floats(baseline_scores))
    diff = s - b
    out = np.full(diff.shape, None, dtype=object)
    ok = ~np.isnan(diff)
    out[ok & (diff > tolerance)] = labels[0]
    out[ok & (np.abs(diff) <= tolerance)] = labels[1]
    out[ok & (diff < -tolerance)] = labels[2]
    return out


def streaks(grades_over_time: ArrayLike, *, colour: str = "red", on_missing: str = "break") -> np.ndarray:
    """Current run of consecutive ``colour`` grades per unit, ending at the latest period.

    ``grades_over_time`` is periods × units (oldest row first), or one unit's sequence. A missing
    grade (None) either breaks the run (``on_missing="break"``, the default: the run must be seen
    whole) or is skipped (``"skip"``: neither counts nor resets). Returns ints, shape (units,), or a
    0-d array for one sequence.
    """
    if on_missing not in ("break", "skip"):
        raise ValueError("on_missing must be 'break' or 'skip'")
    g = np.asarray(grades_over_time, dtype=object)
    single = g.ndim == 1
    if single:
        g = g[:, None]
    is_colour = g == colour
    missing = np.vectorize(lambda v: v is None, otypes=[bool])(g) if g.size else np.zeros(g.shape, bool)
    breaker = ~is_colour if on_missing == "break" else (~is_colour & ~missing)
    t = np.arange(g.shape[0])[:, None]
    last_break = np.where(breaker, t, -1).max(axis=0, initial=-1)
    run = (is_colour & (t > last_break)).sum(axis=0)
    return run[0] if single else run


def escalation(streak: ArrayLike, levels: Mapping[int, str] = DEFAULT_ESCALATION):
    """The highest level reached by a streak: with the Huizhou levels ``{3: "warning", 4: "summons",
    5: "accountability"}`` a run of 3 reds draws a warning notice, 4 the leaders' summons, 5 and more
    accountability; below 3, None. Scalar in, scalar out; array in, object array out."""
    s = np.asarray(streak)
    out = np.full(s.shape, None, dtype=object)
    for threshold in sorted(levels):
        out[s >= threshold] = levels[threshold]
    return out[()] if s.ndim == 0 else out


# --------------------------------------------------------------------------------------------
# stars and ranks


def stars_by_bands(scores: ArrayLike, bands: Sequence[tuple[float, int]] = DEFAULT_STAR_BANDS) -> np.ndarray:
    """Stars by score bands: ≥ 90 ★★★★★, 80–89 ★★★★, 70–79 ★★★, 60–69 ★★, < 60 ★ (by default).

    Returns floats (whole numbers) with NaN where the score is missing — an unrated unit, not a
    unit with no stars.
    """
    labels = grades_by_bands(scores, [(t, str(int(v))) for t, v in bands])
    return np.array([np.nan if v is None else float(v) for v in labels.ravel()]).reshape(labels.shape)


def stars_by_rank_share(
    scores: ArrayLike,
    groups: ArrayLike | None = None,
    shares: Sequence[float] = DEFAULT_STAR_SHARES,
) -> np.ndarray:
    """Stars by rank share within each group (villages and communities ranked separately).

    With k shares (best first, summing to 1) the stars run k … 1: the best ``shares[0]`` of the
    group's rated units get k stars, the next ``shares[1]`` k − 1, and so on. The cut after the
    first j shares is at ``round(n × Σ shares[:j])`` units (halves rounded up). A unit's position is
    its competition rank (1, 2, 2, 4), so tied units never straddle a cut: both get the better
    stars. NaN scores are unrated (NaN) and not counted in n.
    """
    sh = np.asarray(shares, dtype=float)
    if sh.ndim != 1 or sh.size == 0 or np.any(sh < 0) or not math.isclose(sh.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"shares must be non-negative and sum to 1, not {list(shares)}")
    k = sh.size
    cum = np.cumsum(sh)

    def fn(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        out = np.full(v.shape, np.nan)
        n = int(ok.sum())
        if n == 0:
            return out
        cuts = np.floor(cum * n + 0.5 + 1e-9)  # units within the first j shares
        cuts[-1] = n
        rank = _competition_ranks_desc(v[ok])
        # stars = k − (number of cuts the rank lies beyond)
        beyond = (rank[:, None] > cuts[None, :]).sum(axis=1)
        out[ok] = k - beyond
        return out

    return _by_group(fn, _floats(scores), groups)


def apply_veto(stars: ArrayLike, vetoed_mask: ArrayLike, cap: float = 3) -> np.ndarray:
    """One-vote veto (一票否决): a vetoed unit (a homicide death, a fire death, a mass incident) has
    its stars capped at ``cap``; the others keep theirs. NaN stays NaN."""
    s = _floats(stars)
    v = np.asarray(vetoed_mask, dtype=bool)
    return np.where(v, np.minimum(s, cap), s)


def rank_with_moves(
    scores: ArrayLike, previous_scores: ArrayLike | None = None, *, groups: ArrayLike | None = None
) -> Ranked:
    """Rank this period (1 = best score; ties share the better rank: 1, 2, 2, 4) and the move since
    the previous period: ``previous rank − rank``, so + is up the table and − down. Ranks are within
    ``groups`` when given; NaN scores are unranked, and the move is NaN without a previous rank.
    """

    def ranks(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        out = np.full(v.shape, np.nan)
        out[ok] = _competition_ranks_desc(v[ok])
        return out

    now = _by_group(ranks, _floats(scores), groups)
    if previous_scores is None:
        return Ranked(now, np.full(now.shape, np.nan))
    before = _by_group(ranks, _floats(previous_scores), groups)
    return Ranked(now, before - now)
