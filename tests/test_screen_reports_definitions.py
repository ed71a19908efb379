"""The big screen's data, the monthly reports pages and the index definitions pages, on the small
hand-made city of tests/test_index_api.py (`published`: definition "t", crime 60 % and fire 40 %,
February–March monthly and 1–6 March daily runs, all published)."""

# ruff: noqa: F811 - the tests take the `published` fixture imported from tests.test_index_api

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
import yaml
from django.test import Client
from django.utils import timezone

from tests.conftest import OTHER_TOWN, OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE, SIBLING_TOWN, client_for, v1
from tests.test_hub_ingest import post
from tests.test_index_api import published  # noqa: F401 - the fixture
from tests.test_index_engine import definition
from zhili.index.models import DefinitionVersion, Outcome, Run
from zhili.org.models import User
from zhili.org.roles import ROLE_PERMISSIONS, Role

ROLES = [r.value for r in Role]
CRIME = 100 * (20 - 3 / 0.35) / 20  # 拱北街道 in March: 3 burglaries, 3,500 residents, goalposts 20 → 0
PERSONAL = {"username", "display_name", "phone", "id_number", "caller_phone", "created_by", "published_by",
            "acknowledged_by", "fields", "lon", "lat", "source_id", "submitted_by"}  # fmt: skip


def may(role: str, perm: str) -> bool:
    return role == Role.SYSTEM_ADMIN or perm in ROLE_PERMISSIONS[role]


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


# --- the big screen ---------------------------------------------------------------------------


@pytest.fixture
def received_yesterday(published, hub):
    """Two burglaries (拱北 and 井岸) and a fire (拱北) whose deliveries arrived yesterday."""
    from zhili.hub.models import Delivery

    burglaries = [
        {"source_id": f"S{i}", "type": "police.burglary", "occurred_at": "2026-03-06T08:00:00+08:00",
         "unit_code": unit, "fields": {"category": "night", "caller_phone": "13812345678"}}
        for i, unit in enumerate((OWN_VILLAGE, OTHER_VILLAGE))
    ]  # fmt: skip
    fire = [{"source_id": "F1", "type": "fire.fire", "occurred_at": "2026-03-06T09:00:00+08:00",
             "unit_code": OWN_VILLAGE, "fields": {"deaths": 0, "injuries": 1}}]  # fmt: skip
    assert post(hub["police_key"], burglaries).json()["counts"]["accepted"] == 2
    assert post(hub["fire_key"], fire).json()["counts"]["accepted"] == 1
    Delivery.objects.update(received_date=timezone.localdate() - timedelta(days=1))
    return published


def test_the_screen_data_has_the_days_colours_counts_trend_and_alerts(received_yesterday):
    response = client_for(received_yesterday["analyst"]).get("/screen/data.json?definition=t")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    # the latest published day; on the 6th 井岸 has its 4 burglaries: 10 per 10k → 50, red
    assert (body["day"], body["day_label"]) == ("2026-03-06", "2026年3月6日")
    towns = {t["code"]: (t["grade"], t["total"], t["name"]) for t in body["towns"]}
    assert towns == {OWN_TOWN: ("blue", 100.0, "拱北街道"), SIBLING_TOWN: ("blue", 100.0, "南屏镇"),
                     OTHER_TOWN: ("red", 50.0, "井岸街道")}  # fmt: skip
    assert [(g["code"], g["count"]) for g in body["grades"]] == [("blue", 2), ("yellow", 0), ("red", 1)]
    counts = body["counts"]
    assert counts["red_towns"] == 1
    assert counts["received"]["date"] == str(timezone.localdate() - timedelta(days=1))
    assert {f["family"]: f["count"] for f in counts["received"]["families"]} == {"police": 2, "fire": 1}
    assert counts["received"]["total"] == 3
    assert counts["five_star"]["count"] is None  # no star rating published
    # 拱北 was red in February (57.1) and March (46.3): a streak of 2 reaches "warning"
    assert counts["open_alerts"] == 1
    assert [(a["unit_code"], a["period"], a["streak"], a["action"]) for a in body["alerts"]] == [
        (OWN_TOWN, "2026-03-01", 2, "warning")
    ]
    # the city's daily total: 3 burglaries on the 3rd (85), 2 homicide deaths on the 5th (−8), 4 on the 6th
    trend = body["trend"]
    assert trend["unit_name"] == "滨海市" and len(trend["days"]) == 30 and trend["days"][-1] == "2026-03-06"
    assert trend["total"][-6:] == [100, 100, 85, 100, 92, 80] and trend["total"][:-6] == [None] * 24
    by_grade = {d["grade"]: d["counts"][-6:] for d in trend["distribution"]}
    assert by_grade == {"blue": [3, 3, 2, 3, 3, 2], "yellow": [0] * 6, "red": [0, 0, 1, 0, 0, 1]}
    # aggregates only: no person, no event, no phone number
    assert not keys(body) & PERSONAL
    assert "13812345678" not in response.content.decode() and "analyst_city" not in response.content.decode()


