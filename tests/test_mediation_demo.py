"""The demo city's mediation (`zhili.mediation.demo`) on the small test city: institutions and
mediators at every level, cases in every state made through the real services with their past
dates, signed agreements that verify, hub facts dated like the cases, and the demo accounts'
own cases. A second run on the same database is refused."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import OWN_TOWN, OWN_VILLAGE, make_user
from zhili.org.roles import Role

CASES = 60


@pytest.fixture
def demo(personas):
    from zhili.hub.catalogue import load_catalogue
    from zhili.mediation.demo import create_demo_mediation

    load_catalogue()
    mediator = make_user("mediator", Role.MEDIATOR, OWN_TOWN, display_name="林静")
    citizen = make_user(
        "citizen",
        Role.CITIZEN,
        OWN_VILLAGE,
        display_name="陈明",
        phone="13700001111",
        id_number="449902198803152410",
    )
    counts = create_demo_mediation(seed=7, cases=CASES)
    return {**personas, "counts": counts, "mediator": mediator, "citizen": citizen}


def test_demo_mediation_fills_every_state_consistently(demo):
    import shapely
    from shapely.geometry import shape

    from zhili.core.errors import Conflict
    from zhili.core.idnumber import is_valid as valid_id_number
    from zhili.geo.models import Level, Unit
    from zhili.hub.models import Event
    from zhili.mediation import paperwork
    from zhili.mediation.choices import OPEN_STATES, InstitutionKind, State
    from zhili.mediation.demo import create_demo_mediation
    from zhili.mediation.models import Case, Document, Institution, Mediator
    from zhili.mediation.selectors import visible_cases

    counts = demo["counts"]
    cases = list(
        Case.objects.select_related("unit", "institution__unit").prefetch_related("steps", "parties")
    )
    assert counts["cases"] == len(cases) == CASES
    # 3 town committees, a labour centre and a traffic room in each of 2 districts, 3 at city level
    assert counts["institutions"] == Institution.objects.count() == 3 + 2 * 2 + 3
    assert 2 * counts["institutions"] <= counts["mediators"] <= 4 * counts["institutions"]
    assert all(i.mediators.filter(is_head=True).count() == 1 for i in Institution.objects.all())

    # every state, with the closed ones mostly settled
    states = Counter(c.state for c in cases)
    assert set(states) == set(State.values), states

    # signed agreements: every one verifies by its code; signed cases all have one
    signed = Document.objects.exclude(code=None).select_related("case")
    assert counts["signed"] == signed.count() > 0
    for doc in signed:
        checked = paperwork.verify(code=doc.code)
        assert checked["result"] == "valid", doc.case.number
        assert checked["case_number"] == doc.case.number
    assert all(c.documents.exclude(code=None).exists() for c in cases if c.state == State.SIGNED)

    now = timezone.now()
    today = timezone.localdate()
    main_district = Unit.objects.filter(level=Level.DISTRICT).order_by("code").first().prefix
    for case in cases:
        # the timeline reads in order, from the submission within the last year
        steps = list(case.steps.all().order_by("id"))
        times = [s.at for s in steps]
        assert times == sorted(times), case.number
        assert steps[0].action == "submit" and abs(steps[0].at - case.created_at) < timedelta(seconds=1)
        assert now - timedelta(days=366) < case.created_at < now
        assert case.number.startswith(f"TJ{timezone.localtime(case.created_at):%Y}")
        if case.accepted_at:
            assert case.created_at < case.accepted_at
            assert case.mediation_due >= timezone.localdate(case.accepted_at) + timedelta(days=30)
        if case.closed_at:
            assert case.created_at < case.closed_at < now
        # routed to an institution that covers the place, of the kind the rules ask for
        assert case.unit.code.startswith(case.institution.unit.prefix), case.number
        wanted = {"traffic": "traffic", "medical": "medical", "financial": "financial"}
        kind = wanted.get(case.dispute_type, InstitutionKind.PEOPLES)
        if case.dispute_type == "family" and case.unit.code.startswith(main_district):
            kind = InstitutionKind.WOMEN  # the station takes the main district's family disputes
        if case.dispute_type == "labour" and case.amount >= 100000:
            kind = InstitutionKind.LABOUR
        assert case.institution.kind == kind, case.number
        # parties with valid ID numbers and phones; a point, when there is one, inside the village
        for party in case.parties.all():
            assert not party.id_number or valid_id_number(party.id_number)
            assert party.phone.startswith("1") and len(party.phone) == 11
        if case.lon is not None:
            assert shapely.contains_xy(shape(case.unit.boundary), case.lon, case.lat), case.number
    assert any(c.lon is not None for c in cases)
    # some open cases are overdue, for the overdue view
    assert any(
        c.state in (State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION) and c.mediation_due < today
        for c in cases
    )

    # the hub heard of each case once, on the day it opened, and of each ending on its day
    opened = Event.objects.current().filter(event_type__code="dispute.mediation_case")
    assert opened.count() == CASES
    by_number = {e.source_event_id.removesuffix("-opened"): e for e in opened}
    for case in cases:
        event = by_number[case.number]
        assert timezone.localdate(event.occurred_at) == timezone.localdate(case.created_at)
        assert event.unit_code == case.unit.code and event.category == case.dispute_type
    outcomes = {
        e.source_event_id.removesuffix("-outcome"): e
        for e in Event.objects.current().filter(event_type__code="dispute.mediation_outcome")
    }
    ended = [c for c in cases if c.state not in OPEN_STATES]
    assert set(outcomes) == {c.number for c in ended}
    for case in ended:
        last = [s for s in case.steps.all() if s.action in ("decline", "fail", "withdraw", "complete")][-1]
        assert timezone.localdate(outcomes[case.number].occurred_at) == timezone.localdate(last.at)

    # the demo accounts: the mediator heads its town's committee, which has every open case of the
    # town (so that the demo's login can work them), and leads some;
    # the citizen sees its own cases, one of them waiting for its signature
    head = Mediator.objects.select_related("institution__unit").get(user=demo["mediator"])
    assert head.is_head and head.institution.kind == InstitutionKind.PEOPLES
    assert head.institution.unit.code == OWN_TOWN
    town_open = Case.objects.filter(unit__code__startswith=OWN_TOWN[:9], state__in=OPEN_STATES)
    assert town_open.exists() and not town_open.exclude(institution=head.institution).exists()
    led = Case.objects.filter(members__user=demo["mediator"], members__role="lead")
    assert {State.IN_MEDIATION, State.AGREED} <= set(led.values_list("state", flat=True))
    own = visible_cases(demo["citizen"])
    assert own.count() >= 5 and set(own.values_list("state", flat=True)) >= {State.SUBMITTED, State.AGREED}
    waiting = own.get(state=State.AGREED)
    assert waiting.parties.filter(user=demo["citizen"], signatures__isnull=True).exists()

    # loaded once: a second run is refused and changes nothing
    with pytest.raises(Conflict):
        create_demo_mediation(seed=7, cases=CASES)
    assert Case.objects.count() == CASES
