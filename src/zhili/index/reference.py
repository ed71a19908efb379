"""The `ratio` scoring method: every leaf on one scale, from how far it is from what is usual for
that unit, and a change that counts only when it is unlikely to be chance.

**The scale.** A leaf's *deterioration ratio* d is observed ÷ reference (reference ÷ observed
when higher is better), and its score is

    s(d) = 100 / (1 + (100/PAR − 1) · d²)  =  100 / (1 + d²/4)   with PAR = 80:

80 at the usual level, 50 at twice it, 20 at four times, 94 at half, 100 at none. It never
saturates (3 fires more always cost something) and a 10 % rise scores the same in a village, a
town and the city (76.8), whatever the method behind the reference.

**The reference** (one for every period kind, or one per kind: ``{day: {…}, month: {…}}``) is one of
- ``{method: trailing, n, guard, seasonal}`` — the unit's own rate over the n periods before
  the last `guard` ones (the guard keeps an unfolding rise out of its own yardstick), shrunk
  toward its peers' pooled rate by empirical Bayes (Marshall 1991: the less a unit's own data
  say, the more its peers do), times the calendar: the level's weekday pattern over the same
  window (days) and its seasonal swing a year earlier (`seasonal`, when the data reach back).
  Expected count = reference rate × this period's denominator.
- ``{method: peers, history, spread, seasonal}`` — the rate the unit's peers had over the
  `history` periods before (× the season): where the unit stands among them. The unit's own
  rate is its empirical-Bayes estimate for the period (see `peers`): small villages are judged
  by their evidence, not by the luck of one month (the star rating, the monthly ranking). A 10 %
  rise everywhere moves the city, a district and a town alike (the city is its own peer).
- ``{method: fixed, value}`` — a stated level (PM2.5: the grade-I limit 35 µg/m³).

**Counting a change.** With ``alpha``, a count is tested against its expected count (negative
binomial, with the unit's own overdispersion over the reference window): only when it is that
unlikely, in either direction, does d move off 1. The daily barometer then stays put on noise
and moves when something happened (Farrington et al.; the CDC's EARS): see `zhili index
simulate` for what this buys.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from zhili.core.workdays import day_type
from zhili.index import methods

PAR = 80.0
SCALE_K = 100.0 / PAR - 1.0  # s(d) = 100 / (1 + SCALE_K · d²)
MIN_PEERS = 5  # units a pooled rate and its spread are estimated from
SEASON_DAYS = 3  # last year's level: the 7 days centred on the same date
CALENDAR_CLIP = (0.2, 5.0)


def ratio_scale(d: np.ndarray) -> np.ndarray:
    """The common scale: 80 at d = 1, 50 at 2, 20 at 4, 100 at 0; NaN stays NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        s = 100.0 / (1.0 + SCALE_K * np.square(d))
    return np.where(np.isinf(d), 0.0, s)


def _cum(a: np.ndarray) -> np.ndarray:
    """Running sums along the periods with a zero row in front: the sum over [lo, hi) of any
    span is cum[hi] − cum[lo]."""
    a = np.asarray(a, dtype=float)
    return np.concatenate([np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)])


