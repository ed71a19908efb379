"""A unit's page: which units an actor may open, the indicator tree of one outcome as a sunburst,
the explanation of a change (the movers with the counts and rates behind them) and the hub's
events behind a leaf, masked as the hub's lists always are."""

from __future__ import annotations

from datetime import date

from django.http import Http404

from zhili.core.scope import in_scope
from zhili.geo.models import Level, Unit
from zhili.hub.models import Event, EventType
from zhili.hub.selectors import event_rows
from zhili.index.definitions import Definition
from zhili.index.periods import Period
from zhili.web.dashboard.tables import english

EVENTS_SHOWN = 50


def unit_or_404(actor, code: str | None) -> Unit:
    """A unit the actor may open: unknown and out of scope answer alike (404)."""
    unit = Unit.objects.filter(code=code).first() if code else None
    if unit is None or unit.level > Level.TOWN or not in_scope(actor, unit.code):
        raise Http404
    return unit


def unit_choices(actor) -> list[tuple[str, str]]:
    """(code, name) of the city, districts and towns in the actor's scope, for the pickers."""
    from zhili.core.scope import scope_prefix

    prefix = scope_prefix(actor)
    if prefix is None:
        return []
    qs = Unit.objects.filter(code__startswith=prefix, level__lte=Level.TOWN).order_by("code")
    return [(u.code, u.display_name("en" if english() else "zh")) for u in qs.only("code", "name", "name_en")]


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
    type_names = dict(EventType.objects.filter(code__in=types).values_list("code", "name"))
    shown = rows[:EVENTS_SHOWN]
    for r in shown:
        r["type_name"] = type_names.get(r["type"], r["type"])
        r["field_items"] = sorted(r["fields"].items())
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
