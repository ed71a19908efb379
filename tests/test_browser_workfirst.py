"""Real-browser tests of the work-first pages on the demo city (fixtures in tests/browser.py):
each role's landing, a town's villages and their comparison, the long star lists, the way from
the forecast to mediation and the printouts; at 375 px nothing scrolls sideways. Screenshots at
375 and 1440 px go to test-artifacts/ (and to $ZHILI_SHOTS when set)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser import login, shot

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("ZHILI_SHOTS", "test-artifacts"))


def snap(page, name: str) -> None:
    path = shot(page, name)
    if SHOTS.is_dir() and SHOTS.resolve() != path.parent.resolve():
        shutil.copy(path, SHOTS / path.name)


def fits_375(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, page.url


@pytest.fixture
def wide(page_at):
    return page_at(1440, 900)


@pytest.fixture
def narrow(page_at):
    return page_at(375, 812, is_mobile=True, has_touch=True)


def test_a_town_cadre_lands_on_its_town_and_its_villages(server, wide):
    login(wide, server, "town_cadre")
    assert re.search(r"/dash/unit/\d{12}/$", wide.url), wide.url
    rows = wide.locator("#village-table tbody tr[data-code]")
    assert rows.count() >= 3
    assert wide.locator("#village-table tbody tr[data-stars] .stars").first.inner_text().startswith("★")
    wide.wait_for_selector("#history .main-svg")
    snap(wide, "workfirst-town-1440")
    # village with village: the link from the table
    wide.click("#compare-villages")
    wide.wait_for_selector("#compare")
    assert wide.locator("#compare td[data-total]").count() == 2
    assert wide.locator("#compare-stars .stars").count() == 2
    wide.wait_for_selector("#history .main-svg")
    snap(wide, "workfirst-compare-villages-1440")
    assert wide.watch.errors == []


def test_the_town_pages_fit_a_phone(server, narrow):
    login(narrow, server, "town_cadre")
    narrow.wait_for_selector("#village-table")
    fits_375(narrow)
    snap(narrow, "workfirst-town-375")
    narrow.click("#compare-villages")
    narrow.wait_for_selector("#compare")
    fits_375(narrow)
    snap(narrow, "workfirst-compare-villages-375")
    assert narrow.watch.errors == []


def test_a_mediator_lands_on_the_open_cases_of_its_team(server, wide):
    login(wide, server, "mediator")
    assert wide.url.endswith("/m/cases/?mine=1")
    assert wide.watch.errors == []


def test_the_dashboard_star_list_searches_and_pages(server, wide, narrow):
    login(wide, server, "city_analyst")
    wide.goto(server + "/dash/stars/")
    total = int(wide.get_attribute(".pager", "data-count"))
    assert total > 300  # the demo city's rated villages and communities
    assert wide.locator("#stars tbody tr[data-code]").count() == 50
    wide.click("a[rel=next]")
    wide.wait_for_url("**page=2**")
    assert wide.locator("#stars tbody tr[data-code]").count() == 50
    wide.click("#stars th[data-sort=total] a")
    wide.wait_for_url("**sort=total**")
    totals = [float(t) for t in wide.locator("#stars tbody tr td:nth-child(7)").all_inner_texts() if t != "—"]
    assert totals == sorted(totals)
    snap(wide, "workfirst-dash-stars-1440")
    login(narrow, server, "city_analyst")
    narrow.goto(server + "/dash/stars/?stars=5")
    five = int(narrow.get_attribute(".pager", "data-count"))
    assert 0 < five < total
    assert set(
        narrow.locator("#stars tbody tr[data-code]").evaluate_all("rs => rs.map(r => r.dataset.stars)")
    ) == {"5"}
    fits_375(narrow)
    snap(narrow, "workfirst-dash-stars-375")
    assert wide.watch.errors == [] and narrow.watch.errors == []


def test_the_public_star_list_finds_and_the_town_page_leads_to_mediation(server, narrow, wide):
    narrow.goto(server + "/p/stars/")
    narrow.fill("#q", "社区")
    narrow.click("#find button[type=submit]")
    narrow.wait_for_selector("#found")
    names = narrow.locator("#found tbody tr[data-code] td:first-child").all_inner_texts()
    assert names and all("社区" in n for n in names[:50])
    fits_375(narrow)
    snap(narrow, "workfirst-public-stars-found-375")
    town = narrow.locator("#found tbody tr[data-code] a").first
    town.click()
    narrow.wait_for_selector("#apply-mediation")
    fits_375(narrow)
    snap(narrow, "workfirst-public-town-375")
    narrow.click("#apply-mediation button[type=submit]")
    narrow.wait_for_url("**/m/apply/?place=**")
    wide.goto(server + "/p/stars/?stars=4")
    wide.wait_for_selector("#found")
    snap(wide, "workfirst-public-stars-found-1440")
    assert narrow.watch.errors == [] and wide.watch.errors == []


def test_the_map_keeps_its_own_address_in_the_menu(server, narrow):
    narrow.goto(server + "/")
    narrow.wait_for_url("**/map/")
    narrow.wait_for_selector("#map path.leaflet-interactive")
    fits_375(narrow)
    snap(narrow, "workfirst-map-375")
    assert narrow.watch.errors == []


def test_a_unit_page_and_the_reports_print_their_content(server, wide, page_at):
    login(wide, server, "town_cadre")
    wide.wait_for_selector("#history .main-svg")
    wide.emulate_media(media="print")
    assert not wide.locator("header.topbar").is_visible()
    assert not wide.locator("#period-form").is_visible()
    assert wide.locator(".print-head").is_visible()
    assert wide.locator("#village-table").is_visible()
    assert (
        wide.evaluate(
            "getComputedStyle(document.querySelector('#village-table').closest('.scroll')).overflowX"
        )
        == "visible"
    )
    snap(wide, "workfirst-town-print")
    analyst = page_at(1440, 900)
    login(analyst, server, "city_analyst")
    analyst.goto(server + "/dash/reports/")
    analyst.wait_for_selector("#print-report")
    analyst.emulate_media(media="print")
    assert not analyst.locator("#report-preview").is_visible()
    assert analyst.locator("#report-selected .print-only").is_visible()
    snap(analyst, "workfirst-reports-print")
