"""Funnel plots (Spiegelhalter 2005): each unit's rate against its size, with the limits within
which a unit of that size would fall by chance if it shared the pooled rate. A small village far
from the line may be luck; a large town just outside it is not. Poisson limits, exact."""

from __future__ import annotations

import numpy as np

from zhili.index.methods import count_tails

LIMITS = (0.95, 0.998)  # the usual two funnels: about 2 and 3 standard deviations


def poisson_quantile(p: float, mean: np.ndarray) -> np.ndarray:
    """The smallest k with P(X ≤ k) ≥ p for X Poisson(mean), elementwise."""
    mean = np.asarray(mean, dtype=float)
    top = int(np.ceil(mean.max() + 12 * np.sqrt(mean.max()) + 12)) if mean.size else 0
    ks = np.arange(top + 1, dtype=float)
    out = np.empty(mean.shape)
    for i, m in np.ndenumerate(mean):
        lower, _upper = count_tails(ks, np.full(ks.shape, m))
        out[i] = ks[np.argmax(lower >= p)]
    return out


def funnel(counts, exposures, *, per: float = 10_000.0, points: int = 40) -> dict:
    """Points (exposure, rate) per unit and the control limits around the pooled rate, as rates
    per `per` of exposure (residents), over a grid of sizes from the smallest unit to the
    largest. Units with no exposure are left out."""
    y = np.asarray(counts, dtype=float)
    e = np.asarray(exposures, dtype=float)
    ok = np.isfinite(y) & np.isfinite(e) & (e > 0)
    if not ok.any():
        return {"rate": None, "grid": [], "limits": {}, "units": []}
    r0 = y[ok].sum() / e[ok].sum()
    grid = np.geomspace(e[ok].min(), e[ok].max(), points) if e[ok].min() < e[ok].max() else e[ok][:1]
    expected = r0 * grid
    limits = {}
    for level in LIMITS:
        tail = (1 - level) / 2
        lo = poisson_quantile(tail, expected)
        hi = poisson_quantile(1 - tail, expected)
        limits[f"{level:g}"] = {"lower": (lo / grid * per).tolist(), "upper": (hi / grid * per).tolist()}
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(ok, y / e * per, np.nan)
    outside = {}
    for level in LIMITS:
        tail = (1 - level) / 2
        exp_u = r0 * np.where(ok, e, 0.0)
        lower, upper = count_tails(np.where(ok, y, 0.0), exp_u)
        outside[f"{level:g}"] = (ok & ((lower < tail) | (upper < tail))).tolist()
    return {
        "rate": r0 * per,
        "grid": grid.tolist(),
        "limits": limits,
        "rates": [None if np.isnan(r) else float(r) for r in rates],
        "outside": outside,
    }
