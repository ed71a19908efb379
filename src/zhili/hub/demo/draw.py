"""The events of each type (where, when, and their field columns), and those columns fitted to the
event type's schema as it is in the database."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from .calendar import HOURS, _Calendar
from .fields import Spec, _Ctx
from .seeds import _crc
from .specs import AIR, PARTICIPATION, SERIOUS, VOLUME
from .units import INDUSTRIAL_FACTOR, POOL, _Units

TYPE_SPREAD = 0.15  # each event type's own persistent differences between units
INDUSTRIAL_TYPES = ("work_safety.", "fire.")

log = logging.getLogger("zhili.hub")


@dataclass
class _Rows:
    """The events of one type: where and when, and its field columns."""

    code: str
    unit: np.ndarray
    day: np.ndarray
    second: np.ndarray  # local second of the day
    grid: np.ndarray
    point: np.ndarray
    columns: dict[str, tuple[np.ndarray, np.ndarray | None]]  # name → (values, given or None: all)


def _draw(spec: Spec, units: _Units, cal: _Calendar, bad_weeks: list, scale: float, seed: int) -> _Rows:
    rng = np.random.default_rng([seed, _crc(spec.code)])
    hot = units.hot[spec.hotspot] if spec.hotspot else np.ones(len(units.codes))
    weight = units.population * np.where(units.village, spec.village, spec.community) * hot
    if units.risk is not None and len(units.codes):  # persistent differences (units._risk)
        own = np.exp(
            TYPE_SPREAD
            * np.random.default_rng([seed, _crc("risk " + spec.code)]).normal(size=len(units.codes))
        )
        weight = weight * units.risk * own
        if spec.code.startswith(INDUSTRIAL_TYPES):
            weight = weight * np.where(units.industrial, INDUSTRIAL_FACTOR, 1.0)
    weight *= units.population.sum() / weight.sum()  # the city's total stays rate × population
    per_day = spec.rate * VOLUME.get(spec.code, 1.0) * scale / 10_000 / cal.size
    lam = np.outer(weight * per_day, cal.factor(spec)[: cal.included])
    if spec.crime:
        for district, start, factor in bad_weeks:
            lam[units.district == district, start : start + 7] *= factor
    counts = rng.poisson(lam)
    u, d = np.nonzero(counts)
    unit, day = np.repeat(u, counts[u, d]), np.repeat(d, counts[u, d])
    n = len(unit)
    hour = rng.choice(24, size=n, p=HOURS[spec.hours] / HOURS[spec.hours].sum())
    second = hour * 3600 + rng.integers(0, 3600, n)
    grid = np.searchsorted(units.grid_key, unit + rng.random(n), side="right")
    point = rng.integers(0, POOL, n)
    ctx = _Ctx(n=n, village=units.village[unit], hour=hour, month=cal.month[day], unit=unit, units=units)
    raw = spec.fields(rng, ctx) if spec.fields else {}
    columns = {}
    for name, col in raw.items():
        values, given = col if isinstance(col, tuple) else (col, None)
        columns[name] = (np.asarray(values), None if given is None else np.asarray(given, dtype=bool))
    return _Rows(spec.code, unit, day, second, grid, point, columns)


def _homicide_cases(homicides: _Rows) -> _Rows:
    """Each homicide is also a serious crime of the category intentional_homicide (catalogue rule)."""
    n = len(homicides.unit)
    h = homicides
    columns = {
        "category": (np.full(n, "intentional_homicide", dtype=object), None),
        "deaths": h.columns["deaths"],
    }
    return _Rows(SERIOUS, h.unit, h.day, h.second, h.grid, h.point, columns)


def _concat(a: _Rows, b: _Rows) -> _Rows:
    columns = {}
    for name in dict.fromkeys([*a.columns, *b.columns]):
        values, given = [], []
        for r in (a, b):
            n = len(r.unit)
            v, g = r.columns.get(name, (np.zeros(n, dtype=object), np.zeros(n, dtype=bool)))
            values.append(v.astype(object))
            given.append(np.ones(n, dtype=bool) if g is None else g)
        columns[name] = (np.concatenate(values), np.concatenate(given))
    parts = (
        np.concatenate([getattr(a, k), getattr(b, k)]) for k in ("unit", "day", "second", "grid", "point")
    )
    return _Rows(a.code, *parts, columns)


def _participation(answers: _Rows, units: _Units, cal: _Calendar, seed: int) -> _Rows:
    """Per village/community and month: how many answered the survey and how many were asked,
    dated the month's last day at 20:00, for the months that are over."""
    rng = np.random.default_rng([seed, _crc(PARTICIPATION)])
    n_units = len(units.codes)
    month = cal.month[answers.day] - 1
    counts = np.bincount(answers.unit * 12 + month, minlength=n_units * 12).reshape(n_units, 12)
    last = np.array([cal.index(date(cal.year + (m == 12), m % 12 + 1, 1)) - 1 for m in range(1, 13)])
    u, m = np.nonzero(counts * (last < cal.included)[None, :])
    quantity = counts[u, m]
    invited = np.round(quantity * rng.uniform(1.6, 2.4, len(u))).astype("int64")
    survey = np.array([f"{cal.year}年{k + 1}月群众安全感和满意度调查" for k in m.tolist()], dtype=object)
    n = len(u)
    columns = {"quantity": (quantity, None), "invited": (invited, None), "survey": (survey, None)}
    second = np.full(n, 20 * 3600, dtype="int64")
    return _Rows(PARTICIPATION, u, last[m], second, units.grid_main[u], np.zeros(n, dtype="int64"), columns)


