"""Does a colour, a rank, a star say something about the city, or about Poisson noise?

A synthetic city with a **known true risk** per village and indicator (persistent log-normal
differences: a town component, a village component, an indicator-specific one), a weekly pattern
and a season, is run through the real engine (`engine.evaluate`, the very scoring and grading of
a run; only the lake is replaced by the simulated cube). On a stationary stretch nothing changes
but chance; then known rises are injected. What a definition does with them is measured:

- daily, per town: the share of town-days whose colour changes from the day before, false red
  streaks (3 reds in a row) per town-year, the lag-1 autocorrelation of the daily score; for a
  3-day doubling, the share of towns whose colour worsens within two days (detection) and the
  median delay — next to how often the same "worsening within two days" happens with no rise;
- monthly: the Spearman correlation of the towns' index and the villages' star scores with the
  truth (the same definition scored on the expected counts, without noise), month-to-month rank
  stability, villages within one star of their true stars, how often stars change; the city's
  monthly score's month-to-month change when nothing happens, and after a known 10 % rise of
  everything at every level; a village whose disputes triple for a month.

Rates per 10,000 residents a year are the demo's (hub/demo/specs.py, from DEMO-RATES.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from zhili.index.cube import COUNT, Cube, Measure, MeasureSet
from zhili.index.definitions import Definition
from zhili.index.engine import Context, UnitRow, evaluate
from zhili.index.periods import Period

# Deaths and injuries per 10,000 residents a year (DEMO-RATES.md; injuries of fires and work
# accidents our own estimate), by the event type that carries them.
DEATHS = {"traffic.accident": 0.45, "fire.fire": 0.08, "work_safety.accident": 0.19, "police.homicide": 0.046}
INJURIES = {"traffic.accident": 2.0, "fire.fire": 0.3, "work_safety.accident": 0.4}
WEEKDAY = np.array([1.02, 0.99, 0.98, 1.0, 1.06, 1.03, 0.92])  # Monday … Sunday
SEASON = 0.15  # ± amplitude of the yearly swing
MEANS = {"pm25": 20.0, "pm10": 32.0}  # µg/m³; a satisfaction or survey mean: its reference


@dataclass
class SimCity:
    seed: int
    first: date
    days: int
    units: dict[str, list[UnitRow]]
    population: np.ndarray  # per village
    village_town: np.ndarray  # town index of each village
    town_district: np.ndarray
    risk: dict[str, np.ndarray] = field(default_factory=dict)  # event type → per village
    rates: dict[str, float] = field(default_factory=dict)  # event type → per 10k a year

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def figures(self) -> dict:
        out = {"resident": {}, "gdp": {}, "vehicles": {}}
        pops = {"village": self.population, "town": np.bincount(self.village_town, self.population)}
        pops["district"] = np.bincount(self.town_district, pops["town"])
        pops["city"] = np.array([self.population.sum()])
        for level, rows in self.units.items():
            for u, row in zip(rows, pops[level], strict=True):
                for year in range(self.first.year, self.last.year + 1):
                    out["resident"][(u.code, year)] = float(row)
                    out["gdp"][(u.code, year)] = float(row) * 0.015  # 亿元: 150,000 yuan a head
                    out["vehicles"][(u.code, year)] = float(row) * 0.37
        return out


def build_city(
    *, seed: int = 1, districts: int = 5, towns: int = 26, villages: int = 330, years: int = 3,
    spread: tuple[float, float, float] = (0.25, 0.30, 0.15), first: date | None = None,
) -> SimCity:  # fmt: skip
    """Districts, towns and villages (≈ 7,600 residents each, log-normal), and every village's
    true risk per event type: exp(town + village + type-specific effects), spread (σ) as given,
    each of mean 1 over the residents."""
    rng = np.random.default_rng(seed)
    first = first or date(2023, 1, 1)
    days = (date(first.year + years, 1, 1) - first).days
    town_district = np.sort(rng.integers(0, districts, towns))
    town_district[:districts] = np.arange(districts)  # no empty district
    town_district.sort()
    village_town = np.sort(np.concatenate([np.arange(towns), rng.integers(0, towns, villages - towns)]))
    population = np.clip(np.round(7600 * np.exp(rng.normal(-0.18, 0.6, villages))), 800, 40000)
    urban = rng.random(villages) < 0.55
    units = _units(districts, town_district, village_town, urban)
    city = SimCity(seed, first, days, units, population, village_town, town_district)
    city.shared = (  # type: ignore[attr-defined]
        spread[0] * rng.normal(size=towns)[village_town] + spread[1] * rng.normal(size=villages)
    )
    city.type_spread = spread[2]  # type: ignore[attr-defined]
    return city


def _units(districts: int, town_district, village_town, urban) -> dict[str, list[UnitRow]]:
    codes_d = [f"4499{d + 1:02d}000000" for d in range(districts)]
    town_codes = []
    seen: dict[int, int] = {}
    for d in town_district:
        seen[d] = seen.get(d, 0) + 1
        town_codes.append(f"4499{d + 1:02d}{seen[d]:03d}000")
    village_codes = []
    seen = {}
    for t in village_town:
        seen[t] = seen.get(t, 0) + 1
        village_codes.append(town_codes[t][:9] + f"{seen[t]:03d}")
    return {
        "city": [UnitRow("449900000000", "模拟市", "city", "city")],
        "district": [UnitRow(c, f"区{i + 1}", "district", "district", c) for i, c in enumerate(codes_d)],
        "town": [
            UnitRow(c, f"镇{i + 1}", "town", "town", codes_d[town_district[i]])
            for i, c in enumerate(town_codes)
        ],
        "village": [
            UnitRow(
                c,
                f"村{i + 1}",
                "community" if urban[i] else "village",
                "village",
                c[:6] + "000000",
                c[:9] + "000",
            )
            for i, c in enumerate(village_codes)
        ],
    }


def _risk(city: SimCity, event_type: str) -> np.ndarray:
    if event_type not in city.risk:
        rng = np.random.default_rng([city.seed, sum(map(ord, event_type))])
        log = city.shared + city.type_spread * rng.normal(size=len(city.population))
        risk = np.exp(log)
        city.risk[event_type] = risk * city.population.sum() / (risk * city.population).sum()
    return city.risk[event_type]


def _calendar(city: SimCity) -> np.ndarray:
    """Per day: the weekly pattern times the season (peak in early summer)."""
    days = [city.first + timedelta(days=i) for i in range(city.days)]
    weekday = WEEKDAY[[d.weekday() for d in days]]
    doy = np.array([d.timetuple().tm_yday for d in days])
    return weekday * (1 + SEASON * np.sin(2 * math.pi * (doy - 80) / 365.25))


@dataclass
class Rise:
    """A known change: event types × factor over villages and days (None: all)."""

    types: tuple[str, ...] | None
    factor: float
    villages: np.ndarray | None  # bool per village
    days: slice


def draw(city: SimCity, rates: dict[str, float], rises: list[Rise], seed: int, *, expected: bool = False):
    """Per event type and field ("one", "deaths", "injuries"): village × day counts (or their
    expectations when `expected`)."""
    rng = np.random.default_rng([city.seed, seed])
    cal = _calendar(city)
    out: dict[tuple[str, str], np.ndarray] = {}
    for t, rate in sorted(rates.items()):
        for fld, per in (("one", rate), ("deaths", DEATHS.get(t, 0.0)), ("injuries", INJURIES.get(t, 0.0))):
            if per <= 0:
                continue
            lam = np.outer(_risk(city, t) * city.population * per / 10_000 / 365.25, cal)
            for rise in rises:
                if rise.types is None or t in rise.types:
                    rows = rise.villages if rise.villages is not None else slice(None)
                    lam[rows, rise.days] *= rise.factor
            out[(t, fld)] = lam if expected else rng.poisson(lam).astype(float)
    return out


def event_rates(definitions: list[Definition]) -> dict[str, float]:
    from zhili.hub.demo.specs import SPECS, VOLUME

    wanted = {t for d in definitions for m in MeasureSet(d).measures for t in m.event_types}
    by_code = {s.code: s.rate * VOLUME.get(s.code, 1.0) for s in SPECS}
    return {t: by_code.get(t, 1.0) for t in sorted(wanted)}


def fill_cube(city: SimCity, measures: MeasureSet, series: dict, first: date, last: date) -> Cube:
    """The engine's cube of `measures` from the drawn series, per level."""
    units = {level: [u.code for u in rows] for level, rows in city.units.items()}
    cube = Cube(measures, first, last, units)
    cube.observed_from = city.first
    lo, hi = (first - city.first).days, (last - city.first).days + 1
    n_towns, n_districts = len(city.units["town"]), len(city.units["district"])
    for m, measure in enumerate(measures.measures):
        village = _measure_series(measure, series, city)[:, lo:hi]
        counts = village if measure.agg != "mean" else None
        if measure.agg == "mean":
            value = MEANS.get(next(iter(measure.categories), ""), 80.0)
            town_s = np.full((n_towns, hi - lo), value)
            town_n = np.ones((n_towns, hi - lo))
            _set(cube, "town", m, town_s, town_n)
            _set(
                cube,
                "district",
                m,
                _up(town_s, city.town_district, n_districts),
                _up(town_n, city.town_district, n_districts),
            )
            _set(cube, "city", m, town_s.sum(axis=0, keepdims=True), town_n.sum(axis=0, keepdims=True))
            continue
        town = _up(counts, city.village_town, n_towns)
        _set(cube, "village", m, counts, counts)
        _set(cube, "town", m, town, town)
        district = _up(town, city.town_district, n_districts)
        _set(cube, "district", m, district, district)
        _set(cube, "city", m, town.sum(axis=0, keepdims=True), town.sum(axis=0, keepdims=True))
    return cube


