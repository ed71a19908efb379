"""A year of synthetic hub events for the demo city, so that its dashboards look like a real city's.

`load_demo_events(year=…)` fills the hub with what the departments of a Zhuhai-like city would have
delivered from 1 January to 31 December: police, traffic, fire, work-safety, city-management,
civility, hotline, market, health, petition, labour, mediation, survey, bravery, land and
air-quality events; one delivery per department and day, a handful of late deliveries, a few days
on which a department delivered nothing, and a few hundred rejected items.

How the numbers come about
- Yearly rates per 10,000 residents (`SPECS`) come from the public figures (S) and estimates (E) in
  DEMO-RATES.md; where that file has none, the rate is our own plausible figure, marked "own".
- Each village/community draws Poisson counts per day: rate × its population × a village or
  community multiplier × a hotspot factor (a few units get 2–4×) × the day's factor (weekday,
  Spring Festival, seasons, fraud peaks …) × a "bad week" factor (a district with 1.5–2× crime for
  a week). Multipliers and day factors are normalised, so the city's yearly total stays
  rate × population; only the bad weeks add to it.
- Times within the day follow an hour profile per type; each event lies in a grid of its
  village/community, chosen by grid population, at a random point inside the grid polygon.
- Field values follow plausible weights and distributions, conformed to the event type's schema as
  it is in the database: every event is one the real ingestion would accept, with the
  `payload_hash` and the `fields` text it would store. Personal fields (phones, names, addresses)
  are left empty.
- Everything comes from numpy generators seeded by (seed, purpose): the same seed, city, year and
  catalogue give the same rows. Events are written with `zhili.hub.store.insert_events`, without
  an ORM object per event.

Volume: at scale 1.0 the full demo city (~2.5 M residents) gets about 0.7 M events a year. Only the
12345 hotline is scaled down (see `VOLUME`); the index's core types keep their real rates.
"""

from __future__ import annotations

import logging
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils.translation import gettext as _

log = logging.getLogger("zhili.hub")

CHUNK = 20_000  # events per insert and transaction
POOL = 48  # random points kept per grid
SOURCE_PREFIX = "demo."
MEASURES = ("quantity", "deaths", "injuries", "amount", "value", "category")

# The 12345 hotline sends ~3,000 tickets per 10,000 residents a year to departments (750k for the
# city, DEMO-RATES) and follows up on many of them: at full volume that alone would be ~1.05 M rows,
# more than the rest of the hub together, doubling the time (and the database) of the demo. Requests
# and follow-ups are therefore kept at a fifth of the real volume: 600 requests per 10,000 (150k a
# year) and 240 follow-ups (60k). Every other type is at its real rate.
VOLUME = {"hotline.request": 0.2, "hotline.satisfaction": 0.2}

# 正月初一 (Chinese New Year's Day); years outside the table fall back to 5 February.
SPRING_FESTIVAL = {
    y: date(y, m, d)
    for y, m, d in (
        (2015, 2, 19), (2016, 2, 8), (2017, 1, 28), (2018, 2, 16), (2019, 2, 5), (2020, 1, 25),
        (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17),
        (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23), (2032, 2, 11),
        (2033, 1, 31), (2034, 2, 19), (2035, 2, 8),
    )
}  # fmt: skip


def _floats(text: str) -> np.ndarray:
    return np.array([float(x) for x in text.split()])


# Hour profiles: relative weights of the local hours 0 … 23.
HOURS = {
    name: _floats(text)
    for name, text in {
        # crime: low before dawn, high from mid-morning to late evening
        "crime": "3 2.2 1.8 1.4 1.1 1 1.4 2.5 4 5 5.5 5.5 5 5 5.5 5.5 5.5 5.5 5.5 5.5 5 4.5 4 3.5",
        # public order, vice: evenings and nights (fights near food stalls; 58 % of robberies 21–03)
        "night": "5.5 5 4 2.8 1.6 1 1 1.5 2 2.5 3 3.5 3.5 3.5 3.5 3.5 4 4.5 5 5.5 6 6.5 7 6.5",
        # burglary, vehicle theft: working hours (homes empty) and the small hours
        "burglary": "4 4.5 4.5 4 3 2 1.5 2 3 4.5 5 5 4.5 4.5 5 5 4.5 4 3.5 3 3 3 3.5 4",
        # traffic: the two rush hours
        "traffic": "1.5 1 0.8 0.7 0.7 1 2.5 5 6.5 5 4.5 4.5 4.5 4 4 4.5 5.5 6.5 7 5.5 4.5 3.5 2.5 2",
        # drink-driving: 00:00–02:00
        "drink": "8 7 5 3 1.5 0.5 0.2 0.2 0.2 0.2 0.3 0.5 0.8 0.8 0.5 0.5 0.5 0.8 1.5 2.5 3.5 4.5 6 7",
        # fires: 61 % between 10:00 and 20:00
        "fire": "2.2 1.9 1.7 1.6 1.5 1.5 1.8 2.4 3.1 3.8 5.3 5.6 5.8 5.6 5.5 5.7 5.7 5.6 5.5 5.4 4.3 3.7 3.1 2.6",
        # offices: 08:30–12:00 and 14:30–18:00
        "office": "0.1 .05 .05 .05 .05 0.1 0.3 1.5 4 6 6 5.5 2.5 3 5.5 6 6 5 2 1 0.6 0.4 0.2 0.1",
        # city-management patrols and grid workers: daytime
        "patrol": "0.1 .05 .05 .05 0.1 0.3 1.2 3 5.5 6.5 6.5 5.5 3.5 3.5 5.5 6 6 5 3 2.5 2 1.2 0.5 0.2",
        # street vending: morning markets and evenings
        "vending": "0.3 0.1 .05 .05 0.1 0.5 2 4 4 3.5 3.5 3.5 3 3 3 3.5 4.5 6 7 7 6 4 2 0.8",
        # 12345 and 12315: around the clock, mostly 08:00–22:00
        "hotline": "0.4 0.2 .15 0.1 0.1 0.2 0.6 2 4.5 6 6.2 5.5 4 4.5 5.5 5.5 5 4.5 3.5 3.5 3 2.5 1.5 0.8",
        "day": "0.5 0.3 0.2 .15 .15 0.3 1 2.5 4 5 5.5 5.5 5 5 5 5 5 5 4.5 4 3.5 2.5 1.5 0.8",
        "fraud": "0.8 0.5 0.3 0.2 0.2 0.3 0.8 2 4 5.5 6 6 5 5 5.5 5.5 5.5 5 4.5 4.5 4.5 4 3 1.5",
        "volunteer": "0 0 0 0 0 0 0.5 3 7 8 7 4 1 1 5 7 7 5 2 2 1.5 0.5 0 0",
        "survey": "0 0 0 0 0 0 0 0.5 2 5 6 5 2 2 5 6 6 5 4 5 5 3 0.5 0",
    }.items()
}
# Weekday profiles: Monday … Sunday.
WEEK = {
    name: _floats(text)
    for name, text in {
        "flat": "1 1 1 1 1 1 1",
        "leisure": "0.95 0.93 0.95 0.97 1.05 1.1 1.05",
        "traffic": "1 0.98 0.98 1 1.1 1 0.92",
        "office": "1.15 1.12 1.1 1.1 1.08 0.62 0.5",
        "patrol": "1.1 1.08 1.08 1.08 1.06 0.85 0.75",
        "closed": "1.2 1.2 1.2 1.2 1.15 0.08 0.05",  # offices that hardly work at weekends
        "volunteer": "0.6 0.6 0.6 0.6 0.7 2.2 2",
    }.items()
}


