"""People, departments and API tokens (the audit log is in zhili.core.models)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import ScopedQuerySet
from zhili.org.roles import Role


class Department(models.Model):
    """A department that owns data (公安, 城管, 12345 …). City-wide, not scoped to a unit."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    is_data_owner = models.BooleanField(_("delivers data"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ZhiliUserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    """Django's user manager (create_user …) with `for_actor`."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """The one way to a superuser (`zhili createsuperuser`): the system administrator's role
        and the flag are set together here, never from a role chosen in a form."""
        extra_fields.setdefault("role", Role.SYSTEM_ADMIN)
        if extra_fields["role"] != Role.SYSTEM_ADMIN:
            raise ValueError("a superuser has the system administrator's role")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.CITIZEN)
    home_unit = models.ForeignKey(
        "geo.Unit",
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)

    objects = ZhiliUserManager()
    scope_path = "home_unit__code"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [("view_personal_data", _("Can see ID numbers and phones in full"))]

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        """What the admin greets with: the person's name, not their username."""
        return self.display_name or self.first_name

    @property
    def department_scoped(self) -> bool:
        """Sees only their own department's deliveries and events (a data officer)."""
        from zhili.org.roles import DEPARTMENT_SCOPED_ROLES

        return self.role in DEPARTMENT_SCOPED_ROLES


class ApiToken(models.Model):
    """A bearer token for scripts and department systems. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path = "user__home_unit__code"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def sync_user_role(user: User) -> None:
    """A user belongs to exactly their role's group, and works in the admin if the role does.

    Superuser status is never derived from the role: it is given only by `create_superuser`
    (with the system administrator's role), and taken away when the role changes to another.
    """
    from django.contrib.auth.models import Group

    from zhili.org.roles import STAFF_ROLES

    group = Group.objects.filter(name=user.role).first()
    user.groups.set([group] if group else [])
    flags = {
        "is_superuser": user.is_superuser and user.role == Role.SYSTEM_ADMIN,
        "is_staff": user.role in STAFF_ROLES,
    }
    if any(getattr(user, k) != v for k, v in flags.items()):
        User.objects.filter(pk=user.pk).update(**flags)
        for k, v in flags.items():
            setattr(user, k, v)


class PhoneCode(models.Model):
    """A one-time code sent to a mobile number, kept only as a keyed hash: a citizen without an
    account signs in with it (org.phone)."""

    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.sent_at:%Y-%m-%d %H:%M}"
