"""Who may give whom which role: the one rule behind the admin's user form and the users API.

A role is what a person may do; handing one out is itself a right, and nobody may hand out more
than they hold. So an actor may manage another account only when that account's rights are a
strict subset of the actor's own (a town cadre manages the village cadres, grid workers and
citizens of its town, never another town cadre, never a mediator with rights it lacks), inside the
actor's scope; and may give a role only when that role's rights are a strict subset of its own.
Nobody changes their own role, unit, department or status, a superuser neither (another
administrator does, so no one locks themselves out or in). The system administrator's role is
never given through a form: superusers are made by `zhili createsuperuser` alone.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhili.core.errors import Forbidden, ZhiliError
from zhili.core.scope import in_scope
from zhili.org.roles import ROLE_PERMISSIONS, Role

# Fields that decide what an account may do; only someone above it sets them.
MANAGED_FIELDS = ("role", "home_unit", "department", "is_active")
# Fields that no form and no API ever set: they follow the role, or come from `createsuperuser`.
NEVER_FROM_A_FORM = ("is_superuser", "is_staff", "groups", "user_permissions")


def _rights(user) -> set[str]:
    return set(user.get_all_permissions()) if user.is_active else set()


def grantable_roles(actor) -> list[Role]:
    """The roles `actor` may give: every role whose rights are a strict subset of its own."""
    if actor is None or not actor.is_authenticated:
        return []
    roles = [r for r in Role if r != Role.SYSTEM_ADMIN]
    if actor.is_superuser:
        return roles
    mine = _rights(actor)
    return [r for r in roles if ROLE_PERMISSIONS[r] < mine]


def may_manage(actor, target) -> bool:
    """May `actor` change `target`'s role, unit, department, status or password?"""
    if actor is None or not actor.is_authenticated or target.pk == actor.pk:
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser or not actor.has_perm("org.change_user"):
        return False
    if target.home_unit_id is None or not in_scope(actor, target.home_unit.code):
        return False
    return _rights(target) < _rights(actor)


def check_user_change(actor, target, changes: dict) -> None:
    """Refuse (403, naming the field) any change to `target` that `actor` may not make.
    `target` is None for a new account. `changes` maps field names to their new values."""
    for field in NEVER_FROM_A_FORM:
        if field in changes:
            raise _refused(field, _("this is never set through a form or the API"))
    managed = [f for f in MANAGED_FIELDS if f in changes]
    if target is not None and target.pk != actor.pk and not may_manage(actor, target):
        field = (managed or sorted(changes) or ["id"])[0]
        raise _refused(field, _("this account has rights you do not have; ask the level above"))
    if target is not None and target.pk == actor.pk and managed:
        raise _refused(managed[0], _("nobody changes their own role, unit, department or status"))
    kept = target is not None and changes.get("role") == target.role  # its current role may stay
    if "role" in changes and not kept and changes["role"] not in grantable_roles(actor):
        raise _refused("role", _("you may not give this role"))
    unit = changes.get("home_unit")
    if "home_unit" in changes and not actor.is_superuser and (unit is None or not in_scope(actor, unit.code)):
        raise _refused("home_unit", _("not a unit in your scope"))
    if "department" in changes and not actor.is_superuser:
        raise _refused("department", _("only a system administrator sets a department"))


def _refused(field: str, reason: str) -> ZhiliError:
    return Forbidden(
        _("You may not make this change: %(reason)s") % {"reason": reason},
        details=[{"field": field, "reason": reason}],
    )
