"""Scheduled housekeeping, declared in code (huey periodic tasks)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhili.org.models import ApiToken


@db_periodic_task(crontab(hour="3", minute="15"))
def purge_expired_sessions_and_tokens() -> dict[str, int]:
    """Nightly: drop expired sessions and API tokens that expired more than 30 days ago."""
    from django.contrib.sessions.models import Session

    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    tokens, _ = ApiToken.objects.filter(expires_at__lt=timezone.now() - timezone.timedelta(days=30)).delete()
    return {"sessions": sessions, "tokens": tokens}