def test_the_screen_data_is_cut_to_the_scope(received_yesterday):
    body = client_for(received_yesterday["town_cadre"]).get("/screen/data.json?definition=t").json()
    assert [t["code"] for t in body["towns"]] == [OWN_TOWN]
    assert body["counts"]["red_towns"] == 0
    assert {f["family"]: f["count"] for f in body["counts"]["received"]["families"]} == {
        "police": 1,
        "fire": 1,
    }
    assert body["trend"]["unit_name"] == "拱北街道"
    assert body["trend"]["total"][-6:] == [100, 100, pytest.approx(CRIME), 100, 92, 100]
    # a grid worker reads results but neither alerts nor hub events: nothing to mistake for zero
    worker = (
        client_for(User.objects.get(username="grid_worker_a")).get("/screen/data.json?definition=t").json()
    )
    assert worker["counts"]["received"]["visible"] is False and worker["alerts"] == []


@pytest.mark.parametrize("role", ROLES)
def test_the_screen_needs_view_outcome(published, role):
    client = client_for(User.objects.get(username=f"{role}_a"))
    expected = 200 if may(role, "index.view_outcome") else 403
    assert client.get("/screen/").status_code == expected
    assert client.get("/screen/data.json?definition=t").status_code == expected


def test_the_screen_page_refreshes_itself_and_anonymous_users_log_in(published):
    page = client_for(published["analyst"]).get("/screen/?definition=t&refresh=2")
    config = json.loads(
        page.content.decode().split('id="screen-config" type="application/json">')[1].split("<")[0]
    )
    assert config["refresh"] == 2 and config["data_url"] == "/screen/data.json?definition=t"
    assert config["parents"] == ["449902000000", "449903000000"] and config["prefix"] == "4499"
    assert "vendor/plotly/plotly.min.js" in page.content.decode()
    # the alerts list ends in "another N" when the panel holds fewer than are open
    assert config["strings"]["more_alerts"] == "另有 %(n)s 条"
    assert client_for(published["analyst"]).get("/screen/?refresh=0").context["config"]["refresh"] == 2
    anonymous = Client().get("/screen/data.json")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")


# --- monthly reports --------------------------------------------------------------------------


@pytest.fixture
def report_month(published, settings, tmp_path):
    """A published monthly Ping'an+ run for March 2026 (as tests/test_index_report.py makes its
    inputs: the shipped catalogue, GDP and vehicles for every unit)."""
    from zhili.geo.models import Population
    from zhili.hub.catalogue import load_catalogue
    from zhili.index.services import run

    settings.DATA_DIR = tmp_path / "data"
    load_catalogue()
    Population.objects.update(gdp=120.0, vehicles=3000)
    monthly, _created = run(
        code="pingan_plus",
        kind="month",
        first="2026-03",
        publish=True,
        export_lake=False,
        version=v1("pingan_plus"),
    )
    return {**published, "pingan": monthly, "dir": tmp_path / "data"}


