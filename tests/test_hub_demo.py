"""A year of demo hub events: deterministic, placed inside their grids, at the intended rates, and
every one of them an event that the real ingestion accepts as it is."""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter

import numpy as np
import pytest
import shapely
from django.db.models import Count, Sum
from django.utils import timezone
from shapely.geometry import shape

from zhili.core.errors import Conflict
from zhili.hub.catalogue import read_catalogue
from zhili.hub.demo import effective_rate, load_demo_events
from zhili.hub.ingest import cutoff_for, ingest, local_tz
from zhili.hub.models import Delivery, Event, EventType, LakeDay, QualityAlert, Rejection
from zhili.hub.services import create_source

PORT = "449973"  # the port zone of the demo city: ~80,000 residents in villages and communities


def _year() -> int:
    return timezone.now().year - 1  # a year that is over: every day of it is filled


@functools.cache
def _demo_city():
    from zhili.geo.demo import build_city

    return build_city(seed=1)


@pytest.fixture
def port(db):
    """The port zone of the demo city (with its grids), and a year of demo events in it."""
    from zhili.geo.demo import CITY_CODE, load_city

    load_city([u for u in _demo_city() if u.code == CITY_CODE or u.code.startswith(PORT)], year=_year())
    counts = load_demo_events(year=_year(), seed=3)
    return counts


