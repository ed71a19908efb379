"""For every API endpoint and every role: a user of one town cannot read or change another
town's records (404, exactly like a missing record), and can read their own; a role without the
right gets 403. A meta-test fails when an endpoint is added without a line here."""

import pytest
from django.test import Client

from tests.conftest import (
    OTHER_TOWN,
    OTHER_VILLAGE,
    OWN_TOWN,
    OWN_VILLAGE,
    POINT_OTHER,
    POINT_OWN,
    client_for,
)
from zhili.core.audit import record
from zhili.core.models import AuditAction
from zhili.org.models import ApiToken
from zhili.org.roles import ROLE_PERMISSIONS, Role

ROLES = [r.value for r in Role]


def may(role: str, perm: str) -> bool:
    return role == Role.SYSTEM_ADMIN or perm in ROLE_PERMISSIONS[role]


def detail(perm: str, method: str, own: str, other: str, body=None, need: str | None = None):
    """A record endpoint: own → 200, other town → 404; without `perm` both are 403.
    `need` is a second permission the own read also requires (e.g. personal data)."""
    return {
        "kind": "detail",
        "perm": perm,
        "method": method,
        "own": own,
        "other": other,
        "body": body,
        "need": need,
    }


def listing(perm: str, url: str, field: str):
    return {"kind": "list", "perm": perm, "url": url, "field": field}


# (method, OpenAPI path) → how to test it. Placeholders: {alice}, {bob} are users in the own/other town.
MATRIX = {
    ("get", "/api/v1/geo/units"): listing("geo.view_unit", "/api/v1/geo/units", "code"),
    ("get", "/api/v1/geo/units/{code}"): detail(
        "geo.view_unit", "get", f"/api/v1/geo/units/{OWN_VILLAGE}", f"/api/v1/geo/units/{OTHER_VILLAGE}"
    ),
    ("patch", "/api/v1/geo/units/{code}"): detail(
        "geo.change_unit",
        "patch",
        f"/api/v1/geo/units/{OWN_VILLAGE}",
        f"/api/v1/geo/units/{OTHER_VILLAGE}",
        body={"name_en": "Renamed"},
    ),
    ("put", "/api/v1/geo/units/{code}/populations/{year}"): detail(
        "geo.change_unit",
        "put",
        f"/api/v1/geo/units/{OWN_VILLAGE}/populations/2025",
        f"/api/v1/geo/units/{OTHER_VILLAGE}/populations/2025",
        body={"resident": 2222},
    ),
    ("get", "/api/v1/geo/units/{code}/boundary"): detail(
        "geo.view_unit",
        "get",
        f"/api/v1/geo/units/{OWN_VILLAGE}/boundary",
        f"/api/v1/geo/units/{OTHER_VILLAGE}/boundary",
    ),
    ("get", "/api/v1/geo/locate"): detail(
        "geo.view_unit",
        "get",
        f"/api/v1/geo/locate?lon={POINT_OWN[0]}&lat={POINT_OWN[1]}",
        f"/api/v1/geo/locate?lon={POINT_OTHER[0]}&lat={POINT_OTHER[1]}",
    ),
    ("get", "/api/v1/org/users"): listing("org.view_user", "/api/v1/org/users", "home_unit_code"),
    ("get", "/api/v1/org/users/{user_id}"): detail(
        "org.view_user", "get", "/api/v1/org/users/{alice}", "/api/v1/org/users/{bob}"
    ),
    ("patch", "/api/v1/org/users/{user_id}"): detail(
        "org.change_user",
        "patch",
        "/api/v1/org/users/{alice}",
        "/api/v1/org/users/{bob}",
        body={"display_name": "新名字"},
    ),
    ("get", "/api/v1/org/users/{user_id}/personal"): detail(
        "org.view_user",
        "get",
        "/api/v1/org/users/{alice}/personal",
        "/api/v1/org/users/{bob}/personal",
        need="org.view_personal_data",
    ),
    ("get", "/api/v1/org/audit"): listing("core.view_auditlog", "/api/v1/org/audit", "unit_code"),
    # City-wide reference data: the permission is the whole rule.
    ("get", "/api/v1/org/departments"): {
        "kind": "citywide",
        "perm": "org.view_department",
        "url": "/api/v1/org/departments",
    },
    # Your own things only: every role reads its own, never another user's.
    ("get", "/api/v1/org/me"): {"kind": "self"},
    ("get", "/api/v1/auth/tokens"): {"kind": "self"},
    ("post", "/api/v1/auth/tokens"): {"kind": "self"},
    ("delete", "/api/v1/auth/tokens/{token_id}"): {"kind": "self"},
    ("post", "/api/v1/auth/logout"): {"kind": "self"},
    # Public on purpose: no personal data (tested in test_api).
    ("get", "/api/v1/geo/map"): {"kind": "public"},
    ("post", "/api/v1/auth/login"): {"kind": "public"},
}


