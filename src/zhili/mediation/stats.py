"""The numbers and the heat map of disputes: pure reads over an already-scoped queryset of cases.

The caller passes `selectors.visible_cases(actor)` (filtered by period, type, …), so scoping stays
in one place. Every function runs a fixed number of queries whatever the number of cases: counts
and sums are grouped in the database, and what the database cannot do portably (medians, H3
cells) is done on `values_list` rows, never on model instances.

A case's outcome (`with_outcome`):

- open: submitted, accepted, assigned, in_mediation or agreed;
- settled: signed, or archived/referred after having been signed (an agreement document with a
  verification code, or a `complete` step on its timeline);
- failed: failed, or archived/referred after failing (a `fail` step);
- withdrawn, declined: so, or archived after that (a `withdraw` / `decline` step);
- other: closed with none of the above on record (rows loaded by hand without a timeline).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import h3
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhili.geo.models import Unit
from zhili.mediation.choices import OPEN_STATES, DisputeType, DocumentKind, State
from zhili.mediation.models import Case, Document, Institution, Step

OUTCOMES = ("settled", "failed", "withdrawn", "declined")
CLOSED = (*OUTCOMES, "other")
Dimension = Literal["institution", "dispute_type", "outcome", "month", "district", "town"]
# Significant digits of a unit code at each level, and the digits that must not be all zeros there.
LEVEL_DIGITS = {"district": (6, slice(4, 6)), "town": (9, slice(6, 9)), "village": (12, slice(9, 12))}
OVERDUE_STATES = (State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION)


def scoped_base(cases: QuerySet) -> QuerySet:
    """The cases as a plain queryset, one row each: the scoped queryset may join parties and
    members (and be `distinct()`), which would count a case once per join row when grouped."""
    return Case.objects.filter(pk__in=cases.order_by().values("pk")).order_by()


def with_outcome(cases: QuerySet) -> QuerySet:
    """`cases` annotated with `outcome` (open, settled, failed, withdrawn, declined, other)."""

    def step(action: str) -> Exists:
        return Exists(Step.objects.filter(case=OuterRef("pk"), action=action))

    agreement = Exists(
        Document.objects.filter(case=OuterRef("pk"), kind=DocumentKind.AGREEMENT, code__isnull=False).exclude(
            code=""
        )
    )
    after = Q(state__in=(State.ARCHIVED, State.REFERRED))
    return cases.annotate(
        outcome=models.Case(
            models.When(state__in=OPEN_STATES, then=Value("open")),
            models.When(state=State.SIGNED, then=Value("settled")),
            models.When(state=State.FAILED, then=Value("failed")),
            models.When(state=State.WITHDRAWN, then=Value("withdrawn")),
            models.When(state=State.DECLINED, then=Value("declined")),
            models.When(after & (agreement | step("complete")), then=Value("settled")),
            models.When(after & step("fail"), then=Value("failed")),
            models.When(Q(state=State.ARCHIVED) & step("withdraw"), then=Value("withdrawn")),
            models.When(Q(state=State.ARCHIVED) & step("decline"), then=Value("declined")),
            default=Value("other"),
            output_field=models.CharField(),
        )
    )


def _days(created: datetime, closed: datetime) -> float:
    return (closed - created).total_seconds() / 86400


def _rate(settled: int, failed: int) -> float | None:
    return settled / (settled + failed) if settled + failed else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- summary ---------------------------------------------------------------------------------


def summary(cases: QuerySet, *, today: date | None = None, now: datetime | None = None) -> dict:
    """The headline figures of `cases` (two queries).

    {total, open, closed, settled, failed, withdrawn, declined, other, success_rate,
     mean_days, median_days, overdue, amount_involved, amount_agreed}

    success_rate = settled / (settled + failed), None when both are 0; mean_days/median_days:
    days from submission to closing over closed cases (one decimal), None when none closed;
    overdue: open cases past their due date (accepted/assigned/in mediation with
    `mediation_due` before `today`; submitted with `accept_due` before `now`); the amounts
    (Decimal) are those of settled cases: claimed (`amount`) and agreed (`agreed_amount`)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    qs = with_outcome(scoped_base(cases))
    counts = {o: Count("pk", filter=Q(outcome=o)) for o in ("open", *CLOSED)}
    overdue = Q(state__in=OVERDUE_STATES, mediation_due__lt=today) | Q(
        state=State.SUBMITTED, accept_due__lt=now
    )
    figures = qs.aggregate(
        total=Count("pk"),
        **counts,
        overdue=Count("pk", filter=overdue),
        amount_involved=Sum("amount", filter=Q(outcome="settled")),
        amount_agreed=Sum("agreed_amount", filter=Q(outcome="settled")),
    )
    durations = [
        _days(created, closed)
        for created, closed in qs.filter(outcome__in=CLOSED, closed_at__isnull=False).values_list(
            "opened_at", "closed_at"
        )
    ]
    return {
        "total": figures["total"],
        "open": figures["open"],
        "closed": sum(figures[o] for o in CLOSED),
        **{o: figures[o] for o in CLOSED},
        "success_rate": _rate(figures["settled"], figures["failed"]),
        "mean_days": _round(statistics.fmean(durations)) if durations else None,
        "median_days": _round(statistics.median(durations)) if durations else None,
        "overdue": figures["overdue"],
        "amount_involved": figures["amount_involved"] or Decimal("0.00"),
        "amount_agreed": figures["amount_agreed"] or Decimal("0.00"),
    }


