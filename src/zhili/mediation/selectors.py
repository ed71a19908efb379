"""Reads of the mediation app, already cut to what the actor may see.

Staff see the cases of their unit and below (`mediation.view_case`); a party sees the cases they
are a party to. A case outside both answers like a missing one. ID numbers and phones are shown
in full only to the case's own team and to each party for their own row; every such read is
audited."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from zhili.core.errors import NotFound
from zhili.core.masking import mask_id_number, mask_phone
from zhili.mediation.models import Case, Member, Party
from zhili.org.audit import record
from zhili.org.models import AuditAction


def visible_cases(actor) -> QuerySet[Case]:
    if actor is None or not actor.is_authenticated:
        return Case.objects.none()
    staff = Case.objects.for_actor(actor, "view")
    mine = Q(parties__user=actor) | Q(applicant_user=actor) | Q(members__user=actor)
    if actor.phone:  # a party named by the phone number of this (verified) account
        mine |= Q(parties__phone=actor.phone, parties__user=None)
    own = Case.objects.filter(mine)
    return (staff | own).distinct()


def get_case(actor, number: str) -> Case:
    case = visible_cases(actor).select_related("unit", "institution").filter(number=number).first()
    if case is None:
        raise NotFound(_not_found())
    return case


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("No case with this number")


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


TEAM_STEPS = ("task", "task_done", "overdue")  # the team's own work, not the parties' business


def timeline(case: Case, actor) -> QuerySet:
    qs = case.steps.all()
    if member_role(case, actor) is None:
        qs = qs.exclude(action__in=TEAM_STEPS)
    return qs


def messages(case: Case, actor) -> QuerySet:
    """The thread; the mediators' private notes only for the team."""
    qs = case.messages.all()
    if member_role(case, actor) is None:
        qs = qs.filter(private=False)
    return qs


def statistics_cases(actor, *, dispute_type: str | None = None, since=None, until=None) -> QuerySet[Case]:
    """The cases of the actor's unit and below that the figures and the heat map count: 403
    without mediation.view_case (a party's own cases are not statistics)."""
    from zhili.core.scope import scoped

    qs = scoped(actor, Case)
    if dispute_type:
        qs = qs.filter(dispute_type=dispute_type)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs
