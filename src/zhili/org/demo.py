"""Demo accounts: one per role, placed at a sensible level of the demo city."""

from __future__ import annotations

import random
from dataclasses import dataclass

from zhili.core.idnumber import check_character
from zhili.geo.models import Level, Unit
from zhili.org.models import Department, User
from zhili.org.roles import Role

# Which level of the city each role works at, and their department if any.
ROLE_PLACES: dict[str, tuple[Level, str | None]] = {
    Role.SYSTEM_ADMIN: (Level.CITY, None),
    Role.CITY_ANALYST: (Level.CITY, "political_legal"),
    Role.DATA_OFFICER: (Level.CITY, "public_security"),
    Role.DISTRICT_CADRE: (Level.DISTRICT, None),
    Role.TOWN_CADRE: (Level.TOWN, None),
    Role.VILLAGE_CADRE: (Level.VILLAGE, None),
    Role.GRID_WORKER: (Level.GRID, None),
    Role.MEDIATOR: (Level.TOWN, "justice"),
    Role.POLICE_OFFICER: (Level.TOWN, "public_security"),
    Role.DUTY_OFFICER: (Level.DISTRICT, "emergency"),
    Role.PROSECUTOR: (Level.CITY, "procuratorate"),
    Role.ENFORCEMENT_OFFICER: (Level.DISTRICT, "city_management"),
    Role.LANDLORD: (Level.VILLAGE, None),
    Role.CITIZEN: (Level.VILLAGE, None),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"


@dataclass
class DemoAccount:
    username: str
    role: str
    unit: Unit


def id_number(rng: random.Random, region: str) -> str:
    """A resident ID with a valid GB 11643 check digit (fictional region code)."""
    body = f"{region[:6]}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check_character(body)


def create_accounts(*, password: str, seed: int = 2026) -> list[DemoAccount]:
    rng = random.Random(seed)
    city = Unit.objects.get(level=Level.CITY)
    # Follow one branch down the city, so the accounts' scopes nest: district ⊃ town ⊃ village ⊃ grid.
    chain = {Level.CITY: city}
    node = city
    for level in (Level.DISTRICT, Level.TOWN, Level.VILLAGE, Level.GRID):
        node = node.children.order_by("code").first()
        if node is None:
            break
        chain[level] = node
    departments = {d.code: d for d in Department.objects.all()}
    from django.contrib.auth.hashers import make_password

    password_hash = make_password(password)  # one Argon2 run, not one per account
    accounts = []
    for role, (level, dept) in ROLE_PLACES.items():
        unit = chain.get(level) or chain[max(chain)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
        user = User(
            username=role.value,
            display_name=name,
            role=role,
            home_unit=unit,
            department=departments.get(dept) if dept else None,
            phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
            id_number=id_number(rng, unit.code),
            is_superuser=role == Role.SYSTEM_ADMIN,  # as `create_superuser` makes them
        )
        user.password = password_hash
        user.save()
        accounts.append(DemoAccount(user.username, str(role.label), unit))
    return accounts
