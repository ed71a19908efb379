"""The public pages /p/, /p/town/<code>/ and /p/stars/ on the hand-made test city: colours and
grade words by hand, the last seven days, the five-star list, the caching headers and that
nothing personal is shown (here or in the public JSON).

Daily index `t` (tests/test_index_engine.py; crime per 10k residents, goalposts 20 → 0; bands
80 blue, 60 yellow, else red), published for 1–6 March 2026 by the `published` fixture and again
here with grade words. By hand: 3 burglaries in 拱北街道 (3,500 residents) on the 3rd →
100 × (20 − 8.57) / 20 = 57.1, red; 2 homicide deaths there on the 5th → 100 − 8 = 92, blue;
4 burglaries in 井岸街道 (4,000) on the 6th → 50, red; every other town and day 100, blue.

Monthly star rating `s` of villages and communities (shares 35/25/20/15/5 %, ranked within kind,
goalposts 2 → 0 burglaries per 1,000 residents), March 2026: 翠香 0 → 100, rank 1 → ★5;
莲花 1 per 1,500 → 66.7, rank 2 → ★4; 湖滨 4 per 4,000 → 50, rank 3 → ★2 (cuts after
round(3 × .35, .6, .8, .95) = 1, 2, 2, 3 units); 北山村, the only village: cut after round(.35) = 0
units, so rank 1 → ★4.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.test import Client

from tests.conftest import OTHER_TOWN, OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE, SIBLING_TOWN, client_for
from tests.index_lake import write_lake
from tests.test_index_api import published  # noqa: F401 - the fixture
from tests.test_index_engine import burglaries, definition

LABELS = {"blue": "优秀", "yellow": "良好", "red": "较差"}
LIANHUA, BEISHAN = "449902001002", "449902100200"
PERSONAL = ("phone", "id_number", "id number", "address", "caller", "display_name", "real_name")


@pytest.fixture
def public_city(published, settings):  # noqa: F811 - the fixture imported above
    """`published`, plus the daily index again with grade words and March's star rating."""
    from zhili.index.services import run, save_definition

    settings.PUBLIC_DAY_INDEX, settings.PUBLIC_STAR_INDEX = "t", "s"
    grades = {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]], "labels": LABELS}
    save_definition(
        text=yaml.safe_dump(definition(grades=grades).raw, allow_unicode=True), actor_username="t"
    )
    run(code="t", kind="day", first="2026-03-01", last="2026-03-06", publish=True, export_lake=False)
    write_lake(burglaries("2026-03-20", LIANHUA, 1) + burglaries("2026-03-20", OTHER_VILLAGE, 4))
    stars = definition(
        code="s", units=["village"], grades=None, streaks=None, deductions=[], periods=["month"],
        ranking={"within": "kind", "scope": "city"},
        stars={"method": "rank_share", "shares": [0.35, 0.25, 0.2, 0.15, 0.05]},
        children=[{"code": "crime", "name": "治安", "weight": 1.0,
                   "measure": {"event_types": ["police.burglary"], "agg": "count"},
                   "denominator": "per_1k_residents", "direction": "lower_is_better",
                   "scoring": {"method": "goalposts", "worst": 2, "best": 0}}],
    )  # fmt: skip
    save_definition(text=yaml.safe_dump(stars.raw, allow_unicode=True), actor_username="t")
    run(code="s", kind="month", first="2026-03", publish=True, export_lake=False)
    return published


def rows(html: str, tag: str = "li") -> list[dict]:
    """The data-* attributes and the chip's word of each <li data-…> in the page."""
    out = []
    for attrs, inner in re.findall(rf"<{tag} (data-[^>]*)>(.*?)</{tag}>", html, re.S):
        row = dict(re.findall(r'data-([\w-]+)="([^"]*)"', attrs))
        word = re.search(r'class="(?:chip|w)[^"]*">([^<]*)<', inner)
        row["word"] = word.group(1) if word else None
        out.append(row)
    return out


def text(response) -> str:
    return response.content.decode()


