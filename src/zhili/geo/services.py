"""Writes to divisions: keyword-only, atomic, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.audit import record
from zhili.core.errors import ZhiliError
from zhili.core.models import AuditAction
from zhili.geo.models import Population, Unit


def validate_year(year: int) -> None:
    if not 1949 <= year <= timezone.now().year + 1:
        raise ZhiliError(
            _("%(year)d is not a valid year") % {"year": year},
            details=[{"field": "year", "reason": _("between 1949 and next year")}],
        )


@transaction.atomic
def update_unit(*, actor, unit: Unit, **changes) -> Unit:
    before = {k: getattr(unit, k) for k in changes}
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.save(update_fields=[*changes, "updated_at"])
    record(actor=actor, action=AuditAction.CHANGE, obj=unit, details={"before": before, "after": changes})
    from zhili.geo.lookup import invalidate

    transaction.on_commit(invalidate)
    return unit


@transaction.atomic
def set_population(
    *, actor, unit: Unit, year: int, resident: int, registered: int | None = None, floating: int | None = None,
    gdp: float | None = None, vehicles: int | None = None,
) -> Population:  # fmt: skip
    """Create or replace one year's figures (population, GDP, vehicles); sending the same figures
    twice changes nothing."""
    values = {
        "resident": resident,
        "registered": registered,
        "floating": floating,
        "gdp": gdp,
        "vehicles": vehicles,
    }
    pop = Population.objects.select_for_update().filter(unit=unit, year=year).first()
    if pop is not None and all(getattr(pop, k) == v for k, v in values.items()):
        return pop
    before = {k: getattr(pop, k) for k in values} if pop else None
    if pop is None:
        pop = Population.objects.create(unit=unit, year=year, **values)
    else:
        Population.objects.filter(pk=pop.pk).update(**values)
        pop.refresh_from_db()
    record(
        actor=actor,
        action=AuditAction.CHANGE if before else AuditAction.CREATE,
        obj=pop,
        unit_code=unit.code,
        details={"year": year, "before": before, "after": values},
    )
    return pop
