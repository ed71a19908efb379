"""The limits of the cases open at the move, as kernel clocks: a submitted case's 72 hours to
accept from its application, an accepted one's 30 natural days of mediation from its acceptance
with the extensions it had. The due moments are those the case already showed."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

WAITING = ("submitted",)
MEDIATING = ("accepted", "assigned", "in_mediation")


def numbers(apps, schema_editor):
    """Numbers went by the case's id (TJ2026000123): the kernel's sequence per year starts after
    the highest number each year has."""
    Case = apps.get_model("mediation", "Case")
    Sequence = apps.get_model("casework", "Sequence")
    db = schema_editor.connection.alias
    last: dict[int, int] = {}
    for number in Case.objects.using(db).values_list("number", flat=True).iterator():
        if len(number) == 12 and number.startswith("TJ") and number[2:].isdigit():
            year, n = int(number[2:6]), int(number[6:])
            last[year] = max(last.get(year, 0), n)
    for year, n in last.items():
        Sequence.objects.using(db).update_or_create(prefix="TJ", year=year, defaults={"last": n})


def forwards(apps, schema_editor):
    numbers(apps, schema_editor)
    Case = apps.get_model("mediation", "Case")
    Clock = apps.get_model("mediation", "Clock")
    db = schema_editor.connection.alias
    for case in Case.objects.using(db).filter(state__in=WAITING + MEDIATING).iterator():
        if case.state in WAITING and case.accept_due:
            clock = Clock(case=case, name="accept", amount=72, unit="hours", started_at=case.opened_at,
                          due_at=case.accept_due)  # fmt: skip
        elif case.state in MEDIATING and case.mediation_due and case.accepted_at:
            due = timezone.make_aware(datetime.combine(case.mediation_due + timedelta(days=1), time.min))
            extensions = (
                [{"amount": case.extended_days, "unit": "natural_days", "reason": "", "by": "", "approved_by": "",
                  "at": ""}] if case.extended_days else []
            )  # fmt: skip
            clock = Clock(case=case, name="mediation", amount=30, unit="natural_days", started_at=case.accepted_at,
                          due_at=due, extensions=extensions)  # fmt: skip
        else:
            continue
        clock.save(using=db)
        Case.objects.using(db).filter(pk=case.pk).update(due_at=clock.due_at)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0005_casework_kernel"), ("casework", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
