"""A leaf's score for every evaluated period and unit: its baseline, then its scoring method.

Arrays are periods × units over the whole window the engine read (`hist`); `rows` are the
positions of the periods being scored. Scores run 0–100, 100 best (see `methods`).

Two choices the definition schema leaves to the engine, stated here once:

- ``PAR = 80``: a unit exactly at its baseline scores 80, so that improvement is visible
  (better → up to 100 at half the baseline) and deterioration costs (0 at twice the baseline).
  The Poisson score is put on the same scale: with p the mid-p share of ordinary periods that
  would have been worse, p = ½ (a typical period) → 80, p → 1 → 100, p → 0 → 0, linear on each
  side. So a town at its usual level is "good" (yellow) on a leaf whatever the leaf's method.
- A daily baseline "same period last year" is the mean per day over the 29 days centred on the
  same date a year earlier: one day's count is too noisy to be an expectation.
- The Poisson score allows for overdispersion (quasi-Poisson, as in outbreak detection): φ, the
  variance over the mean of the past counts behind the baseline (or of the year's periods before
  this one when the baseline is a single period), turns the Poisson into a negative binomial
  with the same mean. Real counts vary more than Poisson; without it every city-wide or monthly
  count a few per cent above last year's would read as an alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from zhili.index import methods, reference
from zhili.index.periods import Period, minus_year

PAR = 80.0
BASELINE_CAP = 2.0
DAY_WINDOW = 14  # days either side of the same date last year
DISPERSION_PERIODS = 5  # the fewest past periods an overdispersion estimate stands on


@dataclass
class LeafArrays:
    """One leaf at one level: raw values, rates and the denominators behind them."""

    values: np.ndarray  # H × U, NaN = missing
    rates: np.ndarray  # H × U
    denominators: np.ndarray  # H × U: the divisor of values for rates (1 for none)


@dataclass
class Scored:
    score: np.ndarray  # E × U
    baseline: np.ndarray  # E × U: the baseline rate (NaN where none applies)
    expected: np.ndarray  # E × U: the expected count of a Poisson score (else NaN)
    posterior: tuple[np.ndarray, np.ndarray] | None = None  # gamma shape, rate of the unit's rate


class Window:
    """The periods read (`hist`), where each sits, and the peer groups of a level."""

    def __init__(self, kind: str, hist: list[Period], rows: list[int], groups: np.ndarray):
        self.kind = kind
        self.hist = hist
        self.rows = rows
        self.groups = groups
        self.position = {p.start: i for i, p in enumerate(hist)}

    def at(self, start: date) -> int | None:
        return self.position.get(start)


def par_scale(p: np.ndarray) -> np.ndarray:
    """Map a probability-like p (½ typical) to the score scale with `PAR` at ½."""
    return np.where(p >= 0.5, PAR + (100.0 - PAR) * (2.0 * p - 1.0), PAR * 2.0 * p)


def baseline_span(spec: dict, w: Window, i: int) -> tuple[int, int] | None:
    """The positions [lo, hi) in the window whose mean is the baseline of period `i` (they are
    always consecutive); None for peer_median; an empty span when the window does not reach back
    far enough (a run's first year has no "last year")."""
    method = spec["method"]
    p = w.hist[i]
    if method == "previous_period":
        return (i - 1, i) if i >= 1 else (0, 0)
    if method == "mean_last_n":
        return (i - spec["n"], i) if i >= spec["n"] else (0, 0)
    if method == "same_period_last_year":
        if w.kind == "day":
            centre = minus_year(p.start)
            lo = w.at(centre - timedelta(days=DAY_WINDOW))
            hi = w.at(centre + timedelta(days=DAY_WINDOW))
            return (lo, hi + 1) if lo is not None and hi is not None else (0, 0)
        j = w.at(p.last_year().start)
        return (j, j + 1) if j is not None else (0, 0)
    if method == "n_year_average":
        first, last = p.start.year - spec["n"], p.start.year - 1
        if w.hist[0].start > date(first, 1, 1):  # the window does not hold those whole years
            return (0, 0)
        inside = [j for j, q in enumerate(w.hist) if first <= q.start.year <= last]
        return (inside[0], inside[-1] + 1) if inside else (0, 0)
    if method == "peer_median":
        return None
    raise ValueError(method)  # pragma: no cover - parse refuses other methods


class _Sums:
    """Running sums over the periods (rows) of an H × U array, missing values left out, so that
    the mean and the variance of any span come from two subtractions."""

    def __init__(self, x: np.ndarray):
        present = ~np.isnan(x)
        x0 = np.where(present, x, 0.0)
        zero = np.zeros((1, x.shape[1]))
        self.n = np.vstack([zero, np.cumsum(present, axis=0)])
        self.s1 = np.vstack([zero, np.cumsum(x0, axis=0)])
        self.s2 = np.vstack([zero, np.cumsum(x0 * x0, axis=0)])

    def span(self, lo: np.ndarray, hi: np.ndarray):
        return self.n[hi] - self.n[lo], self.s1[hi] - self.s1[lo], self.s2[hi] - self.s2[lo]


def baseline_rates(spec: dict, leaf: LeafArrays, w: Window) -> tuple[np.ndarray, np.ndarray]:
    """(baseline rate, dispersion φ of the counts behind it), each E × U; NaN / 1 where none.

    φ is the variance over the mean of the counts on today's scale (past rates × today's
    denominator): over the baseline's own periods when there are at least `DISPERSION_PERIODS`,
    else over the year of periods before this one (`methods.dispersion`, vectorised here)."""
    rates = leaf.rates
    shape = (len(w.rows), rates.shape[1])
    base = np.full(shape, np.nan)
    phi = np.ones(shape)
    spans = [baseline_span(spec, w, i) for i in w.rows]
    if spans and spans[0] is None:  # peer_median: the same period's peers
        for e, i in enumerate(w.rows):
            base[e] = _peer_median(rates[i], w.groups)
        return base, phi
    sums = _Sums(rates)
    rows = np.asarray(w.rows)
    lo = np.array([a for a, _b in spans])
    hi = np.array([b for _a, b in spans])
    n, s1, _s2 = sums.span(lo, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.where(n > 0, s1 / np.maximum(n, 1), np.nan)
    own = (hi - lo) >= DISPERSION_PERIODS
    plo = np.where(own, lo, np.maximum(0, rows - 12))
    phi_hi = np.where(own, hi, rows)
    n, s1, s2 = sums.span(plo, phi_hi)
    scale = leaf.denominators[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / np.maximum(n, 1)
        var = np.maximum(s2 - s1 * s1 / np.maximum(n, 1), 0.0) / np.maximum(n - 1, 1)
        ratio = np.where(
            (n >= DISPERSION_PERIODS) & (mean > 0), scale * var / np.where(mean > 0, mean, 1.0), 1.0
        )
    phi = np.clip(ratio, 1.0, 10.0)
    return base, phi


def _peer_median(row: np.ndarray, groups: np.ndarray) -> np.ndarray:
    def med(v: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(v)
        return np.full(v.shape, np.median(v[ok]) if ok.any() else np.nan)

    return methods._by_group(med, row, groups)


def score_leaf(spec: dict, direction: str, leaf: LeafArrays, w: Window) -> Scored:
    rows = w.rows
    rates = leaf.rates[rows]
    nan = np.full(rates.shape, np.nan)
    method = spec["method"]
    if method == "blend":
        parts = [score_leaf(part, direction, leaf, w) for part in spec["parts"]]
        weights = np.array([part["weight"] for part in spec["parts"]])
        stacked = np.stack([p.score for p in parts], axis=-1)
        score = methods.aggregate(stacked.reshape(-1, len(parts)), weights).values.reshape(rates.shape)
        # a blend is complete only when every part is
        score = np.where(np.isnan(stacked).any(axis=-1), np.nan, score)
        base = next((p.baseline for p in parts if not np.isnan(p.baseline).all()), nan)
        return Scored(score, base, nan)
    if method == "goalposts":
        return Scored(methods.goalposts(rates, worst=spec["worst"], best=spec["best"]), nan, nan)
    if method == "deduction":
        return Scored(np.clip(100.0 - spec["points"] * leaf.values[rows], 0.0, 100.0), nan, nan)
    if method == "ratio":
        return Scored(*reference.ratio_scores(spec, direction, leaf.values, leaf.rates, leaf.denominators, w))
    if method in ("minmax", "zscore", "rank"):
        fn = {"minmax": methods.minmax, "zscore": methods.zscore, "rank": methods.rank_score}[method]
        score = np.vstack([fn(r, direction=direction, groups=w.groups) for r in rates]) if len(rows) else nan
        return Scored(score, nan, nan)
    base, phi = baseline_rates(spec["baseline"], leaf, w)
    if method == "baseline_ratio":
        score = methods.baseline_ratio(rates, base, direction=direction, cap=BASELINE_CAP, par=PAR)
        return Scored(score, base, nan)
    # poisson: counts against the expected count now (the baseline rate × today's denominator)
    expected = base * leaf.denominators[rows]
    counts = np.round(leaf.values[rows])
    p = methods.poisson_score(counts, expected, direction=direction, dispersion=phi) / 100.0
    return Scored(par_scale(p), base, expected)
