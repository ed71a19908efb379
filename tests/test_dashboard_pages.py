"""The officials' dashboards on the small hand-made city (tests.test_index_api's `published`: the
test index `t`, daily runs 1–6 March 2026 and monthly February–March, all published): the overview
table with hand-computed totals and grades, scoping, 403 and 404, the explanation down to the
hub's events (masked), XLSX exports, the star list, and a day without a result."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
import yaml
from django.test import Client
from django.utils import translation

from tests import test_index_api
from tests.conftest import (
    OTHER_TOWN,
    OTHER_VILLAGE,
    OWN_TOWN,
    OWN_VILLAGE,
    SIBLING_TOWN,
    client_for,
)
from tests.index_lake import ev, write_lake
from tests.test_hub_ingest import burglary, post
from tests.test_index_engine import burglaries

published = test_index_api.published  # the fixture: the test index `t`, published

CITY, OWN_DISTRICT, OTHER_DISTRICT = "449900000000", "449902000000", "449903000000"
CRIME_0303 = 100 * (20 - 3 / 0.35) / 20  # 3 burglaries per 3,500 residents: 8.571 per 10k → 57.14
ROW = re.compile(
    r'<tr class="(town|district|city)" data-code="(\d+)" data-grade="(\w*)" data-total="([\d.]*)">'
)


def table_rows(html: str) -> list[tuple[str, str, str, str]]:
    return ROW.findall(html)


def script_json(html: str, element_id: str):
    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert m, element_id
    return json.loads(m.group(1))


def test_the_overview_has_one_row_per_town_with_the_hand_computed_totals_and_grades(published):
    page = client_for(published["analyst"]).get("/dash/?date=2026-03-03")
    assert page.status_code == 200
    html = page.content.decode()
    rows = table_rows(html)
    towns = {code: (grade, float(total)) for kind, code, grade, total in rows if kind == "town"}
    # On the 3rd 拱北街道 had its 3 burglaries: 57.14, red; the others none: 100, blue.
    assert towns == {
        OWN_TOWN: ("red", pytest.approx(CRIME_0303, abs=0.005)),
        SIBLING_TOWN: ("blue", 100.0),
        OTHER_TOWN: ("blue", 100.0),
    }
    assert round(CRIME_0303, 2) == 57.14
    # Grouped by district (the district's own result heads its towns), the city last.
    assert [(kind, code) for kind, code, _g, _t in rows] == [
        ("district", OWN_DISTRICT), ("town", OWN_TOWN), ("town", SIBLING_TOWN),
        ("district", OTHER_DISTRICT), ("town", OTHER_TOWN), ("city", CITY),
    ]  # fmt: skip
    district = {code: float(total) for kind, code, _g, total in rows if kind == "district"}
    assert district[OWN_DISTRICT] == pytest.approx(100 * (20 - 3 / 0.6) / 20, abs=0.005)  # 3 per 6,000
    # The columns are the daily tree's first-level indicators: `t` keeps 治安 (crime) alone.
    header = r'<th class="num" aria-sort="none" data-sort="c0" data-path="([\w/]+)"><a href="[^"]+">([^<]+)</a></th>'
    assert re.findall(header, html) == [("crime", "治安")]
    own = html[html.index(f'data-code="{OWN_TOWN}"') :]
    assert 'class="num band-red" data-band="red">57.1<' in own[: own.index("</tr>")]
    # The map is coloured from the same results; the trend holds the city and every town.
    colours = script_json(html, "map-colours")
    assert {code: c["grade"] for code, c in colours.items()} == {
        OWN_TOWN: "red", SIBLING_TOWN: "blue", OTHER_TOWN: "blue",
    }  # fmt: skip
    trend = script_json(html, "trend-data")
    assert trend["city"] == CITY and trend["dates"][-1] == "2026-03-03"
    assert trend["series"][OWN_TOWN][trend["dates"].index("2026-03-03")] == round(CRIME_0303, 2)
    assert trend["selected"] == [OWN_TOWN]  # the lowest today, alone beside the city
    assert trend["bands"] == [[80, "blue"], [60, "yellow"], [None, "red"]]  # drawn behind the lines
    # Rankings with their moves: 拱北 fell from first to last between the 2nd and the 3rd.
    ranking = html[html.index('id="ranking"') :]
    assert ranking.index(SIBLING_TOWN) < ranking.index(OWN_TOWN)
    assert '<span class="down"' in ranking[ranking.index(OWN_TOWN) :].split("</tr>")[0]


def test_the_latest_published_day_is_the_default_and_the_definition_can_be_named(published):
    client = client_for(published["analyst"])
    html = client.get("/dash/").content.decode()
    assert "2026年3月6日" in html
    towns = {code: grade for kind, code, grade, _t in table_rows(html) if kind == "town"}
    assert towns == {OWN_TOWN: "blue", SIBLING_TOWN: "blue", OTHER_TOWN: "red"}  # 井岸's 4 burglaries
    named = client.get("/dash/?definition=t&date=2026-03-05").content.decode()
    totals = {code: float(t) for kind, code, _g, t in table_rows(named) if kind == "town"}
    assert totals[OWN_TOWN] == 92.0  # two homicide deaths: 5 points each, capped at 8


def test_a_town_cadre_sees_only_their_town(published):
    client = client_for(published["town_cadre"])
    html = client.get("/dash/?date=2026-03-03").content.decode()
    rows = table_rows(html)
    assert [(kind, code) for kind, code, _g, _t in rows] == [("town", OWN_TOWN)]
    assert set(script_json(html, "map-colours")) == {OWN_TOWN}
    shapes = client.get("/dash/shapes/town/").json()
    assert [f["properties"]["code"] for f in shapes["features"]] == [OWN_TOWN]
    # the other towns' pages answer like missing ones; so does a comparison with one of them
    assert client.get(f"/dash/unit/{OTHER_TOWN}/").status_code == 404
    assert client.get(f"/dash/compare/?a={OWN_TOWN}&b={OTHER_TOWN}").status_code == 404
    assert client.get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03").status_code == 200
    # the export holds the same single row
    book = workbook(client.get("/dash/export/overview/?date=2026-03-03"))
    assert [r[2] for r in table_of(book)[1:]] == [OWN_TOWN]


def test_roles_with_less_see_less_without_errors(published):
    from tests.conftest import make_user
    from zhili.org.roles import Role

    village = client_for(make_user("village_y", Role.VILLAGE_CADRE, OWN_VILLAGE))
    page = village.get("/dash/?date=2026-03-03")
    assert page.status_code == 200 and table_rows(page.content.decode()) == []  # no town in a village
    assert village.get(f"/dash/unit/{OWN_TOWN}/").status_code == 404
    # a grid worker reads results but neither alerts nor the hub's events
    grid = client_for(published["grid_worker"])
    assert grid.get("/dash/?date=2026-03-03").status_code == 200
    events = grid.get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03&leaf=crime").content.decode()
    assert 'id="event-list"' in events and "<tr data-id=" not in events


@pytest.mark.parametrize(
    "url",
    ["/dash/", f"/dash/unit/{OWN_TOWN}/", "/dash/compare/", "/dash/stars/", "/dash/export/overview/",
     "/dash/shapes/town/"],
)  # fmt: skip
def test_a_role_without_index_view_outcome_gets_403(published, url):
    for role in ("data_officer", "mediator", "citizen"):
        user = published[role]
        assert not user.has_perm("index.view_outcome")
        response = client_for(user).get(url)
        assert response.status_code == 403, (role, url)
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_an_unknown_unit_is_404_with_the_friendly_page(published):
    client = client_for(published["analyst"])
    # a grid has no page (villages and communities do: their stars)
    for url in ("/dash/unit/449999999000/", "/dash/unit/nonsense/", f"/dash/unit/{OWN_VILLAGE}001/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert (
            "您要找的页面不存在" in response.content.decode()
            or response.templates[0].name == "web/error.html"
        )
    assert client.get(f"/dash/unit/{OWN_TOWN}/?date=2026-13-01").status_code == 404
    assert client.get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03&leaf=nope").status_code == 404


def test_the_unit_page_explains_the_change_with_the_movers(published):
    client = client_for(published["analyst"])
    html = client.get(f"/dash/unit/{OWN_TOWN}/?period=month&date=2026-03").content.decode()
    # February → March: fire lost 50 points × 0.4, crime gained 28.57 × 0.6 (5 → 3 burglaries)
    movers = html[html.index('id="movers"') : html.index("</table>", html.index('id="movers"'))]
    assert re.findall(r'<tr data-path="(\w+)">', movers) == ["fire", "crime"]
    crime = movers[movers.index('data-path="crime"') :]
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', crime)
    assert cells[:3] == ["5", "3", "-40%"]  # count before, now, change
    assert cells[-1] == f"+{0.6 * (CRIME_0303 - 100 * (20 - 5 / 0.35) / 20):.2f}"
    assert "-20.00" in movers  # fire
    sunburst = script_json(html, "sunburst-data")
    assert dict(zip(sunburst["ids"], sunburst["parents"], strict=True)) == {
        ".": "",
        "crime": ".",
        "fire": ".",
    }
    assert dict(zip(sunburst["ids"], sunburst["values"], strict=True)) == {".": 0, "crime": 0.6, "fire": 0.4}
    scores = dict(zip(sunburst["ids"], sunburst["scores"], strict=True))
    assert scores == {
        ".": pytest.approx(0.6 * CRIME_0303 + 0.4 * 50 - 8, abs=0.05),
        "crime": 57.1,
        "fire": 50.0,
    }
    history = script_json(html, "history-data")
    assert history["month"]["dates"] == ["2026-02-01", "2026-03-01"]
    assert [round(x, 2) for x in history["day"]["series"][OWN_TOWN]] == [100, 100, 57.14, 100, 92, 100]
    # the daily page: crime moved the total on the 3rd, from 0 to 3 burglaries
    day = client.get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03").content.decode()
    assert re.findall(r'<tr data-path="(\w+)">', day[day.index('id="movers"') :].split("</table>")[0]) == [
        "crime"
    ]
    assert f"{CRIME_0303 - 100:.2f}" in day


def test_the_events_behind_a_leaf_mask_personal_fields(published, hub):
    assert post(hub["police_key"], [
        burglary("E1", occurred_at="2026-03-03T09:00:00+08:00", fields={"category": "night", "caller_phone": "13812345678"}),
        burglary("E2", occurred_at="2026-03-03T10:00:00+08:00", unit_code=OTHER_VILLAGE),
        burglary("E3", occurred_at="2026-03-04T10:00:00+08:00"),
    ]).status_code == 200  # fmt: skip
    cadre = published["town_cadre"]
    assert not cadre.has_perm("org.view_personal_data")
    html = client_for(cadre).get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03&leaf=crime").content.decode()
    events = html[html.index('id="event-list"') : html.index("</table>", html.index('id="event-list"'))]
    assert len(re.findall(r"<tr data-id=", events)) == 1  # E1: the unit and the day; not E2 or E3
    assert "138****5678" in events and "13812345678" not in html
    assert "police.burglary" in events


def workbook(response):
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content))


def table_of(book) -> list[tuple]:
    """The table of an export: the header and its rows, below the title and the export time."""
    return list(book.active.values)[2:]


def test_the_overview_table_exports_to_xlsx_with_chinese_headers(published):
    client = client_for(published["analyst"])
    book = workbook(client.get("/dash/export/overview/?date=2026-03-03"))
    rows = table_of(book)
    with translation.override("zh-hans"):
        from django.utils.translation import gettext as _

        expected = [_("District"), _("Unit"), _("Unit code"), "治安", _("Total"), _("Grade"), _("Rank"),
                    _("Rank move"), _("Red streak")]  # fmt: skip
    assert list(rows[0]) == expected
    assert rows[0][0] == "区"
    by_code = {r[2]: r for r in rows[1:]}
    assert set(by_code) == {OWN_DISTRICT, OWN_TOWN, SIBLING_TOWN, OTHER_DISTRICT, OTHER_TOWN, CITY}
    own = by_code[OWN_TOWN]
    assert own[:5] == ("海澄区", "拱北街道", OWN_TOWN, 57.14, 57.14)
    assert own[5] == "red"  # `t` has no grade labels: the code
    # the same through the page's ?format=xlsx
    again = workbook(client.get("/dash/?date=2026-03-03&format=xlsx"))
    assert table_of(again) == rows
    assert client.get("/dash/export/nothing/").status_code == 404


def test_a_day_without_a_published_result_says_so(published):
    html = client_for(published["analyst"]).get("/dash/?date=2026-03-09").content.decode()
    assert 'id="no-result"' in html
    assert "2026年3月9日没有已发布的 t 结果" in html
    assert table_rows(html) == []
    assert client_for(published["analyst"]).get("/dash/export/overview/?date=2026-03-09").status_code == 404


def test_two_units_side_by_side(published):
    client = client_for(published["analyst"])
    html = client.get(f"/dash/compare/?a={OWN_TOWN}&b={OTHER_TOWN}&date=2026-03-03").content.decode()
    table = html[html.index('id="compare"') :]
    assert re.findall(r'<td class="num" data-total="([\d.]+)">', table) == ["57.14", "100.00"]
    assert "-42.86" in table  # the difference of the totals
    assert set(script_json(html, "history-data")["names"]) == {OWN_TOWN, OTHER_TOWN}
    assert client.get("/dash/compare/").status_code == 200  # the pickers only
    assert client.get(f"/dash/compare/?a={OWN_TOWN}&b=449999999000").status_code == 404


STARS = {
    "code": "s",
    "name": "测试星级",
    "periods": ["month"],
    "units": ["village"],
    "ranking": {"within": "kind", "scope": "city"},
    "stars": {"method": "bands", "bands": [[90, 5], [60, 4], [None, 2]]},
    "veto": [{"code": "fire_death", "event_types": ["fire.fire"], "field": "deaths", "agg": "sum", "cap": 3}],
    "children": [
        {
            "code": "crime", "name": "治安", "weight": 1.0,
            "measure": {"event_types": ["police.burglary"], "agg": "count"},
            "denominator": "per_10k_residents", "direction": "lower_is_better",
            "scoring": {"method": "goalposts", "worst": 20, "best": 0},
        }
    ],
}  # fmt: skip


@pytest.fixture
def stars(published):
    """A star rating of the four villages and communities for March 2026: 翠香 2 burglaries per
    2,000 residents (10 per 10k → 50, 2 stars), 北山 a fire death (100, but capped at 3 stars)."""
    from zhili.index.services import run, save_definition

    write_lake(
        burglaries("2026-03-03", OWN_TOWN, 3)
        + burglaries("2026-03-12", OWN_VILLAGE, 2)
        + [ev("fire.fire", "2026-03-13", "449902100200", deaths=1)]
    )
    save_definition(text=yaml.safe_dump(STARS, allow_unicode=True), actor_username="test")
    run(code="s", kind="month", first="2026-02", last="2026-03", publish=True, export_lake=False)
    return published


def test_the_star_list_filters_by_district_and_kind_and_exports(stars):
    client = client_for(stars["analyst"])
    html = client.get("/dash/stars/?definition=s&month=2026-03").content.decode()
    rows = dict(re.findall(r'<tr data-code="(\d+)" data-stars="(\d)"', html))
    assert rows == {"449902001002": "5", OTHER_VILLAGE: "5", OWN_VILLAGE: "2", "449902100200": "3"}
    assert "fire_death" in html
    assert set(script_json(html, "star-colours")) == set(rows)
    only = client.get(f"/dash/stars/?definition=s&month=2026-03&district={OTHER_DISTRICT}").content.decode()
    assert dict(re.findall(r'<tr data-code="(\d+)" data-stars="(\d)"', only)) == {OTHER_VILLAGE: "5"}
    villages = client.get("/dash/stars/?definition=s&month=2026-03&kind=village").content.decode()
    assert re.findall(r'<tr data-code="(\d+)" data-stars', villages) == ["449902100200"]
    history = client.get(f"/dash/stars/?definition=s&month=2026-03&unit={OWN_VILLAGE}").content.decode()
    block = history[
        history.index('id="star-history"') : history.index("</table>", history.index('id="star-history"'))
    ]
    assert block.index("2026-03") < block.index("2026-02") and '<span class="stars">★★</span>' in block
    book = workbook(client.get("/dash/export/stars/?definition=s&month=2026-03&kind=community"))
    sheet = table_of(book)
    with translation.override("zh-hans"):
        from django.utils.translation import gettext as _

        assert sheet[0][:3] == (_("District"), _("Town/street"), _("Village/community"))
    assert sheet[0][:3] == ("区", "镇/街道", "村/社区")
    assert {r[3]: r[5] for r in sheet[1:]} == {"449902001002": 5, OTHER_VILLAGE: 5, OWN_VILLAGE: 2}
    assert {r[4] for r in sheet[1:]} == {"社区"}
    # a town cadre sees the villages and communities of their town only
    town = client_for(stars["town_cadre"]).get("/dash/stars/?definition=s&month=2026-03").content.decode()
    assert set(re.findall(r'<tr data-code="(\d+)" data-stars', town)) == {OWN_VILLAGE, "449902001002"}
    assert (
        client_for(stars["town_cadre"]).get(f"/dash/stars/?definition=s&unit={OTHER_VILLAGE}").status_code
        == 404
    )
    # a month without a rating says so
    empty = client.get("/dash/stars/?definition=s&month=2025-12").content.decode()
    assert "2025年12月没有已发布的 s 结果" in empty


VILLAGE_ROW = re.compile(
    r'<tr data-code="(\d+)" data-stars="(\d*)" data-total="([\d.]*)"><td><a href="([^"]+)">([^<]+)</a>'
)


def test_a_town_page_lists_its_villages_with_their_stars(stars):
    """翠香社区: 2 burglaries per 2,000 residents, 10 per 10k → 100·(20−10)/20 = 50, 2 stars
    (under 60), third of the city's three communities; 莲花社区: nothing, 100, 5 stars, first."""
    html = (
        client_for(stars["town_cadre"])
        .get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03&stars=s")
        .content.decode()
    )
    block = html[html.index('id="villages"') : html.index("</section>", html.index('id="villages"'))]
    assert "2026-03 星级评定" in block
    query = "?definition=s&amp;period=month&amp;date=2026-03-01"
    assert VILLAGE_ROW.findall(block) == [
        (OWN_VILLAGE, "2", "50.00", f"/dash/unit/{OWN_VILLAGE}/{query}", "翠香社区"),
        ("449902001002", "5", "100.00", f"/dash/unit/449902001002/{query}", "莲花社区"),
    ]
    assert re.findall(r'<td class="num">(\d)</td></tr>', block) == ["3", "1"]
    assert f"/dash/compare/?a={OWN_VILLAGE}&amp;b=449902001002&amp;definition=s" in block
    # the village's own page opens from the link, on the star index's month
    page = client_for(stars["town_cadre"]).get(
        f"/dash/unit/{OWN_VILLAGE}/?definition=s&period=month&date=2026-03-01"
    )
    assert page.status_code == 200 and 'data-total="50.00"' in page.content.decode()


