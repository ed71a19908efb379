"""The casework kernel, walked with a toy case type defined only in the tests (tests/toycase: a
pothole reported → assigned → fixing → fixed → closed): numbers, routing with a preview, team
handover with timestamps, working-day deadlines across the 2026 National Day holiday and its
make-up Saturday (computed by hand below), pause, resume, extension, overdue escalation,
transfers, attachments, a document, a signature, and the hub's facts.

The 2026 calendar (State Council): 1–7 October off, Saturday 10 October a working day.
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import OTHER_TOWN, OWN_VILLAGE, make_user
from tests.toycase.models import Member, Pothole, Rule
from zhili.casework import clocks, routing, services
from zhili.core.errors import Conflict, Forbidden, ZhiliError

CN = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CN)


# --- clocks on the statutory calendar (no database) -------------------------------------------


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # Tue 29 Sep: Wed 30 Sep (1), 1–7 Oct off, Thu 8 (2), Fri 9 (3), Sat 10 make-up (4),
        # Sun 11 off, Mon 12 (5): due at 24:00 of 12 October.
        (at(2026, 9, 29, 10), "5 working_days", at(2026, 10, 13)),
        # Wed 30 Sep 16:00: 16:00–17:30 is 1.5 h, the holiday, then Thu 8 Oct 08:30 + 2.5 h.
        (at(2026, 9, 30, 16), "4 working_hours", at(2026, 10, 8, 11)),
        # 16 Sep + 15 calendar days is Thu 1 Oct, a holiday: the last day moves to Thu 8 Oct.
        (at(2026, 9, 16, 9), "15 calendar_days", at(2026, 10, 9)),
        # 72 hours run on the clock, holiday or not.
        (at(2026, 9, 30, 16), "72 hours", at(2026, 10, 3, 16)),
        # 30 days ending on an ordinary Friday (4 Dec) stay there; ending on a Saturday (5 Dec)
        # they move to Monday 7 December
        (at(2026, 11, 4, 15), "30 calendar_days", at(2026, 12, 5)),
        (at(2026, 11, 5, 15), "30 calendar_days", at(2026, 12, 8)),
    ],
)
def test_a_limit_is_counted_as_the_law_counts(settings, start, limit, due):
    settings.TIME_ZONE = "Asia/Shanghai"
    assert clocks.advance(start, limit) == due


def test_a_calendar_day_entered_in_the_admin_moves_a_deadline(db, settings):
    """Monday 12 October 2026 made a local day off: the fifth working day is Tuesday 13."""
    from zhili.core.models import CalendarDay

    assert clocks.advance(at(2026, 9, 29, 10), "5 working_days") == at(2026, 10, 13)  # the calendar read
    CalendarDay.objects.create(day=at(2026, 10, 12).date(), is_workday=False, name="本地调休")
    # saved: this process forgets its copy at once (core's ready() connects the signal)
    assert clocks.advance(at(2026, 9, 29, 10), "5 working_days") == at(2026, 10, 14)


def test_an_unknown_limit_unit_is_refused_by_name():
    from zhili.casework.registry import CaseType

    with pytest.raises(clocks.ClockError, match="unknown limit unit 'weeks'"):
        clocks.parse_limit("2 weeks")
    with pytest.raises(clocks.ClockError, match="case type grid: limit handle: unknown limit unit 'weeks'"):
        CaseType(code="grid", model="grid.Case", prefix="WG", limits={"handle": "2 weeks"})


def test_the_start_up_check_names_a_wrong_setting(settings):
    from zhili.casework.checks import casework_settings

    settings.CASEWORK_CALENDAR = "gregorian"
    settings.CASEWORK_WORKING_HOURS = (("17:00", "09:00"),)
    errors = {e.id: e.msg for e in casework_settings()}
    assert sorted(errors) == ["casework.E001", "casework.E002"]
    assert errors["casework.E001"].startswith("CASEWORK_WORKING_HOURS: 17:00–09:00")
    assert "CASEWORK_CALENDAR = 'gregorian'" in errors["casework.E002"]


# --- the toy case, walked ----------------------------------------------------------------------


@pytest.fixture
def people(city, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # its own outbox (outbox/sms.log) and files
    return {
        "desk": make_user("toy_desk", "town_cadre", OWN_VILLAGE[:9] + "000", phone="13600000001"),
        "supervisor": make_user(
            "toy_supervisor", "district_cadre", OWN_VILLAGE[:6] + "000000", phone="13600000002"
        ),
        "a": make_user("worker_a", "town_cadre", OWN_VILLAGE[:9] + "000"),
        "b": make_user("worker_b", "town_cadre", OWN_VILLAGE[:9] + "000"),
        "outsider": make_user("outsider", "town_cadre", OTHER_TOWN),
    }


def new_case(**extra) -> Pothole:
    from zhili.geo.models import Unit

    return Pothole.objects.create(
        number=services.next_number("KW"), unit=Unit.objects.get(code=OWN_VILLAGE), **extra
    )


@time_machine.travel(at(2026, 9, 29, 10), tick=False)
def test_numbers_run_per_prefix_and_year(db):
    assert [services.next_number("KW") for _ in range(2)] == ["KW-2026-000001", "KW-2026-000002"]
    assert services.next_number("TX") == "TX-2026-000001"


def test_routing_rules_with_a_preview_and_the_intake_desk_when_none_matches(people, settings):
    big = Rule.objects.create(
        priority=10,
        name="大坑归区道路队",
        match={"unit": OTHER_TOWN[:6], "size_m2": {"min": 5}},
        target="district-road",
    )
    small = Rule.objects.create(
        priority=20, name="小坑归街道", match={"size_m2": {"max": 5}}, target="town-crew"
    )
    rules = list(Rule.objects.all())
    attributes = {"unit": OWN_VILLAGE, "size_m2": 3}
    verdicts = routing.preview(rules, attributes)
    assert [(v.rule, v.matched) for v in verdicts] == [(big, False), (small, True)]
    assert len(verdicts[0].why) == 2  # neither the place nor the size
    assert routing.route(rules, attributes) == small
    case = new_case(size_m2=7)
    assert routing.route(rules, {"unit": OWN_VILLAGE, "size_m2": 7}) is None
    assert services.unrouted(case, attributes={"unit": OWN_VILLAGE, "size_m2": 7}) == 1
    assert case.steps.get().action == "unrouted"
    log = (settings.DATA_DIR / "outbox" / "sms.log").read_text(encoding="utf-8")
    assert f"13600000001 案件 {case.number} 不符合任何分派规则，留在受理窗口待处理。" in log


def test_a_lead_handed_over_is_on_record_with_both_moments(people):
    case = new_case()
    t1, t2 = at(2026, 9, 29, 10), at(2026, 9, 30, 9, 15)
    services.assume(case, people["a"], "lead", by="toy_desk", at=t1)
    services.assume(case, people["b"], "helper", by="toy_desk", at=t1)
    services.assume(case, people["b"], "lead", by="toy_desk", reason="A 调岗", at=t2)
    rows = {
        (m.user.username, m.role): (m.assumed_at, m.renounced_at) for m in Member.history.filter(case=case)
    }
    assert rows == {
        ("worker_a", "lead"): (t1, t2),
        ("worker_b", "helper"): (t1, None),
        ("worker_b", "lead"): (t2, None),
    }
    assert sorted((m.user.username, m.role) for m in services.team(case)) == [
        ("worker_b", "helper"),
        ("worker_b", "lead"),
    ]
    handover = case.steps.filter(action="assume").last()
    assert (
        handover.details == {"role": "lead", "user": "worker_b", "from": ["worker_a"]}
        and handover.reason == "A 调岗"
    )


def test_a_transition_checks_the_right_and_the_state(people):
    from zhili.core.models import AuditLog

    case = new_case()
    with pytest.raises(Forbidden):
        services.transition(case, "assign", people["outsider"])
    denied = AuditLog.objects.get(action="denied")
    assert (denied.actor_username, denied.details) == ("outsider", {"action": "assign"})
    with pytest.raises(Conflict, match="修复"):
        services.transition(case, "fix", people["a"])
    done = services.transition(case, "assign", people["a"], reason="派给一队")
    case.refresh_from_db()
    assert case.state == "assigned"
    assert (done.action, done.source, done.target, done.actor, done.reason) == (
        "assign",
        "reported",
        "assigned",
        "worker_a",
        "派给一队",
    )
    stale = Pothole.objects.get(pk=case.pk)
    services.transition(case, "start", people["a"])
    with pytest.raises(Conflict):  # the same move from a copy read before: one wins
        services.transition(stale, "start", people["b"])


def test_a_working_day_clock_paused_resumed_extended_and_escalated(people, settings):
    case = new_case()
    services.start_clock(case, "fix", "toy_desk", at=at(2026, 9, 29, 10))
    case.refresh_from_db()
    assert case.due_at == at(2026, 10, 13)
    # paused on Thu 8 Oct at 15:00: Fri 9, Sat 10 (make-up), Mon 12 still to run — 3 days
    clock = services.pause_clock(case, "fix", "worker_a", reason="等待燃气公司", at=at(2026, 10, 8, 15))
    assert clock.left == 3.0 and clock.due_at is None
    assert services.clock_status(clock, now=at(2026, 10, 20)) == "paused"
    # resumed on Wed 14 Oct: Thu 15, Fri 16, Mon 19 → due at 24:00 of 19 October
    clock = services.resume_clock(case, "fix", "worker_a", at=at(2026, 10, 14, 9))
    assert clock.due_at == at(2026, 10, 20)
    with pytest.raises(ZhiliError, match="理由"):
        services.extend_clock(
            case, "fix", "2 working_days", by="worker_a", approved_by="toy_supervisor", reason=" "
        )
    clock = services.extend_clock(
        case, "fix", "2 working_days", by="worker_a", approved_by="toy_supervisor", reason="雨天"
    )
    assert clock.due_at == at(2026, 10, 22)  # Tue 20, Wed 21
    assert [(e["amount"], e["unit"], e["approved_by"], e["reason"]) for e in clock.extensions] == [
        (2, "working_days", "toy_supervisor", "雨天")
    ]
    case.refresh_from_db()
    assert case.due_at == at(2026, 10, 22)
    assert services.clock_status(clock, now=at(2026, 10, 19, 10)) == "running"
    assert services.clock_status(clock, now=at(2026, 10, 21, 10)) == "due_soon"
    assert services.escalate_overdue(clock_type(), now=at(2026, 10, 21, 23)) == {"cases": 0, "texts": 0}
    assert services.escalate_overdue(clock_type(), now=at(2026, 10, 22, 10)) == {"cases": 1, "texts": 1}
    assert services.escalate_overdue(clock_type(), now=at(2026, 10, 22, 11)) == {
        "cases": 0,
        "texts": 0,
    }  # once
    log = (settings.DATA_DIR / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 1 and log[0].endswith(
        f"13600000002 案件 {case.number} 已超过修复时限（2026-10-22 00:00）。"
    )
    assert list(case.steps.values_list("action", flat=True)) == [
        "clock_start",
        "clock_pause",
        "clock_resume",
        "clock_extend",
        "overdue",
    ]


def clock_type():
    from zhili.casework.registry import type_of

    return type_of(Pothole())


def test_a_transfer_is_asked_answered_once_and_kept(people):
    case = new_case(crew="town-crew")

    def receive(c, org):
        Pothole.objects.filter(pk=c.pk).update(crew=org)

    first = services.ask_transfer(
        case, to_org="district-road", reason="坑太大", by=people["a"], from_org="town-crew"
    )
    with pytest.raises(Conflict):
        services.ask_transfer(
            case, to_org="district-road", reason="再问", by=people["a"], from_org="town-crew"
        )
    with pytest.raises(ZhiliError, match="理由"):
        services.answer_transfer(first, accept=False, by=people["b"])
    services.answer_transfer(first, accept=False, by=people["b"], reason="不归我们", receive=receive)
    case.refresh_from_db()
    assert case.crew == "town-crew"
    second = services.ask_transfer(
        case, to_org="water-company", reason="是水管", by=people["a"], from_org="town-crew"
    )
    services.answer_transfer(second, accept=True, by=people["b"], receive=receive)
    with pytest.raises(Conflict):
        services.answer_transfer(second, accept=False, by=people["b"], reason="改主意")
    case.refresh_from_db()
    assert case.crew == "water-company"
    assert [(t.to_org, t.answer) for t in case.transfers.all()] == [
        ("district-road", "refused"),
        ("water-company", "accepted"),
    ]
    assert list(case.steps.values_list("action", flat=True)) == [
        "transfer_ask",
        "transfer_refuse",
        "transfer_ask",
        "transfer_accept",
    ]


def test_attachments_are_checked_by_content(people):
    case = new_case()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    item = services_attach(case, "坑.png", png)
    assert (item.content_type, item.size, item.uploaded_by) == ("image/png", 108, "worker_a")
    with pytest.raises(ZhiliError) as refused:
        services_attach(case, "伪装.png", b"%PDF-1.7 ...")
    assert refused.value.status == 415 and "伪装.png" in refused.value.message


def services_attach(case, name, data):
    from zhili.casework import attachments

    return attachments.attach(case, SimpleUploadedFile(name, data), by="worker_a")


def test_a_document_signed_and_checked(people, tmp_path):
    from docx import Document

    from zhili.casework import signing

    template = tmp_path / "work_order.docx"
    doc = Document()
    doc.add_paragraph("维修工单 {{ case.number }}：{{ case.place }}")
    doc.save(template)
    case = new_case()
    issued = services.issue_document(case, "work_order", template=template, title="维修工单",
                                     context={"case": {"number": case.number, "place": "翠香社区"}})  # fmt: skip
    pdf = issued.pdf.read()
    assert pdf.startswith(b"%PDF") and issued.version == 1 and issued.sha256 == signing.sha256_hex(pdf)
    from docx import Document as Read

    text = "\n".join(p.text for p in Read(io.BytesIO(issued.docx.open("rb").read())).paragraphs)
    assert f"维修工单 {case.number}：翠香社区" in text
    assert services.issue_document(case, "work_order", template=template, context={}).version == 2
    key = signing.new_key()
    services.sign_document(issued, signer="王师傅", signer_id="worker_a", role="crew", key=key)
    assert services.signatures_hold(issued)
    issued.sha256 = "0" * 64  # another document: the signature does not name it
    assert not services.signatures_hold(issued)


def test_the_hub_hears_when_a_case_opens_and_closes(people, django_capture_on_commit_callbacks):
    from zhili.hub.catalogue import load_catalogue
    from zhili.hub.models import Event

    load_catalogue()
    with time_machine.travel(at(2026, 9, 29, 10), tick=False):
        case = new_case(lon=113.55, lat=22.27)
        services.start_clock(case, "fix", "toy_desk")
        with django_capture_on_commit_callbacks(execute=True):
            services.opened(case, people["desk"])
    with time_machine.travel(at(2026, 10, 9, 16), tick=False):
        for action in ("assign", "start", "fix"):
            services.transition(case, action, people["a"])
        with django_capture_on_commit_callbacks(execute=True):
            services.transition(case, "close", people["a"])
    case.refresh_from_db()
    assert case.closed_at == at(2026, 10, 9, 16)
    assert case.clocks.get().stopped_at == at(2026, 10, 9, 16)  # a closed case's clocks stop
    assert case.due_at is None
    events = {e.source_event_id: e for e in Event.objects.filter(is_current=True)}
    assert sorted(events) == [f"{case.number}-closed", f"{case.number}-opened"]
    opened = events[f"{case.number}-opened"]
    assert (opened.event_type.code, opened.unit_code, opened.department.code) == (
        "city_management.clutter",
        OWN_VILLAGE,
        "city_management",
    )
    assert opened.fields == {"found_by": "citizen"}
    assert events[f"{case.number}-closed"].fields == {"closed_in_time": True}
    # publishing the same fact again changes nothing
    services.publish_fact(case, "closed")
    assert Event.objects.filter(source_event_id=f"{case.number}-closed").count() == 1


def test_a_fact_says_what_the_case_was_when_it_moved_not_at_commit(
    people, settings, django_capture_on_commit_callbacks
):
    """The demo moves a case several times in one transaction; the facts go out at its commit
    and must carry each move's moment and state, not the case's last one."""
    from zhili.hub.catalogue import load_catalogue
    from zhili.hub.models import Event

    settings.CASEWORK_AFTER_COMMIT = "commit"
    load_catalogue()
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with time_machine.travel(at(2026, 10, 9, 16), tick=False):
            services.transition(case, "close", people["a"])
        case.closed_at = at(2027, 1, 1)  # moved on before the commit
        assert Event.objects.count() == 0  # nothing delivered inside the transaction
    assert len(callbacks) == 1
    event = Event.objects.get(source_event_id=f"{case.number}-closed")
    assert event.occurred_at == at(2026, 10, 9, 16)
