"""The demo city's mediation: its institutions and mediators, the routing rules, and a year of
cases in every state of the workflow.

Every case is made and moved by the real services (`services.apply`, `services.move`,
`services.extend`, `services.post_message`, `paperwork.generate`, `paperwork.sign`), so its
timeline, audit, documents, signatures and hub facts are what the platform itself would have
written. To give them their past dates, every action of every case is put on one calendar and
the calendar is played in order with Django's clock (`django.utils.timezone.now`) set to the
action's moment: case numbers carry the year of submission, the signed statements carry the day
they were signed, the hub hears of each case on the day it opened, and the cases are numbered
in the order they arrived. The clock is the real one again as soon as the function returns.

Signing is the slow part (two PDF renderings per agreement, about 0.5 s), so only a share of the
cases go through it (`SIGNED_SHARE`); the other closed cases failed, were withdrawn or declined.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from zhili.core.errors import Conflict
from zhili.geo.models import Level, Population, Unit
from zhili.mediation.choices import (
    OPEN_STATES,
    Channel,
    DisputeType,
    InstitutionKind,
    PartyRole,
    Referral,
    State,
)
from zhili.mediation.demo.stories import MALE, _Stories
from zhili.mediation.models import Case, Institution, Mediator, Meeting, RoutingRule
from zhili.org.demo import SURNAMES, id_number
from zhili.org.models import Department, User
from zhili.org.roles import Role

# Shares of the final states among the cases (the rest after these is worked out below).
OPEN_SHARES = {
    State.SUBMITTED: 0.035,
    State.ACCEPTED: 0.025,
    State.ASSIGNED: 0.025,
    State.IN_MEDIATION: 0.045,
    State.AGREED: 0.03,
}
SIGNED_SHARE = 0.35  # of all cases: fully signed agreements (each costs two PDF renderings, ~0.5 s)
FAILED_PER_SIGNED = 0.45  # → a success rate (settled / (settled + failed)) of about 69 %
DECLINED_SHARE = 0.05
# Dispute types as people's mediation sees them, in per cent.
TYPE_WEIGHTS = {
    DisputeType.NEIGHBOUR: 24,
    DisputeType.FAMILY: 17,
    DisputeType.LABOUR: 11,
    DisputeType.PROPERTY_MANAGEMENT: 9,
    DisputeType.TRAFFIC: 8,
    DisputeType.CONSUMER: 7,
    DisputeType.LAND: 9,
    DisputeType.MEDICAL: 3,
    DisputeType.FINANCIAL: 3,
    DisputeType.OTHER: 9,
}
# What the town's people's mediation committee takes (the routing rules send the rest elsewhere).
LOCAL_TYPES = [DisputeType.NEIGHBOUR, DisputeType.LAND, DisputeType.PROPERTY_MANAGEMENT, DisputeType.CONSUMER,
               DisputeType.OTHER]  # fmt: skip
CHANNELS = {Channel.WALK_IN: 55, Channel.ONLINE: 20, Channel.HOTLINE: 15, Channel.POLICE: 10}
POINT_SHARE = 0.7  # cases with a map point inside their village
MORE_SURNAMES = (
    "高郑谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦江"
)
FEMALE = "芳娜敏静丽艳娟秀霞桂英玲燕红梅丹萍慧琳洁雪婷倩兰凤"
FIRMS = "宏达鑫源华盛建安恒通顺发永兴金鼎广信振华联创盛世利民"


@dataclass
class _Plan:
    """One case to be: what it is about, who is in it, and what happens to it when."""

    final: str
    path: list[str]
    dispute_type: str
    unit: Unit
    amount: Decimal | None
    facts: str
    claims: str
    parties: list[dict]
    channel: str
    lon: float | None = None
    lat: float | None = None
    story: dict = field(default_factory=dict)  # terms, reasons, places for the later actions
    applicant: User | None = None  # an existing account that applies online (the demo citizen)
    home: bool = False  # at the demo mediator's committee, led by the demo mediator
    times: list[datetime] = field(default_factory=list)
    # filled in as the calendar is played
    case: Case | None = None
    head: User | None = None
    lead: User | None = None


def create_demo_mediation(
    *, seed: int = 2026, cases: int = 400, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Institutions, mediators, routing rules and `cases` cases over the last 12 months, in every
    state, for the demo city. Refused (Conflict) when there are mediation institutions already.
    Returns {"institutions", "mediators", "cases", "signed"}."""
    from zhili.hub.catalogue import load_catalogue
    from zhili.hub.models import EventType

    if Institution.objects.exists():
        raise Conflict("there are mediation institutions already; the mediation demo loads once")
    if not EventType.objects.exists():
        load_catalogue()
    rng = random.Random(seed)
    world = _World(rng)
    with transaction.atomic():
        world.institutions()
        world.mediators()
        world.rules()
        plans = world.plans(cases)
        world.play(plans, progress)
    world.touch_lake()
    return {
        "institutions": Institution.objects.count(),
        "mediators": Mediator.objects.count(),
        "cases": Case.objects.count(),
        "signed": Case.objects.filter(documents__code__isnull=False).distinct().count(),
    }


