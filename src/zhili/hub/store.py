"""Bulk writes of events: the hot path of every import.

Django's bulk_create builds a model instance per row, which costs more than the insert itself
at tens of thousands of rows a second; here rows are plain tuples, written with one
`executemany` on SQLite and with COPY on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from django.db import connection

from zhili.hub.models import Event

EVENT_COLUMNS = (
    "source_id",
    "source_event_id",
    "version",
    "is_current",
    "retracted",
    "event_type_id",
    "department_id",
    "occurred_at",
    "occurred_date",
    "unit_code",
    "lon",
    "lat",
    "quantity",
    "deaths",
    "injuries",
    "amount",
    "value",
    "category",
    "fields",
    "payload_hash",
    "delivery_id",
    "received_at",
    "late",
)
FIELDS_INDEX = EVENT_COLUMNS.index("fields")


def insert_events(rows: Sequence[tuple]) -> None:
    """Insert event rows (tuples in EVENT_COLUMNS order; `fields` as a dict)."""
    if not rows:
        return
    table = Event._meta.db_table
    if connection.vendor == "postgresql":
        cols = ", ".join(EVENT_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(
                f"COPY {table} ({cols}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(_pg_row(row))
        return
    placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_sqlite_row(row) for row in rows])


def _sqlite_row(row: tuple) -> tuple:
    out = list(row)
    out[FIELDS_INDEX] = json.dumps(row[FIELDS_INDEX], ensure_ascii=False, separators=(",", ":"))
    for i, value in enumerate(out):
        if isinstance(value, datetime):
            # What Django itself stores on SQLite: naive UTC text.
            out[i] = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        elif isinstance(value, date):
            out[i] = value.isoformat()
    return tuple(out)


def _pg_row(row: tuple) -> tuple:
    out = list(row)
    out[FIELDS_INDEX] = json.dumps(row[FIELDS_INDEX], ensure_ascii=False, separators=(",", ":"))
    return tuple(out)


def mark_not_current(ids: Sequence[int]) -> None:
    _update_ids("is_current", False, ids)


def mark_retracted(ids: Sequence[int]) -> None:
    _update_ids("retracted", True, ids)


def _update_ids(column: str, value: bool, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 5000):
        Event.objects.filter(pk__in=ids[start : start + 5000]).update(**{column: value})


def current_versions(source_id: int, source_event_ids: Sequence[str]) -> dict[str, tuple]:
    """(id, version, payload_hash, retracted, occurred_date) of the current version of each id."""
    found: dict[str, tuple] = {}
    ids = list(dict.fromkeys(source_event_ids))
    for start in range(0, len(ids), 5000):
        rows = Event.objects.filter(
            source_id=source_id, is_current=True, source_event_id__in=ids[start : start + 5000]
        ).values_list("source_event_id", "id", "version", "payload_hash", "retracted", "occurred_date")
        for sid, *rest in rows:
            found[sid] = tuple(rest)
    return found
