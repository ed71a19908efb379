"""The simulation study behind `zhili index simulate` and bench/bench_simulate.py: every figure of
`simulate` for each definition version given, on the same synthetic city and the same draws, and
the goals they are held to."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np

from zhili.index import simulate as sim
from zhili.index.definitions import Definition
from zhili.index.periods import periods_between

SIZES = {
    "full": {"districts": 5, "towns": 26, "villages": 330, "years": 3},  # the demo city's shape
    # fewer towns of the same size (≈ 95,000 residents, 12–13 villages each): the test's city
    "small": {"districts": 2, "towns": 8, "villages": 100, "years": 3},
}
# The goals of the default definition (issue 11), as (figure, comparison, value).
GOALS = {
    "daily.changed": ("≤", 0.10),
    "daily.red_streaks_per_town_year": ("≤", 1.0),
    "rise.all.power": ("≥", 0.90),
    "monthly.truth": ("≥", 0.80),
    "stars.truth": ("≥", 0.60),
}
RISES = {  # scenario → which types are doubled, by the leaf of the daily tree that counts them
    "all": None,
    "crime": "public_security/crime_disorder_calls",
    "burglary": ("police.burglary",),
}


@dataclass
class Version:
    name: str
    index: Definition  # daily and monthly (pingan_plus)
    stars: Definition  # monthly, villages (star_rating)


def _met(value: float, goal: tuple[str, float]) -> bool:
    op, target = goal
    return bool(value <= target) if op == "≤" else bool(value >= target)


def study(versions: list[Version], *, size: str = "full", seed: int = 1, log=print) -> dict:
    city = sim.build_city(seed=seed, **SIZES[size])
    year = city.first.year + SIZES[size]["years"] - 1
    first, last = date(year, 1, 1), date(year, 12, 31)
    rates = sim.event_rates([d for v in versions for d in (v.index, v.stars)])
    started = time.perf_counter()
    stationary = sim.draw(city, rates, [], seed=1)
    truth = sim.draw(city, rates, [], seed=1, expected=True)
    days = periods_between("day", first, last)
    months = periods_between("month", first, last)
    out: dict = {"size": size, "seed": seed, "towns": len(city.units["town"]),
                 "villages": len(city.units["village"]), "year": year, "versions": {}}  # fmt: skip
    for v in versions:
        t0 = time.perf_counter()
        fig: dict = {}
        daily = sim.run_engine(v.index, "day", city, stationary, days)
        fig["daily"] = sim.daily_figures(daily)
        fig["daily"]["chance_worsening"] = sim.chance_worsening(daily)
        for name, spec in RISES.items():
            fig[f"rise.{name}"] = _rise(v.index, city, rates, name, spec, first, days)
        monthly = sim.run_engine(v.index, "month", city, stationary, months)
        monthly_truth = sim.run_engine(v.index, "month", city, truth, months)
        fig["monthly"] = sim.monthly_figures(monthly, monthly_truth, "town")
        fig["monthly"]["city_drift"] = sim.city_drift(monthly)
        fig["monthly"]["rise_10pct"] = _ten_percent(v.index, city, rates, months)
        stars = sim.run_engine(v.stars, "month", city, stationary, months)
        stars_truth = sim.run_engine(v.stars, "month", city, truth, months)
        fig["stars"] = sim.star_figures(stars, stars_truth)
        fig["stars"]["disputes_tripled"] = _tripled(v.stars, city, rates, months)
        fig["seconds"] = round(time.perf_counter() - t0, 1)
        out["versions"][v.name] = fig
        log(f"{v.name}: {fig['seconds']} s")
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _rise_types(definition: Definition, spec) -> tuple[str, ...]:
    if spec is None:  # every type the daily tree counts
        tree = definition.daily_tree()
        return tuple(sorted({t for leaf in tree.leaves() for t in leaf.measure["event_types"]}))
    if isinstance(spec, tuple):
        return spec
    node = definition.find(spec)
    return tuple(node.measure["event_types"]) if node is not None else ()


ROUNDS = 3  # rises per town (120 days apart), so that each figure stands on 3 × towns trials


def _rise(definition, city, rates, name, spec, first: date, days) -> dict:
    """Each town's types doubled for three days, three times a year, the towns one after another
    13 days apart (each rise well clear of the next one's reference window)."""
    types = _rise_types(definition, spec)
    n_towns = len(city.units["town"])
    offset = (first - city.first).days
    trials = [(u, 20 + 13 * (u % 9) + 120 * r) for r in range(ROUNDS) for u in range(n_towns)]
    trials = [(u, d) for u, d in trials if d + 5 < len(days)]
    rises = [
        sim.Rise(types, 2.0, city.village_town == u, slice(offset + d, offset + d + 3)) for u, d in trials
    ]
    drawn = sim.draw(city, rates, rises, seed=2)
    outcomes = sim.run_engine(definition, "day", city, drawn, days)
    return sim.detection(outcomes, trials, first)


def _ten_percent(definition, city, rates, months) -> dict[str, float]:
    """Everything 10 % up from July, without noise (the expected counts): the change of the
    total from June, per level, less the change the same months show without the rise."""
    july = (date(months[0].start.year, 7, 1) - city.first).days
    rise = [sim.Rise(None, 1.1, None, slice(july, None))]
    with_rise = sim.run_engine(
        definition, "month", city, sim.draw(city, rates, rise, seed=3, expected=True), months
    )
    without = sim.run_engine(
        definition, "month", city, sim.draw(city, rates, [], seed=3, expected=True), months
    )
    a = sim.level_change(with_rise, months[5].start, months[6].start)
    b = sim.level_change(without, months[5].start, months[6].start)
    return {level: a[level] - b.get(level, 0.0) for level in a}


def _tripled(definition, city, rates, months) -> float:
    """Two villages a month whose disputes triple for that month: the share whose stars drop."""
    rng = np.random.default_rng([city.seed, 7])
    node = next((leaf for leaf in definition.leaves() if leaf.path.endswith("/disputes")), None)
    if node is None:
        return float("nan")
    types = tuple(node.measure["event_types"])
    picked = rng.choice(len(city.population), size=2 * (len(months) - 1), replace=False)
    rises, cases = [], []
    for k, v in enumerate(picked):
        month = months[1 + k // 2]
        lo = (month.start - city.first).days
        hi = (month.end - city.first).days + 1
        mask = np.zeros(len(city.population), dtype=bool)
        mask[v] = True
        rises.append(sim.Rise(types, 3.0, mask, slice(lo, hi)))
        cases.append((city.units["village"][v].code, month.start, month.previous().start))
    drawn = sim.draw(city, rates, rises, seed=4)
    outcomes = sim.run_engine(definition, "month", city, drawn, months)
    stars = {(o.unit, o.period.start): o.stars for o in outcomes}
    dropped = [
        (stars.get((u, m)) or 0) < (stars.get((u, before)) or 0)
        for u, m, before in cases
        if stars.get((u, before))
    ]
    return float(np.mean(dropped)) if dropped else float("nan")


# --- the table ------------------------------------------------------------------------------------

ROWS = [
    ("daily.changed", "town-days that change colour from the day before", "{:.1%}"),
    ("daily.red_streaks_per_town_year", "false red streaks (3 reds in a row) per town-year", "{:.2f}"),
    ("daily.lag1", "lag-1 autocorrelation of a town's daily score", "{:.2f}"),
    ("daily.chance_worsening", "colour worse within 2 days, no rise (chance)", "{:.1%}"),
    ("rise.all.power", "3-day doubling of all daily types: detected in 2 days", "{:.0%}"),
    ("rise.all.median_delay", "  median delay, days", "{:.1f}"),
    ("rise.crime.power", "3-day doubling of crime & disorder calls: in 2 days", "{:.0%}"),
    ("rise.burglary.power", "3-day doubling of burglaries: in 2 days", "{:.0%}"),
    ("monthly.truth", "towns' monthly index: Spearman with the truth", "{:.2f}"),
    ("monthly.stability", "towns' monthly index: Spearman month to month", "{:.2f}"),
    ("monthly.city_drift", "city's monthly score: mean |change| month to month", "{:.2f}"),
    ("monthly.rise_10pct.city", "10 % rise of everything: change of the city's score", "{:+.2f}"),
    ("monthly.rise_10pct.district", "  … of the districts' (mean)", "{:+.2f}"),
    ("monthly.rise_10pct.town", "  … of the towns' (mean)", "{:+.2f}"),
    ("stars.truth", "villages' star score: Spearman with the truth", "{:.2f}"),
    ("stars.stability", "villages' star score: Spearman month to month", "{:.2f}"),
    ("stars.within_one_star", "villages within one star of their true stars", "{:.0%}"),
    ("stars.changed", "villages whose stars change month to month", "{:.0%}"),
    ("stars.moved_three", "  … by three stars or more", "{:.1%}"),
    ("stars.disputes_tripled", "a village's disputes tripled for a month: stars drop", "{:.0%}"),
]


def _get(fig: dict, key: str):
    head, _dot, rest = key.partition(".")
    if head in ("rise",):
        name, _d, leaf = rest.partition(".")
        return fig.get(f"rise.{name}", {}).get(leaf)
    value = fig.get(head, {})
    for part in rest.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render(result: dict) -> str:
    names = list(result["versions"])
    width = max(len(label) for _k, label, _f in ROWS) + 2
    lines = [
        f"Simulated city: {result['towns']} towns, {result['villages']} villages; year {result['year']} "
        f"evaluated after two years of history; seed {result['seed']}; {result['seconds']} s",
        "".ljust(width) + "".join(n.rjust(14) for n in names) + "   goal",
    ]
    for key, label, fmt in ROWS:
        cells = []
        for n in names:
            value = _get(result["versions"][n], key)
            cells.append((fmt.format(value) if value is not None and value == value else "—").rjust(14))
        goal = GOALS.get(key)
        note = ""
        if goal:
            value = _get(result["versions"][names[-1]], key)
            shown = fmt.format(goal[1]) if "%" in fmt else f"{goal[1]:g}"
            met = value is not None and value == value and _met(value, goal)
            note = f"   {goal[0]} {shown} {'met' if met else 'NOT met'}"
        lines.append(label.ljust(width) + "".join(cells) + note)
    return "\n".join(lines)


def catalogue_types() -> dict[str, list]:
    """The shipped catalogue's types and their fields, read from its file (no database needed)."""
    import yaml

    from zhili.hub.catalogue import DEFAULT_PATH

    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    entries = raw.get("types", raw) if isinstance(raw, dict) else raw
    return {e["code"]: e.get("fields") or [] for e in entries}


def shipped_versions() -> list[Version]:
    """The earlier shipped default (version 1) and the current one, read from their files."""
    from zhili.index.definitions import DATA_DIR, load_file

    types = catalogue_types()

    def pair(name: str, index, stars) -> Version:
        return Version(name, load_file(index, event_types=types), load_file(stars, event_types=types))

    return [
        pair("v1", DATA_DIR / "versions/pingan_plus.v1.yaml", DATA_DIR / "versions/star_rating.v1.yaml"),
        pair("v2 (default)", DATA_DIR / "pingan_plus.yaml", DATA_DIR / "star_rating.yaml"),
    ]
