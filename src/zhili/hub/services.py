"""Writes of the hub that are not ingestion: sources and their keys, catalogue edits, alerts."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction

from zhili.core import keys
from zhili.core.audit import record
from zhili.core.models import AuditAction
from zhili.core.scope import actor_may
from zhili.hub.models import ColumnMapping, Delivery, EventType, EventTypeVersion, QualityAlert, Source
from zhili.org.models import Department


@transaction.atomic
def create_source(
    *, code: str, name: str, department: Department, actor=None, actor_username: str = ""
) -> tuple[Source, str]:
    """A department system and its API key; the key is returned once and only its hash is kept."""
    key, prefix, digest = keys.new_key("zs")
    source = Source.objects.create(
        code=code, name=name, department=department, key_prefix=prefix, key_digest=digest
    )
    record(actor=actor, actor_username=actor_username, action=AuditAction.CREATE, obj=source)
    return source, key


@transaction.atomic
def rotate_key(*, source: Source, actor=None, actor_username: str = "") -> str:
    key, prefix, digest = keys.new_key("zs")
    Source.objects.filter(pk=source.pk).update(key_prefix=prefix, key_digest=digest)
    record(
        actor=actor,
        actor_username=actor_username,
        action=AuditAction.CHANGE,
        obj=source,
        details={"fields": ["key"]},
    )
    return key


def module_source(code: str, *, department_code: str, name: str) -> Source:
    """The Source row of one of Zhili's own modules (mediation, grid …); created on first use,
    renamed when the module's name changed (a source made under an older name keeps no code as
    its name on the hub's pages)."""
    source = Source.objects.filter(code=code).first()
    if source is None:
        source = Source.objects.create(
            code=code, name=name, department=Department.objects.get(code=department_code)
        )
    elif source.name != name:
        Source.objects.filter(pk=source.pk).update(name=name)
        source.name = name
    return source


def save_event_type(*, event_type: EventType, actor_username: str = "") -> EventType:
    """Save an edited event type; a changed definition gets the next version and a history row."""
    with transaction.atomic():
        previous = EventType.objects.filter(pk=event_type.pk).first() if event_type.pk else None
        changed = previous is None or previous.snapshot() != event_type.snapshot()
        if previous is not None and changed:
            event_type.version = previous.version + 1
        event_type.save()
        if changed:
            EventTypeVersion.objects.create(
                event_type=event_type,
                version=event_type.version,
                snapshot=event_type.snapshot(),
                changed_by=actor_username[:150],
            )
    return event_type


def save_column_mapping(*, actor, source: Source, name: str, columns: dict, constants: dict) -> ColumnMapping:
    """A new column mapping for one of the actor's department's sources (checked by
    ColumnMappingForm, as in the admin); audited like an admin change."""
    if (
        not actor_may(actor, ColumnMapping, "add")
        or not Source.objects.for_actor(actor).filter(pk=source.pk).exists()
    ):
        raise PermissionDenied
    with transaction.atomic():
        mapping = ColumnMapping.objects.create(source=source, name=name, columns=columns, constants=constants)
        record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=mapping,
            details={"source": source.code, "name": name, "via": "upload page"},
        )
    return mapping


def read_event_personal(*, actor, event) -> dict:
    """The personal fields of one event in full, for roles that may see them; every read is audited."""
    from django.utils.translation import gettext as _

    if not actor.has_perm("org.view_personal_data"):
        raise PermissionDenied(_("Your role may not see personal data in full"))
    names = sorted(f["name"] for f in event.event_type.fields if f.get("personal"))
    values = {name: event.fields.get(name) for name in names if name in event.fields}
    record(actor=actor, action=AuditAction.VIEW_PERSONAL, obj=event, details={"fields": sorted(values)})
    return {"id": event.pk, "source_id": event.source_event_id, "fields": values}


def raise_missing_delivery_alerts(*, day: date) -> list[QualityAlert]:
    """Every department with an active source that delivered nothing for `day` by the cut-off.

    A day's data arrives between the previous day's cut-off and its own (06:00 the next morning):
    a delivery at 03:00 on the 2nd is the 1st's, not the 2nd's."""
    from datetime import timedelta

    from zhili.hub.ingest import cutoff_for

    window = (cutoff_for(day - timedelta(days=1)), cutoff_for(day))
    delivered = set(
        Delivery.objects.filter(received_at__gte=window[0], received_at__lt=window[1]).values_list(
            "department_id", flat=True
        )
    )
    expected = set(
        Source.objects.filter(is_active=True, created_at__lt=window[1])
        .exclude(code__startswith="zhili.")
        .values_list("department_id", flat=True)
    )
    alerts = []
    for department_id in sorted(expected - delivered):
        alert, created = QualityAlert.objects.get_or_create(
            department_id=department_id, day=day, kind="no_delivery"
        )
        if created:
            alerts.append(alert)
    return alerts
