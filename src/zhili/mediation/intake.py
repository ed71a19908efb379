"""Cases that arrive through the hub: the 12345 hotline and the police refer disputes to
mediation by delivering `hotline.mediation_referral` / `police.mediation_referral` events like
any other fact. Each referral becomes one case (channel hotline or police), routed like an
online application; running the intake again opens nothing twice (the case's request key is the
referral's source and id)."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from zhili.core.errors import ZhiliError
from zhili.mediation import services
from zhili.mediation.choices import Channel, PartyRole
from zhili.mediation.models import Case

log = logging.getLogger("zhili.mediation")
REFERRALS = {"hotline.mediation_referral": Channel.HOTLINE, "police.mediation_referral": Channel.POLICE}
LOOK_BACK_DAYS = 7


def from_hub(*, days: int = LOOK_BACK_DAYS) -> dict[str, int]:
    """Open a case for every referral of the last `days` days that has none yet."""
    from zhili.hub.models import Event

    since = timezone.now() - timedelta(days=days)
    events = (
        Event.objects.current()
        .filter(event_type__code__in=REFERRALS, received_at__gte=since)
        .select_related("event_type", "source")
        .order_by("received_at", "id")
    )
    keys = {e.pk: f"hub:{e.source.code}:{e.source_event_id}" for e in events}
    done = set(Case.objects.filter(request_key__in=keys.values()).values_list("request_key", flat=True))
    counts = {"opened": 0, "already": len(done), "refused": 0}
    for event in events:
        if keys[event.pk] in done:
            continue
        f = event.fields
        parties = [
            services.PartyIn(
                role=PartyRole.APPLICANT, name=f.get("caller_name", ""), phone=f.get("caller_phone", "")
            ),
            services.PartyIn(role=PartyRole.RESPONDENT, name=f.get("other_party") or "（待核实）"),
        ]
        try:
            services.apply(
                actor=f"hub:{event.source.code}", channel=REFERRALS[event.event_type.code],
                dispute_type=event.category or "other", parties=parties, facts=f.get("facts", ""),
                claims=f.get("facts", ""), amount=Decimal(str(event.amount)) if event.amount is not None else None,
                unit_code=event.unit_code, lon=event.lon, lat=event.lat, request_key=keys[event.pk],
                external_ref=f.get("case_ref") or event.source_event_id,
            )  # fmt: skip
        except ZhiliError as err:  # a referral the hub accepted but mediation cannot take: say so, go on
            counts["refused"] += 1
            log.warning("referral %s not opened: %s", keys[event.pk], err.message)
        else:
            counts["opened"] += 1
    return counts