def test_a_district_page_has_no_village_table(stars):
    html = (
        client_for(stars["analyst"])
        .get(f"/dash/unit/{OWN_DISTRICT}/?date=2026-03-03&stars=s")
        .content.decode()
    )
    assert 'id="villages"' not in html


def test_a_town_cadre_compares_village_with_village_on_their_stars(stars):
    client = client_for(stars["town_cadre"])
    pickers = client.get("/dash/compare/").content.decode()
    assert re.findall(r'<select name="a".*?</select>', pickers, re.S)[0].count("<option") == 3  # town + 2
    html = client.get(
        f"/dash/compare/?a={OWN_VILLAGE}&b=449902001002&definition=s&month=2026-03"
    ).content.decode()
    table = html[html.index('id="compare"') :]
    assert re.findall(r'<td class="num" data-total="([\d.]+)">', table) == ["50.00", "100.00"]
    assert "-50.00" in table
    stars_row = table[
        table.index('id="compare-stars"') : table.index("</tr>", table.index('id="compare-stars"'))
    ]
    assert re.findall(r'<span class="stars">(★+)</span>', stars_row) == ["★★", "★★★★★"]
    assert script_json(html, "history-data")["month"]["series"] == {
        OWN_VILLAGE: [100.0, 50.0],
        "449902001002": [100.0, 100.0],
    }
    # another town's village answers like a missing one
    assert client.get(f"/dash/compare/?a={OWN_VILLAGE}&b={OTHER_VILLAGE}&definition=s").status_code == 404
    # a city analyst's pickers stop at the towns (hundreds of villages would drown them)
    city = client_for(stars["analyst"]).get("/dash/compare/").content.decode()
    assert OWN_VILLAGE not in city and OWN_TOWN in city


