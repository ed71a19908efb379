"""Pages. The address of the site sends each role to its work (landing_url); the divisions map
is public: the divisions are public geography, not personal data."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.errors import error_body
from zhili.geo.models import Level, Unit
from zhili.org.roles import Role
from zhili.web.dashboard.tables import STAR_INDEX

# Where each role's work is, when it is not the unit page of its home unit.
ROLE_LANDINGS: dict[str, str] = {
    Role.SYSTEM_ADMIN: "dash:overview",
    Role.CITY_ANALYST: "dash:overview",
    Role.DISTRICT_CADRE: "dash:overview",
    Role.DATA_OFFICER: "hub:quality",
    Role.DUTY_OFFICER: "dash:overview",
    Role.CITIZEN: "mediation:cases",
    Role.LANDLORD: "mediation:cases",
}


def landing_url(user) -> str:
    """The page a user starts from: a town cadre its town, a village cadre its village's stars,
    a mediator the open cases on its team, a citizen its own cases; visitors and roles without
    a work page of their own the divisions map."""
    role, unit = getattr(user, "role", ""), getattr(user, "home_unit", None)
    if not user.is_authenticated:
        return reverse("web:map")
    if role == Role.MEDIATOR:
        return reverse("mediation:cases") + "?mine=1"
    if role == Role.TOWN_CADRE and unit is not None and unit.level == Level.TOWN:
        return reverse("dash:unit", args=[unit.code])
    if role == Role.VILLAGE_CADRE and unit is not None and unit.level == Level.VILLAGE:
        query = f"?definition={STAR_INDEX}&period=month"
        return reverse("dash:unit", args=[unit.code]) + query
    if role in ROLE_LANDINGS:
        return reverse(ROLE_LANDINGS[role])
    return reverse("web:map")


def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url(request.user))


def divisions_map(request: HttpRequest) -> HttpResponse:
    city = Unit.objects.filter(level=Level.CITY).order_by("code").first()
    counts = {level: Unit.objects.filter(level=level).count() for level in Level.values} if city else {}
    strings = {"residents": _("Residents"), "inside": _("divisions inside")}
    return render(request, "web/home.html", {"city": city, "counts": counts, "strings": strings})


def favicon(request: HttpRequest) -> HttpResponse:
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error_page(request, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def page_not_found(request, exception=None):
    return _error_page(request, 404, "not_found", _("The page you asked for does not exist."))


def server_error(request):
    return _error_page(
        request, 500, "server_error", _("Something went wrong on our side; it has been logged.")
    )


def permission_denied(request, exception=None):
    return _error_page(request, 403, "forbidden", _("You may not open this page."))


def bad_request(request, exception=None):
    # Our own BadRequest carries a message written for the user (which field, what is allowed);
    # Django's SuspiciousOperation (a forged host, say) says only that it failed.
    if type(exception) is BadRequest and exception.args:
        return _error_page(request, 400, "bad_request", str(exception))
    return _error_page(request, 400, "bad_request", _("The request could not be understood."))
