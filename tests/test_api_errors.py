"""The three kinds of request a fuzzer turned into 500s, each closed at its root (the API's error
handlers, the shared pagination class, the PATCH schema): now a 4xx in the error body, naming
what is wrong, at every endpoint where they were found. And a refusal is logged as one line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from tests.conftest import OWN_TOWN, client_for
from zhili.geo.models import Unit
from zhili.org.models import User

ERROR_KEYS = {"code", "message", "details"}


# --- a multipart body without its boundary ---------------------------------------------------
@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/api/v1/mediation/public/verify", None),
        ("/api/v1/hub/uploads", "data_officer"),
        ("/api/v1/mediation/cases/TJ2026000001/attachments", "mediator"),
    ],
)
def test_a_multipart_body_without_a_boundary_is_refused_naming_the_header(personas, path, who):
    client = client_for(personas[who]) if who else Client()
    response = client.post(path, data=b"--x\r\n\r\nabc", content_type="multipart/form-data")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid_multipart"
    assert body["details"][0]["field"] == "Content-Type"
    assert "boundary" in body["details"][0]["reason"]


def test_a_login_sent_as_multipart_without_a_boundary_is_refused_naming_the_header(personas):
    """The login body parses as JSON whatever the header says; the lockout's record of the failure
    then read the form, which is where the 500 came from."""
    body = json.dumps({"username": "town_cadre_a", "password": "wrong-password-1"}).encode()
    response = Client().post("/api/v1/auth/login", data=body, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_multipart"


# --- a page number beyond 64 bits ------------------------------------------------------------
PAGED = [
    "/api/v1/index/alerts",
    "/api/v1/geo/units",
    "/api/v1/org/users",
    "/api/v1/hub/events",
    "/api/v1/index/runs",
]
LARGEST_PAGE = (2**63 - 1) // 1000  # the row offset of its last row still fits a signed 64-bit integer


@pytest.mark.parametrize("path", PAGED)
def test_a_page_number_beyond_64_bits_is_refused_naming_the_page(personas, path):
    response = client_for(personas["system_admin"]).get(path, {"page": "99999999999999999999"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["details"][0]["field"], body["details"][0]["in"]) == ("page", "query")


@pytest.mark.parametrize("path", PAGED)
def test_the_largest_page_number_is_answered_with_an_empty_page(personas, path):
    client = client_for(personas["system_admin"])
    response = client.get(path, {"page": LARGEST_PAGE, "page_size": 1000})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert client.get(path, {"page": LARGEST_PAGE + 1}).status_code == 422


# --- an explicit null in a PATCH -------------------------------------------------------------
@pytest.mark.parametrize("field", ["name", "name_en"])
def test_a_null_in_a_unit_patch_is_refused_naming_the_field(personas, field):
    response = client_for(personas["town_cadre"]).patch(
        f"/api/v1/geo/units/{OWN_TOWN}", json.dumps({field: None}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["details"] == [{"field": field, "in": "body", "reason": "可以不填，但不能为 null"}]
    assert Unit.objects.get(code=OWN_TOWN).name == "拱北街道"


@pytest.mark.parametrize("field", ["display_name", "phone", "home_unit_code", "is_active"])
def test_a_null_in_a_user_patch_is_refused_naming_the_field(personas, field):
    alice = personas["resident_own"]
    response = client_for(personas["system_admin"]).patch(
        f"/api/v1/org/users/{alice.pk}", json.dumps({field: None}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == field
    alice = User.objects.get(pk=alice.pk)
    assert (alice.display_name, alice.phone, alice.is_active) == ("王爱丽", "13812345678", True)


def test_leaving_a_field_out_of_a_patch_still_leaves_it_unchanged(personas):
    response = client_for(personas["town_cadre"]).patch(
        f"/api/v1/geo/units/{OWN_TOWN}", json.dumps({"name_en": "Gongbei"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["name_en"]) == ("拱北街道", "Gongbei")


def test_the_document_says_a_patch_field_is_a_string_not_null(db):
    from zhili.config.api import api

    shapes = api.get_openapi_schema()["components"]["schemas"]
    assert shapes["UnitPatch"]["properties"]["name"] == {
        "maxLength": 100,
        "minLength": 1,
        "title": "Name",
        "type": "string",
    }
    assert shapes["UnitPatch"]["additionalProperties"] is False


# --- a session without a login, and a login without its CSRF token ---------------------------
def test_an_anonymous_write_is_told_to_log_in_not_that_a_csrf_token_is_missing(db):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/auth/tokens", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- a method a path does not take ----------------------------------------------------------
def test_a_method_a_path_does_not_take_is_405_in_the_error_body(db):
    response = Client().put("/api/v1/geo/units", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "此处不接受 PUT 请求；可用：GET",
        "details": [],
    }


# --- logging ---------------------------------------------------------------------------------
@pytest.fixture
def log_lines():
    """What the configured console handler prints (settings.LOGGING), as lines."""
    handler = logging.getLogger("django").handlers[0]
    stream = io.StringIO()
    # Swapped without Handler.setStream, which flushes the old stream first: under pytest's
    # capture that is a file pytest may already have closed.
    with handler.lock:
        previous, handler.stream = handler.stream, stream
    yield lambda: stream.getvalue().splitlines()
    with handler.lock:
        handler.stream = previous


def test_a_403_on_a_page_is_logged_as_one_line_without_a_traceback(personas, log_lines):
    response = client_for(personas["citizen"]).get("/dash/")
    assert response.status_code == 403
    assert log_lines() == ["Forbidden (Permission denied): /dash/"]


def test_a_403_in_the_api_is_logged_as_one_line(personas, log_lines):
    response = client_for(personas["citizen"]).get("/api/v1/org/audit")
    assert response.status_code == 403
    assert log_lines() == ["Forbidden: /api/v1/org/audit"]


def test_a_5xx_keeps_its_traceback(log_lines):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", "/api/v1/x", exc_info=True, extra={"status_code": 500}
        )
    lines = log_lines()
    assert lines[0] == "Internal Server Error: /api/v1/x"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: boom"


# --- the NUL character -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body", "field", "place"),
    [
        ("get", "/api/v1/geo/units?q=a%00b", None, "q", "query"),
        ("get", "/api/v1/org/users?q=%00", None, "q", "query"),
        ("get", "/api/v1/hub/events?type=a%00b", None, "type", "query"),
        ("get", "/api/v1/geo/units/4499%0002001000", None, "path", "path"),
        ("patch", f"/api/v1/geo/units/{OWN_TOWN}", {"name": "拱北\u0000街道"}, "name", "body"),
        ("post", "/api/v1/auth/tokens", {"name": "a\u0000"}, "name", "body"),
        (
            "post",
            "/api/v1/mediation/cases",
            {"parties": [{"name": "x"}, {"name": "王\u0000"}]},
            "parties.1.name",
            "body",
        ),
    ],
)
def test_a_nul_character_anywhere_is_refused_naming_where(personas, method, path, body, field, place):
    """PostgreSQL can neither store nor compare text holding U+0000: these were 500s there."""
    client = client_for(personas["town_cadre"])
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 422
    assert response.json()["details"] == [{"field": field, "in": place, "reason": "含有 U+0000"}]
    assert Unit.objects.get(code=OWN_TOWN).name == "拱北街道"


def test_a_nul_in_a_form_field_of_an_upload_is_refused(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("events.csv", b"source_id,type\n1,police.burglary\n", "text/csv")
    response = client_for(personas["data_officer"]).post(
        "/api/v1/hub/uploads", {"file": upload, "source": "ga_\x00110"}
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "source"


def test_text_that_merely_spells_the_escape_is_taken(personas):
    response = client_for(personas["town_cadre"]).patch(
        f"/api/v1/geo/units/{OWN_TOWN}",
        json.dumps({"name_en": "Gongbei \\u0000"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["name_en"] == "Gongbei \\u0000"


def test_a_nul_in_one_item_of_a_hub_batch_rejects_that_item_alone(hub):
    """The hub answers each item of a delivery: the NUL check at the door leaves its batches alone."""
    items = [
        {"source_id": "OK1", "type": "police.burglary", "occurred_at": "2026-10-01T08:30:00+08:00",
         "unit_code": "449902001001", "fields": {"category": "day"}},
        {"source_id": "BAD\u0000", "type": "police.burglary", "occurred_at": "2026-10-01T08:30:00+08:00",
         "unit_code": "449902001001", "fields": {"category": "day"}},
    ]  # fmt: skip
    response = Client().post(
        "/api/v1/hub/events",
        json.dumps({"events": items}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hub['police_key']}",
    )
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["accepted", "rejected"]


# --- a number beyond its column ----------------------------------------------------------------
def test_a_population_beyond_its_column_is_refused_by_field(personas):
    response = client_for(personas["system_admin"]).put(
        f"/api/v1/geo/units/{OWN_TOWN}/populations/2025",
        json.dumps({"resident": 2**31}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "resident"


def test_an_agreed_amount_beyond_its_column_is_refused_by_field(mediation):
    """It was stored as is on SQLite and a 500 on PostgreSQL (numeric field overflow)."""
    from tests.mediation_fixtures import API, apply_as, post

    number = apply_as(mediation)
    head = client_for(mediation["mediator"])
    post(head, f"{API}/cases/{number}/actions/accept", {"reason": "符合受理条件"})
    post(head, f"{API}/cases/{number}/actions/assign", {"lead": "mediator_a"})
    assert post(head, f"{API}/cases/{number}/actions/start").json()["state"] == "in_mediation"
    response = post(
        head, f"{API}/cases/{number}/actions/agree", {"terms": ["赔偿"], "agreed_amount": "100000000000000"}
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "agreed_amount"
    assert head.get(f"{API}/cases/{number}").json()["state"] == "in_mediation"


def test_a_nul_in_json_too_deep_to_read_is_left_to_the_api_to_refuse(personas):
    body = "[" * 100_000 + '"\\u0000"' + "]" * 100_000
    response = client_for(personas["town_cadre"]).post(
        "/api/v1/auth/tokens", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"
