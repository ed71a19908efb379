"""Reporting periods: day, dekad (旬: days 1–10, 11–20, 21–end of month), ISO week (Monday
first), month, quarter, year. A period is identified by its kind and first day; labels are the
city's ("2026年10月上旬"), in Chinese or English."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from zhili.core.dates import day_label
from zhili.core.errors import ZhiliError

KINDS = ("day", "dekad", "week", "month", "quarter", "year")


class PeriodError(ZhiliError):
    code = "invalid_period"


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: date

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        return next_start(self) - timedelta(days=1)

    @property
    def days(self) -> int:
        return (next_start(self) - self.start).days

    def next(self) -> Period:
        return Period(self.kind, next_start(self))

    def previous(self) -> Period:
        return period_of(self.kind, self.start - timedelta(days=1))

    def shift(self, n: int) -> Period:
        p = self
        for _i in range(abs(n)):
            p = p.next() if n > 0 else p.previous()
        return p

    def last_year(self) -> Period:
        """The same period one year earlier (29 February → 28 February; ISO week N of the previous
        ISO year, or its last week if it has no week 53)."""
        if self.kind == "week":
            iso_year, week, _d = self.start.isocalendar()
            weeks = date(iso_year - 1, 12, 28).isocalendar()[1]
            return Period("week", date.fromisocalendar(iso_year - 1, min(week, weeks), 1))
        return Period(self.kind, minus_year(self.start))

    @property
    def key(self) -> str:
        return self.start.isoformat()

    def label(self, language: str = "zh-hans") -> str:
        s = self.start
        zh = not language.startswith("en")
        if self.kind == "day":
            return day_label(s, language)
        if self.kind == "dekad":
            part = (s.day - 1) // 10
            if zh:
                return f"{s.year}年{s.month}月{'上中下'[part]}旬"
            return f"{s:%Y-%m} dekad {part + 1}"
        if self.kind == "week":
            y, w, _d = s.isocalendar()
            return f"{y}年第{w}周" if zh else f"{y}-W{w:02d}"
        if self.kind == "month":
            return f"{s.year}年{s.month}月" if zh else f"{s:%Y-%m}"
        if self.kind == "quarter":
            q = (s.month - 1) // 3 + 1
            return f"{s.year}年第{q}季度" if zh else f"{s.year}-Q{q}"
        return f"{s.year}年" if zh else str(s.year)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


def minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def period_of(kind: str, d: date) -> Period:
    if kind == "day":
        return Period(kind, d)
    if kind == "dekad":
        return Period(kind, d.replace(day=min(21, (d.day - 1) // 10 * 10 + 1)))
    if kind == "week":
        return Period(kind, d - timedelta(days=d.weekday()))
    if kind == "month":
        return Period(kind, d.replace(day=1))
    if kind == "quarter":
        return Period(kind, date(d.year, (d.month - 1) // 3 * 3 + 1, 1))
    if kind == "year":
        return Period(kind, date(d.year, 1, 1))
    raise PeriodError(_("unknown period “%(kind)s”") % {"kind": kind}, details=[{"field": "period"}])


def next_start(p: Period) -> date:
    s = p.start
    if p.kind == "day":
        return s + timedelta(days=1)
    if p.kind == "week":
        return s + timedelta(days=7)
    if p.kind == "dekad":
        if s.day < 21:
            return s + timedelta(days=10)
        return _add_months(s.replace(day=1), 1)
    if p.kind == "month":
        return _add_months(s, 1)
    if p.kind == "quarter":
        return _add_months(s, 3)
    return date(s.year + 1, 1, 1)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def periods_between(kind: str, first: date, last: date) -> list[Period]:
    """Every period of `kind` that holds a day from `first` to `last`, in order."""
    out = []
    p = period_of(kind, first)
    while p.start <= last:
        out.append(p)
        p = p.next()
    return out


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)


def parse_period(kind: str, text: str) -> Period:
    """The period of `kind` named by text: a date (any day inside it), or 2026-10 (month),
    2026-Q4 (quarter), 2026 (year), 2026-W05 (week). Refused with a clear message otherwise."""
    text = (text or "").strip()
    if kind not in KINDS:
        raise PeriodError(
            _("unknown period “%(kind)s”; use one of %(options)s")
            % {"kind": kind, "options": ", ".join(KINDS)},
            details=[{"field": "period"}],
        )
    try:
        if m := _MONTH.match(text):
            return period_of(kind, date(int(m.group(1)), int(m.group(2)), 1))
        if m := _QUARTER.match(text):
            return period_of(kind, date(int(m.group(1)), int(m.group(2)) * 3 - 2, 1))
        if m := _YEAR.match(text):
            return period_of(kind, date(int(m.group(1)), 1, 1))
        if m := _WEEK.match(text):
            return period_of(kind, date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
        return period_of(kind, date.fromisoformat(text))
    except ValueError:
        pass
    raise PeriodError(
        _(
            "“%(text)s” is not a date (2026-10-05), a month (2026-10), a quarter (2026-Q4), a week (2026-W05) or a year"
        )
        % {"text": text},
        details=[{"field": "date", "value": text}],
    )
