"""File imports: formats, atomic and partial modes, the error file, file-level refusals."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import OWN_VILLAGE
from zhili.hub.files import Mapping, error_csv, import_file
from zhili.hub.models import ColumnMapping, Delivery, Event, Rejection

HEADER = "source_id,type,occurred_at,unit_code,category\n"


def rows(n: int, start: int = 0, bad_line: int | None = None) -> str:
    out = []
    for i in range(start, start + n):
        unit = "449999999999" if bad_line is not None and i - start + 2 == bad_line else OWN_VILLAGE
        out.append(f"P{i},police.burglary,2026-10-01T0{i % 10}:00:00+08:00,{unit},night\n")
    return "".join(out)


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_a_csv_file_is_imported_and_a_retry_writes_nothing_twice(hub, tmp_path):
    path = write(tmp_path, "110.csv", HEADER + rows(30))
    first = import_file(path, source=hub["police"]).delivery
    again = import_file(path, source=hub["police"]).delivery
    assert (first.received, first.accepted, first.status) == (30, 30, "done")
    assert (again.accepted, again.duplicate) == (0, 30)
    assert Event.objects.count() == 30
    assert first.file_sha256 == again.file_sha256 and len(first.file_sha256) == 64


def test_an_atomic_import_with_one_bad_row_writes_nothing(hub, tmp_path):
    path = write(tmp_path, "110.csv", HEADER + rows(30, bad_line=17))
    delivery = import_file(path, source=hub["police"], mode="atomic").delivery
    assert (delivery.status, delivery.accepted, delivery.rejected) == ("rejected", 0, 30)
    assert Event.objects.count() == 0
    assert list(Rejection.objects.values_list("line", "field", "reason")) == [
        (17, "unit_code", "unknown_unit")
    ]


def test_a_partial_import_keeps_good_rows_and_returns_an_error_file(hub, tmp_path):
    text = (
        HEADER
        + rows(5)
        + "P90,police.burglary,2026-10-01 08:00,449902001001,night\n"
        + rows(3, start=10)
        + "P91,police.burglary,2026-10-01T08:00:00+08:00,449902001001,noon\n"
    )
    delivery = import_file(write(tmp_path, "110.csv", text), source=hub["police"]).delivery
    assert (delivery.accepted, delivery.rejected, delivery.status) == (8, 2, "done")
    report = list(csv.reader(io.StringIO(error_csv(delivery).lstrip("\ufeff"))))
    assert report[0] == ["line", "source_id", "field", "reason", "message"]
    assert [r[:4] for r in report[1:]] == [
        ["7", "P90", "occurred_at", "no_timezone"],
        ["11", "P91", "fields.category", "bad_value"],
    ]


def test_a_mapping_renames_columns_and_supplies_the_type_and_zone(hub, tmp_path):
    ColumnMapping.objects.create(
        source=hub["police"],
        name="default",
        columns={
            "警情编号": "source_id",
            "报警时间": "occurred_at",
            "村居代码": "unit_code",
            "类别": "category",
        },
        constants={"type": "police.burglary", "timezone": "Asia/Shanghai"},
    )
    text = "警情编号,报警时间,村居代码,类别\nJ1,2026-10-01 08:00,449902001001,day\n"
    delivery = import_file(write(tmp_path, "jq.csv", text), source=hub["police"]).delivery
    assert delivery.accepted == 1
    event = Event.objects.get()
    assert (event.source_event_id, event.category) == ("J1", "day")
    assert event.occurred_at == datetime(2026, 10, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


def test_json_lines_with_nested_fields(hub, tmp_path):
    lines = [
        {
            "source_id": "J1",
            "type": "police.homicide",
            "occurred_at": "2026-10-01T01:00:00+08:00",
            "unit_code": OWN_VILLAGE,
            "fields": {"deaths": 1},
        },
        {
            "source_id": "J2",
            "type": "police.homicide",
            "occurred_at": "2026-10-01T01:00:00+08:00",
            "unit_code": OWN_VILLAGE,
            "deaths": 2,
        },
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{not json\n"
    delivery = import_file(write(tmp_path, "x.jsonl", text), source=hub["police"]).delivery
    assert (delivery.accepted, delivery.rejected) == (2, 1)
    assert dict(Event.objects.values_list("source_event_id", "deaths")) == {"J1": 1, "J2": 2}
    assert Rejection.objects.get().line == 3


def test_xlsx_dates_without_a_zone_are_refused_unless_the_mapping_gives_one(hub, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["source_id", "type", "occurred_at", "unit_code", "category"])
    sheet.append(["X1", "police.burglary", datetime(2026, 10, 1, 8, 0), OWN_VILLAGE, "night"])
    path = tmp_path / "jq.xlsx"
    book.save(path)
    first = import_file(path, source=hub["police"]).delivery
    assert (first.accepted, first.rejected) == (0, 1)
    assert Rejection.objects.get().reason == "no_timezone"
    second = import_file(
        path, source=hub["police"], mapping=Mapping(constants={"timezone": "Asia/Shanghai"})
    ).delivery
    assert second.accepted == 1
    assert Event.objects.get().occurred_at == datetime(2026, 10, 1, 0, 0, tzinfo=UTC)


def test_parquet_files_are_read_in_batches(hub, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "source_id": [f"Q{i}" for i in range(25_000)],
            "type": ["police.burglary"] * 25_000,
            "occurred_at": pa.array(
                [datetime(2026, 10, 1, 0, 30, tzinfo=UTC)] * 25_000, pa.timestamp("us", tz="UTC")
            ),
            "unit_code": [OWN_VILLAGE] * 25_000,
        }
    )
    pq.write_table(table, tmp_path / "q.parquet")
    delivery = import_file(tmp_path / "q.parquet", source=hub["police"]).delivery
    assert (delivery.received, delivery.accepted) == (25_000, 25_000)
    assert Event.objects.count() == 25_000


@pytest.mark.parametrize(
    ("name", "content", "reason", "line"),
    [
        ("dup.csv", "source_id,type,type,occurred_at,unit_code\n", "duplicate_column", 1),
        (
            "utf16.csv",
            (HEADER + "A1,police.burglary,2026-10-01T08:00:00+08:00,449902001001,night\n").encode(
                "utf-16-le"
            ),
            "not_text",
            1,
        ),
        (
            "nul.csv",
            HEADER + "A1,police.burglary,2026-10-01T08:00:00+08:00,449902001001,ni\x00ght\n",
            "not_text",
            2,
        ),
        ("short.csv", "source_id,occurred_at\nA,2026-10-01T08:00:00+08:00\n", "missing_column", 1),
        ("events.pdf", "%PDF-1.4", "unsupported_type", None),
        ("fake.xlsx", "source_id,type\n", "corrupt_file", None),
        ("fake.parquet", "not parquet", "corrupt_file", None),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_reason(hub, tmp_path, name, content, reason, line):
    delivery = import_file(write(tmp_path, name, content), source=hub["police"]).delivery
    assert delivery.status == "rejected"
    assert Event.objects.count() == 0
    rejection = Rejection.objects.filter(delivery=delivery).first()
    assert (rejection.reason, rejection.line) == (reason, line)


def test_the_command_imports_and_writes_the_error_file(hub, tmp_path, capsys):
    path = write(tmp_path, "110.csv", HEADER + rows(4, bad_line=3))
    out = tmp_path / "errors.csv"
    call_command("hub", "import", str(path), "--source", "ga_110", "--errors", str(out))
    printed = capsys.readouterr()
    assert "110.csv:3: unit_code: unknown_unit" in printed.err
    assert Event.objects.count() == 3
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("3,P1,unit_code,unknown_unit")


def test_the_command_fails_loudly_on_an_atomic_reject(hub, tmp_path):
    path = write(tmp_path, "110.csv", HEADER + rows(4, bad_line=3))
    with pytest.raises(CommandError):
        call_command("hub", "import", str(path), "--source", "ga_110", "--mode", "atomic")
    assert Event.objects.count() == 0
    assert Delivery.objects.get().status == "rejected"


@pytest.mark.parametrize("worker", [False, True])
def test_the_validating_worker_gives_the_same_outcome_as_one_process(hub, tmp_path, settings, worker):
    """Big files are validated in a second process; small ones in this one. Same answers either way."""
    settings.HUB_VALIDATION_WORKER = worker
    settings.HUB_VALIDATION_WORKER_MIN_BYTES = 0
    text = (
        "source_id,type,occurred_at,unit_code,lon,lat,category,retract\n"
        + "".join(
            f"W{i},police.burglary,2026-10-01T08:00:00+08:00,{OWN_VILLAGE},,,night,\n" for i in range(25_000)
        )
        + "P1,police.burglary,2026-10-01T08:00:00+08:00,,113.30,22.10,day,\n"  # placed by its point
        + "P2,police.burglary,2026-10-01T08:00:00+08:00,,100.0,30.0,day,\n"  # outside the city
        + "W7,police.burglary,2026-10-01T09:00:00+08:00,449902001001,,,day,\n"  # W7 corrected in the same file
        + "W8,,,,,,,true\n"
    )  # W8 retracted in the same file
    delivery = import_file(write(tmp_path, "w.csv", text), source=hub["police"]).delivery
    assert (
        delivery.received,
        delivery.accepted,
        delivery.corrected,
        delivery.retracted,
        delivery.rejected,
    ) == (25_004, 25_001, 1, 1, 1)
    assert Rejection.objects.get().reason == "outside_city"
    assert Event.objects.current().count() == 25_000  # 25,000 + P1 − retracted W8
    assert Event.objects.get(source_event_id="P1").unit_code == "449903001001001"
    assert list(
        Event.objects.filter(source_event_id="W7").order_by("version").values_list("version", "is_current")
    ) == [(1, False), (2, True)]