# --- breakdown -------------------------------------------------------------------------------


def _unit_key(prefix: str | None, level: str) -> str | None:
    """The 12-digit code of the unit at `level` above (or at) a case's unit, from its code's
    prefix: "449902001" → "449902001000"; None where the case sits above that level."""
    digits, part = LEVEL_DIGITS[level]
    if not prefix or len(prefix) < digits or not prefix[part].strip("0"):
        return None
    return prefix[:digits].ljust(12, "0")


def _month_key(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value:%Y-%m}"


def _group(by: str):
    """The database expression a breakdown groups on, and how its raw value becomes the key."""
    if by == "institution":
        return models.F("institution_id"), lambda v: v
    if by == "dispute_type":
        return models.F("dispute_type"), lambda v: v
    if by == "outcome":
        return models.F("outcome"), lambda v: v
    if by == "month":
        return TruncMonth("opened_at"), _month_key
    if by in ("district", "town"):
        digits = LEVEL_DIGITS[by][0]
        return Substr("unit__code", 1, digits), lambda v: _unit_key(v, by)
    raise ValueError(f"cannot break cases down by {by!r}")


def _outcome_labels() -> dict[str, str]:
    return {
        "settled": _("Settled"),
        "failed": str(State.FAILED.label),
        "withdrawn": str(State.WITHDRAWN.label),
        "declined": str(State.DECLINED.label),
        "open": _("In progress"),
        "other": _("Other"),
    }


def _labels(by: str, keys: list, language: str | None) -> tuple[dict, dict]:
    """{key: label} in the active language, and, for institutions, {id: code} (one query at most)."""
    codes: dict = {}
    if by == "institution":
        ids = [k for k in keys if k is not None]
        rows = Institution.objects.filter(pk__in=ids).values_list("pk", "code", "name") if ids else []
        labels = {}
        for pk, code, name in rows:
            codes[pk] = code
            labels[code] = name
        labels[None] = _("Not yet routed")
        return labels, codes
    if by == "dispute_type":
        known = dict(DisputeType.choices)
        return {k: str(known.get(k, k)) for k in keys}, codes
    if by == "outcome":
        return _outcome_labels(), codes
    if by == "month":
        return {
            k: date_format(date(int(k[:4]), int(k[5:7]), 1), "YEAR_MONTH_FORMAT") for k in keys if k
        }, codes
    units = Unit.objects.filter(code__in=[k for k in keys if k]).only(
        "code", "name", "name_en", "kind", "level"
    )
    found = {u.code: u.display_name(language) for u in units}
    found[None] = _("No district") if by == "district" else _("No town")
    return {k: found.get(k, k) for k in keys}, codes


def breakdown(cases: QuerySet, by: Dimension) -> list[dict]:
    """The cases counted by institution, dispute type, outcome, month of submission, district or
    town (three queries).

    Rows: {key, label, total, settled, failed, withdrawn, declined, open, success_rate,
    median_days}, most cases first (by month: chronological). Keys: the institution's code (None:
    not routed), the dispute type, the outcome, "YYYY-MM", the 12-digit unit code (None: the
    case sits above that level). A case closed without a known outcome ("other") counts in
    `total` only."""
    expression, key_of = _group(by)
    qs = with_outcome(scoped_base(cases)).annotate(group=expression)
    tallies: dict = defaultdict(Counter)
    for raw, outcome, n in qs.values_list("group", "outcome").annotate(n=Count("pk")).order_by():
        tallies[key_of(raw)][outcome] += n
    spans: dict = defaultdict(list)
    closed = qs.filter(outcome__in=CLOSED, closed_at__isnull=False)
    for raw, created, closed_at in closed.values_list("group", "opened_at", "closed_at"):
        spans[key_of(raw)].append(_days(created, closed_at))
    labels, codes = _labels(by, list(tallies), get_language())
    rows = []
    for raw_key, tally in tallies.items():
        key = codes.get(raw_key) if by == "institution" and raw_key is not None else raw_key
        rows.append({
            "key": key,
            "label": str(labels.get(key, key)),
            "total": sum(tally.values()),
            **{o: tally[o] for o in (*OUTCOMES, "open")},
            "success_rate": _rate(tally["settled"], tally["failed"]),
            "median_days": _round(statistics.median(spans[raw_key])) if spans[raw_key] else None,
        })  # fmt: skip
    if by == "month":
        rows.sort(key=lambda r: r["key"] or "")
    else:
        rows.sort(key=lambda r: (-r["total"], r["key"] is None, str(r["key"])))
    return rows


