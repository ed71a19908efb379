"""The API's behaviour for one role at a time: content, masking, audit, bad input."""

import json

import pytest

from tests.conftest import OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE, PASSWORD, POINT_OWN, client_for
from zhili.core.models import AuditAction, AuditLog
from zhili.geo.models import Population


def test_a_town_cadre_lists_only_their_town_and_below(personas):
    client = client_for(personas["town_cadre"])
    body = client.get("/api/v1/geo/units", {"page_size": 100}).json()
    assert sorted(u["code"] for u in body["items"]) == [
        "449902001000",
        "449902001001",
        "449902001001001",
        "449902001001002",
        "449902001002",
        "449902001002001",
    ]
    assert body["count"] == 6


def test_units_filter_by_level_and_report_latest_population(personas):
    client = client_for(personas["town_cadre"])
    body = client.get("/api/v1/geo/units", {"level": "village"}).json()
    assert [(u["code"], u["kind"], u["resident_population"], u["parent_code"]) for u in body["items"]] == [
        ("449902001001", "community", 2000, OWN_TOWN),
        ("449902001002", "community", 1500, OWN_TOWN),
    ]


def test_unit_detail_lists_populations_and_children(personas):
    body = client_for(personas["town_cadre"]).get(f"/api/v1/geo/units/{OWN_VILLAGE}").json()
    assert body["children_count"] == 2
    assert body["populations"] == [
        {"year": 2025, "resident": 2000, "registered": 1100, "floating": 900, "gdp": None, "vehicles": None}
    ]


def test_setting_a_population_twice_writes_one_row_and_one_audit_record(personas):
    client = client_for(personas["town_cadre"])
    url = f"/api/v1/geo/units/{OWN_VILLAGE}/populations/2026"
    payload = {"resident": 2100, "registered": 1150, "floating": 950}
    first = client.put(url, payload, content_type="application/json")
    again = client.put(url, payload, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert Population.objects.filter(unit__code=OWN_VILLAGE, year=2026).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_type="geo.population").count() == 1


