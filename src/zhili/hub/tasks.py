"""Scheduled work of the hub (huey periodic tasks, declared in code)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(minute="*/10"))
@lock_task("hub-export-lake")
def export_lake() -> int:
    """Every 10 minutes: rewrite the lake's days whose events changed."""
    from zhili.hub.lake import export

    return sum(r.rows for r in export())


@db_periodic_task(crontab(hour="6", minute="5"))
def check_yesterdays_deliveries() -> int:
    """Just after the 06:00 cut-off: alert on departments that sent nothing for yesterday."""
    from zhili.hub.services import raise_missing_delivery_alerts

    return len(raise_missing_delivery_alerts(day=timezone.localdate() - timedelta(days=1)))
