"""Deadlines on the statutory calendar: limits in hours, working hours, calendar days or working
days, with pause, resume and extension. Plain values in and out (aware datetimes; the city's
zone decides which day a moment falls on); the models keep what these functions return.

How the law counts (民事诉讼法 第八十五条, 行政处罚法 第八十五条, 人民调解工作若干规定):
- a limit in days starts the day after the event (the day of the event is not counted) and ends
  at 24:00 of its last day;
- in calendar days, a last day that falls on a statutory holiday moves to the first working day
  after it (only holidays and rest days, not a make-up working Saturday);
- in natural days (自然日), nothing moves: the 30 days of a people's mediation end on the 30th
  day whatever it is;
- in working days, only working days count: statutory holidays and weekends do not, a make-up
  working Saturday (调休) does (core.workdays, with the admin's corrections);
- hours run on the clock, working hours only within the office's hours on working days
  (CASEWORK_WORKING_HOURS, by default 08:30–12:00 and 14:00–17:30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from zhili.core.workdays import is_workday

UNITS = ("hours", "working_hours", "calendar_days", "natural_days", "working_days")
DEFAULT_WORKING_HOURS = (("08:30", "12:00"), ("14:00", "17:30"))
MAX_DAYS = 3660  # a limit that runs further than ten years is a mistake in a rule, not a deadline


class ClockError(ValueError):
    pass


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ClockError(f"unknown limit unit {self.unit!r}; one of {', '.join(UNITS)}")
        if not isinstance(self.amount, int) or self.amount < 0:
            raise ClockError(f"a limit is a whole number ≥ 0, not {self.amount!r}")

    @property
    def in_days(self) -> bool:
        return self.unit.endswith("_days")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def parse_limit(value) -> Limit:
    """(30, "calendar_days"), {"amount": 30, "unit": "calendar_days"} or "30 calendar_days"."""
    if isinstance(value, Limit):
        return value
    if isinstance(value, dict):
        return Limit(value.get("amount"), value.get("unit"))
    if isinstance(value, str):
        amount, _, unit = value.strip().partition(" ")
        if not amount.isdigit():
            raise ClockError(f"a limit reads like '30 calendar_days', not {value!r}")
        return Limit(int(amount), unit.strip())
    amount, unit = value
    return Limit(amount, unit)


def working_hours() -> list[tuple[time, time]]:
    spans = []
    for start, end in getattr(settings, "CASEWORK_WORKING_HOURS", DEFAULT_WORKING_HOURS):
        a, b = time.fromisoformat(start), time.fromisoformat(end)
        if not a < b:
            raise ClockError(f"CASEWORK_WORKING_HOURS: {start}–{end} ends before it starts")
        spans.append((a, b))
    return sorted(spans)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _end_of(day: date) -> datetime:
    """24:00 of `day` in the city: the first moment of the next day."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _rest_day(day: date) -> bool:
    """A statutory holiday or a weekend that is not a make-up working day."""
    return not is_workday(day)


def last_day(due: datetime) -> date:
    """The last day a limit in days ends on (its due moment is 24:00 of that day)."""
    return (_local(due) - timedelta(microseconds=1)).date()


def advance(start: datetime, limit: Limit | tuple | dict | str) -> datetime:
    """The due moment of `limit` counted from `start`."""
    limit = parse_limit(limit)
    if limit.unit == "hours":
        return start + timedelta(hours=limit.amount)
    if limit.unit == "working_hours":
        return _add_working_time(start, timedelta(hours=limit.amount))
    return _end_of(_add_days(_local(start).date(), limit.amount, limit.unit))


def _add_days(day: date, n: int, unit: str) -> date:
    """The last day of n days counted from the day after `day`."""
    if unit == "natural_days":
        return day + timedelta(days=n)
    if unit == "calendar_days":
        last = day + timedelta(days=n)
        steps = 0
        while n and _rest_day(last) and steps < 30:  # a holiday at the end moves it on
            last += timedelta(days=1)
            steps += 1
        return last
    counted, current = 0, day
    while counted < n:
        current += timedelta(days=1)
        if is_workday(current):
            counted += 1
        if (current - day).days > MAX_DAYS:
            raise ClockError(f"{n} working days run past ten years")
    return current


def _spans_of(day: date) -> list[tuple[datetime, datetime]]:
    if not is_workday(day):
        return []
    return [
        (timezone.make_aware(datetime.combine(day, a)), timezone.make_aware(datetime.combine(day, b)))
        for a, b in working_hours()
    ]


def _add_working_time(start: datetime, left: timedelta) -> datetime:
    day = _local(start).date()
    moment = start
    if left <= timedelta(0):
        return start
    for _ in range(MAX_DAYS):
        for a, b in _spans_of(day):
            if b <= moment:
                continue
            begin = max(a, moment)
            if begin + left <= b:
                return begin + left
            left -= b - begin
        day += timedelta(days=1)
    raise ClockError("working hours run past ten years")


def _working_time_between(a: datetime, b: datetime) -> timedelta:
    total, day = timedelta(0), _local(a).date()
    while day <= _local(b).date():
        for s, e in _spans_of(day):
            lo, hi = max(s, a), min(e, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def remaining(now: datetime, due: datetime, unit: str) -> float:
    """What is left of a running limit at `now`, in the limit's own unit: hours (of the clock or
    of office time) or whole days whose end has not passed (calendar or working ones). Less
    than zero: overdue by that much."""
    if unit == "hours":
        return (due - now).total_seconds() / 3600
    if unit == "working_hours":
        if now <= due:
            return _working_time_between(now, due).total_seconds() / 3600
        return -_working_time_between(due, now).total_seconds() / 3600
    today, last = _local(now).date(), last_day(due)
    lo, hi, sign = (today, last, 1) if today <= last else (last, today, -1)
    days = (hi - lo).days
    if unit == "working_days":
        days = sum(1 for i in range(1, days + 1) if is_workday(lo + timedelta(days=i)))
    return float(sign * days)


def resume(now: datetime, left: float, unit: str) -> datetime:
    """The new due moment of a paused limit with `left` (from `remaining` at the pause) still to
    run: the days or hours it had left are given again from `now`."""
    if unit == "hours":
        return now + timedelta(hours=left)
    if unit == "working_hours":
        return _add_working_time(now, timedelta(hours=max(left, 0)))
    return _end_of(_add_days(_local(now).date(), max(int(left), 0), unit))


def extend(due: datetime, limit: Limit | tuple | dict | str) -> datetime:
    """`due` pushed on by `limit`: days counted from its last day, hours from the moment."""
    limit = parse_limit(limit)
    if limit.in_days:
        return _end_of(_add_days(last_day(due), limit.amount, limit.unit))
    return advance(due, limit)


SOON = {"hours": 4.0, "working_hours": 4.0, "calendar_days": 3.0, "natural_days": 3.0, "working_days": 1.0}


def status(
    now: datetime, due: datetime | None, unit: str, *, paused: bool = False, stopped: bool = False
) -> str:
    """ "stopped", "paused", "overdue", "due_soon" (within SOON of the unit) or "running"."""
    if stopped:
        return "stopped"
    if paused:
        return "paused"
    if due is None:
        return "stopped"
    if now >= due:
        return "overdue"
    return "due_soon" if remaining(now, due, unit) <= SOON[unit] else "running"
