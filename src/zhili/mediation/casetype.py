"""Mediation as a casework case type: what the kernel needs to know of it (registered in
MediationConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhili.casework.registry import CaseType
from zhili.mediation.choices import State

OUTCOME = {
    State.SIGNED: "settled",
    State.FAILED: "not_settled",
    State.WITHDRAWN: "withdrawn",
    State.DECLINED: "not_settled",
}


def fact_fields(case, what: str) -> dict:
    """The hub's categories (catalogue.yaml): the dispute type and the parties when a case
    opens, the outcome when it ends."""
    if what == "opened":
        fields = {"category": case.dispute_type, "quantity": case.parties.count()}
        if case.amount is not None:
            fields["amount"] = str(case.amount)
        return fields
    fields = {
        "category": OUTCOME[case.state],
        "agreement_signed": case.state == State.SIGNED,
        "case_ref": case.number,
    }
    if case.agreed_amount is not None:
        fields["amount"] = str(case.agreed_amount)
    return fields


def supervisors(case) -> list:
    """The heads of the case's institution and of the institution supervising it."""
    from zhili.mediation.models import Mediator

    bodies = [
        b for b in (case.institution, case.institution.supervisor if case.institution_id else None) if b
    ]
    heads = Mediator.objects.filter(institution__in=bodies, is_head=True, is_active=True).select_related(
        "user"
    )
    return [h.user for h in heads]


def intake_desk(case) -> list:
    """Who hears of a case no rule routes: the heads of the institutions covering its place."""
    from zhili.mediation.models import Institution, Mediator

    covering = [i.pk for i in Institution.objects.filter(is_active=True).select_related("unit")
                if case.unit.code.startswith(i.unit.prefix)]  # fmt: skip
    heads = Mediator.objects.filter(institution__in=covering, is_head=True, is_active=True).select_related(
        "user"
    )
    return [h.user for h in heads]


def case_type() -> CaseType:
    from zhili.mediation.services import ACTION_LABELS

    return CaseType(
        code="mediation", model="mediation.Case", prefix="TJ", number_format="{prefix}{year}{n:06d}",
        department="justice",
        # 72 hours to decide on acceptance; 人民调解法: mediation is usually concluded within 30 days
        limits={"accept": "72 hours", "mediation": "30 natural_days"},
        limit_labels={"accept": _("acceptance"), "mediation": _("mediation")},
        closed_states=set(OUTCOME),  # its outcome is known: referred and archived come after one of these
        facts={"opened": "dispute.mediation_case", "closed": "dispute.mediation_outcome"},
        fact_ids={"closed": "outcome"}, fact_fields=fact_fields, action_labels=ACTION_LABELS,
        supervisors=supervisors, intake_desk=intake_desk, one_role_per_person=True,
    )  # fmt: skip
