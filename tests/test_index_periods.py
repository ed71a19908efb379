"""Reporting periods: boundaries, labels, last year, parsing."""

from datetime import date

import pytest

from zhili.index.periods import Period, PeriodError, parse_period, period_of, periods_between


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("dekad", date(2026, 2, 9), date(2026, 2, 1), date(2026, 2, 10)),
        ("dekad", date(2026, 2, 11), date(2026, 2, 11), date(2026, 2, 20)),
        ("dekad", date(2026, 2, 28), date(2026, 2, 21), date(2026, 2, 28)),  # 8 days in February
        ("dekad", date(2026, 1, 31), date(2026, 1, 21), date(2026, 1, 31)),  # 11 days in January
        ("week", date(2026, 11, 28), date(2026, 11, 23), date(2026, 11, 29)),  # Saturday → Monday
        ("month", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 8, 15), date(2026, 7, 1), date(2026, 9, 30)),
        ("year", date(2026, 8, 15), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_period_boundaries(kind, day, start, end):
    p = period_of(kind, day)
    assert (p.start, p.end) == (start, end)
    assert p.next().start == date.fromordinal(end.toordinal() + 1)


def test_a_year_holds_36_dekads_and_labels_are_the_citys():
    assert len(periods_between("dekad", date(2026, 1, 1), date(2026, 12, 31))) == 36
    assert Period("dekad", date(2026, 10, 21)).label() == "2026年10月下旬"
    assert Period("dekad", date(2026, 10, 11)).label("en") == "2026-10 dekad 2"
    assert Period("month", date(2026, 10, 1)).label() == "2026年10月"
    assert Period("quarter", date(2026, 10, 1)).label() == "2026年第4季度"


def test_last_year():
    assert Period("day", date(2028, 2, 29)).last_year() == Period("day", date(2027, 2, 28))
    assert Period("dekad", date(2026, 3, 11)).last_year() == Period("dekad", date(2025, 3, 11))
    # ISO week 53 of 2026 has no twin in 2025 (52 weeks): the last week of 2025 stands in
    assert Period("week", date(2026, 12, 28)).last_year() == Period("week", date(2025, 12, 22))


def test_parse_period_and_its_refusals():
    assert parse_period("month", "2026-10") == Period("month", date(2026, 10, 1))
    assert parse_period("quarter", "2026-Q4") == Period("quarter", date(2026, 10, 1))
    assert parse_period("dekad", "2026-10-15") == Period("dekad", date(2026, 10, 11))
    assert parse_period("week", "2026-W05") == Period("week", date(2026, 1, 26))
    with pytest.raises(PeriodError) as err:
        parse_period("month", "2026-13")
    assert "2026-13" in err.value.message and err.value.details == [{"field": "date", "value": "2026-13"}]
    with pytest.raises(PeriodError):
        parse_period("fortnight", "2026-10")


def test_the_schedule_runs_each_period_once_when_it_is_due():
    from zhili.index.tasks import due_periods

    assert due_periods("day", date(2026, 11, 28)) == [Period("day", date(2026, 11, 27))]
    assert due_periods("dekad", date(2026, 11, 21)) == [Period("dekad", date(2026, 11, 11))]
    assert due_periods("dekad", date(2026, 11, 22)) == []
    assert due_periods("week", date(2026, 11, 30)) == [Period("week", date(2026, 11, 23))]  # a Monday
    assert due_periods("month", date(2026, 11, 2)) == [Period("month", date(2026, 10, 1))]
    assert due_periods("month", date(2026, 11, 1)) == []
    assert due_periods("quarter", date(2026, 10, 2)) == [Period("quarter", date(2026, 7, 1))]
    assert due_periods("quarter", date(2026, 11, 2)) == []
    assert due_periods("year", date(2027, 1, 2)) == [Period("year", date(2026, 1, 1))]
