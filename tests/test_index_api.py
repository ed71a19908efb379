"""/api/v1/index/: results in scope, explanations, runs and revisions, publication, the public
colours and stars, and every role against every endpoint (INDEX_MATRIX)."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client

from tests.conftest import OTHER_TOWN, OWN_TOWN, OWN_VILLAGE, SIBLING_TOWN, client_for, make_user
from tests.index_lake import ev, write_lake
from tests.test_index_engine import burglaries, definition
from zhili.org.models import User
from zhili.org.roles import ROLE_PERMISSIONS, Role

ROLES = [r.value for r in Role]
CITY = "449900000000"

INDEX_MATRIX = {
    ("get", "/api/v1/index/definitions"): {"perm": "index.view_definitionversion"},
    ("post", "/api/v1/index/definitions"): {"perm": "index.add_definitionversion"},
    ("get", "/api/v1/index/runs"): {"perm": "index.view_run"},
    ("post", "/api/v1/index/runs"): {"perm": "index.add_run"},
    ("post", "/api/v1/index/runs/{run_id}/publish"): {"perm": "index.publish_run"},
    ("get", "/api/v1/index/results"): {"perm": "index.view_outcome", "scoped": True},
    ("get", "/api/v1/index/results/{unit_code}/history"): {"perm": "index.view_outcome", "scoped": True},
    ("get", "/api/v1/index/results/{unit_code}/explain"): {"perm": "index.view_outcome", "scoped": True},
    ("get", "/api/v1/index/stars"): {"perm": "index.view_outcome", "scoped": True},
    ("get", "/api/v1/index/alerts"): {"perm": "index.view_alert", "scoped": True},
    ("get", "/api/v1/index/reports/{month}"): {"perm": "index.view_outcome"},
    # Public on purpose: unit names and colours or stars, nothing personal.
    ("get", "/api/v1/index/public/colours"): {"public": True},
    ("get", "/api/v1/index/public/stars"): {"public": True},
}


def may(role: str, perm: str) -> bool:
    return role == Role.SYSTEM_ADMIN or perm in ROLE_PERMISSIONS[role]


@pytest.fixture
def published(settings, tmp_path, hub, personas):
    """The test definition stored; Feb–Mar 2026 monthly and 1–6 March daily runs published."""
    from zhili.index.services import run, save_definition

    settings.LAKE_DIR = str(tmp_path / "lake")
    write_lake(
        burglaries("2026-02-10", OWN_TOWN, 5)
        + burglaries("2026-03-03", OWN_TOWN, 3)
        + [ev("fire.fire", "2026-03-04", OWN_TOWN, deaths=1)]
        + [ev("police.homicide", "2026-03-05", OWN_TOWN, deaths=2)]
        + burglaries("2026-03-06", OTHER_TOWN, 4)
    )
    save_definition(text=yaml.safe_dump(definition().raw, allow_unicode=True), actor_username="test")
    month, _ = run(code="t", kind="month", first="2026-02", last="2026-03", publish=True, export_lake=False)
    day, _ = run(code="t", kind="day", first="2026-03-01", last="2026-03-06", publish=True, export_lake=False)
    analyst = make_user("analyst_city", Role.CITY_ANALYST, CITY)
    return {"month": month, "day": day, "analyst": analyst, **personas}


def test_every_index_endpoint_is_in_the_matrix(db):
    schema = Client().get("/api/openapi.json").json()
    index = {(m, p) for p, ops in schema["paths"].items() for m in ops if p.startswith("/api/v1/index/")}
    assert index == set(INDEX_MATRIX)


def test_results_of_a_month_in_scope(published):
    town = client_for(published["town_cadre"]).get(
        "/api/v1/index/results?definition=t&period=month&date=2026-03"
    )
    assert town.status_code == 200
    body = town.json()
    assert (body["period"], body["period_label"], body["revision"]) == ("2026-03-01", "2026年3月", 1)
    # a town cadre of 拱北街道 sees 拱北街道 only
    assert [(r["unit_code"], r["grade"]) for r in body["results"]] == [(OWN_TOWN, "red")]
    assert body["results"][0]["total"] == pytest.approx(0.6 * 100 * (20 - 3 / 0.35) / 20 + 0.4 * 50 - 8)
    city = client_for(published["analyst"]).get(
        "/api/v1/index/results?definition=t&period=month&date=2026-03"
    )
    rows = {r["unit_code"]: r for r in city.json()["results"]}
    assert set(rows) == {CITY, "449902000000", "449903000000", OWN_TOWN, SIBLING_TOWN, OTHER_TOWN}
    assert (rows[OTHER_TOWN]["rank"], rows[OTHER_TOWN]["rank_move"]) == (2, -1)
    assert rows[OWN_TOWN]["unit_name"] == "拱北街道"


def test_explanation_lists_contributions_movers_and_the_events_behind(published):
    client = client_for(published["analyst"])
    body = client.get(
        f"/api/v1/index/results/{OWN_TOWN}/explain?definition=t&period=month&date=2026-03"
    ).json()
    nodes = {n["path"]: n for n in body["nodes"]}
    crime = 100 * (20 - 3 / 0.35) / 20
    assert nodes["crime"]["contribution"] == pytest.approx(0.6 * crime)
    assert nodes["fire"]["contribution"] == pytest.approx(0.4 * 50)
    assert body["deductions"] == {"homicide": pytest.approx(8.0)}
    # February: crime 28.57 (5 burglaries), fire 100. March: crime up 28.57 points × 0.6, fire down 50 × 0.4
    feb_crime = 100 * (20 - 5 / 0.35) / 20
    assert nodes["crime"]["change"] == pytest.approx(0.6 * (crime - feb_crime))
    assert nodes["fire"]["change"] == pytest.approx(-20.0)
    assert body["movers"] == ["fire", "crime"]  # |−20| > |+17.1|
    assert nodes["crime"]["value_change_pct"] == pytest.approx((3 - 5) / 5 * 100)
    url = nodes["crime"]["events_url"]
    assert url == (
        f"/api/v1/hub/events?within={OWN_TOWN}&since=2026-03-01&until=2026-03-31&type=police.burglary"
    )
    assert body["change"] == pytest.approx(body["result"]["total"] - body["previous_total"])
    # out of scope answers like missing
    town = client_for(published["town_cadre"])
    assert (
        town.get(
            f"/api/v1/index/results/{OTHER_TOWN}/explain?definition=t&period=month&date=2026-03"
        ).status_code
        == 404
    )


def test_history_of_a_unit(published):
    client = client_for(published["town_cadre"])
    rows = client.get(
        f"/api/v1/index/results/{OWN_TOWN}/history?definition=t&period=day&since=2026-03-01&until=2026-03-06"
    ).json()
    assert [r["period"] for r in rows] == [f"2026-03-0{d}" for d in range(1, 7)]
    # the daily tree is crime alone: 3 burglaries on the 3rd; the 5th loses 8 points for 2 homicide deaths
    assert [round(r["total"], 4) for r in rows] == [
        100,
        100,
        round(100 * (20 - 3 / 0.35) / 20, 4),
        100,
        92,
        100,
    ]


def test_another_towns_history_answers_like_missing_and_bad_dates_are_refused(published):
    client = client_for(published["town_cadre"])
    url = "/api/v1/index/results/{}/history?definition=t&period=day&since=2026-03-01&until=2026-03-06"
    assert client.get(url.format(OTHER_TOWN)).status_code == 404
    assert len(client.get(url.format(OWN_TOWN)).json()) == 6
    bad = client.get(
        f"/api/v1/index/results/{OWN_TOWN}/history?definition=t&since=2026-03-40&until=2026-03-06"
    )
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "since"


def test_runs_are_idempotent_and_revisions_freeze(published):
    client = client_for(published["analyst"])
    body = {"definition": "t", "period": "month", "date": "2026-02", "until": "2026-03"}
    again = client.post("/api/v1/index/runs", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == published["month"].pk  # nothing written twice
    write_lake(burglaries("2026-03-20", SIBLING_TOWN, 1))  # corrected data
    revised = client.post("/api/v1/index/runs", body, content_type="application/json")
    assert revised.status_code == 201
    new = revised.json()
    assert (new["revision"], new["frozen"]) == (2, False)
    # the published revision still speaks until the new one is published
    results = client.get("/api/v1/index/results?definition=t&period=month&date=2026-03").json()
    assert results["revision"] == 1
    assert client.post(f"/api/v1/index/runs/{new['id']}/publish").status_code == 200
    assert client.get("/api/v1/index/results?definition=t&period=month&date=2026-03").json()["revision"] == 2
    refused = client.post(f"/api/v1/index/runs/{new['id']}/publish")  # frozen: published once
    assert (refused.status_code, refused.json()["code"]) == (409, "conflict")


def test_bad_input_gets_a_clear_error(published):
    client = client_for(published["analyst"])
    bad_date = client.get("/api/v1/index/results?definition=t&period=month&date=2026-13")
    assert bad_date.status_code == 400 and bad_date.json()["details"] == [
        {"field": "date", "value": "2026-13"}
    ]
    assert client.get("/api/v1/index/results?definition=t&period=fortnight").status_code == 422
    unknown = client.post("/api/v1/index/runs", {"definition": "nope", "period": "day", "date": "2026-03-01"},
                          content_type="application/json")  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["details"] == [
        {"field": "definition", "value": "nope"}
    ]
    raw = definition().raw
    raw["children"][0]["weight"] = 0.7  # 0.7 + 0.4 ≠ 1
    refused = client.post("/api/v1/index/definitions", {"text": yaml.safe_dump(raw, allow_unicode=True)},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["details"][0]["path"] == "t"
    assert "1.1" in refused.json()["message"]


def test_public_colours_and_stars_need_no_login_and_hold_nothing_personal(published):
    anonymous = Client()
    colours = anonymous.get("/api/v1/index/public/colours?definition=t")
    assert colours.status_code == 200
    body = colours.json()
    assert body["date"] == "2026-03-06"  # the latest published day
    # on the 6th 井岸 has its 4 burglaries: 10 per 10k → 50, red; the others 100, blue
    grades = {c["unit_code"]: c["grade"] for c in body["colours"]}
    assert grades == {OWN_TOWN: "blue", SIBLING_TOWN: "blue", OTHER_TOWN: "red"}
    assert set(body["colours"][0]) == {"unit_code", "unit_name", "level", "grade", "grade_label", "streak"}
    day3 = anonymous.get("/api/v1/index/public/colours?definition=t&date=2026-03-03").json()
    assert {c["unit_code"]: c["grade"] for c in day3["colours"]}[OWN_TOWN] == "red"  # 57.1
    assert anonymous.get("/api/v1/index/public/stars").status_code == 404  # no star rating published


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_the_index_endpoints(published, role):
    user = User.objects.get(username=f"{role}_a")
    client = client_for(user)
    month = published["month"]
    calls = {
        ("get", "/api/v1/index/definitions"): lambda: client.get("/api/v1/index/definitions"),
        ("get", "/api/v1/index/runs"): lambda: client.get("/api/v1/index/runs"),
        ("get", "/api/v1/index/results"): lambda: client.get("/api/v1/index/results?definition=t&period=month&date=2026-03"),
        ("get", "/api/v1/index/results/{unit_code}/history"): lambda: client.get(
            f"/api/v1/index/results/{OWN_TOWN}/history?definition=t&period=month&since=2026-01-01&until=2026-12-31"
        ),
        ("get", "/api/v1/index/results/{unit_code}/explain"): lambda: client.get(
            f"/api/v1/index/results/{OWN_TOWN}/explain?definition=t&period=month&date=2026-03"
        ),
        ("get", "/api/v1/index/alerts"): lambda: client.get("/api/v1/index/alerts"),
        ("post", "/api/v1/index/runs"): lambda: client.post(
            "/api/v1/index/runs", {"definition": "t", "period": "month", "date": "2026-02", "until": "2026-03"},
            content_type="application/json",
        ),
    }  # fmt: skip
    for endpoint, call in calls.items():
        status = call().status_code
        expected = (200,) if may(role, INDEX_MATRIX[endpoint]["perm"]) else (403,)
        assert status in expected, (endpoint, status)
    # publishing a frozen revision: 409 for those who may publish, 403 for the others
    publish = client.post(f"/api/v1/index/runs/{month.pk}/publish")
    assert publish.status_code == (409 if may(role, "index.publish_run") else 403)
    # a village cadre's scope holds no town result: the list is empty, the town's explanation missing
    if role == Role.VILLAGE_CADRE:
        village = make_user("village_x", Role.VILLAGE_CADRE, OWN_VILLAGE)
        vc = client_for(village)
        assert vc.get("/api/v1/index/results?definition=t&period=month&date=2026-03").json()["results"] == []
        assert (
            vc.get(
                f"/api/v1/index/results/{OWN_TOWN}/explain?definition=t&period=month&date=2026-03"
            ).status_code
            == 404
        )
