"""An honest headline: whether a department delivered a day is judged from the data themselves
(a day with none is not the safest day of the year), a day before its cut-off is provisional,
a unit scored on too little of its weight gets no colour, and the public page, the dashboard and
the big screen lead with the latest final day and say why a later one is held back.

The hand-made city (tests/data/divisions.csv): towns 拱北街道 3,500, 南屏镇 2,500, 井岸街道 4,000.
The police deliver 4 burglaries a day in each town (12 a day), the fire service 4 calls a day in
each (12), from 1 February to 10 March 2026 — except on Tuesday 10 March, when the fire service
delivers nothing. On a usual Tuesday it delivers 12: P(0 | Poisson(12)) = e⁻¹² ≈ 6e-6 < 1e-3, so
the 10th is short for the fire service, and for nobody else.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
import yaml
from django.test import Client

from tests.conftest import OTHER_TOWN, OWN_TOWN, SIBLING_TOWN, client_for, make_user
from tests.index_lake import ev, write_lake
from zhili.index.definitions import parse
from zhili.index.deliveries import judge
from zhili.org.roles import Role

TOWNS = (OWN_TOWN, SIBLING_TOWN, OTHER_TOWN)
FIRST, SILENT, LAST = date(2026, 2, 1), date(2026, 3, 10), date(2026, 3, 10)
LABELS = {"blue": "优秀", "yellow": "良好", "red": "较差"}

DEFINITION = {
    "code": "d", "name": "日度测试", "periods": ["day"], "units": ["town", "district", "city"],
    "grades": {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]], "labels": LABELS},
    "coverage": {"minimum": 0.8},
    "children": [
        {"code": "crime", "name": "治安", "weight": 0.5, "daily": True,
         "measure": {"event_types": ["police.burglary"], "agg": "count"},
         "denominator": "per_10k_residents", "direction": "lower_is_better",
         "scoring": {"method": "goalposts", "worst": 100, "best": 0}},
        {"code": "fire", "name": "消防", "weight": 0.5, "daily": True,
         "measure": {"event_types": ["fire.fire"], "agg": "count"},
         "denominator": "per_10k_residents", "direction": "lower_is_better",
         "scoring": {"method": "goalposts", "worst": 100, "best": 0}},
    ],
}  # fmt: skip


def days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def events(*, silent: date | None = SILENT, first: date = FIRST, last: date = LAST) -> list[dict]:
    out = []
    for d in days(first, last):
        for town in TOWNS:
            out += [ev("police.burglary", d.isoformat(), town) for _ in range(4)]
            if d != silent:
                out += [ev("fire.fire", d.isoformat(), town) for _ in range(4)]
    return out


@pytest.fixture
def lake(settings, tmp_path, hub):
    settings.LAKE_DIR = str(tmp_path / "lake")
    write_lake(events())
    return tmp_path


NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_silent_day_is_short_without_any_alert_job(lake):
    judged = judge(date(2026, 3, 1), LAST, now=NOW, lake_from=FIRST)
    assert judged.short == {"fire_rescue": {SILENT}}
    assert judged.detail["fire_rescue"][SILENT] == (0, 12.0)  # the usual Tuesday: 12 calls
    assert judged.open_days == set()


def test_a_late_delivery_clears_it_and_a_backfill_is_never_short(lake):
    write_lake([e for e in events(silent=None) if e["day"] == SILENT])  # the 10th arrives late
    assert judge(date(2026, 3, 1), LAST, now=NOW, lake_from=FIRST).short == {}
    # a month delivered at once, long after the fact: every day has its usual volume
    write_lake(events(silent=None, first=date(2026, 1, 1), last=date(2026, 1, 31)))
    assert judge(date(2026, 1, 1), LAST, now=NOW, lake_from=date(2026, 1, 1)).short == {}


def test_a_day_is_open_until_its_cut_off_the_next_morning(lake):
    at = datetime(2026, 3, 11, 5, 59, tzinfo=UTC) - timedelta(hours=8)  # 05:59 in the city
    assert judge(SILENT, SILENT, now=at, lake_from=FIRST).open_days == {SILENT}
    assert judge(SILENT, SILENT, now=at + timedelta(minutes=2), lake_from=FIRST).open_days == set()


def test_a_unit_scored_on_too_little_of_its_weight_gets_no_colour(lake):
    from zhili.index.services import compute, targets_for

    definition = parse(DEFINITION, filename="d.yaml")
    c = compute(definition, "day", targets_for("day", "2026-03-09", "2026-03-10"))
    by = {(o.unit, o.period.key): o for o in c.outcomes}
    ninth, tenth = by[(OWN_TOWN, "2026-03-09")], by[(OWN_TOWN, "2026-03-10")]
    # the 9th: 4 burglaries and 4 calls per 3,500 → 11.43 per 10k each → 100 − 11.43 = 88.57, blue
    assert ninth.total == pytest.approx(100 - 4 / 0.35) and ninth.grade == "blue"
    assert (ninth.coverage, ninth.complete) == (1.0, True)
    # the 10th: the fire leaf is missing, not quiet; half the weight measured < 0.8: no grade
    assert tenth.nodes["fire"]["score"] is None and tenth.incomplete == ["fire"]
    assert tenth.coverage == 0.5
    assert (tenth.grade, tenth.rank, tenth.total) == (None, None, pytest.approx(100 - 4 / 0.35))
    assert c.missing == {"fire_rescue": {SILENT}}


def test_the_demo_day_before_its_cut_off_is_provisional(lake):
    from zhili.index.services import compute, targets_for

    definition = parse(DEFINITION, filename="d.yaml")
    with time_machine.travel(datetime(2026, 3, 10, 21, 15, tzinfo=UTC), tick=False):  # 05:15, 11 March
        c = compute(definition, "day", targets_for("day", "2026-03-09", "2026-03-10"))
    assert {o.period.key: o.provisional for o in c.outcomes} == {"2026-03-09": False, "2026-03-10": True}


@pytest.fixture
def published_days(lake, settings):
    from zhili.index.services import run, save_definition

    settings.PUBLIC_DAY_INDEX = "d"
    save_definition(text=yaml.safe_dump(DEFINITION, allow_unicode=True), actor_username="t")
    run(code="d", kind="day", first="2026-03-01", last="2026-03-10", publish=True, export_lake=False)
    return lake


def test_the_pages_lead_with_the_last_final_day_and_never_show_the_short_day_as_excellent(published_days):
    from zhili.index.selectors import headline

    head = headline("d", "day")
    assert (head.final, head.latest, head.state) == (date(2026, 3, 9), SILENT, "incomplete")
    assert head.departments == ["市消防救援支队"]

    # the public page: the 9th's colours, and why the 10th is not shown
    home = Client().get("/p/").content.decode()
    assert "2026年3月9日" in home
    held = re.search(r'id="held-back">([^<]*)<', home).group(1)
    assert "2026年3月10日" in held and "市消防救援支队" in held and "数据未齐" in held
    # the town's page of the 10th itself: no colour, and says why
    town = Client().get(f"/p/town/{OWN_TOWN}/?date=2026-03-10").content.decode()
    today = re.search(r'<section class="today g-(\w+)" data-grade="\w+" data-state="(\w*)">', town)
    assert today.groups() == ("none", "insufficient") and "数据不全" in town
    assert not re.search(r'<p class="word">优秀', town)

    # the dashboard: the 9th by default, with the notice; the 10th on request, without colours
    cadre = client_for(make_user("ana", Role.CITY_ANALYST, "449900000000"))
    dash = cadre.get("/dash/?definition=d").content.decode()
    assert "2026年3月9日" in dash and 'id="held-back"' in dash
    tenth = cadre.get("/dash/?definition=d&date=2026-03-10").content.decode()
    cells = re.findall(r'<td data-state="(\w*)"><span class="grade g-(\w*)">([^<]*)</span>', tenth)
    assert cells and all(state == "insufficient" and word != "优秀" for state, _g, word in cells)

    # the big screen: the 9th's towns, the 10th held back with its reason
    screen = cadre.get("/screen/data.json?definition=d").json()
    assert screen["day"] == "2026-03-09" and "数据未齐" in screen["held_back"]
    assert {t["grade"] for t in screen["towns"]} == {"blue"}


@pytest.mark.parametrize(
    ("local", "closed"),
    [
        ("2026-12-07T00:30:00+08:00", date(2026, 12, 5)),  # just after midnight in the city
        ("2026-12-07T05:15:00+08:00", date(2026, 12, 5)),  # before the cut-off: the 6th is still open
        ("2026-12-07T06:30:00+08:00", date(2026, 12, 6)),
        ("2026-12-07T23:30:00+08:00", date(2026, 12, 6)),
        (
            "2026-12-06T23:30:00+00:00",
            date(2026, 12, 6),
        ),  # a UTC machine late in the evening: 07:30 in the city
    ],
)
def test_the_last_closed_day_is_the_citys_whatever_the_machines_clock(local, closed):
    from zhili.hub.ingest import last_closed_day

    with time_machine.travel(datetime.fromisoformat(local), tick=False):
        assert last_closed_day() == closed