@contextmanager
def _clock():
    """Django's clock, set by the caller (`moment[0]`) while the calendar is played."""
    real = timezone.now
    moment: list[datetime | None] = [None]

    def now() -> datetime:
        return moment[0] or real()

    timezone.now = now
    try:
        yield moment
    finally:
        timezone.now = real


class _World:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.city = Unit.objects.get(level=Level.CITY)
        self.short = self.city.name.removesuffix("市")
        self.units = {u.pk: u for u in Unit.objects.filter(level__lte=Level.VILLAGE)}
        self.justice = Department.objects.filter(code="justice").first()
        self.phones = set(User.objects.exclude(phone="").values_list("phone", flat=True))
        self.unusable = make_password(None)
        self.demo_mediator = User.objects.filter(username=Role.MEDIATOR.value).first()
        self.demo_citizen = User.objects.filter(username=Role.CITIZEN.value).first()
        self.home_town = self._town_of(self.demo_mediator.home_unit) if self.demo_mediator else None
        self.lake_days: set = set()
        self.shapes: dict = {}

    # --- places -------------------------------------------------------------------------------

    def _town_of(self, unit: Unit | None) -> Unit | None:
        if unit is None or unit.level < Level.TOWN:
            return None
        return next(
            (u for u in self.units.values() if u.level == Level.TOWN and unit.code.startswith(u.prefix)), None
        )

    def _chain(self, village: Unit) -> tuple[Unit | None, Unit | None]:
        town = self.units.get(village.parent_id)
        district = self.units.get(town.parent_id) if town else None
        return district, town

    # --- institutions, mediators, rules --------------------------------------------------------

    def institutions(self) -> None:
        made = []
        for town in sorted((u for u in self.units.values() if u.level == Level.TOWN), key=lambda u: u.code):
            made.append(Institution(code=f"rmtw-{town.code}", name=f"{town.name}人民调解委员会",
                                    kind=InstitutionKind.PEOPLES, unit=town))  # fmt: skip
        for district in sorted(
            (u for u in self.units.values() if u.level == Level.DISTRICT), key=lambda u: u.code
        ):
            made.append(Institution(code=f"ldzy-{district.code}", name=f"{district.name}劳动争议调解中心",
                                    kind=InstitutionKind.LABOUR, unit=district))  # fmt: skip
            made.append(Institution(code=f"jjtj-{district.code}", name=f"{district.name}交警事故调解室",
                                    kind=InstitutionKind.TRAFFIC, unit=district))  # fmt: skip
        city = self.city
        for prefix, name, kind in (
            ("yltw", "医疗纠纷调解委员会", InstitutionKind.MEDICAL),
            ("jrtj", "金融纠纷调解中心", InstitutionKind.FINANCIAL),
            ("fltj", "妇联婚姻家庭调解站", InstitutionKind.WOMEN),
        ):
            made.append(
                Institution(code=f"{prefix}-{city.code}", name=f"{city.name}{name}", kind=kind, unit=city)
            )
        for inst in made:
            inst.save()
        self.all_institutions = made

    def mediators(self) -> None:
        """2–4 mediators per institution, the first its head; the demo mediator heads the
        committee of its own town."""
        rng = self.rng
        specialties = {
            InstitutionKind.PEOPLES: [DisputeType.NEIGHBOUR, DisputeType.FAMILY, DisputeType.LAND,
                                      DisputeType.PROPERTY_MANAGEMENT, DisputeType.CONSUMER, DisputeType.OTHER],
            InstitutionKind.LABOUR: [DisputeType.LABOUR], InstitutionKind.TRAFFIC: [DisputeType.TRAFFIC],
            InstitutionKind.MEDICAL: [DisputeType.MEDICAL], InstitutionKind.FINANCIAL: [DisputeType.FINANCIAL],
            InstitutionKind.WOMEN: [DisputeType.FAMILY],
        }  # fmt: skip
        self.staff: dict[int, list[User]] = {}
        for inst in self.all_institutions:
            people: list[User] = []
            if self.demo_mediator and self.home_town and inst.unit_id == self.home_town.pk:
                people.append(self.demo_mediator)
            for i in range(len(people) + 1, rng.randint(2, 4) + 1):
                name, _gender, idn = self._person(inst.unit.code)
                user = User(
                    username=f"{inst.code}-{i}", display_name=name, role=Role.MEDIATOR, home_unit=inst.unit,
                    department=self.justice, phone=self._phone(), id_number=idn, password=self.unusable,
                )  # fmt: skip
                user.save()
                people.append(user)
            kinds = specialties[inst.kind]
            for i, user in enumerate(people):
                Mediator.objects.create(
                    user=user, institution=inst, is_head=i == 0,
                    specialties=rng.sample(kinds, min(len(kinds), rng.randint(1, 2))),
                )  # fmt: skip
            self.staff[inst.pk] = people

    def rules(self) -> None:
        # The women's federation station sits in the main district and takes its family disputes;
        # elsewhere they stay with the town's committee, as most do in practice.
        main = Unit.objects.filter(level=Level.DISTRICT).order_by("code").first()
        for priority, name, types, minimum, kind, place in (
            (10, "大额劳动争议（10万元以上）→ 劳动争议调解中心", [DisputeType.LABOUR], Decimal("100000"),
             InstitutionKind.LABOUR, ""),
            (20, "道路交通事故 → 交警事故调解室", [DisputeType.TRAFFIC], None, InstitutionKind.TRAFFIC, ""),
            (30, "医疗纠纷 → 医疗纠纷调解委员会", [DisputeType.MEDICAL], None, InstitutionKind.MEDICAL, ""),
            (40, "金融纠纷 → 金融纠纷调解中心", [DisputeType.FINANCIAL], None, InstitutionKind.FINANCIAL, ""),
            (50, f"{main.name if main else ''}婚姻家庭纠纷 → 妇联婚姻家庭调解站", [DisputeType.FAMILY], None,
             InstitutionKind.WOMEN, main.code if main else ""),
            (100, "其他纠纷 → 属地人民调解委员会", [], None, InstitutionKind.PEOPLES, ""),
        ):  # fmt: skip
            RoutingRule.objects.create(
                priority=priority, name=name, dispute_types=types, min_amount=minimum, institution_kind=kind,
                unit_prefix=place,
            )  # fmt: skip

    # --- people ----------------------------------------------------------------------------------

    def _phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice('35789')}{self.rng.randint(0, 999_999_999):09d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _person(self, region: str) -> tuple[str, str, str]:
        """A name, gender and resident ID (the ID's 17th digit gives the gender)."""
        rng = self.rng
        idn = id_number(rng, region)
        male = int(idn[16]) % 2 == 1
        pool = MALE if male else FEMALE
        surname = rng.choice(SURNAMES) if rng.random() < 0.6 else rng.choice(MORE_SURNAMES)
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return surname + given, "男" if male else "女", idn

    def _address(self, village: Unit) -> str:
        district, town = self._chain(village)
        where = f"{district.name if district else ''}{town.name if town else ''}{village.name}"
        if village.kind == "community":
            estate = self.rng.choice(["幸福花园", "翠苑", "阳光小区", "锦绣家园", "海景花园", "和谐小区"])
            return f"{where}{estate}{self.rng.randint(1, 24)}栋{self.rng.randint(1, 32)}0{self.rng.randint(1, 4)}房"
        return f"{where}{self.rng.randint(1, 180)}号"

    def _party(self, role: str, village: Unit, *, firm: str = "") -> dict:
        if firm:
            return {"role": role, "name": firm, "gender": "", "id_number": "", "phone": self._phone(),
                    "address": self._address(village)}  # fmt: skip
        name, gender, idn = self._person(village.code)
        return {"role": role, "name": name, "gender": gender, "id_number": idn, "phone": self._phone(),
                "address": self._address(village)}  # fmt: skip

    def _firm(self, kind: str) -> str:
        word = self.rng.choice([FIRMS[i : i + 2] for i in range(0, len(FIRMS), 2)])
        return f"{self.short}{word}{kind}"

    # --- the cases to be -------------------------------------------------------------------------

    def _villages(self) -> tuple[list[Unit], list[float]]:
        villages = sorted((u for u in self.units.values() if u.level == Level.VILLAGE), key=lambda u: u.code)
        people: dict[int, int] = {}
        for unit_id, resident in (
            Population.objects.filter(unit__level=Level.VILLAGE)
            .order_by("unit_id", "-year")
            .values_list("unit_id", "resident")
        ):
            people.setdefault(unit_id, resident)
        return villages, [max(people.get(v.pk, 0), 100) ** 0.9 for v in villages]

    def _finals(self, n: int) -> list[tuple[str, list[str]]]:
        """(final state, the actions that lead there) for each case, shuffled."""
        rng = self.rng
        head = ["accept", "assign", "start"]
        sign = [*head, "agree", "sign"]
        fail = [*head, "fail"]
        out: list[tuple[str, list[str]]] = []

        def add(count: int, final: str, *paths: list[str]) -> None:
            for i in range(count):
                out.append((final, list(paths[i % len(paths)])))

        opened = {state: max(1, round(n * share)) for state, share in OPEN_SHARES.items()}
        add(opened[State.SUBMITTED], State.SUBMITTED, [])
        add(opened[State.ACCEPTED], State.ACCEPTED, ["accept"])
        add(opened[State.ASSIGNED], State.ASSIGNED, ["accept", "assign"])
        add(opened[State.IN_MEDIATION], State.IN_MEDIATION, head)
        add(opened[State.AGREED], State.AGREED, [*head, "agree"])
        signed = max(3, round(n * SIGNED_SHARE))
        failed = max(3, round(signed * FAILED_PER_SIGNED))
        declined = max(2, round(n * DECLINED_SHARE))
        withdrawn = max(2, n - sum(opened.values()) - signed - failed - declined)
        s1, s2 = max(1, round(signed * 0.2)), max(1, round(signed * 0.08))
        add(s1, State.SIGNED, sign)
        add(s2, State.REFERRED, [*sign, "refer"])
        add(
            signed - s1 - s2,
            State.ARCHIVED,
            [*sign, "archive"],
            [*sign, "archive"],
            [*sign, "refer", "archive"],
        )
        f1, f2 = max(1, round(failed * 0.3)), max(1, round(failed * 0.15))
        add(f1, State.FAILED, fail)
        add(f2, State.REFERRED, [*fail, "refer"])
        add(
            failed - f1 - f2,
            State.ARCHIVED,
            [*fail, "archive"],
            [*fail, "archive"],
            [*fail, "refer", "archive"],
        )
        d1 = max(1, round(declined * 0.5))
        add(d1, State.DECLINED, ["decline"])
        add(declined - d1, State.ARCHIVED, ["decline", "archive"])
        w1 = max(1, round(withdrawn * 0.15))
        # mostly during mediation; before assignment only by the applicant (who applied online)
        late, early = [*head, "withdraw"], ["accept", "assign", "withdraw"]
        ways = [
            late,
            late,
            early,
            late,
            late,
            ["withdraw"],
            late,
            late,
            early,
            late,
            late,
            ["accept", "withdraw"],
        ]
        add(w1, State.WITHDRAWN, *ways)
        add(withdrawn - w1, State.ARCHIVED, *[[*w, "archive"] for w in ways])
        rng.shuffle(out)
        return out[:n] if len(out) > n else out

    def plans(self, n: int) -> list[_Plan]:
        rng = self.rng
        villages, weights = self._villages()
        home_villages = [v for v in villages if self.home_town and v.parent_id == self.home_town.pk]
        finals = self._finals(n)
        types = list(TYPE_WEIGHTS)
        plans: list[_Plan] = []
        # the stories the demo is told with: a wage case of 35 workers and a death at work
        special = [("wages", [State.ARCHIVED]), ("death", [State.SIGNED, State.ARCHIVED])]
        for story, wanted in special:
            pick = next((i for i, (f, p) in enumerate(finals) if f in wanted and "sign" in p), None)
            if pick is not None:
                final, path = finals.pop(pick)
                plans.append(self._special(story, final, path, rng.choices(villages, weights)[0]))
        # the demo accounts' own cases: the citizen's, and open ones for the demo mediator
        pinned = n >= 20  # (they replace drawn cases of the same states)
        if (
            pinned
            and self.demo_citizen
            and self.demo_citizen.home_unit
            and self.demo_citizen.home_unit.level == Level.VILLAGE
            and self.demo_citizen.phone  # how an applicant is reached (and told apart)
        ):
            village = self.demo_citizen.home_unit
            for final, path, kind in (
                (State.SUBMITTED, [], DisputeType.NEIGHBOUR),
                (State.IN_MEDIATION, ["accept", "assign", "start"], DisputeType.NEIGHBOUR),
                (State.AGREED, ["accept", "assign", "start", "agree", "draft", "sign:1"], DisputeType.CONSUMER),
                (State.ARCHIVED, ["accept", "assign", "start", "agree", "sign", "archive"], DisputeType.CONSUMER),
                (State.WITHDRAWN, ["accept", "withdraw"], DisputeType.OTHER),
            ):  # fmt: skip
                self._take(finals, final)
                plan = self._plan(final, path, kind, village, Channel.ONLINE, applicant=self.demo_citizen)
                plan.home = self._under_home(village)
                plans.append(plan)
        if pinned and home_villages:
            for final, path in (
                (State.SUBMITTED, []),
                (State.ACCEPTED, ["accept"]),
                (State.ASSIGNED, ["accept", "assign"]),
                (State.IN_MEDIATION, ["accept", "assign", "start"]),
                (State.IN_MEDIATION, ["accept", "assign", "start", "overdue"]),
                (State.AGREED, ["accept", "assign", "start", "agree", "draft", "sign:0", "sign:1"]),
            ):
                self._take(finals, final)
                kind = rng.choice(LOCAL_TYPES)
                plan = self._plan(final, path, kind, rng.choice(home_villages), Channel.WALK_IN)
                plan.home = True
                plans.append(plan)
        for final, path in finals[: max(0, n - len(plans))]:
            kind = rng.choices(types, [TYPE_WEIGHTS[t] for t in types])[0]
            online = path[:1] == ["withdraw"] or path[:2] == ["accept", "withdraw"]
            channel = Channel.ONLINE if online else rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
            if kind == DisputeType.TRAFFIC and channel != Channel.ONLINE and rng.random() < 0.6:
                channel = Channel.POLICE
            village = rng.choices(villages, weights)[0]
            if self._under_home(village) and final in OPEN_STATES and kind not in LOCAL_TYPES:
                kind = rng.choice(LOCAL_TYPES)  # the demo mediator's open cases are all its own to work
            plan = self._plan(final, path, kind, village, channel)
            plan.home = self._under_home(plan.unit) and rng.random() < 0.5
            plans.append(plan)
        for plan in plans:
            if "sign" in plan.path:  # the agreement is written, each party signs, the lead last
                k = plan.path.index("sign")
                signers = [f"sign:{i}" for i in range(len(plan.parties))]
                plan.path[k : k + 1] = ["draft", *signers, "sign:lead"]
            plan.times = self._timeline(plan)
        return plans

    def _under_home(self, village: Unit) -> bool:
        return bool(self.home_town and self.demo_mediator and village.parent_id == self.home_town.pk)

    @staticmethod
    def _take(finals: list, final: str) -> None:
        """Use up one drawn case of this final state (a pinned case replaces it), else one of the
        many withdrawn and archived ones."""
        for i, (f, _p) in enumerate(finals):
            if f == final:
                finals.pop(i)
                return
        for i, (f, p) in enumerate(finals):
            if f == State.ARCHIVED and "withdraw" in p:
                finals.pop(i)
                return

    def _point(self, village: Unit) -> tuple[float | None, float | None]:
        if not village.boundary or self.rng.random() >= POINT_SHARE:
            return None, None
        import shapely
        from shapely.geometry import shape

        geom = self.shapes.get(village.pk)
        if geom is None:
            geom = self.shapes[village.pk] = shape(village.boundary)
            shapely.prepare(geom)
        x0, y0, x1, y1 = geom.bounds
        for _ in range(200):
            x, y = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            if shapely.contains_xy(geom, x, y):
                return round(x, 6), round(y, 6)
        return None, None

    def _plan(
        self,
        final: str,
        path: list[str],
        kind: str,
        village: Unit,
        channel: str,
        *,
        applicant: User | None = None,
    ) -> _Plan:
        stories = _Stories(self, village, applicant=applicant)
        story = stories.finish(getattr(stories, kind)())
        lon, lat = self._point(village)
        return _Plan(
            final=final, path=path, dispute_type=kind, unit=village, amount=story.pop("amount"),
            facts=story.pop("facts"), claims=story.pop("claims"), parties=story.pop("parties"), channel=channel,
            lon=lon, lat=lat, story=story, applicant=applicant,
        )  # fmt: skip

    def _special(self, which: str, final: str, path: list[str], village: Unit) -> _Plan:
        plan = self._plan(final, path, DisputeType.LABOUR, village, Channel.WALK_IN)
        stories = _Stories(self, village)
        story = stories.finish(stories.wages() if which == "wages" else stories.death())
        plan.amount, plan.facts, plan.claims = story.pop("amount"), story.pop("facts"), story.pop("claims")
        plan.parties, plan.story = story.pop("parties"), story
        return plan

    # --- when -------------------------------------------------------------------------------------

    def _office(self, moment: datetime, staff: bool = True) -> datetime:
        """The moment moved into the working day: office hours on weekdays for staff, the waking
        hours of any day for the parties."""
        local = timezone.localtime(moment, self.tz)
        opens, closes = ((8, 30), 18) if staff else ((7, 30), 22)
        if (local.hour, local.minute) < opens:
            local = local.replace(hour=opens[0], minute=opens[1]) + timedelta(
                minutes=self.rng.randint(0, 150)
            )
        elif local.hour >= closes:
            local = (local + timedelta(days=1)).replace(hour=opens[0], minute=opens[1])
            local += timedelta(minutes=self.rng.randint(0, 150))
        while staff and local.weekday() >= 5:
            local += timedelta(days=1)
        return local

    def _timeline(self, plan: _Plan) -> list[datetime]:
        """The moment of the application and of each later action, from a submission day drawn
        for the final state: open cases are recent (some past their due dates), closed ones
        spread over the year."""
        rng = self.rng
        days = rng.uniform
        gaps = {
            "accept": (0.05, 2.0), "decline": (0.1, 2.0), "assign": (0.05, 1.2), "start": (0.1, 2.0),
            "agree": (3.0, 33.0), "fail": (5.0, 33.0), "withdraw": (0.5, 20.0), "draft": (0.001, 0.01),
            "refer": (2.0, 10.0), "archive": (3.0, 30.0),
        }  # fmt: skip
        open_ages = {
            State.SUBMITTED: (0.05, 2.5, 4.0, 9.0, 0.2),
            State.ACCEPTED: (1.0, 18.0, 33.0, 50.0, 0.15),
            State.ASSIGNED: (2.0, 25.0, 35.0, 60.0, 0.2),
            State.IN_MEDIATION: (3.0, 28.0, 33.0, 75.0, 0.3),
            State.AGREED: (6.0, 30.0, 6.0, 30.0, 0.0),
        }
        if plan.final in open_ages:
            lo, hi, old_lo, old_hi, old = open_ages[plan.final]
            overdue = "overdue" in plan.path or rng.random() < old
            age = days(old_lo, old_hi) if overdue else days(lo, hi)
            start = self.now - timedelta(days=age)
        else:
            start = self.now - timedelta(days=days(60, 364))
        plan.path = [a for a in plan.path if a != "overdue"]
        when = [self._office(start, staff=plan.channel != Channel.ONLINE)]
        for action in plan.path:
            prev = when[-1]
            gap = days(0.02, 1.5) if action.startswith("sign") else days(*gaps[action])
            if action == "withdraw" and "start" in plan.path:
                gap = days(3.0, 25.0)
            moment = prev + timedelta(days=gap)
            if action != "draft":
                moment = self._office(moment, staff=action == "sign:lead" or not action.startswith("sign:"))
            when.append(max(moment, prev + timedelta(minutes=rng.randint(3, 40))))
        # fit into the last year, before now: whole weeks keep the office hours
        latest = self.now - timedelta(hours=1)
        earliest = self.now - timedelta(days=364)
        if plan.final in open_ages:
            if when[-1] > latest:  # back by whole days, keeping the hours
                shift = timedelta(days=math.ceil((when[-1] - latest) / timedelta(days=1)))
                when = [w - shift for w in when]
        else:
            while when[-1] > latest:
                when = [w - timedelta(days=7) for w in when]
            while when[0] < earliest and when[-1] + timedelta(days=7) <= latest:
                when = [w + timedelta(days=7) for w in when]
        return when

    # --- playing the calendar ------------------------------------------------------------------------

    def play(self, plans: list[_Plan], progress) -> None:
        calendar: list[tuple[datetime, int, int, str]] = []
        for i, plan in enumerate(plans):
            calendar.append((plan.times[0], i, -1, "submit"))
            for j, action in enumerate(plan.path):
                calendar.append((plan.times[j + 1], i, j, action))
            calendar.extend(self._extras(i, plan))
        heapq.heapify(calendar)
        total, done = len(calendar), 0
        with _clock() as moment:
            while calendar:
                at, i, _j, action = heapq.heappop(calendar)
                moment[0] = at
                self._act(plans[i], action, at)
                done += 1
                if progress is not None and (done % 25 == 0 or done == total):
                    progress(done, total)

    def _extras(self, i: int, plan: _Plan) -> list[tuple[datetime, int, int, str]]:
        """Messages, a private note, a meeting and an extension between the start of mediation
        and the next step (or now, for a case still in mediation)."""
        if "start" not in plan.path:
            return []
        rng = self.rng
        k = plan.path.index("start")
        start = plan.times[k + 1]
        end = plan.times[k + 2] if len(plan.times) > k + 2 else self.now - timedelta(minutes=30)
        span = (end - start).total_seconds()
        if span < 600:
            return []
        out = []
        wanted = ["msg_lead", "note"]
        if plan.applicant is not None or plan.channel == Channel.ONLINE:
            wanted.append("msg_party")
        if rng.random() < 0.5:
            wanted.append("meet")
        if rng.random() < 0.5:
            wanted.append("msg_lead2")
        offsets = sorted(rng.uniform(0.02, 0.6) * span for _ in wanted)
        closed = len(plan.times) > k + 2
        for offset, action in zip(offsets, wanted, strict=True):
            at = self._office(start + timedelta(seconds=offset), staff=action != "msg_party")
            if not start < at < end:
                continue
            if action == "meet":  # held before the case moved on, or coming up
                meet = (
                    at + (end - at) * rng.uniform(0.3, 0.8)
                    if closed
                    else self.now + timedelta(days=rng.uniform(1, 7))
                )
                meet = self._office(meet).replace(
                    hour=rng.choice([9, 10, 14, 15]), minute=rng.choice([0, 30])
                )
                if closed and not at < meet < end:
                    continue
                plan.story["meeting_at"] = meet
            out.append((at, i, 1000 + len(out), action))
        # an extension when the case ran past its 30 days (the open ones stay overdue)
        accept = plan.times[plan.path.index("accept") + 1]
        due = timezone.localdate(accept, self.tz) + timedelta(days=30)
        close_day = timezone.localdate(end, self.tz)
        if close_day > due and closed:
            before = datetime.combine(due - timedelta(days=rng.randint(1, 4)), datetime.min.time(), self.tz)
            at = self._office(before + timedelta(hours=9), staff=True)
            if start < at < end:
                days = min(30, (close_day - due).days + rng.randint(1, 5))
                plan.story["extend_days"] = days
                out.append((at, i, 2000, "extend"))
        return out

    def _act(self, plan: _Plan, action: str, at: datetime) -> None:
        from zhili.mediation import paperwork, services

        rng, story = self.rng, plan.story
        case = plan.case
        if action == "submit":
            self._submit(plan, at)
            return
        if action == "accept":
            services.move(
                case=case, action="accept", actor=plan.head, reason=story["accept"], paperwork=False
            )
        elif action == "decline":
            services.move(
                case=case, action="decline", actor=plan.head, reason=story["decline"], paperwork=False
            )
        elif action == "assign":
            team = self.staff[case.institution_id]
            if plan.home and self.demo_mediator in team:
                lead = self.demo_mediator
            else:
                lead = rng.choice(team[1:] or team) if rng.random() < 0.8 else team[0]
            co = [u.username for u in team if u != lead and rng.random() < 0.25][:1]
            plan.lead = lead
            services.move(
                case=case, action="assign", actor=plan.head, lead=lead.username, co=co, paperwork=False
            )
        elif action == "start":
            services.move(case=case, action="start", actor=plan.lead, paperwork=False)
        elif action == "agree":
            services.move(
                case=case, action="agree", actor=plan.lead, paperwork=False, terms=story["terms"],
                performance=story["performance"], agreed_amount=story["agreed_amount"],
            )  # fmt: skip
        elif action == "fail":
            services.move(case=case, action="fail", actor=plan.lead, reason=story["fail"], paperwork=False)
        elif action == "withdraw":
            actor = plan.lead if plan.lead is not None else self._applicant(plan)
            services.move(
                case=case, action="withdraw", actor=actor, reason=story["withdraw"], paperwork=False
            )
        elif action == "draft":
            story["document"] = paperwork.generate(case=case, kind="agreement")
        elif action.startswith("sign:"):
            who = action.removeprefix("sign:")
            user = plan.lead if who == "lead" else self._account(plan, int(who))
            paperwork.sign(case=case, actor=user, document_sha256=story["document"].sha256)
        elif action == "refer":
            signed = case.state == State.SIGNED
            services.move(
                case=case, action="refer", actor=plan.lead, paperwork=False,
                referral=Referral.COURT_CONFIRMATION if signed else Referral.LITIGATION,
                reason="双方共同申请司法确认调解协议" if signed else "调解不成，引导当事人依法向人民法院起诉",
            )  # fmt: skip
        elif action == "archive":
            actor = plan.lead or plan.head
            services.move(
                case=case, action="archive", actor=actor, reason="结案材料齐全，立卷归档", paperwork=False
            )
        elif action == "extend":
            services.extend(case=case, actor=plan.lead, days=story["extend_days"], reason=story["extend"])
        elif action in ("msg_lead", "msg_lead2"):
            services.post_message(case=case, actor=plan.lead, body=story[action])
        elif action == "note":
            services.post_message(case=case, actor=plan.lead, body=story["note"], private=True)
        elif action == "msg_party":
            services.post_message(case=case, actor=self._applicant(plan), body=story["msg_party"])
        elif action == "meet":
            Meeting.objects.create(
                case=case, starts_at=story["meeting_at"], place=story["meeting_place"],
                note=rng.choice(["首次面对面调解", "背对背调解，分别听取双方意见", "现场查看后调解"]),
            )  # fmt: skip
        self.lake_days.add(timezone.localdate(at, self.tz))

    def _applicant(self, plan: _Plan) -> User:
        party = plan.case.parties.filter(role=PartyRole.APPLICANT).order_by("id").first()
        return party.user if party.user_id else self._account(plan, 0)

    def _account(self, plan: _Plan, index: int) -> User:
        """The account a party signs or writes with: their own, named by the party's phone."""
        party = plan.parties[index]
        if plan.applicant is not None and index == 0:
            return plan.applicant
        user = User.objects.filter(phone=party["phone"]).first()
        if user is None:
            user = User(
                username=f"p{party['phone']}", display_name=party["name"][:60], role=Role.CITIZEN,
                home_unit=plan.unit, phone=party["phone"], id_number=party["id_number"], password=self.unusable,
                date_joined=timezone.now(),
            )  # fmt: skip
            user.save()
        return user

    def _submit(self, plan: _Plan, at: datetime) -> None:
        from zhili.mediation import services

        parties = [services.PartyIn(**p) for p in plan.parties]
        if plan.channel == Channel.ONLINE:
            actor = self._account(plan, 0)
        else:
            institution, _rule = services.route(
                dispute_type=plan.dispute_type, amount=plan.amount, unit=plan.unit
            )
            actor = self.staff[institution.pk][0]
        ref = ""
        if plan.channel == Channel.HOTLINE:
            ref = f"12345-{timezone.localtime(at, self.tz):%Y%m%d}-{self.rng.randint(1, 9999):04d}"
        elif plan.channel == Channel.POLICE:
            ref = f"JQ{timezone.localtime(at, self.tz):%Y%m%d}{self.rng.randint(1, 99999):05d}"
        case, _created = services.apply(
            actor=actor, dispute_type=plan.dispute_type, parties=parties, facts=plan.facts, claims=plan.claims,
            amount=plan.amount, unit_code=plan.unit.code, lon=plan.lon, lat=plan.lat, channel=plan.channel,
            external_ref=ref, paperwork=False,
        )  # fmt: skip
        plan.case = case
        plan.head = self.staff[case.institution_id][0]
        if self.rng.random() < 0.4:
            plan.story["meeting_place"] = f"{case.institution.name}调解室"
        self.lake_days.add(timezone.localdate(at, self.tz))

    def touch_lake(self) -> None:
        """The days the cases touched, marked changed now: their hub facts were written with
        earlier clocks, which an export made in between would otherwise miss."""
        from zhili.hub.models import LakeDay

        if self.lake_days:
            LakeDay.objects.filter(day__in=self.lake_days).update(changed_at=timezone.now())


# --- what the cases are about ---------------------------------------------------------------------