def eb_shrink(y: np.ndarray, e: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes rates of units (Marshall 1991, the moment estimator), per peer group:
    counts `y` over exposures `e`, per unit (1-D) or per row and unit (2-D, rows independent).
    Returns (shrunk rate, pooled rate) of the same shape; NaN counts are no data.

    r0 = Σy/Σe; between-unit variance A = Σe(r − r0)²/Σe − r0/ē (ē the mean exposure), at least
    0; each unit's rate moves toward r0 by the share r0/e ÷ (A + r0/e): all the way when the units
    do not differ beyond chance (A = 0), hardly at all when its own exposure is large. A group of
    fewer than MIN_PEERS units cannot say how much its units differ: a mean peer's exposure at the
    pooled rate is the prior."""
    one = np.ndim(y) == 1
    y, e = np.atleast_2d(y).astype(float), np.atleast_2d(e).astype(float)
    out = np.full(y.shape, np.nan)
    pooled = np.full(y.shape, np.nan)
    for g in np.unique(groups):
        cols = groups == g
        ys, es = y[:, cols], e[:, cols]
        ok = ~np.isnan(ys) & (es > 0)
        k = ok.sum(axis=1)
        sy = np.where(ok, ys, 0.0).sum(axis=1)
        se = np.where(ok, es, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            r0 = np.where(se > 0, sy / se, np.nan)[:, None]
            ebar = (se / np.maximum(k, 1))[:, None]
            r = ys / np.where(es > 0, es, np.nan)
            spread = (np.where(ok, es * (r - r0) ** 2, 0.0).sum(axis=1) / se)[:, None] - r0 / ebar
            a = np.maximum(spread, 0.0)
            c = a / (a + r0 / np.where(es > 0, es, np.nan))
            shrunk = np.where(r0 > 0, r0 + c * (r - r0), 0.0)
            few = (ys + r0 * ebar) / (es + ebar)
        res = np.where((k >= MIN_PEERS)[:, None], shrunk, few)
        out[:, cols] = np.where(ok, res, np.nan)
        pooled[:, cols] = np.broadcast_to(r0, ys.shape)
    return (out[0], pooled[0]) if one else (out, pooled)


class Calendar:
    """The level's rate per period (all its units together): what is common to every unit — the
    weekday, the season, a holiday — read from the level as a whole, never from one unit's noise."""

    def __init__(self, values: np.ndarray, denominators: np.ndarray, hist):
        present = ~np.isnan(values)
        counts = np.where(present, values, 0.0).sum(axis=1)
        exposure = np.where(present, denominators, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.rate = np.where(exposure > 0, counts / exposure, np.nan)
        finite = np.isfinite(self.rate)
        self._s, self._z = _cum(np.where(finite, self.rate, 0.0)), _cum(finite)
        self.kind = hist[0].kind if hist else "day"
        position = {p.start: i for i, p in enumerate(hist)}
        if self.kind == "day":
            self.back = np.array([position.get(p.start - timedelta(days=364), -1) for p in hist])
            types = [(day_type(p.start), p.start.weekday()) for p in hist]
            self.cls = np.array([7 if t == "rest" else wd for t, wd in types])
            self._cs = {c: _cum(np.where(finite & (self.cls == c), self.rate, 0.0)) for c in range(8)}
            self._cz = {c: _cum(finite & (self.cls == c)) for c in range(8)}
        else:
            self.back = np.array([position.get(p.last_year().start, -1) for p in hist])

    def mean(self, lo, hi) -> np.ndarray:
        """The level's mean rate over [lo, hi) (arrays of bounds); NaN where nothing is known."""
        lo, hi = np.clip(lo, 0, len(self.rate)), np.clip(hi, 0, len(self.rate))
        n = self._z[hi] - self._z[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, (self._s[hi] - self._s[lo]) / np.maximum(n, 1), np.nan)

    def factors(self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, seasonal: bool) -> np.ndarray:
        """How each row's expected level compares with the mean over its [lo, hi): the weekday (or
        rest day) pattern over that window, times last year's seasonal swing when `seasonal`."""
        base = self.mean(lo, hi)
        f = np.ones(len(rows))
        if self.kind == "day":
            cls = self.cls[rows]
            lo_c, hi_c = np.clip(lo, 0, None), np.clip(hi, 0, None)
            s = np.array(
                [self._cs[c][h] - self._cs[c][lo_] for c, h, lo_ in zip(cls, hi_c, lo_c, strict=True)]
            )
            z = np.array(
                [self._cz[c][h] - self._cz[c][lo_] for c, h, lo_ in zip(cls, hi_c, lo_c, strict=True)]
            )
            with np.errstate(invalid="ignore", divide="ignore"):
                f = np.where((z >= 2) & (base > 0), s / np.maximum(z, 1) / base, 1.0)
        if seasonal:
            f = f * self.season(rows, lo, hi)
        f = np.where(np.isfinite(f), f, 1.0)
        return np.clip(f, *CALENDAR_CLIP)

    def season(self, rows, lo, hi) -> np.ndarray:
        """The level's rate around the same date a year earlier over its rate in the window a
        year earlier: the seasonal swing as last year had it (1 where the data do not reach)."""
        back = self.back[rows]
        shift = rows - back
        width = SEASON_DAYS if self.kind == "day" else 0
        near = self.mean(back - width, back + width + 1)
        then = self.mean(lo - shift, hi - shift)
        ok = (back >= 0) & (lo - shift >= 0) & (then > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(ok, near / then, 1.0)
        return np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0)


def reference_for(spec: dict, kind: str) -> dict:
    """The reference of a period kind: one for all, or one per kind ({day: {…}, month: {…}})."""
    return spec if "method" in spec else spec[kind]


def per_kind(value, kind: str) -> int:
    """A count of periods given once or per period kind ({day: 56, month: 12})."""
    return int(value[kind]) if isinstance(value, dict) else int(value)


def _spans(values, denominators, lo, hi):
    """(counts, exposure) per row and unit over [lo, hi); counts NaN where the span holds none."""
    present = ~np.isnan(values)
    y, e, n = _cum(np.where(present, values, 0.0)), _cum(np.where(present, denominators, 0.0)), _cum(present)
    lo, hi = np.clip(lo, 0, None), np.clip(hi, 0, None)
    counts = y[hi] - y[lo]
    return np.where(n[hi] - n[lo] > 0, counts, np.nan), e[hi] - e[lo]


def trailing(spec: dict, values, denominators, w, calendar: Calendar):
    """(reference rate, dispersion φ) per evaluated row and unit for a trailing reference."""
    n, guard = per_kind(spec["n"], w.kind), per_kind(spec.get("guard", 0), w.kind)
    rows = np.asarray(w.rows, dtype=np.int64)
    hi = rows - guard
    lo = hi - n
    ys, es = _spans(values, denominators, lo, hi)
    shrunk, _pooled = eb_shrink(ys, es, w.groups)
    ref = shrunk * calendar.factors(rows, lo, hi, spec.get("seasonal", True))[:, None]
    phi = _dispersion(values, denominators, calendar, shrunk, lo, hi)
    short = lo < 0  # not enough history: no reference (validation refuses such a definition)
    ref[short] = np.nan
    return ref, phi


def _dispersion(values, denominators, calendar: Calendar, unit_rate, lo, hi) -> np.ndarray:
    """Pearson's φ of each unit's counts over [lo, hi) against the fitted ones (its rate × the
    level's own rate that period, relative to the window's mean): how much more than Poisson its
    counts wander. Σ(y − m)²/m expands into three running sums. At least 1, at most 10."""
    level = calendar.rate[:, None] * denominators  # H × U: ρ_t d_t
    ok = ~np.isnan(values) & (level > 0)
    y = np.where(ok, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = _cum(np.where(ok, y * y / np.where(ok, level, 1.0), 0.0))
    b, c, k = _cum(y), _cum(np.where(ok, level, 0.0)), _cum(ok)
    lo, hi = np.clip(lo, 0, None), np.clip(hi, 0, None)
    mean_level = calendar.mean(lo, hi)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        chi = (
            mean_level / unit_rate * (a[hi] - a[lo])
            - 2 * (b[hi] - b[lo])
            + unit_rate / mean_level * (c[hi] - c[lo])
        )
        dof = k[hi] - k[lo] - 1
        phi = np.where((dof >= 5) & (unit_rate > 0) & np.isfinite(chi), chi / np.maximum(dof, 1), 1.0)
    return np.clip(phi, 1.0, 10.0)


def peers(spec: dict, values, denominators, w, calendar: Calendar):
    """(reference rate, the unit's estimated rate) per evaluated row and unit.

    The reference is the peers' pooled rate over the `history` periods before (× the season,
    when `seasonal`): what is usual around here. The unit's rate is its empirical-Bayes estimate
    for this period: a gamma prior at its own long-run rate (the same history, shrunk toward the
    peers'), with relative spread `spread` (how much a unit's true rate may move from one period
    to the next), updated by this period's count: posterior mean (k + y) / (k / L + E), k = 1/spread².
    A village's month of 18 disputes against 6 usual moves it; one of 8 hardly does."""
    history, k = per_kind(spec.get("history", 12), w.kind), 1.0 / spec.get("spread", 0.3) ** 2
    rows = np.asarray(w.rows, dtype=np.int64)
    lo = rows - history
    ys, es = _spans(values, denominators, lo, rows)
    factor = calendar.factors(rows, lo, rows, spec.get("seasonal", True))[:, None]
    long_run, pooled = eb_shrink(ys, es, w.groups)
    prior = long_run * factor
    y, den = values[rows], denominators[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = np.where(prior > 0, k + y, y)  # the posterior gamma: shape and rate
        rate = np.where(prior > 0, k / np.where(prior > 0, prior, 1.0) + den, den)
        own = shape / rate
    ref = pooled * factor
    short = lo < 0
    ref[short], own[short] = np.nan, np.nan
    return ref, own, (shape, rate)


def ratio_scores(spec: dict, direction: str, values, rates, denominators, w):
    """(score, reference rate, expected count, posterior) E × U for a leaf scored by `ratio`;
    the posterior (gamma shape and rate of the unit's rate) where the reference is `peers`."""
    rows = w.rows
    ref_spec = reference_for(spec["reference"], w.kind)
    method = ref_spec["method"]
    now = rates[rows]
    nan = np.full(now.shape, np.nan)
    if method == "fixed":
        base = np.full(now.shape, float(ref_spec["value"]))
        return _scale(now, base, direction), base, nan, None
    calendar = Calendar(values, denominators, w.hist)
    if method == "peers":
        base, own, posterior = peers(ref_spec, values, denominators, w, calendar)
        return _scale(own, base, direction), base, nan, posterior
    base, phi = trailing(ref_spec, values, denominators, w, calendar)
    expected = base * denominators[rows]
    span = int(spec.get("window", 1))
    if span > 1:  # the last `span` periods together: each against its own expectation
        earlier = _Rows(w, [max(r - k, 0) for r in rows for k in range(1, span)])
        prev, _phi = trailing(ref_spec, values, denominators, earlier, calendar)
        prev = (prev * denominators[earlier.rows]).reshape(len(rows), span - 1, -1)
        past = values[earlier.rows].reshape(len(rows), span - 1, -1)
        counts_w = values[rows] + past.sum(axis=1)
        expected_w = expected + prev.sum(axis=1)
    else:
        counts_w, expected_w = values[rows], expected
    with np.errstate(invalid="ignore", divide="ignore"):
        d = _ratio(counts_w / denominators[rows], expected_w / denominators[rows], direction)
    alpha = spec.get("alpha")
    if alpha is not None:
        counts = np.round(counts_w)
        ok = ~np.isnan(counts) & ~np.isnan(expected_w)
        lower = np.full(counts.shape, np.nan)
        upper = np.full(counts.shape, np.nan)
        lower[ok], upper[ok] = methods.count_tails(counts[ok], expected_w[ok], dispersion=phi[ok])
        unusual = (lower < alpha) | (upper < alpha)
        d = np.where(ok & ~unusual, 1.0, d)
    return ratio_scale(d), base, expected, None


class _Rows:
    """The same window, other rows (the days before each evaluated one)."""

    def __init__(self, w, rows: list[int]):
        self.rows, self.kind, self.groups, self.hist = rows, w.kind, w.groups, w.hist


def _ratio(now: np.ndarray, base: np.ndarray, direction: str) -> np.ndarray:
    num, den = (now, base) if direction == methods.LOWER else (base, now)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = num / den
    d = np.where((num == 0) & (den == 0), 1.0, d)  # nothing where nothing was expected: as usual
    return np.where(np.isnan(now) | np.isnan(base), np.nan, d)


def _scale(now, base, direction):
    return ratio_scale(_ratio(now, base, direction))


def scale_of(draws: np.ndarray, base: np.ndarray, direction: str) -> np.ndarray:
    """Scores of drawn rates (draws × units) against the reference: the interval behind a star."""
    return _scale(draws, np.broadcast_to(base, draws.shape), direction)
