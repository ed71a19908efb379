"""Field generators of the police, traffic, fire and work-safety types."""

from __future__ import annotations

import numpy as np

from .calendar import HOURS
from .fields import _lookup, _maybe, _money, _people, _pick, _pick_kind


def _by_hour(hours: np.ndarray, profile: str, relative: dict[range, float], mean: float) -> np.ndarray:
    """A per-event probability that depends on the hour and averages `mean` over the hour profile."""
    rr = np.ones(24)
    for span, factor in relative.items():
        rr[list(span)] = factor
    share = HOURS[profile] / HOURS[profile].sum()
    return (mean / float((share * rr).sum()) * rr)[hours]


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
