"""Referrals from the 12345 hotline and the police arrive through the hub and become cases, once;
cases past their deadlines are put on the timeline and texted to the institution's head and to
the head of the body that supervises it, once a day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.conftest import OWN_VILLAGE, client_for
from tests.mediation_fixtures import apply_as


def referral(sid: str, **fields) -> dict:
    return {
        "source_id": sid, "type": "hotline.mediation_referral", "occurred_at": "2026-11-20T10:00:00+08:00",
        "unit_code": OWN_VILLAGE,
        "fields": {"category": "property_management", "facts": "物业费纠纷，业主与物业公司协商不成",
                   "caller_name": "周芳", "caller_phone": "13700001111", "other_party": "某物业公司",
                   "amount": "4800", "case_ref": "12345-20261120-0042", **fields},
    }  # fmt: skip


def test_hotline_referrals_become_cases_once(mediation):
    from zhili.hub.publish import publish
    from zhili.mediation.intake import from_hub
    from zhili.mediation.models import Case

    publish(module="hotline", department="hotline_12345", events=[referral("R1"), referral("R2", caller_phone="12345")],
            strict=False)  # fmt: skip
    assert from_hub() == {"opened": 1, "already": 0, "refused": 1}  # R2's phone is no mobile number
    case = Case.objects.get()
    assert (case.channel, case.dispute_type, case.institution.code, case.external_ref) == (
        "hotline", "property_management", "gb-rmtw", "12345-20261120-0042")  # fmt: skip
    assert [(p.role, p.name, p.phone) for p in case.parties.order_by("id")] == [
        ("applicant", "周芳", "13700001111"), ("respondent", "某物业公司", "")]  # fmt: skip
    assert case.steps.get().actor == "hub:zhili.hotline" and case.entered_by == "hub:zhili.hotline"
    assert from_hub() == {"opened": 0, "already": 1, "refused": 1}
    assert Case.objects.count() == 1


def test_overdue_cases_are_noted_and_texted_to_the_heads_once_a_day(mediation, settings, tmp_path):
    from zhili.mediation.models import Case, Institution, Mediator
    from zhili.mediation.services import raise_overdue_alerts
    from zhili.org.models import User

    settings.DATA_DIR = tmp_path
    district = Institution.objects.get(code="hc-ldzy")
    Institution.objects.filter(code="gb-rmtw").update(supervisor=district)
    boss = User.objects.create(username="boss", role="mediator", phone="13500000002", home_unit=district.unit)
    Mediator.objects.create(user=boss, institution=district, is_head=True)
    User.objects.filter(username="mediator_a").update(phone="13500000001")
    late, fresh = apply_as(mediation), apply_as(mediation, facts="另一件")
    Case.objects.filter(number=late).update(accept_due=timezone.now() - timedelta(hours=1))
    assert raise_overdue_alerts() == {"cases": 1, "texts": 2}
    texts = (tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [t.split()[2] for t in texts] == ["13500000001", "13500000002"]
    assert all("1 件调解案件已超期" in t for t in texts)
    case = Case.objects.get(number=late)
    assert case.steps.last().action == "overdue" and case.overdue_alerted == timezone.localdate()
    assert [m.body for m in case.messages.filter(private=True)] == ["已超期：尚未作出受理决定。"]
    assert Case.objects.get(number=fresh).overdue_alerted is None
    assert raise_overdue_alerts() == {"cases": 0, "texts": 0}  # the same day again: nothing new
    # the case page lists it among the overdue
    page = client_for(mediation["mediator"]).get("/m/cases/", {"overdue": "1"}).content.decode()
    assert late in page and fresh not in page


def test_the_parties_are_texted_when_their_case_is_accepted_and_the_agreement_is_ready(
    mediation, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Both parties (alice 138…, bob 139…) hear of the acceptance and of the agreement to sign;
    bob has no part in the application, so the text is how he learns of the case."""
    from tests.mediation_fixtures import API, post

    settings.DATA_DIR, settings.ZHILI_PUBLIC_URL = tmp_path, "https://zhili.example.gov.cn"
    number = apply_as(mediation)
    head = client_for(mediation["mediator"])
    with django_capture_on_commit_callbacks(execute=True):
        post(head, f"{API}/cases/{number}/actions/accept")
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "mediator_a"})
    post(head, f"{API}/cases/{number}/actions/start")  # no news for the parties
    with django_capture_on_commit_callbacks(execute=True):
        post(head, f"{API}/cases/{number}/actions/agree", {"terms": ["赔偿2000元"]})
    texts = [
        line.split(" ", 3)[2:]
        for line in (tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()
    ]
    link = f"https://zhili.example.gov.cn/m/cases/{number}/"
    assert texts == [
        ["13812345678", f"拱北街道人民调解委员会已受理调解案件 {number}，请登录 {link} 查看进展。"],
        ["13987654321", f"拱北街道人民调解委员会已受理调解案件 {number}，请登录 {link} 查看进展。"],
        ["13812345678", f"调解案件 {number} 的调解协议已生成，请登录 {link} 阅读并签署。"],
        ["13987654321", f"调解案件 {number} 的调解协议已生成，请登录 {link} 阅读并签署。"],
    ]
