"""Has a department delivered a day? Judged from the data themselves, every time a run reads them.

A day with no data is not the safest day of the year. Each department's volume for a day (its
events of that day in the lake, whenever they arrived) is compared with its own recent history:
the same kind of day (a working day with the same weekday; a rest day — weekend or statutory
holiday — with the previous rest days) over the last eight weeks. A count so low that such a day
would give it less than once in a thousand (negative binomial, with the spread of those days)
is a short delivery: the leaves it feeds are missing for that day, never scored as quiet.

Nothing is stored: a late delivery, a backfill, a correction change the lake and the next run
judges again. A day whose cut-off (06:00 the next morning, ZHILI_HUB_CUTOFF) has not passed is
*open*: what it shows is provisional whatever arrived.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import numpy as np

from zhili.core.workdays import day_type
from zhili.hub.ingest import cutoff_for
from zhili.index import methods
from zhili.index.duck import _sql_list, day_files

HISTORY_DAYS = 56  # eight weeks of history
MIN_HISTORY = 3  # days of the same kind needed to judge at all (a new feed is not judged)
ALPHA = 1e-3  # a short delivery: a volume this unlikely on a usual day of its kind


@dataclass
class Judgement:
    short: dict[str, set[date]] = field(default_factory=dict)  # department → days delivered short
    open_days: set[date] = field(default_factory=set)  # days before their cut-off: provisional
    # department → day → (count, expected) for the days judged short, to say why
    detail: dict[str, dict[date, tuple[int, float]]] = field(default_factory=dict)

    def as_missing(self) -> dict[str, set[date]]:
        return {d: set(days) for d, days in self.short.items() if days}


def lake_counts(first: date, last: date) -> dict[str, dict[date, int]]:
    """Events per department and day in the lake, first..last."""
    files = day_files(first, last)
    if not files:
        return {}
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT department, occurred_date, count(*) FROM read_parquet("  # noqa: S608 - our paths
            + _sql_list(files)
            + ") GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[date, int]] = {}
    for dept, day, n in rows:
        out.setdefault(dept, {})[day] = int(n)
    return out


def judge(first: date, last: date, *, now: datetime, lake_from: date | None) -> Judgement:
    """Short deliveries and open days over first..last. `lake_from` is the lake's first day:
    earlier days are unknown, not days without events, and are no one's history."""
    result = Judgement(open_days={d for d in _days(first, last) if cutoff_for(d) > now})
    if lake_from is None:
        return result
    counts = lake_counts(max(first - timedelta(days=HISTORY_DAYS), lake_from), last)
    for dept, per_day in sorted(counts.items()):
        for day in _days(max(first, lake_from), last):
            history = _history(per_day, day, lake_from)
            if len(history) < MIN_HISTORY:
                continue
            mean = statistics.fmean(history)
            if mean <= 0:
                continue
            phi = max(1.0, statistics.variance(history) / mean) if len(history) > 1 else 1.0
            count = per_day.get(day, 0)
            lower, _upper = methods.count_tails(np.array([count]), np.array([mean]), dispersion=phi)
            if lower[0] < ALPHA:
                result.short.setdefault(dept, set()).add(day)
                result.detail.setdefault(dept, {})[day] = (count, round(mean, 2))
    return result


def _history(per_day: dict[date, int], day: date, lake_from: date) -> list[int]:
    """The department's counts on the days of the same kind in the eight weeks before `day`."""
    kind = day_type(day)
    back = [day - timedelta(days=k) for k in range(1, HISTORY_DAYS + 1)]
    back = [d for d in back if d >= lake_from]
    if kind == "work":
        same = [d for d in back if day_type(d) == "work" and d.weekday() == day.weekday()]
    else:
        same = [d for d in back if day_type(d) == "rest"][:8]
    return [per_day.get(d, 0) for d in same]


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)
