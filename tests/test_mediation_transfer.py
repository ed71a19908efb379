"""A case routed to the wrong institution is sent on (casework kernel transfers): the head of
拱北街道's committee sends a new case to 井岸街道's, whose head (dave) sees it and takes it or
refuses it with the reason; the history stays on the case."""

from __future__ import annotations

from tests.conftest import client_for
from tests.mediation_fixtures import API, apply_as, post


def test_a_case_is_sent_on_taken_and_kept_on_record(mediation):
    number = apply_as(mediation)
    head, dave, carol = (client_for(mediation[k]) for k in ("mediator", "dave", "carol"))
    assert dave.get(f"{API}/cases/{number}").status_code == 404  # not his yet
    # another town's head can neither send it nor answer for it: out of scope is missing
    assert post(dave, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": "x"}).status_code == 404
    assert post(dave, f"{API}/cases/{number}/transfers/answer", {"accept": True}).status_code == 404
    refused = post(carol, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": "在井岸"})
    assert refused.status_code == 403  # only a head sends a case on
    unknown = post(head, f"{API}/cases/{number}/transfers", {"to": "nowhere", "reason": "在井岸"})
    assert unknown.status_code == 422 and unknown.json()["details"][0]["field"] == "to"
    no_reason = post(head, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["details"][0]["field"] == "reason"
    asked = post(head, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": "纠纷发生地在井岸街道"})
    assert asked.status_code == 200 and asked.json()["institution"] == "拱北街道人民调解委员会"
    again = post(head, f"{API}/cases/{number}/transfers", {"to": "hc-ldzy", "reason": "再试"})
    assert again.status_code == 409
    # dave now sees the case, and only he answers
    assert dave.get(f"{API}/cases/{number}").status_code == 200
    assert post(head, f"{API}/cases/{number}/transfers/answer", {"accept": True}).status_code == 403
    taken = post(dave, f"{API}/cases/{number}/transfers/answer", {"accept": True})
    assert taken.status_code == 200 and taken.json()["institution"] == "井岸街道人民调解委员会"
    assert (
        post(dave, f"{API}/cases/{number}/transfers/answer", {"accept": False, "reason": "x"}).status_code
        == 409
    )
    from zhili.mediation.models import Case

    case = Case.objects.get(number=number)
    assert case.routed_by == "transfer:gb-rmtw"
    assert [(t.from_org, t.to_org, t.answer, t.answered_by) for t in case.transfers.all()] == [
        ("gb-rmtw", "ja-rmtw", "accepted", "dave")
    ]
    assert [s.action for s in case.steps.all()] == ["submit", "transfer_ask", "transfer_accept"]


def test_a_refused_transfer_needs_a_reason_and_leaves_the_case(mediation):
    number = apply_as(mediation)
    head, dave = client_for(mediation["mediator"]), client_for(mediation["dave"])
    post(head, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": "纠纷发生地在井岸街道"})
    bare = post(dave, f"{API}/cases/{number}/transfers/answer", {"accept": False})
    assert bare.status_code == 422 and bare.json()["details"][0]["field"] == "reason"
    refused = post(
        dave, f"{API}/cases/{number}/transfers/answer", {"accept": False, "reason": "发生地在拱北"}
    )
    assert refused.status_code == 200 and refused.json()["institution"] == "拱北街道人民调解委员会"
    assert dave.get(f"{API}/cases/{number}").status_code == 404  # answered: no longer his to see
    accepted = post(head, f"{API}/cases/{number}/actions/accept", {"reason": "由本会受理"})
    assert accepted.status_code == 200, accepted.content
    assert post(head, f"{API}/cases/{number}/transfers", {"to": "ja-rmtw", "reason": "x"}).status_code == 200


def test_the_case_page_offers_the_transfer_and_its_answer(mediation):
    number = apply_as(mediation)
    head, dave = client_for(mediation["mediator"]), client_for(mediation["dave"])
    page = head.get(f"/m/cases/{number}/").content.decode()
    assert "发送到其他调解组织" in page and 'value="ja-rmtw"' in page and 'value="gb-rmtw"' not in page
    sent = head.post(f"/m/cases/{number}/transfer/", {"to": "ja-rmtw", "reason": "纠纷发生地在井岸街道"})
    assert sent.status_code == 302
    assert "等待对方答复" in head.get(f"/m/cases/{number}/").content.decode()
    offered = dave.get(f"/m/cases/{number}/").content.decode()
    assert "拱北街道人民调解委员会将本案件移交给你们：“纠纷发生地在井岸街道”" in offered
    taken = dave.post(f"/m/cases/{number}/transfer/answer/", {"accept": "1"})
    assert taken.status_code == 302 and taken["Location"] == f"/m/cases/{number}/"
    from zhili.mediation.models import Case

    assert Case.objects.get(number=number).institution.code == "ja-rmtw"


def test_a_case_no_rule_routes_waits_at_the_intake_desk_which_is_told(mediation, settings, tmp_path):
    from zhili.mediation.models import Case, RoutingRule
    from zhili.org.models import User

    settings.DATA_DIR = tmp_path
    RoutingRule.objects.all().delete()
    User.objects.filter(pk=mediation["mediator"].pk).update(phone="13500000001")
    number = apply_as(mediation)
    case = Case.objects.get(number=number)
    assert case.institution is None
    assert [s.action for s in case.steps.all()] == ["submit", "unrouted"]
    texts = (tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [t.split(" ", 3)[2:] for t in texts] == [
        ["13500000001", f"案件 {number} 不符合任何分派规则，留在受理窗口待处理。"]
    ]