def _measure_series(measure: Measure, series: dict, city: SimCity) -> np.ndarray:
    fld = "one" if measure.field in (COUNT, "quantity", "value", "amount") else measure.field
    total = np.zeros((len(city.population), city.days))
    for t in measure.event_types:
        total += series.get((t, fld), 0.0)
    return total


def _up(a: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, a.shape[1]))
    np.add.at(out, parent, a)
    return out


def _set(cube: Cube, level: str, m: int, s: np.ndarray, n: np.ndarray) -> None:
    if level in cube.levels:
        cube.levels[level].s[m] = s
        cube.levels[level].n[m] = np.round(n).astype(np.int64)


def run_engine(definition: Definition, kind: str, city: SimCity, series: dict, targets: list[Period]):
    """The engine's outcomes for `targets`, read from the simulated series."""
    from zhili.index.engine import window

    measures = MeasureSet(definition)
    first, last, _ = window(definition, kind, targets)
    first = max(first, city.first)
    units = {lvl: rows for lvl, rows in city.units.items() if lvl in definition.units}
    cube = fill_cube(city, measures, series, first, last)
    cube.levels = {lvl: c for lvl, c in cube.levels.items() if lvl in units}
    ctx = Context(definition, kind, targets, units, city.figures())
    return evaluate(ctx, cube, measures)


