"""The villages/communities of the city as the demo sees them: population, grids, a pool of points
inside each grid, hotspots and the traits (satisfaction, survey score) of each."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from .seeds import _crc

POOL = 48  # random points kept per grid
# Hotspot themes: (units, lowest factor, highest factor); at most one unit in 40 per theme.
HOTSPOTS = {
    "crime": (3, 2.0, 4.0),
    "dispute": (2, 2.0, 3.0),
    "traffic": (2, 2.0, 3.0),
    "vending": (3, 2.0, 4.0),
    "fire": (2, 2.0, 3.0),
    "labour": (2, 2.5, 4.0),
    "fraud": (1, 2.0, 2.5),
    "land": (2, 2.0, 4.0),
}


@dataclass
class _Units:
    """The villages/communities with their grids, point pools, hotspots and traits."""

    codes: list[str]
    village: np.ndarray  # bool
    population: np.ndarray
    district: np.ndarray  # index into `districts`
    districts: list[str]
    grid_codes: list[str]
    grid_unit: np.ndarray  # village/community of each grid
    grid_key: np.ndarray  # unit index + cumulative population share, for choosing a grid
    grid_main: np.ndarray  # per unit: its most populous grid
    pool: np.ndarray  # (grids, POOL, 2) lon/lat; NaN without a boundary
    towns: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, station grid
    hot: dict[str, np.ndarray] = field(default_factory=dict)  # theme → factor per unit
    risk: np.ndarray | None = None  # the persistent safety level of each unit (mean 1 per resident)
    industrial: np.ndarray | None = None  # bool per unit: in one of the industrial towns
    hotline_ok: np.ndarray | None = None
    council_ok: np.ndarray | None = None
    survey_mean: np.ndarray | None = None


def _populations(year: int) -> dict[str, int]:
    """Resident population per village/community and grid: the latest year up to `year`, else the
    earliest there is."""
    from zhili.geo.models import Level, Population

    best: dict[str, tuple[tuple[int, int], int]] = {}
    for code, y, resident in Population.objects.filter(
        unit__level__in=[Level.VILLAGE, Level.GRID]
    ).values_list("unit__code", "year", "resident"):
        rank = (1, y) if y <= year else (0, -y)
        if code not in best or rank > best[code][0]:
            best[code] = (rank, resident)
    return {code: resident for code, (_rank, resident) in best.items()}


def _load_units(year: int, seed: int) -> _Units:
    from shapely.geometry import shape

    from zhili.geo.models import Kind, Level, Unit

    pops = _populations(year)
    rows = list(
        Unit.objects.filter(level__in=[Level.TOWN, Level.VILLAGE, Level.GRID])
        .order_by("code")
        .values_list("code", "name", "kind", "level", "parent__code", "boundary")
    )
    grids_of: dict[str, list[tuple]] = {}
    for r in rows:
        if r[3] == Level.GRID:
            grids_of.setdefault(r[4], []).append(r)
    codes, kinds, population, towns = [], [], [], []
    grid_rows: list[tuple] = []
    grid_unit: list[int] = []
    grid_pop: list[float] = []
    for r in rows:
        if r[3] != Level.VILLAGE:
            continue
        grids = grids_of.get(r[0]) or [r]  # a village without grids is its own grid
        gpop = np.array([float(pops.get(g[0], 0)) for g in grids])
        pop = float(pops.get(r[0], 0)) or float(gpop.sum())
        if pop <= 0:
            continue
        grid_unit.extend([len(codes)] * len(grids))
        codes.append(r[0])
        kinds.append(r[2])
        population.append(pop)
        towns.append(r[4] or r[0][:9] + "000")
        grid_rows.extend(grids)
        grid_pop.extend((gpop if gpop.sum() > 0 else np.ones(len(grids))).tolist())
    unit_of = np.array(grid_unit, dtype="int64")
    gpop_all = np.array(grid_pop)
    key = np.zeros(len(grid_rows))
    main = np.zeros(len(codes), dtype="int64")
    for i in range(len(codes)):
        sel = np.flatnonzero(unit_of == i)
        cum = np.cumsum(gpop_all[sel]) / gpop_all[sel].sum()
        cum[-1] = 1.0
        key[sel] = i + cum
        main[i] = sel[int(np.argmax(gpop_all[sel]))]
    districts = sorted({c[:6] for c in codes})
    units = _Units(
        codes=codes,
        village=np.array([k == Kind.VILLAGE for k in kinds], dtype=bool),
        population=np.array(population),
        district=np.array([districts.index(c[:6]) for c in codes], dtype="int64"),
        districts=districts,
        grid_codes=[g[0] for g in grid_rows],
        grid_unit=unit_of,
        grid_key=key,
        grid_main=main,
        pool=_point_pool([g[5] for g in grid_rows], np.random.default_rng([seed, _crc("points")]), shape),
    )
    # Towns, each with its air-quality station in its most populous grid.
    names = {r[0]: r[1] for r in rows if r[3] == Level.TOWN}
    town_of = np.array(towns, dtype=object)
    for town in sorted(set(towns)):
        sel = np.flatnonzero(np.isin(unit_of, np.flatnonzero(town_of == town)))
        units.towns.append((town, names.get(town, town), int(sel[np.argmax(gpop_all[sel])])))
    _unit_traits(units, seed)
    return units


def _point_pool(boundaries: list, rng: np.random.Generator, shape) -> np.ndarray:
    """POOL random points inside each polygon (vectorised rejection sampling), rounded to 6
    decimals (~0.1 m) before the test, so that the stored point is inside, too."""
    pool = np.full((len(boundaries), POOL, 2), np.nan)
    for i, boundary in enumerate(boundaries):
        geom = shape(boundary) if boundary else None
        if geom is None or geom.is_empty or geom.area <= 0:
            continue
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        fill = max(geom.area / max((maxx - minx) * (maxy - miny), 1e-18), 0.02)
        got = np.empty((0, 2))
        for _attempt in range(50):
            n = int(POOL / fill * 1.5) + 16
            x = np.round(rng.uniform(minx, maxx, n), 6)
            y = np.round(rng.uniform(miny, maxy, n), 6)
            inside = shapely.contains_xy(geom, x, y)
            got = np.vstack([got, np.column_stack([x[inside], y[inside]])])
            if len(got) >= POOL:
                break
        if len(got):
            pool[i] = got[np.arange(POOL) % len(got)]
    return pool


def _unit_traits(units: _Units, seed: int) -> None:
    """Hotspots, and each unit's level of satisfaction and survey score."""
    rng = np.random.default_rng([seed, _crc("units")])
    n = len(units.codes)
    for theme, (count, low, high) in HOTSPOTS.items():
        factor = np.ones(n)
        eligible = np.flatnonzero(units.population >= np.median(units.population)) if n else np.zeros(0, int)
        k = min(count, max(1, n // 40), len(eligible))
        if k:
            factor[rng.choice(eligible, size=k, replace=False)] = rng.uniform(low, high, k)
        units.hot[theme] = factor
    _risk(units, np.random.default_rng([seed, _crc("risk")]))
    units.hotline_ok = np.clip(rng.normal(0.9, 0.025, n), 0.75, 0.98)
    units.council_ok = np.clip(rng.normal(0.88, 0.03, n), 0.7, 0.98)
    crime_hot = units.hot["crime"] > 1 if n else np.zeros(0, bool)
    units.survey_mean = np.clip(rng.normal(89.0, 2.5, n) - 5.0 * crime_hot, 70, 97)


# How much units differ, persistently, beyond their population (the spread of the simulation
# study, zhili/index/study.py): a town's level, a village's own around it, and each event type's
# own on top (in draw.py); villages and communities already differ per type (specs.py). A few
# towns are industrial, with more work accidents and fires.
RISK_TOWN, RISK_UNIT = 0.25, 0.30
INDUSTRIAL_TOWNS, INDUSTRIAL_FACTOR = 3, 2.0


def _risk(units: _Units, rng: np.random.Generator) -> None:
    n = len(units.codes)
    town_codes = sorted({c[:9] for c in units.codes})
    town = np.array([town_codes.index(c[:9]) for c in units.codes], dtype="int64") if n else np.zeros(0, int)
    level = RISK_TOWN * rng.normal(size=len(town_codes))[town] + RISK_UNIT * rng.normal(size=n)
    risk = np.exp(level)
    units.risk = risk * units.population.sum() / (risk * units.population).sum() if n else risk
    industrial = rng.choice(len(town_codes), size=min(INDUSTRIAL_TOWNS, len(town_codes)), replace=False)
    units.industrial = np.isin(town, industrial)
