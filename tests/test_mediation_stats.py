"""The numbers and the heat map of disputes (zhili.mediation.stats), on cases made by hand with
known dates and states so that every figure can be worked out on paper; the figures are worked
out in each test's docstring. Scoping is the caller's: the functions take a queryset."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.conftest import OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE, POINT_OWN, client_for
from tests.mediation_fixtures import API, application, apply_as, post  # the `mediation` fixture: a plugin

TZ = ZoneInfo("Asia/Shanghai")
LIANHUA = "449902001002"  # 莲花社区, under OWN_TOWN (拱北街道)
BEISHAN = "449902100200"  # 北山村, under 南屏镇
NANPING = "449902100000"  # 南屏镇
JINGAN = "449903001000"  # 井岸街道
HAICHENG, XIJIANG = "449902000000", "449903000000"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=TZ)


def make_case(
    number: str,
    *,
    unit: str,
    kind: str,
    state: str,
    institution=None,
    created: datetime,
    closed: datetime | None = None,
    amount: str | None = None,
    agreed: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    steps: tuple[str, ...] = (),
    agreement_code: str | None = None,
    accept_due: datetime | None = None,
    mediation_due: date | None = None,
):
    """A case as the workflow would have left it, written straight into the database."""
    from zhili.geo.models import Unit
    from zhili.mediation.models import Case, Document, Step

    case = Case.objects.create(
        number=number, dispute_type=kind, unit=Unit.objects.get(code=unit), institution=institution,
        facts="事实", claims="请求", fingerprint=number, lon=lon, lat=lat,
        amount=Decimal(amount) if amount else None, agreed_amount=Decimal(agreed) if agreed else None,
        accept_due=accept_due, mediation_due=mediation_due,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(state=state, opened_at=created, closed_at=closed)
    Step.objects.bulk_create(Step(case=case, action=a, actor="test") for a in steps)
    if agreement_code:
        Document.objects.create(case=case, kind="agreement", sha256="0" * 64, code=agreement_code)
    return case


@pytest.fixture
def cases(mediation):
    """Ten cases of 2025 (local time, 09:00 unless said):

    | case | type      | place (town)      | institution | state                 | submitted | closed | days |
    | C1   | neighbour | 翠香社区 (拱北)   | 拱北        | signed                | 01-10     | 01-20  | 10   |
    | C2   | neighbour | 翠香社区 (拱北)   | 拱北        | archived, signed      | 01-15     | 02-04  | 20   |
    | C3   | labour    | 莲花社区 (拱北)   | 劳动争议    | referred, signed      | 02-01     | 03-03  | 30   |
    | C4   | family    | 北山村 (南屏镇)   | 拱北        | failed                | 02-10     | 02-14  | 4    |
    | C5   | labour    | 湖滨社区 (井岸)   | 井岸        | archived, failed      | 03-01     | 03-07  | 6    |
    | C6   | neighbour | 翠香社区 (拱北)   | 拱北        | withdrawn             | 03-05     | 03-06  | 1    |
    | C7   | family    | 湖滨社区 (井岸)   | 井岸        | declined              | 03-20     | 03-22  | 2    |
    | C8   | neighbour | 翠香社区 (拱北)   | 拱北        | in_mediation, due 04-01 (overdue on 04-10)   |
    | C9   | labour    | 北山村 (南屏镇)   | none        | submitted, accept due 04-09 12:00 (overdue)  |
    | C10  | neighbour | 湖滨社区 (井岸)   | 井岸        | accepted, due 05-09                          |

    Amounts (claimed/agreed): C1 3000/2800, C2 5000/4000, C3 120000/100000, C5 8000."""
    gb, ja, labour = mediation["gongbei"], mediation["jingan"], mediation["labour"]
    made = [
        make_case("C1", unit=OWN_VILLAGE, kind="neighbour", state="signed", institution=gb,
                  created=at(1, 10), closed=at(1, 20), amount="3000", agreed="2800",
                  steps=("submit", "accept", "assign", "start", "agree", "complete")),
        make_case("C2", unit=OWN_VILLAGE, kind="neighbour", state="archived", institution=gb,
                  created=at(1, 15), closed=at(2, 4), amount="5000", agreed="4000",
                  steps=("submit", "archive"), agreement_code="ABCD-EFGH-JKLM-NPQR"),
        make_case("C3", unit=LIANHUA, kind="labour", state="referred", institution=labour,
                  created=at(2, 1), closed=at(3, 3), amount="120000", agreed="100000",
                  steps=("submit", "complete", "refer")),
        make_case("C4", unit=BEISHAN, kind="family", state="failed", institution=gb,
                  created=at(2, 10), closed=at(2, 14), steps=("submit", "fail")),
        make_case("C5", unit=OTHER_VILLAGE, kind="labour", state="archived", institution=ja,
                  created=at(3, 1), closed=at(3, 7), amount="8000", steps=("submit", "fail", "archive")),
        make_case("C6", unit=OWN_VILLAGE, kind="neighbour", state="withdrawn", institution=gb,
                  created=at(3, 5), closed=at(3, 6), steps=("submit", "withdraw")),
        make_case("C7", unit=OTHER_VILLAGE, kind="family", state="declined", institution=ja,
                  created=at(3, 20), closed=at(3, 22), steps=("submit", "decline")),
        make_case("C8", unit=OWN_VILLAGE, kind="neighbour", state="in_mediation", institution=gb,
                  created=at(3, 25), mediation_due=date(2025, 4, 1)),
        make_case("C9", unit=BEISHAN, kind="labour", state="submitted",
                  created=at(4, 8), accept_due=at(4, 9, 12)),
        make_case("C10", unit=OTHER_VILLAGE, kind="neighbour", state="accepted", institution=ja,
                  created=at(4, 9), mediation_due=date(2025, 5, 9)),
    ]  # fmt: skip
    return {c.number: c for c in made}


def all_cases():
    from zhili.mediation.models import Case

    return Case.objects.all()


def test_summary_figures(cases):
    """total 10; open C8 C9 C10 = 3; settled C1 C2 (archived, agreement with a code) C3 (referred,
    `complete` step) = 3; failed C4, C5 (archived after `fail`) = 2; withdrawn C6, declined C7;
    closed 7. Success rate 3 / (3 + 2) = 3/5. Days of the closed: 10 20 30 4 6 1 2 → sorted
    1 2 4 6 10 20 30, median 6, mean 73 / 7 = 10.43 → 10.4. Overdue on 2025-04-10 12:00: C8
    (due 04-01) and C9 (accept due 04-09 12:00), not C10 (due 05-09) = 2. Settled amounts:
    3000 + 5000 + 120000 = 128000 claimed, 2800 + 4000 + 100000 = 106800 agreed."""
    from zhili.mediation.stats import summary

    figures = summary(all_cases(), today=date(2025, 4, 10), now=at(4, 10, 12))
    assert figures == {
        "total": 10,
        "open": 3,
        "closed": 7,
        "settled": 3,
        "failed": 2,
        "withdrawn": 1,
        "declined": 1,
        "other": 0,
        "success_rate": 3 / 5,
        "mean_days": 10.4,
        "median_days": 6.0,
        "overdue": 2,
        "amount_involved": Decimal("128000"),
        "amount_agreed": Decimal("106800"),
    }
    # the day before C8's and C9's due dates nothing is overdue
    assert summary(all_cases(), today=date(2025, 4, 1), now=at(4, 9, 11))["overdue"] == 0


def test_summary_of_nothing_has_no_rates(db):
    """No cases: zeros, and no success rate or days rather than a division by zero."""
    from zhili.mediation.models import Case
    from zhili.mediation.stats import summary

    figures = summary(Case.objects.none())
    assert (figures["total"], figures["success_rate"], figures["median_days"]) == (0, None, None)
    assert figures["amount_involved"] == Decimal("0")


def test_summary_of_visible_cases_counts_each_case_once(cases, mediation):
    """The head of 拱北 (home unit 拱北街道) sees the 5 cases placed in 拱北: C1 C2 C3 C6 C8. C1 has
    two team members and two parties, which `visible_cases` joins: it still counts once.
    Settled C1 C2 C3, withdrawn C6, open C8; days 10 20 30 1 → median (10 + 20) / 2 = 15. By
    institution: 拱北 C1 C2 C6 C8 = 4 (settled 2), 劳动争议 C3 = 1; by village: 翠香 4, 莲花 1."""
    from zhili.mediation.models import Member, Party
    from zhili.mediation.selectors import visible_cases
    from zhili.mediation.stats import breakdown, choropleth, summary

    c1 = cases["C1"]
    Member.objects.create(case=c1, user=mediation["mediator"], role="lead")
    Member.objects.create(case=c1, user=mediation["carol"], role="co")
    Party.objects.create(case=c1, role="applicant", name="王爱丽", user=mediation["resident_own"])
    Party.objects.create(case=c1, role="respondent", name="李博", phone="13987654321")
    figures = summary(visible_cases(mediation["mediator"]))
    assert (figures["total"], figures["settled"], figures["withdrawn"], figures["open"]) == (5, 3, 1, 1)
    assert figures["median_days"] == 15.0 and figures["amount_agreed"] == Decimal("106800")
    by_institution = breakdown(visible_cases(mediation["mediator"]), "institution")
    assert [(r["key"], r["total"], r["settled"]) for r in by_institution] == [
        ("gb-rmtw", 4, 2),
        ("hc-ldzy", 1, 1),
    ]
    assert choropleth(visible_cases(mediation["mediator"]), level="village") == {OWN_VILLAGE: 4, LIANHUA: 1}


def test_breakdown_by_institution_in_chinese(cases):
    """拱北 C1 C2 C4 C6 C8 = 5: settled 2, failed 1, withdrawn 1, open 1, rate 2/3, days 10 20 4 1
    → median (4 + 10) / 2 = 7. 井岸 C5 C7 C10 = 3: failed 1, declined 1, open 1, rate 0/1 = 0,
    days 6 2 → 4. 劳动争议 C3 = 1, settled, rate 1, 30 days. Not routed: C9, open, no rate;
    ties (1 and 1) put the routed one first."""
    from zhili.mediation.stats import breakdown

    with translation.override("zh-hans"):
        rows = breakdown(all_cases(), "institution")
    assert rows == [
        {"key": "gb-rmtw", "label": "拱北街道人民调解委员会", "total": 5, "settled": 2, "failed": 1,
         "withdrawn": 1, "declined": 0, "open": 1, "success_rate": 2 / 3, "median_days": 7.0},
        {"key": "ja-rmtw", "label": "井岸街道人民调解委员会", "total": 3, "settled": 0, "failed": 1,
         "withdrawn": 0, "declined": 1, "open": 1, "success_rate": 0.0, "median_days": 4.0},
        {"key": "hc-ldzy", "label": "海澄区劳动争议调解中心", "total": 1, "settled": 1, "failed": 0,
         "withdrawn": 0, "declined": 0, "open": 0, "success_rate": 1.0, "median_days": 30.0},
        {"key": None, "label": "尚未分流", "total": 1, "settled": 0, "failed": 0,
         "withdrawn": 0, "declined": 0, "open": 1, "success_rate": None, "median_days": None},
    ]  # fmt: skip


def test_breakdown_by_dispute_type_in_chinese(cases):
    """邻里 C1 C2 C6 C8 C10 = 5: settled 2, withdrawn 1, open 2, rate 2/2 = 1, days 10 20 1 → 10.
    劳动 C3 C5 C9 = 3: settled 1, failed 1, open 1, rate 1/2, days 30 6 → 18. 婚姻家庭 C4 C7 = 2:
    failed 1, declined 1, rate 0, days 4 2 → 3."""
    from zhili.mediation.stats import breakdown

    with translation.override("zh-hans"):
        rows = breakdown(all_cases(), "dispute_type")
    assert [
        (r["key"], r["label"], r["total"], r["settled"], r["failed"], r["open"], r["success_rate"], r["median_days"])
        for r in rows
    ] == [
        ("neighbour", "邻里纠纷", 5, 2, 0, 2, 1.0, 10.0),
        ("labour", "劳动争议（欠薪）", 3, 1, 1, 1, 0.5, 18.0),
        ("family", "婚姻家庭纠纷", 2, 0, 1, 0, 0.0, 3.0),
    ]  # fmt: skip
    with translation.override("en"):
        assert breakdown(all_cases(), "dispute_type")[0]["label"] == "Neighbours"


def test_breakdown_by_month_is_chronological(cases):
    """Submitted in 2025-01: C1 C2 (both settled, days 10 20 → 15); 02: C3 C4 (settled, failed;
    30 4 → 17); 03: C5 C6 C7 C8 (failed, withdrawn, declined, open; 6 1 2 → 2); 04: C9 C10 (open)."""
    from zhili.mediation.stats import breakdown

    with translation.override("zh-hans"):
        rows = breakdown(all_cases(), "month")
    assert [(r["key"], r["label"], r["total"], r["settled"], r["median_days"]) for r in rows] == [
        ("2025-01", "2025年1月", 2, 2, 15.0),
        ("2025-02", "2025年2月", 2, 1, 17.0),
        ("2025-03", "2025年3月", 4, 0, 2.0),
        ("2025-04", "2025年4月", 2, 0, None),
    ]
    assert [(r["failed"], r["withdrawn"], r["declined"], r["open"]) for r in rows] == [
        (0, 0, 0, 0),
        (1, 0, 0, 0),
        (1, 1, 1, 1),
        (0, 0, 0, 2),
    ]


def test_breakdown_by_town_district_and_outcome(cases):
    """Towns from the case's unit code: 拱北 449902001000 C1 C2 C3 C6 C8 = 5 (settled 3, withdrawn 1,
    open 1; rate 1; days 10 20 30 1 → 15); 井岸 C5 C7 C10 = 3 (rate 0; 6 2 → 4); 南屏镇 C4 C9 = 2
    (failed 1, open 1; rate 0; 4). Districts: 海澄区 7, 西江区 3. Outcomes: settled 3, failed 2,
    open 3, withdrawn 1, declined 1, labelled in Chinese (failed, withdrawn, declined: the states'
    own labels)."""
    from zhili.mediation.stats import breakdown

    with translation.override("zh-hans"):
        towns = breakdown(all_cases(), "town")
        districts = breakdown(all_cases(), "district")
        outcomes = breakdown(all_cases(), "outcome")
    assert [(r["key"], r["label"], r["total"], r["settled"], r["success_rate"], r["median_days"]) for r in towns] == [
        (OWN_TOWN, "拱北街道", 5, 3, 1.0, 15.0),
        (JINGAN, "井岸街道", 3, 0, 0.0, 4.0),
        (NANPING, "南屏镇", 2, 0, 0.0, 4.0),
    ]  # fmt: skip
    assert [(r["key"], r["label"], r["total"]) for r in districts] == [
        (HAICHENG, "海澄区", 7),
        (XIJIANG, "西江区", 3),
    ]
    assert {r["key"]: (r["total"], r["label"]) for r in outcomes} == {
        "settled": (3, "调解成功"),
        "open": (3, "办理中"),
        "failed": (2, "调解不成"),
        "withdrawn": (1, "已撤回"),
        "declined": (1, "不予受理"),
    }
    assert [r["key"] for r in outcomes][:2] == ["open", "settled"]  # 3 and 3: by key
    with translation.override("en"):
        assert breakdown(all_cases(), "town")[0]["label"] == "Gongbei Street"
    with pytest.raises(ValueError):
        breakdown(all_cases(), "colour")


def test_a_case_archived_without_a_timeline_is_closed_with_outcome_other(mediation):
    """An archived case with no step and no agreement on record (a bulk load): closed, 'other',
    in no outcome column and outside the success rate."""
    from zhili.mediation.stats import breakdown, summary

    make_case("X1", unit=OWN_VILLAGE, kind="other", state="archived", created=at(1, 1), closed=at(1, 3))
    figures = summary(all_cases())
    assert (figures["closed"], figures["other"], figures["settled"], figures["success_rate"]) == (
        1,
        1,
        0,
        None,
    )
    assert figures["median_days"] == 2.0
    row = breakdown(all_cases(), "dispute_type")[0]
    assert (row["total"], row["settled"], row["failed"], row["open"]) == (1, 0, 0, 0)


def test_a_case_declined_and_archived_through_the_api_counts_as_declined(mediation):
    """Through the workflow: applied, declined by the head, archived: its `decline` step makes it
    'declined'; a second application stays open (submitted)."""
    from zhili.mediation.stats import summary

    head = client_for(mediation["mediator"])
    number = apply_as(mediation)
    assert (
        post(head, f"{API}/cases/{number}/actions/decline", {"reason": "不属于调解范围"}).status_code == 200
    )
    assert post(head, f"{API}/cases/{number}/actions/archive").json()["state"] == "archived"
    apply_as(mediation, **application(facts="邻居养狗夜间吠叫，影响休息。"))
    figures = summary(all_cases())
    assert (figures["total"], figures["declined"], figures["open"], figures["closed"]) == (2, 1, 1, 1)


def test_heat_counts_cases_in_h3_hexagons(mediation):
    """Two cases at POINT_OWN (113.02, 22.05) share one hexagon: count 2, by type neighbour 1,
    labour 1, and the hexagon contains the point. A case in 莲花社区 without lon/lat counts at the
    representative point of 莲花社区's rectangle (113.0–113.1 × 22.1–22.2). A case in a village
    with neither boundary nor centroid is skipped: 3 placed, 1 skipped, max 2."""
    import h3
    from shapely.geometry import Point, shape

    from zhili.geo.models import Unit
    from zhili.mediation.stats import heat

    lon, lat = POINT_OWN
    make_case("H1", unit=OWN_VILLAGE, kind="neighbour", state="submitted", created=at(1, 1), lon=lon, lat=lat)
    make_case("H2", unit=OWN_VILLAGE, kind="labour", state="signed", created=at(1, 2), lon=lon, lat=lat)
    make_case("H3", unit=LIANHUA, kind="family", state="submitted", created=at(1, 3))
    Unit.objects.create(
        code="449902001009", name="新村", kind="village", parent=Unit.objects.get(code=OWN_TOWN)
    )
    make_case("H4", unit="449902001009", kind="other", state="submitted", created=at(1, 4))

    result = heat(all_cases(), resolution=8)
    assert (result["type"], result["max"], result["skipped"], result["total"]) == (
        "FeatureCollection",
        2,
        1,
        3,
    )
    first, second = result["features"]
    assert first["properties"] == {
        "cell": h3.latlng_to_cell(lat, lon, 8),
        "count": 2,
        "by_type": {"labour": 1, "neighbour": 1},
    }
    ring = first["geometry"]["coordinates"][0]
    assert first["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 7
    assert shape(first["geometry"]).contains(Point(lon, lat))  # lon, lat order
    village = shape(Unit.objects.get(code=LIANHUA).boundary)
    spot = village.representative_point()
    assert village.contains(spot)
    assert second["properties"] == {
        "cell": h3.latlng_to_cell(spot.y, spot.x, 8),
        "count": 1,
        "by_type": {"family": 1},
    }
    assert shape(second["geometry"]).contains(spot)
    # a coarser resolution puts them all in one or two bigger cells, still 3 cases
    assert sum(f["properties"]["count"] for f in heat(all_cases(), resolution=5)["features"]) == 3


def test_choropleth_per_town_and_village(cases):
    """Towns: 拱北 C1 C2 C3 C6 C8 = 5, 南屏镇 C4 C9 = 2, 井岸 C5 C7 C10 = 3. Villages: 翠香 C1 C2 C6
    C8 = 4, 莲花 C3 = 1, 北山村 C4 C9 = 2, 湖滨 C5 C7 C10 = 3. A case placed at a town is in the
    town's count but in no village's."""
    from zhili.geo.models import Unit
    from zhili.mediation.stats import choropleth

    assert choropleth(all_cases(), level="town") == {OWN_TOWN: 5, NANPING: 2, JINGAN: 3}
    assert choropleth(all_cases(), level="district") == {HAICHENG: 7, XIJIANG: 3}
    make_case("T1", unit=OWN_TOWN, kind="other", state="submitted", created=at(5, 1))
    assert Unit.objects.get(code=OWN_TOWN).level == 3
    assert choropleth(all_cases(), level="village") == {
        OWN_VILLAGE: 4,
        LIANHUA: 1,
        BEISHAN: 2,
        OTHER_VILLAGE: 3,
    }
    assert choropleth(all_cases(), level="town")[OWN_TOWN] == 6


def _many(mediation, n: int, start: int) -> None:
    from zhili.geo.models import Unit
    from zhili.mediation.models import Case

    units = [Unit.objects.get(code=c) for c in (OWN_VILLAGE, LIANHUA, BEISHAN, OTHER_VILLAGE)]
    institutions = [mediation["gongbei"], mediation["jingan"], mediation["labour"], None]
    kinds, states = (
        ["neighbour", "labour", "family"],
        ["submitted", "signed", "failed", "withdrawn", "archived"],
    )
    Case.objects.bulk_create(
        Case(
            number=f"Q{start + i}", dispute_type=kinds[i % 3], unit=units[i % 4], institution=institutions[i % 4],
            facts="f", claims="c", fingerprint=f"q{start + i}", state=states[i % 5],
            lon=None if i % 2 else 113.02 + i * 0.001, lat=None if i % 2 else 22.05,
            closed_at=None if i % 5 == 0 else at(1, 1 + i % 28), amount=Decimal(100 + i),
        )
        for i in range(n)
    )  # fmt: skip
    Case.objects.filter(number__startswith="Q").update(opened_at=at(1, 1, 0))


def _run_all(qs) -> None:
    from zhili.mediation.stats import breakdown, choropleth, heat, summary

    summary(qs)
    for by in ("institution", "dispute_type", "outcome", "month", "district", "town"):
        breakdown(qs, by)
    heat(qs)
    choropleth(qs, level="town")


def test_the_number_of_queries_does_not_grow_with_the_cases(
    mediation, django_assert_max_num_queries, django_assert_num_queries
):
    """Through `visible_cases`, the same queries for 5 cases as for 50: summary 2, each breakdown
    2 (+1 for the names of institutions or units: institution, district, town), heat 2 (+0 when
    every case has a point), choropleth 1 = 2 + 15 + 2 + 1 = 20, and 3 for the actor the first
    time (their permissions, 2, and home unit, 1)."""
    from zhili.mediation.selectors import visible_cases
    from zhili.mediation.stats import breakdown, choropleth, heat, summary

    actor = mediation["mediator"]
    _many(mediation, 5, 0)
    with django_assert_max_num_queries(23):
        _run_all(visible_cases(actor))
    _many(mediation, 45, 5)
    with django_assert_max_num_queries(20):
        _run_all(visible_cases(actor))
    qs = all_cases()
    assert summary(qs)["total"] == 50
    for call, queries in [
        (lambda: summary(qs), 2),
        (lambda: breakdown(qs, "institution"), 3),
        (lambda: breakdown(qs, "dispute_type"), 2),
        (lambda: breakdown(qs, "outcome"), 2),
        (lambda: breakdown(qs, "month"), 2),
        (lambda: breakdown(qs, "town"), 3),
        (lambda: heat(qs), 2),
        (lambda: heat(qs.filter(lon__isnull=False)), 1),
        (lambda: choropleth(qs, level="village"), 1),
    ]:
        with django_assert_num_queries(queries):
            call()
