"""Start-up checks: a wrong calendar, working hours or limit is refused before the first request,
with the setting or the case type named."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from zhili.casework import clocks
from zhili.casework.registry import all_types

RELATED = ("steps", "members", "clocks")


@checks.register()
def casework_settings(app_configs=None, **kwargs):
    errors = []
    try:
        clocks.working_hours()
    except (clocks.ClockError, ValueError, TypeError) as err:
        text = str(err)
        if not text.startswith("CASEWORK_WORKING_HOURS"):
            text = f"CASEWORK_WORKING_HOURS: {text}"
        errors.append(checks.Error(text, id="casework.E001"))
    calendar = getattr(settings, "CASEWORK_CALENDAR", "mainland")
    if calendar != "mainland":
        errors.append(
            checks.Error(
                f"CASEWORK_CALENDAR = {calendar!r}: the only calendar is 'mainland' (statutory "
                "holidays and make-up working days, core.CalendarDay for corrections)",
                id="casework.E002",
            )
        )
    for t in all_types():
        try:
            model = t.case_model
        except (LookupError, ValueError) as err:
            errors.append(checks.Error(f"case type {t.code}: model {t.model!r}: {err}", id="casework.E003"))
            continue
        missing = [name for name in RELATED if not hasattr(model, name)]
        if missing:
            errors.append(
                checks.Error(
                    f"case type {t.code}: {t.model} has no {', '.join(missing)} "
                    "(records with a foreign key to the case of that related name)",
                    id="casework.E004",
                )
            )
        for name, limit in t.limits.items():
            if limit.unit not in clocks.UNITS:
                errors.append(
                    checks.Error(f"case type {t.code}: limit {name}: unit {limit.unit}", id="casework.E005")
                )
    return errors
