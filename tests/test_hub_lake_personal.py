"""No personal data in the lake: fields marked personal reach Parquet only as keyed pseudonyms,
and the audited read of the API stays the one way to the clear value."""

import hashlib
import hmac
import json
import os
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import client_for
from tests.test_hub_ingest import burglary, post
from zhili.core.models import AuditLog
from zhili.hub.lake import LAKE_FORMAT, day_path, export, lake_root
from zhili.hub.models import Event, LakeDay
from zhili.hub.pseudonym import KEY_FILE, key_id

KEY = "a-test-key-that-is-long-enough-0123456789"
PHONE, OTHER_PHONE = "13812345678", "13987654321"
DAY, NEXT_DAY = date(2026, 10, 1), date(2026, 10, 2)


def by_hand(value: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def lake(hub, settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    settings.PSEUDONYM_KEY = KEY
    post(
        hub["police_key"],
        [
            burglary("P1", fields={"category": "night", "caller_phone": PHONE}),
            burglary("P2", fields={"category": "day", "caller_phone": PHONE}),  # the same caller
            burglary("P3", fields={"category": "night", "caller_phone": OTHER_PHONE}),
            burglary("P4", occurred_at="2026-10-02T09:00:00+08:00", fields={"caller_phone": PHONE}),
            burglary("P5"),  # no phone given
        ],
    )
    return hub


def parquet_files() -> list[Path]:
    return sorted(lake_root().rglob("*.parquet"))


def all_text(table: pa.Table) -> list[str]:
    """Every value of every column, as text."""
    return [str(v) for column in table.columns for v in column.to_pylist()]


def test_no_personal_value_reaches_a_parquet_file_in_clear(lake):
    assert sorted(r.rows for r in export()) == [1, 4]
    files = parquet_files()
    assert [f.parent.name for f in files] == ["date=2026-10-01", "date=2026-10-02"]
    for path in files:
        raw = path.read_bytes()
        # Not in the pages, the dictionary or the footer's min/max statistics …
        for clear in (PHONE, OTHER_PHONE):
            assert clear.encode() not in raw and clear.encode("utf-16-le") not in raw
        # … nor in any decoded value of any column.
        table = pq.read_table(path)
        assert not [v for v in all_text(table) if PHONE in v or OTHER_PHONE in v]
    fields = {
        row["source_id"]: json.loads(row["fields"])
        for path in files
        for row in pq.read_table(path, columns=["source_id", "fields"]).to_pylist()
    }
    assert fields == {
        "P1": {"category": "night", "caller_phone": by_hand(PHONE)},
        "P2": {"category": "day", "caller_phone": by_hand(PHONE)},
        "P3": {"category": "night", "caller_phone": by_hand(OTHER_PHONE)},
        "P4": {"caller_phone": by_hand(PHONE)},
        "P5": {"category": "night"},
    }
    # Equal values stay equal across days: three events of one caller, one of another.
    import duckdb

    callers = duckdb.sql(
        f"SELECT json_extract_string(fields, '$.caller_phone') AS p, count(*) "
        f"FROM read_parquet('{lake_root()}/events/*/*.parquet') WHERE p IS NOT NULL GROUP BY p ORDER BY 2"
    ).fetchall()
    assert callers == [(by_hand(OTHER_PHONE), 1), (by_hand(PHONE), 3)]
    assert Event.objects.get(source_event_id="P1").fields["caller_phone"] == PHONE  # the database keeps it


def test_the_audited_read_still_gives_the_clear_value_to_a_role_that_may_see_it(lake, personas):
    export()
    event = Event.objects.get(source_event_id="P1")
    police = client_for(personas["police_officer"])
    full = police.get(f"/api/v1/hub/events/{event.pk}/personal").json()
    assert full == {"id": event.pk, "source_id": "P1", "fields": {"caller_phone": PHONE}}
    assert AuditLog.objects.get(action="view_personal").actor_username == "police_officer_a"
    listed = police.get("/api/v1/hub/events?type=police.burglary").json()["items"]
    assert {e["fields"].get("caller_phone") for e in listed} == {"138****5678", "139****4321", None}
    assert (
        client_for(personas["town_cadre"]).get(f"/api/v1/hub/events/{event.pk}/personal").status_code == 403
    )


def test_a_day_written_before_pseudonyms_is_rewritten_by_the_next_export(lake):
    export()
    # A day as the previous lake format left it: the phone in clear, exported, not dirty.
    clear = pa.table({"source_id": ["P4"], "fields": [json.dumps({"caller_phone": PHONE})]})
    pq.write_table(clear, day_path(NEXT_DAY))
    LakeDay.objects.filter(day=NEXT_DAY).update(lake_format=0, pseudonym_key="")
    assert PHONE.encode() in day_path(NEXT_DAY).read_bytes()

    assert [(r.day, r.rows) for r in export()] == [(NEXT_DAY, 1)]  # the stale day only
    assert PHONE.encode() not in day_path(NEXT_DAY).read_bytes()
    assert json.loads(pq.read_table(day_path(NEXT_DAY)).column("fields")[0].as_py()) == {
        "caller_phone": by_hand(PHONE)
    }
    assert set(LakeDay.objects.values_list("lake_format", "pseudonym_key")) == {
        (LAKE_FORMAT, key_id(KEY.encode()))
    }
    assert export() == []


def test_a_new_key_rewrites_every_day_with_the_new_pseudonyms(lake, settings):
    export()
    settings.PSEUDONYM_KEY = "another-key-that-is-long-enough-9876543210"
    assert sorted(r.day for r in export()) == [DAY, NEXT_DAY]
    table = pq.read_table(day_path(NEXT_DAY))
    assert json.loads(table.column("fields")[0].as_py())["caller_phone"] == by_hand(
        PHONE, settings.PSEUDONYM_KEY
    )


def test_without_a_configured_key_one_is_made_once_in_the_data_dir(lake, settings, tmp_path):
    settings.PSEUDONYM_KEY = ""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    export()
    key_file = settings.DATA_DIR / KEY_FILE
    secret = key_file.read_text().strip()
    assert len(secret) == 64 and oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    fields = json.loads(pq.read_table(day_path(NEXT_DAY)).column("fields")[0].as_py())
    assert fields["caller_phone"] == by_hand(PHONE, secret)
    assert export() == [] and key_file.read_text().strip() == secret  # the same key next time
