"""The mediation pages as work lists, with Django's test client: the mediator's list finds a case by
number or party name, keeps to their own cases, sorts and marks the late ones; each step says
what it did; irreversible steps ask first; the parties read where their case stands and what
comes next; people are named, never by username; errors come without field codes; the place
picker names the village of a point."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client

from tests.conftest import OWN_VILLAGE, POINT_OTHER, POINT_OWN, client_for
from tests.mediation_fixtures import apply_as
from tests.test_mediation_pages import FORM, sms_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


def numbers(html: str) -> list[str]:
    """The case numbers of the list page's rows, in order."""
    return re.findall(
        r'<td data-label="案件编号" class="card-title"><a href="/m/cases/[^/]+/">([^<]+)</a>', html
    )


def parties(first: str, second: str) -> list[dict]:
    return [
        {"role": "applicant", "name": first, "phone": "13812345678"},
        {"role": "respondent", "name": second, "phone": "13987654321"},
    ]


def section(html: str, ident: str) -> str:
    """The HTML of the element with this id, up to the end of its section."""
    start = html.index(f'id="{ident}"')
    return html[start : html.index("</section>", start)]


def test_the_list_finds_a_case_by_its_number_and_by_a_party_name(mediation):
    one = apply_as(mediation, parties=parties("王爱丽", "李博"), facts="楼上漏水")
    two = apply_as(mediation, parties=parties("王爱丽", "陈大文"), facts="车位被占")
    three = apply_as(mediation, parties=parties("王爱丽", "李小博"), facts="噪音扰民")
    head = client_for(mediation["mediator"])
    assert numbers(head.get("/m/cases/").content.decode()) == [three, two, one]
    assert numbers(head.get("/m/cases/", {"q": two}).content.decode()) == [two]
    assert numbers(head.get("/m/cases/", {"q": "李"}).content.decode()) == [three, one]
    assert numbers(head.get("/m/cases/", {"q": "陈大文"}).content.decode()) == [two]
    nothing = head.get("/m/cases/", {"q": "赵钱孙"}).content.decode()
    assert numbers(nothing) == [] and "没有符合条件的案件。" in nothing and "显示全部案件" in nothing


def test_my_cases_are_those_on_my_team_and_those_waiting_for_my_decision(mediation):
    new = apply_as(mediation, facts="楼上漏水")
    carols = apply_as(mediation, facts="车位被占")
    someone_elses = apply_as(mediation, facts="噪音扰民")
    head = client_for(mediation["mediator"])
    for number, lead in ((carols, "carol"), (someone_elses, "mediator_a")):
        head.post(f"/m/cases/{number}/act/", {"action": "accept"})
        head.post(f"/m/cases/{number}/act/", {"action": "assign", "lead": lead})
    carol = client_for(mediation["carol"])
    assert numbers(carol.get("/m/cases/", {"mine": "1"}).content.decode()) == [carols]
    assert numbers(carol.get("/m/cases/").content.decode()) == [someone_elses, carols, new]
    # the head: the one they lead, and the new one that waits for them to accept it
    assert numbers(head.get("/m/cases/", {"mine": "1"}).content.decode()) == [someone_elses, new]
    cadre = client_for(mediation["town_cadre"])
    assert numbers(cadre.get("/m/cases/", {"mine": "1"}).content.decode()) == []


