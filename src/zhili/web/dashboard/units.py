"""A unit's page: which units an actor may open, the indicator tree of one outcome as a sunburst,
the explanation of a change (the movers with the counts and rates behind them) and the hub's
events behind a leaf, masked as the hub's lists always are."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.urls import reverse

from zhili.core.errors import NotFound
from zhili.core.scope import in_scope, scoped
from zhili.geo.models import Level, Unit
from zhili.hub.catalogue import field_items
from zhili.hub.models import Event, EventType
from zhili.hub.selectors import event_rows
from zhili.index import selectors
from zhili.index.definitions import Definition
from zhili.index.models import Outcome
from zhili.index.periods import Period
from zhili.web.dashboard.tables import english, grade_label, kind_labels

EVENTS_SHOWN = 50


def unit_or_404(actor, code: str | None) -> Unit:
    """A unit the actor may open (down to villages and communities, whose stars have a page):
    unknown and out of scope answer alike (404)."""
    unit = Unit.objects.filter(code=code).first() if code else None
    if unit is None or unit.level > Level.VILLAGE or not in_scope(actor, unit.code):
        raise Http404
    return unit


def unit_choices(actor) -> list[tuple[str, str]]:
    """(code, name) of the city, districts and towns in the actor's scope, for the pickers; for
    an actor of a town or below, the villages and communities too (a town cadre compares them)."""
    from zhili.core.scope import scope_prefix

    prefix = scope_prefix(actor)
    if prefix is None:
        return []
    home = getattr(actor, "home_unit", None)
    deepest = Level.VILLAGE if home is not None and home.level >= Level.TOWN else Level.TOWN
    qs = Unit.objects.filter(code__startswith=prefix, level__lte=deepest).order_by("code")
    return [(u.code, u.display_name("en" if english() else "zh")) for u in qs.only("code", "name", "name_en")]


def villages(actor, town: Unit, *, code: str) -> dict:
    """A town's villages and communities with their results of the star index `code` in its
    latest published month (a unit without one shows dashes), each linked to its page."""
    month = selectors.latest_published_period(code, "month") or selectors.latest_published_period(
        code, "month", final=False
    )
    found: dict[str, dict] = {}
    definition = None
    if month is not None:
        qs = scoped(actor, Outcome).filter(level="village", unit_code__startswith=town.prefix)
        try:
            run, rows = selectors.results(qs, code=code, kind="month", start=month)
        except NotFound:
            rows = []
        else:
            definition = run.definition.parsed()
        found = {r["unit_code"]: r for r in rows}
    kinds = kind_labels()
    query = f"?definition={code}&period=month" + (f"&date={month:%Y-%m-%d}" if month else "")
    out = []
    for place in Unit.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"):
        r = found.get(place.code) or {}
        stars = r.get("stars")
        out.append({
            "code": place.code,
            "name": place.display_name("en" if english() else "zh"),
            "kind_label": kinds.get(place.kind, place.kind),
            "total": r.get("total"),
            "grade": r.get("grade") or "",
            "grade_label": grade_label(definition, r["grade"]) if definition and r.get("grade") else "",
            "rank": r.get("rank"),
            "stars": stars,
            "star_text": "★" * stars if stars else "",
            "href": reverse("dash:unit", args=[place.code]) + query,
        })  # fmt: skip
    return {"code": code, "month": month, "rows": out, "graded": any(r["grade"] for r in out)}


def sunburst(explanation: dict, root_label: str, bands: list) -> dict:
    """Plotly sunburst traces from an explanation's nodes: sizes from the weights (leaves carry
    them, groups add up their children), colours from the scores."""
    ids, labels, parents, values, weights, scores, text = [], [], [], [], [], [], []
    for n in explanation["nodes"]:
        path = n["path"]
        ids.append(path)
        labels.append(root_label if path == "." else n["name"])
        parents.append("" if path == "." else (path.rsplit("/", 1)[0] if "/" in path else "."))
        weight = round(n.get("weight") or 0.0, 6)
        values.append(weight if n["is_leaf"] else 0)
        weights.append(weight)
        score = n.get("score")
        scores.append(None if score is None else round(score, 1))
        text.append("—" if score is None else f"{score:.1f}")
    return {
        "ids": ids, "labels": labels, "parents": parents, "values": values, "weights": weights,
        "scores": scores, "text": text, "bands": bands,
    }  # fmt: skip


def movers(explanation: dict) -> list[dict]:
    """The leaves that moved the total most, with what was counted before and now."""
    nodes = {n["path"]: n for n in explanation["nodes"]}
    return [nodes[p] for p in explanation["movers"] if p in nodes]


def leaves(explanation: dict) -> list[dict]:
    return [n for n in explanation["nodes"] if n["is_leaf"]]


def leaf_events(actor, definition: Definition, leaf: str, unit_code: str, period: Period) -> dict | None:
    """The hub's current events behind a leaf: its event types, the unit and below, the period's
    days; personal fields masked (hub.selectors.event_rows). None when the path is no leaf."""
    node = definition.find(leaf)
    if node is None or not node.is_leaf:
        return None
    types = list(node.measure["event_types"])
    qs = (
        Event.objects.for_actor(actor)
        .current()
        .filter(event_type__code__in=types, occurred_date__gte=period.start, occurred_date__lte=period.end)
        .within(unit_code)
    )
    if categories := node.measure.get("categories"):
        qs = qs.filter(category__in=categories)
    rows = event_rows(qs, actor=actor)
    event_types = {t.code: t for t in EventType.objects.filter(code__in=types)}
    shown = rows[:EVENTS_SHOWN]
    for r in shown:
        event_type = event_types.get(r["type"])
        r["type_name"] = event_type.name if event_type else r["type"]
        r["field_items"] = field_items(event_type, r["fields"], english=english()) if event_type else []
        named = {name: value for name, _label, value in r["field_items"]}
        r["category_label"] = named.get("category", r["category"])
    return {
        "path": leaf,
        "name": node.name_en if english() and node.name_en else node.name,
        "types": types,
        "count": rows.count(),
        "rows": shown,
        "since": period.start,
        "until": period.end,
    }


def default_start(code: str, kind: str) -> date | None:
    from zhili.index.selectors import latest_published_period

    return latest_published_period(code, kind)


# --- the funnel plot of an indicator ----------------------------------------------------------

PER = {"per_10k_residents": 10_000.0, "per_1k_residents": 1_000.0}


def funnel_leaves(definition: Definition, kind: str) -> list[tuple[str, str]]:
    """(path below the root, name) of the leaves a funnel plot suits: counts per residents."""
    from zhili.index.engine import tree_for

    prefix = len(definition.code) + 1
    out = []
    for leaf in sorted(tree_for(definition, kind).leaves(), key=lambda n: -n.weight):
        m = leaf.measure or {}
        if leaf.denominator in PER and (
            m.get("agg") == "count" or m.get("field") in ("quantity", "deaths", "injuries")
        ):
            out.append((leaf.path[prefix:], leaf.name_en if english() and leaf.name_en else leaf.name))
    return out


def funnel_data(
    actor, run, definition: Definition, path: str, level: str, start: date, own: str
) -> dict | None:
    """The funnel plot of one leaf for every unit of `own`'s level in the run's period: its count
    against its residents, the limits around the pooled rate (zhili.index.funnel). Units outside
    the actor's scope are dots without a name."""
    import numpy as np

    from zhili.geo.models import Population
    from zhili.index.funnel import funnel
    from zhili.index.models import Outcome
    from zhili.index.selectors import unit_name, unit_names

    node = definition.find(path)
    if node is None or not node.is_leaf or node.denominator not in PER:
        return None
    rows = list(
        Outcome.objects.filter(run=run, period_start=start, level=level).values_list("unit_code", "nodes")
    )
    codes = [c for c, _n in rows]
    residents: dict[str, float] = {}
    for code, _year, resident in (
        Population.objects.filter(unit__code__in=codes, year__lte=start.year)
        .order_by("year")
        .values_list("unit__code", "year", "resident")
    ):
        residents[code] = float(resident)
    counts = [(nodes.get(path) or {}).get("value") for _c, nodes in rows]
    exposure = [residents.get(c, np.nan) for c in codes]
    result = funnel([np.nan if v is None else v for v in counts], exposure, per=PER[node.denominator])
    names = unit_names(codes)
    result["points"] = [
        {
            "code": c if in_scope(actor, c) else "",
            "name": unit_name(names, c) if in_scope(actor, c) else "",
            "x": exposure[i],
            "y": result["rates"][i],
            "own": c == own,
            "outside": result["outside"]["0.998"][i],
        }
        for i, c in enumerate(codes)
        if result["rates"][i] is not None
    ]
    result["leaf"] = node.name_en if english() and node.name_en else node.name
    result["per"] = PER[node.denominator]
    del result["rates"], result["outside"]
    return result
