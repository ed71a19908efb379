"""Officials' dashboards (login, index.view_outcome, scoped to the home unit): the city overview
with today's colours, a unit's page with its history, breakdown and explanation, two units side
by side, the monthly star list, and the tables as XLSX."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhili.core.errors import NotFound
from zhili.core.scope import in_scope, scope_prefix, scoped
from zhili.geo.models import Level, Unit
from zhili.index import selectors
from zhili.index.models import Outcome, Run
from zhili.index.periods import Period, PeriodError, parse_period
from zhili.web import listing
from zhili.web.dashboard import tables, units

TREND_DAYS = 365
SELECTED_TOWNS = 1  # with the city, two lines: more over a year are a band nobody reads


def _start(request, name: str, kind: str, default: date | None) -> date:
    text = request.GET.get(name, "").strip()
    if not text:
        return default or (selectors.default_day() if kind == "day" else selectors.default_month())
    try:
        return parse_period(kind, text).start
    except PeriodError:
        raise Http404 from None


def _keep(request, *names: str) -> str:
    """The query string of the parameters a link or export keeps."""
    return urlencode([(n, request.GET[n]) for n in names if request.GET.get(n)])


def _strings() -> dict:
    """The words the page's scripts show (charts and map tooltips)."""
    return {
        "city": _("City total"), "score": _("Score"), "weight": _("Weight"), "day": _("daily"),
        "month": _("monthly"), "d30": _("30 days"), "d90": _("90 days"), "y1": _("1 year"), "all": _("All"),
        "funnel_limit": _("limit of chance, %s"), "funnel_rate": _("pooled rate"), "funnel_own": _("this unit"),
        "funnel_peers": _("its peers"), "funnel_other": _("another unit (outside your scope)"),
        "funnel_x": _("residents"), "funnel_y": _("per %s residents"), "avg7": _("7-day average"),
    }  # fmt: skip


def _label(kind: str, start: date) -> str:
    return Period(kind, start).label(get_language() or "zh-hans")


# --- the city overview ------------------------------------------------------------------------


def _overview_data(request) -> dict:
    qs = scoped(request.user, Outcome)
    code = tables.index_code(request)
    day = _start(request, "date", "day", selectors.latest_published_period(code, "day"))
    ctx = {"code": code, "day": day, "day_label": _label("day", day), "keep": _keep(request, "definition"),
           "held": selectors.held_back_text(selectors.headline(code, "day"))}  # fmt: skip
    found = tables.day_results(qs.filter(level__in=("city", "district", "town")), code=code, kind="day",
                               start=day)  # fmt: skip
    if found is None:
        ctx["message"] = tables.no_result_message(code, "day", day)
        return ctx
    run, outcomes = found
    query = urlencode([("date", day.isoformat())]) + (f"&{ctx['keep']}" if ctx["keep"] else "")
    link = reverse("dash:unit", args=["CODE"]) + "?" + query
    table = tables.overview(run, outcomes, link=link)
    ctx.update(run=run, table=table, lines=table["lines"])
    # ?sort=: the towns in one list in that order (the city last) instead of by district
    keys = {"name": lambda r: r["name"], "total": lambda r: r["total"], "rank": lambda r: r["rank"]}
    for i, _column in enumerate(table["columns"]):
        keys[f"c{i}"] = lambda r, i=i: r["cells"][i]["score"]
    ordered = listing.sort_rows(
        table["towns"], request.GET.get("sort", ""), keys, request.GET, default="rank"
    )
    ctx["sorted"] = ordered
    ctx["column_headers"] = [
        (path, name, ordered.headers[f"c{i}"], f"c{i}") for i, (path, name) in enumerate(table["columns"])
    ]
    if request.GET.get("sort", "").lstrip("-") in keys:
        city = [("city", table["city"], None)] if table["city"] else []
        ctx["lines"] = [("town", r, None) for r in ordered.rows] + city
    return ctx