def test_the_list_sorts_by_age_deadline_and_number(mediation):
    def head():  # signed in afresh in each period: a session lasts half an hour
        return client_for(mediation["mediator"])

    with time_machine.travel(datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        first = apply_as(mediation, facts="楼上漏水")
        head().post(f"/m/cases/{first}/act/", {"action": "accept"})  # mediation due 2026-10-01
    with time_machine.travel(datetime(2026, 9, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        second = apply_as(mediation, facts="车位被占")  # to be accepted or declined by 2026-09-08
    with time_machine.travel(datetime(2026, 9, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        third = apply_as(mediation, facts="噪音扰民")
        head().post(f"/m/cases/{third}/act/", {"action": "accept"})  # mediation due 2026-10-03
    with time_machine.travel(datetime(2026, 9, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        fourth = apply_as(mediation, facts="宠物扰邻")  # declined: closed, no deadline any more
        head().post(
            f"/m/cases/{fourth}/act/", {"action": "decline", "reason": "不属于受理范围", "confirmed": "1"}
        )
    assert numbers(head().get("/m/cases/").content.decode()) == [second, third, fourth, first]
    assert numbers(head().get("/m/cases/", {"sort": "old"}).content.decode()) == [
        first,
        fourth,
        third,
        second,
    ]
    assert numbers(head().get("/m/cases/", {"sort": "due"}).content.decode()) == [
        second,
        first,
        third,
        fourth,
    ]
    assert numbers(head().get("/m/cases/", {"sort": "number"}).content.decode()) == sorted(
        [first, second, third, fourth]
    )
    assert numbers(head().get("/m/cases/", {"sort": "nonsense"}).content.decode()) == [
        second,
        third,
        fourth,
        first,
    ]


def test_a_late_case_is_marked_in_the_list(mediation):
    def head():  # signed in afresh in each period: a session lasts half an hour
        return client_for(mediation["mediator"])

    with time_machine.travel(datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        late = apply_as(mediation, facts="楼上漏水")  # to be accepted within 72 hours
    with time_machine.travel(datetime(2026, 9, 4, 8, 0, tzinfo=SHANGHAI), tick=False):
        fresh = apply_as(mediation, facts="车位被占")
        html = head().get("/m/cases/").content.decode()
        assert "已逾期" not in html  # 71 hours: not yet
    with time_machine.travel(datetime(2026, 9, 4, 10, 0, tzinfo=SHANGHAI), tick=False):
        html = head().get("/m/cases/").content.decode()
        rows = re.findall(r'<tr data-state="submitted"( class="late")?>\s*<td[^>]*><a[^>]*>([^<]+)</a>', html)
        assert rows == [("", fresh), (' class="late"', late)]
        assert html.count('<span class="badge red overdue">已逾期</span>') == 1
        assert "有 1 件案件已超期" in html
        assert numbers(head().get("/m/cases/", {"overdue": "1"}).content.decode()) == [late]


def test_each_step_says_what_it_did(mediation):
    number = apply_as(mediation)
    head = client_for(mediation["mediator"])
    page = head.post(f"/m/cases/{number}/act/", {"action": "accept"}, follow=True).content.decode()
    assert f'<p class="flash success" role="status">已受理案件 {number}。下一步请指派调解员。</p>' in page
    page = head.post(f"/m/cases/{number}/act/", {"action": "assign", "lead": "carol"}, follow=True)
    assert f"已为案件 {number} 指派调解员。" in page.content.decode()
    carol = client_for(mediation["carol"])
    page = carol.post(f"/m/cases/{number}/messages/", {"body": "周二上午调解"}, follow=True).content.decode()
    assert "留言已发送。" in page and "周二上午调解" in page
    # shown once: the next page has no stale message
    assert "留言已发送。" not in carol.get(f"/m/cases/{number}/").content.decode()


def test_a_withdrawal_is_taken_only_after_its_confirmation(mediation):
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    alice = client_for(mediation["resident_own"])
    page = alice.get(f"/m/cases/{number}/").content.decode()
    nxt = section(page, "next")
    assert "接下来会怎样" in nxt and "委员会将在三天内决定是否受理" in nxt
    assert 'name="action" value="withdraw"' in nxt and 'id="actions"' not in page  # no bare red button
    asked = alice.post(f"/m/cases/{number}/act/", {"action": "withdraw"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "确定撤回申请吗？" in html and "撤回后不能恢复" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html and "不，返回案件" in html
    assert Case.objects.get(number=number).state == "submitted"
    unexplained = alice.post(f"/m/cases/{number}/act/", {"action": "withdraw", "confirmed": "1"})
    assert unexplained.status_code == 400 and "请说明理由" in unexplained.content.decode()
    assert Case.objects.get(number=number).state == "submitted"
    done = alice.post(
        f"/m/cases/{number}/act/",
        {"action": "withdraw", "confirmed": "1", "reason": "已私下和解"},
        follow=True,
    )
    assert Case.objects.get(number=number).state == "withdrawn"
    assert f"已撤回案件 {number}。" in done.content.decode()
    assert "申请已撤回。如需再次调解，请重新提交申请。" in section(done.content.decode(), "next")


def test_a_reversible_step_needs_no_confirmation_and_an_outsider_gets_none(mediation):
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    assert (
        client_for(mediation["mediator"]).post(f"/m/cases/{number}/act/", {"action": "accept"}).status_code
        == 302
    )
    # the respondent may not withdraw: no confirmation page, the refusal at once
    refused = client_for(mediation["resident_other"]).post(f"/m/cases/{number}/act/", {"action": "withdraw"})
    assert refused.status_code == 400 and "确定撤回申请吗" not in refused.content.decode()
    assert Case.objects.get(number=number).state == "accepted"


def test_the_stepper_shows_the_road_with_the_days_reached(mediation):
    with time_machine.travel(datetime(2026, 9, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        number = apply_as(mediation)
    with time_machine.travel(datetime(2026, 9, 22, 9, 0, tzinfo=SHANGHAI), tick=False):
        client_for(mediation["mediator"]).post(f"/m/cases/{number}/act/", {"action": "accept"})
    progress = section(
        client_for(mediation["resident_own"]).get(f"/m/cases/{number}/").content.decode(), "progress"
    )
    items = re.findall(
        r'<li class="(\w+) s-(\w+)"[^>]*>.*?<span class="label">([^<]+)</span>( <time[^>]*>([^<]+)</time>)?',
        progress,
    )
    assert [(status, label, day) for status, _state, label, _t, day in items] == [
        ("done", "已申请", "2026年9月20日"),
        ("current", "已受理", "2026年9月22日"),
        ("next", "已指派", ""),
        ("next", "调解中", ""),
        ("next", "已达成协议", ""),
        ("next", "已签署", ""),
        ("next", "已归档", ""),
    ]
    assert 'aria-current="step"' in progress


def test_a_declined_case_ends_its_road_at_the_decline(mediation):
    number = apply_as(mediation)
    head = client_for(mediation["mediator"])
    head.post(f"/m/cases/{number}/act/", {"action": "decline", "reason": "不属于受理范围", "confirmed": "1"})
    progress = section(head.get(f"/m/cases/{number}/").content.decode(), "progress")
    assert re.findall(r'<li class="(\w+) s-(\w+)"', progress) == [
        ("done", "submitted"),
        ("current", "declined"),
    ]


def test_the_timeline_and_thread_name_people_never_by_username(mediation, settings, tmp_path):
    from zhili.mediation.models import Case

    settings.DATA_DIR = tmp_path
    visitor = Client()
    visitor.post("/m/apply/", {"phone": "13611112222"})
    visitor.post("/m/apply/", {"phone": "13611112222", "code": sms_code(settings)})
    visitor.post("/m/apply/", FORM)
    number = Case.objects.get().number
    visitor.post(f"/m/cases/{number}/messages/", {"body": "我周末有空"})
    head = client_for(mediation["mediator"])
    head.post(f"/m/cases/{number}/act/", {"action": "accept"})
    for who, client in (("head", head), ("applicant", visitor)):
        page = client.get(f"/m/cases/{number}/").content.decode()
        assert "tel-" not in page, who
        timeline = section(page, "timeline")
        assert "孙丽 · 提交申请" in timeline and " · 受理 → 已受理" in timeline, who
        assert "13611112222" not in timeline, who
        assert "<b>孙丽</b>" in section(page, "thread"), who
    assert "mediator_a" not in section(head.get(f"/m/cases/{number}/").content.decode(), "timeline")


def test_a_person_without_a_name_is_called_by_their_role(mediation):
    from zhili.mediation import selectors
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    case = Case.objects.get(number=number)
    mediation["mediator"].display_name = ""
    mediation["mediator"].save()
    assert selectors.names(case, ["mediator_a", "alice", "system", "hub:rx_12345", "gone"]) == {
        "mediator_a": "调解员",
        "alice": "王爱丽",  # the name on the case, as its applicant
        "system": "系统",
        "hub:rx_12345": "转办系统",
        "gone": "已注销的账号",
    }


def test_errors_come_without_field_codes(mediation, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    alice = client_for(mediation["resident_own"])
    html = alice.post("/m/apply/", {**FORM, "applicant_id_number": "449902199001011232"}).content.decode()
    assert '<span class="error field-error" data-field="applicant_id_number">不是有效的居民身份证号' in html
    assert "parties.0" not in html
    number = apply_as(mediation)
    bad = alice.post(
        f"/m/cases/{number}/files/", {"file": SimpleUploadedFile("a.exe", b"MZ")}
    ).content.decode()
    assert '<span class="field-error" data-field="file">不接受 a.exe' in bad and "file：" not in bad
    head = client_for(mediation["mediator"])
    for action in ("accept", "assign", "start"):
        head.post(f"/m/cases/{number}/act/", {"action": action, "lead": "mediator_a"})
    agreed = head.post(f"/m/cases/{number}/act/", {"action": "agree", "terms": " "}).content.decode()
    assert "请写明达成的协议内容" in agreed and "terms：" not in agreed and "terms:" not in agreed


def test_the_place_lookup_names_the_village_of_a_point(mediation):
    alice = client_for(mediation["resident_own"])
    found = alice.get("/m/apply/place/", {"lon": POINT_OWN[0], "lat": POINT_OWN[1]}).json()
    assert found == {"code": OWN_VILLAGE, "name": "翠香社区", "label": "翠香社区（拱北街道）"}
    other = alice.get("/m/apply/place/", {"lon": POINT_OTHER[0], "lat": POINT_OTHER[1]}).json()
    assert other["label"] == "湖滨社区（井岸街道）"
    outside = alice.get("/m/apply/place/", {"lon": 100.0, "lat": 30.0})
    assert outside.status_code == 200 and outside.json() == {
        "code": None,
        "message": "该位置不在本市范围内，请选择村居。",
    }
    for bad in ({"lon": "x", "lat": "22"}, {"lon": "nan", "lat": "22"}, {}):
        assert alice.get("/m/apply/place/", bad).status_code == 400
    assert Client().get("/m/apply/place/", {"lon": 113.02, "lat": 22.05}).status_code == 302  # sign in first


def test_the_place_picker_is_grouped_by_town_and_names_the_place_chosen(mediation):
    html = client_for(mediation["resident_own"]).get("/m/apply/").content.decode()
    picker = html[
        html.index('<select name="unit_code"') : html.index("</select>", html.index('name="unit_code"'))
    ]
    groups = re.findall(r'<optgroup label="([^"]+)">', picker)
    assert groups == ["拱北街道", "南屏镇", "井岸街道"]
    assert 'id="place-filter"' in html and "在地图上点一下纠纷发生的位置" in html
    refused = client_for(mediation["resident_own"]).post("/m/apply/", {**FORM, "facts": ""}).content.decode()
    assert (
        '<p class="chosen" id="place-chosen" role="status" aria-live="polite">已选：翠香社区（拱北街道）</p>'
        in refused
    )


def test_a_link_to_apply_keeps_its_place_through_signing_in(mediation, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    visitor = Client()
    url = f"/m/apply/?place={OWN_VILLAGE}"
    first = visitor.get(url)
    assert first.status_code == 200 and "发送验证码" in first.content.decode()
    assert visitor.post(url, {"phone": "13611112222"})["Location"] == url
    assert visitor.post(url, {"phone": "13611112222", "code": sms_code(settings)})["Location"] == url
    form = visitor.get(url).content.decode()
    assert f'<option value="{OWN_VILLAGE}" selected>翠香社区</option>' in form
    assert "已选：翠香社区（拱北街道）" in form


def test_empty_lists_say_what_to_do(mediation):
    mine = client_for(mediation["resident_own"]).get("/m/cases/").content.decode()
    assert "<h1>我的调解</h1>" in mine and "您还没有调解案件" in mine and 'href="/m/apply/"' in mine
    staff = client_for(mediation["carol"]).get("/m/cases/").content.decode()
    assert "您辖区内还没有调解案件" in staff


def test_the_heat_map_gets_the_kinds_in_words(mediation):
    apply_as(mediation)
    html = client_for(mediation["town_cadre"]).get("/m/figures/").content.decode()
    labels = json.loads(
        re.search(r'<script id="kind-labels" type="application/json">(.*?)</script>', html).group(1)
    )
    assert labels["neighbour"] == "邻里纠纷" and labels["other"] == "其他" and len(labels) == 10
    assert 'data-line="__KIND__ __N__ 件"' in html and 'data-range="__FROM__–__TO__ 件"' in html


def test_a_party_sees_the_case_list_as_their_own(mediation):
    number = apply_as(mediation)
    html = client_for(mediation["resident_own"]).get("/m/cases/").content.decode()
    assert numbers(html) == [number] and 'name="q"' not in html  # no search for a handful of own cases
