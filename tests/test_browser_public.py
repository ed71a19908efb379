"""Real-browser tests of the public pages on a phone (375 × 812, zh-CN) against the demo city,
whose index runs are published (fixtures in tests/browser.py): every town and street with its
colour word, a town's week and its villages' stars, the five-star list, no sideways scrolling,
nothing fetched from elsewhere, and English one tap away."""

from __future__ import annotations

import pytest

from tests.browser import shot

pytestmark = pytest.mark.browser

WORDS = {"优秀", "良好", "平稳", "较差"}
WORDS_EN = {"Excellent", "Good", "Steady", "Poor"}
DEMO_TOWNS = 26  # 13 towns and 13 streets


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375


def test_phone_home_shows_every_town_with_its_colour(server, phone):
    phone.goto(server + "/p/")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    towns = phone.locator("ul.towns li")
    assert towns.count() == DEMO_TOWNS
    words = phone.locator("ul.towns li .chip").all_inner_texts()
    assert len(words) == DEMO_TOWNS and set(words) <= WORDS
    grades = {towns.nth(i).get_attribute("data-grade") for i in range(DEMO_TOWNS)}
    assert grades <= {"blue", "yellow", "orange", "red"}
    assert phone.locator("nav.jump a").count() == 7  # the demo's districts and zones
    assert phone.locator(".legend li").count() == 4
    no_sideways_scroll(phone)
    # a light page: the HTML, one style sheet, one small script, the icon
    assert len(phone.fetched) <= 4, phone.fetched
    shot(phone, "public-home-phone")
    assert phone.watch.errors == []


def test_phone_town_page_shows_today_the_week_and_the_stars(server, phone):
    phone.goto(server + "/p/")
    first = phone.locator("ul.towns li a").first
    name = first.locator(".name").inner_text()
    first.click()
    phone.wait_for_selector("section.today")
    assert phone.locator("h1").inner_text() == name
    assert phone.locator("section.today .word").inner_text() in WORDS
    squares = phone.locator("ol.days li")
    assert squares.count() == 7
    assert set(phone.locator("ol.days li .w").all_inner_texts()) <= WORDS
    villages = phone.locator("section.villages li[id^=v-]")
    assert villages.count() >= 3
    rated = phone.locator("section.villages li .stars").all_inner_texts()
    assert rated and all(1 <= s.count("★") <= 5 and len(s) == 5 for s in rated)
    no_sideways_scroll(phone)
    shot(phone, "public-town-phone")
    # look back: the first square is six days earlier
    day = squares.first.get_attribute("data-day")
    squares.first.locator("a").click()
    phone.wait_for_url(f"**/?date={day}")
    assert phone.locator("ol.days li").last.get_attribute("data-day") == day
    assert phone.watch.errors == []


def test_phone_five_star_list_links_to_each_village(server, phone):
    phone.goto(server + "/p/stars/")
    assert phone.locator("select#month option").count() >= 1
    five = phone.locator("ul.five li")
    assert five.count() >= 50  # about 35 % of ~330 villages and communities
    assert set(phone.locator("ul.five li .stars").all_inner_texts()) == {"★★★★★"}
    no_sideways_scroll(phone)
    shot(phone, "public-stars-phone")
    village = five.first
    code = village.get_attribute("data-code")
    village.locator("a").click()
    phone.wait_for_selector(f"#v-{code}:target")
    assert phone.locator(f"#v-{code} .stars").inner_text() == "★★★★★"
    assert phone.watch.errors == []


def test_phone_english_once_and_back(server, phone):
    phone.goto(server + "/p/")
    phone.click("a[data-lang=en]")
    phone.wait_for_selector("html[lang=en]")
    assert "lang=en" in phone.url
    words = set(phone.locator("ul.towns li .chip").all_inner_texts())
    assert words and words <= WORDS_EN
    no_sideways_scroll(phone)
    shot(phone, "public-home-phone-en")
    # the choice holds on the rest of the site, and brings the plain address back to English
    phone.goto(server + "/")
    phone.wait_for_selector("html[lang=en]")
    phone.wait_for_selector("#map path.leaflet-interactive")  # its map loaded: nothing left in flight
    phone.goto(server + "/p/stars/")
    phone.wait_for_url("**/p/stars/?lang=en")
    phone.click("a[data-lang=zh-hans]")
    phone.wait_for_selector("html[lang=zh-hans]")
    assert phone.watch.errors == []


def test_use_my_location_opens_the_phones_town(server, page_at):
    """A phone that lets the page know where it is lands on its town's page; one that refuses
    is told to pick from the list."""
    import json
    import urllib.request

    from shapely.geometry import shape

    home = page_at(375, 812, is_mobile=True)
    home.goto(server + "/p/")
    town = home.locator("ul.towns li").nth(3)
    code, name = town.get_attribute("data-code"), town.locator(".name").inner_text()
    with urllib.request.urlopen(f"{server}/api/v1/geo/map?parent={code[:6]}000000") as answer:  # noqa: S310
        features = json.load(answer)["features"]
    inside = shape(
        next(f for f in features if f["properties"]["code"] == code)["geometry"]
    ).representative_point()
    # the visitor who refuses: the button says so and stays on the list
    home.click("#locate")
    home.wait_for_function("document.getElementById('locate-status').textContent.length > 4")
    assert home.locator("#locate-status").inner_text() == "无法获取您的位置，请在下方选择您的街镇。"
    assert home.watch.errors == []

    phone = page_at(
        375, 812, is_mobile=True, permissions=["geolocation"],
        geolocation={"longitude": inside.x, "latitude": inside.y},
    )  # fmt: skip
    phone.goto(server + "/p/")
    phone.click("#locate")
    phone.wait_for_url(f"**/p/town/{code}/")
    assert phone.locator("h1").inner_text() == name
    assert phone.locator("section.today .word").inner_text() in WORDS
    assert phone.watch.errors == []
