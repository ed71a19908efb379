"""Real-browser tests of mediation on the demo city (fixtures in tests/browser.py): a citizen on a
375-px phone signs in by a text-message code (read from the development outbox) and applies; the
demo's mediator, head of a town's committee, works a case on its page up to signing the agreement
with a drawn signature; the heat map shows the demo's cases; the public check finds a signed
agreement by its code."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.browser import DEMO, login, shot

pytestmark = pytest.mark.browser


def no_sideways_scroll(page, width: int = 375) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_a_citizen_applies_from_a_375_px_phone(server, phone):
    phone.goto(server + "/m/apply/")
    assert phone.locator("h1").inner_text() == "申请调解"
    phone.fill("input[name=phone]", "13599998888")
    phone.click("button[type=submit]")
    phone.wait_for_selector("input[name=code]")
    sent = (DEMO["data"] / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()[-1]
    assert "13599998888" in sent
    phone.fill("input[name=code]", re.findall(r"\d{6}", sent.split("13599998888", 1)[1])[0])
    phone.click("button[type=submit]:not([name=resend])")
    phone.wait_for_selector("#apply")
    no_sideways_scroll(phone)
    assert phone.locator("input[name=applicant_phone]").input_value() == "13599998888"
    # send it half-filled: the missing fields are marked, nothing is stored
    phone.click("#apply button[type=submit]")
    phone.wait_for_selector(".field-error")
    marked = set(phone.locator(".field-error").evaluate_all("els => els.map(e => e.dataset.field)"))
    assert {"facts", "claims", "applicant_name", "respondent_name", "unit_code"} <= marked
    phone.wait_for_selector("#pick-map[data-ready]")
    phone.locator("#pick-map").click()  # a tap on the map sets the point
    assert phone.locator("input[name=lon]").input_value() and phone.locator("input[name=lat]").input_value()
    assert phone.locator("#pick-map path.leaflet-interactive").count() >= 1
    phone.select_option("select[name=dispute_type]", "neighbour")
    phone.select_option("select[name=unit_code]", index=1)
    phone.fill("textarea[name=facts]", "楼上住户夜间噪音，多次沟通无果。")
    phone.fill("textarea[name=claims]", "请求对方夜间十点后停止噪音。")
    phone.fill("input[name=applicant_name]", "吴晓燕")
    phone.fill("input[name=respondent_name]", "郑先生")
    phone.fill("input[name=respondent_phone]", "13500001234")
    shot(phone, "mediation-apply-phone")
    phone.click("#apply button[type=submit]")
    phone.wait_for_selector("#state")
    assert phone.locator("#state").inner_text() == "已申请"
    assert "吴晓燕" in phone.locator("#parties").inner_text()
    assert "135****1234" in phone.locator("#parties").inner_text()  # the other party's phone, masked for her
    no_sideways_scroll(phone)
    shot(phone, "mediation-case-phone")
    assert phone.watch.errors == []


def test_the_mediator_works_a_case_to_the_signature_on_its_page(server, page):
    login(page, server, "mediator")
    page.goto(server + "/m/cases/?state=submitted")
    page.wait_for_selector("#cases tbody tr")
    rows = page.locator("#cases tbody tr[data-state=submitted]")
    assert rows.count() >= 1
    rows.first.locator("a").click()
    page.wait_for_selector("#actions")
    number = page.locator(".crumbs").inner_text().split("›")[-1].strip()
    ids = page.locator("#parties td.id").all_inner_texts()
    assert all("*" not in i for i in ids if i != "—")  # the head sees the parties in full
    page.fill("textarea[name=reason]", "符合受理条件")
    page.click("button.act-accept")
    page.wait_for_selector("button.act-assign")
    assert page.locator("#state").inner_text() == "已受理"
    page.select_option("select[name=lead]", "mediator")
    page.click("button.act-assign")
    page.wait_for_selector("button.act-start")
    page.click("button.act-start")
    page.wait_for_selector("button.act-agree")
    page.fill("textarea[name=terms]", "双方同意夜间十点后不再发出噪音。\n如有再犯，由社区调解员再次调解。")
    page.click("button.act-agree")
    page.wait_for_selector("#sign canvas#pad")
    assert page.locator("#state").inner_text() == "已达成协议"
    assert page.locator("#terms li").count() == 2
    shot(page, "mediation-case-agreed")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 100 + (20 if step % 2 else -20))
    page.mouse.up()
    page.check("input[name=agree]")
    page.click("#sign button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.locator(".flash").inner_text() == "您已签署协议。"
    assert page.locator("#sign").count() == 0  # signed once; the parties' signatures are awaited
    assert page.locator("#state").inner_text() == "已达成协议"
    timeline = page.locator("#timeline").inner_text()
    for label in (
        "受理 → 已受理",
        "指派 → 已指派",
        "开始调解 → 调解中",
        "达成协议 → 已达成协议",
        "mediator · 已签署",
    ):
        assert label in timeline, label
    shot(page, "mediation-case-signed-by-mediator")
    assert page.watch.errors == [], number


def test_the_heat_map_and_figures_show_the_demo_cases(server, page):
    login(page, server, "city_analyst")
    page.goto(server + "/m/figures/")
    page.wait_for_selector("#map[data-cells]")
    cells = int(page.locator("#map").get_attribute("data-cells"))
    assert cells >= 20
    assert page.locator("path.cell").count() == cells
    summary = page.locator("#summary").inner_text()
    total = int(re.match(r"共 (\d+) 件", summary).group(1))
    assert total >= 300
    assert page.locator("table.figures").count() == 5
    shot(page, "mediation-figures")
    assert page.watch.errors == []


def test_a_signed_agreement_is_checked_by_its_code(server, page):
    with sqlite3.connect(DEMO["data"] / "zhili.sqlite3") as db:
        code, number = db.execute(
            "SELECT d.code, c.number FROM mediation_document d JOIN mediation_case c ON c.id = d.case_id "
            "WHERE d.code IS NOT NULL ORDER BY d.id LIMIT 1"
        ).fetchone()
    page.goto(server + "/m/verify/")
    page.fill("input[name=code]", code.lower().replace("-", " "))
    page.click("#verify button[type=submit]")
    page.wait_for_selector("#result")
    assert (
        "有效" in page.locator("#result h2").inner_text() and number in page.locator("#result").inner_text()
    )
    page.fill("input[name=code]", "AAAA-BBBB-CCCC-DDDD")
    page.click("#verify button[type=submit]")
    page.wait_for_selector("#result.r-unknown")
    assert page.watch.errors == []
