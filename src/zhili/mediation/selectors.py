"""Reads of the mediation app, already cut to what the actor may see.

Staff see the cases of their unit and below (`mediation.view_case`); a party sees the cases they
are a party to. A case outside both answers like a missing one. ID numbers and phones are shown
in full only to the case's own team and to each party for their own row; every such read is
audited."""

from __future__ import annotations

from django.db.models import BooleanField, DateField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from zhili.core.audit import record
from zhili.core.errors import NotFound
from zhili.core.masking import mask_id_number, mask_phone
from zhili.core.models import AuditAction
from zhili.mediation.choices import OPEN_STATES, State
from zhili.mediation.models import Case, Mediator, Member, Party
from zhili.mediation.services import overdue_cases
from zhili.org.models import User


def visible_cases(actor) -> QuerySet[Case]:
    if actor is None or not actor.is_authenticated:
        return Case.objects.none()
    staff = Case.objects.for_actor(actor, "view")
    mine = Q(parties__user=actor) | Q(applicant_user=actor) | Q(members__user=actor)
    if actor.phone:  # a party named by the phone number of this (verified) account
        mine |= Q(parties__phone=actor.phone, parties__user=None)
    # a case sent to an institution the actor heads: while the transfer waits for its answer,
    # and once taken, whatever town it is in
    codes = Mediator.objects.filter(user=actor, is_head=True, is_active=True).values("institution__code")
    mine |= Q(transfers__to_org__in=codes, transfers__answer="pending")
    mine |= Q(transfers__to_org__in=codes, transfers__answer="accepted", institution__code__in=codes)
    own = Case.objects.filter(mine)
    return (staff | own).distinct()


def get_case(actor, number: str) -> Case:
    case = visible_cases(actor).select_related("unit", "institution").filter(number=number).first()
    if case is None:
        raise NotFound(_not_found())
    return case


def _not_found() -> str:
    return _("No case with this number")


SORTS = {  # the list's orders: newest first unless asked
    "new": ("-opened_at", "-id"),
    "old": ("opened_at", "id"),
    "due": ("closed", F("deadline").asc(nulls_last=True), "id"),  # open cases, the next deadline first
    "number": ("number",),
}


def case_list(
    actor,
    *,
    q: str = "",
    state: str = "",
    kind: str = "",
    mine: bool = False,
    overdue: bool = False,
    sort: str = "new",
) -> QuerySet[Case]:
    """The list page's cases: visible to the actor, found by number or a party's name, each
    marked `late` when past a deadline. `mine`: the cases on the actor's team, and those waiting
    for the decision of an institution the actor heads (new cases to accept, accepted ones to
    assign)."""
    from zhili.mediation.choices import DisputeType

    qs = visible_cases(actor).select_related("unit", "institution")
    if state in State.values:
        qs = qs.filter(state=state)
    if kind in DisputeType.values:
        qs = qs.filter(dispute_type=kind)
    if q := q.strip():
        named = Party.objects.filter(name__icontains=q).values("case_id")
        qs = qs.filter(Q(number__icontains=q) | Q(pk__in=named))
    if mine:
        heads = Mediator.objects.filter(user=actor, is_head=True, is_active=True).values("institution_id")
        waiting = Q(institution_id__in=heads, state__in=(State.SUBMITTED, State.ACCEPTED))
        codes = Mediator.objects.filter(user=actor, is_head=True, is_active=True).values("institution__code")
        waiting |= Q(transfers__to_org__in=codes, transfers__answer="pending")
        qs = qs.filter(Q(pk__in=Member.objects.filter(user=actor).values("case_id")) | waiting)
    late = overdue_cases()
    if overdue:
        qs = qs.filter(pk__in=late.values("pk"))
    qs = qs.annotate(late=Exists(late.filter(pk=OuterRef("pk"))))
    if sort == "due":  # a new case's deadline is its decision on acceptance, then the mediation's
        deadline = Coalesce("mediation_due", TruncDate("accept_due"), output_field=DateField())
        closed = ExpressionWrapper(~Q(state__in=OPEN_STATES), output_field=BooleanField())
        qs = qs.annotate(deadline=deadline, closed=closed)
    return qs.order_by(*SORTS.get(sort, SORTS["new"]))


def member_role(case: Case, actor) -> str | None:
    if getattr(actor, "is_superuser", False):
        return "lead"
    return Member.objects.filter(case=case, user=actor).values_list("role", flat=True).first()


def party_of(case: Case, actor) -> Party | None:
    """The actor's party on the case: linked to their account, or named by its phone number
    (then linked, so that a later change of the account's phone keeps it)."""
    if actor is None or not actor.is_authenticated:
        return None
    party = case.parties.filter(user=actor).first()
    if party is None and actor.phone:
        party = case.parties.filter(phone=actor.phone, user=None).first()
        if party is not None:
            Party.objects.filter(pk=party.pk, user=None).update(user=actor)
            party.user = actor
    return party