def star_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="(\d+)" data-stars', html)


def test_the_star_list_searches_filters_sorts_and_pages(stars, monkeypatch):
    """The four rated units of March (5: 莲花 449902001002 100, 湖滨 OTHER_VILLAGE 100; 3: 北山
    449902100200 capped by its fire death; 2: 翠香 OWN_VILLAGE 50), two to a page."""
    from zhili.web import listing

    monkeypatch.setattr(listing, "PER_PAGE", 2)
    client = client_for(stars["analyst"])
    base = "/dash/stars/?definition=s&month=2026-03"
    first = client.get(base).content.decode()
    assert star_codes(first) == ["449902001002", OTHER_VILLAGE]  # five stars first
    assert 'data-count="4"' in first and "第 1 / 2 页" in first and "1–2，共 4 个" in first
    second = client.get(base + "&page=2").content.decode()
    assert star_codes(second) == ["449902100200", OWN_VILLAGE]
    assert set(script_json(second, "star-colours")) == {
        "449902001002",
        OTHER_VILLAGE,
        "449902100200",
        OWN_VILLAGE,
    }
    assert star_codes(client.get(base + "&page=99").content.decode()) == star_codes(second)  # the last page
    # by name: a village's name, or its town's
    assert star_codes(client.get(base + "&q=翠香").content.decode()) == [OWN_VILLAGE]
    assert star_codes(client.get(base + "&q=拱北").content.decode()) == ["449902001002", OWN_VILLAGE]
    assert 'data-count="0"' in client.get(base + "&q=nowhere").content.decode()
    # by town and by stars
    assert star_codes(client.get(base + f"&town={SIBLING_TOWN}").content.decode()) == ["449902100200"]
    assert star_codes(client.get(base + "&stars=5").content.decode()) == ["449902001002", OTHER_VILLAGE]
    assert star_codes(client.get(base + "&stars=4").content.decode()) == []
    # sorted by total, lowest first (the two at 100 in their list order), then reversed
    monkeypatch.setattr(listing, "PER_PAGE", 50)
    up = client.get(base + "&sort=total").content.decode()
    totals = re.findall(r'<td class="num">([\d.]+)</td>\s*<td>', up)
    assert totals == sorted(totals, key=float) and star_codes(up)[0] == OWN_VILLAGE
    assert (
        'aria-sort="ascending" data-sort="total"><a href="?definition=s&amp;month=2026-03&amp;sort=-total">'
        in up
    )
    down = client.get(base + "&sort=-total").content.decode()
    assert star_codes(down)[-1] == OWN_VILLAGE
    # the export holds what the filters found, in the order asked for
    book = workbook(client.get(base.replace("/dash/stars/", "/dash/export/stars/") + "&stars=5&sort=-name"))
    codes = [r[3] for r in list(book.active.values) if r[3] and str(r[3]).isdigit()]
    assert codes == ["449902001002", OTHER_VILLAGE]  # 莲 (U+83B2) after 湖 (U+6E56), reversed


