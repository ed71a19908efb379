"""The dashboard's tables, built from the published index results in the actor's scope: the
city overview (towns and streets grouped by district, one column per first-level indicator of
the daily tree), the rankings, the red-streak alerts, the star list, the series behind the trend
lines, and any of those tables as an XLSX workbook with Chinese headers."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from io import BytesIO

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Max, QuerySet
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from zhili.geo.models import Unit
from zhili.index import selectors
from zhili.index.definitions import CODE_RE, Definition, Node
from zhili.index.engine import tree_for
from zhili.index.models import Alert, DefinitionVersion, Outcome, Run

DAY_INDEX = "pingan_plus"
STAR_INDEX = "star_rating"
# Bands for node scores when the definition grades its totals some other way (quantiles, baseline).
DEFAULT_BANDS = [[80, "blue"], [70, "yellow"], [62, "orange"], [None, "red"]]
ACTIONS = {
    "warning": gettext_lazy("Warning"),
    "summons": gettext_lazy("Summons"),
    "accountability": gettext_lazy("Accountability"),
}


def english() -> bool:
    return (get_language() or "").startswith("en")


def index_code(request, kind: str = "day", default: str = DAY_INDEX) -> str:
    """The index a page shows: `?definition=`, else the default when it has published results of
    that period kind, else the index whose results of that kind were published last."""
    code = request.GET.get("definition", "")
    if code and CODE_RE.match(code) and len(code) <= 64:
        return code
    published = Run.objects.filter(period_kind=kind, published_at__isnull=False)
    if published.filter(definition__code=default).exists():
        return default
    run = published.select_related("definition").order_by("-published_at", "-id").first()
    return run.definition.code if run else default


display = selectors.unit_name


def node_name(node: Node) -> str:
    return node.name_en if english() and node.name_en else node.name


def relative(definition: Definition, node: Node) -> str:
    return node.path[len(definition.code) + 1 :] or "."


def first_level(definition: Definition, kind: str) -> list[tuple[str, str]]:
    """(path relative to the root, name) of the first-level indicators of the tree of `kind`."""
    return [(relative(definition, n), node_name(n)) for n in tree_for(definition, kind).children]


def bands_of(definition: Definition) -> list:
    grades = definition.grades or {}
    return grades["bands"] if grades.get("method") == "bands" else DEFAULT_BANDS


def band(score: float | None, bands: list) -> str:
    if score is None:
        return ""
    return next((code for floor, code in bands if floor is None or score >= floor), "")


# What a result that is not settled says beside (or instead of) its grade.
STATE_LABELS = {
    "insufficient": gettext_lazy("too little data"),
    "provisional": gettext_lazy("provisional"),
    "incomplete": gettext_lazy("data incomplete"),
}


def grade_label(definition: Definition, grade: str) -> str:
    labels = (definition.grades or {}).get("labels") or {}
    return grade if english() else labels.get(grade, grade)


def action_label(action: str) -> str:
    return str(ACTIONS[action]) if action in ACTIONS else action


def day_results(qs: QuerySet, *, code: str, kind: str, start: date) -> tuple[Run, list[Outcome]] | None:
    """The run that speaks for the period and its outcomes in scope (city, districts, towns)."""
    run = selectors.latest_run_for(code, kind, start)
    if run is None:
        return None
    rows = list(qs.filter(run=run, period_start=start).order_by("level", "unit_code"))
    return run, rows


def no_result_message(code: str, kind: str, start: date) -> str:
    from zhili.index.periods import Period

    return _("no published %(code)s result for %(period)s") % {
        "code": code,
        "period": Period(kind, start).label(get_language() or "zh-hans"),
    }


def fixed(x: float | None, digits: int) -> str:
    """A score as the tables show it (floatformat is slow for a thousand cells)."""
    return "—" if x is None else f"{x:.{digits}f}"


def move_html(move: int | None) -> str:
    """↑n for places gained since the period before, ↓n for places lost."""
    if move is None:
        return ""
    if move > 0:
        return format_html('<span class="up" title="{}">↑{}</span>', _("up"), move)
    if move < 0:
        return format_html('<span class="down" title="{}">↓{}</span>', _("down"), -move)
    return mark_safe('<span class="same">–</span>')


def overview(run: Run, outcomes: list[Outcome], *, kind: str = "day", link: str = "") -> dict:
    """Rows of the familiar table: towns and streets grouped by district (the district's own
    result heads its group), cells coloured by the node's score band, then the city. `link` is
    a unit page's address with CODE for the unit's code."""
    definition = run.definition.parsed()
    columns = first_level(definition, kind)
    bands = bands_of(definition)
    codes = [o.unit_code for o in outcomes]
    units = {
        c: (n, ne, k, p)
        for c, n, ne, k, p in Unit.objects.filter(code__in=codes).values_list(
            "code", "name", "name_en", "kind", "parent__code"
        )
    }

    def cell(o: Outcome, path: str) -> dict:
        score = (o.nodes.get(path) or {}).get("score")
        return {"path": path, "score": score, "band": band(score, bands), "text": fixed(score, 1)}

    def row(o: Outcome) -> dict:
        name, name_en, unit_kind, parent = units.get(o.unit_code, (o.unit_code, "", "", None))
        return {
            "code": o.unit_code,
            "name": name_en if english() and name_en else name,
            "kind": unit_kind,
            "level": o.level,
            "parent": parent,
            "cells": [cell(o, path) for path, _label in columns],
            "total": o.total,
            "total_text": fixed(o.total, 2),
            "grade": o.grade,
            "grade_label": grade_label(definition, o.grade),
            "stars": o.stars,
            "star_text": "★" * (o.stars or 0),
            "streak": o.streak,
            "rank": o.rank,
            "rank_move": o.rank_move,
            "move": abs(o.rank_move or 0),
            "move_html": move_html(o.rank_move),
            "href": link.replace("CODE", o.unit_code),
            "complete": o.complete,
            "state": selectors.result_state(o),
            "state_label": STATE_LABELS.get(selectors.result_state(o), ""),
        }

    rows = [row(o) for o in outcomes]
    towns = [r for r in rows if r["level"] == "town"]
    districts = {r["code"]: r for r in rows if r["level"] == "district"}
    by_district: dict[str, list[dict]] = defaultdict(list)
    for r in towns:
        by_district[r["parent"] or ""].append(r)
    names = selectors.unit_names(by_district.keys() - districts.keys())
    groups = []
    for dcode in sorted(by_district):
        head = districts.get(dcode)
        name = head["name"] if head else display(names, dcode) if dcode else ""
        groups.append({"code": dcode, "name": name, "head": head, "rows": by_district[dcode]})
    city = next((r for r in rows if r["level"] == "city"), None)
    lines = []
    for g in groups:
        lines.append(("district", g["head"], g))
        lines += [("town", r, g) for r in g["rows"]]
    if city:
        lines.append(("city", city, None))
    ranking = sorted(towns, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    return {
        "definition": definition,
        "columns": columns,
        "groups": groups,
        "towns": towns,
        "city": city,
        "lines": lines,
        "ranking": ranking,
        "by_code": {r["code"]: r for r in rows},
    }


def alerts(actor, *, code: str, until: date, days: int = 30) -> list[dict]:
    """Red-streak alerts of the index in scope, raised for the last `days` periods up to `until`."""
    qs = Alert.objects.for_actor(actor).filter(
        run__definition__code=code,
        run__published_at__isnull=False,
        period_start__lte=until,
        period_start__gt=until - timedelta(days=days),
    )
    rows = list(qs.order_by("-period_start", "-streak", "unit_code")[:50])
    names = selectors.unit_names(a.unit_code for a in rows)
    return [
        {
            "code": a.unit_code,
            "name": display(names, a.unit_code),
            "period": a.period_start,
            "streak": a.streak,
            "action": a.action,
            "action_label": action_label(a.action),
            "acknowledged": a.acknowledged_at is not None,
        }
        for a in rows
    ]


def series(qs: QuerySet, *, code: str, kind: str, units: list[str], since: date, until: date) -> dict:
    """Published totals of `units` per period from `since` to `until` (the latest publication of
    each period): {"dates": [...], "series": {unit: [total or None, ...]}}, aligned on dates.

    Published results do not change, so the series is cached under the newest published run of
    the index; the rows are read with a plain cursor (a year of 27 units is 10,000 rows, and
    the ORM's per-row date converters would cost more than the query)."""
    if not units:
        return {"dates": [], "series": {}}
    runs = Run.objects.filter(definition__code=code, period_kind=kind, published_at__isnull=False)
    newest = runs.aggregate(n=Count("id"), last=Max("id"))
    digest = hashlib.sha256(",".join(sorted(units)).encode()).hexdigest()[:16]
    key = f"zhili:dash:series:{code}:{kind}:{since}:{until}:{digest}:{newest['n']}:{newest['last']}"
    if (cached := cache.get(key)) is not None:
        return cached
    query = (
        qs.filter(
            run__definition__code=code, run__period_kind=kind, run__published_at__isnull=False,
            unit_code__in=units, period_start__gte=since, period_start__lte=until,
        )
        .order_by("-run__published_at", "-run_id")
        .values_list("unit_code", "period_start", "total")
    )  # fmt: skip
    sql, params = query.query.sql_with_params()
    seen: dict[tuple[str, str], float | None] = {}
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        for unit, start, total in cursor.fetchall():
            seen.setdefault((unit, start if isinstance(start, str) else start.isoformat()), total)
    dates = sorted({d for _u, d in seen})
    data = {
        "dates": dates,
        "series": {
            u: [None if seen.get((u, d)) is None else round(seen[(u, d)], 2) for d in dates] for u in units
        },
    }
    cache.set(key, data, 3600)
    return data


def veto_names(raw: dict) -> dict[str, str]:
    """A definition's veto rules by code → their name (命案死亡), never the code on a page."""
    return {v.get("code"): v.get("name") or v.get("code") for v in raw.get("veto") or []}


def kind_labels() -> dict[str, str]:
    return {"village": _("Village"), "community": _("Community")}


def star_rows(qs: QuerySet, *, code: str, start: date, district: str = "", kind: str = "") -> list[dict]:
    """The villages and communities with stars in one month, with their town and district, the
    interval of their stars and the names of the vetoes that capped them."""
    run, rows = selectors.stars(qs, code=code, start=start)
    vetoes = veto_names(run.definition.raw)
    parents = {
        c: (t, tn, tne, d, dn, dne)
        for c, t, tn, tne, d, dn, dne in Unit.objects.filter(
            code__in=[r["unit_code"] for r in rows]
        ).values_list(
            "code", "parent__code", "parent__name", "parent__name_en",
            "parent__parent__code", "parent__parent__name", "parent__parent__name_en",
        )
    }  # fmt: skip
    kinds = kind_labels()
    out = []
    for r in rows:
        t, tn, tne, d, dn, dne = parents.get(r["unit_code"], ("", "", "", "", "", ""))
        if (district and d != district) or (kind and r["unit_kind"] != kind):
            continue
        out.append(
            {
                **r,
                "star_text": "★" * (r["stars"] or 0),
                "interval": (r.get("evidence") or {}).get("stars"),
                "veto_names": [vetoes.get(v, v) for v in r["vetoes"]],
                "kind_label": kinds.get(r["unit_kind"], r["unit_kind"]),
                "town": tne if english() and tne else tn,
                "town_code": t,
                "district_code": d,
                "district": dne if english() and dne else dn,
            }
        )
    return out


def star_history(qs: QuerySet, *, code: str, unit_code: str) -> list[dict]:
    """A village's or community's published stars over the months, newest first."""
    seen: dict[date, Outcome] = {}
    for o in qs.filter(
        run__definition__code=code, run__period_kind="month", run__published_at__isnull=False,
        unit_code=unit_code,
    ).order_by("-run__published_at", "-run_id").only(
        "period_start", "stars", "rank", "rank_move", "total", "vetoes"
    ):  # fmt: skip
        seen.setdefault(o.period_start, o)
    names: dict[str, str] = {}
    for raw in DefinitionVersion.objects.filter(code=code).values_list("raw", flat=True):
        names.update(veto_names(raw))
    return [
        {
            "period": d,
            "stars": o.stars,
            "star_text": "★" * (o.stars or 0),
            "rank": o.rank,
            "rank_move": o.rank_move,
            "total": o.total,
            "vetoes": [names.get(v, v) for v in o.vetoes],
        }
        for d, o in sorted(seen.items(), reverse=True)
    ]


# --- XLSX -------------------------------------------------------------------------------------
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _num(x):
    return None if x is None else round(x, 2)


def overview_sheet(table: dict) -> tuple[list[str], list[list]]:
    header = [_("District"), _("Unit"), _("Unit code")]
    header += [name for _path, name in table["columns"]]
    header += [_("Total"), _("Grade"), _("Rank"), _("Rank move"), _("Red streak")]

    def line(district: str, r: dict) -> list:
        return [district, r["name"], r["code"], *(_num(c["score"]) for c in r["cells"]),
                _num(r["total"]), r["grade_label"], r["rank"], r["rank_move"], r["streak"]]  # fmt: skip

    rows = []
    for g in table["groups"]:
        if g["head"]:
            rows.append(line(g["name"], g["head"]))
        rows += [line(g["name"], r) for r in g["rows"]]
    if table["city"]:
        rows.append(line("", table["city"]))
    return header, rows


def stars_sheet(rows: list[dict]) -> tuple[list[str], list[list]]:
    header = [_("District"), _("Town/street"), _("Village/community"), _("Unit code"), _("Kind"),
              _("Stars"), _("Rank"), _("Total"), _("Vetoes")]  # fmt: skip
    return header, [
        [
            *(r["district"], r["town"], r["unit_name"], r["unit_code"], r["kind_label"]),
            *(r["stars"], r["rank"], _num(r["total"]), "、".join(r["veto_names"])),
        ]
        for r in rows
    ]


def display_width(value) -> int:
    """Columns a value takes in a spreadsheet: a Chinese character is about two Latin ones."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def exported_at() -> str:
    """Now in the city's time zone, as the export's second row says it."""
    from django.utils import timezone
    from django.utils.formats import date_format

    return date_format(timezone.localtime(), "Y-m-d H:i" if english() else "Y年n月j日 H:i")


def xlsx_response(
    title: str, header: list[str], rows: list[list], filename: str, *, heading: str = ""
) -> HttpResponse:
    """A workbook that says what it is when printed or forwarded: a title row (`heading`, or
    `title`), the time it was exported (the city's time), then the table under a frozen header,
    each column as wide as its longest value (within reason)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([heading or title])
    ws.append([_("Exported %(time)s") % {"time": exported_at()}])
    ws.append(header)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(italic=True, color="666666")
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    for i, name in enumerate(header, start=1):
        widest = max([display_width(name), *(display_width(r[i - 1]) for r in rows if len(r) >= i)])
        ws.column_dimensions[ws.cell(3, i).column_letter].width = min(max(widest + 2, 8), 50)
    buf = BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
