"""Real-browser tests of the big screen, the monthly reports and the index definitions pages on
the demo city (fixtures in tests/browser.py; screenshots in test-artifacts/)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.browser import login, shot

# Chromium's own PDF viewer draws the report preview from chrome:// and chrome-extension:// pages:
# the browser's resources, not requests that leave the machine.
BROWSER_OWN = ("external: chrome://", "external: chrome-extension://")

pytestmark = pytest.mark.browser


@pytest.fixture
def screen_page(page_at):
    return page_at(1920, 1080)


def test_the_big_screen_shows_the_towns_counts_charts_and_refreshes_itself(server, screen_page):
    page = screen_page
    login(page, server, "city_analyst")
    started = time.perf_counter()
    page.goto(server + "/screen/?refresh=600")
    page.wait_for_function("Number(document.body.dataset.refreshes || 0) >= 1")
    page.wait_for_selector("#chart-colours .main-svg")
    print(f"\nbig screen with map and charts: {time.perf_counter() - started:.2f} s")
    # the 26 towns and streets of the demo city, each in its colour of the latest published day
    assert page.locator("#screen-map path.leaflet-interactive").count() == 26
    assert page.evaluate("document.body.dataset.colouredTowns") == "26"
    fills = page.eval_on_selector_all(
        "#screen-map path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
    )
    data = page.evaluate("window.zhiliScreen.data")
    assert set(fills) <= {g["colour"] for g in data["grades"]} and len(set(fills)) >= 2
    assert sum(g["count"] for g in data["grades"]) == 26
    yesterday = page.evaluate(
        "new Date(Date.now() - 864e5).toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'})"
    )
    assert data["day"] == yesterday  # the demo scores every day up to yesterday
    # the counts, in the tiles
    for name in ("received", "red_towns", "open_alerts", "five_star"):
        text = page.locator(f'[data-count="{name}"]').inner_text().replace(",", "")
        assert text.isdigit(), (name, text)
    assert int(page.locator('[data-count="red_towns"]').inner_text()) == data["counts"]["red_towns"]
    assert page.locator("#families li[data-family]").count() >= 5
    assert data["counts"]["received"]["total"] > 100
    # the charts: 30 days of the city's total, and the towns per colour stacked per day
    assert page.locator("#chart-trend .scatterlayer .trace").count() == 1
    assert page.locator("#chart-colours .barlayer .trace").count() == len(data["grades"])
    assert len(data["trend"]["days"]) == 30 and all(t is not None for t in data["trend"]["total"])
    assert page.locator("#legend li").count() == len(data["grades"])
    assert "2026" in page.locator("#data-day").inner_text() or "年" in page.locator("#data-day").inner_text()
    path = shot(page, "screen-1920")
    print(f"screenshot: {path}")
    # one auto-refresh cycle, asked for now rather than waited for
    page.evaluate("window.zhiliScreen.refresh()")
    page.wait_for_function("Number(document.body.dataset.refreshes) >= 2")
    assert page.locator("#screen-map path.leaflet-interactive").count() == 26
    assert page.watch.errors == []


def test_the_big_screen_labels_do_not_overlap_and_the_alerts_say_how_many_more(server, screen_page):
    page = screen_page
    login(page, server, "city_analyst")
    page.goto(server + "/screen/?refresh=600")
    page.wait_for_function("Number(document.body.dataset.refreshes || 0) >= 1")
    boxes = page.eval_on_selector_all(
        ".leaflet-tooltip.town-label:not([data-hidden])",
        "ns => ns.map(n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })",
    )
    assert len(boxes) == int(page.evaluate("document.body.dataset.labels")) >= 10
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # forty open alerts, twelve sent: as many as fit, then "another N" for the rest
    page.evaluate(
        """() => { const d = JSON.parse(JSON.stringify(window.zhiliScreen.data));
        const a = d.alerts[0] || {unit_code: "x", unit_name: "某街道", action_label: "预警", period_label: "昨天", streak: 3};
        d.alerts = Array.from({length: 12}, () => a); d.counts.open_alerts = 40; window.zhiliScreen.render(d); }"""
    )
    shown = int(page.get_attribute("#alerts", "data-shown"))
    assert 1 <= shown < 12
    assert page.locator("#alerts li.more").inner_text() == f"另有 {40 - shown} 条"
    assert page.evaluate("(l => l.scrollHeight <= l.clientHeight + 1)(document.getElementById('alerts'))")
    shot(page, "screen-alerts-more")
    assert page.watch.errors == []


def test_the_big_screen_refreshes_on_its_own_interval(server, screen_page):
    page = screen_page
    login(page, server, "duty_officer")
    page.goto(server + "/screen/?refresh=2")
    page.wait_for_function("Number(document.body.dataset.refreshes || 0) >= 2", timeout=15000)
    assert page.locator("#screen-map path.leaflet-interactive").count() >= 1
    assert page.watch.errors == []


def test_the_reports_page_lists_last_month_with_a_preview_and_downloads(server, page):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    login(page, server, "city_analyst")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the demo's time zone
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with page.expect_response(lambda r: r.url.endswith(".pdf?inline=1")) as shown:
        page.goto(server + "/dash/reports/")
    assert shown.value.status == 200 and shown.value.headers["content-type"] == "application/pdf"
    page.wait_for_load_state("networkidle")
    row = page.locator(f'#report-months tr[data-month="{last_month}"]')
    assert row.count() == 1
    assert page.locator("#report-selected").get_attribute("data-month") == last_month
    preview = page.locator("#report-preview")
    assert preview.get_attribute("src") == f"/dash/reports/{last_month}.pdf?inline=1"
    shot(page, "reports")
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        response = page.request.get(server + f"/dash/reports/{last_month}.{fmt}")
        assert response.status == 200 and response.body().startswith(magic)
    assert [e for e in page.watch.errors if not e.startswith(BROWSER_OWN)] == []


def test_the_definitions_page_shows_the_pingan_tree(server, page):
    login(page, server, "city_analyst")
    page.goto(server + "/dash/definitions/")
    page.click('#definitions tr[data-code="pingan_plus"] a')
    page.wait_for_selector("#tree")
    assert page.locator('#tree tr[data-depth="1"]').count() == 14
    shares = [
        float(s.replace("%", "").strip())
        for s in page.locator('#tree tr[data-depth="1"] td.weight').all_inner_texts()
    ]
    assert sum(shares) == pytest.approx(100, abs=0.2)
    assert page.locator("#tree table.ahp").count() >= 1  # a death weighs three injuries (AHP 3:1)
    shot(page, "definitions-tree")
    page.click(".def-actions a.button")  # edit a draft (a form; tests/test_browser_definitions.py)
    page.click("#to-yaml")
    page.wait_for_selector("#id_text")
    text = page.locator("#id_text").input_value()
    page.fill("#id_text", text.replace("weight: 0.10", "weight: 0.12", 1))
    page.click('.def-bar button[value="validate"]')
    page.wait_for_selector("#validation")
    assert page.locator("#validation").get_attribute("data-valid") == "false"
    # the root's children now sum to 1.02: the error names the root's `children:` line
    problem = page.locator('#line-errors li.problem[data-path="pingan_plus"][data-field="children.weight"]')
    assert problem.count() == 1 and "1.02" in problem.inner_text()
    shot(page, "definitions-validation")
    assert page.watch.errors == []
