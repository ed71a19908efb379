"""The Parquet lake: current versions only, idempotent bytes, read by DuckDB."""

from datetime import date

import duckdb
import pytest

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE
from tests.test_hub_ingest import burglary, post
from zhili.hub.lake import day_path, events_glob, export, levels
from zhili.hub.models import LakeDay

DAY = date(2026, 10, 1)


@pytest.fixture
def lake(hub, settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    return hub


def read(day: date):
    return duckdb.sql(
        f"SELECT source_id, version, category, village_code, town_code, district_code "
        f"FROM read_parquet('{day_path(day)}') ORDER BY source_id"
    ).fetchall()


def test_export_writes_the_current_version_of_each_event(lake):
    post(lake["police_key"], [burglary("E1"), burglary("E2", unit_code=OTHER_VILLAGE)])
    assert [(r.day, r.rows) for r in export()] == [(DAY, 2)]
    assert read(DAY) == [
        ("E1", 1, "night", OWN_VILLAGE, "449902001000", "449902000000"),
        ("E2", 1, "night", OTHER_VILLAGE, "449903001000", "449903000000"),
    ]
    assert export() == []  # nothing changed since


def test_re_exporting_a_day_gives_the_same_bytes(lake):
    post(lake["police_key"], [burglary(f"B{i}") for i in range(100)])
    first = export()[0]
    again = export([DAY])[0]
    assert first.sha256 == again.sha256 and len(first.sha256) == 64
    assert LakeDay.objects.get(day=DAY).sha256 == first.sha256


def test_a_correction_replaces_the_old_version_in_the_lake(lake):
    post(lake["police_key"], [burglary("C1"), burglary("C2")])
    export()
    post(lake["police_key"], [burglary("C1", fields={"category": "day"})])
    assert LakeDay.objects.get(day=DAY).dirty
    export()
    assert read(DAY) == [
        ("C1", 2, "day", OWN_VILLAGE, "449902001000", "449902000000"),
        ("C2", 1, "night", OWN_VILLAGE, "449902001000", "449902000000"),
    ]


def test_a_correction_that_moves_the_day_leaves_the_old_day(lake):
    post(lake["police_key"], [burglary("M1"), burglary("M2")])
    export()
    post(lake["police_key"], [burglary("M1", occurred_at="2026-10-02T09:00:00+08:00")])
    export()
    assert [r[0] for r in read(DAY)] == ["M2"]
    assert [r[0] for r in read(date(2026, 10, 2))] == ["M1"]


def test_a_retraction_removes_the_event_and_an_empty_day_disappears(lake):
    post(lake["police_key"], [burglary("R1"), burglary("R2")])
    export()
    post(lake["police_key"], [{"source_id": "R1", "retract": True}])
    export()
    assert [r[0] for r in read(DAY)] == ["R2"]
    post(lake["police_key"], [{"source_id": "R2", "retract": True}])
    assert export()[0].rows == 0
    assert not day_path(DAY).exists()


def test_duckdb_counts_by_village_over_the_whole_lake(lake):
    post(
        lake["police_key"],
        [burglary(f"A{i}") for i in range(3)]
        + [burglary("B1", unit_code=OTHER_VILLAGE)]
        + [burglary("D1", occurred_at="2026-10-05T12:00:00+08:00")],
    )
    export()
    got = duckdb.sql(
        f"SELECT village_code, count(*) FROM read_parquet('{events_glob()}', hive_partitioning = true) "
        f"GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert got == [(OWN_VILLAGE, 4), (OTHER_VILLAGE, 1)]
    dates = duckdb.sql(
        f"SELECT DISTINCT date FROM read_parquet('{events_glob()}', hive_partitioning = true) ORDER BY 1"
    ).fetchall()
    assert [str(d[0]) for d in dates] == ["2026-10-01", "2026-10-05"]


def test_levels_of_a_code():
    assert levels("449902001001001") == ("449902001001001", "449902001001", "449902001000", "449902000000")
    assert levels("449902001000") == (None, None, "449902001000", "449902000000")
    assert levels("449900000000") == (None, None, None, None)
