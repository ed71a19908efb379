"""Scheduled work of mediation: take in the hub's referrals every ten minutes; every morning,
tell institutions (and those who supervise them) which cases are past their deadlines."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(minute="*/10"))
@lock_task("mediation-intake")
def take_in_referrals():
    from zhili.mediation.intake import from_hub

    return from_hub()


@db_periodic_task(crontab(hour="8", minute="0"))
@lock_task("mediation-overdue")
def alert_overdue():
    from zhili.mediation.services import raise_overdue_alerts

    return raise_overdue_alerts()
