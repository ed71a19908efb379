"""Writes to people and tokens, and audited reads of personal data."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import keys
from zhili.core.audit import record
from zhili.core.errors import Forbidden, ZhiliError
from zhili.core.models import AuditAction
from zhili.core.scope import in_scope
from zhili.geo.models import Unit
from zhili.org import rights
from zhili.org.models import ApiToken, User


def update_user(*, actor, user: User, home_unit_code: str | None = None, **changes) -> User:
    """Change an account; what decides its rights (role, unit, status) only from above (`rights`)."""
    if home_unit_code is not None:
        unit = Unit.objects.filter(code=home_unit_code).first()
        if unit is None or not in_scope(actor, unit.code):
            raise ZhiliError(
                _("Unknown unit %(code)s") % {"code": home_unit_code},
                code="unknown_unit",
                details=[{"field": "home_unit_code", "reason": _("not a unit in your scope")}],
            )
        changes["home_unit"] = unit
    try:
        rights.check_user_change(actor, user, changes)
    except Forbidden:
        record(actor=actor, action=AuditAction.DENIED, obj=user, details={"fields": sorted(changes)})
        raise
    with transaction.atomic():
        return _save_user(actor, user, changes)


def _save_user(actor, user: User, changes: dict) -> User:
    before = {k: str(getattr(user, k)) for k in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    user.save(update_fields=list(changes))
    record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=user,
        details={
            "before": before,
            "after": {k: str(v) for k, v in changes.items()},
            "fields": sorted(changes),
        },
    )
    return user


def read_personal(*, actor, user: User) -> dict:
    """The full ID number and phone, for roles that may see them; every read is audited."""
    if actor.pk != user.pk and not actor.has_perm("org.view_personal_data"):
        raise PermissionDenied(_("Your role may not see personal data in full"))
    if actor.pk != user.pk:
        record(
            actor=actor,
            action=AuditAction.VIEW_PERSONAL,
            obj=user,
            details={"fields": ["phone", "id_number"]},
        )
    return {"id": user.pk, "username": user.username, "phone": user.phone, "id_number": user.id_number}


MAX_TOKEN_DAYS = 3650


@transaction.atomic
def create_token(
    *, actor, name: str, days: int | None, owner: User | None = None, actor_username: str = ""
) -> tuple[ApiToken, str]:
    """A token for `owner` (the actor's own, from the API and the tokens page; any user's from the
    command line, where the actor is the operator). The key is returned once; only its hash is kept."""
    owner = owner or actor
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ZhiliError(
            _("Name the token (at most 100 characters)"),
            details=[{"field": "name", "reason": _("1 to 100 characters")}],
        )
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ZhiliError(
            _("A token is valid for 1 to %(max)d days") % {"max": MAX_TOKEN_DAYS},
            details=[{"field": "days", "reason": _("1 to %(max)d, or none") % {"max": MAX_TOKEN_DAYS}}],
        )
    if not owner.is_active:
        raise ZhiliError(
            _("%(user)s is not an active account") % {"user": owner.get_username()},
            details=[{"field": "user", "reason": _("inactive")}],
        )
    key, prefix, digest = keys.new_key("zl")
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        prefix=prefix,
        digest=digest,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record(
        actor=actor,
        actor_username=actor_username,
        action=AuditAction.TOKEN_CREATED,
        obj=token,
        unit_code=_unit_code(owner),
        details={"user": owner.get_username(), "days": days},
    )
    return token, key


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> None:
    record(actor=actor, action=AuditAction.TOKEN_REVOKED, obj=token, unit_code=_unit_code(actor))
    token.delete()


def _unit_code(user) -> str:
    return user.home_unit.code if user.home_unit_id else ""
