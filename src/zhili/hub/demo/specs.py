"""The event types the demo makes: yearly rates per 10,000 residents and how each varies."""

from __future__ import annotations

from .city import (
    _arbitration,
    _beyond_city,
    _bravery,
    _city_management_specs,
    _consumer_complaint,
    _council_complaint,
    _ecological,
    _food_complaint,
    _foodborne,
    _group_visit,
    _hotline_request,
    _hotline_satisfaction,
    _illegal_land,
    _mediation,
    _petition,
    _redress_satisfaction,
    _survey_answer,
    _uncivil,
    _unpaid_wages,
    _volunteer,
    _wage_protest,
)
from .fields import Spec
from .police import (
    _burglary,
    _criminal,
    _dispute,
    _drink_driving,
    _fire,
    _fire_service,
    _homicide,
    _public_order,
    _serious_crime,
    _telecom_fraud,
    _theft_from_vehicle,
    _traffic_accident,
    _vehicle_theft,
    _vice,
    _work_safety,
)

# The 12345 hotline sends ~3,000 tickets per 10,000 residents a year to departments (750k for the
# city, DEMO-RATES) and follows up on many of them: at full volume that alone would be ~1.05 M rows,
# more than the rest of the hub together, doubling the time (and the database) of the demo. Requests
# and follow-ups are therefore kept at a fifth of the real volume: 600 requests per 10,000 (150k a
# year) and 240 follow-ups (60k). Every other type is at its real rate.
VOLUME = {"hotline.request": 0.2, "hotline.satisfaction": 0.2}


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


def effective_rate(code: str) -> float:
    """The yearly rate per 10,000 residents that `load_demo_events(scale=1.0)` aims at."""
    spec = next(s for s in SPECS if s.code == code)
    return spec.rate * VOLUME.get(code, 1.0)
