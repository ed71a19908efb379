"""Files as Chinese offices save them: GB18030 CSV from Excel with CRLF, a merged title row
above the header, local times in the forms Excel and WPS show, a 合计 row at the bottom.

Every count below is worked out by hand from the rows written in the test."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE
from zhili.cli import main as zhili
from zhili.hub.files import Mapping, import_file
from zhili.hub.models import ColumnMapping, Delivery, Event, Rejection

# 2 October 2026, 10:00 in Zhuhai: 1 October's cut-off (06:00 today) has passed, 2 October's has not.
NOW = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
CHINESE_COLUMNS = {
    "警情编号": "source_id",
    "报警时间": "occurred_at",
    "村居代码": "unit_code",
    "发案时段": "category",
    "报警人电话": "caller_phone",
}


@pytest.fixture
def police_mapping(hub):
    """What the police's data officer saved once: Chinese headers, the type and the city's zone."""
    return ColumnMapping.objects.create(
        source=hub["police"],
        name="default",
        columns=CHINESE_COLUMNS,
        constants={"type": "police.burglary", "timezone": "Asia/Shanghai"},
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def occurred() -> dict[str, datetime]:
    return dict(Event.objects.values_list("source_event_id", "occurred_at"))


@time_machine.travel(NOW, tick=False)
def test_a_gb18030_csv_from_excel_with_crlf_and_a_total_row_is_read(police_mapping, tmp_path):
    rows = [
        "警情编号,报警时间,村居代码,发案时段,报警人电话",
        f"J001,2026-10-01 08:05,{OWN_VILLAGE},night,13812345678",  # line 2: accepted, late
        f"J002,2026/10/1 21:30,{OWN_VILLAGE},night,",  # line 3: accepted, late
        f"J003,2026年10月2日 7时15分,{OTHER_VILLAGE},day,",  # line 4: accepted, not late (2 Oct)
        "J004,2026/10/2 9:00,449999999999,day,",  # line 5: rejected, unknown unit
        "合计,,,,",  # line 6: skipped, not an event
    ]
    path = tmp_path / "入室盗窃警情.csv"
    path.write_bytes("\r\n".join(rows).encode("gb18030") + b"\r\n")
    assert b"\xbe\xaf\xc7\xe9" in path.read_bytes()  # 警情 in GBK: the file really is not UTF-8

    delivery = import_file(path, source=police_mapping.source).delivery

    assert delivery.status == "done"
    assert (delivery.received, delivery.accepted, delivery.rejected, delivery.skipped, delivery.late) == (
        4,
        3,
        1,
        1,
        2,
    )
    assert list(Rejection.objects.values_list("line", "source_event_id", "reason")) == [
        (5, "J004", "unknown_unit")
    ]
    assert delivery.message == "1 个合计行已跳过（不是事件）：第 6 行“合计”"
    assert occurred() == {
        "J001": utc(2026, 10, 1, 0, 5),
        "J002": utc(2026, 10, 1, 13, 30),
        "J003": utc(2026, 10, 1, 23, 15),  # 07:15 on 2 October in Zhuhai
    }
    assert Event.objects.get(source_event_id="J003").occurred_date == date(2026, 10, 2)
    assert Event.objects.get(source_event_id="J001").fields == {
        "category": "night",
        "caller_phone": "13812345678",
    }


@time_machine.travel(NOW, tick=False)
def test_an_xlsx_with_a_merged_title_row_above_the_header_is_read(police_mapping, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["拱北派出所 2026年10月1日 入室盗窃警情登记表"])  # row 1: the title …
    sheet.merge_cells("A1:E1")  # … over the table's width, as offices do
    sheet.append(["填报单位：拱北派出所", None, None, "填报日期：2026-10-02"])  # row 2: who and when
    sheet.append(list(CHINESE_COLUMNS))  # row 3: the header
    sheet.append(["X1", datetime(2026, 10, 1, 8, 5), OWN_VILLAGE, "night", None])  # 4: a date cell
    sheet.append(["X2", "2026/10/1 9:30", OWN_VILLAGE, "day", None])  # 5: a time typed as text
    sheet.append(["X3", 46296.4375, OWN_VILLAGE, "night", None])  # 6: the day number of 1 Oct 10:30
    sheet.append([None, None, None, None, None])  # 7: empty, ignored
    sheet.append(["X4", datetime(2026, 10, 1, 11, 0), OWN_VILLAGE, "noon", None])  # 8: bad category
    sheet.append(["合 计", None, None, None, 4])  # 9: the sum, skipped
    path = tmp_path / "警情.xlsx"
    book.save(path)

    delivery = import_file(path, source=police_mapping.source).delivery

    assert (delivery.received, delivery.accepted, delivery.rejected, delivery.skipped) == (4, 3, 1, 1)
    assert list(Rejection.objects.values_list("line", "field", "reason")) == [
        (8, "fields.category", "bad_value")
    ]
    assert occurred() == {
        "X1": utc(2026, 10, 1, 0, 5),
        "X2": utc(2026, 10, 1, 1, 30),
        "X3": utc(2026, 10, 1, 2, 30),
    }
    assert "第 9 行“合计”" in delivery.message


@time_machine.travel(datetime(2026, 10, 5, tzinfo=UTC), tick=False)
def test_local_times_in_the_chinese_forms_take_the_configured_zone(hub, tmp_path):
    forms = [
        "2026/10/3 8:05",
        "2026-10-03 08:05:00",
        "2026年10月3日 8时5分",
        "2026.10.03 08:05",
        "2026/10/03 08:05:00.000",
        "2026年10月3日8点05分00秒",
    ]
    text = "source_id,type,occurred_at,unit_code\n" + "".join(
        f"T{i},police.burglary,{when},{OWN_VILLAGE}\n" for i, when in enumerate(forms)
    )
    text += f"T8,police.burglary,2026/2/30 8:00,{OWN_VILLAGE}\n"  # line 8: no 30 February
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")

    without_zone = import_file(path, source=hub["police"]).delivery
    assert (without_zone.accepted, without_zone.rejected) == (0, 7)
    assert set(Rejection.objects.values_list("reason", flat=True)) == {"no_timezone", "bad_timestamp"}
    assert Rejection.objects.get(reason="bad_timestamp").line == 8

    call_command("hub", "import", str(path), "--source", "ga_110", "--timezone", "Asia/Shanghai")
    delivery = Delivery.objects.order_by("-id").first()
    assert (delivery.received, delivery.accepted, delivery.rejected) == (7, 6, 1)
    assert set(occurred().values()) == {utc(2026, 10, 3, 0, 5)}  # 08:05 in Zhuhai, every form

    # The zone of a saved mapping does the same as --timezone.
    Event.objects.all().delete()
    again = import_file(
        path, source=hub["police"], mapping=Mapping(constants={"timezone": "Asia/Shanghai"})
    ).delivery
    assert (again.accepted, again.rejected) == (6, 1)


@time_machine.travel(NOW, tick=False)
def test_a_utf8_csv_with_a_bom_and_a_title_line_is_read(police_mapping, tmp_path):
    text = (
        "拱北派出所警情,,,,\n"
        + ",".join(CHINESE_COLUMNS)
        + "\n"
        + f"U1,2026-10-01 08:05,{OWN_VILLAGE},night,\n"
        + "总计：,,,,1\n"
    )
    path = tmp_path / "utf8.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    delivery = import_file(path, source=police_mapping.source).delivery
    assert (delivery.received, delivery.accepted, delivery.rejected, delivery.skipped) == (1, 1, 0, 1)
    assert "第 4 行“总计”" in delivery.message


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        # Latin-1 é then a line end: not UTF-8, and 0xE9 0x0A is no GB18030 character either.
        (
            "source_id,type,occurred_at,unit_code\nA1,police.burglary,café\n".encode("latin-1"),
            "unknown_encoding",
            2,
        ),
        # UTF-8 with Chinese up to line 3, then a GBK line: a damaged UTF-8 file, not mojibake.
        (
            "source_id,type,occurred_at,unit_code,category\n备注：拱北派出所十月警情\n".encode()
            + "A1,police.burglary,夜间\n".encode("gbk"),
            "not_utf8",
            3,
        ),
    ],
)
def test_a_file_in_neither_encoding_is_refused_at_its_line(hub, tmp_path, content, reason, line):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    delivery = import_file(path, source=hub["police"]).delivery
    assert delivery.status == "rejected" and Event.objects.count() == 0
    assert list(Rejection.objects.values_list("reason", "line")) == [(reason, line)]


@pytest.fixture
def keep_test_connection(monkeypatch):
    """`zhili …` run in this process, as the shell runs it (argument parsing, exit status); only
    Django's closing of every connection at the end is held back, since the test's transaction
    (PostgreSQL) lives on that connection."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_the_command_exits_non_zero_when_every_row_was_rejected(hub, tmp_path, capsys, keep_test_connection):
    path = tmp_path / "all-bad.csv"
    path.write_text(
        "source_id,type,occurred_at,unit_code\n"
        + "".join(f"B{i},police.burglary,2026-10-01T08:00:00+08:00,449999999999\n" for i in range(3)),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_:
        zhili(["hub", "import", str(path), "--source", "ga_110"])
    assert exit_.value.code == 1
    printed = capsys.readouterr()
    assert "接收 3，入库 0，重复 0，更正 0，撤回 0，拒收 3" in printed.out
    assert "全部 3 行均被拒收" in printed.err
    assert Delivery.objects.get().status == "done" and Event.objects.count() == 0


def test_the_command_refuses_an_unknown_time_zone_before_reading(hub, tmp_path, capsys, keep_test_connection):
    path = tmp_path / "x.csv"
    path.write_text("source_id,type,occurred_at,unit_code\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        zhili(["hub", "import", str(path), "--source", "ga_110", "--timezone", "Asia/Zhuhai"])
    assert exit_.value.code == 1
    assert "Asia/Zhuhai" in capsys.readouterr().err
    assert Delivery.objects.count() == 0


def test_gbk_whose_first_characters_happen_to_be_valid_utf8_is_still_read_as_gbk(hub, tmp_path):
    """夜 is D2 B9 in GBK, which is also a valid UTF-8 character (ҹ); 间 (BC E4) is not."""
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        (
            "source_id,type,occurred_at,unit_code,category\n"
            f"G1,police.burglary,2026-10-01T08:00:00+08:00,{OWN_VILLAGE},夜间\n"
        ).encode("gbk")
    )
    delivery = import_file(path, source=hub["police"]).delivery
    assert (delivery.status, delivery.received, delivery.rejected) == ("done", 1, 1)
    assert "“夜间”" in Rejection.objects.get().message  # read right: the value itself is what is wrong