def parties(case: Case, actor) -> list[dict]:
    """The parties, masked unless the actor is one of the case's own people or is that party."""
    from zhili.mediation.workflow import is_head

    # The case's own people: its team, and the head of its institution who decides on it.
    team = member_role(case, actor) in ("lead", "co", "helper", "observer") or is_head(case, actor)
    shown, rows = [], []
    for p in case.parties.all():
        full = team or (p.user_id is not None and p.user_id == actor.pk)
        if full and (p.id_number or p.phone):
            shown.append(p.pk)
        rows.append({
            "id": p.pk, "role": p.role, "role_label": p.get_role_display(), "name": p.name, "gender": p.gender,
            "id_number": p.id_number if full else mask_id_number(p.id_number),
            "phone": p.phone if full else mask_phone(p.phone),
            "address": p.address if full else "", "signed": p.signatures.exists(),
        })  # fmt: skip
    if shown:
        record(actor=actor, action=AuditAction.VIEW_PERSONAL, obj=case, details={"parties": shown})
    return rows


def person(user) -> str:
    """What a staff account is called on a page: its display name or full name, else its role
    (never the username: a citizen's is made of their phone number)."""
    return user.display_name or user.get_full_name() or str(user.get_role_display())


def names(case: Case, usernames) -> dict[str, str]:
    """{username: what the case's pages call that person} for the timeline, the thread and the
    attachments, which store usernames: a party by the name on the case, staff by their name,
    the platform and the hub by what they are; never a username or a phone number."""
    usernames = {u for u in usernames if u}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    by_account = {p.user_id: p.name for p in case.parties.all() if p.user_id}
    found = {}
    for username in usernames:
        user = users.get(username)
        if username == "system":
            found[username] = _("the platform")
        elif username.startswith("hub:"):
            found[username] = _("referral system")
        elif user is None:
            found[username] = _("a former account")
        elif user.pk in by_account:
            found[username] = by_account[user.pk]
        elif user.display_name or user.get_full_name():
            found[username] = person(user)
        elif user.pk == case.applicant_user_id:
            found[username] = _("Applicant")
        else:
            found[username] = str(user.get_role_display())
    return found


TEAM_STEPS = ("task", "task_done", "overdue")  # the team's own work, not the parties' business


def timeline(case: Case, actor) -> list:
    """The steps the actor may see, each with `who`: the person's name (see `names`)."""
    qs = case.steps.all()
    if member_role(case, actor) is None:
        qs = qs.exclude(action__in=TEAM_STEPS)
    steps = list(qs)
    who = names(case, [s.actor for s in steps])
    for step in steps:
        step.who = who.get(step.actor, "")
    return steps


def messages(case: Case, actor) -> list:
    """The thread, each message with `who`; the mediators' private notes only for the team."""
    qs = case.messages.select_related("author_party")
    if member_role(case, actor) is None:
        qs = qs.filter(private=False)
    thread = list(qs)
    who = names(case, [m.author for m in thread if m.author_party_id is None])
    for m in thread:
        m.who = m.author_party.name if m.author_party_id else who.get(m.author, "")
    return thread


def attachments(case: Case) -> list:
    files = list(case.attachments.order_by("at", "id"))
    who = names(case, [a.uploaded_by for a in files])
    for a in files:
        a.who = who.get(a.uploaded_by, "")
    return files


# The case's road when all goes well; the other ends branch off it.
PATH = (State.SUBMITTED, State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION, State.AGREED, State.SIGNED,
        State.ARCHIVED)  # fmt: skip


def progress(case: Case) -> list[dict]:
    """The stepper of the case page: the states the case went through, with the day each was
    reached (from its timeline), then, while it is on the main road, the states still to come.
    Items: {state, label, at (datetime or None), status: done | current | next}; a case that
    ended off the road (declined, withdrawn, failed, referred) ends the list with that state."""
    reached: dict[str, object] = {}
    for target, at in case.steps.exclude(target="").exclude(target=F("source")).values_list("target", "at"):
        reached.setdefault(target, at)
    reached.setdefault(State.SUBMITTED, case.created_at)
    seen = [s for s in reached if s in State.values and s != case.state]
    items = [{"state": s, "at": reached[s], "status": "done"} for s in seen]
    items.append({"state": case.state, "at": reached.get(case.state), "status": "current"})
    if case.state in PATH:
        done = {i["state"] for i in items}
        later = PATH[PATH.index(case.state) + 1 :]
        items += [{"state": s, "at": None, "status": "next"} for s in later if s not in done]
    for item in items:
        item["label"] = str(State(item["state"]).label)
    return items


def statistics_cases(actor, *, dispute_type: str | None = None, since=None, until=None) -> QuerySet[Case]:
    """The cases of the actor's unit and below that the figures and the heat map count: 403
    without mediation.view_case (a party's own cases are not statistics)."""
    from zhili.core.scope import scoped

    qs = scoped(actor, Case)
    if dispute_type:
        qs = qs.filter(dispute_type=dispute_type)
    if since:
        qs = qs.filter(opened_at__date__gte=since)
    if until:
        qs = qs.filter(opened_at__date__lte=until)
    return qs
