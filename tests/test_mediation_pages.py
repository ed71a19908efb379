"""The mediation pages with Django's test client: a citizen without an account signs in by a
text-message code and applies; a bad application comes back with the field marked and nothing
stored; the head and the lead work the case on its page; the parties sign there; anyone checks
the agreement on /m/verify/."""

from __future__ import annotations

import re

from django.test import Client

from tests.conftest import OWN_VILLAGE, client_for
from tests.mediation_fixtures import API, application, post

FORM = {
    "dispute_type": "neighbour", "amount": "3000", "unit_code": OWN_VILLAGE,
    "facts": "楼上漏水浸坏天花板", "claims": "赔偿3000元", "applicant_name": "孙丽",
    "applicant_gender": "女", "applicant_id_number": "", "applicant_phone": "13611112222",
    "respondent_name": "钱强", "respondent_phone": "13633334444", "request_key": "abc123",
}  # fmt: skip


def sms_code(settings) -> str:
    log = (settings.DATA_DIR / "outbox" / "sms.log").read_text(encoding="utf-8")
    return re.findall(r"(\d{6})", log.splitlines()[-1])[-1]


def test_a_citizen_signs_in_by_text_message_and_applies(mediation, settings, tmp_path):
    from zhili.mediation.models import Case
    from zhili.org.models import User

    settings.DATA_DIR = tmp_path
    visitor = Client()
    page = visitor.get("/m/apply/")
    assert page.status_code == 200 and "发送验证码" in page.content.decode()
    assert (
        visitor.post("/m/apply/", {"phone": "12345"}).content.decode().count("手机号为以 1 开头的 11 位数字")
        == 1
    )
    assert visitor.post("/m/apply/", {"phone": "13611112222"}).status_code == 302
    wrong = visitor.post(
        "/m/apply/",
        {"phone": "13611112222", "code": "000000" if sms_code(settings) != "000000" else "111111"},
    )
    assert "验证码不正确" in wrong.content.decode()
    assert visitor.post("/m/apply/", {"phone": "13611112222", "code": sms_code(settings)}).status_code == 302
    me = User.objects.get(phone="13611112222")
    assert (me.username, me.role, me.has_usable_password()) == ("tel-13611112222", "citizen", False)
    form = visitor.get("/m/apply/").content.decode()
    assert 'value="13611112222"' in form and "纠纷发生地" in form
    done = visitor.post("/m/apply/", FORM)
    case = Case.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/m/cases/{case.number}/"
    assert case.parties.get(role="applicant").user == me and case.institution.code == "gb-rmtw"
    mine = visitor.get(done["Location"]).content.decode()
    assert "13611112222" in mine and "136****4444" in mine  # her own phone in full, the other party's masked
    # the same form sent again (a double tap) is the same case
    assert visitor.post("/m/apply/", FORM)["Location"] == done["Location"] and Case.objects.count() == 1