# --- what the outcomes say ------------------------------------------------------------------------


def table(outcomes, level: str, attr: str) -> tuple[list, list[str], np.ndarray]:
    """periods × units of one attribute of one level."""
    rows = [o for o in outcomes if o.level == level]
    periods = sorted({o.period.start for o in rows})
    codes = sorted({o.unit for o in rows})
    pi, ui = {p: i for i, p in enumerate(periods)}, {c: i for i, c in enumerate(codes)}
    out = np.full((len(periods), len(codes)), None, dtype=object)
    for o in rows:
        out[pi[o.period.start], ui[o.unit]] = getattr(o, attr)
    return periods, codes, out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return float("nan")
    ra, rb = _ranks(a[ok]), _ranks(b[ok])
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    s = np.sort(x)
    return (np.searchsorted(s, x, "left") + np.searchsorted(s, x, "right") + 1) / 2.0


def daily_figures(outcomes, red: str = "red") -> dict:
    _p, _c, grades = table(outcomes, "town", "grade")
    _p, _c, totals = table(outcomes, "town", "total")
    g = grades
    changed = (g[1:] != g[:-1]).mean()
    streaks = 0
    for u in range(g.shape[1]):
        run = 0
        for t in range(g.shape[0]):
            run = run + 1 if g[t, u] == red else 0
            streaks += run == 3
    town_years = g.shape[1] * g.shape[0] / 365.25
    x = totals.astype(float)
    ac = [np.corrcoef(x[1:, u], x[:-1, u])[0, 1] for u in range(x.shape[1]) if np.nanstd(x[:, u]) > 0]
    return {
        "changed": float(changed),
        "red_streaks_per_town_year": streaks / town_years,
        "lag1": float(np.nanmean(ac)) if ac else float("nan"),
        "levels": {lvl: float((g == lvl).mean()) for lvl in sorted({v for v in g.ravel() if v})},
    }