def test_the_reports_list_shows_the_months_of_published_monthly_runs(report_month):
    page = client_for(report_month["analyst"]).get("/dash/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-month="2026-03"' in html and "2026年3月" in html
    assert 'data-month="2026-02"' not in html  # "t" was published for February, the report's index was not
    assert 'id="report-preview"' in html and 'src="/dash/reports/2026-03.pdf?inline=1"' in html
    assert 'href="/dash/reports/2026-03.docx"' in html


def test_the_report_file_is_written_once_and_served(report_month):
    from zhili.core.models import AuditLog

    client = client_for(report_month["analyst"])
    pdf = client.get("/dash/reports/2026-03.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    assert (
        pdf["Content-Disposition"].startswith("attachment")
        and "pingan-2026-03.pdf" in pdf["Content-Disposition"]
    )
    assert (report_month["dir"] / "reports" / "pingan-2026-03.pdf").exists()
    inline = client.get("/dash/reports/2026-03.pdf?inline=1")
    assert inline["Content-Disposition"].startswith("inline") and inline["X-Frame-Options"] == "SAMEORIGIN"
    assert AuditLog.objects.filter(details__report="monthly").count() == 1  # written once, served twice
    docx = client.get("/dash/reports/2026-03.docx")
    assert docx.status_code == 200 and b"".join(docx.streaming_content).startswith(b"PK")


def test_a_month_without_a_published_run_says_so_in_chinese(report_month):
    client = client_for(report_month["analyst"])
    missing = client.get("/dash/reports/2026-02.pdf")
    assert missing.status_code == 404
    assert "没有2026年2月已发布的月度指数" in missing.content.decode()
    assert client.get("/dash/reports/2026-13.pdf").status_code == 404
    assert client.get("/dash/reports/2026-03.xlsx").status_code == 404


def test_reports_need_view_outcome(report_month):
    mediator = client_for(report_month["mediator"])
    assert mediator.get("/dash/reports/").status_code == 403
    assert mediator.get("/dash/reports/2026-03.pdf").status_code == 403
    assert not (report_month["dir"] / "reports").exists()


# --- index definitions ------------------------------------------------------------------------


def draft(crime: float, fire: float, *, deductions: bool = True) -> str:
    raw = copy.deepcopy(definition().raw)
    raw["children"][0]["weight"], raw["children"][1]["weight"] = crime, fire
    if not deductions:
        raw.pop("deductions")
    return yaml.safe_dump(raw, allow_unicode=True)


def test_the_tree_shows_the_nodes_with_their_weights(published):
    client = client_for(published["analyst"])
    listing = client.get("/dash/definitions/").content.decode()
    assert 'data-code="t"' in listing and "测试指数" in listing
    html = client.get("/dash/definitions/t/").content.decode()
    crime = html.split('data-path="crime"')[1].split("</tr>")[0]
    fire = html.split('data-path="fire"')[1].split("</tr>")[0]
    # methods in words (event types by their catalogue names: none is loaded here, so their codes)
    assert "治安" in crime and "60.0 %" in crime and "60.00 %" in crime and "计数 · police.burglary" in crime
    assert "目标值法 <small>最差值: 20; 最好值: 0</small>" in crime
    assert (
        "消防" in fire
        and "40.0 %" in fire
        and "fire.fire" in fire
        and "扣分" in fire
        and "deduction" not in fire
    )
    assert client_for(published["mediator"]).get("/dash/definitions/").status_code == 403
    assert client_for(published["mediator"]).get("/dash/definitions/t/").status_code == 403
    assert client.get("/dash/definitions/nope/").status_code == 404


def test_a_draft_whose_weights_do_not_sum_to_one_shows_the_error_at_its_line(published):
    text = draft(0.7, 0.4)
    before = DefinitionVersion.objects.count()
    page = client_for(published["analyst"]).post(
        "/dash/definitions/t/draft/", {"text": text, "action": "validate"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="validation" class="card" data-valid="false"' in html
    line = text.splitlines().index("children:") + 1
    # the error names the line it points at, with the node path and the key (the YAML editor;
    # tests/test_definition_editor.py has the form)
    assert f'data-line="{line}" data-path="t" data-field="children.weight"' in html
    assert "1.1" in html.split(f'data-line="{line}" data-path="t"')[1].split("</li>")[0]
    assert DefinitionVersion.objects.count() == before


def test_compare_shows_the_yaml_diff_and_the_changed_weight(published):
    from zhili.index.services import save_definition

    save_definition(text=draft(0.5, 0.5), actor_username="test")
    html = client_for(published["analyst"]).get("/dash/definitions/t/compare/").content.decode()
    crime = html.split('<tr data-path="crime">')[1].split("</tr>")[0]
    assert "60.0 %" in crime and "50.0 %" in crime
    assert '<tr data-path="fire">' in html
    diff = html.split('id="diff" tabindex="0">')[1].split("</pre>")[0]
    assert (
        '<span class="del">-  weight: 0.6</span>' in diff
        and '<span class="add">+  weight: 0.5</span>' in diff
    )


def test_the_preview_ranks_the_towns_now_and_with_the_draft(published):
    counts = (Run.objects.count(), Outcome.objects.count(), DefinitionVersion.objects.count())
    # Crime 99 %, fire 1 % and no homicide deduction: 拱北 (crime 57.1) passes 井岸 (crime 50).
    page = client_for(published["analyst"]).post(
        "/dash/definitions/t/draft/", {"text": draft(0.99, 0.01, deductions=False), "action": "preview"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    table = html.split('id="preview-ranks"')[1].split("</table>")[0]
    rows = [r.split(">")[0] for r in table.split("<tr data-unit=")[1:]]
    assert rows == [
        f'"{SIBLING_TOWN}" data-rank-now="1" data-rank-draft="1"',
        f'"{OWN_TOWN}" data-rank-now="3" data-rank-draft="2"',
        f'"{OTHER_TOWN}" data-rank-now="2" data-rank-draft="3"',
    ]
    own = table.split(f'"{OWN_TOWN}"')[1].split("</tr>")[0]
    assert f"{0.6 * CRIME + 0.4 * 50 - 8:.2f}" in own and f"{0.99 * CRIME + 0.01 * 50:.2f}" in own
    assert "↑1" in own
    other = table.split(f'"{OTHER_TOWN}"')[1].split("</tr>")[0]
    assert "70.00" in other and "50.50" in other and "↓1" in other
    assert (Run.objects.count(), Outcome.objects.count(), DefinitionVersion.objects.count()) == counts
    # a town cadre reads definitions but may not change them, nor compute a preview, nor validate
    cadre = client_for(published["town_cadre"])
    for action in ("preview", "validate"):
        page = cadre.post("/dash/definitions/t/draft/", {"text": draft(0.5, 0.5), "action": action})
        assert page.status_code == 403


def test_activating_a_draft_stores_the_new_active_version(published):
    old = DefinitionVersion.objects.get(code="t", is_active=True)
    text = draft(0.5, 0.5)
    cadre = client_for(published["town_cadre"])
    assert cadre.post("/dash/definitions/t/activate/", {"text": text, "confirm": "1"}).status_code == 403
    assert DefinitionVersion.objects.filter(code="t").count() == 1
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(published["analyst"])
    assert strict.post("/dash/definitions/t/activate/", {"text": text, "confirm": "1"}).status_code == 403
    client = client_for(published["analyst"])
    refused = client.post("/dash/definitions/t/activate/", {"text": draft(0.7, 0.4)})
    assert (
        'data-valid="false"' in refused.content.decode()
        and DefinitionVersion.objects.filter(code="t").count() == 1
    )
    confirm = client.post("/dash/definitions/t/activate/", {"text": text})  # the confirmation page
    assert DefinitionVersion.objects.filter(code="t").count() == 1
    token = confirm.content.decode().split('name="confirm" value="')[1].split('"')[0]
    done = client.post("/dash/definitions/t/activate/", {"text": text, "note": "五五开", "confirm": token})
    assert done.status_code == 302 and done.url == "/dash/definitions/t/"
    new = DefinitionVersion.objects.get(code="t", is_active=True)
    assert new.pk != old.pk and (new.note, new.created_by, new.shipped) == ("五五开", "analyst_city", False)
    assert new.parsed().find("crime").weight == 0.5
    assert client.get(done.url).content.decode().count("50.0 %") == 2
    assert client.get("/dash/definitions/t/activate/").status_code == 405
