"""The measure cube: what every leaf, deduction and veto of a definition counts, per unit and day.

The engines differ only here. Both run the same SQL (`cube_sql`) over the lake's events — DuckDB
in-process (`duck.py`), Spark on a cluster (`spark.py`) — and hand back long rows
``(m, district_code, town_code, village_code, day, s, n)``: measure number, where, which day, the
sum of the measure's field (or the count of events) and the number of values summed (for means).
`Cube` turns those rows into dense arrays, one per unit level, that the scoring code reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from zhili.index.definitions import Definition

# What a measure sums. COUNT is a constant 1 per event.
COUNT = "one"
LEVELS = ("city", "district", "town", "village")


@dataclass(frozen=True)
class Measure:
    event_types: tuple[str, ...]
    field: str  # quantity | deaths | injuries | amount | value | one
    agg: str  # count | sum | mean
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: dict) -> Measure:
        agg = spec.get("agg") or ("sum" if spec.get("field") else "count")
        field = COUNT if agg == "count" else spec["field"]
        return cls(
            tuple(sorted(spec["event_types"])), field, agg, tuple(sorted(spec.get("categories") or ()))
        )


class MeasureSet:
    """The distinct measures of a definition, numbered; leaves, deductions and veto rules that
    count the same thing share one number."""

    def __init__(self, definition: Definition):
        self.measures: list[Measure] = []
        self._index: dict[Measure, int] = {}
        self.of_leaf: dict[str, int] = {}
        self.of_deduction: dict[str, int] = {}
        self.of_veto: dict[str, int] = {}
        for leaf in definition.leaves():
            self.of_leaf[leaf.path] = self.add(Measure.of(leaf.measure))
        for rule in definition.deductions:
            self.of_deduction[rule["code"]] = self.add(Measure.of(rule["measure"]))
        for rule in definition.veto:
            self.of_veto[rule["code"]] = self.add(Measure.of(rule["measure"]))

    def add(self, m: Measure) -> int:
        if m not in self._index:
            self._index[m] = len(self.measures)
            self.measures.append(m)
        return self._index[m]

    def __len__(self) -> int:
        return len(self.measures)

    def mapping_rows(self) -> list[tuple[int, str, str | None, str]]:
        """(measure, event type, category or None, field): the join table of `cube_sql`."""
        rows = []
        for i, m in enumerate(self.measures):
            for t in m.event_types:
                for c in m.categories or (None,):
                    rows.append((i, t, c, m.field))
        return rows

    def event_types(self) -> list[str]:
        return sorted({t for m in self.measures for t in m.event_types})


def cube_sql(events: str, measures: str, *, village: bool) -> str:
    """One aggregation, portable between DuckDB and Spark SQL: events joined to the measure
    mapping by type (and category), summed per measure, place and day. `events` and `measures`
    are table expressions; the day range is filtered by the caller's `events`."""
    value = (
        "CAST(CASE m.fld WHEN 'one' THEN 1 WHEN 'quantity' THEN e.quantity WHEN 'deaths' THEN e.deaths "
        "WHEN 'injuries' THEN e.injuries WHEN 'amount' THEN e.amount WHEN 'value' THEN e.value END AS DOUBLE)"
    )
    village_col = "e.village_code" if village else "CAST(NULL AS STRING)"
    # table names and the column choice are ours, never user input
    return f"""
SELECT m.m AS m, e.district_code AS district_code, e.town_code AS town_code,
       {village_col} AS village_code, e.occurred_date AS day,
       SUM({value}) AS s, COUNT({value}) AS n
FROM {events} e
JOIN {measures} m ON e.type = m.type AND (m.category IS NULL OR e.category = m.category)
GROUP BY m.m, e.district_code, e.town_code, {village_col}, e.occurred_date
"""  # noqa: S608


@dataclass
class LevelCube:
    """Sums and counts of one unit level: arrays measures × units × days."""

    level: str
    codes: list[str]
    s: np.ndarray
    n: np.ndarray

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}


class Cube:
    """Dense per-level arrays over the days `first`..`last` for the given unit codes."""

    def __init__(self, measures: MeasureSet, first: date, last: date, units: dict[str, list[str]]):
        self.measures = measures
        self.first = first
        self.last = last
        self.days = (last - first).days + 1
        # the first day the lake holds: earlier days are unknown, not days without events
        self.observed_from: date | None = None
        shape = (len(measures),)
        self.levels = {
            level: LevelCube(
                level,
                codes,
                np.zeros((*shape, len(codes), self.days)),
                np.zeros((*shape, len(codes), self.days), dtype=np.int64),
            )
            for level, codes in units.items()
        }

    def day_index(self, d: date) -> int:
        return (d - self.first).days

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def fill(self, columns: dict[str, np.ndarray]) -> Cube:
        """Add long rows (numpy columns m, district_code, town_code, village_code, day as
        datetime64[D], s, n) into every level."""
        m = np.asarray(columns["m"], dtype=np.int64)
        if m.size == 0:
            return self
        day = (np.asarray(columns["day"], dtype="datetime64[D]") - np.datetime64(self.first, "D")).astype(
            np.int64
        )
        keep = (day >= 0) & (day < self.days)
        s = np.nan_to_num(np.asarray(columns["s"], dtype=float))
        n = np.asarray(columns["n"], dtype=np.int64)
        for level, cube in self.levels.items():
            if level == "city":
                u = np.zeros(m.size, dtype=np.int64)
                ok = keep.copy()
            else:
                col = {"district": "district_code", "town": "town_code", "village": "village_code"}[level]
                index = cube.index()
                u = np.array(
                    [index.get(c, -1) if c is not None else -1 for c in columns[col]], dtype=np.int64
                )
                ok = keep & (u >= 0)
            np.add.at(cube.s, (m[ok], u[ok], day[ok]), s[ok])
            np.add.at(cube.n, (m[ok], u[ok], day[ok]), n[ok])
        return self
