"""The audit log: the one record of who did what, written by every app through
`zhili.core.audit.record`. It lives here, at the bottom of the layers, so that every app can
write it without importing another app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import ScopedQuerySet


class AuditAction(models.TextChoices):
    VIEW_PERSONAL = "view_personal", _("Read personal data")
    CREATE = "create", _("Create")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
    IMPORT = "import", _("Import")
    LOGIN = "login", _("Log in")
    LOGOUT = "logout", _("Log out")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    DENIED = "denied", _("Refused for lack of rights")


class AuditLog(models.Model):
    """Append-only: a database trigger refuses UPDATE and DELETE (see migration 0002)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=15, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit_code"

    class Meta:
        db_table = "org_auditlog"  # moved from org (migrations core 0001, org 0006): same table
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("the audit log is append-only")


class CalendarDay(models.Model):
    """A day the statutory calendar treats otherwise than the `chinese-calendar` package does:
    next year's holidays and make-up working days (调休) as soon as the State Council announces
    them, or a local day off. Entered in the admin; no release needed (core.workdays)."""

    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("ticked: a working day (a make-up Saturday); empty: a day off")
    )
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. National Day"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}".strip()
