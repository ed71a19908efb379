"""Logins, failed logins and lockouts go to the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from zhili.core.audit import record
from zhili.core.models import AuditAction
from zhili.org.models import User, sync_user_role


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(actor=user, action=AuditAction.LOGIN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record(
        actor=None, actor_username=str(credentials.get("username", ""))[:150], action=AuditAction.LOGIN_FAILED
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(
        actor=None,
        actor_username=str(username or "")[:150],
        action=AuditAction.LOCKED_OUT,
        details={"ip": ip_address},
    )


@receiver(post_save, sender=User)
def _role_groups(sender, instance: User, created: bool, update_fields=None, raw=False, **kwargs):
    """Whatever path saved the user (admin, API, shell, demo), its groups follow its role."""
    if raw or (update_fields is not None and "role" not in update_fields):
        return
    sync_user_role(instance)
    for cache_name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        instance.__dict__.pop(cache_name, None)