def _air_quality(units: _Units, cal: _Calendar, seed: int) -> _Rows:
    """One daily PM2.5 mean per town: a regional series (high in winter, low in summer, three
    autumn episodes, annual mean 18–20 µg/m³, ~90 % of days at most 35) times a town factor and
    local noise. Not scaled: one reading per town and day, from a station in its most populous grid."""
    rng = np.random.default_rng([seed, _crc(AIR)])
    t = np.arange(cal.size)
    noise = rng.normal(0, 0.28, cal.size)
    ar = np.zeros(cal.size)
    for i in range(1, cal.size):
        ar[i] = 0.75 * ar[i - 1] + noise[i]
    series = (1 + 0.5 * np.cos(2 * math.pi * (t - 10) / cal.size)) * np.exp(ar)
    autumn = cal.index(date(cal.year, 9, 15)), cal.index(date(cal.year, 11, 30))
    for _episode in range(3):
        centre, width = rng.integers(*autumn), rng.uniform(1.5, 3.0)
        series *= 1 + rng.uniform(0.8, 1.6) * np.exp(-(((t - centre) / width) ** 2))
    series *= rng.uniform(18.0, 20.0) / series.mean()
    n_towns = len(units.towns)
    town_factor = np.exp(rng.normal(0, 0.08, n_towns))
    town_factor /= town_factor.mean()
    town = np.repeat(np.arange(n_towns), cal.included)
    day = np.tile(np.arange(cal.included), n_towns)
    local = np.exp(rng.normal(0, 0.1, len(day)))
    value = np.round(np.clip(series[day] * town_factor[town] * local, 1, 999), 1)
    # PM10 beside it: coarse dust adds 50–90 % to the fine particles (PM2.5/PM10 ≈ 0.55–0.65)
    pm10 = np.round(np.clip(value * rng.uniform(1.5, 1.9, len(day)), 1, 999), 1)
    station = np.array([s for _code, _name, s in units.towns], dtype="int64")[town]
    names = np.array([f"{name}站" for _code, name, _s in units.towns], dtype=object)[town]
    n = len(day)
    columns = {
        "category": (
            np.concatenate([np.full(n, "pm25", dtype=object), np.full(n, "pm10", dtype=object)]),
            None,
        ),
        "value": (np.concatenate([value, pm10]), None),
        "averaging": (np.full(2 * n, "day", dtype=object), None),
        "station": (np.concatenate([names, names]), None),
    }
    second = np.full(2 * n, 12 * 3600, dtype="int64")
    station2 = np.concatenate([station, station])
    return _Rows(
        AIR,
        units.grid_unit[station2],
        np.concatenate([day, day]),
        second,
        station2,
        np.zeros(2 * n, dtype="int64"),
        columns,
    )


# --- fitting the columns to the catalogue as it is ----------------------------------------------
@dataclass
class _TypeInfo:
    code: str
    pk: int
    department_id: int
    family: str
    names: list[str]  # the fields given, in schema order
    columns: list[tuple[np.ndarray, np.ndarray | None]]
    measures: dict[str, np.ndarray]
    categories: list[dict]  # the schema's category fields (for the messages of rejected items)


def _conform(rows: _Rows, event_type, rng: np.random.Generator) -> _TypeInfo | None:
    """What the type's schema accepts, as the validator would store it; None when the type needs a
    field the demo cannot make."""
    n = len(rows.unit)
    names, columns, given = [], [], {}
    for spec in event_type.fields or []:
        name, kind, required = spec["name"], spec.get("type", "text"), bool(spec.get("required"))
        choices = list(spec.get("choices") or [])
        col = rows.columns.get(name)
        if col is None and required and kind == "category" and choices:
            col = (np.array(choices, dtype=object)[rng.integers(0, len(choices), n)], None)
        if col is None:
            if required:
                log.warning("demo events: %s requires %s, which the demo does not make", rows.code, name)
                return None
            continue
        values, present = col
        if kind == "category":
            values = values.astype(object)
            if choices and not np.isin(values[present] if present is not None else values, choices).all():
                bad = ~np.isin(values, choices)
                if required:
                    values = values.copy()
                    values[bad] = np.array(choices, dtype=object)[
                        rng.integers(0, len(choices), int(bad.sum()))
                    ]
                else:
                    present = ~bad if present is None else present & ~bad
        elif kind in ("int", "decimal"):
            if values.dtype == object:
                continue
            values = values.astype("int64" if kind == "int" else "float64")
            if spec.get("min") is not None or spec.get("max") is not None:
                values = np.clip(values, spec.get("min"), spec.get("max"))
        elif kind == "bool":
            values = values.astype(bool)
        else:
            values = values.astype(object)
        if required:
            present = None
        names.append(name)
        columns.append((values, present))
        given[name] = (values, present)
    categories = [s for s in event_type.fields or [] if s.get("type") == "category" and s.get("choices")]
    return _TypeInfo(
        event_type.code,
        event_type.pk,
        event_type.department_id,
        event_type.family,
        names,
        columns,
        _measures(given, n),
        categories,
    )


def _measures(given: dict, n: int) -> dict[str, np.ndarray]:
    """The measure columns as the validator fills them: the field's value, else the default."""
    out = {}
    for name, default in (("quantity", 1), ("deaths", 0), ("injuries", 0), ("amount", None), ("value", None)):
        fill = np.nan if default is None else default
        values, present = given.get(name, (None, None))
        col = np.full(n, fill, dtype="float64" if default is None else "int64")
        if values is not None:
            col = (
                values.astype(col.dtype)
                if present is None
                else np.where(present, values, fill).astype(col.dtype)
            )
        out[name] = col
    values, present = given.get("category", (None, None))
    out["category"] = np.full(n, "", dtype=object)
    if values is not None:
        out["category"] = (
            values.astype(object) if present is None else np.where(present, values, "").astype(object)
        )
    return out
