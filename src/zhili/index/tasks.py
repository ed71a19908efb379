"""Scheduled runs of the index (huey periodic tasks, declared in code).

06:30 every day, after the 06:00 data cut-off: yesterday's daily colours; a dekad or week that
ended yesterday. On the 2nd of a month (a day's grace for late deliveries): the month, quarter
or year that ended. Every due run is published at once; a later correction is a new revision
that an official publishes. A department that delivered nothing leaves its leaves incomplete —
flagged, never a silent zero.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from zhili.index.periods import Period, period_of

log = logging.getLogger("zhili.index")


def due_periods(kind: str, today: date) -> list[Period]:
    """The periods of `kind` whose scheduled run falls on `today`."""
    yesterday = today - timedelta(days=1)
    if kind == "day":
        return [period_of("day", yesterday)]
    if kind in ("dekad", "week"):
        p = period_of(kind, yesterday)
        return [p] if p.end == yesterday else []
    if today.day == 2:
        p = period_of(kind, today - timedelta(days=2))
        return [p] if p.end == today - timedelta(days=2) else []
    return []


@db_periodic_task(crontab(hour="6", minute="30"))
@lock_task("index-scheduled-runs")
def scheduled_runs() -> int:
    from zhili.index.models import DefinitionVersion
    from zhili.index.services import run, sync_shipped

    sync_shipped()
    today = timezone.localdate()
    done = 0
    for version in DefinitionVersion.objects.filter(is_active=True).order_by("code"):
        for kind in version.raw.get("periods", []):
            for period in due_periods(kind, today):
                try:
                    run(
                        code=version.code,
                        kind=kind,
                        first=period.key,
                        actor_username="schedule",
                        publish=True,
                    )
                    done += 1
                except Exception:  # one failing definition must not stop the others
                    log.exception("scheduled index run failed: %s %s", version.code, period)
    return done
