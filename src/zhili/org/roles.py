"""Roles and what each may do. A role is a Django group whose permissions are seeded from here;
what a user may see is then cut down to their home unit by `for_actor`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    CITY_ANALYST = "city_analyst", _("City Ping'an office analyst")
    DATA_OFFICER = "data_officer", _("Department data officer")
    DISTRICT_CADRE = "district_cadre", _("District cadre")
    TOWN_CADRE = "town_cadre", _("Town cadre")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    MEDIATOR = "mediator", _("Mediator")
    POLICE_OFFICER = "police_officer", _("Police officer")
    DUTY_OFFICER = "duty_officer", _("Emergency duty officer")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    ENFORCEMENT_OFFICER = "enforcement_officer", _("Enforcement officer")
    LANDLORD = "landlord", _("Landlord")
    CITIZEN = "citizen", _("Citizen")


_VIEW_GEO = {"geo.view_unit", "geo.view_population"}
_HUB_READ = {"hub.view_eventtype", "hub.view_event"}
_HUB_QUALITY = {"hub.view_delivery", "hub.view_source"}
_INDEX_READ = {"index.view_outcome", "index.view_alert", "index.view_run", "index.view_definitionversion"}
_INDEX_RUN = {"index.add_run", "index.publish_run", "index.add_definitionversion", "index.change_alert"}
_MEDIATION_READ = {"mediation.view_case", "mediation.view_institution"}
_MEDIATE = _MEDIATION_READ | {
    "mediation.add_case",
    "mediation.mediate_case",
    "mediation.assign_case",
    "mediation.view_mediator",
}
_STAFF = _VIEW_GEO | {"org.view_user", "org.view_department"}
_CADRE = _STAFF | {"geo.change_unit", "geo.add_population", "geo.change_population", "org.change_user"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: set(),  # superuser: every permission, still cut to their unit's scope
    Role.CITY_ANALYST: _STAFF
    | _HUB_READ
    | _HUB_QUALITY
    | _INDEX_READ
    | _INDEX_RUN
    | _MEDIATION_READ
    | {"core.view_auditlog"},
    Role.DATA_OFFICER: _VIEW_GEO
    | _HUB_READ
    | _HUB_QUALITY
    | {
        "org.view_department",
        "hub.submit_event",
        "hub.view_columnmapping",
        "hub.change_columnmapping",
        "hub.add_columnmapping",
    },
    Role.DISTRICT_CADRE: _CADRE | _HUB_READ | _INDEX_READ | _MEDIATION_READ | {"core.view_auditlog"},
    Role.TOWN_CADRE: _CADRE | _HUB_READ | _INDEX_READ | _MEDIATION_READ,
    Role.VILLAGE_CADRE: _STAFF | _HUB_READ | _INDEX_READ,
    Role.GRID_WORKER: _VIEW_GEO | {"org.view_department", "index.view_outcome"},
    Role.MEDIATOR: _STAFF | _MEDIATE | {"org.view_personal_data"},
    Role.POLICE_OFFICER: _STAFF | _HUB_READ | {"org.view_personal_data"},
    Role.DUTY_OFFICER: _STAFF | _HUB_READ | _INDEX_READ,
    Role.PROSECUTOR: _STAFF | {"org.view_personal_data"},
    Role.ENFORCEMENT_OFFICER: _STAFF,
    Role.LANDLORD: set(),
    Role.CITIZEN: set(),
}

# Roles bound to one department: they see that department's deliveries and events only.
DEPARTMENT_SCOPED_ROLES = {Role.DATA_OFFICER}

# Roles that work in the admin site (is_staff); the others use the web UI and API only.
STAFF_ROLES = {Role.SYSTEM_ADMIN, Role.CITY_ANALYST, Role.DISTRICT_CADRE, Role.TOWN_CADRE}


def sync_role_groups(using: str = "default") -> None:
    """Create one group per role with exactly the permissions listed above (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using)
        .select_related("content_type")
        .filter(content_type__app_label__in={name.split(".")[0] for name in wanted})
    }
    missing = wanted - by_name.keys()
    if missing:
        raise RuntimeError(f"permissions not found (run migrate first): {sorted(missing)}")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set([by_name[p] for p in perms])
