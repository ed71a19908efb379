"""What an event type is (`Spec`), what its field generator sees (`_Ctx`), and the small tools that
the generators of `police` and `city` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .units import _Units


@dataclass(frozen=True)
class Spec:
    """One event type: its yearly rate per 10,000 residents and how it varies."""

    code: str
    rate: float
    village: float  # multiplier in villages (村) …
    community: float  # … and in communities (社区), normalised over the city
    hours: str  # key of HOURS
    week: str  # key of WEEK
    seasons: str  # space-separated names of _Calendar.season
    hotspot: str  # theme of HOTSPOTS, or ""
    crime: bool  # a district's bad week multiplies it
    fields: Callable[[np.random.Generator, _Ctx], dict[str, Any]] | None


@dataclass
class _Ctx:
    """What a field generator may look at, one entry per event."""

    n: int
    village: np.ndarray  # bool: in a village (not a community)
    hour: np.ndarray  # local hour
    month: np.ndarray  # 1–12
    unit: np.ndarray  # index of the village/community
    units: _Units


def _weights(text: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = [item.split() for item in text.split(",")]
    p = np.array([float(w) for _, w in pairs])
    return np.array([k for k, _ in pairs], dtype=object), p / p.sum()


def _pick(rng: np.random.Generator, n: int, weights: str) -> np.ndarray:
    """Categories drawn from "code weight, code weight, …"."""
    keys, p = _weights(weights)
    return keys[rng.choice(len(keys), size=n, p=p)]


def _pick_kind(rng, ctx: _Ctx, village: str, community: str) -> np.ndarray:
    out = _pick(rng, ctx.n, community)
    k = int(ctx.village.sum())
    if k:
        out[ctx.village] = _pick(rng, k, village)
    return out


def _money(rng, n: int, median: float | np.ndarray, sigma: float, high: float = 1e8) -> np.ndarray:
    """Lognormal amounts in whole yuan (as decimals)."""
    return np.clip(np.round(median * np.exp(rng.normal(0.0, sigma, n))), 1.0, high)


def _maybe(rng, values: np.ndarray, p: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`values`, given with probability p (an optional field that is often left empty)."""
    return values, rng.random(len(values)) < p


def _people(rng, n: int, extra: float, low: int = 1) -> np.ndarray:
    return low + rng.poisson(extra, n)


def _lookup(table: dict[str, float], keys: np.ndarray) -> np.ndarray:
    return np.array([table[k] for k in keys.tolist()], dtype="float64")
