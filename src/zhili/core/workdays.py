"""Working days and rest days of the mainland calendar: weekends, statutory holidays and the
make-up working days (调休) the State Council announces each year.

The years the `chinese-calendar` package knows come from it; a day entered in the admin
(core.CalendarDay: next year's announced holidays, a local day off) overrides it, without a
release; years neither knows fall back to Monday to Friday. Anything that compares a day with
"the usual" day — a department's delivery volume, a deadline in working days — asks here.
"""

from __future__ import annotations

import time
from datetime import date
from functools import lru_cache

import chinese_calendar

OVERRIDES_TTL = 60.0  # seconds a process trusts its copy of the CalendarDay table
_overrides: dict[date, tuple[bool, str]] = {}
_loaded_at = -1e9


def overrides() -> dict[date, tuple[bool, str]]:
    """The admin's calendar days: day → (working day?, name), re-read once a minute (and at once
    in the process that saved one, see forget_overrides)."""
    global _overrides, _loaded_at
    if time.monotonic() - _loaded_at > OVERRIDES_TTL:
        from django.core.exceptions import SynchronousOnlyOperation
        from django.db import DatabaseError

        from zhili.core.models import CalendarDay

        try:
            rows = CalendarDay.objects.values_list("day", "is_workday", "name")
            _overrides = {d: (w, n) for d, w, n in rows}
        except (DatabaseError, RuntimeError, SynchronousOnlyOperation):
            # no table yet (before migrate), no database here (a test without one), or called
            # from an event loop's thread: the package's calendar alone
            _overrides = {}
        _loaded_at = time.monotonic()
    return _overrides


def forget_overrides() -> None:
    global _loaded_at
    _loaded_at = -1e9


def is_workday(day: date) -> bool:
    own = overrides().get(day)
    return own[0] if own is not None else _package_workday(day)


@lru_cache(maxsize=4096)
def _package_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def day_type(day: date) -> str:
    """ "work", or "rest" for weekends and holidays (a make-up Saturday is a working day)."""
    return "work" if is_workday(day) else "rest"


def festival(day: date) -> str | None:
    """The statutory holiday `day` belongs to (Spring Festival, National Day …), or None for an
    ordinary day or weekend. Activity on these days differs from ordinary weekends: the city
    empties before the Spring Festival and fills during National Day."""
    own = overrides().get(day)
    if own is not None:
        return None if own[0] else (own[1] or None)
    return _package_festival(day)


@lru_cache(maxsize=4096)
def _package_festival(day: date) -> str | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None
