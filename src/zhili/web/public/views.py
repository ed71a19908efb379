"""Public pages: no login, no cookie, phone-first and cacheable. They change only when a run is
published, so each response carries an ETag and Last-Modified from the publications and
`Cache-Control: public, max-age=300`, and its HTML is kept in Django's cache under the same key:
a repeated request costs two cache reads. The language is in the address (`?lang=en`; Chinese
without it), never in a cookie, so that a shared cache may keep one copy per address."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_safe

from zhili.core.errors import NotFound
from zhili.geo.models import Level
from zhili.index.periods import PeriodError, parse_period
from zhili.index.selectors import publication_stamp
from zhili.web import listing
from zhili.web.public import selectors

MAX_AGE = 300


def _build() -> str:
    """A digest of the templates, static files and catalogues: a new release, new keys."""
    web = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(usedforsecurity=False)
    files = [*(web / "templates/web/public").rglob("*"), *(web / "static/web/public").rglob("*")]
    files += (web.parent / "locale").rglob("*.mo")
    for f in sorted(files):
        if f.is_file():
            digest.update(f.read_bytes())
    return digest.hexdigest()[:12]


BUILD = _build()


def language_of(request) -> str:
    lang = request.GET.get("lang", "")
    return lang if lang and lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def link(name: str, *args, **params) -> str:
    """The address of a public page; `lang` is left out for the default language."""
    query = {k: v for k, v in params.items() if v and not (k == "lang" and v == settings.LANGUAGE_CODE)}
    return reverse(f"public:{name}", args=args) + ("?" + urlencode(query) if query else "")


_HOT: dict[str, tuple[str, bytes]] = {}  # this process's copy of the latest pages, in front of the cache
HOT_SIZE = 512


def cached_page(*params: str):
    """Key the page by the publications, language, arguments and the query `params` it reads;
    answer 304 to a matching If-None-Match / If-Modified-Since (Django's `condition`), else the
    cached or new HTML."""

    def decorate(view):
        def body(request, *args, **kwargs):
            key = request.public_key
            hit = _HOT.get(key) or cache.get(key)
            if hit is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                hit = (response["Content-Type"], response.content)
                cache.set(key, hit, 24 * 3600)
            if key not in _HOT:
                if len(_HOT) >= HOT_SIZE:
                    _HOT.clear()
                _HOT[key] = hit
            return HttpResponse(hit[1], content_type=hit[0])

        conditional = condition(
            etag_func=lambda request, *a, **kw: request.public_etag,
            last_modified_func=lambda request, *a, **kw: request.public_modified,
        )(body)

        @require_safe
        @wraps(view)
        def page(request, *args, **kwargs):
            lang = language_of(request)
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
            published, modified = publication_stamp()
            # Only the parameters the page reads make its key, and only they reach its links.
            request.public_params = {p: request.GET[p] for p in params if request.GET.get(p)}
            query = sorted(request.public_params.items())
            raw = repr((BUILD, published, lang, view.__name__, args, sorted(kwargs.items()), query))
            key = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
            request.public_key, request.public_etag = f"public:{key}", f'"{key[:24]}"'
            request.public_modified = modified
            if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
                response = conditional(request, *args, **kwargs)
            else:  # the usual request: the same headers, without parsing conditions that are not there
                response = body(request, *args, **kwargs)
                if response.status_code == 200:
                    response["ETag"] = request.public_etag
                    if modified:
                        response["Last-Modified"] = http_date(modified.timestamp())
            # A signed-in visitor's session cookie is renewed on every answer (Set-Cookie): that
            # answer is theirs alone, not for a shared cache.
            shared = settings.SESSION_COOKIE_NAME not in request.COOKIES
            response["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={MAX_AGE}"
            response["Content-Language"] = lang
            return response

        return page

    return decorate


def _context(request, **extra) -> dict:
    lang = request.LANGUAGE_CODE
    here = request.resolver_match
    args = here.args or tuple(here.kwargs.values())
    switch = [
        (code, name, link(here.url_name, *args, **request.public_params, lang=code), code == lang)
        for code, name in settings.LANGUAGES
    ]
    return {
        "lang": lang if lang != settings.LANGUAGE_CODE else "",
        "switch": switch,
        "home_url": link("home", lang=lang),
        "stars_url": link("stars", lang=lang),
        "cookie_name": settings.LANGUAGE_COOKIE_NAME,
        "default_language": settings.LANGUAGE_CODE,
        **extra,
    }


def _parse(kind: str, text: str) -> date:
    try:
        return parse_period(kind, text).start
    except PeriodError as err:
        raise BadRequest(err.message) from err


@cached_page()
def home(request):
    day = selectors.latest_day()
    today = selectors.districts_today(day) if day else None
    if today:
        for group in today["groups"]:
            for t in group["towns"]:
                t["url"] = link("town", t["code"], lang=request.LANGUAGE_CODE)
    return render(request, "web/public/home.html", _context(request, today=today, held=selectors.held_back()))


@cached_page()
def colours_json(request):
    """The public API's today's colours (/api/v1/index/public/colours), cached like the pages."""
    from zhili.index.api import PublicColoursOut, public_colours

    try:
        body = PublicColoursOut.model_validate(public_colours(request, definition=selectors.day_code()))
    except NotFound as err:
        return JsonResponse(err.as_body(), status=err.status)
    return HttpResponse(body.model_dump_json(), content_type="application/json")


@cached_page("date", "month")
def town(request, code: str):
    unit = selectors.town(code)
    if unit is None:
        raise Http404(_("No town or street has this code."))
    lang = request.LANGUAGE_CODE
    latest = selectors.latest_day()
    text = request.GET.get("date", "").strip()
    day = _parse("day", text) if text else latest
    info = selectors.town_day(unit, day) if day else None
    if info:
        for square in info["week"]:
            square["url"] = link("town", code, date=square["day"].isoformat(), lang=lang)
    text = request.GET.get("month", "").strip()
    month, villages = selectors.village_stars(unit["prefix"], _parse("month", text) if text else None)
    return render(
        request,
        "web/public/town.html",
        _context(
            request, unit=unit, day=day, day_label=selectors.label("day", day) if day else "",
            latest=latest, info=info, villages=villages, held=selectors.held_back(),
            month_label=selectors.label("month", month) if month else "",
            latest_url=link("town", code, lang=lang),
        ),
    )  # fmt: skip


LIST_PARAMS = ("q", "town", "stars", "sort", "page")
LIST_SORTS = {"name": lambda r: r["label"], "town": lambda r: r["town"], "district": lambda r: r["district"],
              "stars": lambda r: r["stars"]}  # fmt: skip


@cached_page("month", *LIST_PARAMS)
def stars(request):
    """The month's five-star villages by district and town; with a search, a filter, an order or
    a page asked for, every rated village in a table that pages (zhili.web.listing)."""
    lang = request.LANGUAGE_CODE
    months = selectors.star_months()
    text = request.GET.get("month", "").strip()
    # The newest final month leads, as on the town pages; a later one still short of data is
    # in the list of months.
    month = (
        _parse("month", text) if text else (selectors.latest_star_month() or (months[0] if months else None))
    )
    groups = selectors.five_stars(month) if month else None
    for group in groups or []:
        for t in group["towns"]:
            # the town page shows its villages' stars of the month the list is of
            t["url"] = link("town", t["code"], month=month.strftime("%Y-%m"), lang=lang)
    choices = [(m.strftime("%Y-%m"), selectors.label("month", m), m == month) for m in months]
    extra = {"q": listing.query_text(request), "town": request.GET.get("town", ""),
             "star_filter": listing.star_filter(request), "star_choices": [(n, "★" * n) for n in (5, 4, 3, 2, 1)],
             "towns": [(t["code"], t["label"]) for t in selectors.units(Level.TOWN)]}  # fmt: skip
    if groups is not None and any(request.public_params.get(p) for p in LIST_PARAMS):
        found = selectors.star_list(month) or []
        found = [r for r in found if (not extra["town"] or r["town_code"] == extra["town"])
                 and (extra["star_filter"] is None or r["stars"] == extra["star_filter"])]  # fmt: skip
        found = listing.search(found, extra["q"], "label", "town")
        query = {**request.public_params, "month": text, "lang": request.GET.get("lang", "")}
        ordered = listing.sort_rows(found, request.GET.get("sort", ""), LIST_SORTS, query, default="-stars")
        for r in ordered.rows:
            r["url"] = (
                link("town", r["town_code"], month=month.strftime("%Y-%m"), lang=lang) + f"#v-{r['code']}"
            )
        extra.update(sorted=ordered, pager=listing.page_of(ordered.rows, request, query))
    return render(
        request,
        "web/public/stars.html",
        _context(
            request, month=month, month_label=selectors.label("month", month) if month else "",
            groups=groups, choices=choices, **extra,
        ),
    )  # fmt: skip


@require_safe
def locate(request):
    """The visitor's point (the phone's location, `?lon=&lat=`) → a redirect to their town's
    page. Never cached or stored: the point is the visitor's own."""
    from zhili.geo.lookup import locate as locate_points

    lang = language_of(request)
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    request.public_params = {}
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        raise BadRequest(_("Give the place as lon= and lat= in degrees (WGS 84).")) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # also refuses nan
        raise BadRequest(_("lon must lie between -180 and 180 and lat between -90 and 90."))
    code = str(locate_points([lon], [lat], Level.TOWN)[0])
    if code:
        response = redirect(link("town", code, lang=lang))
    else:
        response = render(request, "web/public/outside.html", _context(request), status=404)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = lang
    return response
