"""`load_demo_events`: the plan of a year's deliveries (with the missing, late and bad ones), the
deliveries and rejected items, and the events written in chunks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .calendar import _Calendar
from .draw import _air_quality, _concat, _conform, _draw, _homicide_cases, _participation, _Rows, _TypeInfo
from .seeds import _crc
from .specs import AIR, HOMICIDE, PARTICIPATION, SERIOUS, SPECS, SURVEY
from .units import _load_units, _Units

log = logging.getLogger("zhili.hub")

CHUNK = 20_000  # events per insert and transaction
SOURCE_PREFIX = "demo."
MEASURES = ("quantity", "deaths", "injuries", "amount", "value", "category")

BAD_WEEKS = 3  # a district with 1.5–2× crime for a week
MISSING_DAYS = 6  # (department, day) without any delivery
LATE_DELIVERIES = 10
BAD_DELIVERIES = 4  # deliveries with rejected items


# --- the plan: events in delivery order, and the odd deliveries ---------------------------------
@dataclass
class _Plan:
    types: list[_TypeInfo]
    departments: list  # Department objects, by code
    units: _Units
    type_of: np.ndarray  # per event, in writing order (day, department, time)
    row_of: np.ndarray  # its row within its type
    dept_of: np.ndarray  # index into `departments`
    day: np.ndarray
    timestamp: np.ndarray  # UTC
    grid: np.ndarray
    point: np.ndarray
    seq: np.ndarray  # its number within its department, from 1
    missing: set[tuple[int, int]]  # (department, day) without a delivery
    late: set[tuple[int, int]]  # (department, day) delivered after the cut-off
    bad: dict[tuple[int, int], int]  # (department, day) → rejected items


def _plan(
    types: list[_TypeInfo], rows: list[_Rows], departments: list, units: _Units, cal: _Calendar, seed: int
):
    rng = np.random.default_rng([seed, _crc("deliveries")])
    n_dept = len(departments)
    dept_index = {d.pk: i for i, d in enumerate(departments)}

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).astype("int64") if parts else np.zeros(0, dtype="int64")

    type_of = cat([np.full(len(r.unit), i) for i, r in enumerate(rows)])
    row_of = cat([np.arange(len(r.unit)) for r in rows])
    dept_of = np.array([dept_index[t.department_id] for t in types], dtype="int64")[type_of]
    day, second = cat([r.day for r in rows]), cat([r.second for r in rows])
    grid, point = cat([r.grid for r in rows]), cat([r.point for r in rows])

    # A few days on which one department delivered nothing, a handful of late deliveries and a few
    # deliveries with rejected items, among days at least three days old.
    settled = max(cal.included - 3, 0)
    pairs = []
    if settled and n_dept:
        pairs = list(
            dict.fromkeys((int(rng.integers(n_dept)), int(rng.integers(settled))) for _ in range(30))
        )
    missing = set(pairs[:MISSING_DAYS])
    late = set(pairs[MISSING_DAYS : MISSING_DAYS + LATE_DELIVERIES])
    per_pair = np.bincount(dept_of * cal.size + day, minlength=n_dept * cal.size).reshape(n_dept, cal.size)
    for i, d in missing:
        per_pair[i, d] = 0
    bad: dict[tuple[int, int], int] = {}
    if settled and per_pair.size and per_pair[:, :settled].max() > 0:
        busy = np.argwhere(per_pair[:, :settled] >= min(50, per_pair[:, :settled].max()))
        for k in rng.choice(len(busy), size=min(BAD_DELIVERIES, len(busy)), replace=False):
            i, d = (int(x) for x in busy[k])
            bad[(i, d)] = int(min(rng.integers(40, 121), max(3, per_pair[i, d])))

    keep = np.ones(len(type_of), dtype=bool)
    for i, d in missing:
        keep &= ~((dept_of == i) & (day == d))
    order = np.flatnonzero(keep)[np.lexsort((second[keep], dept_of[keep], day[keep]))]
    type_of, row_of, dept_of, day, second, grid, point = (
        a[order] for a in (type_of, row_of, dept_of, day, second, grid, point)
    )
    seq = np.zeros(len(order), dtype="int64")
    for i in range(n_dept):
        sel = dept_of == i
        seq[sel] = np.arange(1, int(sel.sum()) + 1)
    timestamp = cal.timestamps(day, second)
    return _Plan(types, departments, units, type_of, row_of, dept_of, day, timestamp, grid, point, seq, missing,
                 late, bad)  # fmt: skip


# --- writing ------------------------------------------------------------------------------------
def _deliveries(plan: _Plan, sources: dict[int, Any], cal: _Calendar, seed: int) -> np.ndarray:
    """One delivery per department and day (none on the missing days), their rejected items and the
    alerts of the missing days. Returns the delivery ids as a (department, day) array, 0: none."""
    from zhili.hub.models import Channel, Delivery, DeliveryStatus, ImportMode, QualityAlert

    rng = np.random.default_rng([seed, _crc("received")])
    n_dept = len(plan.departments)
    counts = np.bincount(plan.dept_of * cal.size + plan.day, minlength=n_dept * cal.size).reshape(
        n_dept, cal.size
    )
    objects, keys, times = [], [], []
    for i, dept in enumerate(plan.departments):
        for d in range(cal.included):
            if (i, d) in plan.missing:
                continue
            if (i, d) in plan.late:  # after the cut-off: later that morning, or the next day
                received = cal.cutoffs[d] + timedelta(seconds=float(rng.uniform(1800, 30 * 3600)))
            else:  # the next morning between 01:00 and 05:00, before the cut-off
                received = (
                    cal.cutoffs[d] - timedelta(hours=5) + timedelta(seconds=float(rng.uniform(0, 4 * 3600)))
                )
            received = received.replace(microsecond=0)
            accepted, rejected = int(counts[i, d]), plan.bad.get((i, d), 0)
            objects.append(
                Delivery(
                    source=sources[dept.pk],
                    department=dept,
                    channel=Channel.DEMO,
                    mode=ImportMode.PARTIAL,
                    status=DeliveryStatus.DONE,
                    received_date=received.astimezone(cal.tz).date(),
                    received=accepted + rejected,
                    accepted=accepted,
                    rejected=rejected,
                    late=accepted if (i, d) in plan.late else 0,
                )
            )
            keys.append((i, d))
            times.append((received, received + timedelta(seconds=round(2 + accepted / 4000, 3))))
    ids = np.zeros((n_dept, cal.size), dtype="int64")
    with transaction.atomic():
        created = Delivery.objects.bulk_create(objects, batch_size=1000)
        if any(o.pk is None for o in created):
            raise RuntimeError("the database did not return the ids of the new deliveries")
        # received_at is auto_now_add: set afterwards, in one statement per batch (bulk_update's
        # CASE expressions cost seconds for a year of deliveries).
        adapt = connection.ops.adapt_datetimefield_value
        table = Delivery._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET received_at = %s, finished_at = %s WHERE id = %s",  # noqa: S608
                [(adapt(r), adapt(f), obj.pk) for obj, (r, f) in zip(created, times, strict=True)],
            )
        for obj, (received, finished) in zip(created, times, strict=True):
            obj.received_at, obj.finished_at = received, finished
        for obj, (i, d) in zip(created, keys, strict=True):
            ids[i, d] = obj.pk
        _rejections(plan, {key: obj for key, obj in zip(keys, created, strict=True)}, cal, seed)
        for i, d in sorted(plan.missing):
            QualityAlert.objects.get_or_create(
                department=plan.departments[i], day=cal.days[d], kind="no_delivery"
            )
    return ids


def _rejections(plan: _Plan, deliveries: dict[tuple[int, int], Any], cal: _Calendar, seed: int) -> None:
    """The rejected items of the bad deliveries: each has a main problem and a few others."""
    from zhili.hub.models import Rejection
    from zhili.hub.validation import Reason

    rng = np.random.default_rng([seed, _crc("rejections")])
    problems = [
        Reason.UNKNOWN_UNIT,
        Reason.NO_TIMEZONE,
        Reason.BAD_VALUE,
        Reason.BAD_TIMESTAMP,
        Reason.MISSING,
    ]
    out = []
    for k, ((i, d), n) in enumerate(sorted(plan.bad.items())):
        delivery, dept = deliveries[(i, d)], plan.departments[i]
        types = [t for t in plan.types if t.department_id == dept.pk]
        main = problems[int(rng.integers(len(problems)))]
        for j, line in enumerate(np.sort(rng.choice(delivery.received, size=n, replace=False)).tolist()):
            reason = main if rng.random() < 0.8 else problems[int(rng.integers(len(problems)))]
            info = types[int(rng.integers(len(types)))] if types else None
            field_name, message = _problem(reason, info, cal.days[d], rng)
            out.append(
                Rejection(
                    delivery=delivery,
                    department=dept,
                    received_date=delivery.received_date,
                    line=line,
                    source_event_id=f"DEMO-{dept.code}-{cal.year}-R{k + 1}{j + 1:04d}",
                    field=field_name,
                    reason=reason,
                    message=message[:500],
                )
            )
    Rejection.objects.bulk_create(out, batch_size=1000)


def _problem(reason: str, info: _TypeInfo | None, day: date, rng) -> tuple[str, str]:
    """The field and the message that the validator gives for such an item (its very wording)."""
    from zhili.hub.validation import Reason

    clock = f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}:00"
    if reason == Reason.UNKNOWN_UNIT:  # a village code from before a boundary change
        code = f"4499{int(rng.integers(2, 5)):02d}{int(rng.integers(1, 20)):03d}{int(rng.integers(300, 400)):03d}"
        return "unit_code", _("unknown unit %(code)s") % {"code": code}
    if reason == Reason.NO_TIMEZONE:
        return "occurred_at", _(
            "“%(v)s” has no time zone; add one (+08:00) or set the mapping's time zone"
        ) % {"v": f"{day.isoformat()} {clock}"}
    if reason == Reason.BAD_TIMESTAMP:  # a date column that Excel turned into a number
        serial = (day - date(1899, 12, 30)).days + round(float(rng.uniform(0, 1)), 5)
        return "occurred_at", _(
            "“%(v)s” looks like an Excel date number; format the column as "
            "date and time with a zone, e.g. 2026-10-01T08:30:00+08:00"
        ) % {"v": serial}
    if reason == Reason.BAD_VALUE and info is not None and info.categories:  # the label instead of the code
        spec = info.categories[int(rng.integers(len(info.categories)))]
        choice = spec["choices"][int(rng.integers(len(spec["choices"])))]
        value = (spec.get("choice_labels") or {}).get(choice) or choice.upper()
        return f"fields.{spec['name']}", _("“%(v)s” is not one of %(choices)s") % {
            "v": value,
            "choices": ", ".join(map(str, spec["choices"][:12])),
        }
    if reason == Reason.BAD_VALUE:  # longitude and latitude swapped
        return "lon", _("%(v)s is out of range") % {"v": round(float(rng.uniform(200, 400)), 6)}
    return "occurred_at", _("required")


def _write(plan: _Plan, ids: np.ndarray, sources: dict[int, Any], cal: _Calendar, progress) -> None:
    """The events in chunks of CHUNK rows, one transaction each, with their lake days."""
    from zhili.hub.ingest import _touch_lake_days
    from zhili.hub.models import Delivery
    from zhili.hub.store import insert_events
    from zhili.hub.validation import CheckedItem, fields_json, payload_hash

    n = len(plan.type_of)
    received = dict(Delivery.objects.filter(pk__in=ids[ids > 0].tolist()).values_list("pk", "received_at"))
    late = np.zeros(ids.shape, dtype=bool)
    for i, d in plan.late:
        late[i, d] = True
    grid_codes = np.array(plan.units.grid_codes, dtype=object)
    pool = plan.units.pool
    source_of = [sources[dept.pk].pk for dept in plan.departments]
    dept_ids = [dept.pk for dept in plan.departments]
    prefixes = [f"DEMO-{dept.code}-{cal.year}-" for dept in plan.departments]
    type_ids = [t.pk for t in plan.types]
    type_codes = [t.code for t in plan.types]
    for start in range(0, n, CHUNK):
        sel = slice(start, min(start + CHUNK, n))
        fields, measures = _chunk_fields(plan, sel)
        dept, day, grid, point = plan.dept_of[sel], plan.day[sel], plan.grid[sel], plan.point[sel]
        delivery = ids[dept, day].tolist()
        is_late = late[dept, day].tolist()
        unit = grid_codes[grid].tolist()
        lon = [None if v != v else v for v in pool[grid, point, 0].tolist()]
        lat = [None if v != v else v for v in pool[grid, point, 1].tolist()]
        occurred = [datetime.fromtimestamp(ts, UTC) for ts in plan.timestamp[sel].tolist()]
        quantity, deaths, injuries, amount, value, category = (measures[name] for name in MEASURES)
        out = []
        for j, (t, i, d, seq) in enumerate(
            zip(plan.type_of[sel].tolist(), dept.tolist(), day.tolist(), plan.seq[sel].tolist(), strict=True)
        ):
            sid = f"{prefixes[i]}{seq:07d}"
            text = fields_json(fields[j])
            item = CheckedItem(
                line=0,
                source_id=sid,
                type_code=type_codes[t],
                occurred_at=occurred[j],
                unit_code=unit[j],
                lon=lon[j],
                lat=lat[j],
                fields=fields[j],
                fields_json=text,
            )
            out.append(
                (
                    source_of[i], sid, 1, True, False, type_ids[t], dept_ids[i], occurred[j], cal.days[d], unit[j],
                    lon[j], lat[j], quantity[j], deaths[j], injuries[j], amount[j], value[j], category[j], text,
                    payload_hash(item), delivery[j], received[delivery[j]], is_late[j],
                )
            )  # fmt: skip
        with transaction.atomic():
            insert_events(out)
            _touch_lake_days({cal.days[d] for d in np.unique(day).tolist()})
        if progress is not None:
            progress(sel.stop, n)


def _chunk_fields(plan: _Plan, sel: slice) -> tuple[list[dict], dict[str, list]]:
    """The `fields` dicts and the measure columns of a chunk, as plain Python values."""
    t_of, r_of = plan.type_of[sel], plan.row_of[sel]
    size = len(t_of)
    fields: list[dict] = [{}] * size
    measures: dict[str, list] = {name: [None] * size for name in MEASURES}
    for t in np.unique(t_of).tolist():
        where = np.flatnonzero(t_of == t)
        rows, at = r_of[where], where.tolist()
        info = plan.types[t]
        cols = []
        for values, present in info.columns:
            vals = values[rows].tolist()
            if present is not None:
                vals = [v if p else None for v, p in zip(vals, present[rows].tolist(), strict=True)]
            cols.append(vals)
        if cols:
            names = info.names
            for i, vals in zip(at, zip(*cols, strict=True), strict=True):
                fields[i] = {k: v for k, v in zip(names, vals, strict=True) if v is not None}
        for name, col in info.measures.items():
            vals = col[rows].tolist()
            if name in ("amount", "value"):
                vals = [None if v != v else v for v in vals]
            target = measures[name]
            for i, v in zip(at, vals, strict=True):
                target[i] = v
    return fields, measures


# --- the entry point ----------------------------------------------------------------------------
def _draw_all(
    wanted: list, types: dict, units: _Units, cal: _Calendar, scale: float, seed: int
) -> dict[str, _Rows]:
    """The events of every wanted type, with the bad weeks they share, the serious cases that
    homicides add, the participation that surveys bring and the air-quality readings."""
    drawn: dict[str, _Rows] = {}
    if units.codes and cal.included:
        rng = np.random.default_rng([seed, _crc("bad weeks")])
        district_pop = np.bincount(units.district, units.population, minlength=len(units.districts))
        bad_weeks = [
            (int(rng.choice(len(district_pop), p=district_pop / district_pop.sum())),
             int(rng.integers(0, max(cal.included - 7, 1))),
             float(rng.uniform(1.5, 2.0)))
            for _week in range(BAD_WEEKS)
        ]  # fmt: skip
        for spec in wanted:
            drawn[spec.code] = _draw(spec, units, cal, bad_weeks, scale, seed)
        if HOMICIDE in drawn and SERIOUS in drawn:
            drawn[SERIOUS] = _concat(drawn[SERIOUS], _homicide_cases(drawn[HOMICIDE]))
        if SURVEY in drawn and PARTICIPATION in types:
            drawn[PARTICIPATION] = _participation(drawn[SURVEY], units, cal, seed)
        if AIR in types and units.towns:
            drawn[AIR] = _air_quality(units, cal, seed)
    return drawn


def _demo_sources(departments: list) -> dict[int, Any]:
    """The demo source of each department, by the department's key; its upload source too."""
    from zhili.hub.models import Source

    sources = {}
    for dept in departments:
        sources[dept.pk], _created = Source.objects.get_or_create(
            code=SOURCE_PREFIX + dept.code,
            defaults={"name": f"{dept.short_name or dept.name}演示数据"[:100], "department": dept},
        )
        # The department's files sent through the upload page (no API key: the page's login).
        Source.objects.get_or_create(
            code=f"{dept.code}.files",
            defaults={"name": f"{dept.short_name or dept.name}文件报送"[:100], "department": dept},
        )
    return sources


