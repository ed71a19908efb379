"""Checking one raw item against the catalogue: types, timestamps, places, fields.

Pure functions, no database: `ItemValidator` is built once per delivery with what it needs
(allowed event types, known unit codes, the clock) and then checks items at tens of thousands
a second. The place of an item given as lon/lat is settled later, in bulk (see ingest.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.hub.models import FieldType

MAX_SOURCE_ID = 100
MAX_TEXT = 500
# The city's bounding box is checked by the geo lookup; this only catches swapped or absurd values.
LON_RANGE, LAT_RANGE = (-180.0, 180.0), (-90.0, 90.0)


class Reason:
    UNKNOWN_TYPE = "unknown_type"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    MISSING = "missing_field"
    BAD_VALUE = "bad_value"
    UNKNOWN_FIELD = "unknown_field"
    BAD_TIMESTAMP = "bad_timestamp"
    NO_TIMEZONE = "no_timezone"
    FUTURE = "in_future"
    TOO_OLD = "too_old"
    UNKNOWN_UNIT = "unknown_unit"
    OUTSIDE_CITY = "outside_city"
    NO_LOCATION = "no_location"
    UNKNOWN_EVENT = "unknown_event"
    BAD_ITEM = "bad_item"


# What people read for each reason code (the API keeps the codes).
REASON_LABELS = {
    Reason.UNKNOWN_TYPE: gettext_lazy("unknown event type"),
    Reason.TYPE_NOT_ALLOWED: gettext_lazy("another department's type"),
    Reason.MISSING: gettext_lazy("missing field"),
    Reason.BAD_VALUE: gettext_lazy("bad value"),
    Reason.UNKNOWN_FIELD: gettext_lazy("unknown field"),
    Reason.BAD_TIMESTAMP: gettext_lazy("bad time"),
    Reason.NO_TIMEZONE: gettext_lazy("time without a zone"),
    Reason.FUTURE: gettext_lazy("time in the future"),
    Reason.TOO_OLD: gettext_lazy("time too old"),
    Reason.UNKNOWN_UNIT: gettext_lazy("unknown unit"),
    Reason.OUTSIDE_CITY: gettext_lazy("outside the city"),
    Reason.NO_LOCATION: gettext_lazy("no location"),
    Reason.UNKNOWN_EVENT: gettext_lazy("nothing to retract"),
    Reason.BAD_ITEM: gettext_lazy("unreadable item"),
    "not_utf8": gettext_lazy("not UTF-8"),
    "unknown_encoding": gettext_lazy("neither UTF-8 nor GB18030"),
    "not_text": gettext_lazy("not a text file"),
    "duplicate_column": gettext_lazy("duplicated column"),
    "missing_column": gettext_lazy("missing column"),
    "empty_column_name": gettext_lazy("column without a name"),
    "unsupported_type": gettext_lazy("unsupported file type"),
    "corrupt_file": gettext_lazy("damaged file"),
    "empty_file": gettext_lazy("empty file"),
    "too_large": gettext_lazy("file too large"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


class Invalid(Exception):
    def __init__(self, field: str, reason: str, message: str):
        super().__init__(message)
        self.field, self.reason, self.message = field, reason, message


@dataclass(slots=True)
class RawItem:
    """An item as it arrived, before any check. `line` is the file line or the batch index.
    `skip` names a row a reader recognised as no event at all (a 合计 row): counted, not checked."""

    line: int
    data: dict[str, Any]
    skip: str = ""


@dataclass(slots=True)
class CheckedItem:
    line: int
    source_id: str
    retract: bool = False
    type_code: str = ""
    occurred_at: datetime | None = None
    unit_code: str = ""
    lon: float | None = None
    lat: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    fields_json: str = "{}"
    measures: dict[str, Any] = field(default_factory=dict)
    payload_hash: str = ""


READER_ERRORS = {
    "too_many_values": gettext_lazy("more values than columns in the header"),
    "bad_json": gettext_lazy("not a JSON object"),
}
MEASURE_DEFAULTS = {"quantity": 1, "deaths": 0, "injuries": 0, "amount": None, "value": None, "category": ""}


@dataclass
class TypeRule:
    code: str
    type_id: int
    department_id: int
    fields: dict[str, dict]


class ItemValidator:
    def __init__(
        self,
        *,
        types: dict[str, TypeRule],
        allowed: set[str],
        unit_codes: set[str],
        now: datetime,
        future_tolerance: timedelta,
        oldest: datetime,
        default_tz: tzinfo | None = None,
    ):
        self.types, self.allowed, self.unit_codes = types, allowed, unit_codes
        self.now, self.latest, self.oldest = now, now + future_tolerance, oldest
        self.default_tz = default_tz

    def check(self, raw: RawItem) -> CheckedItem:
        data = raw.data
        if not isinstance(data, dict):
            raise Invalid("-", Reason.BAD_ITEM, _("an event must be an object"))
        if "_error" in data:  # the reader could not make an item of this line
            raise Invalid(
                "-",
                Reason.BAD_ITEM,
                str(READER_ERRORS.get(data["_error"], data["_error"]))
                + (f": {data['_message']}" if data.get("_message") else ""),
            )
        _refuse_nul(data)
        source_id = _text(data.get("source_id"))
        if not source_id:
            raise Invalid("source_id", Reason.MISSING, _("required"))
        if len(source_id) > MAX_SOURCE_ID:
            raise Invalid(
                "source_id", Reason.BAD_VALUE, _("longer than %(n)d characters") % {"n": MAX_SOURCE_ID}
            )
        if data.get("retract") in (True, "true", "1", 1):
            return CheckedItem(line=raw.line, source_id=source_id, retract=True)
        code = _text(data.get("type"))
        if not code:
            raise Invalid("type", Reason.MISSING, _("required"))
        rule = self.types.get(code)
        if rule is None:
            raise Invalid("type", Reason.UNKNOWN_TYPE, _("unknown event type “%(code)s”") % {"code": code})
        if code not in self.allowed:
            raise Invalid(
                "type",
                Reason.TYPE_NOT_ALLOWED,
                _("“%(code)s” belongs to another department") % {"code": code},
            )
        item = CheckedItem(line=raw.line, source_id=source_id, type_code=code)
        item.occurred_at = self._timestamp(data.get("occurred_at"))
        self._place(item, data)
        item.fields, item.measures = self._fields(rule, data.get("fields"))
        item.fields_json = fields_json(item.fields)
        item.payload_hash = payload_hash(item)
        return item

    def _timestamp(self, value: Any) -> datetime:
        if value is None or value == "":
            raise Invalid("occurred_at", Reason.MISSING, _("required"))
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            moment = _parse_time(value.strip())
        else:
            raise Invalid(
                "occurred_at", Reason.BAD_TIMESTAMP, _("must be a string like 2026-10-01T08:30:00+08:00")
            )
        if moment.tzinfo is None or moment.utcoffset() is None:
            if self.default_tz is None:
                raise Invalid(
                    "occurred_at",
                    Reason.NO_TIMEZONE,
                    _("“%(v)s” has no time zone; add one (+08:00) or set the mapping's time zone")
                    % {"v": value},
                )
            moment = moment.replace(tzinfo=self.default_tz)
        if moment > self.latest:
            raise Invalid(
                "occurred_at", Reason.FUTURE, _("%(v)s is in the future") % {"v": moment.isoformat()}
            )
        if moment < self.oldest:
            raise Invalid(
                "occurred_at",
                Reason.TOO_OLD,
                _("%(v)s is before %(oldest)s") % {"v": moment.isoformat(), "oldest": self.oldest.date()},
            )
        return moment.astimezone(UTC)

    def _place(self, item: CheckedItem, data: dict) -> None:
        code = _text(data.get("unit_code"))
        lon, lat = data.get("lon"), data.get("lat")
        has_point = lon not in (None, "") or lat not in (None, "")
        if has_point:
            item.lon = _float(lon, "lon", *LON_RANGE)
            item.lat = _float(lat, "lat", *LAT_RANGE)
        if code:
            if code not in self.unit_codes:
                raise Invalid("unit_code", Reason.UNKNOWN_UNIT, _("unknown unit %(code)s") % {"code": code})
            item.unit_code = code
        elif not has_point:
            raise Invalid("unit_code", Reason.NO_LOCATION, _("give unit_code or lon and lat"))

    def _fields(self, rule: TypeRule, given: Any) -> tuple[dict, dict]:
        if given is None or given == "":
            given = {}
        if not isinstance(given, dict):
            raise Invalid("fields", Reason.BAD_VALUE, _("must be an object"))
        unknown = [name for name in given if name not in rule.fields]
        if unknown:
            raise Invalid(
                f"fields.{unknown[0]}",
                Reason.UNKNOWN_FIELD,
                _("“%(type)s” has no field “%(name)s”") % {"type": rule.code, "name": unknown[0]},
            )
        out: dict[str, Any] = {}
        measures = dict(MEASURE_DEFAULTS)
        for name, spec in rule.fields.items():
            value = given.get(name)
            if value is None or value == "":
                if spec.get("required"):
                    raise Invalid(f"fields.{name}", Reason.MISSING, _("required"))
                continue
            value = _convert(name, spec, value)
            out[name] = value
            if name in measures:
                measures[name] = value
        return out, measures


def _convert(name: str, spec: dict, value: Any) -> Any:
    kind = spec.get("type", FieldType.TEXT)
    where = f"fields.{name}"
    if kind == FieldType.INT:
        if isinstance(value, bool):
            raise Invalid(where, Reason.BAD_VALUE, _("“%(v)s” is not a whole number") % {"v": value})
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
            if number is None:
                raise ValueError
        except (TypeError, ValueError):
            raise Invalid(
                where, Reason.BAD_VALUE, _("“%(v)s” is not a whole number") % {"v": value}
            ) from None
        _bounds(where, spec, number)
        return number
    if kind == FieldType.DECIMAL:
        number = _float(value, where)
        _bounds(where, spec, number)
        return number
    if kind == FieldType.BOOL:
        if value in (True, "true", "1", 1, "是"):
            return True
        if value in (False, "false", "0", 0, "否"):
            return False
        raise Invalid(where, Reason.BAD_VALUE, _("“%(v)s” is not yes/no") % {"v": value})
    text = _text(value)
    if kind == FieldType.CATEGORY:
        choices = spec.get("choices") or []
        if choices and text not in choices:
            raise Invalid(
                where,
                Reason.BAD_VALUE,
                _("“%(v)s” is not one of %(choices)s")
                % {"v": text, "choices": ", ".join(map(str, choices[:12]))},
            )
        return text
    if len(text) > MAX_TEXT:
        raise Invalid(where, Reason.BAD_VALUE, _("longer than %(n)d characters") % {"n": MAX_TEXT})
    return text


def _bounds(where: str, spec: dict, number: float) -> None:
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and number < low) or (high is not None and number > high):
        raise Invalid(
            where,
            Reason.BAD_VALUE,
            _("%(v)s is outside %(lo)s…%(hi)s")
            % {"v": number, "lo": "" if low is None else low, "hi": "" if high is None else high},
        )


def _float(value: Any, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool):
        raise Invalid(where, Reason.BAD_VALUE, _("“%(v)s” is not a number") % {"v": value})
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(where, Reason.BAD_VALUE, _("“%(v)s” is not a number") % {"v": value}) from None
    if not (math.isfinite(number) and low <= number <= high):
        raise Invalid(where, Reason.BAD_VALUE, _("%(v)s is out of range") % {"v": value})
    return number


def _refuse_nul(data: dict) -> None:
    """NUL characters cannot be stored in PostgreSQL text, and are never meant: refuse them by name."""
    for key, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(str(key), Reason.BAD_VALUE, _("contains a NUL character"))
        if key == "fields" and isinstance(value, dict):
            for name, inner in value.items():
                if isinstance(inner, str) and "\x00" in inner:
                    raise Invalid(f"fields.{name}", Reason.BAD_VALUE, _("contains a NUL character"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).strip()


# The date and time forms of Chinese spreadsheets, once 年月日时分秒 are turned into separators:
# 2026/10/3 8:05, 2026-10-3 08:05:00, 2026.10.03 08:05, 2026年10月3日 8时5分 (→ 2026-10-3 8:5).
_LOCAL_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?"
)
_CHINESE_SEPARATORS = str.maketrans(
    {"年": "-", "月": "-", "日": " ", "时": ":", "点": ":", "分": ":", "秒": None, "：": ":"}
)


def _parse_time(text: str) -> datetime:
    """ISO 8601 (with or without a zone), else one of the forms Excel and WPS show in China.

    Those forms carry no zone: the item gets the mapping's zone (or is refused for lacking one),
    as an Excel date cell does. Only year-month-day order is read: it is the only order in use
    in China, and reading 3/10/2026 either way would be a guess."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    local = _LOCAL_TIME.fullmatch(text.translate(_CHINESE_SEPARATORS).strip().rstrip(":"))
    if local:
        year, month, day, hour, minute, second, fraction = local.groups()
        try:
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
        except ValueError:
            pass  # 2026/2/30, 25:00 …: named below like any other bad time
    if _looks_like_excel_serial(text):
        raise Invalid(
            "occurred_at",
            Reason.BAD_TIMESTAMP,
            _(
                "“%(v)s” looks like an Excel date number; format the column as "
                "date and time, e.g. 2026/10/1 8:30, or give the zone: 2026-10-01T08:30:00+08:00"
            )
            % {"v": text},
        )
    raise Invalid(
        "occurred_at",
        Reason.BAD_TIMESTAMP,
        _("“%(v)s” is not a time; write e.g. 2026-10-01T08:30:00+08:00 or 2026/10/1 8:30") % {"v": text},
    )


def known_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (Asia/Shanghai)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _looks_like_excel_serial(text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return 20000 < number < 80000  # 1954 … 2119 as Excel day numbers


def fields_json(fields: dict) -> str:
    """The stored, canonical text of an event's fields (also part of its payload hash)."""
    if not fields:
        return "{}"
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def payload_hash(item: CheckedItem) -> str:
    """What makes two deliveries of one event "the same": type, time, place and fields."""
    canonical = f"{item.type_code}|{item.occurred_at.isoformat()}|{item.unit_code}|{item.lon}|{item.lat}|{item.fields_json}"
    return hashlib.sha256(canonical.encode()).hexdigest()
