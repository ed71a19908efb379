"""The big screen: one page (1920×1080, dark) that fetches its figures from `data` every minute
without reloading, and the JSON behind it (aggregates only)."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.scope import scope_prefix, scoped
from zhili.index.models import Outcome
from zhili.web.screen import figures

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
REFRESH_DEFAULT = 60
REFRESH_MIN, REFRESH_MAX = 2, 3600


def _code(request, name: str = "definition", default: str = "pingan_plus") -> str:
    code = request.GET.get(name) or default
    if not CODE_RE.match(code):
        raise Http404
    return code


def _refresh(request) -> int:
    try:
        seconds = int(request.GET.get("refresh", REFRESH_DEFAULT))
    except ValueError:
        return REFRESH_DEFAULT
    return max(REFRESH_MIN, min(REFRESH_MAX, seconds))


def map_parents(actor) -> tuple[list[str], str]:
    """The districts whose towns the map draws, and the code prefix of what is in scope."""
    from zhili.geo.models import Level, Unit

    prefix = scope_prefix(actor)
    if prefix is None:
        return [], "-"
    districts = Unit.objects.filter(level=Level.DISTRICT)
    if prefix:
        districts = districts.filter(code__startswith=prefix[:6])
    return sorted(districts.values_list("code", flat=True)), prefix


@login_required
def home(request):
    scoped(request.user, Outcome)  # 403 without index.view_outcome
    code = _code(request)
    parents, prefix = map_parents(request.user)
    data_url = reverse("screen:data") + f"?definition={code}"
    config = {
        "data_url": data_url,
        "map_api": reverse("api:division_map"),
        "parents": parents,
        "prefix": prefix,
        "refresh": _refresh(request),
        "strings": {
            "revision": _("revision %(n)s, published %(when)s"),
            "refreshed": _("refreshed %(time)s"),
            "stale": _("could not refresh; showing the figures of %(time)s"),
            "streak": _("%(n)s in a row"),
            "no_alerts": _("No open streak alerts."),
            "more_alerts": _("and %(n)s more"),
            "no_events": _("No events received."),
            "no_data": _("No published daily colours yet."),
            "not_visible": _("Your role does not read hub events."),
            "trend_title": _("%(unit)s: index total, last 30 days"),
            "distribution_title": _("Towns per colour, last 30 days"),
            "score": _("score"),
        },
    }
    return render(request, "web/screen/home.html", {"config": config, "code": code})


@login_required
def data(request):
    body = figures.screen_data(
        request.user, code=_code(request), stars_code=_code(request, "stars", "star_rating")
    )
    response = JsonResponse(body, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
