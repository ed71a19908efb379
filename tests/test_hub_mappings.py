"""Column mappings on the upload page: a data officer saves one for their department's source
(checked as the admin checks it) and picks it for the next file."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import OWN_VILLAGE, client_for, make_user
from zhili.core.models import AuditLog
from zhili.hub.models import ColumnMapping, Delivery, Event
from zhili.org.models import Department

COLUMNS = "警情编号 = source_id\n报警时间 = occurred_at\n村居代码 = unit_code\n发案时段 = category\n"


@pytest.fixture
def officer(hub):
    return make_user(
        "officer_police",
        "data_officer",
        "449900000000",
        department=Department.objects.get(code="public_security"),
    )


def save(
    client,
    source,
    name="警综导出",
    columns=COLUMNS,
    constants="type = police.burglary\ntimezone = Asia/Shanghai",
):
    return client.post(
        "/hub/upload/",
        {
            "m-source": source.pk,
            "m-name": name,
            "m-columns": columns,
            "m-constants": constants,
            "save_mapping": "1",
        },
    )


@time_machine.travel(datetime(2026, 10, 2, 2, 0, tzinfo=UTC), tick=False)
def test_a_data_officer_saves_a_mapping_and_uploads_a_gbk_file_with_it(hub, officer):
    client = client_for(officer)
    response = save(client, hub["police"])
    mapping = ColumnMapping.objects.get()
    assert response.status_code == 302
    assert response.url == f"/hub/upload/?source={hub['police'].pk}&mapping={mapping.pk}"
    assert (mapping.name, mapping.columns, mapping.constants) == (
        "警综导出",
        {"警情编号": "source_id", "报警时间": "occurred_at", "村居代码": "unit_code", "发案时段": "category"},
        {"type": "police.burglary", "timezone": "Asia/Shanghai"},
    )
    audit = AuditLog.objects.get(action="create", object_type="hub.columnmapping")
    assert (audit.actor_username, audit.details["via"]) == ("officer_police", "upload page")

    page = client.get(response.url).content.decode()
    assert f'<option value="{mapping.pk}" selected>ga_110 · 警综导出</option>' in page
    assert "已保存" in page  # the success message

    text = (
        "警情编号,报警时间,村居代码,发案时段\r\n"
        f"K1,2026/10/1 8:05,{OWN_VILLAGE},night\r\n"
        f"K2,2026年10月1日 9时30分,{OWN_VILLAGE},day\r\n"
        "合计,,,\r\n"
    )
    upload = client.post(
        "/hub/upload/",
        {
            "source": hub["police"].pk,
            "mapping": mapping.pk,
            "mode": "partial",
            "file": SimpleUploadedFile("警情.csv", text.encode("gb18030")),
        },
    )
    delivery = Delivery.objects.get()
    assert upload.status_code == 302 and upload.url == f"/hub/deliveries/{delivery.pk}/"
    assert (delivery.received, delivery.accepted, delivery.rejected, delivery.skipped) == (2, 2, 0, 1)
    assert dict(Event.objects.values_list("source_event_id", "occurred_at")) == {
        "K1": datetime(2026, 10, 1, 0, 5, tzinfo=UTC),
        "K2": datetime(2026, 10, 1, 1, 30, tzinfo=UTC),
    }
    shown = client.get(upload.url).content.decode()
    assert "第 4 行“合计”" in shown


@pytest.mark.parametrize(
    ("columns", "constants", "error"),
    [
        ("报警时间 = ocurred_at\n", "", "“报警时间 = ocurred_at”"),  # a typo would reject every row
        ("报警时间 occurred_at\n", "", "第 1 行"),  # no “=”
        (COLUMNS + "接警时间 = occurred_at\n", "", "都填写 occurred_at"),  # two columns, one target
        (COLUMNS, "type = fire.fire", "“fire.fire”"),  # another department's type
        (COLUMNS, "timezone = Asia/Zhuhai", "Asia/Zhuhai"),
        ("", "", "这个字段是必填项"),
    ],
)
def test_a_mapping_that_cannot_work_is_refused_with_the_reason(hub, officer, columns, constants, error):
    response = save(client_for(officer), hub["police"], columns=columns, constants=constants)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ColumnMapping.objects.count() == 0


def test_a_second_mapping_of_the_same_name_is_refused_as_in_the_admin(hub, officer):
    client = client_for(officer)
    assert save(client, hub["police"]).status_code == 302
    again = save(client, hub["police"])
    assert again.status_code == 200 and "已经存在" in again.content.decode()
    assert ColumnMapping.objects.count() == 1


def test_another_departments_source_is_no_choice_for_a_mapping_or_an_upload(hub, officer):
    client = client_for(officer)
    fire_mapping = ColumnMapping.objects.create(source=hub["fire"], name="fire", columns={"a": "source_id"})
    response = save(client, hub["fire"])
    assert response.status_code == 200 and ColumnMapping.objects.count() == 1
    page = client.get("/hub/upload/").content.decode()
    assert "xf_119" not in page
    upload = client.post(
        "/hub/upload/",
        {
            "source": hub["police"].pk,
            "mapping": fire_mapping.pk,
            "mode": "partial",
            "file": SimpleUploadedFile("x.csv", b"source_id\n"),
        },
    )
    assert upload.status_code == 200 and Delivery.objects.count() == 0


def test_a_mapping_of_another_source_of_the_department_does_not_fit_this_one(hub, officer):
    from zhili.hub.services import create_source

    other, _key = create_source(code="ga_122", name="122 交通", department=hub["police"].department)
    mapping = ColumnMapping.objects.create(source=other, name="交通", columns={"编号": "source_id"})
    response = client_for(officer).post(
        "/hub/upload/",
        {
            "source": hub["police"].pk,
            "mapping": mapping.pk,
            "mode": "partial",
            "file": SimpleUploadedFile("x.csv", b"source_id\n"),
        },
    )
    assert response.status_code == 200 and Delivery.objects.count() == 0
    assert "属于 ga_122" in response.content.decode()


def test_the_admin_applies_the_same_checks(hub, personas):
    admin = client_for(personas["system_admin"])
    bad = admin.post(
        "/admin/hub/columnmapping/add/",
        {"source": hub["police"].pk, "name": "x", "columns": "报警时间 = ocurred_at", "constants": ""},
    )
    assert bad.status_code == 200 and "“报警时间 = ocurred_at”" in bad.content.decode()
    good = admin.post(
        "/admin/hub/columnmapping/add/",
        {"source": hub["police"].pk, "name": "x", "columns": '{"报警时间": "occurred_at"}', "constants": ""},
    )
    assert good.status_code == 302
    assert ColumnMapping.objects.get().columns == {"报警时间": "occurred_at"}