def test_every_endpoint_is_in_the_matrix(db):
    schema = Client().get("/api/openapi.json").json()
    endpoints = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    from tests.test_index_api import INDEX_MATRIX
    from tests.test_mediation_case import MEDIATION_MATRIX
    from tests.test_permission_matrix_hub import HUB_MATRIX

    assert endpoints == set(MATRIX) | set(HUB_MATRIX) | set(INDEX_MATRIX) | set(MEDIATION_MATRIX)


def _fill(url: str, people) -> str:
    return url.format(alice=people["resident_own"].pk, bob=people["resident_other"].pk)


def _call(client, method: str, url: str, body=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body or {}, content_type="application/json")


@pytest.fixture
def audit_trail(personas):
    record(actor=None, action=AuditAction.CHANGE, unit_code=OWN_VILLAGE, object_repr="own")
    record(actor=None, action=AuditAction.CHANGE, unit_code=OTHER_VILLAGE, object_repr="other")
    return personas


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "endpoint", sorted(k for k, v in MATRIX.items() if v["kind"] == "detail"), ids=lambda e: f"{e[0]} {e[1]}"
)
def test_records_of_another_town_answer_like_missing(audit_trail, role, endpoint):
    case = MATRIX[endpoint]
    people = audit_trail
    client = client_for(people[role])
    other = _call(client, case["method"], _fill(case["other"], people), case["body"])
    own = _call(client, case["method"], _fill(case["own"], people), case["body"])
    if may(role, case["perm"]):
        assert other.status_code == 404, other.content
        assert other.json()["code"] == "not_found"
        want = 200 if case["need"] is None or may(role, case["need"]) else 403
        assert own.status_code == want, own.content
    else:
        assert (own.status_code, other.status_code) == (403, 403)
        assert other.json()["code"] == "forbidden"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "endpoint", sorted(k for k, v in MATRIX.items() if v["kind"] == "list"), ids=lambda e: f"{e[0]} {e[1]}"
)
def test_lists_hold_only_the_own_town(audit_trail, role, endpoint):
    case = MATRIX[endpoint]
    client = client_for(audit_trail[role])
    response = client.get(case["url"], {"page_size": 1000})
    if not may(role, case["perm"]):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    values = [row[case["field"]] for row in response.json()["items"]]
    assert values, "the own town has rows"
    assert all(v and v.startswith(OWN_TOWN[:9]) for v in values), values
    assert not any(v.startswith(OTHER_TOWN[:9]) for v in values)


@pytest.mark.parametrize("role", ROLES)
def test_citywide_reference_data_follows_the_permission(personas, role):
    case = MATRIX[("get", "/api/v1/org/departments")]
    response = client_for(personas[role]).get(case["url"])
    assert response.status_code == (200 if may(role, case["perm"]) else 403)
    if response.status_code == 200:
        assert len(response.json()) >= 16


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_themselves_and_only_their_own_tokens(personas, role):
    me = personas[role]
    client = client_for(me)
    assert client.get("/api/v1/org/me").json()["username"] == me.username
    created = client.post("/api/v1/auth/tokens", {"name": "mine"}, content_type="application/json")
    assert created.status_code == 201
    other_token = ApiToken.objects.create(
        user=personas["resident_other"], name="bob's", prefix="zl_bobxx", digest="0" * 64
    )
    assert [t["name"] for t in client.get("/api/v1/auth/tokens").json()] == ["mine"]
    assert client.delete(f"/api/v1/auth/tokens/{other_token.pk}").status_code == 404
    assert ApiToken.objects.filter(pk=other_token.pk).exists()
    assert client.delete(f"/api/v1/auth/tokens/{created.json()['id']}").status_code == 204
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/org/me").status_code == 401