def test_renaming_a_unit_is_audited_with_before_and_after(personas):
    client = client_for(personas["town_cadre"])
    response = client.patch(
        f"/api/v1/geo/units/{OWN_VILLAGE}", {"name": "翠香新社区"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "翠香新社区"
    entry = AuditLog.objects.get(action=AuditAction.CHANGE, object_type="geo.unit")
    assert entry.details == {"before": {"name": "翠香社区"}, "after": {"name": "翠香新社区"}}
    assert (entry.actor_username, entry.unit_code) == ("town_cadre_a", OWN_VILLAGE)


def test_locate_returns_the_chain_of_units(personas):
    body = (
        client_for(personas["town_cadre"])
        .get("/api/v1/geo/locate", {"lon": POINT_OWN[0], "lat": POINT_OWN[1]})
        .json()
    )
    assert [u["code"] for u in body["units"]] == ["449902001001001", OWN_VILLAGE, OWN_TOWN]


def test_lists_mask_personal_data_and_the_owner_sees_their_own(personas):
    body = client_for(personas["town_cadre"]).get("/api/v1/org/users", {"q": "alice"}).json()
    (alice,) = body["items"]
    assert (alice["phone"], alice["id_number"]) == ("138****5678", "4499**********123X")
    me = client_for(personas["resident_own"]).get("/api/v1/org/me").json()
    assert (me["phone"], me["id_number"]) == ("13812345678", "44990219900101123X")


def test_a_full_read_of_personal_data_is_audited(personas):
    alice = personas["resident_own"]
    response = client_for(personas["police_officer"]).get(f"/api/v1/org/users/{alice.pk}/personal")
    assert response.json() == {
        "id": alice.pk,
        "username": "alice",
        "phone": "13812345678",
        "id_number": "44990219900101123X",
    }
    entry = AuditLog.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (entry.actor_username, entry.object_id, entry.unit_code) == (
        "police_officer_a",
        str(alice.pk),
        OWN_VILLAGE,
    )


def test_a_role_without_the_right_cannot_read_personal_data_in_full(personas):
    alice = personas["resident_own"]
    response = client_for(personas["town_cadre"]).get(f"/api/v1/org/users/{alice.pk}/personal")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_the_audit_log_is_append_only_in_the_database(personas):
    from django.db import connection

    client_for(personas["police_officer"]).get(f"/api/v1/org/users/{personas['resident_own'].pk}/personal")
    entry = AuditLog.objects.get(action=AuditAction.VIEW_PERSONAL)
    with pytest.raises(RuntimeError):
        entry.save()
    from django.db import DatabaseError, transaction

    for sql in ("UPDATE org_auditlog SET action = 'x'", "DELETE FROM org_auditlog"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditLog.objects.get(pk=entry.pk).action == AuditAction.VIEW_PERSONAL


# --- errors ---------------------------------------------------------------------------------
def test_malformed_json_gets_400_with_the_error_body(personas):
    response = client_for(personas["town_cadre"]).patch(
        f"/api/v1/geo/units/{OWN_VILLAGE}", "{name:", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "invalid_json"


def test_wrong_types_name_the_field(personas):
    response = client_for(personas["town_cadre"]).put(
        f"/api/v1/geo/units/{OWN_VILLAGE}/populations/2025",
        {"resident": "many"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "resident"


def test_an_unknown_unit_code_is_404_with_the_error_body(personas):
    response = client_for(personas["town_cadre"]).get("/api/v1/geo/units/449902001999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"], "details": []}


def test_an_unknown_unit_code_in_a_change_is_refused_by_name(personas):
    alice = personas["resident_own"]
    response = client_for(personas["town_cadre"]).patch(
        f"/api/v1/org/users/{alice.pk}", {"home_unit_code": "449902001999"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "home_unit_code", "reason": response.json()["details"][0]["reason"]}
    ]
    assert response.json()["code"] == "unknown_unit"


def test_a_filter_out_of_range_is_422(personas):
    response = client_for(personas["town_cadre"]).get("/api/v1/geo/units", {"level": "planet"})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "level"


def test_an_unknown_api_path_is_json_not_html(personas):
    response = client_for(personas["town_cadre"]).get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_no_credentials_is_401_with_the_error_body(db):
    from django.test import Client

    response = Client().get("/api/v1/geo/units")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_year_out_of_range_is_refused(personas):
    response = client_for(personas["town_cadre"]).put(
        f"/api/v1/geo/units/{OWN_VILLAGE}/populations/1800", {"resident": 1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "year"


# --- auth -----------------------------------------------------------------------------------
def test_login_sets_a_session_and_tokens_work_without_it(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/login",
        {"username": "town_cadre_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["role"] == "town_cadre"
    csrf = client.cookies["csrftoken"].value
    created = client.post(
        "/api/v1/auth/tokens", {"name": "script"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("zl_") and created.json()["prefix"] == key[:8]
    bare = Client()
    listed = bare.get("/api/v1/geo/units", {"level": "town"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [u["code"] for u in listed.json()["items"]] == [OWN_TOWN]
    assert bare.get("/api/v1/geo/units", HTTP_AUTHORIZATION="Bearer zl_wrong").status_code == 401


def test_a_session_write_without_csrf_is_refused(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.post(
        "/api/v1/auth/login",
        {"username": "town_cadre_a", "password": PASSWORD},
        content_type="application/json",
    )
    response = client.patch(
        f"/api/v1/geo/units/{OWN_VILLAGE}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details"}
    assert response.json()["code"] == "csrf_failed"


def test_repeated_wrong_passwords_lock_the_account_and_are_audited(personas, settings):
    from django.test import Client

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = client.post(
            "/api/v1/auth/login",
            {"username": "town_cadre_a", "password": "wrong-password"},
            content_type="application/json",
        )
        assert r.status_code in (401, 429)
    locked = client.post(
        "/api/v1/auth/login",
        {"username": "town_cadre_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert (
        AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor_username="town_cadre_a").count() >= 4
    )
    assert AuditLog.objects.filter(action=AuditAction.LOCKED_OUT, actor_username="town_cadre_a").count() >= 1
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN, actor_username="town_cadre_a").exists()


def test_the_public_map_needs_no_login_and_carries_no_personal_fields(city):
    from django.test import Client

    body = Client().get("/api/v1/geo/map").json()
    assert body["parent"]["code"] == "449900000000"
    assert [f["properties"]["code"] for f in body["features"]] == ["449902000000", "449903000000"]
    town = Client().get("/api/v1/geo/map", {"parent": OWN_TOWN}).json()
    assert [(f["properties"]["code"], f["properties"]["resident_population"]) for f in town["features"]] == [
        (OWN_VILLAGE, 2000),
        ("449902001002", 1500),
    ]
    assert [p["code"] for p in town["path"]] == ["449900000000", "449902000000", OWN_TOWN]
    text = json.dumps(body) + json.dumps(town)
    for field in ("phone", "id_number", "username", "display_name"):
        assert field not in text


def test_openapi_docs_are_served(db):
    from django.test import Client

    schema = Client().get("/api/openapi.json").json()
    assert "/api/v1/geo/units" in schema["paths"]
    docs = Client().get("/api/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.content.decode() and "/static/ninja/swagger-ui-bundle" in docs.content.decode()


def test_a_page_may_hold_up_to_a_thousand_rows(personas, city):
    from zhili.geo.models import Kind, Unit

    town = city[OWN_TOWN]
    Unit.objects.bulk_create(
        [
            Unit(code=f"449902001{i:03d}", name=f"测试社区{i}", kind=Kind.COMMUNITY, level=4, parent=town)
            for i in range(3, 150)
        ]
    )
    body = (
        client_for(personas["town_cadre"])
        .get("/api/v1/geo/units", {"level": "village", "page_size": 1000})
        .json()
    )
    assert (body["count"], len(body["items"])) == (149, 149)
    capped = client_for(personas["town_cadre"]).get("/api/v1/geo/units", {"page_size": 5000}).json()
    assert len(capped["items"]) == capped["count"] == 153


def test_other_village_is_invisible_to_a_town_cadre(personas):
    assert client_for(personas["town_cadre"]).get(f"/api/v1/geo/units/{OTHER_VILLAGE}").status_code == 404
