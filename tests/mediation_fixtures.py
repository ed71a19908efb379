"""Fixtures of the mediation tests (a pytest plugin, see conftest): 拱北街道's people's mediation
committee headed by mediator_a with carol, 井岸街道's headed by dave, 海澄区's labour dispute
centre, and two routing rules (wage claims of 100,000 yuan or more → the labour centre; anything
else → the people's committee of the place)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import OTHER_TOWN, OWN_TOWN, OWN_VILLAGE, client_for, make_user
from zhili.org.roles import Role

DISTRICT = "449902000000"  # 海澄区, above OWN_TOWN
API = "/api/v1/mediation"


@pytest.fixture
def mediation(personas):
    from zhili.geo.models import Unit
    from zhili.hub.catalogue import load_catalogue
    from zhili.mediation.models import Institution, Mediator, RoutingRule

    load_catalogue()
    units = {u.code: u for u in Unit.objects.all()}
    gongbei = Institution.objects.create(
        code="gb-rmtw", name="拱北街道人民调解委员会", kind="peoples", unit=units[OWN_TOWN]
    )
    jingan = Institution.objects.create(
        code="ja-rmtw", name="井岸街道人民调解委员会", kind="peoples", unit=units[OTHER_TOWN]
    )
    labour = Institution.objects.create(
        code="hc-ldzy", name="海澄区劳动争议调解中心", kind="labour", unit=units[DISTRICT]
    )
    head = personas["mediator"]
    carol = make_user("carol", Role.MEDIATOR, OWN_TOWN, display_name="赵敏")
    other = make_user("dave", Role.MEDIATOR, OTHER_TOWN, display_name="周杰")
    Mediator.objects.create(user=head, institution=gongbei, is_head=True, specialties=["neighbour"])
    Mediator.objects.create(user=carol, institution=gongbei)
    Mediator.objects.create(user=other, institution=jingan, is_head=True)
    RoutingRule.objects.create(priority=10, name="大额欠薪 → 劳动争议调解", dispute_types=["labour"],
                               min_amount=Decimal("100000"), institution_kind="labour")  # fmt: skip
    RoutingRule.objects.create(priority=100, name="其他 → 属地人民调解委员会", institution_kind="peoples")
    return {**personas, "gongbei": gongbei, "jingan": jingan, "labour": labour, "carol": carol, "dave": other}


def application(**extra) -> dict:
    body = {
        "dispute_type": "neighbour",
        "amount": "3000.00",
        "unit_code": OWN_VILLAGE,
        "facts": "楼上住户装修漏水，浸坏楼下天花板和衣柜，协商未果。",
        "claims": "请求楼上住户赔偿维修费用3000元。",
        "parties": [
            {"role": "applicant", "name": "王爱丽", "gender": "女", "id_number": "449902199001011231", "phone": "13812345678"},
            {"role": "respondent", "name": "李博", "gender": "男", "id_number": "449903198502024569", "phone": "13987654321"},
        ],
    }  # fmt: skip
    return {**body, **extra}


def post(client, url: str, body: dict | None = None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


def apply_as(mediation, who: str = "resident_own", **extra) -> str:
    response = post(client_for(mediation[who]), f"{API}/cases", application(**extra))
    assert response.status_code == 201, response.content
    return response.json()["number"]
