"""The permission matrix for /api/v1/hub/: events are town records (scoped by unit, and by
department for a data officer); deliveries and quality are department records."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, client_for
from tests.test_hub_ingest import burglary, post
from zhili.hub.models import Delivery, Event
from zhili.org.models import Department, User
from zhili.org.roles import ROLE_PERMISSIONS, Role

ROLES = [r.value for r in Role]

HUB_MATRIX = {
    ("post", "/api/v1/hub/events"): {"kind": "source_key"},
    ("get", "/api/v1/hub/event-types"): {"kind": "citywide", "perm": "hub.view_eventtype"},
    ("get", "/api/v1/hub/events"): {"kind": "list", "perm": "hub.view_event"},
    ("get", "/api/v1/hub/events/{event_id}"): {"kind": "town", "perm": "hub.view_event"},
    ("get", "/api/v1/hub/events/{event_id}/personal"): {
        "kind": "town",
        "perm": "hub.view_event",
        "need": "org.view_personal_data",
    },
    ("get", "/api/v1/hub/deliveries"): {"kind": "department_list", "perm": "hub.view_delivery"},
    ("get", "/api/v1/hub/deliveries/{delivery_id}"): {
        "kind": "department",
        "perm": "hub.view_delivery",
        "url": "/api/v1/hub/deliveries/{id}",
    },
    ("get", "/api/v1/hub/deliveries/{delivery_id}/errors.csv"): {
        "kind": "department",
        "perm": "hub.view_delivery",
        "url": "/api/v1/hub/deliveries/{id}/errors.csv",
    },
    ("get", "/api/v1/hub/quality"): {"kind": "department_list", "perm": "hub.view_delivery"},
    ("post", "/api/v1/hub/uploads"): {
        "kind": "upload",
        "perm": "hub.view_source",
        "need": "hub.submit_event",
    },
}


def may(role: str, perm: str) -> bool:
    return role == Role.SYSTEM_ADMIN or perm in ROLE_PERMISSIONS[role]


@pytest.fixture
def world(personas, hub):
    """Police events in the own and the other town; a fire delivery; the data officer works for the police."""
    User.objects.filter(username="data_officer_a").update(
        department=Department.objects.get(code="public_security")
    )
    post(hub["police_key"], [burglary("OWN"), burglary("OTHER", unit_code=OTHER_VILLAGE)])
    post(
        hub["fire_key"],
        [
            {
                "source_id": "F1",
                "type": "fire.fire",
                "occurred_at": "2026-10-01T10:00:00+08:00",
                "unit_code": OWN_VILLAGE,
            }
        ],
    )
    return {
        **personas,
        **hub,
        "own_event": Event.objects.get(source_event_id="OWN"),
        "other_event": Event.objects.get(source_event_id="OTHER"),
        "police_delivery": Delivery.objects.filter(source=hub["police"]).first(),
        "fire_delivery": Delivery.objects.get(source=hub["fire"]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_events_of_another_town_answer_like_missing(world, role):
    client = client_for(User.objects.get(username=f"{role}_a"))
    own = client.get(f"/api/v1/hub/events/{world['own_event'].pk}")
    other = client.get(f"/api/v1/hub/events/{world['other_event'].pk}")
    own_full = client.get(f"/api/v1/hub/events/{world['own_event'].pk}/personal")
    other_full = client.get(f"/api/v1/hub/events/{world['other_event'].pk}/personal")
    if may(role, "hub.view_event"):
        assert (own.status_code, other.status_code) == (200, 404)
        assert other_full.status_code == 404
        assert own_full.status_code == (200 if may(role, "org.view_personal_data") else 403)
        listed = client.get("/api/v1/hub/events").json()["items"]
        assert [e["source_id"] for e in listed if e["source"] == "ga_110"] == ["OWN"]
        fire_listed = [e for e in listed if e["source"] == "xf_119"]
        assert len(fire_listed) == (
            0 if role == Role.DATA_OFFICER else 1
        )  # a police data officer sees police data
    else:
        assert (own.status_code, other.status_code, own_full.status_code, other_full.status_code) == (
            403,
        ) * 4
        assert client.get("/api/v1/hub/events").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_deliveries_of_another_department_answer_like_missing_for_a_data_officer(world, role):
    client = client_for(User.objects.get(username=f"{role}_a"))
    police, fire = world["police_delivery"].pk, world["fire_delivery"].pk
    for url in (
        HUB_MATRIX[("get", "/api/v1/hub/deliveries/{delivery_id}")]["url"],
        HUB_MATRIX[("get", "/api/v1/hub/deliveries/{delivery_id}/errors.csv")]["url"],
    ):
        own, other = client.get(url.format(id=police)), client.get(url.format(id=fire))
        if not may(role, "hub.view_delivery"):
            assert (own.status_code, other.status_code) == (403, 403)
        elif role == Role.DATA_OFFICER:
            assert (own.status_code, other.status_code) == (200, 404)
        else:  # city-level reviewers of delivery quality see every department
            assert (own.status_code, other.status_code) == (200, 200)
    listed = client.get("/api/v1/hub/deliveries")
    quality = client.get("/api/v1/hub/quality")
    if not may(role, "hub.view_delivery"):
        assert (listed.status_code, quality.status_code) == (403, 403)
        return
    sources = {d["source"] for d in listed.json()["items"]}
    departments = {r["department_code"] for r in quality.json()}
    if role == Role.DATA_OFFICER:
        assert (sources, departments) == ({"ga_110"}, {"public_security"})
    else:
        assert sources == {"ga_110", "xf_119"} and len(departments) >= 16


@pytest.mark.parametrize("role", ROLES)
def test_uploads_go_only_to_the_own_departments_sources(world, role):
    client = client_for(User.objects.get(username=f"{role}_a"))
    text = (
        f"source_id,type,occurred_at,unit_code\nUP1,police.burglary,2026-10-01T08:00:00+08:00,{OWN_VILLAGE}\n"
    )

    def upload(source_code):
        return client.post(
            "/api/v1/hub/uploads",
            {"source": source_code, "mode": "partial", "file": SimpleUploadedFile("u.csv", text.encode())},
        )

    own, other = upload("ga_110"), upload("xf_119")
    if role == Role.DATA_OFFICER:
        assert (own.status_code, other.status_code) == (200, 404)
        assert own.json()["accepted"] == 1
    elif role == Role.SYSTEM_ADMIN:
        assert own.status_code == 200
    else:
        assert own.status_code == 403 and other.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue_follows_the_permission_and_people_cannot_post_events(world, role):
    client = client_for(User.objects.get(username=f"{role}_a"))
    response = client.get("/api/v1/hub/event-types")
    assert response.status_code == (200 if may(role, "hub.view_eventtype") else 403)
    # The batch endpoint takes a department system's key only, never a person's session.
    assert (
        client.post("/api/v1/hub/events", {"events": []}, content_type="application/json").status_code == 401
    )