def zh(message: str) -> str:
    """A message of ours in Chinese, as the catalogue has it (English until it is translated)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_home_lists_every_town_by_district_with_its_colour_and_word(public_city):
    page = Client().get("/p/")
    assert page.status_code == 200
    html = text(page)
    assert '<html lang="zh-hans">' in html and "2026年3月6日" in html  # the latest published day
    towns = {r["code"]: (r["grade"], r["word"]) for r in rows(html)}
    assert towns == {OWN_TOWN: ("blue", "优秀"), SIBLING_TOWN: ("blue", "优秀"), OTHER_TOWN: ("red", "较差")}
    # grouped by district: 海澄区 holds 拱北 and 南屏, 西江区 holds 井岸
    haicheng, xijiang = html.index("<h2>海澄区</h2>"), html.index("<h2>西江区</h2>")
    assert haicheng < html.index("拱北街道") < html.index("南屏镇") < xijiang < html.index("井岸街道")
    # the legend: each colour, its word and its band
    legend = html[html.index('class="legend"') :]
    for word in ("优秀", "良好", "较差"):
        assert f">{word}</span>" in legend
    assert f'href="/p/town/{OWN_TOWN}/"' in html


def test_town_page_today_last_seven_days_and_village_stars(public_city):
    html = text(Client().get(f"/p/town/{OWN_TOWN}/"))
    assert "<h1>拱北街道</h1>" in html and 'data-grade="blue"' in html
    assert re.search(r'class="today g-blue".*?<p class="word">优秀</p>', html, re.S)
    week = [(r["day"], r["grade"], r["word"]) for r in rows(html) if "day" in r]
    assert week == [
        ("2026-02-28", "none", zh("No result")),  # before the first published day
        ("2026-03-01", "blue", "优秀"), ("2026-03-02", "blue", "优秀"), ("2026-03-03", "red", "较差"),
        ("2026-03-04", "blue", "优秀"), ("2026-03-05", "blue", "优秀"), ("2026-03-06", "blue", "优秀"),
    ]  # fmt: skip
    villages = dict(re.findall(r'<li id="v-(\d+)" data-stars="(\d*)">', html))
    assert villages == {OWN_VILLAGE: "5", LIANHUA: "4"}
    assert "★★★★★" in html and "2026年3月" in html
    assert dict(re.findall(r'<li id="v-(\d+)" data-stars="(\d*)">', text(Client().get(f"/p/town/{SIBLING_TOWN}/")))) == {BEISHAN: "4"}  # fmt: skip
    other = text(Client().get(f"/p/town/{OTHER_TOWN}/"))
    assert re.search(r'<p class="word">较差</p>', other)
    assert dict(re.findall(r'<li id="v-(\d+)" data-stars="(\d*)">', other)) == {OTHER_VILLAGE: "2"}


def test_town_page_looks_back_to_a_date(public_city):
    html = text(Client().get(f"/p/town/{OWN_TOWN}/?date=2026-03-03"))
    assert "2026年3月3日" in html and '<p class="word">较差</p>' in html
    week = [(r["day"], r["grade"]) for r in rows(html) if "day" in r]
    assert week == [("2026-02-25", "none"), ("2026-02-26", "none"), ("2026-02-27", "none"),
                    ("2026-02-28", "none"), ("2026-03-01", "blue"), ("2026-03-02", "blue"),
                    ("2026-03-03", "red")]  # fmt: skip
    assert f'href="/p/town/{OWN_TOWN}/?date=2026-03-01"' in html  # each square looks back to its day


def test_a_date_without_a_result_says_so(public_city):
    page = Client().get(f"/p/town/{OWN_TOWN}/?date=2026-03-10")
    assert page.status_code == 200
    html = text(page)
    notice = re.search(r'<p class="notice" id="no-result">(.*?)</p>', html, re.S).group(1)
    assert "2026年3月10日" in notice and f'href="/p/town/{OWN_TOWN}/"' in notice  # and the way back
    assert 'class="today' not in html
    assert Client().get(f"/p/town/{OWN_TOWN}/?date=2026-13-40").status_code == 400


@pytest.mark.parametrize(
    "code", ["999999999999", OWN_VILLAGE, "449902000000", "449900000000", "x' OR 1=1", "4499020010"]
)
def test_unknown_or_non_town_codes_get_the_friendly_404(public_city, code):
    page = Client().get(f"/p/town/{code}/")
    assert page.status_code == 404
    assert "<h1>404</h1>" in text(page) and 'lang="zh-hans"' in text(page)


def test_the_five_star_list_by_district_and_town(public_city):
    html = text(Client().get("/p/stars/"))
    assert re.search(r'<option value="2026-03" selected>2026年3月</option>', html)
    five = [r["code"] for r in rows(html)]
    assert five == [OWN_VILLAGE]  # 翠香社区 alone has five stars
    assert html.index("<h2>海澄区</h2>") < html.index("拱北街道") < html.index("翠香社区")
    # its stars on the town's page, of the month the list is of
    assert f'href="/p/town/{OWN_TOWN}/?month=2026-03#v-{OWN_VILLAGE}"' in html
    assert "西江区" not in html and "湖滨社区" not in html and "北山村" not in html
    none = text(Client().get("/p/stars/?month=2026-02"))
    assert "2026年2月" in re.search(r'id="no-result">(.*?)</p>', none, re.S).group(1)
    assert Client().get("/p/stars/?month=soon").status_code == 400


def test_english_is_in_the_address(public_city):
    page = Client().get(f"/p/town/{OWN_TOWN}/?lang=en")
    html = text(page)
    assert page["Content-Language"] == "en" and '<html lang="en">' in html
    assert "<h1>Gongbei Street</h1>" in html and '<p class="word">Excellent</p>' in html
    assert "2026-03-06" in html
    # links keep the language; the switch goes back to the Chinese address
    assert f'href="/p/town/{OWN_TOWN}/?date=2026-03-01&amp;lang=en"' in html
    assert f'href="/p/town/{OWN_TOWN}/" hreflang="zh-hans"' in html
    # the language cookie of the rest of the site does not change the page
    cookie = Client()
    cookie.cookies["django_language"] = "en"
    assert '<html lang="zh-hans">' in text(cookie.get("/p/"))


def test_cache_headers_etag_and_304(public_city):
    client = Client()
    for url in ("/p/", f"/p/town/{OWN_TOWN}/", "/p/stars/", "/p/stars/?month=2026-03"):
        page = client.get(url)
        assert page.status_code == 200
        assert page["Cache-Control"] == "public, max-age=300"
        assert page["ETag"].startswith('"') and page["Last-Modified"]
        assert "Set-Cookie" not in page.headers and not page.cookies
        assert "cookie" not in page.get("Vary", "").lower()
        again = client.get(url, HTTP_IF_NONE_MATCH=page["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again["Cache-Control"] == "public, max-age=300" and again["ETag"] == page["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert client.get("/p/")["ETag"] != client.get("/p/?lang=en")["ETag"]


def test_a_hot_request_reads_no_database(public_city, django_assert_num_queries):
    client = Client()
    first = client.get(f"/p/town/{OWN_TOWN}/")
    with django_assert_num_queries(0):
        again = client.get(f"/p/town/{OWN_TOWN}/")
    assert again.content == first.content and again["ETag"] == first["ETag"]


def test_a_new_publication_changes_the_page_and_its_etag(public_city, settings):
    from zhili.index.services import run, save_definition

    settings.PUBLIC_STAMP_SECONDS = 0  # read the publications on every request
    client = Client()
    before = client.get("/p/")
    labels = {"blue": "平安", "yellow": "良好", "red": "较差"}
    grades = {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]], "labels": labels}
    save_definition(
        text=yaml.safe_dump(definition(grades=grades).raw, allow_unicode=True), actor_username="t"
    )
    run(code="t", kind="day", first="2026-03-06", publish=True, export_lake=False)
    after = client.get("/p/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert {r["code"]: r["word"] for r in rows(text(after))}[OWN_TOWN] == "平安"


def test_a_signed_in_visitor_gets_a_private_answer(public_city):
    page = client_for(public_city["town_cadre"]).get("/p/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, max-age=300"  # their session cookie is renewed


def test_a_definition_without_grade_words_shows_the_colour(published, settings):  # noqa: F811
    settings.PUBLIC_DAY_INDEX = "t"
    html = text(Client().get("/p/"))
    blue, red = zh("Blue"), zh("Red")
    assert {r["code"]: r["word"] for r in rows(html)} == {OWN_TOWN: blue, SIBLING_TOWN: blue, OTHER_TOWN: red}


def test_nothing_personal_in_the_pages_or_the_public_json(public_city):
    client = Client()
    pages = ["/p/", "/p/?lang=en", "/p/stars/", "/p/stars/?lang=en"]
    pages += [f"/p/town/{c}/{q}" for c in (OWN_TOWN, SIBLING_TOWN, OTHER_TOWN) for q in ("", "?lang=en")]
    apis = ["/api/v1/index/public/colours?definition=t", "/api/v1/index/public/stars?definition=s"]
    apis += ["/p/colours.json", "/p/colours.json?lang=en"]
    people = [public_city["resident_own"], public_city["resident_other"]]
    secrets = [v for p in people for v in (p.display_name, p.phone, p.id_number, p.username)]
    for url in pages + apis:
        page = client.get(url)
        assert page.status_code == 200, url
        body = text(page)
        lower = body.lower()
        assert not [w for w in PERSONAL if w in lower], url
        assert not [s for s in secrets if s and s in body], url
    colours = client.get(apis[0]).json()["colours"]
    assert {k for c in colours for k in c} == {
        "unit_code",
        "unit_name",
        "level",
        "grade",
        "grade_label",
        "streak",
    }
    units = client.get(apis[1]).json()["units"]
    assert [(u["unit_code"], u["stars"]) for u in units] == [(OWN_VILLAGE, 5)]
    assert {k for u in units for k in u} == {"unit_code", "unit_name", "unit_kind", "stars"}
    assert json.dumps(units, ensure_ascii=False).count("翠香社区") == 1


def test_the_cached_colours_json_equals_the_public_api(public_city, django_assert_num_queries):
    client = Client()
    api = client.get("/api/v1/index/public/colours?definition=t")
    mine = client.get("/p/colours.json")
    assert mine.status_code == 200 and mine["Content-Type"] == "application/json"
    assert mine.json() == api.json()
    assert mine["Cache-Control"] == "public, max-age=300" and "Set-Cookie" not in mine.headers
    with django_assert_num_queries(0):
        again = client.get("/p/colours.json")
    assert again["Content-Type"] == "application/json" and again.content == mine.content
    assert client.get("/p/colours.json", HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304
    english = client.get("/p/colours.json?lang=en").json()
    assert {c["unit_code"]: c["grade_label"] for c in english["colours"]}[OTHER_TOWN] == "red"
    assert {c["unit_code"]: c["grade_label"] for c in mine.json()["colours"]}[OTHER_TOWN] == "较差"


def test_nothing_published_yet(city):
    client = Client()
    for url in ("/p/", f"/p/town/{OWN_TOWN}/", "/p/stars/"):
        page = client.get(url)
        assert page.status_code == 200 and 'class="notice"' in text(page), url
    assert client.get("/p/colours.json").status_code == 404


def test_unknown_parameters_neither_split_nor_poison_the_cache(public_city):
    client = Client()
    first = client.get("/p/?utm=<x>&date=2026-03-01")
    assert "utm" not in text(first) and "date=2026-03-01" not in text(first)
    assert client.get("/p/")["ETag"] == first["ETag"]
    town = client.get(f"/p/town/{OWN_TOWN}/?date=2026-03-03&x=1")
    assert f'href="/p/town/{OWN_TOWN}/?date=2026-03-03&amp;lang=en"' in text(
        town
    )  # the switch keeps the date


def test_use_my_location_sends_a_phone_to_its_town(public_city):
    from tests.conftest import POINT_OTHER, POINT_OWN

    home = text(Client().get("/p/"))
    assert 'id="locate"' in home and 'data-url="/p/locate/"' in home and "使用我的位置" in home
    (lon, lat), (lon2, lat2) = POINT_OWN, POINT_OTHER
    page = Client().get("/p/locate/", {"lon": lon, "lat": lat})
    assert page.status_code == 302 and page["Location"] == f"/p/town/{OWN_TOWN}/"
    assert page["Cache-Control"] == "no-store"  # the point is the visitor's: no cache keeps it
    page = Client().get("/p/locate/", {"lon": lon2, "lat": lat2, "lang": "en"})
    assert page["Location"] == f"/p/town/{OTHER_TOWN}/?lang=en"


def test_a_location_outside_the_city_or_malformed_is_explained(public_city):
    outside = Client().get("/p/locate/", {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 404 and outside["Cache-Control"] == "no-store"
    assert "您的位置不在本市任何街镇内" in text(outside) and 'href="/p/"' in text(outside)
    for query, says in (
        ({"lon": "113.02"}, "lon= 和 lat="),
        ({"lon": "abc", "lat": "22"}, "lon= 和 lat="),
        ({"lon": "113.02", "lat": "nan"}, "lat 须在 -90 到 90"),
        ({"lon": "213.02", "lat": "22"}, "lon 须在 -180 到 180"),
    ):
        page = Client().get("/p/locate/", query)
        assert page.status_code == 400 and says in text(page), query


def test_the_public_api_answers_from_its_cache_until_the_next_publication(
    public_city, settings, django_assert_num_queries
):
    from zhili.index.services import run, save_definition

    client = Client()
    first = client.get("/api/v1/index/public/colours?definition=t").json()
    assert {c["unit_code"]: c["grade_label"] for c in first["colours"]}[OWN_TOWN] == "优秀"
    with django_assert_num_queries(0):  # the stamp and the answer both come from the cache
        assert client.get("/api/v1/index/public/colours?definition=t").json() == first
    client.get("/api/v1/index/public/stars?definition=s")
    with django_assert_num_queries(0):
        stars = client.get("/api/v1/index/public/stars?definition=s").json()
    assert [u["unit_code"] for u in stars["units"]] == [OWN_VILLAGE]
    english = client.get("/api/v1/index/public/colours?definition=t", HTTP_ACCEPT_LANGUAGE="en")
    assert {c["unit_code"]: c["grade_label"] for c in english.json()["colours"]}[OWN_TOWN] == "blue"

    settings.PUBLIC_STAMP_SECONDS = 0
    labels = {"blue": "平安", "yellow": "良好", "red": "较差"}
    grades = {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]], "labels": labels}
    save_definition(
        text=yaml.safe_dump(definition(grades=grades).raw, allow_unicode=True), actor_username="t"
    )
    run(code="t", kind="day", first="2026-03-06", publish=True, export_lake=False)
    after = client.get("/api/v1/index/public/colours?definition=t").json()
    assert {c["unit_code"]: c["grade_label"] for c in after["colours"]}[OWN_TOWN] == "平安"


def test_a_vetoed_village_says_why_its_stars_are_capped(public_city, settings):
    """One verdict for the public: a village capped by a veto shows the rule's name beside its
    stars (and ranks after every village with more stars)."""
    from zhili.index.services import run, save_definition

    veto = definition(
        code="s2", units=["village"], grades=None, streaks=None, deductions=[], periods=["month"],
        ranking={"within": "kind", "scope": "city"},
        stars={"method": "rank_share", "shares": [0.35, 0.25, 0.2, 0.15, 0.05]},
        veto=[{"code": "homicide", "name": "命案死亡", "event_types": ["police.homicide"], "field": "deaths",
               "agg": "sum", "cap": 3}],
        children=[{"code": "crime", "name": "治安", "weight": 1.0,
                   "measure": {"event_types": ["police.burglary"], "agg": "count"},
                   "denominator": "per_1k_residents", "direction": "lower_is_better",
                   "scoring": {"method": "goalposts", "worst": 2, "best": 0}}],
    )  # fmt: skip
    from tests.index_lake import ev

    write_lake(
        burglaries("2026-03-20", LIANHUA, 1)
        + burglaries("2026-03-20", OTHER_VILLAGE, 4)
        + [ev("police.homicide", "2026-03-21", OWN_VILLAGE, deaths=1)]
    )
    save_definition(text=yaml.safe_dump(veto.raw, allow_unicode=True), actor_username="t")
    done, _ = run(code="s2", kind="month", first="2026-03", publish=True, export_lake=False)
    settings.PUBLIC_STAR_INDEX = "s2"
    # 翠香 scores 100 (no burglary) but a homicide caps it at ★★★ and puts it after 莲花 (★★★★)
    rows = {o.unit_code: (o.stars, o.rank, o.vetoes) for o in done.outcomes.filter(level="village")}
    assert rows[OWN_VILLAGE] == (3, 2, ["homicide"]) and rows[LIANHUA][:2] == (4, 1)
    html = text(Client().get(f"/p/town/{OWN_TOWN}/"))
    own = re.search(rf'<li id="v-{OWN_VILLAGE}"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert "一票否决，星级封顶：命案死亡" in own and "★★★☆☆" in own
    assert "homicide" not in html


def found(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-code="(\d+)" data-stars="(\d)">', html)


def test_the_star_list_finds_filters_sorts_and_pages_every_rated_village(public_city, monkeypatch):
    """March: 翠香 ★5, 莲花 ★4, 北山村 ★4, 湖滨 ★2 (the module's docstring)."""
    from zhili.web import listing

    beishan = "449902100200"
    html = text(Client().get("/p/stars/?q=社区"))
    assert found(html) == [(OWN_VILLAGE, "5"), (LIANHUA, "4"), (OTHER_VILLAGE, "2")]
    assert f'href="/p/town/{OWN_TOWN}/?month=2026-03#v-{OWN_VILLAGE}"' in html
    assert found(text(Client().get("/p/stars/?q=拱北"))) == [(OWN_VILLAGE, "5"), (LIANHUA, "4")]  # by town
    assert found(text(Client().get(f"/p/stars/?town={OTHER_TOWN}"))) == [(OTHER_VILLAGE, "2")]
    assert found(text(Client().get("/p/stars/?stars=4"))) == [(LIANHUA, "4"), (beishan, "4")]
    none = text(Client().get("/p/stars/?q=无此村"))
    assert found(none) == [] and "没有符合条件的村（社区）。" in none
    # by stars, fewest first; the header now offers the reverse
    up = text(Client().get("/p/stars/?sort=stars"))
    assert [s for _c, s in found(up)] == ["2", "4", "4", "5"]
    assert 'aria-sort="ascending" data-sort="stars"><a href="?sort=-stars">' in up
    # two to a page: four rated units on two pages, the links keep the search
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    first = text(Client().get("/p/stars/?stars=&q=&sort=-stars&lang=en"))
    assert found(first) == [(OWN_VILLAGE, "5"), (LIANHUA, "4")]
    assert 'data-count="4"' in first and 'href="?sort=-stars&amp;lang=en&amp;page=2" rel="next"' in first
    second = text(Client().get("/p/stars/?sort=-stars&lang=en&page=2"))
    assert found(second) == [(beishan, "4"), (OTHER_VILLAGE, "2")]
    # without a search the page is the five-star list by district, as before
    assert found(text(Client().get("/p/stars/"))) == []


def test_the_forecast_leads_to_applying_for_mediation(public_city):
    town = text(Client().get(f"/p/town/{OWN_TOWN}/"))
    form = town[
        town.index('id="apply-mediation"') : town.index("</form>", town.index('id="apply-mediation"'))
    ]
    assert '<form class="look" method="get" action="/m/apply/" id="apply-mediation">' in town
    assert re.findall(r'<option value="(\d+)">([^<]+)</option>', form) == [
        (OWN_VILLAGE, "翠香社区"),
        (LIANHUA, "莲花社区"),
    ]
    assert "申请调解" in form and "与邻居、房东或商家有纠纷？" in town
    home = text(Client().get("/p/"))
    assert '<a href="/m/apply/" id="apply-mediation">申请调解</a>' in home
    # the form arrives at the application with the village chosen once signed in
    apply = client_for(public_city["citizen"]).get(f"/m/apply/?place={LIANHUA}").content.decode()
    assert f'<option value="{LIANHUA}" selected>莲花社区</option>' in apply