def test_the_overview_sorts_its_towns_from_the_headers(published):
    """3 March: 拱北 57.14 (red), 南屏 and 井岸 100; sorted, the towns leave their districts."""
    client = client_for(published["analyst"])
    grouped = [(k, c) for k, c, _g, _t in table_rows(client.get("/dash/?date=2026-03-03").content.decode())]
    assert grouped[0] == ("district", OWN_DISTRICT)
    up = client.get("/dash/?date=2026-03-03&sort=total").content.decode()
    assert [(k, c) for k, c, _g, _t in table_rows(up)] == [
        ("town", OWN_TOWN),
        ("town", SIBLING_TOWN),
        ("town", OTHER_TOWN),
        ("city", CITY),
    ]
    assert 'aria-sort="ascending" data-sort="total"><a href="?date=2026-03-03&amp;sort=-total">' in up
    down = client.get("/dash/?date=2026-03-03&sort=-c0").content.decode()
    assert [c for k, c, _g, _t in table_rows(down) if k == "town"][-1] == OWN_TOWN
    assert 'aria-sort="descending" data-sort="c0" data-path="crime"' in down


def test_the_village_table_sorts_from_its_headers(stars):
    client = client_for(stars["town_cadre"])
    html = client.get(f"/dash/unit/{OWN_TOWN}/?date=2026-03-03&stars=s&vsort=-stars").content.decode()
    block = html[html.index('id="villages"') :]
    assert [r[0] for r in VILLAGE_ROW.findall(block)] == ["449902001002", OWN_VILLAGE]
    assert 'href="?date=2026-03-03&amp;stars=s&amp;vsort=stars"' in block