@login_required
def overview(request):
    if request.GET.get("format") == "xlsx":
        return export(request, "overview")
    ctx = _overview_data(request)
    if "table" not in ctx:
        return render(request, "web/dashboard/overview.html", ctx)
    table, day, code = ctx["table"], ctx["day"], ctx["code"]
    towns = table["towns"]
    city = table["city"]
    lowest = sorted((t for t in towns if t["total"] is not None), key=lambda t: t["total"])
    names = {r["code"]: r["name"] for r in towns} | ({city["code"]: city["name"]} if city else {})
    trend = dict(tables.series(
        scoped(request.user, Outcome), code=code, kind="day", units=list(names),
        since=day - timedelta(days=TREND_DAYS - 1), until=day,
    ))  # fmt: skip
    trend.update(
        bands=tables.bands_of(table["definition"]),
        names=names,
        city=city["code"] if city else None,
        selected=[t["code"] for t in lowest[:SELECTED_TOWNS]] or [t["code"] for t in towns[:1]],
    )
    colours = {
        r["code"]: {"grade": r["grade"], "label": r["grade_label"], "total": r["total"]} for r in towns
    }
    ctx.update(
        trend=trend,
        colours=colours,
        alerts=tables.alerts(request.user, code=code, until=day),
        grades=_grade_legend(table["definition"]),
        strings=_strings(),
    )
    return render(request, "web/dashboard/overview.html", ctx)


def _grade_legend(definition) -> list[tuple[str, str]]:
    grades = definition.grades or {}
    codes = [c for _floor, c in grades.get("bands", [])] or grades.get("grades", [])
    return [(c, tables.grade_label(definition, c)) for c in codes]


# --- a unit, and two side by side ---------------------------------------------------------------


def _history(qs, code: str, unit_codes: list[str], until_day: date | None) -> dict:
    until_day = until_day or selectors.default_day()
    days = tables.series(qs, code=code, kind="day", units=unit_codes,
                         since=until_day - timedelta(days=TREND_DAYS - 1), until=until_day)  # fmt: skip
    months = tables.series(qs, code=code, kind="month", units=unit_codes, since=date(1970, 1, 1),
                           until=until_day)  # fmt: skip
    return {"day": days, "month": months}


@login_required
def unit(request, code: str):
    qs = scoped(request.user, Outcome)
    place = units.unit_or_404(request.user, code)
    index = tables.index_code(request)
    kind = "month" if request.GET.get("period") == "month" else "day"
    start = _start(request, "date", kind, selectors.latest_published_period(index, kind))
    name = place.display_name(get_language())
    ctx = {
        "unit": place, "name": name, "code": index, "kind": kind, "start": start,
        "period_label": _label(kind, start), "keep": _keep(request, "definition"),
        "keep_period": _keep(request, "definition", "period", "date"),
    }  # fmt: skip
    latest_day = selectors.latest_published_period(index, "day")
    history = _history(qs, index, [place.code], start if kind == "day" else latest_day)
    history["names"] = {place.code: name}
    ctx.update(history=history, strings=_strings())
    if place.level == Level.TOWN:
        villages = units.villages(request.user, place, code=_star_code(request, "stars"))
        keys = {"name": lambda r: r["name"], "total": lambda r: r["total"], "stars": lambda r: r["stars"],
                "rank": lambda r: r["rank"]}  # fmt: skip
        ordered = listing.sort_rows(villages["rows"], request.GET.get("vsort", ""), keys, request.GET,
                                    default="name", param="vsort")  # fmt: skip
        if request.GET.get("vsort"):
            villages["rows"] = ordered.rows
        ctx.update(villages=villages, vsorted=ordered)
    try:
        explanation = selectors.explain(qs, code=index, kind=kind, unit_code=place.code, start=start)
    except NotFound:
        ctx["message"] = tables.no_result_message(index, kind, start)
        return render(request, "web/dashboard/unit.html", ctx)
    definition = Run.objects.select_related("definition").get(pk=explanation["run_id"]).definition.parsed()
    history["bands"] = tables.bands_of(definition)
    result = explanation["result"]
    ctx.update(
        explanation=explanation,
        result=result,
        grade_label=tables.grade_label(definition, result["grade"]),
        move_html=tables.move_html(result["rank_move"]),
        movers=units.movers(explanation),
        leaves=units.leaves(explanation),
        sunburst=units.sunburst(explanation, name, tables.bands_of(definition)),
        previous_label=_label(kind, explanation["previous_period"]),
        stars_text="★" * (result["stars"] or 0) + "☆" * (5 - (result["stars"] or 0))
        if result["stars"]
        else "",
    )
    ctx["funnel_choices"] = units.funnel_leaves(definition, kind)
    if ctx["funnel_choices"]:
        chosen = request.GET.get("funnel") or ctx["funnel_choices"][0][0]
        run = Run.objects.get(pk=explanation["run_id"])
        ctx["funnel_leaf"] = chosen
        ctx["funnel"] = units.funnel_data(
            request.user, run, definition, chosen, result["level"], start, place.code
        )
    if leaf := request.GET.get("leaf"):
        events = units.leaf_events(request.user, definition, leaf, place.code, Period(kind, start))
        if events is None:
            raise Http404
        ctx["events"] = events
    return render(request, "web/dashboard/unit.html", ctx)


