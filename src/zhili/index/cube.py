"""The measure cube: what every leaf, deduction and veto of a definition counts, per unit and day.

The engines differ only here. Both run the same SQL (`cube_sql`) over the lake's events — DuckDB
in-process (`duck.py`), Spark on a cluster (`spark.py`) — and hand back long rows
``(m, district_code, town_code, village_code, day, s, n)``: measure number, where, which day, the
sum of the measure's field (or the count of events) and the number of values summed (for means).
`Cube` turns those rows into dense arrays, one per unit level, that the scoring code reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhili.index.definitions import Definition

# What a measure sums. COUNT is a constant 1 per event.
COUNT = "one"
DECIMAL_DIGITS, DECIMAL_SCALE = 38, 6  # the exact sums of `cube_sql`
# The order in which the engines' rows are added into the dense arrays (ties cannot occur: these
# are the group-by keys), so that the float additions happen in one order whatever the engine.
ROW_ORDER = [(k, "ascending") for k in ("m", "district_code", "town_code", "village_code", "day")]
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


def cube_sql(events: str, mapping: str, measures: MeasureSet, *, village: bool) -> str:
    """One aggregation, portable between DuckDB and Spark SQL: the events joined to the measure
    mapping (`mapping`: m, type, category, fld) by type (and category), each measure's field
    summed per place and day. `events` and `mapping` are table expressions; the day range is in
    the caller's `events`. (Aggregating the events per type first and joining afterwards read
    fewer columns but took three times as long on 20 M events: the join is cheap, a second wide
    group-by is not.)"""
    fields = sorted({m.field for m in measures.measures} - {COUNT})
    # Exact sums: a floating-point sum depends on the order of its terms, which differs with the
    # engine, its threads and how the events are split into files; a decimal sum does not. Values
    # are kept to the micro-unit (µg/m³, yuan), far below what any measure records.
    value = (
        "CAST(CASE m.fld WHEN 'one' THEN 1 "
        + " ".join(f"WHEN '{f}' THEN e.{f}" for f in fields)
        + f" END AS DECIMAL({DECIMAL_DIGITS}, {DECIMAL_SCALE}))"
    )
    village_col = "e.village_code" if village else "CAST(NULL AS STRING)"
    # names are ours (measure fields from a fixed list), never user input
    return f"""
SELECT m.m AS m, e.district_code AS district_code, e.town_code AS town_code,
       {village_col} AS village_code, e.occurred_date AS day,
       SUM({value}) AS s, COUNT({value}) AS n
FROM {events} e
JOIN {mapping} m ON e.type = m.type AND (m.category IS NULL OR e.category = m.category)
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

    def fill(self, table: pa.Table) -> Cube:
        """Add the engines' long rows (an Arrow table: m, district_code, town_code, village_code,
        day, s, n) into every level: codes to unit positions through their dictionary (one
        lookup per distinct code), then one weighted bincount per level."""
        if table.num_rows == 0:
            return self
        table = table.sort_by(ROW_ORDER)
        m = table.column("m").to_numpy().astype(np.int64)
        day = table.column("day").cast(pa.date32()).to_numpy().astype("datetime64[D]")
        day = (day - np.datetime64(self.first, "D")).astype(np.int64)
        keep = (day >= 0) & (day < self.days)
        s = np.nan_to_num(pc.cast(table.column("s"), pa.float64()).to_numpy(zero_copy_only=False))
        n = table.column("n").to_numpy(zero_copy_only=False).astype(np.int64)
        for level, cube in self.levels.items():
            if level == "city":
                u = np.zeros(m.size, dtype=np.int64)
            else:
                u = _positions(table.column(f"{level}_code"), cube.index())
            ok = keep & (u >= 0)
            size = len(self.measures) * len(cube.codes) * self.days
            flat = (m[ok] * len(cube.codes) + u[ok]) * self.days + day[ok]
            cube.s += np.bincount(flat, weights=s[ok], minlength=size).reshape(cube.s.shape)
            cube.n += np.bincount(flat, weights=n[ok], minlength=size).astype(np.int64).reshape(cube.n.shape)
        return self

    def digest(self) -> str:
        """What the scores are computed from, as a hash: the same events give the same digest
        whatever order they arrived in, how they were split into files, and which engine summed."""
        h = hashlib.sha256(f"{self.first}|{self.last}|{self.observed_from}".encode())
        for level in sorted(self.levels):
            cube = self.levels[level]
            h.update(("|".join([level, *cube.codes]) + "\n").encode())
            h.update(np.ascontiguousarray(cube.s, dtype="<f8").tobytes())
            h.update(np.ascontiguousarray(cube.n, dtype="<i8").tobytes())
        return h.hexdigest()


def _positions(column: pa.ChunkedArray, index: dict[str, int]) -> np.ndarray:
    """Each row's unit position (−1 for a code not scored, or none)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    lookup = np.array([index.get(code, -1) for code in encoded.dictionary.to_pylist()] + [-1], dtype=np.int64)
    rows = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return lookup[rows]