# --- what is generated --------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """One event type: its yearly rate per 10,000 residents and how it varies."""

    code: str
    rate: float
    village: float  # multiplier in villages (村) …
    community: float  # … and in communities (社区), normalised over the city
    hours: str  # key of HOURS
    week: str  # key of WEEK
    seasons: str  # space-separated names of _Calendar.season
    hotspot: str  # theme of HOTSPOTS, or ""
    crime: bool  # a district's bad week multiplies it
    fields: Callable[[np.random.Generator, _Ctx], dict[str, Any]] | None


@dataclass
class _Ctx:
    """What a field generator may look at, one entry per event."""

    n: int
    village: np.ndarray  # bool: in a village (not a community)
    hour: np.ndarray  # local hour
    month: np.ndarray  # 1–12
    unit: np.ndarray  # index of the village/community
    units: _Units


def _weights(text: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = [item.split() for item in text.split(",")]
    p = np.array([float(w) for _, w in pairs])
    return np.array([k for k, _ in pairs], dtype=object), p / p.sum()


def _pick(rng: np.random.Generator, n: int, weights: str) -> np.ndarray:
    """Categories drawn from "code weight, code weight, …"."""
    keys, p = _weights(weights)
    return keys[rng.choice(len(keys), size=n, p=p)]


def _pick_kind(rng, ctx: _Ctx, village: str, community: str) -> np.ndarray:
    out = _pick(rng, ctx.n, community)
    k = int(ctx.village.sum())
    if k:
        out[ctx.village] = _pick(rng, k, village)
    return out


def _money(rng, n: int, median: float | np.ndarray, sigma: float, high: float = 1e8) -> np.ndarray:
    """Lognormal amounts in whole yuan (as decimals)."""
    return np.clip(np.round(median * np.exp(rng.normal(0.0, sigma, n))), 1.0, high)


def _maybe(rng, values: np.ndarray, p: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`values`, given with probability p (an optional field that is often left empty)."""
    return values, rng.random(len(values)) < p


def _people(rng, n: int, extra: float, low: int = 1) -> np.ndarray:
    return low + rng.poisson(extra, n)


def _by_hour(hours: np.ndarray, profile: str, relative: dict[range, float], mean: float) -> np.ndarray:
    """A per-event probability that depends on the hour and averages `mean` over the hour profile."""
    rr = np.ones(24)
    for span, factor in relative.items():
        rr[list(span)] = factor
    share = HOURS[profile] / HOURS[profile].sum()
    return (mean / float((share * rr).sum()) * rr)[hours]


def _lookup(table: dict[str, float], keys: np.ndarray) -> np.ndarray:
    return np.array([table[k] for k in keys.tolist()], dtype="float64")


# field generators, one per event type ------------------------------------------------------------
def _criminal(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "theft 45, pickpocketing 8, snatching 2, robbery 1, fraud 20, assault 12, property_damage 7,"
        "extortion 2, other 3",
    )
    amount = _money(
        rng, ctx.n, np.where(cat == "fraud", 5000.0, np.where(cat == "assault", 800.0, 2000.0)), 1.1
    )
    return {"category": cat, "amount": _maybe(rng, amount, np.where(cat == "assault", 0.2, 0.8))}


def _public_order(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "fight 30, noise 25, disturbance 12, threat 6, trespass 4, minor_theft 12, minor_fraud 5, other 6",
    )
    summer_night = (ctx.month >= 6) & (ctx.month <= 9) & ((ctx.hour >= 21) | (ctx.hour <= 2))
    cat[summer_night & (rng.random(ctx.n) < 0.2)] = "fight"  # fights near food stalls
    injuries = _people(rng, ctx.n, 0.3)
    return {"category": cat, "injuries": (injuries, (cat == "fight") & (rng.random(ctx.n) < 0.25))}


def _burglary(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "residence 30, rental_unit 40, shop 10, office 3, factory 10, other 7",
        "residence 55, rental_unit 18, shop 14, office 8, factory 1, other 4",
    )
    return {"category": cat, "amount": _maybe(rng, _money(rng, ctx.n, 3000, 1.1, 1e6), 0.85)}


VEHICLE_VALUE = {"bicycle": 600.0, "e_bike": 2200.0, "motorcycle": 5000.0, "motor_vehicle": 80000.0}


def _vehicle_theft(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "bicycle 12, e_bike 60, motorcycle 24, motor_vehicle 4",
        "bicycle 25, e_bike 62, motorcycle 8, motor_vehicle 5",
    )
    amount = _money(rng, ctx.n, _lookup(VEHICLE_VALUE, cat), 0.5, 2e6)
    return {"category": cat, "amount": _maybe(rng, amount, 0.9)}


def _theft_from_vehicle(rng, ctx):
    return {"amount": _maybe(rng, _money(rng, ctx.n, 800, 1.2, 2e5), 0.7)}


FRAUD_MEDIAN = {
    "order_brushing": 8000.0,
    "investment": 60000.0,
    "loan": 6000.0,
    "impersonating_officials": 50000.0,
    "impersonating_customer_service": 12000.0,
    "romance": 45000.0,
    "online_gaming": 3000.0,
    "impersonating_acquaintances": 20000.0,
    "credit_repair": 15000.0,
    "other": 8000.0,
}


def _telecom_fraud(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "order_brushing 28, investment 18, loan 10, impersonating_officials 7,"
        "impersonating_customer_service 12, romance 7, online_gaming 5, impersonating_acquaintances 6,"
        "credit_repair 3, other 4",
    )
    amount = _money(rng, ctx.n, _lookup(FRAUD_MEDIAN, cat), 1.2, 5e6)
    return {"category": cat, "amount": _maybe(rng, amount, 0.97)}


def _serious_crime(rng, ctx):
    cat = _pick(
        rng, ctx.n, "grievous_injury 50, robbery 30, rape 12, arson 4, kidnapping 2, poisoning 1, explosion 1"
    )
    deaths = ((cat == "grievous_injury") & (rng.random(ctx.n) < 0.08)).astype("int64")
    hurt = np.isin(cat, ["grievous_injury", "robbery", "arson", "explosion"]) & (rng.random(ctx.n) < 0.7)
    injuries = np.where(hurt & (deaths == 0), _people(rng, ctx.n, 0.2), 0)
    return {"category": cat, "deaths": deaths, "injuries": injuries}


def _homicide(rng, ctx):
    deaths = 1 + (rng.random(ctx.n) < 0.06).astype("int64") + (rng.random(ctx.n) < 0.01).astype("int64")
    return {"deaths": deaths, "solved": rng.random(ctx.n) < 0.96}


def _vice(rng, ctx):
    cat = _pick(rng, ctx.n, "prostitution 35, gambling 40, drugs 25")
    people = np.where(cat == "gambling", _people(rng, ctx.n, 3.0, 2), _people(rng, ctx.n, 0.6))
    return {"category": cat, "quantity": people}


def _dispute(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "neighbour 26, family 20, marriage 8, economic 12, labour 7, consumer 3, property_management 2,"
        "traffic 8, tenancy 6, other 8",
        "neighbour 18, family 17, marriage 7, economic 12, labour 6, consumer 7, property_management 12,"
        "traffic 8, tenancy 10, other 3",
    )
    return {"category": cat, "injuries": _maybe(rng, np.ones(ctx.n, dtype="int64"), 0.03)}


def _traffic_accident(rng, ctx):
    # Road deaths 0.45 and injuries 2.0 per 10,000 a year against 120 accident reports (DEMO-RATES);
    # fatal accidents peak 18:00–21:00 and late at night.
    p_fatal = _by_hour(ctx.hour, "traffic", {range(18, 21): 2.5, range(22, 24): 3.0, range(5): 3.0}, 0.00347)
    fatal = rng.random(ctx.n) < p_fatal
    deaths = np.where(fatal, 1 + (rng.random(ctx.n) < 0.08), 0).astype("int64")
    hurt = (rng.random(ctx.n) < 0.0133) | (fatal & (rng.random(ctx.n) < 0.3))
    injuries = np.where(hurt, _people(rng, ctx.n, 0.3), 0)
    cat = np.where(deaths > 0, "fatal", np.where(injuries > 0, "injury", "property_only")).astype(object)
    # General procedure: every accident with casualties and a few others, 2.7 per 10,000 in all.
    general = (cat != "property_only") | (rng.random(ctx.n) < 0.007)
    amount = np.where(cat == "property_only", _money(rng, ctx.n, 2500, 0.9), _money(rng, ctx.n, 8000, 1.0))
    return {
        "category": cat,
        "procedure": np.where(general, "general", "summary").astype(object),
        "deaths": deaths,
        "injuries": injuries,
        "amount": _maybe(rng, amount, 0.6),
    }


def _drink_driving(rng, ctx):
    cat = _pick(rng, ctx.n, "drink_driving 72, drunk_driving 28")
    drink = np.round(rng.uniform(20, 79.9, ctx.n), 1)
    drunk = np.round(np.clip(80 + 60 * np.exp(rng.normal(0, 0.6, ctx.n)), 80, 350), 1)
    return {"category": cat, "value": np.where(cat == "drunk_driving", drunk, drink)}


def _fire(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "residence 16, rental_unit 14, shop 5, factory 12, warehouse 5, public_venue 1, vehicle 9,"
        "e_bike 7, outdoor 28, other 3",
        "residence 25, rental_unit 9, shop 10, factory 4, warehouse 2, public_venue 3, vehicle 11,"
        "e_bike 8, outdoor 25, other 3",
    )
    cause = _pick(
        rng,
        ctx.n,
        "electrical 36, careless_use_of_fire 22, smoking 8, arson 2, spontaneous 6, lightning 1, other 12,"
        "unknown 13",
    )
    # About two fire deaths a year in a city of 2.5 M (Guangdong, Jan–Oct: 96 deaths in 126 M people;
    # DEMO-RATES' "0.08 per 10,000" would be 20 and contradicts its own "≈ 2"), 31 % at 00–06.
    deaths = (rng.random(ctx.n) < _by_hour(ctx.hour, "fire", {range(6): 3.5}, 0.0014)).astype("int64")
    injuries = np.where(rng.random(ctx.n) < 0.012, _people(rng, ctx.n, 0.4), 0)
    amount = _money(rng, ctx.n, 3000, 1.5, 5e7)
    return {
        "category": cat,
        "cause": cause,
        "deaths": deaths,
        "injuries": injuries,
        "amount": _maybe(rng, amount, np.where(cat == "outdoor", 0.2, 0.8)),
    }


def _fire_service(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "rescue 35, hazardous_leak 3, flood_rescue 3, social_assistance 40, false_alarm 16, other 3",
    )
    cat[(ctx.month >= 7) & (ctx.month <= 9) & (rng.random(ctx.n) < 0.08)] = "flood_rescue"  # typhoons
    rescued = np.where(cat == "flood_rescue", _people(rng, ctx.n, 2.0), rng.poisson(1.0, ctx.n))
    return {"category": cat, "rescued": (rescued, np.isin(cat, ["rescue", "flood_rescue"]))}


def _work_safety(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "construction 30, industrial 38, hazardous_chemicals 4, road_transport 10, waterway_transport 3,"
        "fishing 4, gas 3, special_equipment 6, other 2",
        "construction 42, industrial 20, hazardous_chemicals 2, road_transport 12, waterway_transport 5,"
        "fishing 2, gas 4, special_equipment 9, other 4",
    )
    # 0.19 deaths per 0.29 accidents (DEMO-RATES): two accidents in three kill someone.
    u = rng.random(ctx.n)
    deaths = np.select([u < 0.005, u < 0.03, u < 0.655], [3, 2, 1], 0).astype("int64")
    return {
        "category": cat,
        "severity": np.where(deaths >= 3, "major", "ordinary").astype(object),
        "deaths": deaths,
        "injuries": rng.poisson(0.5, ctx.n),
        "amount": _maybe(rng, _money(rng, ctx.n, 900_000, 0.8), 0.8),
    }


FOUND_BY = "patrol 30, grid_worker 35, citizen 10, hotline 10, video 15"


def _city_case(rng, ctx):
    return {"found_by": _pick(rng, ctx.n, FOUND_BY), "closed_in_time": rng.random(ctx.n) < 0.93}


def _illegal_construction(rng, ctx):
    area = np.round(np.clip(30 * np.exp(rng.normal(0, 0.9, ctx.n)), 2, 3000), 1)
    return {
        "found_by": _pick(rng, ctx.n, FOUND_BY),
        "value": _maybe(rng, area, 0.9),
        "demolished": rng.random(ctx.n) < 0.55,
    }


def _noise(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "construction 30, commercial 20, social_life 35, traffic 8, other 7",
        "construction 28, commercial 30, social_life 32, traffic 6, other 4",
    )
    return {"category": cat}


def _facility_damage(rng, ctx):
    cat = _pick(
        rng, ctx.n, "manhole_cover 18, street_light 30, road_surface 22, guardrail 10, sign 8, bin 9, other 3"
    )
    return {"category": cat, "closed_in_time": rng.random(ctx.n) < 0.9}


def _uncivil(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "littering 24, spitting 8, jaywalking 14, uncivil_dog_walking 12, smoking_in_no_smoking_area 9,"
        "queue_jumping 3, damaging_public_property 6, loud_public_noise 8, throwing_from_height 6, other 10",
    )
    return {"category": cat, "found_by": _pick(rng, ctx.n, "patrol 40, citizen 25, hotline 15, video 20")}


def _volunteer(rng, ctx):
    people = np.clip(_people(rng, ctx.n, 7.0, 2), 2, 200)
    hours = rng.choice([1.5, 2.0, 2.5, 3.0, 3.5, 4.0], size=ctx.n, p=[0.1, 0.3, 0.2, 0.25, 0.05, 0.1])
    cat = _pick(
        rng,
        ctx.n,
        "community 28, public_order 14, civilized_traffic 12, environment 12, elderly_care 14, education 7,"
        "emergency 3, culture 6, other 4",
    )
    return {"value": people * hours, "quantity": people, "category": cat}


def _hotline_request(rng, ctx):
    cat = _pick(
        rng, ctx.n, "complaint 28, report 6, request_for_help 32, consultation 26, suggestion 6, praise 2"
    )
    topic = _pick_kind(
        rng,
        ctx,
        "city_management 18, housing 8, transport 10, environment 9, labour_social_security 14, market 7,"
        "education 6, health 6, public_security 7, utilities 10, other 5",
        "city_management 20, housing 16, transport 12, environment 7, labour_social_security 9, market 10,"
        "education 8, health 6, public_security 4, utilities 5, other 3",
    )
    return {"category": cat, "topic": topic}


def _satisfied(rng, ctx, p_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = rng.random(ctx.n) < p_unit[ctx.unit]
    level = np.where(
        ok, np.where(rng.random(ctx.n) < 0.85, "satisfied", "basically_satisfied"), "dissatisfied"
    )
    return ok, level.astype(object)


def _hotline_satisfaction(rng, ctx):
    ok, level = _satisfied(rng, ctx, ctx.units.hotline_ok)
    resolved = np.where(ok, rng.random(ctx.n) < 0.97, rng.random(ctx.n) < 0.4)
    return {"value": ok.astype("int64"), "category": level, "resolved": resolved}


def _food_complaint(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "quality 18, expired 14, hygiene 16, additives 4, labelling 8, catering 16, online_food 14,"
        "unlicensed 5, other 5",
    )
    return {"category": cat, "amount": _maybe(rng, _money(rng, ctx.n, 150, 1.1, 1e5), 0.5)}


def _consumer_complaint(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "goods_quality 18, after_sales 12, online_shopping 20, prepaid_card 10, catering_service 7,"
        "education_training 5, housing_decoration 5, telecom 6, tourism 5, beauty_fitness 7, other 5",
    )
    return {"category": cat, "amount": _maybe(rng, _money(rng, ctx.n, 800, 1.3, 1e6), 0.7)}


def _council_complaint(rng, ctx):
    cat = _pick(rng, ctx.n, "settled 70, partly_settled 8, not_settled 8, withdrawn 4, pending 10")
    recovered = _money(rng, ctx.n, 600, 1.2, 1e6)
    return {"category": cat, "amount": (recovered, np.isin(cat, ["settled", "partly_settled"]))}


def _redress_satisfaction(rng, ctx):
    ok, level = _satisfied(rng, ctx, ctx.units.council_ok)
    return {"value": ok.astype("int64"), "category": level}


def _foodborne(rng, ctx):
    cat = _pick(
        rng, ctx.n, "microbial 55, chemical 5, toxic_plant 8, toxic_animal 5, mushroom 12, unknown 15"
    )
    setting = _pick(
        rng,
        ctx.n,
        "home 40, restaurant 25, canteen 12, school 5, construction_site 6, street_food 8, other 4",
    )
    group = np.isin(setting, ["canteen", "school", "construction_site"])
    sick = np.where(group, 5, 1) + rng.poisson(2.0, ctx.n)
    deaths = ((cat == "mushroom") & (rng.random(ctx.n) < 0.04)).astype("int64")
    return {"category": cat, "setting": setting, "quantity": sick, "deaths": deaths}


PETITION_TOPICS = (
    "land_requisition 18, demolition 10, housing 8, wages 14, social_security 10, law_enforcement 12,"
    "environment 6, rural_affairs 14, other 8",
    "land_requisition 3, demolition 7, housing 22, wages 16, social_security 14, law_enforcement 16,"
    "environment 8, rural_affairs 1, other 13",
)


def _petition(rng, ctx):
    form = _pick(rng, ctx.n, "visit 30, letter 10, online 45, phone 15")
    people = np.where(rng.random(ctx.n) < 0.85, 1, 2 + rng.poisson(0.8, ctx.n))
    return {"category": form, "topic": _pick_kind(rng, ctx, *PETITION_TOPICS), "quantity": people}


def _group_visit(rng, ctx):
    return {"quantity": _people(rng, ctx.n, 10.0, 5), "topic": _pick_kind(rng, ctx, *PETITION_TOPICS)}


def _beyond_city(rng, ctx):
    return {"category": _pick(rng, ctx.n, "province 82, beijing 18"), "quantity": _people(rng, ctx.n, 0.4)}


def _unpaid_wages(rng, ctx):
    cat = _pick(
        rng, ctx.n, "construction 42, manufacturing 22, catering 10, services 12, logistics 6, other 8"
    )
    workers = np.clip(1 + np.floor(np.exp(rng.normal(0.6, 1.1, ctx.n))).astype("int64"), 1, 500)
    owed = np.round(workers * rng.uniform(4500, 8000, ctx.n) * rng.uniform(0.5, 4.0, ctx.n))
    return {"category": cat, "quantity": workers, "amount": _maybe(rng, owed, 0.9)}


def _arbitration(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "wages 38, dismissal 22, social_insurance 10, contract 10, work_injury 8, overtime 7, personnel 2,"
        "other 3",
    )
    people = np.where(rng.random(ctx.n) < 0.9, 1, 2 + rng.poisson(2.0, ctx.n))
    return {"category": cat, "quantity": people, "amount": _maybe(rng, _money(rng, ctx.n, 30000, 1.0), 0.85)}


def _wage_protest(rng, ctx):
    return {
        "quantity": _people(rng, ctx.n, 25.0, 10),
        "amount": _maybe(rng, _money(rng, ctx.n, 500_000, 0.9), 0.8),
    }


def _mediation(rng, ctx):
    cat = _pick_kind(
        rng,
        ctx,
        "neighbour 24, family 14, marriage 8, land 12, property 10, labour 7, medical 2, traffic 6,"
        "consumer 2, property_management 2, tenancy 5, other 8",
        "neighbour 20, family 12, marriage 8, land 1, property 4, labour 10, medical 4, traffic 9,"
        "consumer 6, property_management 12, tenancy 9, other 5",
    )
    parties = np.where(rng.random(ctx.n) < 0.8, 2, 3 + rng.poisson(1.0, ctx.n))
    return {"category": cat, "quantity": parties, "amount": _maybe(rng, _money(rng, ctx.n, 10000, 1.2), 0.4)}


def _survey_answer(rng, ctx):
    score = np.clip(np.round(rng.normal(ctx.units.survey_mean[ctx.unit], 9.0)), 0, 100)
    return {"value": score, "category": _pick(rng, ctx.n, "phone 60, online 30, door_to_door 10")}


def _bravery(rng, ctx):
    cat = _pick(rng, ctx.n, "confirmed 80, advanced_individual 15, hero 3, model 2")
    people = np.select([rng.random(ctx.n) < 0.85, rng.random(ctx.n) < 0.8], [1, 2], 3)
    return {"category": cat, "quantity": people}


def _illegal_land(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "occupation_without_approval 40, farmland_occupation 25, illegal_transfer 8, beyond_approved_area 17,"
        "other 10",
    )
    area = np.round(np.clip(400 * np.exp(rng.normal(0, 1.0, ctx.n)), 10, 2e5), 1)
    found = _pick(rng, ctx.n, "satellite 50, patrol 35, report 15")
    return {"category": cat, "value": _maybe(rng, area, 0.95), "found_by": found}


def _ecological(rng, ctx):
    cat = _pick(
        rng,
        ctx.n,
        "deforestation 30, mangrove 10, wetland 10, coastline 15, mountain_excavation 25, other 10",
    )
    area = np.round(np.clip(800 * np.exp(rng.normal(0, 1.0, ctx.n)), 10, 5e5), 1)
    return {"category": cat, "value": _maybe(rng, area, 0.9)}


# City-management cases: 1,050 per 10,000 a year (S: Zhuhai), split by class (own estimate).
CITY_MANAGEMENT = 1050.0
CITY_MANAGEMENT_SHARES = {
    "exposed_garbage": 0.20,
    "street_vending": 0.17,
    "clutter": 0.16,
    "illegal_parking": 0.14,
    "encroachment": 0.12,
    "flyposting": 0.08,
    "muck_spill": 0.03,
    "illegal_construction": 0.03,
    "noise": 0.03,
    "facility_damage": 0.03,
    "outdoor_advertising": 0.01,
}


def _city_management_specs() -> list[Spec]:
    out = []
    for name, share in CITY_MANAGEMENT_SHARES.items():
        village, community, hotspot, hours, fields = 0.8, 1.1, "", "patrol", _city_case
        if name in ("street_vending", "encroachment"):
            hotspot, hours = "vending", "vending"
        elif name in ("clutter", "exposed_garbage"):
            hotspot, village = "vending", 1.0
        elif name == "illegal_construction":
            village, community, fields = 2.5, 0.6, _illegal_construction
        elif name == "noise":
            village, community, hours, fields = 0.6, 1.2, "day", _noise
        elif name == "facility_damage":
            fields = _facility_damage
        rate = CITY_MANAGEMENT * share
        out.append(
            Spec(
                f"city_management.{name}",
                rate,
                village,
                community,
                hours,
                "patrol",
                "cny_city",
                hotspot,
                False,
                fields,
            )
        )
    return out


# Rates per 10,000 residents a year. S/E: public figure / estimate of DEMO-RATES.md; "own": not in
# DEMO-RATES, our own plausible figure. Columns: code, rate, village ×, community ×, hour profile,
# weekday profile, seasons, hotspot theme, crime (bad weeks), field generator.
# fmt: off
SPECS: tuple[Spec, ...] = (
    # Criminal reports 39 (S); burglary 2, three-vehicle theft 4, telecom fraud 8, theft from vehicles
    # 3 and the serious crimes ~0.7 are delivered under their own types, which leaves 21.
    Spec("police.criminal", 21.0, 0.9, 1.05, "crime", "leisure", "cny_crime cny_theft_rebound", "crime", True,
         _criminal),
    Spec("police.public_order", 63.0, 0.9, 1.05, "night", "leisure", "cny_crime summer", "crime", True,
         _public_order),  # S
    Spec("police.dispute", 70.0, 1.4, 0.85, "day", "leisure", "cny_family", "dispute", True, _dispute),  # E
    Spec("police.burglary", 2.0, 1.3, 0.9, "burglary", "flat", "cny_crime cny_theft_rebound spring_theft",
         "crime", True, _burglary),  # E
    Spec("police.vehicle_theft", 4.0, 1.1, 0.95, "burglary", "flat", "cny_crime cny_theft_rebound spring_theft",
         "crime", True, _vehicle_theft),  # E
    Spec("police.theft_from_vehicle", 3.0, 0.7, 1.15, "night", "flat", "cny_crime spring_theft", "crime", True,
         _theft_from_vehicle),  # own
    Spec("police.telecom_fraud", 8.0, 0.6, 1.25, "fraud", "flat", "fraud", "fraud", False, _telecom_fraud),  # E
    # own: robbery and snatch theft 0.27 (S) plus grievous injury, rape, arson … ≈ 0.65; homicides are
    # added to these as intentional_homicide (see `_homicide_cases`).
    Spec("police.serious_crime", 0.65, 1.1, 0.95, "night", "leisure", "", "crime", True, _serious_crime),
    Spec("police.homicide", 0.046, 1.2, 0.9, "night", "leisure", "", "", False, _homicide),  # S
    Spec("police.vice", 3.0, 1.1, 0.95, "night", "leisure", "", "crime", True, _vice),  # own
    # Traffic reports incl. minor accidents 120 (E); deaths 0.45 and injuries 2.0 (S); drink-driving 19 (S).
    Spec("traffic.accident", 120.0, 0.75, 1.15, "traffic", "traffic", "cny_traffic golden_week", "traffic",
         False, _traffic_accident),
    Spec("traffic.drink_driving", 19.0, 0.9, 1.05, "drink", "leisure", "cny_traffic", "traffic", False,
         _drink_driving),
    # Fires 5.7 (S); fire-service calls 14 (S), of which the fires are delivered as fire.fire.
    Spec("fire.fire", 5.7, 1.3, 0.9, "fire", "flat", "cny_fire dry_winter", "fire", False, _fire),
    Spec("fire.service_call", 8.3, 1.0, 1.0, "day", "flat", "typhoon", "", False, _fire_service),
    Spec("work_safety.accident", 0.29, 1.6, 0.8, "office", "office", "cny_office", "labour", False,
         _work_safety),  # S
    *_city_management_specs(),
    Spec("civilization.uncivil_behaviour", 40.0, 0.7, 1.2, "day", "leisure", "", "vending", False,
         _uncivil),  # own
    Spec("civilization.volunteer_service", 60.0, 0.7, 1.2, "volunteer", "volunteer", "volunteer_days", "",
         False, _volunteer),  # own: activities, each with its volunteers and their hours
    # 12345 tickets 3,000 (E), scaled by VOLUME; follow-ups (own) 40 % of the tickets.
    Spec("hotline.request", 3000.0, 0.75, 1.15, "hotline", "office", "cny_office_half", "", False,
         _hotline_request),
    Spec("hotline.satisfaction", 1200.0, 0.75, 1.15, "office", "office", "cny_office", "", False,
         _hotline_satisfaction),
    # Consumer complaints and reports 200 (E), food 40 % of them.
    Spec("food.complaint", 80.0, 0.6, 1.3, "hotline", "flat", "golden_week summer", "", False, _food_complaint),
    Spec("market.consumer_complaint", 120.0, 0.6, 1.3, "hotline", "flat", "golden_week", "", False,
         _consumer_complaint),
    Spec("market.council_complaint", 10.0, 0.6, 1.3, "office", "office", "golden_week", "", False,
         _council_complaint),  # own
    Spec("market.redress_satisfaction", 6.0, 0.6, 1.3, "office", "office", "", "", False,
         _redress_satisfaction),  # own
    Spec("health.foodborne_illness", 0.6, 1.2, 0.9, "day", "flat", "summer_food", "", False, _foodborne),  # own
    # All petitions 20 (E); group and beyond-the-city petitions (own).
    Spec("petition.case", 20.0, 1.3, 0.9, "office", "office", "cny_office", "dispute", False, _petition),
    Spec("petition.group_visit", 0.4, 1.5, 0.8, "office", "closed", "cny_office", "dispute", False,
         _group_visit),
    Spec("petition.beyond_city", 0.08, 1.5, 0.8, "office", "closed", "", "", False, _beyond_city),
    # Labour petitions 3–8 (S) as unpaid-wage cases; arbitration and protests (own).
    Spec("labour.unpaid_wages", 5.0, 1.4, 0.85, "office", "office", "cny_wages", "labour", False, _unpaid_wages),
    Spec("labour.arbitration", 12.0, 1.2, 0.9, "office", "closed", "cny_office", "labour", False, _arbitration),
    Spec("labour.collective_wage_protest", 0.15, 1.5, 0.8, "office", "flat", "cny_wages", "labour", False,
         _wage_protest),
    # People's mediation 35 (S).
    Spec("dispute.mediation_case", 35.0, 1.5, 0.8, "office", "office", "cny_office", "dispute", False,
         _mediation),
    # own: ~40 survey answers (0.4 % of residents a year), mostly in four campaigns.
    Spec("survey.answer", 40.0, 1.0, 1.0, "survey", "office", "survey", "", False, _survey_answer),
    Spec("bravery.recognition", 0.1, 1.0, 1.0, "day", "flat", "", "", False, _bravery),  # own
    # own: illegal land use ~1.5 and ecological damage ~0.3, mostly in villages.
    Spec("land.illegal_use", 1.5, 3.0, 0.3, "office", "closed", "", "land", False, _illegal_land),
    Spec("land.ecological_damage", 0.3, 3.0, 0.3, "office", "closed", "", "land", False, _ecological),
)
# fmt: on
HOMICIDE, SERIOUS = "police.homicide", "police.serious_crime"
SURVEY, PARTICIPATION = "survey.answer", "survey.participation"
AIR = "environment.air_quality"
# Hotspot themes: (units, lowest factor, highest factor); at most one unit in 40 per theme.
HOTSPOTS = {
    "crime": (3, 2.0, 4.0),
    "dispute": (2, 2.0, 3.0),
    "traffic": (2, 2.0, 3.0),
    "vending": (3, 2.0, 4.0),
    "fire": (2, 2.0, 3.0),
    "labour": (2, 2.5, 4.0),
    "fraud": (1, 2.0, 2.5),
    "land": (2, 2.0, 4.0),
}
BAD_WEEKS = 3  # a district with 1.5–2× crime for a week
MISSING_DAYS = 6  # (department, day) without any delivery
LATE_DELIVERIES = 10
BAD_DELIVERIES = 4  # deliveries with rejected items


def effective_rate(code: str) -> float:
    """The yearly rate per 10,000 residents that `load_demo_events(scale=1.0)` aims at."""
    spec = next(s for s in SPECS if s.code == code)
    return spec.rate * VOLUME.get(code, 1.0)


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


# --- the calendar -------------------------------------------------------------------------------
class _Calendar:
    def __init__(self, year: int, tz, now: datetime):
        from zhili.hub.ingest import cutoff_for

        first = date(year, 1, 1)
        self.year, self.tz = year, tz
        self.days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        self.size = len(self.days)
        self.weekday = np.array([d.weekday() for d in self.days])
        self.month = np.array([d.month for d in self.days])
        self.festival = (SPRING_FESTIVAL.get(year, date(year, 2, 5)) - first).days
        self.cutoffs = [cutoff_for(d) for d in self.days]
        # Only the days the index has closed (their cut-off has passed) are filled.
        self.included = sum(1 for c in self.cutoffs if c <= now)
        # Local midnight of each day as seconds since 1970 (as if UTC), and the UTC offset at each
        # local hour of each day.
        self.midnight = np.array([(d - date(1970, 1, 1)).days * 86400 for d in self.days], dtype="int64")
        self.offset = np.array(
            [[int(tz.utcoffset(datetime(d.year, d.month, d.day, h, 30)).total_seconds()) for h in range(24)]
             for d in self.days],
            dtype="int64",
        )  # fmt: skip

    def index(self, day: date) -> int:
        return (day - self.days[0]).days

    def timestamps(self, day: np.ndarray, second: np.ndarray) -> np.ndarray:
        """UTC timestamps of (day index, local second of the day)."""
        return self.midnight[day] + second - self.offset[day, second // 3600]

    def _span(self, month: int, day: int, length: int) -> slice:
        start = self.index(date(self.year, month, day))
        return slice(start, start + length)

    def season(self, name: str) -> np.ndarray:
        f = np.ones(self.size)
        c, m = self.festival, self.month
        fest = slice(max(c - 1, 0), max(c + 6, 0))  # New Year's Eve and the holiday week
        if name == "cny_crime":
            f[fest] = 0.75  # criminal and public-order reports −15 to −30 %
        elif name == "cny_theft_rebound":
            f[max(c + 7, 0) : max(c + 21, 0)] = 1.25  # burglary and theft rebound after the festival
        elif name == "cny_family":
            f[fest] = 1.1
        elif name == "cny_traffic":
            f[fest] = 0.6  # traffic −40 %
        elif name == "cny_fire":
            f[fest] = 1.31  # fires +31 %
        elif name == "cny_office":
            f[fest] = 0.2
        elif name == "cny_office_half":
            f[fest] = 0.5
        elif name == "cny_city":
            f[fest] = 0.45
        elif name == "cny_wages":  # wage arrears peak in the weeks before the festival
            f[max(c - 29, 0) : max(c - 1, 0)] = 2.2
            f[fest] = 0.3
        elif name == "spring_theft":  # April–May: burglary and theft from cars rise
            f[(m == 4) | (m == 5)] = 1.25
        elif name == "summer":
            f[(m >= 6) & (m <= 9)] = 1.12
        elif name == "summer_food":
            f[(m >= 6) & (m <= 9)] = 1.6
        elif name == "dry_winter":
            f[(m == 12) | (m <= 2)] = 1.25
            f[(m >= 6) & (m <= 8)] = 0.85
        elif name == "typhoon":
            f[(m >= 7) & (m <= 9)] = 1.3
        elif name == "golden_week":
            f[self._span(5, 1, 5)] = 1.25
            f[self._span(10, 1, 7)] = 1.35
        elif name == "fraud":  # Q4 highest, Jan–Feb lowest; peaks early March, early July, late November
            f = _floats("0.75 0.7 1 0.95 0.95 0.95 1.05 1 1 1.1 1.2 1.15")[m - 1]
            t = np.arange(self.size)
            for month, day in ((3, 5), (7, 5), (11, 25)):
                f = f * (1 + 0.45 * np.exp(-(((t - self.index(date(self.year, month, day))) / 6.0) ** 2)))
        elif name == "volunteer_days":  # 学雷锋日 (5 March) and International Volunteer Day (5 December)
            f[self._span(3, 3, 5)] = 3.0
            f[self._span(12, 3, 5)] = 3.0
        elif name == "survey":  # four campaigns of three weeks; a trickle of online answers in between
            f[:] = 0.05
            for month in (3, 6, 9, 11):
                f[self._span(month, 1, 21)] = 1.0
        else:
            raise ValueError(f"unknown season {name!r}")
        return f

    def factor(self, spec: Spec) -> np.ndarray:
        """The day factor of a type for every day of the year, with mean 1 over the year."""
        f = WEEK[spec.week][self.weekday]
        for name in spec.seasons.split():
            f = f * self.season(name)
        return f / f.mean()


# --- the city -----------------------------------------------------------------------------------
@dataclass
class _Units:
    """The villages/communities with their grids, point pools, hotspots and traits."""

    codes: list[str]
    village: np.ndarray  # bool
    population: np.ndarray
    district: np.ndarray  # index into `districts`
    districts: list[str]
    grid_codes: list[str]
    grid_unit: np.ndarray  # village/community of each grid
    grid_key: np.ndarray  # unit index + cumulative population share, for choosing a grid
    grid_main: np.ndarray  # per unit: its most populous grid
    pool: np.ndarray  # (grids, POOL, 2) lon/lat; NaN without a boundary
    towns: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, station grid
    hot: dict[str, np.ndarray] = field(default_factory=dict)  # theme → factor per unit
    hotline_ok: np.ndarray | None = None
    council_ok: np.ndarray | None = None
    survey_mean: np.ndarray | None = None


def _populations(year: int) -> dict[str, int]:
    """Resident population per village/community and grid: the latest year up to `year`, else the
    earliest there is."""
    from zhili.geo.models import Level, Population

    best: dict[str, tuple[tuple[int, int], int]] = {}
    for code, y, resident in Population.objects.filter(
        unit__level__in=[Level.VILLAGE, Level.GRID]
    ).values_list("unit__code", "year", "resident"):
        rank = (1, y) if y <= year else (0, -y)
        if code not in best or rank > best[code][0]:
            best[code] = (rank, resident)
    return {code: resident for code, (_rank, resident) in best.items()}


def _load_units(year: int, seed: int) -> _Units:
    from shapely.geometry import shape

    from zhili.geo.models import Kind, Level, Unit

    pops = _populations(year)
    rows = list(
        Unit.objects.filter(level__in=[Level.TOWN, Level.VILLAGE, Level.GRID])
        .order_by("code")
        .values_list("code", "name", "kind", "level", "parent__code", "boundary")
    )
    grids_of: dict[str, list[tuple]] = {}
    for r in rows:
        if r[3] == Level.GRID:
            grids_of.setdefault(r[4], []).append(r)
    codes, kinds, population, towns = [], [], [], []
    grid_rows: list[tuple] = []
    grid_unit: list[int] = []
    grid_pop: list[float] = []
    for r in rows:
        if r[3] != Level.VILLAGE:
            continue
        grids = grids_of.get(r[0]) or [r]  # a village without grids is its own grid
        gpop = np.array([float(pops.get(g[0], 0)) for g in grids])
        pop = float(pops.get(r[0], 0)) or float(gpop.sum())
        if pop <= 0:
            continue
        grid_unit.extend([len(codes)] * len(grids))
        codes.append(r[0])
        kinds.append(r[2])
        population.append(pop)
        towns.append(r[4] or r[0][:9] + "000")
        grid_rows.extend(grids)
        grid_pop.extend((gpop if gpop.sum() > 0 else np.ones(len(grids))).tolist())
    unit_of = np.array(grid_unit, dtype="int64")
    gpop_all = np.array(grid_pop)
    key = np.zeros(len(grid_rows))
    main = np.zeros(len(codes), dtype="int64")
    for i in range(len(codes)):
        sel = np.flatnonzero(unit_of == i)
        cum = np.cumsum(gpop_all[sel]) / gpop_all[sel].sum()
        cum[-1] = 1.0
        key[sel] = i + cum
        main[i] = sel[int(np.argmax(gpop_all[sel]))]
    districts = sorted({c[:6] for c in codes})
    units = _Units(
        codes=codes,
        village=np.array([k == Kind.VILLAGE for k in kinds], dtype=bool),
        population=np.array(population),
        district=np.array([districts.index(c[:6]) for c in codes], dtype="int64"),
        districts=districts,
        grid_codes=[g[0] for g in grid_rows],
        grid_unit=unit_of,
        grid_key=key,
        grid_main=main,
        pool=_point_pool([g[5] for g in grid_rows], np.random.default_rng([seed, _crc("points")]), shape),
    )
    # Towns, each with its air-quality station in its most populous grid.
    names = {r[0]: r[1] for r in rows if r[3] == Level.TOWN}
    town_of = np.array(towns, dtype=object)
    for town in sorted(set(towns)):
        sel = np.flatnonzero(np.isin(unit_of, np.flatnonzero(town_of == town)))
        units.towns.append((town, names.get(town, town), int(sel[np.argmax(gpop_all[sel])])))
    _unit_traits(units, seed)
    return units


def _point_pool(boundaries: list, rng: np.random.Generator, shape) -> np.ndarray:
    """POOL random points inside each polygon (vectorised rejection sampling), rounded to 6
    decimals (~0.1 m) before the test, so that the stored point is inside, too."""
    pool = np.full((len(boundaries), POOL, 2), np.nan)
    for i, boundary in enumerate(boundaries):
        geom = shape(boundary) if boundary else None
        if geom is None or geom.is_empty or geom.area <= 0:
            continue
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        fill = max(geom.area / max((maxx - minx) * (maxy - miny), 1e-18), 0.02)
        got = np.empty((0, 2))
        for _attempt in range(50):
            n = int(POOL / fill * 1.5) + 16
            x = np.round(rng.uniform(minx, maxx, n), 6)
            y = np.round(rng.uniform(miny, maxy, n), 6)
            inside = shapely.contains_xy(geom, x, y)
            got = np.vstack([got, np.column_stack([x[inside], y[inside]])])
            if len(got) >= POOL:
                break
        if len(got):
            pool[i] = got[np.arange(POOL) % len(got)]
    return pool


def _unit_traits(units: _Units, seed: int) -> None:
    """Hotspots, and each unit's level of satisfaction and survey score."""
    rng = np.random.default_rng([seed, _crc("units")])
    n = len(units.codes)
    for theme, (count, low, high) in HOTSPOTS.items():
        factor = np.ones(n)
        eligible = np.flatnonzero(units.population >= np.median(units.population)) if n else np.zeros(0, int)
        k = min(count, max(1, n // 40), len(eligible))
        if k:
            factor[rng.choice(eligible, size=k, replace=False)] = rng.uniform(low, high, k)
        units.hot[theme] = factor
    units.hotline_ok = np.clip(rng.normal(0.9, 0.025, n), 0.75, 0.98)
    units.council_ok = np.clip(rng.normal(0.88, 0.03, n), 0.7, 0.98)
    crime_hot = units.hot["crime"] > 1 if n else np.zeros(0, bool)
    units.survey_mean = np.clip(rng.normal(89.0, 2.5, n) - 5.0 * crime_hot, 70, 97)


# --- drawing the events -------------------------------------------------------------------------
@dataclass
class _Rows:
    """The events of one type: where and when, and its field columns."""

    code: str
    unit: np.ndarray
    day: np.ndarray
    second: np.ndarray  # local second of the day
    grid: np.ndarray
    point: np.ndarray
    columns: dict[str, tuple[np.ndarray, np.ndarray | None]]  # name → (values, given or None: all)


def _draw(spec: Spec, units: _Units, cal: _Calendar, bad_weeks: list, scale: float, seed: int) -> _Rows:
    rng = np.random.default_rng([seed, _crc(spec.code)])
    hot = units.hot[spec.hotspot] if spec.hotspot else np.ones(len(units.codes))
    weight = units.population * np.where(units.village, spec.village, spec.community) * hot
    weight *= units.population.sum() / weight.sum()  # the city's total stays rate × population
    per_day = spec.rate * VOLUME.get(spec.code, 1.0) * scale / 10_000 / cal.size
    lam = np.outer(weight * per_day, cal.factor(spec)[: cal.included])
    if spec.crime:
        for district, start, factor in bad_weeks:
            lam[units.district == district, start : start + 7] *= factor
    counts = rng.poisson(lam)
    u, d = np.nonzero(counts)
    unit, day = np.repeat(u, counts[u, d]), np.repeat(d, counts[u, d])
    n = len(unit)
    hour = rng.choice(24, size=n, p=HOURS[spec.hours] / HOURS[spec.hours].sum())
    second = hour * 3600 + rng.integers(0, 3600, n)
    grid = np.searchsorted(units.grid_key, unit + rng.random(n), side="right")
    point = rng.integers(0, POOL, n)
    ctx = _Ctx(n=n, village=units.village[unit], hour=hour, month=cal.month[day], unit=unit, units=units)
    raw = spec.fields(rng, ctx) if spec.fields else {}
    columns = {}
    for name, col in raw.items():
        values, given = col if isinstance(col, tuple) else (col, None)
        columns[name] = (np.asarray(values), None if given is None else np.asarray(given, dtype=bool))
    return _Rows(spec.code, unit, day, second, grid, point, columns)


def _homicide_cases(homicides: _Rows) -> _Rows:
    """Each homicide is also a serious crime of the category intentional_homicide (catalogue rule)."""
    n = len(homicides.unit)
    h = homicides
    columns = {
        "category": (np.full(n, "intentional_homicide", dtype=object), None),
        "deaths": h.columns["deaths"],
    }
    return _Rows(SERIOUS, h.unit, h.day, h.second, h.grid, h.point, columns)


def _concat(a: _Rows, b: _Rows) -> _Rows:
    columns = {}
    for name in dict.fromkeys([*a.columns, *b.columns]):
        values, given = [], []
        for r in (a, b):
            n = len(r.unit)
            v, g = r.columns.get(name, (np.zeros(n, dtype=object), np.zeros(n, dtype=bool)))
            values.append(v.astype(object))
            given.append(np.ones(n, dtype=bool) if g is None else g)
        columns[name] = (np.concatenate(values), np.concatenate(given))
    parts = (
        np.concatenate([getattr(a, k), getattr(b, k)]) for k in ("unit", "day", "second", "grid", "point")
    )
    return _Rows(a.code, *parts, columns)


def _participation(answers: _Rows, units: _Units, cal: _Calendar, seed: int) -> _Rows:
    """Per village/community and month: how many answered the survey and how many were asked,
    dated the month's last day at 20:00, for the months that are over."""
    rng = np.random.default_rng([seed, _crc(PARTICIPATION)])
    n_units = len(units.codes)
    month = cal.month[answers.day] - 1
    counts = np.bincount(answers.unit * 12 + month, minlength=n_units * 12).reshape(n_units, 12)
    last = np.array([cal.index(date(cal.year + (m == 12), m % 12 + 1, 1)) - 1 for m in range(1, 13)])
    u, m = np.nonzero(counts * (last < cal.included)[None, :])
    quantity = counts[u, m]
    invited = np.round(quantity * rng.uniform(1.6, 2.4, len(u))).astype("int64")
    survey = np.array([f"{cal.year}年{k + 1}月群众安全感和满意度调查" for k in m.tolist()], dtype=object)
    n = len(u)
    columns = {"quantity": (quantity, None), "invited": (invited, None), "survey": (survey, None)}
    second = np.full(n, 20 * 3600, dtype="int64")
    return _Rows(PARTICIPATION, u, last[m], second, units.grid_main[u], np.zeros(n, dtype="int64"), columns)


def _air_quality(units: _Units, cal: _Calendar, seed: int) -> _Rows:
    """One daily PM2.5 mean per town: a regional series (high in winter, low in summer, three
    autumn episodes, annual mean 18–20 µg/m³, ~90 % of days at most 35) times a town factor and
    local noise. Not scaled: one reading per town and day, from a station in its most populous grid."""
    rng = np.random.default_rng([seed, _crc(AIR)])
    t = np.arange(cal.size)
    noise = rng.normal(0, 0.28, cal.size)
    ar = np.zeros(cal.size)
    for i in range(1, cal.size):
        ar[i] = 0.75 * ar[i - 1] + noise[i]
    series = (1 + 0.5 * np.cos(2 * math.pi * (t - 10) / cal.size)) * np.exp(ar)
    autumn = cal.index(date(cal.year, 9, 15)), cal.index(date(cal.year, 11, 30))
    for _episode in range(3):
        centre, width = rng.integers(*autumn), rng.uniform(1.5, 3.0)
        series *= 1 + rng.uniform(0.8, 1.6) * np.exp(-(((t - centre) / width) ** 2))
    series *= rng.uniform(18.0, 20.0) / series.mean()
    n_towns = len(units.towns)
    town_factor = np.exp(rng.normal(0, 0.08, n_towns))
    town_factor /= town_factor.mean()
    town = np.repeat(np.arange(n_towns), cal.included)
    day = np.tile(np.arange(cal.included), n_towns)
    local = np.exp(rng.normal(0, 0.1, len(day)))
    value = np.round(np.clip(series[day] * town_factor[town] * local, 1, 999), 1)
    station = np.array([s for _code, _name, s in units.towns], dtype="int64")[town]
    names = np.array([f"{name}站" for _code, name, _s in units.towns], dtype=object)[town]
    n = len(day)
    columns = {
        "category": (np.full(n, "pm25", dtype=object), None),
        "value": (value, None),
        "averaging": (np.full(n, "day", dtype=object), None),
        "station": (names, None),
    }
    second = np.full(n, 12 * 3600, dtype="int64")
    return _Rows(AIR, units.grid_unit[station], day, second, station, np.zeros(n, dtype="int64"), columns)


# --- fitting the columns to the catalogue as it is ----------------------------------------------
@dataclass
class _TypeInfo:
    code: str
    pk: int
    department_id: int
    family: str
    names: list[str]  # the fields given, in schema order
    columns: list[tuple[np.ndarray, np.ndarray | None]]
    measures: dict[str, np.ndarray]
    categories: list[dict]  # the schema's category fields (for the messages of rejected items)


def _conform(rows: _Rows, event_type, rng: np.random.Generator) -> _TypeInfo | None:
    """What the type's schema accepts, as the validator would store it; None when the type needs a
    field the demo cannot make."""
    n = len(rows.unit)
    names, columns, given = [], [], {}
    for spec in event_type.fields or []:
        name, kind, required = spec["name"], spec.get("type", "text"), bool(spec.get("required"))
        choices = list(spec.get("choices") or [])
        col = rows.columns.get(name)
        if col is None and required and kind == "category" and choices:
            col = (np.array(choices, dtype=object)[rng.integers(0, len(choices), n)], None)
        if col is None:
            if required:
                log.warning("demo events: %s requires %s, which the demo does not make", rows.code, name)
                return None
            continue
        values, present = col
        if kind == "category":
            values = values.astype(object)
            if choices and not np.isin(values[present] if present is not None else values, choices).all():
                bad = ~np.isin(values, choices)
                if required:
                    values = values.copy()
                    values[bad] = np.array(choices, dtype=object)[
                        rng.integers(0, len(choices), int(bad.sum()))
                    ]
                else:
                    present = ~bad if present is None else present & ~bad
        elif kind in ("int", "decimal"):
            if values.dtype == object:
                continue
            values = values.astype("int64" if kind == "int" else "float64")
            if spec.get("min") is not None or spec.get("max") is not None:
                values = np.clip(values, spec.get("min"), spec.get("max"))
        elif kind == "bool":
            values = values.astype(bool)
        else:
            values = values.astype(object)
        if required:
            present = None
        names.append(name)
        columns.append((values, present))
        given[name] = (values, present)
    categories = [s for s in event_type.fields or [] if s.get("type") == "category" and s.get("choices")]
    return _TypeInfo(
        event_type.code,
        event_type.pk,
        event_type.department_id,
        event_type.family,
        names,
        columns,
        _measures(given, n),
        categories,
    )


def _measures(given: dict, n: int) -> dict[str, np.ndarray]:
    """The measure columns as the validator fills them: the field's value, else the default."""
    out = {}
    for name, default in (("quantity", 1), ("deaths", 0), ("injuries", 0), ("amount", None), ("value", None)):
        fill = np.nan if default is None else default
        values, present = given.get(name, (None, None))
        col = np.full(n, fill, dtype="float64" if default is None else "int64")
        if values is not None:
            col = (
                values.astype(col.dtype)
                if present is None
                else np.where(present, values, fill).astype(col.dtype)
            )
        out[name] = col
    values, present = given.get("category", (None, None))
    out["category"] = np.full(n, "", dtype=object)
    if values is not None:
        out["category"] = (
            values.astype(object) if present is None else np.where(present, values, "").astype(object)
        )
    return out


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
    from zhili.hub.models import Event, EventType, Source

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
    rng = np.random.default_rng([seed, _crc("conform")])
    infos, rows = [], []
    for code, r in drawn.items():
        info = _conform(r, types[code], rng)
        if info is not None and len(r.unit):
            infos.append(info)
            rows.append(r)
    plan = _plan(infos, rows, departments, units, cal, seed)
    generated = time.perf_counter()

    sources = {}
    for dept in departments:
        sources[dept.pk], _created = Source.objects.get_or_create(
            code=SOURCE_PREFIX + dept.code,
            defaults={"name": f"{dept.short_name or dept.name}演示数据"[:100], "department": dept},
        )
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
