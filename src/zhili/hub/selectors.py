"""Reads of the hub, given querysets already scoped to the actor."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from zhili.core.masking import mask_id_number, mask_phone
from zhili.hub.models import Delivery, Event, EventType, QualityAlert, Rejection


def today() -> date:
    return timezone.localdate()


def batch_response(ingestion) -> dict:
    d = ingestion.delivery
    return {
        "delivery_id": d.pk,
        "status": d.status,
        "counts": d.counts(),
        "results": [
            {
                "index": r.line,
                "source_id": r.source_id,
                "outcome": r.outcome,
                "event_id": r.event_id,
                "version": r.version,
                "field": r.field,
                "reason": r.reason,
                "message": r.message,
            }
            for r in sorted(ingestion.results, key=lambda r: r.line)
        ],
    }


def filter_events(
    qs: QuerySet, *, type=None, family=None, day=None, since=None, until=None, within=None
) -> QuerySet:
    if type:
        qs = qs.filter(event_type__code=type)
    if family:
        qs = qs.filter(event_type__family=family)
    if day:
        qs = qs.filter(occurred_date=day)
    if since:
        qs = qs.filter(occurred_date__gte=since)
    if until:
        qs = qs.filter(occurred_date__lte=until)
    if within:
        qs = qs.within(within)
    return qs


def _personal_fields() -> dict[int, set[str]]:
    return {
        t.pk: {f["name"] for f in t.fields if f.get("personal")}
        for t in EventType.objects.filter(has_personal_data=True).only("pk", "fields")
    }


def _mask(fields: dict, personal: set[str]) -> dict:
    out = dict(fields)
    for name in personal & out.keys():
        value = str(out[name])
        out[name] = (
            mask_phone(value)
            if name.endswith("phone")
            else mask_id_number(value)
            if "id" in name
            else (value[:1] + "*" * max(len(value) - 1, 0))
        )
    return out


class EventRows:
    """A lazily sliced, masked view of an event queryset for pagination."""

    def __init__(self, qs: QuerySet, actor):
        self.qs = qs.select_related("source", "event_type")
        # Lists and details always mask: a full read goes through /events/{id}/personal, audited.
        self.personal = _personal_fields()

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return [self.row(e) for e in self.qs[item]]

    def row(self, e: Event) -> dict:
        fields = (
            _mask(e.fields, self.personal[e.event_type_id]) if e.event_type_id in self.personal else e.fields
        )
        return {
            "id": e.pk,
            "source": e.source.code,
            "source_id": e.source_event_id,
            "version": e.version,
            "type": e.event_type.code,
            "occurred_at": e.occurred_at,
            "occurred_date": e.occurred_date,
            "unit_code": e.unit_code,
            "lon": e.lon,
            "lat": e.lat,
            "quantity": e.quantity,
            "deaths": e.deaths,
            "injuries": e.injuries,
            "amount": e.amount,
            "value": e.value,
            "category": e.category,
            "fields": fields,
            "received_at": e.received_at,
            "late": e.late,
        }


def event_rows(qs: QuerySet, *, actor) -> EventRows:
    return EventRows(qs, actor)


def event_detail(event: Event, *, actor) -> dict:
    rows = EventRows(Event.objects.filter(pk=event.pk), actor)
    out = rows.row(event)
    out.update(retracted=event.retracted, is_current=event.is_current)
    versions = Event.objects.filter(
        source_id=event.source_id, source_event_id=event.source_event_id
    ).order_by("version")
    out["versions"] = [
        {
            "id": v.pk,
            "version": v.version,
            "is_current": v.is_current,
            "retracted": v.retracted,
            "received_at": v.received_at,
            "payload_hash": v.payload_hash,
        }
        for v in versions
    ]
    return out


def delivery_rows(deliveries) -> list[dict]:
    return [
        {
            "id": d.pk,
            "source": d.source.code,
            "department_code": d.department.code,
            "channel": d.channel,
            "mode": d.mode,
            "filename": d.filename,
            "status": d.status,
            "received_at": d.received_at,
            "finished_at": d.finished_at,
            **d.counts(),
            "skipped": d.skipped,
            "message": d.message,
        }
        for d in deliveries
    ]


def quality(*, day: date, actor) -> list[dict]:
    """Per department, for deliveries received on `day`: what came, what was kept, what was refused."""
    from zhili.org.models import Department

    deliveries = Delivery.objects.for_actor(actor).filter(received_date=day)
    totals = {
        row["department_id"]: row
        for row in deliveries.values("department_id").annotate(
            received=Sum("received"),
            accepted=Sum("accepted"),
            duplicate=Sum("duplicate"),
            corrected=Sum("corrected"),
            retracted=Sum("retracted"),
            rejected=Sum("rejected"),
            late=Sum("late"),
            deliveries=Count("id"),
            last_delivery_at=Max("received_at"),
        )
    }
    reasons: dict[int, dict[str, int]] = defaultdict(dict)
    # Rejections are part of a delivery: whoever may see the deliveries sees why items were refused.
    rejections = Rejection.objects.filter(received_date=day)
    if getattr(actor, "department_scoped", False):
        rejections = rejections.filter(department_id=actor.department_id)
    for row in rejections.values("department_id", "reason").annotate(n=Count("id")):
        reasons[row["department_id"]][row["reason"]] = row["n"]
    alerts = set(
        QualityAlert.objects.filter(day=day, resolved_at=None).values_list("department_id", flat=True)
    )
    departments = Department.objects.filter(is_data_owner=True).order_by("code")
    if getattr(actor, "department_scoped", False):
        departments = departments.filter(pk=actor.department_id)
    zero = {
        "received": 0,
        "accepted": 0,
        "duplicate": 0,
        "corrected": 0,
        "retracted": 0,
        "rejected": 0,
        "late": 0,
        "deliveries": 0,
        "last_delivery_at": None,
    }
    return [
        {
            "department_code": d.code,
            "department": d.name,
            **{**zero, **{k: v for k, v in totals.get(d.pk, {}).items() if k != "department_id"}},
            "rejected_by_reason": reasons.get(d.pk, {}),
            "alert": d.pk in alerts,
        }
        for d in departments
    ]
