"""The analytics lake: the current version of every event, as Parquet, one folder per day.

    <LAKE_DIR>/events/date=2026-10-01/part-0.parquet

A day is rewritten whole when any of its events changed (LakeDay.changed_at), or when it was
written in an older lake format or with another pseudonym key; rows are sorted by (source,
source id) and written with fixed settings, so exporting the same data twice gives the same
bytes. This is what the index engine reads, with DuckDB or Spark.

Personal fields (`personal: true` in the catalogue) are kept only as keyed pseudonyms (see
pseudonym.py): no clear value reaches a Parquet file, its pages or its statistics.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from zhili.hub.models import LakeDay
from zhili.hub.pseudonym import Pseudonymiser

# 0: written before pseudonyms (personal values in clear); 1: personal fields as HMAC pseudonyms.
# A day exported in another format is rewritten by the next export.
LAKE_FORMAT = 1

SCHEMA = pa.schema(
    [
        ("event_id", pa.int64()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("version", pa.int32()),
        ("type", pa.string()),
        ("family", pa.string()),
        ("department", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("occurred_date", pa.date32()),
        ("unit_code", pa.string()),
        ("grid_code", pa.string()),
        ("village_code", pa.string()),
        ("town_code", pa.string()),
        ("district_code", pa.string()),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
        ("quantity", pa.int32()),
        ("deaths", pa.int32()),
        ("injuries", pa.int32()),
        ("amount", pa.float64()),
        ("value", pa.float64()),
        ("category", pa.string()),
        ("fields", pa.string()),
        ("received_at", pa.timestamp("us", tz="UTC")),
        ("late", pa.bool_()),
    ]
)
WRITE_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 256 * 1024,
    "data_page_version": "2.0",
}

QUERY = """
SELECT e.id, s.code, e.source_event_id, e.version, t.code, t.family, d.code, e.occurred_at, e.unit_code,
       e.lon, e.lat, e.quantity, e.deaths, e.injuries, e.amount, e.value, e.category, e.fields, e.received_at, e.late
FROM hub_event e
JOIN hub_source s ON s.id = e.source_id
JOIN hub_eventtype t ON t.id = e.event_type_id
JOIN org_department d ON d.id = e.department_id
WHERE e.occurred_date = %s AND e.is_current AND NOT e.retracted
ORDER BY s.code, e.source_event_id
"""


@dataclass
class DayExport:
    day: date
    rows: int
    path: Path | None
    sha256: str


def lake_root() -> Path:
    return Path(settings.LAKE_DIR)


def events_glob() -> str:
    return str(lake_root() / "events" / "*" / "*.parquet")


def day_path(day: date) -> Path:
    return lake_root() / "events" / f"date={day.isoformat()}" / "part-0.parquet"


def levels(code: str) -> tuple[str | None, str | None, str | None, str | None]:
    """grid, village/community, town, district codes of a unit code (None above its level)."""
    from zhili.core.scope import code_prefix

    depth = len(code_prefix(code))
    grid = code if depth == 15 else None
    village = code[:12] if depth >= 12 else None
    town = code[:9] + "000" if depth >= 9 else None
    district = code[:6] + "000000" if depth >= 6 else None
    return grid, village, town, district


def export_day(day: date, pseudonyms: Pseudonymiser | None = None) -> DayExport:
    pseudonyms = pseudonyms or Pseudonymiser()
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [day.isoformat() if connection.vendor == "sqlite" else day])
        rows = cursor.fetchall()
    path = day_path(day)
    if not rows:
        if path.parent.exists():
            shutil.rmtree(path.parent)
        return DayExport(day, 0, None, "")
    columns = list(zip(*rows, strict=True))
    level_cache: dict[str, tuple] = {}
    unit_levels = [level_cache.get(code) or level_cache.setdefault(code, levels(code)) for code in columns[8]]
    data = {
        "event_id": columns[0],
        "source": columns[1],
        "source_id": columns[2],
        "version": columns[3],
        "type": columns[4],
        "family": columns[5],
        "department": columns[6],
        "occurred_at": _timestamps(columns[7]),
        "occurred_date": [day] * len(rows),
        "unit_code": columns[8],
        "grid_code": [lv[0] for lv in unit_levels],
        "village_code": [lv[1] for lv in unit_levels],
        "town_code": [lv[2] for lv in unit_levels],
        "district_code": [lv[3] for lv in unit_levels],
        "lon": columns[9],
        "lat": columns[10],
        "quantity": columns[11],
        "deaths": columns[12],
        "injuries": columns[13],
        "amount": columns[14],
        "value": columns[15],
        "category": _categories(columns[4], columns[16], pseudonyms),
        "fields": [
            pseudonyms.fields_text(code, _json_text(v), _json_text)
            for code, v in zip(columns[4], columns[17], strict=True)
        ],
        "received_at": _timestamps(columns[18]),
        "late": [bool(v) for v in columns[19]],
    }
    table = pa.Table.from_pydict(data, schema=SCHEMA)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, **WRITE_OPTIONS)
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    return DayExport(day, len(rows), path, _sha256(path))


def export(days: list[date] | None = None) -> list[DayExport]:
    """Export the given days, or every day that changed since its last export or was written in
    another lake format or with another pseudonym key (so that an upgrade or a new key rewrites
    the days that still hold clear values or old pseudonyms)."""
    pseudonyms = Pseudonymiser()
    if days is None:
        candidates = list(LakeDay.objects.order_by("day"))
        todo = [(d.day, d.changed_at) for d in candidates if d.dirty or stale(d, pseudonyms.key_id)]
    else:
        known = {d.day: d.changed_at for d in LakeDay.objects.filter(day__in=days)}
        todo = [(day, known.get(day)) for day in days]
    results = []
    for day, seen_change in todo:
        result = export_day(day, pseudonyms)
        results.append(result)
        if seen_change is not None:
            # Conditional: events that arrived during the export keep the day dirty.
            LakeDay.objects.filter(day=day, changed_at=seen_change).update(
                exported_change=seen_change,
                exported_at=timezone.now(),
                rows=result.rows,
                sha256=result.sha256,
                lake_format=LAKE_FORMAT,
                pseudonym_key=pseudonyms.key_id,
            )
    return results


def stale(day: LakeDay, key_id: str) -> bool:
    """Written in an older format (clear personal values) or with another pseudonym key."""
    return day.lake_format != LAKE_FORMAT or day.pseudonym_key != key_id


def _categories(types, categories, pseudonyms: Pseudonymiser) -> list:
    """The category column, pseudonymised for a type whose `category` field is marked personal
    (the catalogue does not allow it, an admin edit might)."""
    personal = {code for code, names in pseudonyms.personal.items() if "category" in names}
    if not personal:
        return list(categories)
    return [
        pseudonyms.of(c) if code in personal and c else c for code, c in zip(types, categories, strict=True)
    ]


def _timestamps(values) -> pa.Array:
    """UTC timestamps from what the driver returned: naive UTC text on SQLite, aware datetimes on
    PostgreSQL. Arrow converts the whole column at once."""
    if values and isinstance(values[0], str):
        return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    return pa.array(values, pa.timestamp("us", tz="UTC"))


def _json_text(value) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
