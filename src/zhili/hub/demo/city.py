"""Field generators of the city-management, civility, hotline, market, health, petition, labour,
mediation, survey, bravery and land types, and the city-management classes with their shares."""

from __future__ import annotations

import numpy as np

from .fields import Spec, _maybe, _money, _people, _pick, _pick_kind

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