def test_an_export_says_what_it_is_and_when_it_was_made(published):
    """Title row: the actor's unit, the table, the day; then the export time in the city's time
    (08:00 ahead of UTC); then the header, frozen; columns as wide as their widest value."""
    import time_machine

    client = client_for(published["town_cadre"])
    with time_machine.travel("2026-03-07T02:30:00+00:00", tick=False):
        book = workbook(client.get("/dash/export/overview/?date=2026-03-03"))
    sheet = book.active
    assert sheet["A1"].value == "拱北街道 · 平安指数 · 2026年3月3日"
    assert sheet["A2"].value == "导出时间：2026年3月7日 10:30"
    assert sheet["A3"].value == "区" and sheet["C4"].value == OWN_TOWN
    assert sheet.freeze_panes == "A4" and sheet["A1"].font.bold
    # 海澄区 is 3 Chinese characters (6 columns) and the header 区 one: 6 + 2; the code 12 + 2
    assert sheet.column_dimensions["A"].width == 8 and sheet.column_dimensions["C"].width == 14
    assert sheet.column_dimensions["B"].width == 10  # 拱北街道: 8 + 2
    with time_machine.travel("2026-03-07T02:30:00+00:00", tick=False):
        client.cookies["django_language"] = "en"
        english = workbook(client.get("/dash/export/overview/?date=2026-03-03")).active
    assert english["A2"].value == "Exported 2026-03-07 10:30"
