"""Fixtures: a small hand-made city with rectangles for boundaries, so every figure can be
checked by hand, and one person per role (the personas) at the town of 拱北街道."""

from __future__ import annotations

import functools
import os
from datetime import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

pytest_plugins = ["tests.browser", "tests.mediation_fixtures"]  # fixtures shared across modules

DATA = Path(__file__).parent / "data"
PASSWORD = "Correct-Horse-Battery-9"

OWN_TOWN = "449902001000"  # 拱北街道, in 海澄区
OWN_VILLAGE = "449902001001"  # 翠香社区, under OWN_TOWN
SIBLING_TOWN = "449902100000"  # 南屏镇, same district, another town
OTHER_TOWN = "449903001000"  # 井岸街道, another district
OTHER_VILLAGE = "449903001001"  # 湖滨社区, under OTHER_TOWN
# Points inside those units (the rectangles in data/boundaries.geojson).
POINT_OWN = (113.02, 22.05)  # grid 449902001001001
POINT_OTHER = (113.30, 22.10)  # grid 449903001001001


@pytest.fixture(autouse=True, scope="session")
def _clock():
    """ZHILI_TEST_NOW=2026-12-07T05:30+08:00 runs the whole session at that instant (the clock
    ticks on from it): `make test-clock` runs the suite at the hours that used to break it —
    just after midnight and before the cut-off in the city, late evening in the city, and late
    evening on a UTC machine (already tomorrow in the city)."""
    when = os.environ.get("ZHILI_TEST_NOW")
    if not when:
        yield None
        return
    import time_machine

    with time_machine.travel(datetime.fromisoformat(when), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    from zhili.core.workdays import forget_overrides
    from zhili.geo.lookup import invalidate

    invalidate()
    forget_overrides()  # a calendar day one test entered is gone with its transaction
    yield
    cache.clear()


@pytest.fixture
def city(db):
    return make_city()


def make_city() -> dict:
    from zhili.geo.importing import import_boundaries, import_divisions

    import_divisions(DATA / "divisions.csv")
    import_boundaries(DATA / "boundaries.geojson")
    from zhili.geo.models import Unit

    return {u.code: u for u in Unit.objects.all()}


@functools.cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the test password once per run, not once per user."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def make_user(username: str, role: str, unit_code: str | None, **extra):
    from zhili.geo.models import Unit
    from zhili.org.models import User

    extra.setdefault("is_superuser", role == "system_admin")  # as `create_superuser` makes them
    user = User(
        username=username,
        role=role,
        home_unit=Unit.objects.get(code=unit_code) if unit_code else None,
        **extra,
    )
    user.password = _password_hash()
    user.save()
    return User.objects.get(pk=user.pk)  # fresh: permission caches empty


@pytest.fixture
def personas(city):
    """One user per role at OWN_TOWN, plus residents with personal data in and out of scope."""
    from zhili.org.roles import Role

    people = {role.value: make_user(f"{role.value}_a", role, OWN_TOWN) for role in Role}
    people["resident_own"] = make_user(
        "alice",
        Role.CITIZEN,
        OWN_VILLAGE,
        display_name="王爱丽",
        phone="13812345678",
        id_number="44990219900101123X",
    )
    people["resident_other"] = make_user(
        "bob",
        Role.CITIZEN,
        OTHER_VILLAGE,
        display_name="李博",
        phone="13987654321",
        id_number="449903198502024567",
    )
    return people


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api_client():
    return client_for


# --- the data hub ---------------------------------------------------------------------------
HUB_TYPES = [
    # code, department, family, fields
    (
        "police.burglary",
        "public_security",
        "police",
        [
            {"name": "category", "type": "category", "choices": ["day", "night"]},
            {"name": "caller_phone", "type": "text", "personal": True},
        ],
    ),
    (
        "police.homicide",
        "public_security",
        "police",
        [{"name": "deaths", "type": "int", "min": 0, "required": True}],
    ),
    (
        "fire.fire",
        "fire_rescue",
        "fire",
        [{"name": "deaths", "type": "int", "min": 0}, {"name": "injuries", "type": "int", "min": 0}],
    ),
    (
        "env.air",
        "ecology",
        "environment",
        [
            {"name": "value", "type": "decimal", "required": True, "min": 0},
            {"name": "category", "type": "category", "choices": ["pm25", "pm10"], "required": True},
        ],
    ),
]


@pytest.fixture
def hub(city):
    return make_hub(city)


def make_hub(city) -> dict:
    """Four event types of three departments and two department systems with their keys."""
    from zhili.hub.models import EventType
    from zhili.hub.services import create_source
    from zhili.org.models import Department

    depts = {d.code: d for d in Department.objects.all()}
    for code, dept, family, fields in HUB_TYPES:
        EventType.objects.create(
            code=code,
            name=code,
            department=depts[dept],
            family=family,
            fields=fields,
            has_personal_data=any(f.get("personal") for f in fields),
        )
    police, police_key = create_source(code="ga_110", name="110 接处警", department=depts["public_security"])
    fire, fire_key = create_source(code="xf_119", name="119 接警", department=depts["fire_rescue"])
    return {"police": police, "police_key": police_key, "fire": fire, "fire_key": fire_key, "city": city}


def v1(code: str) -> str:
    """The hash of the first shipped version of `code` (data/versions/<code>.v1.yaml), for tests
    whose hand-made city is too small for the current version: 3 towns and 4 villages are too few
    peers to estimate its empirical-Bayes priors (zhili/index/reference.py, MIN_PEERS = 5)."""
    from zhili.index.definitions import DATA_DIR, load_file

    return load_file(DATA_DIR / f"versions/{code}.v1.yaml").content_hash[:16]
