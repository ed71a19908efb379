"""Working days and rest days of the mainland calendar: weekends, statutory holidays and the
make-up working days (调休) the State Council announces each year.

The years the `chinese-calendar` package knows come from it; later years fall back to Monday to
Friday until the package (or a table of our own) learns them. Anything that compares a day with
"the usual" day — a department's delivery volume, a deadline in working days — asks here.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def day_type(day: date) -> str:
    """ "work", or "rest" for weekends and holidays (a make-up Saturday is a working day)."""
    return "work" if is_workday(day) else "rest"
