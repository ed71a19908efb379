"""The case's life as a state machine (django-fsm-2):

    submitted ─accept→ accepted ─assign→ assigned ─start→ in_mediation ─agree→ agreed ─(all sign)→ signed
        └decline→ declined                                      ├fail→ failed         signed/failed ─refer→ referred
    submitted/accepted/assigned/in_mediation ─withdraw→ withdrawn                     any end ─archive→ archived

Each transition names who may take it (`permission`); `services.move` checks it, runs the
transition under a conditional update of the state, and writes the timeline and the audit.
The transitions only set the case's own fields: documents, hub facts and alerts are the
services' business."""

from __future__ import annotations

from django.utils import timezone
from django_fsm import transition

from zhili.mediation.choices import State


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def is_head(case, user) -> bool:
    """A head of the case's institution: accepts, declines, assigns."""
    from zhili.mediation.models import Mediator

    return _superuser(user) or (
        user.has_perm("mediation.assign_case")
        and Mediator.objects.filter(
            user=user, institution_id=case.institution_id, is_head=True, is_active=True
        ).exists()
    )


def is_mediator(case, user) -> bool:
    """The case's lead or co-mediator."""
    return _superuser(user) or (
        user.has_perm("mediation.mediate_case")
        and case.members.filter(user=user, role__in=("lead", "co")).exists()
    )


def is_lead(case, user) -> bool:
    return _superuser(user) or (
        user.has_perm("mediation.mediate_case") and case.members.filter(user=user, role="lead").exists()
    )


def is_lead_or_head(case, user) -> bool:
    return is_lead(case, user) or is_head(case, user)


def is_applicant_or_lead(case, user) -> bool:
    return is_lead(case, user) or case.parties.filter(role="applicant", user=user).exists()


def nobody(case, user) -> bool:
    """Taken by the platform itself (the last signature completes the agreement)."""
    return False


class CaseWorkflow:
    """Mixed into `Case`; the methods change the instance and leave saving to the caller."""

    @transition(field="state", source=State.SUBMITTED, target=State.ACCEPTED, permission=is_head)
    def accept(self, *, reason: str = "") -> None:
        self.accepted_at = timezone.now()  # the mediation clock starts (services.move)
        self.reason = reason

    @transition(field="state", source=State.SUBMITTED, target=State.DECLINED, permission=is_head)
    def decline(self, *, reason: str) -> None:
        self.reason = reason
        self.closed_at = timezone.now()

    @transition(field="state", source=State.ACCEPTED, target=State.ASSIGNED, permission=is_head)
    def assign(self, *, reason: str = "") -> None:
        self.reason = reason

    @transition(field="state", source=State.ASSIGNED, target=State.IN_MEDIATION, permission=is_mediator)
    def start(self, *, reason: str = "") -> None:
        self.reason = reason

    @transition(field="state", source=State.IN_MEDIATION, target=State.AGREED, permission=is_lead)
    def agree(self, *, terms: list[str], performance: str, agreed_amount=None, reason: str = "") -> None:
        self.terms, self.performance, self.agreed_amount = terms, performance, agreed_amount
        self.reason = reason

    @transition(field="state", source=State.IN_MEDIATION, target=State.FAILED, permission=is_lead)
    def fail(self, *, reason: str) -> None:
        self.reason = reason
        self.closed_at = timezone.now()

    @transition(
        field="state",
        source=[State.SUBMITTED, State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION],
        target=State.WITHDRAWN,
        permission=is_applicant_or_lead,
    )
    def withdraw(self, *, reason: str) -> None:
        self.reason = reason
        self.closed_at = timezone.now()

    @transition(field="state", source=State.AGREED, target=State.SIGNED, permission=nobody)
    def complete(self, *, reason: str = "") -> None:
        self.closed_at = timezone.now()

    @transition(field="state", source=[State.SIGNED, State.FAILED], target=State.REFERRED, permission=is_lead)
    def refer(self, *, referral: str, reason: str = "") -> None:
        self.referral = referral
        self.reason = reason

    @transition(
        field="state",
        source=[State.SIGNED, State.FAILED, State.WITHDRAWN, State.DECLINED, State.REFERRED],
        target=State.ARCHIVED,
        permission=is_lead_or_head,
    )
    def archive(self, *, reason: str = "") -> None:
        self.reason = reason