# --- the maps --------------------------------------------------------------------------------


def _valid(lon, lat) -> bool:
    return (
        lon is not None
        and lat is not None
        and math.isfinite(lon)
        and math.isfinite(lat)
        and -180 <= lon <= 180
        and -90 <= lat <= 90
    )


def _unit_points(cases: QuerySet) -> dict[int, tuple[float, float]]:
    """(lon, lat) of the units of the cases given without a point: the representative point of
    the unit's boundary (always inside it), else its stored centroid; units with neither are
    left out (one query)."""
    from shapely.geometry import shape

    units = Unit.objects.filter(pk__in=cases.values("unit_id")).values_list(
        "pk", "boundary", "centroid_lon", "centroid_lat"
    )
    points = {}
    for pk, boundary, lon, lat in units:
        if boundary:
            try:
                point = shape(boundary).representative_point()
                if not point.is_empty:
                    lon, lat = point.x, point.y
            except (ValueError, TypeError, KeyError, AttributeError):
                pass  # a malformed boundary: fall back on the centroid
        if _valid(lon, lat):
            points[pk] = (lon, lat)
    return points


def _hexagon(cell: str) -> list[list[float]]:
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def heat(cases: QuerySet, *, resolution: int = 8) -> dict:
    """A GeoJSON FeatureCollection of H3 cells at `resolution` (two queries).

    Each case counts at its own lon/lat, or else at the representative point of its unit's
    boundary (the unit's stored centroid where it has no boundary); cases with neither are
    counted in "skipped". Features: Polygon of the cell (lon, lat; closed ring), properties
    {cell, count, by_type: {dispute_type: n}}, most cases first; top level: "max" (the largest
    count, 0 when none), "total" (cases placed), "skipped", "resolution"."""
    if not 0 <= resolution <= 15:
        raise ValueError("an H3 resolution is 0 to 15")
    base = scoped_base(cases)
    to_cell = h3.latlng_to_cell
    counts: Counter = Counter()
    by_type: dict = defaultdict(Counter)
    unplaced: list[tuple[int, str]] = []
    for lon, lat, kind, unit_id in base.values_list("lon", "lat", "dispute_type", "unit_id"):
        if _valid(lon, lat):
            cell = to_cell(lat, lon, resolution)
            counts[cell] += 1
            by_type[cell][kind] += 1
        else:
            unplaced.append((unit_id, kind))
    skipped = 0
    if unplaced:
        unplaced_q = Q(lon__isnull=True) | Q(lat__isnull=True) | Q(lon__lt=-180) | Q(lon__gt=180)
        points = _unit_points(base.filter(unplaced_q | Q(lat__lt=-90) | Q(lat__gt=90)))
        cells = {pk: to_cell(lat, lon, resolution) for pk, (lon, lat) in points.items()}
        for unit_id, kind in unplaced:
            cell = cells.get(unit_id)
            if cell is None:
                skipped += 1
                continue
            counts[cell] += 1
            by_type[cell][kind] += 1
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [_hexagon(cell)]},
            "properties": {"cell": cell, "count": n, "by_type": dict(by_type[cell].most_common())},
        }
        for cell, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "max": max(counts.values(), default=0),
        "total": sum(counts.values()),
        "skipped": skipped,
        "resolution": resolution,
    }


def choropleth(cases: QuerySet, *, level: Literal["district", "town", "village"]) -> dict[str, int]:
    """{unit code: number of cases} at `level`, for colouring the division map (one query).
    Cases placed above that level (a town-level case asked for by village) are left out."""
    if level not in LEVEL_DIGITS:
        raise ValueError(f"no choropleth by {level!r}")
    digits = LEVEL_DIGITS[level][0]
    rows = (
        scoped_base(cases)
        .annotate(prefix=Substr("unit__code", 1, digits))
        .values_list("prefix")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: Counter = Counter()
    for prefix, n in rows:
        if (code := _unit_key(prefix, level)) is not None:
            result[code] += n
    return dict(sorted(result.items()))
