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

from zhili.index import methods
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
    is_count: bool


@dataclass
class Scored:
    score: np.ndarray  # E × U
    baseline: np.ndarray  # E × U: the baseline rate (NaN where none applies)
    expected: np.ndarray  # E × U: the expected count of a Poisson score (else NaN)


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


def baseline_rows(spec: dict, w: Window, i: int) -> list[int] | None:
    """Positions in the window whose mean is the baseline of period `i`; None for peer_median,
    [] when the window does not reach back far enough (a run's first year has no "last year")."""
    method = spec["method"]
    p = w.hist[i]
    if method == "previous_period":
        return [i - 1] if i >= 1 else []
    if method == "mean_last_n":
        return list(range(i - spec["n"], i)) if i >= spec["n"] else []
    if method == "same_period_last_year":
        if w.kind == "day":
            centre = minus_year(p.start)
            lo = w.at(centre - timedelta(days=DAY_WINDOW))
            hi = w.at(centre + timedelta(days=DAY_WINDOW))
            return list(range(lo, hi + 1)) if lo is not None and hi is not None else []
        j = w.at(p.last_year().start)
        return [j] if j is not None else []
    if method == "n_year_average":
        years = range(p.start.year - spec["n"], p.start.year)
        if w.hist[0].start > date(years[0], 1, 1):  # the window does not hold those whole years
            return []
        return [j for j, q in enumerate(w.hist) if q.start.year in years]
    if method == "peer_median":
        return None
    raise ValueError(method)  # pragma: no cover - parse refuses other methods


def baseline_rates(spec: dict, leaf: LeafArrays, w: Window) -> tuple[np.ndarray, np.ndarray]:
    """(baseline rate, dispersion φ of the counts behind it), each E × U; NaN / 1 where none."""
    rates = leaf.rates
    base = np.full((len(w.rows), rates.shape[1]), np.nan)
    phi = np.ones(base.shape)
    for e, i in enumerate(w.rows):
        rows = baseline_rows(spec, w, i)
        if rows is None:
            base[e] = _peer_median(rates[i], w.groups)
        elif rows:
            base[e] = methods.baseline_mean(rates[rows])
            # the spread of counts on today's scale (past rates × today's denominator): over the
            # baseline's own periods when there are enough, else over the year before this one
            spread = rows if len(rows) >= DISPERSION_PERIODS else list(range(max(0, i - 12), i))
            phi[e] = methods.dispersion(rates[spread] * leaf.denominators[i])
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
