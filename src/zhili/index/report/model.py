"""The report's content as plain dataclasses: what `content.gather` reads from the published
runs, with the sentences `prose.write` adds. Scores keep full precision; changes are taken
between the values rounded to three decimals, so that the printed figures add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zhili.index.periods import Period


def change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now, 3) - round(before, 3)


@dataclass
class Change:
    """A first-level indicator of the city: this month's score, last month's, the change."""

    code: str
    name: str
    score: float | None
    previous: float | None

    @property
    def diff(self) -> float | None:
        return change(self.score, self.previous)


@dataclass
class Attention:
    """A second-level indicator (or a leaf under one) whose value moved the wrong way."""

    path: str
    parent: str
    name: str
    value: float
    previous: float
    pct: float | None  # None when last month was 0
    direction: str


@dataclass
class DistrictRow:
    rank: int | None
    code: str
    name: str
    score: float | None
    previous: float | None
    rank_move: int | None
    grade: str
    red_days: int | None
    best: Change | None = None
    worst: Change | None = None
    sentence: str = ""

    @property
    def diff(self) -> float | None:
        return change(self.score, self.previous)


@dataclass
class RedTown:
    code: str
    name: str
    district: str
    red_days: int
    longest: int  # the longest run of consecutive red days within the month


@dataclass
class StarGroup:
    town: str
    district: str
    names: list[str]


@dataclass
class Report:
    month: Period
    previous_month: Period
    index_name: str
    city_name: str
    city_score: float | None
    city_previous: float | None
    city_grade: str
    incomplete: list[str]  # names of the leaves missing from this month's city score
    first_level: list[Change]
    risen: list[Change]
    fallen: list[Change]
    attention: list[Attention]
    districts: list[DistrictRow]
    daily: list[tuple[date, float | None, str]]  # the city per day: (day, score, grade)
    days_covered: int
    red_colour: str
    red_label: str
    red_towns: list[RedTown]
    stars: dict[int, int]  # stars → number of villages and communities
    five_star: list[StarGroup]
    five_star_villages: int
    five_star_communities: int
    sources: list[str]  # the runs quoted, for the footnote
    grade_labels: dict[str, str] = field(default_factory=dict)  # colour → label (red → 较差)
    run_ids: list[int] = field(default_factory=list)
    sentences: dict[str, str | list[str]] = field(default_factory=dict)
    # the towns' funnel plot of the heaviest count indicator (zhili.index.funnel), with names
    funnel: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.month.label()

    @property
    def city_diff(self) -> float | None:
        return change(self.city_score, self.city_previous)
