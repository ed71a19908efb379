"""One mediation case from the phone application to the signed, archived agreement, through the
API as the applicant (alice), the respondent (bob, found by his account's phone), the head of
拱北街道人民调解委员会 (mediator_a, also the lead mediator) and a co-mediator (carol); then the
refusals: illegal jumps, the wrong people, other towns, altered agreements, bad applications."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import (
    OTHER_TOWN,
    OTHER_VILLAGE,
    OWN_TOWN,
    OWN_VILLAGE,
    POINT_OTHER,
    client_for,
    make_user,
)
from tests.mediation_fixtures import API, application, apply_as, post
from zhili.org.roles import Role


def test_one_case_from_application_to_signed_archived_agreement(mediation):
    import docx
    from pypdf import PdfReader

    from zhili.core.models import AuditLog
    from zhili.hub.models import Event

    alice, bob = client_for(mediation["resident_own"]), client_for(mediation["resident_other"])
    head, carol = client_for(mediation["mediator"]), client_for(mediation["carol"])

    # 1. alice applies from her phone; a retry with the same key changes nothing
    first = post(alice, f"{API}/cases", application(), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    case = first.json()
    number = case["number"]
    assert (case["state"], case["institution"], case["routed_by"]) == (
        "submitted",
        "拱北街道人民调解委员会",
        "其他 → 属地人民调解委员会",
    )
    parties = {p["name"]: p for p in case["parties"]}
    assert parties["王爱丽"]["id_number"] == "449902199001011231"  # her own row
    assert parties["李博"]["id_number"] == "4499**********4569" and parties["李博"]["phone"] == "139****4321"
    assert [(d["kind"], d["version"]) for d in case["documents"]] == [("application", 1)]
    again = post(alice, f"{API}/cases", application(), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["number"] == number

    # 2. the head accepts (the acceptance form is written) and makes the team; carol starts
    accepted = post(head, f"{API}/cases/{number}/actions/accept", {"reason": "符合受理条件"}).json()
    assert accepted["state"] == "accepted"
    assert accepted["mediation_due"] == str(timezone.localdate() + timedelta(days=30))
    assert {d["kind"] for d in accepted["documents"]} == {"application", "acceptance"}
    assigned = post(
        head, f"{API}/cases/{number}/actions/assign", {"lead": "mediator_a", "co": ["carol"]}
    ).json()
    assert assigned["state"] == "assigned"
    assert {(m["username"], m["role"]) for m in assigned["team"]} == {("mediator_a", "lead"), ("carol", "co")}
    assert post(carol, f"{API}/cases/{number}/actions/start").json()["state"] == "in_mediation"

    # 3. the thread: the parties see each other's messages, not the mediators' private note
    assert post(alice, f"{API}/cases/{number}/messages", {"body": "周六上午有空"}).status_code == 201
    assert (
        post(carol, f"{API}/cases/{number}/messages", {"body": "双方情绪稳定", "private": True}).status_code
        == 201
    )
    assert [m["body"] for m in alice.get(f"{API}/cases/{number}/messages").json()] == ["周六上午有空"]
    assert [m["body"] for m in head.get(f"{API}/cases/{number}/messages").json()] == [
        "周六上午有空",
        "双方情绪稳定",
    ]
    meeting = post(
        carol,
        f"{API}/cases/{number}/meetings",
        {"starts_at": "2026-12-05T09:30:00+08:00", "place": "拱北街道调解室"},
    )
    assert meeting.status_code == 201

    # 4. only the lead records the agreement; the agreement is written with the parties' names
    terms = ["李博于2026年12月10日前向王爱丽支付维修费2800元。", "双方就本纠纷再无其他争议。"]
    assert post(carol, f"{API}/cases/{number}/actions/agree", {"terms": terms}).status_code == 403
    agreed = post(
        head,
        f"{API}/cases/{number}/actions/agree",
        {"terms": terms, "performance": "银行转账", "agreed_amount": "2800"},
    ).json()
    assert agreed["state"] == "agreed"
    agreement = next(d for d in agreed["documents"] if d["kind"] == "agreement")
    word = docx.Document(io.BytesIO(alice.get(f"{API}/cases/{number}/documents/agreement.docx").content))
    text = "\n".join(
        [p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells]
    )
    assert "王爱丽" in text and "李博" in text and terms[0] in text and number in text
    pdf = alice.get(f"{API}/cases/{number}/documents/agreement.pdf").content
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "王爱丽" in pdf_text and "李博" in pdf_text
    from zhili.casework.signing import sha256_hex

    assert sha256_hex(pdf) == agreement["sha256"]

    # 5. each party and the lead sign the SHA-256 they read; the last signature completes it
    wrong = post(alice, f"{API}/cases/{number}/sign", {"document_sha256": "0" * 64})
    assert wrong.status_code == 409 and wrong.json()["code"] == "document_changed"
    assert (
        post(carol, f"{API}/cases/{number}/sign", {"document_sha256": agreement["sha256"]}).status_code == 403
    )
    signed = post(alice, f"{API}/cases/{number}/sign", {"document_sha256": agreement["sha256"]})
    assert signed.status_code == 201 and signed.json()["case_state"] == "agreed"
    assert (
        post(alice, f"{API}/cases/{number}/sign", {"document_sha256": agreement["sha256"]}).json()["code"]
        == "already_signed"
    )
    assert (
        post(bob, f"{API}/cases/{number}/sign", {"document_sha256": agreement["sha256"]}).json()["signer"]
        == "李博"
    )
    last = post(head, f"{API}/cases/{number}/sign", {"document_sha256": agreement["sha256"]}).json()
    assert last["case_state"] == "signed" and len(last["code"]) == 19

    # 6. anyone checks it: by its code, by its file; an altered copy and a stranger's PDF fail
    checked = (
        client_for(mediation["town_cadre"]).get(f"{API}/public/verify", {"code": last["code"].lower()}).json()
    )
    assert checked["result"] == "valid" and checked["case_number"] == number
    assert [(s["name"], s["role"]) for s in checked["signers"]] == [
        ("王**", "申请人"),
        ("李*", "被申请人"),
        ("m*********", "主调解员"),  # mediator_a: no display name in the personas
    ]
    signed_pdf = head.get(f"{API}/cases/{number}/documents/agreement.pdf").content
    assert len(PdfReader(io.BytesIO(signed_pdf)).pages) == len(PdfReader(io.BytesIO(pdf)).pages) + 1
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    def check(data: bytes) -> str:
        return (
            Client()
            .post(f"{API}/public/verify", {"file": SimpleUploadedFile("a.pdf", data)})
            .json()["result"]
        )

    assert check(signed_pdf) == "valid"
    # an edited copy: the last page dropped and the file saved again by another program
    from pypdf import PdfWriter

    edited = PdfWriter(clone_from=PdfReader(io.BytesIO(signed_pdf)))
    edited.remove_page(len(edited.pages) - 1)
    out = io.BytesIO()
    edited.write(out)
    altered = out.getvalue()
    assert check(altered) == "altered"
    assert check(pdf) == "unknown" and check(b"not a pdf") == "unknown"

    # 7. archived; the timeline holds every step; the hub heard the opening and the settlement
    archived = post(head, f"{API}/cases/{number}/actions/archive").json()
    assert archived["state"] == "archived"
    assert [s["action"] for s in archived["steps"]] == [
        "submit", "accept", "assign", "start", "meeting", "agree", "sign", "sign", "sign", "complete", "archive"
    ]  # fmt: skip
    opened = Event.objects.get(source_event_id=f"{number}-opened")
    assert (opened.event_type.code, opened.unit_code, opened.category) == (
        "dispute.mediation_case",
        OWN_VILLAGE,
        "neighbour",
    )
    outcome = Event.objects.get(source_event_id=f"{number}-outcome")
    assert (outcome.category, outcome.fields["agreement_signed"], outcome.amount) == (
        "settled",
        True,
        Decimal("2800"),
    )
    # the team's full reads of the parties were audited
    assert AuditLog.objects.filter(
        actor_username="mediator_a", action="view_personal", object_repr=number
    ).exists()


def test_illegal_jumps_are_refused_and_change_nothing(mediation):
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    head = client_for(mediation["mediator"])
    for action in ("start", "agree", "archive", "assign"):
        answer = post(head, f"{API}/cases/{number}/actions/{action}", {"terms": ["x"], "lead": "mediator_a"})
        assert answer.status_code == 409 and answer.json()["code"] == "illegal_transition", action
    start = post(head, f"{API}/cases/{number}/actions/start").json()
    assert start["message"] == "处于“已申请”状态的案件不能开始调解"
    assert post(head, f"{API}/cases/{number}/actions/fly").status_code == 404
    case = Case.objects.get(number=number)
    assert case.state == "submitted" and list(case.steps.values_list("action", flat=True)) == ["submit"]


def test_the_wrong_people_are_refused_and_other_towns_see_nothing(mediation):
    from zhili.core.models import AuditLog

    number = apply_as(mediation)
    alice, carol, dave = (client_for(mediation[k]) for k in ("resident_own", "carol", "dave"))
    assert post(alice, f"{API}/cases/{number}/actions/accept").status_code == 403  # a party
    assert post(carol, f"{API}/cases/{number}/actions/accept").status_code == 403  # not the head
    assert AuditLog.objects.filter(action="denied", object_repr=number).count() == 2
    # the other town's head and cadre: the case answers like a missing one
    assert dave.get(f"{API}/cases/{number}").status_code == 404
    assert post(dave, f"{API}/cases/{number}/actions/accept").status_code == 404
    other_cadre = make_user("cadre_x", Role.TOWN_CADRE, OTHER_TOWN)
    assert client_for(other_cadre).get(f"{API}/cases/{number}").status_code == 404
    assert client_for(other_cadre).get(f"{API}/cases").json()["items"] == []
    # the own town's cadre reads it, every ID number and phone masked, nothing audited as a full read
    seen = client_for(mediation["town_cadre"]).get(f"{API}/cases/{number}").json()
    assert {p["id_number"] for p in seen["parties"]} == {"4499**********1231", "4499**********4569"}
    assert not AuditLog.objects.filter(actor_username="town_cadre_a", action="view_personal").exists()
    # a citizen who is no party: missing
    stranger = make_user("eve", Role.CITIZEN, OWN_VILLAGE, phone="13700000000")
    assert client_for(stranger).get(f"{API}/cases/{number}").status_code == 404
    assert post(client_for(stranger), f"{API}/cases/{number}/messages", {"body": "hi"}).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"facts": ""}, "facts"),
        ({"unit_code": "449999999999"}, "unit_code"),
        ({"unit_code": None, "lon": 116.4, "lat": 39.9}, "place"),
        ({"unit_code": None}, "place"),
        ({"dispute_type": "alien"}, "dispute_type"),
        ({"amount": "-5"}, "amount"),
        ({"parties": [{"role": "applicant", "name": "王爱丽", "phone": "13812345678"}, {"role": "applicant", "name": "乙", "phone": "13812345679"}]}, "parties"),
        ({"parties": [{"role": "applicant", "name": "王爱丽", "id_number": "449902199001011232"}, {"role": "respondent", "name": "李博"}]}, "parties.0.id_number"),
        ({"parties": [{"role": "applicant", "name": "王爱丽", "phone": "12345"}, {"role": "respondent", "name": "李博"}]}, "parties.0.phone"),
        ({"parties": [{"role": "applicant", "name": "王爱丽"}, {"role": "respondent", "name": "李博"}]}, "parties.0.phone"),
    ],
)  # fmt: skip
def test_a_bad_application_names_the_field_and_writes_nothing(mediation, change, field):
    from zhili.hub.models import Event
    from zhili.mediation.models import Case

    answer = post(client_for(mediation["resident_own"]), f"{API}/cases", application(**change))
    assert answer.status_code == 422, answer.content
    assert answer.json()["details"][0]["field"] == field
    assert Case.objects.count() == 0 and Event.objects.count() == 0


def test_the_same_application_minutes_later_is_refused_as_a_duplicate(mediation):
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    again = post(
        client_for(mediation["resident_own"]),
        f"{API}/cases",
        application(facts=" 楼上住户装修漏水，浸坏楼下天花板和衣柜，协商未果。\n"),
    )
    assert again.status_code == 409 and number in again.json()["message"]
    assert again.json()["details"][0]["case"] == number and Case.objects.count() == 1
    # other facts are another dispute
    assert (
        post(client_for(mediation["resident_own"]), f"{API}/cases", application(facts="另一件事")).status_code
        == 201
    )


def test_routing_by_type_amount_place_and_load(mediation):
    from zhili.mediation.models import Case, RoutingRule

    wages = apply_as(mediation, dispute_type="labour", amount="1650000", facts="35名工人被拖欠四个月工资")
    assert (
        Case.objects.get(number=wages).institution.code == "hc-ldzy"
    )  # ≥ 100,000 → the district's labour centre
    small = apply_as(mediation, dispute_type="labour", amount="8000", facts="欠薪八千")
    assert Case.objects.get(number=small).institution.code == "gb-rmtw"  # the town's committee
    lon, lat = POINT_OTHER
    there = apply_as(mediation, unit_code=None, lon=lon, lat=lat, facts="井岸的邻里纠纷")
    case = Case.objects.get(number=there)
    assert (case.unit.code[:12], case.institution.code) == (OTHER_VILLAGE, "ja-rmtw")
    # 拱北's committee is full: the next rule that holds decides; none → unrouted, said so
    mediation["gongbei"].capacity = 1  # it holds the small wage case
    mediation["gongbei"].save()
    full = apply_as(mediation, facts="第三件")
    assert Case.objects.get(number=full).institution is None
    # a rule for another district's places does not apply here; one for this district does
    RoutingRule.objects.create(
        priority=150, name="西江区 → 井岸", unit_prefix="449903000000", institution=mediation["jingan"]
    )
    RoutingRule.objects.create(
        priority=200,
        name="海澄区兜底 → 区劳动争议调解中心",
        institution=mediation["labour"],
        unit_prefix="449902000000",
    )
    assert Case.objects.get(number=apply_as(mediation, facts="第四件")).institution.code == "hc-ldzy"


def test_declined_and_withdrawn_cases_tell_the_hub_and_need_a_reason(mediation):
    from zhili.hub.models import Event

    head = client_for(mediation["mediator"])
    first = apply_as(mediation)
    no_reason = post(head, f"{API}/cases/{first}/actions/decline")
    assert no_reason.status_code == 422 and no_reason.json()["details"][0]["field"] == "reason"
    assert (
        post(head, f"{API}/cases/{first}/actions/decline", {"reason": "已进入诉讼程序"}).json()["state"]
        == "declined"
    )
    assert Event.objects.get(source_event_id=f"{first}-outcome").category == "not_settled"
    second = apply_as(mediation, facts="另一件邻里纠纷")
    alice = client_for(mediation["resident_own"])
    assert (
        post(alice, f"{API}/cases/{second}/actions/withdraw", {"reason": "已自行和解"}).json()["state"]
        == "withdrawn"
    )
    assert Event.objects.get(source_event_id=f"{second}-outcome").category == "withdrawn"


def test_reassigning_and_extending_are_the_heads_and_the_leads_with_reasons(mediation):
    from zhili.mediation.models import Case

    number = apply_as(mediation)
    head, carol = client_for(mediation["mediator"]), client_for(mediation["carol"])
    post(head, f"{API}/cases/{number}/actions/accept")
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "carol"})
    assert (
        post(carol, f"{API}/cases/{number}/reassign", {"lead": "mediator_a", "reason": "回避"}).status_code
        == 403
    )
    moved = post(
        head, f"{API}/cases/{number}/reassign", {"lead": "mediator_a", "reason": "承办人回避"}
    ).json()
    assert {(m["username"], m["role"]) for m in moved["team"]} == {("carol", "co"), ("mediator_a", "lead")}
    dave = post(head, f"{API}/cases/{number}/reassign", {"lead": "dave", "reason": "x"})
    assert dave.status_code == 422 and dave.json()["details"][0]["field"] == "lead"  # another body's mediator
    due = Case.objects.get(number=number).mediation_due
    assert (
        post(carol, f"{API}/cases/{number}/extend", {"days": 15, "reason": "当事人出差"}).status_code == 403
    )
    assert post(head, f"{API}/cases/{number}/extend", {"days": 45, "reason": "x"}).status_code == 422
    extended = post(head, f"{API}/cases/{number}/extend", {"days": 15, "reason": "当事人出差"}).json()
    assert extended["mediation_due"] == str(due + timedelta(days=15)) and extended["extended_days"] == 15


def test_attachments_of_the_wrong_type_or_size_are_refused(mediation, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhili.mediation.models import Attachment

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    number = apply_as(mediation)
    alice = client_for(mediation["resident_own"])

    def send(name: str, data: bytes):
        return alice.post(f"{API}/cases/{number}/attachments", {"file": SimpleUploadedFile(name, data)})

    exe = send("tool.exe", b"MZ\x90\x00")
    assert exe.status_code == 415 and ".pdf, .jpg, .jpeg, .png, .docx" in exe.json()["message"]
    assert send("receipt.pdf", b"MZ\x90\x00").status_code == 415  # a renamed program
    assert send("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024)).status_code == 413
    ok = send("收据.pdf", b"%PDF-1.7\n%%EOF\n")
    assert ok.status_code == 201 and ok.json()["size"] == 15 and ok.json()["name"] == "收据.pdf"
    assert Attachment.objects.count() == 1
    other = client_for(mediation["resident_other"])  # bob is the respondent: he may add files
    assert (
        other.post(
            f"{API}/cases/{number}/attachments", {"file": SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\nxx")}
        ).status_code
        == 201
    )


def test_a_signature_changed_in_the_database_makes_the_code_fail(mediation):
    from zhili.mediation.models import Case, Signature

    number = apply_as(mediation)
    head, alice, bob = (client_for(mediation[k]) for k in ("mediator", "resident_own", "resident_other"))
    post(head, f"{API}/cases/{number}/actions/accept")
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "mediator_a"})
    post(head, f"{API}/cases/{number}/actions/start")
    sha = next(
        d
        for d in post(head, f"{API}/cases/{number}/actions/agree", {"terms": ["赔偿2000元"]}).json()[
            "documents"
        ]
        if d["kind"] == "agreement"
    )["sha256"]
    for who in (alice, bob, head):
        assert post(who, f"{API}/cases/{number}/sign", {"document_sha256": sha}).status_code == 201
    code = Case.objects.get(number=number).documents.get(kind="agreement").code
    assert (
        client_for(mediation["resident_own"]).get(f"{API}/public/verify", {"code": code}).json()["result"]
        == "valid"
    )
    sig = Signature.objects.filter(party__name="李博").get()
    Signature.objects.filter(pk=sig.pk).update(statement={**sig.statement, "signer_name": "张三"})
    assert (
        client_for(mediation["resident_own"]).get(f"{API}/public/verify", {"code": code}).json()["result"]
        == "altered"
    )
    assert (
        client_for(mediation["resident_own"])
        .get(f"{API}/public/verify", {"code": "0000-0000-0000-0000"})
        .json()["result"]
        == "unknown"
    )


# (method, path) → who may call it. Cases are seen by staff with mediation.view_case in their
# unit and by the case's own parties and team; anyone else gets 404, as for a missing case.
MEDIATION_MATRIX = {
    ("post", "/api/v1/mediation/cases"): {
        "who": "any signed-in person (a walk-in entry: mediation.add_case)"
    },
    ("get", "/api/v1/mediation/cases"): {"who": "visible cases only", "perm": "mediation.view_case"},
    ("get", "/api/v1/mediation/cases/{number}"): {"who": "visible", "perm": "mediation.view_case"},
    ("post", "/api/v1/mediation/cases/{number}/actions/{action}"): {"who": "per transition (workflow.py)"},
    ("post", "/api/v1/mediation/cases/{number}/reassign"): {"who": "the institution's head"},
    ("get", "/api/v1/mediation/cases/{number}/mediators"): {"who": "visible"},
    ("post", "/api/v1/mediation/cases/{number}/prefer"): {"who": "the applicant, before assignment"},
    ("post", "/api/v1/mediation/cases/{number}/extend"): {"who": "the lead mediator"},
    ("post", "/api/v1/mediation/cases/{number}/transfers"): {
        "who": "the institution's head, before assignment"
    },
    ("post", "/api/v1/mediation/cases/{number}/transfers/answer"): {
        "who": "a head of the receiving institution"
    },
    ("get", "/api/v1/mediation/cases/{number}/messages"): {"who": "visible; private notes for the team"},
    ("post", "/api/v1/mediation/cases/{number}/messages"): {"who": "the parties and the team"},
    ("post", "/api/v1/mediation/cases/{number}/meetings"): {"who": "the case's mediators"},
    ("get", "/api/v1/mediation/cases/{number}/tasks"): {"who": "the case's team"},
    ("post", "/api/v1/mediation/cases/{number}/tasks"): {"who": "the case's team"},
    ("post", "/api/v1/mediation/cases/{number}/tasks/{task_id}/done"): {"who": "the case's team"},
    ("post", "/api/v1/mediation/cases/{number}/attachments"): {"who": "the parties and the team"},
    ("get", "/api/v1/mediation/cases/{number}/documents/{kind}.{fmt}"): {"who": "the parties and the team"},
    ("post", "/api/v1/mediation/cases/{number}/sign"): {"who": "the parties and the lead mediator"},
    ("get", "/api/v1/mediation/stats"): {"who": "staff of the unit", "perm": "mediation.view_case"},
    ("get", "/api/v1/mediation/heat"): {"who": "staff of the unit", "perm": "mediation.view_case"},
    # Public on purpose: valid / altered / unknown, the case number and the signers' initials.
    ("get", "/api/v1/mediation/public/verify"): {"public": True},
    ("post", "/api/v1/mediation/public/verify"): {"public": True},
}


def test_every_mediation_endpoint_is_in_the_matrix(db):
    from django.test import Client

    schema = Client().get("/api/openapi.json").json()
    found = {(m, p) for p, ops in schema["paths"].items() for m in ops if p.startswith("/api/v1/mediation/")}
    assert found == set(MEDIATION_MATRIX)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_sees_a_case_of_its_town_only_with_the_right(mediation, role):
    from zhili.org.models import User
    from zhili.org.roles import ROLE_PERMISSIONS

    number = apply_as(mediation)
    client = client_for(User.objects.get(username=f"{role}_a"))
    may = role == Role.SYSTEM_ADMIN or "mediation.view_case" in ROLE_PERMISSIONS[role]
    assert client.get(f"{API}/cases/{number}").status_code == (200 if may else 404)
    assert [c["number"] for c in client.get(f"{API}/cases").json()["items"]] == ([number] if may else [])
    # only the head of 拱北's committee (and the superuser) may accept it
    figures = client.get(f"{API}/stats", {"by": "town"})
    assert figures.status_code == (200 if may else 403)
    heat = client.get(f"{API}/heat")
    assert heat.status_code == (200 if may else 403)
    if may:  # one case, submitted, in 拱北街道; its hexagon is at 翠香社区's representative point
        assert (figures.json()["summary"]["total"], figures.json()["summary"]["open"]) == (1, 1)
        assert [(r["key"], r["label"], r["total"]) for r in figures.json()["rows"]] == [
            (OWN_TOWN, "拱北街道", 1)
        ]
        assert [f["properties"]["count"] for f in heat.json()["features"]] == [1]
    accept = post(client, f"{API}/cases/{number}/actions/accept")
    head = role in (Role.MEDIATOR, Role.SYSTEM_ADMIN)
    assert accept.status_code == (200 if head else 403 if may else 404), (role, accept.content)


def test_the_applicant_asks_for_a_mediator_the_head_sees_it(mediation):
    number = apply_as(mediation)
    alice, bob, head = (client_for(mediation[k]) for k in ("resident_own", "resident_other", "mediator"))
    offered = alice.get(f"{API}/cases/{number}/mediators").json()
    assert [(m["username"], m["name"], m["is_head"]) for m in offered] == [
        ("carol", "赵敏", False),
        ("mediator_a", "mediator_a", True),
    ]
    assert (
        post(bob, f"{API}/cases/{number}/prefer", {"mediator": "carol"}).status_code == 403
    )  # the respondent
    other = post(alice, f"{API}/cases/{number}/prefer", {"mediator": "dave"})
    assert other.status_code == 422 and other.json()["details"][0]["field"] == "mediator"
    assert (
        post(alice, f"{API}/cases/{number}/prefer", {"mediator": "carol"}).json()["preferred_mediator"]
        == "carol"
    )
    post(head, f"{API}/cases/{number}/actions/accept")
    page = head.get(f"/m/cases/{number}/").content.decode()  # the assign form offers her choice first
    assert '<option value="carol" selected>赵敏 （申请人选择）</option>' in page
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "carol"})
    late = post(alice, f"{API}/cases/{number}/prefer", {"mediator": "mediator_a"})
    assert late.status_code == 409


def test_the_team_keeps_tasks_and_schedules_sessions(mediation):
    number = apply_as(mediation)
    head, carol, alice = (client_for(mediation[k]) for k in ("mediator", "carol", "resident_own"))
    post(head, f"{API}/cases/{number}/actions/accept")
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "mediator_a", "co": ["carol"]})
    task = post(
        head,
        f"{API}/cases/{number}/tasks",
        {"title": "调取物业维修记录", "assignee": "carol", "due": "2026-12-03"},
    )
    assert task.status_code == 201 and task.json()["assignee"] == "carol"
    assert (
        post(head, f"{API}/cases/{number}/tasks", {"title": "x", "assignee": "dave"}).json()["details"][0][
            "field"
        ]
        == "assignee"
    )
    assert post(alice, f"{API}/cases/{number}/tasks", {"title": "x"}).status_code == 403  # a party
    assert alice.get(f"{API}/cases/{number}/tasks").status_code == 403
    done = post(carol, f"{API}/cases/{number}/tasks/{task.json()['id']}/done").json()
    assert done["done_at"] is not None
    assert post(carol, f"{API}/cases/{number}/tasks/999/done").status_code == 404
    when = "2026-12-05T09:30:00+08:00"
    assert (
        post(carol, f"{API}/cases/{number}/meetings", {"starts_at": when}).json()["details"][0]["field"]
        == "place"
    )
    bad = post(
        carol, f"{API}/cases/{number}/meetings", {"starts_at": when, "video_url": "javascript:alert(1)"}
    )
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "video_url"
    assert post(alice, f"{API}/cases/{number}/meetings", {"starts_at": when, "place": "x"}).status_code == 403
    ok = post(
        carol,
        f"{API}/cases/{number}/meetings",
        {"starts_at": when, "video_url": "https://meet.example.org/r/42"},
    )
    assert ok.status_code == 201
    actions = [s["action"] for s in head.get(f"{API}/cases/{number}").json()["steps"]]
    assert actions[-3:] == ["task", "task_done", "meeting"]
    page = alice.get(f"/m/cases/{number}/").content.decode()
    assert "https://meet.example.org/r/42" in page and "调取物业维修记录" not in page  # tasks are the team's


def test_an_idempotency_key_is_the_callers_own(mediation):
    """Bob sending alice's key gets a case of his own, not hers."""
    first = post(
        client_for(mediation["resident_own"]), f"{API}/cases", application(), HTTP_IDEMPOTENCY_KEY="same"
    )
    other = application(facts="鲍勃的另一件事", parties=[
        {"role": "applicant", "name": "李博", "phone": "13987654321"}, {"role": "respondent", "name": "某公司"}])  # fmt: skip
    second = post(client_for(mediation["resident_other"]), f"{API}/cases", other, HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None), ("post", "/actions/accept", {}), ("post", "/reassign", {"lead": "dave", "reason": "x"}),
        ("post", "/extend", {"days": 5, "reason": "x"}), ("get", "/messages", None), ("post", "/messages", {"body": "x"}),
        ("post", "/meetings", {"starts_at": "2026-12-05T09:30:00+08:00", "place": "x"}), ("get", "/tasks", None),
        ("post", "/tasks", {"title": "x"}), ("post", "/tasks/1/done", {}), ("get", "/mediators", None),
        ("post", "/prefer", {"mediator": "dave"}), ("get", "/documents/application.pdf", None),
        ("post", "/sign", {"document_sha256": "0" * 64}),
    ],
)  # fmt: skip
def test_another_towns_mediator_finds_no_such_case_at_any_address(mediation, method, path, body):
    """dave heads 井岸's committee: a case of 拱北 answers 404 at every case address, as if missing."""
    number = apply_as(mediation)
    dave = client_for(mediation["dave"])
    url = f"{API}/cases/{number}{path}"
    answer = dave.get(url) if method == "get" else post(dave, url, body)
    assert answer.status_code == 404, (path, answer.content)
    assert answer.json()["code"] == "not_found"


def test_another_towns_mediator_cannot_attach_to_a_case(mediation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    number = apply_as(mediation)
    answer = client_for(mediation["dave"]).post(
        f"{API}/cases/{number}/attachments", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7")}
    )
    assert answer.status_code == 404
