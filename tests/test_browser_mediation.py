"""Real-browser tests of mediation on the demo city (fixtures in tests/browser.py): a citizen on a
375-px phone signs in by a text-message code (read from the development outbox), finds the place
by typing two characters and applies; the demo's mediator, head of a town's committee, works a
case on its page up to signing the agreement with a drawn signature; withdrawing asks first; the
heat map shows the demo's cases in words; the public check finds a signed agreement by its code;
and no page of the flow is wider than a 375-px phone. Screenshots at 375 and 1440 px go to
test-artifacts/."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.browser import DEMO, login, shot

pytestmark = pytest.mark.browser


def no_sideways_scroll(page, width: int = 375) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url


# Latin words a Chinese page may show: file formats, the hash's name, the API link, the language.
LATIN = {"PDF", "Word", "DOCX", "JPEG", "PNG", "SHA", "API", "English"}


def english_words(page) -> set[str]:
    """Words of three or more Latin letters in the page's visible text (case numbers, TJ…, have
    two): on a zh-Hans page there should be none but the few in LATIN."""
    return set(re.findall(r"[A-Za-z]{3,}", page.locator("body").inner_text())) - LATIN


def sign_in(page, server, username: str) -> None:
    login(page, server, username)


def demo_case(sql: str) -> str:
    with sqlite3.connect(DEMO["data"] / "zhili.sqlite3") as db:
        return db.execute(sql).fetchone()[0]


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
    assert "在地图上点一下纠纷发生的位置" in phone.locator("figure.pick figcaption").inner_text()
    phone.locator("#pick-map").click()  # a tap on the map sets the point and names its village
    assert phone.locator("input[name=lon]").input_value() and phone.locator("input[name=lat]").input_value()
    assert phone.locator("#pick-map path.leaflet-interactive").count() >= 1
    phone.wait_for_function("document.getElementById('place-chosen').textContent.startsWith('已选：')")
    tapped = phone.locator("select[name=unit_code]").input_value()
    assert tapped and phone.locator("#place-chosen").inner_text().endswith("）")
    phone.select_option("select[name=dispute_type]", "neighbour")
    # the picker: two characters of a village's name find it (and name it with its town)
    village, _town = _a_village()
    phone.locator("#place-filter").press_sequentially(village[:2])
    chosen = phone.locator("select[name=unit_code]").input_value()
    assert (
        chosen.startswith("4499") and village[:2] in phone.locator(f"option[value='{chosen}']").inner_text()
    )
    assert phone.locator("#place-chosen").inner_text().startswith("已选：" + village[:2])
    assert phone.locator("input[name=lon]").input_value() == ""  # the village named replaces the tap
    phone.locator("#place-filter").fill("")
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
    assert phone.locator("#progress li[aria-current=step] .label").inner_text() == "已申请"
    assert "三天内决定是否受理" in phone.locator("#next").inner_text()
    timeline = phone.locator("#timeline").inner_text()
    assert "吴晓燕 · 提交申请" in timeline and "tel-" not in phone.locator("body").inner_text()
    no_sideways_scroll(phone)
    assert english_words(phone) == set()
    shot(phone, "mediation-case-phone")
    phone.goto(server + "/m/cases/")  # 我的调解: her case as a card
    assert phone.locator("h1").inner_text() == "我的调解"
    assert phone.locator("#cases tbody tr").count() == 1
    no_sideways_scroll(phone)
    shot(phone, "mediation-my-cases-phone")
    assert phone.watch.errors == []


def _a_village() -> tuple[str, str]:
    """A village of the demo city whose first two characters are in no other village's or town's
    name (so that typing them finds it alone), and its town."""
    with sqlite3.connect(DEMO["data"] / "zhili.sqlite3") as db:
        rows = db.execute(
            "SELECT v.name, t.name FROM geo_unit v JOIN geo_unit t ON t.id = v.parent_id WHERE v.level = 4 "
            "ORDER BY v.code"
        ).fetchall()
    names = [n for n, _t in rows] + sorted({t for _n, t in rows})
    return next((n, t) for n, t in rows if sum(n[:2] in other for other in names) == 1)


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
    assert page.locator(".flash").inner_text() == f"已受理案件 {number}。下一步请指派调解员。"
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
    name = demo_case("SELECT display_name FROM org_user WHERE username = 'mediator'")
    for label in (
        "受理 → 已受理",
        "指派 → 已指派",
        "开始调解 → 调解中",
        "达成协议 → 已达成协议",
        f"{name} · 已签署",
    ):
        assert label in timeline, label
    assert "mediator ·" not in timeline
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


def test_withdrawing_asks_first_and_says_what_happens(server, page_at):
    number = demo_case(
        "SELECT c.number FROM mediation_case c JOIN mediation_party p ON p.case_id = c.id "
        "JOIN org_user u ON u.id = p.user_id WHERE u.username = 'citizen' AND c.state = 'submitted' "
        "ORDER BY c.id DESC LIMIT 1"
    )
    for width, height in ((1440, 900), (375, 812)):
        page = page_at(width, height)
        sign_in(page, server, "citizen")
        page.goto(f"{server}/m/cases/{number}/")
        assert page.locator("#progress li[aria-current=step] .label").inner_text() == "已申请"
        assert page.locator("#actions").count() == 0  # no bare red button: the way out is quiet
        shot(page, f"mediation-case-applicant-{width}")
        page.click("#next button.act-withdraw")
        page.wait_for_selector("#confirm")
        assert page.locator("h1").inner_text() == "确定撤回申请吗？"
        assert "撤回后不能恢复" in page.locator("#what").inner_text()
        no_sideways_scroll(page, width)
        assert english_words(page) == set()
        shot(page, f"mediation-confirm-withdraw-{width}")
        assert page.watch.errors == []
    assert demo_case(f"SELECT state FROM mediation_case WHERE number = '{number}'") == "submitted"
    page.click("#confirm-button")  # no reason yet: asked for, nothing done
    page.wait_for_selector("#confirm .field-error[data-field=reason]")
    assert demo_case(f"SELECT state FROM mediation_case WHERE number = '{number}'") == "submitted"
    page.fill("textarea[name=reason]", "已与对方协商解决")
    page.click("#confirm-button")
    page.wait_for_selector("#state")
    assert page.locator("#state").inner_text() == "已撤回"
    assert page.locator(".flash").inner_text() == f"已撤回案件 {number}。"
    assert "如需再次调解，请重新提交申请" in page.locator("#next").inner_text()
    no_sideways_scroll(page)


def test_the_mediator_s_pages_fit_a_phone_and_a_wide_screen(server, page_at):
    number = demo_case(
        "SELECT c.number FROM mediation_case c JOIN mediation_member m ON m.case_id = c.id "
        "JOIN org_user u ON u.id = m.user_id WHERE u.username = 'mediator' AND m.role = 'lead' "
        "AND c.state = 'in_mediation' ORDER BY c.id LIMIT 1"
    )
    applicant = demo_case(
        f"SELECT p.name FROM mediation_party p JOIN mediation_case c ON c.id = p.case_id "
        f"WHERE c.number = '{number}' AND p.role = 'respondent'"
    )
    for width, height in ((375, 812), (1440, 900)):
        page = page_at(width, height)
        sign_in(page, server, "mediator")
        page.goto(f"{server}/m/cases/{number}/")
        page.wait_for_selector("#parties td.id")
        assert page.locator("#parties tbody tr").count() >= 2
        no_sideways_scroll(page, width)
        assert english_words(page) == set()
        assert "tel-" not in page.locator("#timeline").inner_text()
        if width == 375:  # the step to take comes before the record
            top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", "actions")
            assert top < page.evaluate("document.getElementById('facts').getBoundingClientRect().top")
        shot(page, f"mediation-case-mediator-{width}")
        page.goto(f"{server}/m/cases/?q={applicant}")
        assert number in page.locator("#cases").inner_text()
        page.goto(f"{server}/m/cases/?mine=1&sort=due")
        page.wait_for_selector("#cases tbody tr")
        no_sideways_scroll(page, width)
        assert english_words(page) == set()
        shot(page, f"mediation-cases-{width}")
        page.goto(f"{server}/m/figures/")
        page.wait_for_selector("#map[data-cells]")
        no_sideways_scroll(page, width)
        legend = page.locator("#legend li").all_inner_texts()
        assert legend and all(re.fullmatch(r"\d+ 件|\d+–\d+ 件", item) for item in legend), legend
        assert not any(re.fullmatch(r"(\d+)–\1 件", item) for item in legend)
        page.locator("path.cell").first.hover()
        tooltip = page.locator(".leaflet-tooltip").inner_text()
        assert tooltip.startswith("纠纷 ") and "件" in tooltip and not re.search(r"[a-z]{3,}", tooltip), (
            tooltip
        )
        assert english_words(page) == set()
        shot(page, f"mediation-figures-{width}")
        assert page.watch.errors == []


def test_the_public_pages_fit_a_phone(server, page_at):
    for width, height in ((375, 812), (1440, 900)):
        page = page_at(width, height)
        page.goto(server + "/m/verify/")
        no_sideways_scroll(page, width)
        shot(page, f"mediation-verify-{width}")
        page.goto(server + "/m/apply/?place=449902001001")  # a link from the public pages
        assert (
            page.locator("h1").inner_text() == "申请调解" and page.locator("input[name=phone]").count() == 1
        )
        no_sideways_scroll(page, width)
        assert english_words(page) == set()
        shot(page, f"mediation-apply-anonymous-{width}")
        assert page.watch.errors == []


def test_use_my_location_names_the_village_before_sending(server, page_at):
    with sqlite3.connect(DEMO["data"] / "zhili.sqlite3") as db:
        lon, lat = db.execute(
            "SELECT centroid_lon, centroid_lat FROM geo_unit WHERE level = 4 AND centroid_lon IS NOT NULL "
            "ORDER BY code LIMIT 1 OFFSET 7"
        ).fetchone()
    page = page_at(375, 812, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    sign_in(page, server, "citizen")
    page.goto(server + "/m/apply/")
    page.wait_for_selector("#pick-map[data-ready]")
    page.click("#use-location")
    page.wait_for_function("document.getElementById('place-chosen').textContent.startsWith('已选：')")
    found = page.evaluate(f"fetch('/m/apply/place/?lon={lon}&lat={lat}').then(r => r.json())")
    assert found["code"] and page.locator("select[name=unit_code]").input_value() == found["code"]
    assert page.locator("#place-chosen").inner_text() == "已选：" + found["label"]
    assert page.locator("input[name=lon]").input_value() == f"{lon:.6f}"
    no_sideways_scroll(page)
    shot(page, "mediation-apply-located-375")
    assert page.watch.errors == []