def _star_code(request, name: str = "definition") -> str:
    code = request.GET.get(name, "")
    return code if code and tables.CODE_RE.match(code) and len(code) <= 64 else tables.STAR_INDEX


@login_required
def compare(request):
    """Two units side by side on the daily index; two villages (or communities) on the star
    index's month, as villages have no daily results."""
    qs = scoped(request.user, Outcome)
    ctx = {"choices": units.unit_choices(request.user), "a": request.GET.get("a", ""),
           "b": request.GET.get("b", ""), "keep": _keep(request, "definition")}  # fmt: skip
    pair = [units.unit_or_404(request.user, c) for c in (ctx["a"], ctx["b"])] if ctx["a"] and ctx["b"] else []
    kind = "month" if any(u.level == Level.VILLAGE for u in pair) else "day"
    index = _star_code(request) if kind == "month" else tables.index_code(request)
    name = "month" if kind == "month" else "date"
    start = _start(request, name, kind, selectors.latest_published_period(index, kind))
    if kind == "month":
        ctx["keep"], unit_query = "", f"definition={index}&period=month&"
    else:
        unit_query = ctx["keep"] + "&" if ctx["keep"] else ""
    ctx.update(code=index, kind=kind, day=start, day_label=_label(kind, start),
               unit_query=f"{unit_query}date={start:%Y-%m-%d}")  # fmt: skip
    if not pair:
        return render(request, "web/dashboard/compare.html", ctx)
    codes = [u.code for u in pair]
    found = tables.day_results(qs.filter(unit_code__in=codes), code=index, kind=kind, start=start)
    if found is None:
        ctx["message"] = tables.no_result_message(index, kind, start)
        return render(request, "web/dashboard/compare.html", ctx)
    run, outcomes = found
    table = tables.overview(run, outcomes, kind=kind)
    rows = [table["by_code"].get(c) for c in codes]
    ctx["units"] = [(u, r) for u, r in zip(pair, rows, strict=True)]
    ctx["lines"] = [
        _line(name, [r["cells"][i] if r else None for r in rows])
        for i, (_path, name) in enumerate(table["columns"])
    ]
    ctx["total_diff"] = _diff(*[r["total"] if r else None for r in rows])
    history = _history(qs, index, codes, start if kind == "day" else None)
    history["names"] = {u.code: u.display_name(get_language()) for u in pair}
    history["bands"] = tables.bands_of(table["definition"])
    ctx.update(history=history, strings=_strings())
    return render(request, "web/dashboard/compare.html", ctx)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _line(name: str, cells: list[dict | None]) -> dict:
    scores = [c["score"] if c else None for c in cells]
    return {"name": name, "cells": cells, "diff": _diff(*scores)}


# --- stars ------------------------------------------------------------------------------------


STAR_SORTS = {
    "name": lambda r: r["unit_name"], "town": lambda r: r["town"], "district": lambda r: r["district"],
    "stars": lambda r: r["stars"], "rank": lambda r: r["rank"], "total": lambda r: r["total"],
}  # fmt: skip
STAR_FILTERS = ("definition", "month", "district", "kind", "town", "q", "stars", "sort")


