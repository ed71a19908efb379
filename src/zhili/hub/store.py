"""Bulk writes of events: the hot path of every import.

Django's bulk_create builds a model instance per row, which costs more than the insert itself
at tens of thousands of rows a second; here rows are plain tuples, written with one
`executemany` on SQLite and with COPY on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from django.db import connection

from zhili.hub.models import Event
from zhili.hub.validation import fields_json

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


_OCCURRED_AT, _OCCURRED_DATE, _RECEIVED_AT, _FIELDS = (
    EVENT_COLUMNS.index(c) for c in ("occurred_at", "occurred_date", "received_at", "fields")
)


def db_datetime(value: datetime):
    """A UTC datetime as the database driver takes it: naive UTC text on SQLite (what Django
    itself stores there), the aware value on PostgreSQL."""
    if connection.vendor == "postgresql":
        return value
    return _naive_utc(value)


def db_datetime_converter():
    """db_datetime with the backend looked up once, for loops over many rows."""
    if connection.vendor == "postgresql":
        return lambda value: value
    return _naive_utc


def db_date_converter():
    if connection.vendor == "postgresql":
        return lambda value: value
    return date.isoformat


def insert_events(rows: Sequence[tuple], *, adapted: bool = False) -> None:
    """Insert event rows: tuples in EVENT_COLUMNS order, datetimes aware; `fields` as JSON text
    (the canonical text from validation) or as a dict. `adapted` rows already hold what the driver
    takes (see db_datetime, db_date) and go in as they are."""
    if not rows:
        return
    if any(not isinstance(row[_FIELDS], str) for row in rows):
        rows = [
            (*row[:_FIELDS], fields_json(row[_FIELDS]), *row[_FIELDS + 1 :])
            if not isinstance(row[_FIELDS], str)
            else row
            for row in rows
        ]
    table = Event._meta.db_table
    if connection.vendor == "postgresql":
        cols = ", ".join(EVENT_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            copy.write(copy_text(rows))
        return
    placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows if adapted else [_sqlite_row(row) for row in rows])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, float):
        return repr(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def copy_text(rows: Sequence[tuple]) -> str:
    """Rows in PostgreSQL's COPY text format, rendered here in one pass: psycopg's write_row
    adapts value by value and costs three times as much."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


def _sqlite_row(row: tuple) -> tuple:
    """What Django itself stores on SQLite: naive UTC text for datetimes, ISO text for dates."""
    out = list(row)
    out[_OCCURRED_AT] = _naive_utc(row[_OCCURRED_AT])
    out[_OCCURRED_DATE] = row[_OCCURRED_DATE].isoformat()
    out[_RECEIVED_AT] = _naive_utc(row[_RECEIVED_AT])
    return tuple(out)


def _naive_utc(value: datetime) -> str:
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ")


def mark_not_current(ids: Sequence[int]) -> None:
    _update_ids("is_current", False, ids)


def mark_retracted(ids: Sequence[int]) -> None:
    _update_ids("retracted", True, ids)


def _update_ids(column: str, value: bool, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 5000):
        Event.objects.filter(pk__in=ids[start : start + 5000]).update(**{column: value})


def current_versions(source_id: int, source_event_ids: Sequence[str]) -> dict[str, tuple]:
    """(id, version, payload_hash, retracted, occurred_date) of the current version of each id.

    Raw SQL: the ORM spends more on preparing 10,000 IN parameters than the database on the query."""
    found: dict[str, tuple] = {}
    ids = list(dict.fromkeys(source_event_ids))
    table = Event._meta.db_table
    select = f"SELECT source_event_id, id, version, payload_hash, retracted, occurred_date FROM {table} "  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            if connection.vendor == "postgresql":
                cursor.execute(
                    select + "WHERE source_id = %s AND is_current AND source_event_id = ANY(%s)",
                    [source_id, part],
                )
            else:
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    select + f"WHERE source_id = %s AND is_current AND source_event_id IN ({marks})",
                    [source_id, *part],
                )
            for sid, pk, version, digest, retracted, day in cursor.fetchall():
                found[sid] = (
                    pk,
                    version,
                    digest,
                    bool(retracted),
                    date.fromisoformat(day) if isinstance(day, str) else day,
                )
    return found
