"""One scoping mechanism for every view and endpoint.

A user sees their home unit and everything under it. Unit codes are hierarchical (GB/T 2260
plus the 12-digit statistical code, 15 digits for grids), so "under" is a code-prefix test that
a B-tree index answers. A model opts in by using `ScopedQuerySet` and naming `scope_path`, the
lookup from the model to the unit code it belongs to.
"""

from __future__ import annotations

from django.db import models


def code_prefix(code: str) -> str:
    """The significant digits of a unit code: 4499|02|001|001|001 → city 4, district 6, town 9,
    village/community 12, grid 15. Derived from the code alone, as GB/T 2260 lays it out."""
    if len(code) > 12:
        return code  # grid
    if code[9:12].strip("0"):
        return code[:12]  # village or community
    if code[6:9].strip("0"):
        return code[:9]  # town or street
    if code[4:6].strip("0"):
        return code[:6]  # district or zone
    return code[:4]  # city


class ScopedQuerySet(models.QuerySet):
    def within(self, code: str) -> models.QuerySet:
        """Rows of the unit `code` and everything under it (a filter, not a permission)."""
        return self.filter(**{f"{self.model.scope_path}__startswith": code_prefix(code)})

    def for_actor(self, actor, action: str = "view") -> models.QuerySet:
        """Rows `actor` may `action` (view, change, add, delete): permission first, then scope.

        Scope is the actor's home unit and below (`scope_path`), and for department-bound roles
        (a department's data officer) also their own department (`department_path`). Without the
        model permission nothing is returned; callers that want to say 403 check `actor_may` first.
        """
        if not actor_may(actor, self.model, action):
            return self.none()
        return scope_filter(self, actor)


def scope_filter(qs: models.QuerySet, actor) -> models.QuerySet:
    """`qs` cut to the actor's unit and below, and to its department for department-bound roles;
    the permission is the caller's business. The API, the pages and the admin all cut here."""
    model = qs.model
    if path := getattr(model, "scope_path", None):
        prefix = scope_prefix(actor)
        if prefix is None:
            return qs.none()
        if prefix:
            qs = qs.filter(**{f"{path}__startswith": prefix})
    if (dept_path := getattr(model, "department_path", None)) and getattr(actor, "department_scoped", False):
        qs = qs.filter(**{dept_path: actor.department_id}) if actor.department_id else qs.none()
    return qs


def actor_may(actor, model, action: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    opts = model._meta
    return actor.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def scope_prefix(actor) -> str | None:
    """ "" for everything, None for nothing, else the code prefix of the actor's home unit."""
    unit = getattr(actor, "home_unit", None)
    if unit is None:
        return "" if getattr(actor, "is_superuser", False) else None
    return unit.prefix


def in_scope(actor, code: str) -> bool:
    prefix = scope_prefix(actor)
    return prefix is not None and code.startswith(prefix)


def scoped(actor, model, action: str = "view") -> models.QuerySet:
    """The base queryset of every view and endpoint: 403 without the permission, else scoped."""
    from django.core.exceptions import PermissionDenied

    if not actor_may(actor, model, action):
        raise PermissionDenied
    if not hasattr(model.objects, "for_actor"):
        return model.objects.all()  # city-wide reference data: the permission is the whole check
    return model.objects.for_actor(actor, action)


def get_scoped(actor, model, action: str = "view", **lookup):
    """One object the actor may act on; out of scope answers exactly like missing (404)."""
    from django.http import Http404

    obj = scoped(actor, model, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
