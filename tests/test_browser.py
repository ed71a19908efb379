"""Real-browser tests of the home page, the admin, the API docs and the hub's pages (fixtures in
tests/browser.py)."""

from __future__ import annotations

import time
import urllib.request

import pytest

from tests.browser import DEMO, PASSWORD, login, shot

pytestmark = pytest.mark.browser


def test_home_page_shows_the_city_map_in_chinese_and_drills_down(server, page):
    started = time.perf_counter()
    page.goto(server + "/")
    page.wait_for_selector("#map path.leaflet-interactive")
    print(f"\nhome page with map: {time.perf_counter() - started:.2f} s")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "滨海市 · 行政区划图"
    assert page.locator("#map path.leaflet-interactive").count() == 7
    assert page.locator("#units tbody tr").count() == 7
    shot(page, "home-city")
    # Drill down: the first district's towns, then the first town's villages and communities.
    page.locator("#units tbody tr a").first.click()
    page.wait_for_function("document.body.dataset.mapLevel && document.body.dataset.mapLevel !== 'root'")
    towns = page.locator("#units tbody tr").count()
    assert towns >= 3
    assert page.locator("#crumbs a").count() == 1
    page.locator("#units tbody tr a").first.click()
    page.wait_for_function("document.getElementById('crumbs').querySelectorAll('a').length === 2")
    kinds = set(page.locator("#units tbody tr td:nth-child(2)").all_inner_texts())
    assert kinds <= {"村", "社区"} and kinds
    shot(page, "home-town")
    assert page.watch.errors == []


def test_english_is_one_click_away(server, page):
    page.goto(server + "/")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    assert "Divisions map" in page.locator("h1").inner_text()
    assert page.watch.errors == []


def test_the_admin_opens_in_chinese_for_the_system_admin(server, page):
    page.goto(server + "/admin/")
    page.fill("#id_username", "system_admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    assert page.locator("#site-name").inner_text() == "治理系统管理"
    assert "行政区划" in page.locator("#content").inner_text()  # the geo app's Chinese name
    shot(page, "admin-index")
    page.goto(server + "/admin/geo/unit/?level__exact=4")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 100  # the admin's first page of ~330
    shot(page, "admin-units")
    assert page.watch.errors == []


def test_the_api_docs_load_without_the_internet(server, page):
    page.goto(server + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/geo/units").count() >= 1
    shot(page, "api-docs")
    assert page.watch.errors == []


def test_the_data_quality_page_shows_the_departments_deliveries(server, page):
    login(page, server, "city_analyst")
    page.goto(server + "/hub/quality/?day=2025-06-11")
    page.wait_for_selector("#quality tbody tr")
    assert page.locator("h1").inner_text() == "数据汇聚 · 报送质量"
    rows = page.locator("#quality tbody tr")
    assert rows.count() >= 16  # one row per data-owning department
    police = page.locator('#quality tr[data-department="public_security"] td.num').first.inner_text()
    assert int(police.replace(",", "")) > 50  # a day of 110 reports arrived the next morning
    assert page.locator("#deliveries tbody tr").count() >= 10
    shot(page, "hub-quality")
    page.locator("#deliveries tbody tr a").first.click()
    page.wait_for_selector("#counts")
    assert "报送批次" in page.locator("h1").inner_text()
    assert page.watch.errors == []


def test_a_department_uploads_a_file_and_sees_each_bad_row(server, page):
    """The data officer of the police uploads through the page: the rows name units that do not
    exist, so both are refused with their line and field and nothing is stored; a Word file is
    refused with the list of accepted types."""
    login(page, server, "data_officer")
    page.goto(server + "/hub/upload/")
    assert page.locator("h1").inner_text() == "上传事件文件"
    assert ".csv, .xlsx, .jsonl, .parquet" in page.locator(".hint").inner_text()
    page.select_option("select[name=source]", index=1)
    rows = (
        "source_id,type,occurred_at,unit_code,category\n"
        "B1,police.burglary,2025-06-10T08:00:00+08:00,999999999999,night\n"
        "B2,police.burglary,2025-06-10T09:00:00+08:00,999999999998,night\n"
    )
    page.set_input_files(
        "input[name=file]", files=[{"name": "jq.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    page.click("main button[type=submit]")
    page.wait_for_selector("#rejections")
    counts = dict(
        zip(
            page.locator("#counts th").all_inner_texts(),
            page.locator("#counts td").all_inner_texts(),
            strict=True,
        )
    )
    assert (counts["接收"], counts["入库"], counts["拒收"]) == ("2", "0", "2")
    lines = page.locator("#rejections tbody tr")
    assert lines.count() == 2
    assert (
        lines.nth(0).locator("td").nth(0).inner_text() == "2"
        and lines.nth(0).locator("td").nth(2).inner_text() == "unit_code"
    )
    shot(page, "hub-upload-rejected-rows")

    page.goto(server + "/hub/upload/")
    page.select_option("select[name=source]", index=1)
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "report.docx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04"}],
    )
    page.click("main button[type=submit]")
    page.wait_for_selector("#status")
    assert ".csv, .xlsx, .jsonl, .parquet" in page.locator("main").inner_text()
    assert page.watch.errors == []


def test_an_unknown_page_is_a_friendly_chinese_404(server, page):
    response = page.goto(server + "/no/such/page")
    assert response.status == 404
    assert "不存在" in page.locator("main").inner_text()
    # The document's own 404 is reported twice (response and console); nothing else may fail.
    assert page.watch.errors == [
        f"404: {server}/no/such/page",
        "console: Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]


def test_the_demo_publishes_daily_colours_monthly_stars_and_a_report(server):
    """`zhili demo` ends with the index published: daily colours up to the city's last closed day
    (yesterday from 06:00 in the city, the day before until then — whatever the machine's zone)
    for every town and street, the star ratings of the months before, and last month's report as
    PDF and DOCX. Three years of events: even in January a month has a year behind it."""
    import json
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    yesterday = now.date() - timedelta(days=1 if now.hour >= 6 else 2)

    def get(path):
        with urllib.request.urlopen(server + path, timeout=30) as r:  # noqa: S310 - our own loopback server
            return json.load(r)

    colours = get("/api/v1/index/public/colours")
    assert colours["date"] == yesterday.isoformat()
    assert len(colours["colours"]) == 26  # the demo city's towns and streets
    assert {c["grade"] for c in colours["colours"]} <= {"blue", "yellow", "orange", "red"}
    assert all(c["grade_label"] in ("优秀", "良好", "平稳", "较差") for c in colours["colours"])
    stars = get("/api/v1/index/public/stars")
    last_month = yesterday.replace(day=1) - timedelta(days=1)
    assert stars["month"] == last_month.replace(day=1).isoformat()
    # 35 % of each kind get five stars, less the vetoed: about 115 of 321
    assert 80 <= len(stars["units"]) <= 115 and {u["stars"] for u in stars["units"]} == {5}
    reports = DEMO["data"] / "reports"
    month = f"{last_month:%Y-%m}"
    assert (reports / f"pingan-{month}.pdf").stat().st_size > 10_000
    assert (reports / f"pingan-{month}.docx").stat().st_size > 10_000