def _stars_data(request) -> dict:
    """The month's star list in scope, searched by name (village or town), filtered by district,
    kind, town and stars, in the order asked for: what the page pages and the export holds."""
    qs = scoped(request.user, Outcome)
    code = _star_code(request)
    month = _start(request, "month", "month", selectors.latest_published_period(code, "month"))
    district, kind = request.GET.get("district", ""), request.GET.get("kind", "")
    kind = kind if kind in ("village", "community") else ""
    town, q, n = request.GET.get("town", ""), listing.query_text(request), listing.star_filter(request)
    ctx = {"code": code, "month": month, "month_label": _label("month", month), "district": district,
           "kind": kind, "town": town, "q": q, "star_filter": n,
           "keep": _keep(request, *STAR_FILTERS)}  # fmt: skip
    try:
        rows = tables.star_rows(qs, code=code, start=month, district=district, kind=kind)
    except NotFound:
        ctx["message"] = tables.no_result_message(code, "month", month)
        return ctx
    rows = [r for r in rows if (not town or r["town_code"] == town) and (n is None or r["stars"] == n)]
    rows = listing.search(rows, q, "unit_name", "town")
    ordered = listing.sort_rows(rows, request.GET.get("sort", ""), STAR_SORTS, request.GET, default="-stars")
    ctx.update(rows=ordered.rows, sorted=ordered)
    return ctx


@login_required
def stars(request):
    if request.GET.get("format") == "xlsx":
        return export(request, "stars")
    ctx = _stars_data(request)
    prefix = scope_prefix(request.user) or ""
    ctx["districts"] = [
        (u.code, u.display_name(get_language()))
        for u in Unit.objects.filter(level=Level.DISTRICT, code__startswith=prefix[:6]).order_by("code")
    ]
    towns = Unit.objects.filter(level=Level.TOWN, code__startswith=prefix)
    if ctx["district"]:
        towns = towns.filter(parent__code=ctx["district"])
    ctx["towns"] = [(u.code, u.display_name(get_language())) for u in towns.order_by("code")]
    if code := request.GET.get("unit"):
        place = Unit.objects.filter(code=code, level=Level.VILLAGE).first()
        if place is None or not in_scope(request.user, code):
            raise Http404
        ctx["history_unit"] = place
        ctx["star_history"] = tables.star_history(
            scoped(request.user, Outcome), code=ctx["code"], unit_code=code
        )
    rows = ctx.get("rows", [])
    ctx["counts"] = [(n, sum(1 for r in rows if r["stars"] == n), "★" * n) for n in (5, 4, 3, 2, 1)]
    ctx["colours"] = {r["unit_code"]: {"stars": r["stars"], "name": r["unit_name"]} for r in rows}
    ctx["pager"] = listing.page_of(rows, request, request.GET)
    ctx["star_choices"] = [(n, "★" * n) for n in (5, 4, 3, 2, 1)]
    return render(request, "web/dashboard/stars.html", ctx)


# --- XLSX and the map's shapes ----------------------------------------------------------------


@login_required
def export(request, table: str):
    if table == "overview":
        ctx = _overview_data(request)
        if "table" not in ctx:
            raise Http404
        header, rows = tables.overview_sheet(ctx["table"])
        title, name = _("Ping'an index"), f"{ctx['code']}-{ctx['day'].isoformat()}.xlsx"
        period = ctx["day_label"]
    elif table == "stars":
        ctx = _stars_data(request)
        if "rows" not in ctx:
            raise Http404
        header, rows = tables.stars_sheet(ctx["rows"])
        title, name = _("Star ratings"), f"{ctx['code']}-{ctx['month']:%Y-%m}.xlsx"
        period = ctx["month_label"]
    else:
        raise Http404
    home = getattr(request.user, "home_unit", None)
    heading = " · ".join(p for p in (home.display_name(get_language()) if home else "", title, period) if p)
    return tables.xlsx_response(title, header, rows, name, heading=heading)


@login_required
def shapes(request, level: str):
    """GeoJSON of the towns or the villages in the actor's scope, simplified for the maps."""
    from shapely.geometry import mapping, shape

    from zhili.geo.selectors import map_version

    scoped(request.user, Outcome)
    levels = {"town": Level.TOWN, "village": Level.VILLAGE}
    prefix = scope_prefix(request.user)
    if level not in levels or prefix is None:
        raise Http404
    key = f"zhili:dash:shapes:{level}:{prefix}:{get_language()}:{map_version()}"
    data = cache.get(key)
    if data is None:
        qs = Unit.objects.filter(level=levels[level], code__startswith=prefix).exclude(boundary=None)
        features = [
            {
                "type": "Feature",
                "geometry": mapping(shape(u.boundary).simplify(0.0004, preserve_topology=True)),
                "properties": {"code": u.code, "name": u.display_name(get_language())},
            }
            for u in qs.order_by("code")
        ]
        data = {"type": "FeatureCollection", "features": features}
        cache.set(key, data, 3600)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, max-age=3600"
    return response