def load_demo_events(
    *, year: int, seed: int = 2026, scale: float = 1.0, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Fill the hub with events from 1 January to 31 December of `year` (no event later than now).
    Returns counts per event-type family plus 'events', 'deliveries', 'rejections'.

    Only days whose cut-off has passed are filled (in the current year: up to yesterday, once it is
    past the cut-off). `scale` multiplies every rate (not the one air-quality reading per town and
    day). A year whose demo events are there already is refused."""
    from django.utils import timezone

    from zhili.core.errors import Conflict
    from zhili.hub.catalogue import load_catalogue
    from zhili.hub.ingest import local_tz
    from zhili.hub.models import Event, EventType

    if not scale > 0:
        raise ValueError("scale must be positive")
    if not EventType.objects.exists():
        load_catalogue()
    started = time.perf_counter()
    cal = _Calendar(year, local_tz(), timezone.now())
    types = {t.code: t for t in EventType.objects.filter(is_active=True).select_related("department")}
    wanted = [s for s in SPECS if s.code in types]
    codes = [s.code for s in wanted] + [c for c in (PARTICIPATION, AIR) if c in types]
    departments = sorted({types[c].department for c in codes}, key=lambda dept: dept.code)
    if Event.objects.filter(
        source__code__in=[SOURCE_PREFIX + d.code for d in departments],
        occurred_date__gte=cal.days[0],
        occurred_date__lte=cal.days[-1],
    ).exists():
        raise Conflict(_("demo events for %(year)d are already loaded") % {"year": year})

    units = _load_units(year, seed)
    drawn = _draw_all(wanted, types, units, cal, scale, seed)
    rng = np.random.default_rng([seed, _crc("conform")])
    infos, rows = [], []
    for code, r in drawn.items():
        info = _conform(r, types[code], rng)
        if info is not None and len(r.unit):
            infos.append(info)
            rows.append(r)
    plan = _plan(infos, rows, departments, units, cal, seed)
    generated = time.perf_counter()

    sources = _demo_sources(departments)
    ids = _deliveries(plan, sources, cal, seed)
    _write(plan, ids, sources, cal, progress)
    log.info(
        "demo events for %d: %d generated in %.1f s, written in %.1f s",
        year,
        len(plan.type_of),
        generated - started,
        time.perf_counter() - generated,
    )
    result: dict[str, int] = {}
    for info, count in zip(infos, np.bincount(plan.type_of, minlength=len(infos)).tolist(), strict=True):
        result[info.family] = result.get(info.family, 0) + count
    result.update(
        events=len(plan.type_of), deliveries=int((ids > 0).sum()), rejections=sum(plan.bad.values())
    )
    return result
