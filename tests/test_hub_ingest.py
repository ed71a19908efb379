"""Ingestion through the batch API: idempotent, versioned, retractable, per-item results."""

from datetime import date

import pytest
from django.test import Client

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, POINT_OTHER
from zhili.core.models import AuditLog
from zhili.hub.models import Delivery, Event, LakeDay, Rejection


def post(key: str, events: list[dict], mode: str = "partial"):
    return Client().post(
        f"/api/v1/hub/events?mode={mode}",
        {"events": events},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def burglary(sid: str, **over) -> dict:
    item = {
        "source_id": sid,
        "type": "police.burglary",
        "occurred_at": "2026-10-01T08:30:00+08:00",
        "unit_code": OWN_VILLAGE,
        "fields": {"category": "night"},
    }
    item.update(over)
    return item


def test_a_batch_is_accepted_and_placed_by_code_or_point(hub):
    body = post(
        hub["police_key"],
        [
            burglary("A1"),
            burglary("A2", unit_code=None, lon=POINT_OTHER[0], lat=POINT_OTHER[1]),
        ],
    ).json()
    # 1 October, received on the day of the run (later than 06:00 on 2 October): late.
    assert body["counts"] == {
        "received": 2,
        "accepted": 2,
        "duplicate": 0,
        "corrected": 0,
        "retracted": 0,
        "rejected": 0,
        "late": 2,
    }
    assert [(r["index"], r["source_id"], r["outcome"], r["version"]) for r in body["results"]] == [
        (0, "A1", "accepted", 1),
        (1, "A2", "accepted", 1),
    ]
    events = dict(Event.objects.values_list("source_event_id", "unit_code"))
    assert events == {"A1": OWN_VILLAGE, "A2": "449903001001001"}  # a point lands in its grid
    a1 = Event.objects.get(source_event_id="A1")
    assert (a1.occurred_date, a1.category, a1.quantity, a1.fields) == (
        date(2026, 10, 1),
        "night",
        1,
        {"category": "night"},
    )
    assert a1.occurred_at.isoformat() == "2026-10-01T00:30:00+00:00"
    assert events["A2"].startswith(OTHER_VILLAGE)


def test_a_retried_batch_writes_nothing_twice(hub):
    batch = [burglary(f"R{i}") for i in range(50)]
    first = post(hub["police_key"], batch).json()
    again = post(hub["police_key"], batch).json()
    assert first["counts"]["accepted"] == 50
    assert (again["counts"]["accepted"], again["counts"]["duplicate"]) == (0, 50)
    assert Event.objects.count() == 50
    assert {r["event_id"] for r in again["results"]} == set(Event.objects.values_list("id", flat=True))


def test_a_changed_payload_is_a_correction_that_keeps_the_old_version(hub):
    post(hub["police_key"], [burglary("C1")])
    body = post(hub["police_key"], [burglary("C1", fields={"category": "day"})]).json()
    assert [(r["outcome"], r["version"]) for r in body["results"]] == [("corrected", 2)]
    versions = list(
        Event.objects.filter(source_event_id="C1")
        .order_by("version")
        .values_list("version", "is_current", "category")
    )
    assert versions == [(1, False, "night"), (2, True, "day")]
    assert Event.objects.current().get(source_event_id="C1").category == "day"


def test_the_same_id_twice_in_one_batch_keeps_both_versions(hub):
    body = post(hub["police_key"], [burglary("D1"), burglary("D1", fields={"category": "day"})]).json()
    assert [(r["outcome"], r["version"]) for r in body["results"]] == [("accepted", 1), ("corrected", 2)]
    assert list(
        Event.objects.filter(source_event_id="D1").order_by("version").values_list("version", "is_current")
    ) == [(1, False), (2, True)]


def test_a_retraction_hides_the_event_and_is_idempotent(hub):
    post(hub["police_key"], [burglary("X1"), burglary("X2")])
    body = post(
        hub["police_key"],
        [
            {"source_id": "X1", "retract": True},
            {"source_id": "X1", "retract": True},
            {"source_id": "NOPE", "retract": True},
        ],
    ).json()
    assert [r["outcome"] for r in body["results"]] == ["retracted", "duplicate", "rejected"]
    assert body["results"][2]["reason"] == "unknown_event"
    assert list(Event.objects.current().values_list("source_event_id", flat=True)) == ["X2"]
    assert Event.objects.filter(source_event_id="X1", retracted=True).count() == 1


def test_a_department_key_cannot_deliver_another_departments_types(hub):
    fire = {
        "source_id": "F2",
        "type": "fire.fire",
        "occurred_at": "2026-10-01T10:00:00+08:00",
        "unit_code": OWN_VILLAGE,
        "fields": {"deaths": 1},
    }
    response = post(hub["fire_key"], [fire, burglary("F1")])
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden"
    assert body["details"] == [
        {
            "index": 1,
            "source_id": "F1",
            "field": "type",
            "reason": "type_not_allowed",
            "type": "police.burglary",
        }
    ]
    assert Event.objects.count() == 0
    assert AuditLog.objects.get(action="denied").actor_username == "source:xf_119"
    assert post(hub["fire_key"], [fire]).json()["counts"]["accepted"] == 1


def test_a_wrong_key_is_401(hub):
    response = Client().post(
        "/api/v1/hub/events",
        {"events": []},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer zs_not_a_key",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("item", "field", "reason"),
    [
        ({"type": "police.nothing"}, "type", "unknown_type"),
        ({"occurred_at": "2026-10-01 08:30"}, "occurred_at", "no_timezone"),
        ({"occurred_at": "yesterday"}, "occurred_at", "bad_timestamp"),
        ({"occurred_at": "45231.5"}, "occurred_at", "bad_timestamp"),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at", "in_future"),
        ({"occurred_at": "1990-01-01T00:00:00+08:00"}, "occurred_at", "too_old"),
        ({"unit_code": "449999999999"}, "unit_code", "unknown_unit"),
        ({"unit_code": None, "lon": 100.0, "lat": 30.0}, "lon,lat", "outside_city"),
        ({"unit_code": None}, "unit_code", "no_location"),
        ({"unit_code": None, "lon": "east", "lat": 22.1}, "lon", "bad_value"),
        ({"fields": {"category": "noon"}}, "fields.category", "bad_value"),
        ({"fields": {"colour": "red"}}, "fields.colour", "unknown_field"),
        ({"source_id": ""}, "source_id", "missing_field"),
    ],
)
def test_each_bad_item_is_rejected_with_field_and_reason(hub, item, field, reason):
    body = post(hub["police_key"], [burglary("OK1"), burglary("B1", **item)]).json()
    assert [r["outcome"] for r in body["results"]] == ["accepted", "rejected"]
    bad = body["results"][1]
    assert (bad["field"], bad["reason"]) == (field, reason)
    assert bad["message"]
    assert Rejection.objects.get().reason == reason


def test_a_required_field_and_bounds_are_checked(hub):
    homicide = {
        "source_id": "H1",
        "type": "police.homicide",
        "occurred_at": "2026-10-01T01:00:00+08:00",
        "unit_code": OWN_VILLAGE,
    }
    body = post(
        hub["police_key"],
        [
            homicide,
            {**homicide, "source_id": "H2", "fields": {"deaths": -1}},
            {**homicide, "source_id": "H3", "fields": {"deaths": "2"}},
        ],
    ).json()
    assert [(r["outcome"], r["field"], r["reason"]) for r in body["results"]] == [
        ("rejected", "fields.deaths", "missing_field"),
        ("rejected", "fields.deaths", "bad_value"),
        ("accepted", "", ""),
    ]
    assert Event.objects.get(source_event_id="H3").deaths == 2


def test_an_atomic_batch_with_one_bad_item_writes_nothing(hub):
    body = post(
        hub["police_key"], [burglary("T1"), burglary("T2", unit_code="449999999999")], mode="atomic"
    ).json()
    assert body["status"] == "rejected"
    assert body["counts"]["rejected"] == 2 and body["counts"]["accepted"] == 0
    assert Event.objects.count() == 0
    assert not LakeDay.objects.exists()
    assert Delivery.objects.get().status == "rejected"


def test_more_than_ten_thousand_events_is_refused_whole(hub):
    response = post(hub["police_key"], [burglary(f"M{i}") for i in range(10_001)])
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert Event.objects.count() == 0


def test_malformed_batches_get_the_error_body(hub):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {hub['police_key']}"}
    assert (
        client.post("/api/v1/hub/events", "{oops", content_type="application/json", **auth).status_code == 400
    )
    wrong = client.post("/api/v1/hub/events", {"events": "many"}, content_type="application/json", **auth)
    assert wrong.status_code == 422 and wrong.json()["details"][0]["field"] == "events"
    item = client.post("/api/v1/hub/events", {"events": [42]}, content_type="application/json", **auth)
    assert item.status_code == 422


def test_late_events_are_flagged_against_the_cutoff(hub, settings):
    body = post(hub["police_key"], [burglary("L1", occurred_at="2026-01-05T10:00:00+08:00")]).json()
    assert body["counts"]["late"] == 1
    assert Event.objects.get(source_event_id="L1").late is True


def test_touched_days_are_marked_for_the_lake(hub):
    post(hub["police_key"], [burglary("K1"), burglary("K2", occurred_at="2026-10-02T23:59:00+08:00")])
    post(hub["police_key"], [burglary("K1", occurred_at="2026-10-03T08:00:00+08:00")])  # moves K1 to the 3rd
    assert sorted(LakeDay.objects.values_list("day", flat=True)) == [
        date(2026, 10, 1),
        date(2026, 10, 2),
        date(2026, 10, 3),
    ]


NASTY = [
    None,
    42,
    "text",
    [],
    [1, 2],
    {},
    {"a": {"b": []}},
    True,
    -1e308,
    float("inf"),
    "😀" * 300,
    "\x00",
    "",
]


def test_nasty_values_in_any_slot_are_rejected_never_a_server_error(hub):
    """Every slot of an item filled with odd JSON values: each item gets an answer, none a 500."""
    events = []
    for slot in ("source_id", "type", "occurred_at", "unit_code", "lon", "lat", "fields", "retract"):
        for i, value in enumerate(NASTY):
            item = burglary(f"N-{slot}-{i}")
            if slot in ("lon", "lat"):
                item["unit_code"] = None
            item[slot] = value
            events.append(item)
    events.extend([{"fields": {"category": v}, **burglary(f"NF{i}")} for i, v in enumerate(NASTY)])
    import json

    def send(items):
        return Client().post(
            "/api/v1/hub/events",
            json.dumps({"events": items}, allow_nan=True),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {hub['police_key']}",
        )

    response = send(events)
    assert response.status_code == 200, response.content[:500]
    results = response.json()["results"]
    assert len(results) == len(events)
    outcomes = {r["source_id"]: r["outcome"] for r in results}
    assert (
        outcomes["N-type-2"] == "rejected" and outcomes["N-fields-3"] == "rejected"
    )  # "text" type, [] fields
    assert outcomes["N-occurred_at-9"] == "rejected"  # infinity as a time
    assert all(r["message"] for r in results if r["outcome"] == "rejected")
    # Items that are not objects at all: the batch's shape is wrong, said with the index.
    wrong = send([burglary("fine"), 42])
    assert wrong.status_code == 422
    assert wrong.json()["details"][0]["field"] == "events.1"
    assert not Event.objects.filter(source_event_id="fine").exists()


def test_personal_fields_are_masked_and_a_full_read_is_audited(hub, personas):
    from tests.conftest import client_for

    post(hub["police_key"], [burglary("PD1", fields={"category": "night", "caller_phone": "13812345678"})])
    event = Event.objects.get(source_event_id="PD1")
    police = client_for(
        personas["police_officer"]
    )  # may see personal data, but only through the audited read
    listed = police.get("/api/v1/hub/events").json()["items"][0]
    assert listed["fields"] == {"category": "night", "caller_phone": "138****5678"}
    assert police.get(f"/api/v1/hub/events/{event.pk}").json()["fields"]["caller_phone"] == "138****5678"
    full = police.get(f"/api/v1/hub/events/{event.pk}/personal").json()
    assert full == {"id": event.pk, "source_id": "PD1", "fields": {"caller_phone": "13812345678"}}
    entry = AuditLog.objects.get(action="view_personal")
    assert (entry.actor_username, entry.object_type, entry.unit_code) == (
        "police_officer_a",
        "hub.event",
        OWN_VILLAGE,
    )
    cadre = client_for(personas["town_cadre"])
    assert cadre.get(f"/api/v1/hub/events/{event.pk}/personal").status_code == 403
    assert AuditLog.objects.filter(action="view_personal").count() == 1
