"""The hub's pages: data quality, upload, a delivery's outcome."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import OWN_TOWN, OWN_VILLAGE, client_for, make_user
from tests.test_hub_ingest import burglary, post
from zhili.hub.models import Delivery, Event, QualityAlert
from zhili.hub.services import raise_missing_delivery_alerts


def officer(hub, department: str = "public_security"):
    from zhili.org.models import Department

    return make_user(
        f"officer_{department}",
        "data_officer",
        "449900000000",
        department=Department.objects.get(code=department),
    )


def test_the_quality_page_counts_todays_deliveries_per_department(hub):
    post(hub["police_key"], [burglary("Q1"), burglary("Q2"), burglary("Q3", unit_code="449999999999")])
    page = client_for(officer(hub)).get("/hub/quality/").content.decode()
    assert 'data-department="public_security"' in page
    assert 'data-department="fire_rescue"' not in page  # a data officer sees their own department only
    analyst = client_for(make_user("ana", "city_analyst", "449900000000"))
    page = analyst.get("/hub/quality/").content.decode()
    assert 'data-department="fire_rescue"' in page and "未知区划单位 1" in page


def test_a_department_that_sent_nothing_is_flagged(hub):
    from django.utils import timezone

    from zhili.hub.ingest import data_day_of

    post(hub["police_key"], [burglary("Q1")])
    day = data_day_of(timezone.now())
    alerts = raise_missing_delivery_alerts(day=day)
    # the police delivered, the fire brigade did not
    assert [a.department.code for a in alerts] == ["fire_rescue"]
    assert raise_missing_delivery_alerts(day=day) == []  # raised once
    assert QualityAlert.objects.count() == 1


def test_an_upload_through_the_page_shows_the_outcome_and_the_error_file(hub):
    client = client_for(officer(hub))
    text = (
        "source_id,type,occurred_at,unit_code,category\n"
        f"U1,police.burglary,2026-10-01T08:00:00+08:00,{OWN_VILLAGE},night\n"
        f"U2,police.burglary,2026-10-01T08:00:00+08:00,{OWN_TOWN}9,night\n"
    )
    response = client.post(
        "/hub/upload/",
        {"source": hub["police"].pk, "mode": "partial", "file": SimpleUploadedFile("jq.csv", text.encode())},
    )
    delivery = Delivery.objects.get()
    assert response.status_code == 302 and response.url == f"/hub/deliveries/{delivery.pk}/"
    page = client.get(response.url).content.decode()
    assert "unknown_unit" in page and (delivery.accepted, delivery.rejected) == (1, 1)
    errors = client.get(f"/hub/deliveries/{delivery.pk}/errors.csv").content.decode("utf-8-sig")
    assert errors.splitlines()[1].startswith("3,U2,unit_code,unknown_unit")
    assert Event.objects.count() == 1


def test_an_upload_of_the_wrong_file_type_says_what_is_accepted(hub):
    client = client_for(officer(hub))
    response = client.post(
        "/hub/upload/",
        {
            "source": hub["police"].pk,
            "mode": "partial",
            "file": SimpleUploadedFile("report.docx", b"PK\x03\x04..."),
        },
    )
    delivery = Delivery.objects.get()
    page = client.get(response.url).content.decode()
    assert delivery.status == "rejected"
    assert ".csv, .xlsx, .jsonl, .parquet" in page


def test_another_departments_delivery_answers_like_missing(hub):
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
    fire_delivery = Delivery.objects.get()
    client = client_for(officer(hub))
    assert client.get(f"/hub/deliveries/{fire_delivery.pk}/").status_code == 404
    assert client.get(f"/api/v1/hub/deliveries/{fire_delivery.pk}").status_code == 404
    # the police officer's source is not theirs to upload to either
    response = client.post(
        "/hub/upload/",
        {"source": hub["fire"].pk, "mode": "partial", "file": SimpleUploadedFile("x.csv", b"a\n")},
    )
    assert response.status_code == 200 and Delivery.objects.count() == 1


def test_a_day_in_the_url_that_is_not_a_date_is_404(hub):
    client = client_for(officer(hub))
    assert client.get("/hub/quality/?day=yesterday").status_code == 404
    assert client.get(f"/hub/quality/?day={date(2026, 10, 1).isoformat()}").status_code == 200


def test_a_delivery_before_the_cutoff_counts_for_the_day_before(settings):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from zhili.hub.ingest import data_day_of

    shanghai = ZoneInfo("Asia/Shanghai")
    assert data_day_of(datetime(2026, 10, 2, 3, 0, tzinfo=shanghai)) == date(2026, 10, 1)
    assert data_day_of(datetime(2026, 10, 2, 6, 0, tzinfo=shanghai)) == date(2026, 10, 2)
    assert data_day_of(datetime(2026, 10, 2, 23, 59, tzinfo=shanghai)) == date(2026, 10, 2)