def test_a_bad_application_marks_the_field_and_stores_nothing(mediation):
    from zhili.mediation.models import Attachment, Case

    alice = client_for(mediation["resident_own"])
    for change, field, says in (
        ({"applicant_id_number": "449902199001011232"}, "applicant_id_number", "不是有效的居民身份证号"),
        ({"unit_code": ""}, "unit_code", "请选择村居，或使用您的位置"),
        ({"facts": ""}, "facts", "这个字段是必填项"),
    ):
        page = alice.post("/m/apply/", {**FORM, **change})
        html = page.content.decode()
        assert page.status_code == 200 and f'data-field="{field}">' in html and says in html, field
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = alice.post("/m/apply/", {**FORM, "files": [SimpleUploadedFile("x.exe", b"MZ")]})
    assert 'data-field="files">' in bad.content.decode() and "不接受 x.exe" in bad.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_the_head_and_the_lead_work_the_case_and_the_parties_sign_on_its_page(mediation):
    from zhili.mediation.models import Case

    number = post(client_for(mediation["resident_own"]), f"{API}/cases", application()).json()["number"]
    head = client_for(mediation["mediator"])
    page = head.get(f"/m/cases/{number}/").content.decode()
    assert 'value="accept" class="act-accept">受理</button>' in page and ">不予受理</button>" in page
    assert "449902199001011231" in page
    assert head.post(f"/m/cases/{number}/act/", {"action": "accept", "reason": "符合条件"}).status_code == 302
    assert (
        head.post(
            f"/m/cases/{number}/act/", {"action": "assign", "lead": "mediator_a", "co": ["carol"]}
        ).status_code
        == 302
    )
    assert head.post(f"/m/cases/{number}/act/", {"action": "start"}).status_code == 302
    asked = head.post(f"/m/cases/{number}/act/", {"action": "fail"})  # irreversible: confirm first
    assert asked.status_code == 200 and "确定以调解不成结案吗？" in asked.content.decode()
    assert Case.objects.get(number=number).state == "in_mediation"
    refused = head.post(f"/m/cases/{number}/act/", {"action": "fail", "confirmed": "1"})
    html = refused.content.decode()
    assert (
        refused.status_code == 400
        and '<span class="error field-error" data-field="reason">请说明理由</span>' in html
    )
    assert "reason:" not in html and "reason：" not in html
    assert head.post(f"/m/cases/{number}/messages/", {"body": "下周二调解", "private": ""}).status_code == 302
    agreed = head.post(f"/m/cases/{number}/act/", {"action": "agree", "terms": "赔偿2500元\n互不追究"})
    assert agreed.status_code == 302
    case = Case.objects.get(number=number)
    assert case.state == "agreed" and case.terms == ["赔偿2500元", "互不追究"]
    sha = case.documents.get(kind="agreement").sha256
    for who in ("resident_own", "resident_other", "mediator"):
        client = client_for(mediation[who])
        assert 'id="pad"' in client.get(f"/m/cases/{number}/").content.decode(), who
        assert (
            client.post(f"/m/cases/{number}/sign/", {"document_sha256": sha, "agree": "on"}).status_code
            == 302
        )
    case.refresh_from_db()
    assert case.state == "signed"
    timeline = head.get(f"/m/cases/{number}/").content.decode()
    for line in ("提交申请 → 已申请", "受理 → 已受理", "达成协议 → 已达成协议", "各方签署完毕 → 已签署"):
        assert line in timeline, line
    code = case.documents.get(kind="agreement").code
    checked = Client().get("/m/verify/", {"code": code}).content.decode()
    assert "有效" in checked and number in checked
    assert "未知" in Client().get("/m/verify/", {"code": "AAAA-BBBB-CCCC-DDDD"}).content.decode()
    pdf = head.get(f"/m/cases/{number}/documents/agreement.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_outsider_gets_the_404_page_for_a_case(mediation):
    number = post(client_for(mediation["resident_own"]), f"{API}/cases", application()).json()["number"]
    page = client_for(mediation["dave"]).get(f"/m/cases/{number}/")
    assert page.status_code == 404 and "不存在" in page.content.decode()


def test_the_figures_page_counts_my_units_cases_and_maps_them(mediation):
    from tests.mediation_fixtures import apply_as

    apply_as(mediation)
    apply_as(mediation, dispute_type="labour", amount="1650000", facts="35名工人欠薪")
    page = client_for(mediation["town_cadre"]).get("/m/figures/")
    html = page.content.decode()
    assert page.status_code == 200 and "共 2 件：办理中 2 件" in html
    assert '"total": 2' in html and "按纠纷类型" in html and "邻里纠纷" in html
    assert client_for(mediation["resident_own"]).get("/m/figures/").status_code == 403


def test_a_mediator_enters_a_walk_in_application_for_someone(mediation):
    from zhili.mediation.models import Case

    carol = client_for(mediation["carol"])
    form = carol.get("/m/apply/").content.decode()
    assert "申请渠道" in form and 'value="walk_in"' in form and 'value="online"' not in form
    done = carol.post("/m/apply/", {**FORM, "channel": "walk_in"})
    case = Case.objects.get()
    assert done.status_code == 302 and (case.channel, case.entered_by, case.applicant_user) == (
        "walk_in",
        "carol",
        None,
    )
    assert case.parties.get(role="applicant").user is None  # the walk-in is not carol


def test_the_case_page_takes_tasks_sessions_and_files(mediation, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    number = post(client_for(mediation["resident_own"]), f"{API}/cases", application()).json()["number"]
    head = client_for(mediation["mediator"])
    head.post(f"/m/cases/{number}/act/", {"action": "accept"})
    head.post(f"/m/cases/{number}/act/", {"action": "assign", "lead": "mediator_a", "co": ["carol"]})
    assert (
        head.post(
            f"/m/cases/{number}/tasks/", {"title": "走访楼上住户", "assignee": "carol", "due": "2026-12-02"}
        ).status_code
        == 302
    )
    assert (
        head.post(
            f"/m/cases/{number}/meetings/", {"starts_at": "2026-12-05T09:30", "place": "社区调解室"}
        ).status_code
        == 302
    )
    refused = head.post(f"/m/cases/{number}/meetings/", {"starts_at": "2026-12-05T09:30"})
    assert refused.status_code == 400 and "请填写地点或视频会议链接" in refused.content.decode()
    alice = client_for(mediation["resident_own"])
    assert (
        alice.post(
            f"/m/cases/{number}/files/", {"file": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n..")}
        ).status_code
        == 302
    )
    wrong = alice.post(f"/m/cases/{number}/files/", {"file": SimpleUploadedFile("a.exe", b"MZ")})
    assert wrong.status_code == 400 and "不接受 a.exe" in wrong.content.decode()
    page = head.get(f"/m/cases/{number}/").content.decode()
    assert "走访楼上住户 · 赵敏 · 12-02" in page and "社区调解室" in page and "照片.png" in page
    from zhili.mediation.models import Task

    task_id = Task.objects.get().pk
    assert client_for(mediation["carol"]).post(f"/m/cases/{number}/tasks/{task_id}/done/").status_code == 302
    assert 'class="done"' in head.get(f"/m/cases/{number}/").content.decode()


def test_one_address_cannot_text_many_numbers(mediation, settings, tmp_path):
    settings.DATA_DIR, settings.ZHILI_SMS_PER_CLIENT_HOUR = tmp_path, 3
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert visitor.post("/m/apply/", {"phone": f"1360000000{n}"}).status_code == 302
        visitor = Client(REMOTE_ADDR="203.0.113.7")  # a new session each time, as a script would
    page = Client(REMOTE_ADDR="203.0.113.7").post("/m/apply/", {"phone": "13600000009"})
    assert "该地址一小时内获取验证码次数过多" in page.content.decode()
    assert len((tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()) == 3
    assert Client(REMOTE_ADDR="198.51.100.1").post("/m/apply/", {"phone": "13600000009"}).status_code == 302
