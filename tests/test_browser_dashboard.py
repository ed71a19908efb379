"""Real-browser tests of the officials' dashboards on the demo city (fixtures in tests/browser.py):
the overview's coloured table and map of the 26 towns and streets, its trend lines and export, a
town's page with its history and sunburst, the star list, two units side by side, a town cadre's
single row, and a phone's width. Every page loads with no console error, no failed request and
nothing from outside our server."""

from __future__ import annotations

import time
from io import BytesIO

import pytest

from tests.browser import login, shot

pytestmark = pytest.mark.browser

PAINTED = "#dash-map path.painted"


def test_the_overview_colours_the_26_towns_in_the_table_and_on_the_map(server, page):
    login(page, server, "city_analyst")
    started = time.perf_counter()
    page.goto(server + "/dash/")
    page.wait_for_selector(PAINTED)
    first = time.perf_counter() - started
    page.wait_for_selector("#trend .main-svg")  # Plotly loads after the map is drawn
    trend = time.perf_counter() - started
    print(f"\ndashboard overview, first load: table and map {first:.2f} s, trend chart {trend:.2f} s")
    rows = page.locator("#overview tbody tr.town")
    assert rows.count() == 26
    # every town has coloured indicator cells and a coloured grade
    coloured = page.evaluate(
        """() => [...document.querySelectorAll('#overview tbody tr.town')].map((tr) => [
              tr.querySelectorAll('td[class*="band-"]').length,
              getComputedStyle(tr.querySelector('td[class*="band-"]')).backgroundColor,
              getComputedStyle(tr.querySelector('.grade')).backgroundColor])"""
    )
    columns = page.locator("#overview thead th[data-path]").count()
    assert columns == 7  # the daily tree's first-level indicators
    assert all(n >= columns - 1 for n, _cell, _grade in coloured)
    assert all(cell not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") for _n, cell, _grade in coloured)
    assert all(grade != "rgb(160, 174, 192)" for _n, _cell, grade in coloured)  # not the no-grade grey
    # the map: 26 town polygons, each filled with its grade's colour
    assert page.locator(PAINTED).count() == 26
    fills = set(page.eval_on_selector_all(PAINTED, "els => els.map((e) => e.getAttribute('fill'))"))
    assert fills and fills <= {"#2b6cb0", "#2f855a", "#d69e2e", "#dd6b20", "#c53030"}
    assert page.locator("#dash-map").get_attribute("data-painted") == "26"
    # the trend: the city and the lowest town, as 7-day means over the default 90 days
    assert page.locator("#trend").get_attribute("data-traces") == "2"
    assert page.locator("#trend").get_attribute("data-smooth") == "true"
    assert page.locator("#trend .shapelayer path").count() == 4  # the four grade bands behind
    page.click("#trend-range button[data-days='365']")
    page.wait_for_selector("#trend-range button.on[data-days='365']")
    assert page.locator("#ranking tbody tr").count() == 26
    shot(page, "dash-overview")
    # the export link, fetched with the page's session (a click would abort the page's request)
    from openpyxl import load_workbook

    export = page.context.request.get(server + page.locator("#export").get_attribute("href"))
    assert export.ok and ".xlsx" in export.headers["content-disposition"]
    sheet = list(load_workbook(BytesIO(export.body())).active.values)[2:]  # below the title and time
    assert sheet[0][0] == "区" and len(sheet) == 1 + 26 + 7 + 1  # towns, districts, the city
    assert page.watch.errors == []


def test_a_towns_page_has_its_history_its_sunburst_and_the_events_behind(server, page):
    login(page, server, "city_analyst")
    page.goto(server + "/dash/")
    page.wait_for_selector("#trend .main-svg")  # Plotly loaded: leaving now aborts nothing
    page.locator("#overview tbody tr.town th a").first.click()
    page.wait_for_selector("#sunburst .main-svg")
    page.wait_for_selector("#history .main-svg")
    assert int(page.locator("#sunburst").get_attribute("data-nodes")) > 10  # root, groups, leaves
    assert page.locator("#sunburst path.surface").count() > 10
    assert page.locator("#history").get_attribute("data-traces") == "2"  # daily and monthly
    assert page.locator("#movers tbody tr[data-path]").count() >= 1
    shot(page, "dash-unit")
    page.locator("#movers tbody tr[data-path] a").first.click()
    page.wait_for_selector("#event-list")
    assert page.locator("#events h2").inner_text()
    shot(page, "dash-unit-events")
    page.click("#period-kind a[data-kind=month]")
    page.wait_for_selector("#period-kind a.on[data-kind=month]")
    page.wait_for_selector("#sunburst .main-svg")
    assert int(page.locator("#sunburst").get_attribute("data-nodes")) > 40  # the monthly tree: 14 + 28 + 1
    assert page.watch.errors == []


def test_the_star_ratings_map_table_filters_and_history(server, page):
    login(page, server, "city_analyst")
    started = time.perf_counter()
    page.goto(server + "/dash/stars/")
    page.wait_for_selector("#stars-map path.painted")
    print(f"\nstar ratings page: {time.perf_counter() - started:.2f} s")
    total = int(page.get_attribute(".pager", "data-count"))
    assert total > 200  # about 330 villages and communities, on pages of 50
    assert page.locator("#stars tbody tr[data-code]").count() == 50
    assert page.locator("#stars-map path.painted").count() == total  # the map shows them all
    shot(page, "dash-stars")
    page.select_option("select[name=kind]", "community")
    page.click("#stars-form button[type=submit]")
    page.wait_for_selector("#stars-map path.painted")
    kinds = set(
        page.eval_on_selector_all("#stars tbody tr[data-code]", "els => els.map((e) => e.dataset.kind)")
    )
    assert kinds == {"community"}
    page.locator("#stars tbody tr[data-code] a").first.click()
    page.wait_for_selector("#star-history tbody tr")
    assert page.locator("#star-history tbody tr").count() >= 1
    assert page.watch.errors == []


def test_a_town_has_its_funnel_plot_and_a_village_its_star_with_the_interval(server, page):
    """The monthly unit page draws the funnel of its level (26 towns, itself marked); the star
    list and a village's own page show its stars with the interval its evidence allows."""
    login(page, server, "city_analyst")
    page.goto(server + "/dash/")
    page.wait_for_selector("#trend .main-svg")
    town = page.locator("#overview tbody tr.town").first.get_attribute("data-code")
    page.goto(f"{server}/dash/unit/{town}/?period=month")
    page.wait_for_selector("#funnel .main-svg")
    assert page.locator("#funnel").get_attribute("data-points") == "26"
    assert page.locator("#funnel .scatterlayer .trace").count() >= 5  # two funnels, the rate, the dots
    assert "漏斗图" in page.locator("#funnel-panel h2").inner_text()
    shot(page, "dash-unit-funnel")
    page.goto(server + "/dash/stars/")
    page.wait_for_selector("#stars-map path.painted")
    intervals = page.eval_on_selector_all(
        "#stars tbody small.interval", "els => els.map((e) => e.dataset.interval)"
    )
    assert len(intervals) == 50  # the first page
    assert all(int(lo) <= int(hi) for lo, hi in (i.split("-") for i in intervals))
    village = page.locator("#stars tbody tr[data-code]").first.get_attribute("data-code")
    page.goto(f"{server}/dash/unit/{village}/?definition=star_rating&period=month")
    page.wait_for_selector("#stars .stars")
    text = page.locator("#stars").inner_text()
    assert "★" in text and "可能为" in text
    shot(page, "dash-village-stars")
    assert page.watch.errors == []


def test_two_units_side_by_side(server, page):
    login(page, server, "city_analyst")
    page.goto(server + "/dash/")
    page.wait_for_selector("#trend .main-svg")
    codes = page.eval_on_selector_all(
        "#overview tbody tr.town", "els => els.slice(0, 2).map((e) => e.dataset.code)"
    )
    page.goto(server + f"/dash/compare/?a={codes[0]}&b={codes[1]}")
    page.wait_for_selector("#history .main-svg")
    assert page.locator("#compare td[data-total]").count() == 2
    assert page.locator("#history").get_attribute("data-traces") == "4"
    shot(page, "dash-compare")
    assert page.watch.errors == []


def test_a_town_cadre_sees_one_row_and_a_phone_scrolls_the_table(server, page):
    login(page, server, "town_cadre")
    page.goto(server + "/dash/")
    page.wait_for_selector(PAINTED)
    assert page.locator("#overview tbody tr.town").count() == 1
    assert page.locator("#overview tbody tr.city").count() == 0
    assert page.locator(PAINTED).count() == 1
    page.wait_for_selector("#trend .main-svg")
    assert page.locator("#trend").get_attribute("data-traces") == "1"  # their town; the city is out of scope
    shot(page, "dash-town-cadre")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.wait_for_selector(PAINTED)
    page.wait_for_selector("#trend .main-svg")
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  document.querySelector('#overview').closest('.scroll').clientWidth]"""
    )
    assert widths[0] <= 375 and widths[1] <= 375  # the page fits; a wide table scrolls in its box
    shot(page, "dash-phone")
    assert page.watch.errors == []