GRADE_ORDER = {"blue": 0, "green": 0, "yellow": 1, "orange": 2, "red": 3, None: 4}


def detection(outcomes, trials: list[tuple[int, int]], first: date, window_days: int = 2) -> dict:
    """Trials (town, first day of its rise) whose town's grade is worse than the day before the
    rise on one of its first `window_days` days; and the median delay of those caught at all."""
    periods, _codes, grades = table(outcomes, "town", "grade")
    pos = {p: i for i, p in enumerate(periods)}
    delays, hits = [], 0
    for u, day in trials:
        i = pos.get(first + timedelta(days=day))
        if i is None or i == 0:
            continue
        before = GRADE_ORDER[grades[i - 1, u]]
        worse = [
            k
            for k in range(window_days + 3)
            if i + k < len(periods) and GRADE_ORDER[grades[i + k, u]] > before
        ]
        if worse and worse[0] < window_days:
            hits += 1
        if worse:
            delays.append(worse[0] + 1)
    return {
        "power": hits / max(len(trials), 1),
        "median_delay": float(np.median(delays)) if delays else float("nan"),
        "trials": len(trials),
    }


def chance_worsening(outcomes, window_days: int = 2) -> float:
    """With no rise: how often a town's grade is worse than the day before on one of the next
    `window_days` days — what "detection" would be by chance."""
    _p, _c, grades = table(outcomes, "town", "grade")
    order = np.vectorize(GRADE_ORDER.get)(grades)
    out = [
        (order[i : i + window_days, u] > order[i - 1, u]).any()
        for u in range(order.shape[1])
        for i in range(1, order.shape[0] - window_days)
    ]
    return float(np.mean(out)) if out else float("nan")


def _floats(a) -> np.ndarray:
    return np.array([[np.nan if v is None else float(v) for v in row] for row in a])


def monthly_figures(outcomes, truth, level: str) -> dict:
    """Spearman of each month's totals with the truth's, and with the month before."""
    _p, _c, got = table(outcomes, level, "total")
    _p, _c, true = table(truth, level, "total")
    got, true = _floats(got), _floats(true)
    with_truth = [spearman(got[m], true[m]) for m in range(got.shape[0])]
    stability = [spearman(got[m], got[m - 1]) for m in range(1, got.shape[0])]
    return {"truth": float(np.nanmean(with_truth)), "stability": float(np.nanmean(stability))}


def star_figures(outcomes, truth) -> dict:
    _p, _c, stars = table(outcomes, "village", "stars")
    _p, _c, true = table(truth, "village", "stars")
    stars, true = _floats(stars), _floats(true)
    ok = ~np.isnan(stars) & ~np.isnan(true)
    change = np.abs(np.diff(stars, axis=0))
    return {
        **monthly_figures(outcomes, truth, "village"),
        "within_one_star": float((np.abs(stars - true)[ok] <= 1).mean()),
        "changed": float(np.nanmean(change > 0)),
        "moved_three": float(np.nanmean(change >= 3)),
    }


def level_change(outcomes, month_before: date, month: date) -> dict[str, float]:
    """Mean change of the total from one month to the next, per level."""
    out = {}
    for level in ("city", "district", "town"):
        before = {o.unit: o.total for o in outcomes if o.level == level and o.period.start == month_before}
        after = {o.unit: o.total for o in outcomes if o.level == level and o.period.start == month}
        diffs = [after[u] - before[u] for u in after if after[u] is not None and before.get(u) is not None]
        if diffs:
            out[level] = float(np.mean(diffs))
    return out


def city_drift(outcomes) -> float:
    """Mean absolute month-to-month change of the city's monthly total."""
    city = sorted((o.period.start, o.total) for o in outcomes if o.level == "city" and o.total is not None)
    totals = np.array([t for _d, t in city])
    return float(np.mean(np.abs(np.diff(totals)))) if len(totals) > 1 else float("nan")
