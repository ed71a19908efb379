"""Who may see what of the index: the city's publications are city-wide, the working reads are
scoped. Pinned here for a town cadre of 拱北街道 on the small city of tests/test_index_api.py."""

# ruff: noqa: F811 - the tests take fixtures imported from the modules that define them

from __future__ import annotations

import io

from django.test import Client
from pypdf import PdfReader

from tests.conftest import OTHER_TOWN, OWN_TOWN, client_for
from tests.test_index_api import published  # noqa: F401 - the fixture
from tests.test_screen_reports_definitions import report_month  # noqa: F401 - the fixture
from zhili.core.models import AuditLog

HISTORY = "/api/v1/index/results/{}/history?definition=t&period=day&since=2026-03-01&until=2026-03-06"


def test_a_town_cadre_downloads_the_city_report_but_not_another_towns_history(report_month):
    """The monthly report is the city's publication: the city publishes it city-wide, every town
    and street with its score and every five-star village and community (INDEX-NOTES: "a monthly
    index on all 14 published as a report"). So any official who may read index results downloads
    it whole, whatever their own unit: a town cadre's copy ranks the other district too. A unit's
    history is a working read of the index, every day's score of every level: scoped like all
    working reads, so another town's history answers 404, like a missing one."""
    client = client_for(report_month["town_cadre"])

    report = client.get("/api/v1/index/reports/2026-03?format=pdf")
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    body = b"".join(report.streaming_content)
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())
    assert "滨海市平安+指数月度报告" in text
    # the district ranking names 西江区 too, where the cadre's scope (拱北街道, in 海澄区) does not reach
    assert "全市2个区（功能区）中，海澄区以50.000分位列第一，西江区以50.000分位列末位" in text

    assert client.get(HISTORY.format(OTHER_TOWN)).status_code == 404
    assert client.get(HISTORY.format(OWN_TOWN)).status_code == 200


def test_the_api_and_the_reports_page_serve_one_and_the_same_publication(report_month):
    """One file per month for everyone: written on the first request (audited once), served again
    as it is by the page and by the API until a run it quotes is published anew."""
    cadre, analyst = client_for(report_month["town_cadre"]), client_for(report_month["analyst"])
    from_api = b"".join(cadre.get("/api/v1/index/reports/2026-03?format=pdf").streaming_content)
    from_page = b"".join(analyst.get("/dash/reports/2026-03.pdf").streaming_content)
    assert from_api == from_page
    assert AuditLog.objects.filter(details__report="monthly", details__format="pdf").count() == 1
    docx = cadre.get("/api/v1/index/reports/2026-03?format=docx")
    assert docx["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_month_without_a_published_report_is_404_and_a_bad_month_400(report_month):
    client = client_for(report_month["town_cadre"])
    missing = client.get("/api/v1/index/reports/2026-02")
    assert missing.status_code == 404 and missing.json()["code"] == "report_not_ready"
    bad = client.get("/api/v1/index/reports/2026-13")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"


def test_the_document_says_which_index_reads_are_publications(db):
    english = Client()
    english.cookies["django_language"] = "en"  # the document is in the reader's language
    paths = english.get("/api/openapi.json").json()["paths"]
    report = paths["/api/v1/index/reports/{month}"]["get"]
    assert "city's publication" in report["summary"] and "whatever their own unit" in report["description"]
    assert (
        "another unit's history answers 404"
        in paths["/api/v1/index/results/{unit_code}/history"]["get"]["description"]
    )
    assert set(report["responses"]["200"]["content"]) == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