def _digest() -> str:
    rows = Event.objects.order_by("source__code", "source_event_id").values_list(
        "source__code",
        "source_event_id",
        "version",
        "is_current",
        "event_type__code",
        "department__code",
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
        "delivery__received_at",
        "received_at",
        "late",
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _populations() -> tuple[float, dict[str, bool], dict[str, float]]:
    """Residents of the villages/communities, whether each is a village, and its population."""
    from zhili.geo.models import Kind, Level, Population

    pops = dict(Population.objects.filter(unit__level=Level.VILLAGE).values_list("unit__code", "resident"))
    village = {
        code: kind == Kind.VILLAGE
        for code, kind in Population.objects.filter(unit__level=Level.VILLAGE).values_list(
            "unit__code", "unit__kind"
        )
    }
    return float(sum(pops.values())), village, pops


def test_the_same_seed_gives_the_same_rows_and_a_year_is_loaded_once(city):
    assert not EventType.objects.exists()
    first = load_demo_events(year=_year(), seed=11)
    assert EventType.objects.count() == len(read_catalogue())  # the catalogue was loaded
    assert first["events"] == Event.objects.count() > 1000
    digest = _digest()
    with pytest.raises(Conflict):
        load_demo_events(year=_year(), seed=11)

    for model in (Event, Rejection, Delivery, QualityAlert, LakeDay):
        model.objects.all().delete()
    assert load_demo_events(year=_year(), seed=11) == first
    assert _digest() == digest

    for model in (Event, Rejection, Delivery, QualityAlert, LakeDay):
        model.objects.all().delete()
    load_demo_events(year=_year(), seed=12)
    assert _digest() != digest


def test_the_current_year_stops_at_the_last_closed_day(city):
    now = timezone.now()
    load_demo_events(year=now.year, seed=5, scale=2.0)
    days = set(Event.objects.values_list("occurred_date", flat=True))
    assert all(cutoff_for(day) <= now for day in days)
    assert not Event.objects.filter(occurred_at__gt=now).exists()
    assert not Event.objects.filter(received_at__gt=now).exists()
    assert not Delivery.objects.filter(received_at__gt=now).exists()


def test_events_lie_inside_their_grids(port):
    from zhili.geo.models import Level, Unit

    grids = {
        code: shape(b) for code, b in Unit.objects.filter(level=Level.GRID).values_list("code", "boundary")
    }
    assert set(Event.objects.values_list("unit_code", flat=True).distinct()) <= set(grids)
    ids = list(Event.objects.values_list("id", flat=True))
    sample = np.random.default_rng(1).choice(ids, size=500, replace=False).tolist()
    rows = list(Event.objects.filter(id__in=sample).values_list("unit_code", "lon", "lat"))
    assert all(shapely.contains_xy(grids[code], lon, lat) for code, lon, lat in rows)
    # Grids are chosen by population: most grids of the zone have events of the busy types.
    used = set(Event.objects.filter(event_type__code="hotline.request").values_list("unit_code", flat=True))
    assert len(used) > 0.9 * len(grids)


def test_yearly_counts_follow_the_rates(port):
    population, _village, _pops = _populations()
    counts = dict(Event.objects.values_list("event_type__code").annotate(n=Count("id")))
    # burglary: 2 per 10,000 a year
    expected = 2.0 * population / 10_000
    assert abs(counts.get("police.burglary", 0) - expected) <= 4 * math.sqrt(expected) + 0.1 * expected
    for code in (
        "police.public_order",
        "police.dispute",
        "police.telecom_fraud",
        "traffic.accident",
        "fire.fire",
        "city_management.street_vending",
        "hotline.request",
        "dispute.mediation_case",
    ):
        expected = effective_rate(code) * population / 10_000
        # Poisson, plus the bad weeks of crime and a missing delivery or two
        assert abs(counts.get(code, 0) - expected) <= 4 * math.sqrt(expected) + 0.1 * expected, code
    # casualties are rare but there: road deaths 0.45 and injuries 2.0 per 10,000 a year
    hurt = Event.objects.filter(event_type__code="traffic.accident").aggregate(
        d=Sum("deaths"), i=Sum("injuries")
    )
    assert 0 < hurt["d"] + hurt["i"] < 2 * 2.45 * population / 10_000
    # one PM2.5 and one PM10 reading per town and day; PM2.5's annual mean 18–20 µg/m³ or so,
    # PM10 1.5–1.9 times it
    towns = {
        u.code[:9] for u in _demo_city() if u.code.startswith(PORT) and u.kind in ("village", "community")
    }
    air = Event.objects.filter(event_type__code="environment.air_quality")
    pm25 = np.array(
        list(
            air.filter(category="pm25").order_by("unit_code", "occurred_date").values_list("value", flat=True)
        )
    )
    pm10 = np.array(
        list(
            air.filter(category="pm10").order_by("unit_code", "occurred_date").values_list("value", flat=True)
        )
    )
    days = air.values("occurred_date").distinct().count()
    assert len(pm25) == len(pm10) == len(towns) * days
    assert 15 < pm25.mean() < 23
    ratio = pm10 / pm25
    assert ratio.min() >= 1.4 and ratio.max() <= 2.0  # rounding to 0.1 µg/m³ widens 1.5–1.9 a little
    # counts per family are returned
    assert port["police"] == Event.objects.filter(event_type__family="police").count()


def test_villages_and_communities_differ(port):
    _population, village, pops = _populations()

    def rate(code: str, in_villages: bool) -> float:
        events = Counter(
            unit[:12]
            for unit in Event.objects.filter(event_type__code=code).values_list("unit_code", flat=True)
        )
        units = [c for c, v in village.items() if v == in_villages]
        return sum(events[c] for c in units) / sum(pops[c] for c in units)

    assert rate("police.dispute", True) > 1.3 * rate("police.dispute", False)
    assert rate("traffic.accident", False) > 1.3 * rate("traffic.accident", True)


def test_units_differ_persistently_so_ranks_mean_something(port):
    """Each village's rate of police and city-management events in the first half of the year
    predicts its rate in the second: the demo's units have a persistent level of risk, not only
    Poisson noise (before, outside a few hotspots every unit had the same rates)."""
    _population, _village, pops = _populations()
    year = _year()
    halves = []
    for months in ((1, 6), (7, 12)):
        counts = Counter(
            unit[:12]
            for unit in Event.objects.filter(
                event_type__family__in=["police", "city_management"],
                occurred_date__month__gte=months[0],
                occurred_date__month__lte=months[1],
                occurred_date__year=year,
            ).values_list("unit_code", flat=True)
        )
        halves.append(np.array([counts[c] / pops[c] for c in sorted(pops)]))
    from zhili.index.simulate import spearman

    assert len(pops) >= 8
    assert spearman(halves[0], halves[1]) > 0.6
    # and the levels differ: the highest village's rate is well above the lowest's
    assert halves[0].max() > 1.5 * halves[0].min()


def test_deliveries_account_for_every_event(port):
    assert Delivery.objects.aggregate(n=Sum("accepted"))["n"] == Event.objects.count() == port["events"]
    per_delivery = dict(Event.objects.values_list("delivery").annotate(n=Count("id")))
    tz = local_tz()
    late_days = 0
    for d in Delivery.objects.all():
        assert d.channel == "demo" and d.status == "done"
        assert d.accepted == per_delivery.get(d.pk, 0)
        assert d.received == d.accepted + d.rejected
        assert d.received_date == d.received_at.astimezone(tz).date()
        assert d.late in (0, d.accepted)
        late_days += d.late > 0
    assert late_days >= 1
    assert Rejection.objects.count() == Delivery.objects.aggregate(n=Sum("rejected"))["n"] > 0
    assert Event.objects.filter(late=True).count() == Delivery.objects.aggregate(n=Sum("late"))["n"]
    # On time: the next morning before the cut-off; late: after it.
    for late, received_at, day in Event.objects.values_list("late", "received_at", "occurred_date")[::97]:
        assert (received_at > cutoff_for(day)) is late
        assert late or received_at.astimezone(tz).hour in (1, 2, 3, 4)
    assert QualityAlert.objects.filter(kind="no_delivery").exists()
    now = timezone.now()
    assert not Event.objects.filter(occurred_at__gt=now).exists()
    assert LakeDay.objects.count() == Event.objects.values("occurred_date").distinct().count()


def test_every_event_passes_the_real_validator(port):
    from zhili.org.models import Department

    tz = local_tz()
    ids = list(Event.objects.values_list("id", flat=True))
    sample = np.random.default_rng(2).choice(ids, size=200, replace=False).tolist()
    events = list(Event.objects.filter(id__in=sample).select_related("event_type", "department"))
    by_department: dict[str, list[Event]] = {}
    for e in events:
        by_department.setdefault(e.department.code, []).append(e)
    for code, group in by_department.items():
        source, _key = create_source(
            code=f"check.{code}", name=code, department=Department.objects.get(code=code)
        )
        items = [
            {
                "source_id": e.source_event_id,
                "type": e.event_type.code,
                "occurred_at": e.occurred_at.astimezone(tz).isoformat(),
                "unit_code": e.unit_code,
                "lon": e.lon,
                "lat": e.lat,
                "fields": e.fields,
            }
            for e in group
        ]
        result = ingest(source=source, items=items)
        assert [r.outcome for r in result.results] == ["accepted"] * len(group), [
            (r.source_id, r.field, r.message) for r in result.results if r.outcome != "accepted"
        ]
        again = {
            e.source_event_id: e
            for e in Event.objects.filter(source=source).only(
                "source_event_id", "payload_hash", "fields", "quantity", "deaths", "injuries", "amount", "value",
                "category", "occurred_date",
            )
        }  # fmt: skip
        for e in group:
            copy = again[e.source_event_id]
            assert copy.payload_hash == e.payload_hash  # the very hash the ingestion computes
            assert (copy.fields, copy.quantity, copy.deaths, copy.injuries, copy.amount, copy.value) == (
                e.fields,
                e.quantity,
                e.deaths,
                e.injuries,
                e.amount,
                e.value,
            )
            assert (copy.category, copy.occurred_date) == (e.category, e.occurred_date)


def test_a_different_catalogue_gets_events_that_fit_it(hub):
    """Types are taken as they are in the database: a field the demo makes but the type lacks, or a
    category the type does not list, is left out; types the demo does not know get nothing."""
    counts = load_demo_events(year=_year(), seed=4, scale=5.0)
    made = dict(Event.objects.values_list("event_type__code").annotate(n=Count("id")))
    assert (
        {"police.burglary", "fire.fire"} <= set(made) <= {"police.burglary", "police.homicide", "fire.fire"}
    )
    assert counts["events"] == sum(made.values())
    for fields in Event.objects.filter(event_type__code="police.burglary").values_list("fields", flat=True):
        assert fields == {}  # its categories are day/night here, which the demo does not make
    items = [
        {
            "source_id": e.source_event_id,
            "type": e.event_type.code,
            "occurred_at": e.occurred_at.isoformat(),
            "unit_code": e.unit_code,
            "lon": e.lon,
            "lat": e.lat,
            "fields": e.fields,
        }
        for e in Event.objects.filter(department__code="public_security").select_related("event_type")
    ]
    result = ingest(source=hub["police"], items=items)
    assert {r.outcome for r in result.results} == {"accepted"}
