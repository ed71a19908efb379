"""When events happen: hour profiles, weekday profiles, the Spring Festival and the seasons, and
the days of the year with their cut-offs and UTC offsets."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from .fields import Spec

# 正月初一 (Chinese New Year's Day); years outside the table fall back to 5 February.
SPRING_FESTIVAL = {
    y: date(y, m, d)
    for y, m, d in (
        (2015, 2, 19), (2016, 2, 8), (2017, 1, 28), (2018, 2, 16), (2019, 2, 5), (2020, 1, 25),
        (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17),
        (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23), (2032, 2, 11),
        (2033, 1, 31), (2034, 2, 19), (2035, 2, 8),
    )
}  # fmt: skip


def _floats(text: str) -> np.ndarray:
    return np.array([float(x) for x in text.split()])


# Hour profiles: relative weights of the local hours 0 … 23.
HOURS = {
    name: _floats(text)
    for name, text in {
        # crime: low before dawn, high from mid-morning to late evening
        "crime": "3 2.2 1.8 1.4 1.1 1 1.4 2.5 4 5 5.5 5.5 5 5 5.5 5.5 5.5 5.5 5.5 5.5 5 4.5 4 3.5",
        # public order, vice: evenings and nights (fights near food stalls; 58 % of robberies 21–03)
        "night": "5.5 5 4 2.8 1.6 1 1 1.5 2 2.5 3 3.5 3.5 3.5 3.5 3.5 4 4.5 5 5.5 6 6.5 7 6.5",
        # burglary, vehicle theft: working hours (homes empty) and the small hours
        "burglary": "4 4.5 4.5 4 3 2 1.5 2 3 4.5 5 5 4.5 4.5 5 5 4.5 4 3.5 3 3 3 3.5 4",
        # traffic: the two rush hours
        "traffic": "1.5 1 0.8 0.7 0.7 1 2.5 5 6.5 5 4.5 4.5 4.5 4 4 4.5 5.5 6.5 7 5.5 4.5 3.5 2.5 2",
        # drink-driving: 00:00–02:00
        "drink": "8 7 5 3 1.5 0.5 0.2 0.2 0.2 0.2 0.3 0.5 0.8 0.8 0.5 0.5 0.5 0.8 1.5 2.5 3.5 4.5 6 7",
        # fires: 61 % between 10:00 and 20:00
        "fire": "2.2 1.9 1.7 1.6 1.5 1.5 1.8 2.4 3.1 3.8 5.3 5.6 5.8 5.6 5.5 5.7 5.7 5.6 5.5 5.4 4.3 3.7 3.1 2.6",
        # offices: 08:30–12:00 and 14:30–18:00
        "office": "0.1 .05 .05 .05 .05 0.1 0.3 1.5 4 6 6 5.5 2.5 3 5.5 6 6 5 2 1 0.6 0.4 0.2 0.1",
        # city-management patrols and grid workers: daytime
        "patrol": "0.1 .05 .05 .05 0.1 0.3 1.2 3 5.5 6.5 6.5 5.5 3.5 3.5 5.5 6 6 5 3 2.5 2 1.2 0.5 0.2",
        # street vending: morning markets and evenings
        "vending": "0.3 0.1 .05 .05 0.1 0.5 2 4 4 3.5 3.5 3.5 3 3 3 3.5 4.5 6 7 7 6 4 2 0.8",
        # 12345 and 12315: around the clock, mostly 08:00–22:00
        "hotline": "0.4 0.2 .15 0.1 0.1 0.2 0.6 2 4.5 6 6.2 5.5 4 4.5 5.5 5.5 5 4.5 3.5 3.5 3 2.5 1.5 0.8",
        "day": "0.5 0.3 0.2 .15 .15 0.3 1 2.5 4 5 5.5 5.5 5 5 5 5 5 5 4.5 4 3.5 2.5 1.5 0.8",
        "fraud": "0.8 0.5 0.3 0.2 0.2 0.3 0.8 2 4 5.5 6 6 5 5 5.5 5.5 5.5 5 4.5 4.5 4.5 4 3 1.5",
        "volunteer": "0 0 0 0 0 0 0.5 3 7 8 7 4 1 1 5 7 7 5 2 2 1.5 0.5 0 0",
        "survey": "0 0 0 0 0 0 0 0.5 2 5 6 5 2 2 5 6 6 5 4 5 5 3 0.5 0",
    }.items()
}
# Weekday profiles: Monday … Sunday.
WEEK = {
    name: _floats(text)
    for name, text in {
        "flat": "1 1 1 1 1 1 1",
        "leisure": "0.95 0.93 0.95 0.97 1.05 1.1 1.05",
        "traffic": "1 0.98 0.98 1 1.1 1 0.92",
        "office": "1.15 1.12 1.1 1.1 1.08 0.62 0.5",
        "patrol": "1.1 1.08 1.08 1.08 1.06 0.85 0.75",
        "closed": "1.2 1.2 1.2 1.2 1.15 0.08 0.05",  # offices that hardly work at weekends
        "volunteer": "0.6 0.6 0.6 0.6 0.7 2.2 2",
    }.items()
}


class _Calendar:
    def __init__(self, year: int, tz, now: datetime):
        from zhili.hub.ingest import cutoff_for

        first = date(year, 1, 1)
        self.year, self.tz = year, tz
        self.days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        self.size = len(self.days)
        self.weekday = np.array([d.weekday() for d in self.days])
        self.month = np.array([d.month for d in self.days])
        self.festival = (SPRING_FESTIVAL.get(year, date(year, 2, 5)) - first).days
        self.cutoffs = [cutoff_for(d) for d in self.days]
        # Only the days the index has closed (their cut-off has passed) are filled.
        self.included = sum(1 for c in self.cutoffs if c <= now)
        # Local midnight of each day as seconds since 1970 (as if UTC), and the UTC offset at each
        # local hour of each day.
        self.midnight = np.array([(d - date(1970, 1, 1)).days * 86400 for d in self.days], dtype="int64")
        self.offset = np.array(
            [[int(tz.utcoffset(datetime(d.year, d.month, d.day, h, 30)).total_seconds()) for h in range(24)]
             for d in self.days],
            dtype="int64",
        )  # fmt: skip

    def index(self, day: date) -> int:
        return (day - self.days[0]).days

    def timestamps(self, day: np.ndarray, second: np.ndarray) -> np.ndarray:
        """UTC timestamps of (day index, local second of the day)."""
        return self.midnight[day] + second - self.offset[day, second // 3600]

    def _span(self, month: int, day: int, length: int) -> slice:
        start = self.index(date(self.year, month, day))
        return slice(start, start + length)

    def season(self, name: str) -> np.ndarray:
        f = np.ones(self.size)
        c, m = self.festival, self.month
        fest = slice(max(c - 1, 0), max(c + 6, 0))  # New Year's Eve and the holiday week
        if name == "cny_crime":
            f[fest] = 0.75  # criminal and public-order reports −15 to −30 %
        elif name == "cny_theft_rebound":
            f[max(c + 7, 0) : max(c + 21, 0)] = 1.25  # burglary and theft rebound after the festival
        elif name == "cny_family":
            f[fest] = 1.1
        elif name == "cny_traffic":
            f[fest] = 0.6  # traffic −40 %
        elif name == "cny_fire":
            f[fest] = 1.31  # fires +31 %
        elif name == "cny_office":
            f[fest] = 0.2
        elif name == "cny_office_half":
            f[fest] = 0.5
        elif name == "cny_city":
            f[fest] = 0.45
        elif name == "cny_wages":  # wage arrears peak in the weeks before the festival
            f[max(c - 29, 0) : max(c - 1, 0)] = 2.2
            f[fest] = 0.3
        elif name == "spring_theft":  # April–May: burglary and theft from cars rise
            f[(m == 4) | (m == 5)] = 1.25
        elif name == "summer":
            f[(m >= 6) & (m <= 9)] = 1.12
        elif name == "summer_food":
            f[(m >= 6) & (m <= 9)] = 1.6
        elif name == "dry_winter":
            f[(m == 12) | (m <= 2)] = 1.25
            f[(m >= 6) & (m <= 8)] = 0.85
        elif name == "typhoon":
            f[(m >= 7) & (m <= 9)] = 1.3
        elif name == "golden_week":
            f[self._span(5, 1, 5)] = 1.25
            f[self._span(10, 1, 7)] = 1.35
        elif name == "fraud":  # Q4 highest, Jan–Feb lowest; peaks early March, early July, late November
            f = _floats("0.75 0.7 1 0.95 0.95 0.95 1.05 1 1 1.1 1.2 1.15")[m - 1]
            t = np.arange(self.size)
            for month, day in ((3, 5), (7, 5), (11, 25)):
                f = f * (1 + 0.45 * np.exp(-(((t - self.index(date(self.year, month, day))) / 6.0) ** 2)))
        elif name == "volunteer_days":  # 学雷锋日 (5 March) and International Volunteer Day (5 December)
            f[self._span(3, 3, 5)] = 3.0
            f[self._span(12, 3, 5)] = 3.0
        elif name == "survey":  # four campaigns of three weeks; a trickle of online answers in between
            f[:] = 0.05
            for month in (3, 6, 9, 11):
                f[self._span(month, 1, 21)] = 1.0
        else:
            raise ValueError(f"unknown season {name!r}")
        return f

    def factor(self, spec: Spec) -> np.ndarray:
        """The day factor of a type for every day of the year, with mean 1 over the year."""
        f = WEEK[spec.week][self.weekday]
        for name in spec.seasons.split():
            f = f * self.season(name)
        return f / f.mean()
