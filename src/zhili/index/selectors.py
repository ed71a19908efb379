"""Reads of the index: the published result of a period, a unit's history, the explanation of a
score with what moved it, the star list. The latest published revision speaks for a period;
an official may ask for a given run instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhili.core.errors import NotFound
from zhili.index.models import Outcome, Run
from zhili.index.periods import Period, period_of, periods_between

LEVEL_NUMBER = {"city": 1, "district": 2, "town": 3, "village": 4}


def latest_run_for(code: str, kind: str, start: date) -> Run | None:
    """The run that speaks for a period: the latest published one that holds it."""
    return (
        Run.objects.filter(
            definition__code=code,
            period_kind=kind,
            first__lte=start,
            last__gte=start,
            published_at__isnull=False,
        )
        .order_by("-published_at", "-id")
        .first()
    )


def latest_published_period(code: str, kind: str, *, final: bool = True) -> date | None:
    """The period the pages lead with: the latest published one that is final — its cut-off had
    passed when it was computed, and every department delivered it (`deliveries`). A day that is
    still open or short of data is never the headline: it would show missing data as calm.
    With `final=False`, the latest published period whatever its state."""
    if not final:
        run = (
            Run.objects.filter(definition__code=code, period_kind=kind, published_at__isnull=False)
            .order_by("-last")
            .first()
        )
        return run.last if run else None
    return headline(code, kind).final


@dataclass
class Headline:
    final: date | None  # the latest final published period
    latest: date | None  # the latest published period
    state: str = ""  # of the latest when it is not final: "provisional" | "incomplete"
    departments: list[str] = field(default_factory=list)  # short on the latest, by name

    @property
    def held_back(self) -> bool:
        return self.latest is not None and self.latest != self.final


HEADLINE_LOOKBACK = 400  # periods searched back for a final one


def headline(code: str, kind: str) -> Headline:
    """Which published period to lead with, and why a later one is held back."""
    runs = list(
        Run.objects.filter(definition__code=code, period_kind=kind, published_at__isnull=False)
        .order_by("-last", "-published_at")
        .only("id", "first", "last")[:50]
    )
    if not runs:
        return Headline(None, None)
    starts = sorted({p.start for r in runs for p in periods_between(kind, r.first, r.last)}, reverse=True)
    out = Headline(None, starts[0])
    for start in starts[:HEADLINE_LOOKBACK]:
        state, departments = period_state(code, kind, start)
        if state == "final":
            out.final = start
            break
        if start == out.latest:
            out.state, out.departments = state, departments
    return out


def period_state(code: str, kind: str, start: date) -> tuple[str, list[str]]:
    """("final" | "provisional" | "incomplete" | "none", short departments by name) of a
    period as its speaking run has it."""
    run = latest_run_for(code, kind, start)
    if run is None:
        return "none", []
    from zhili.index.engine import MAX_SHORT_SHARE

    provisional = run.outcomes.filter(period_start=start, provisional=True).exists()
    period = Period(kind, start)
    first, last = period.start.isoformat(), period.end.isoformat()
    length = (period.end - period.start).days + 1
    # As the engine has it (engine.feed_missing): a day is incomplete with one short delivery, a
    # longer period when a department delivered short on more than MAX_SHORT_SHARE of its days.
    short = sorted(
        f["department"]
        for f in run.missing_feeds
        if (n := sum(1 for d in f.get("days", []) if first <= d <= last))
        and (length == 1 or n > MAX_SHORT_SHARE * length)
    )
    if provisional:
        return "provisional", department_names(short)
    return ("incomplete" if short else "final"), department_names(short)


def result_state(row) -> str:
    """ "insufficient" (no grade for lack of measured weight), "provisional" (before the cut-off),
    "incomplete" (some leaf missing), or "" for a settled result. `row` is an Outcome or a dict."""
    get = row.get if isinstance(row, dict) else lambda k, d=None: getattr(row, k, d)
    if not get("grade") and get("coverage") is not None and get("total") is not None:
        return "insufficient"
    if get("provisional"):
        return "provisional"
    if not get("complete", True):
        return "incomplete"
    return ""


def held_back_text(head: Headline) -> str:
    """Why the latest day is not the headline, in the reader's language."""
    if not head.held_back:
        return ""
    label = Period("day", head.latest).label(get_language() or "zh-hans")
    if head.state == "provisional":
        return _("%(day)s is not closed yet: its figures are provisional") % {"day": label}
    if head.departments:
        return _("%(day)s: data not complete from %(departments)s") % {
            "day": label,
            "departments": "、".join(head.departments),
        }
    return _("%(day)s: data not complete") % {"day": label}


def department_names(codes: list[str]) -> list[str]:
    from zhili.org.models import Department

    names = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(c, c) for c in codes]


def unit_names(codes) -> dict[str, tuple[str, str, str]]:
    from zhili.geo.models import Unit

    return {
        c: (n, ne, k)
        for c, n, ne, k in Unit.objects.filter(code__in=list(codes)).values_list(
            "code", "name", "name_en", "kind"
        )
    }


def unit_name(names, code) -> str:
    """A unit's name from `unit_names`, in English where chosen and known."""
    name, name_en, _kind = names.get(code, (code, "", ""))
    return name_en if (get_language() or "").startswith("en") and name_en else name


def results(
    qs: QuerySet, *, code: str, kind: str, start: date, run: Run | None = None
) -> tuple[Run, list[dict]]:
    """One period's rows for the units in `qs` (already scoped), from `run` or the run that speaks."""
    run = run or latest_run_for(code, kind, start)
    if run is None:
        raise NotFound(
            _("no published %(code)s result for %(period)s")
            % {"code": code, "period": Period(kind, start).label(get_language() or "zh-hans")},
            details=[{"field": "date", "value": start.isoformat()}],
        )
    rows = list(qs.filter(run=run, period_start=start).defer("nodes").order_by("level", "rank", "unit_code"))
    names = unit_names(r.unit_code for r in rows)
    return run, [row_dict(r, names) for r in rows]


def row_dict(r: Outcome, names) -> dict:
    return {
        "unit_code": r.unit_code,
        "unit_name": unit_name(names, r.unit_code),
        "unit_kind": names.get(r.unit_code, ("", "", ""))[2],
        "level": r.level,
        "period": r.period_start,
        "total": r.total,
        "grade": r.grade,
        "streak": r.streak,
        "escalation": r.escalation,
        "rank": r.rank,
        "rank_move": r.rank_move,
        "stars": r.stars,
        "vetoes": r.vetoes,
        "complete": r.complete,
        "incomplete": r.incomplete,
        "points_off": r.points_off,
        "provisional": r.provisional,
        "coverage": r.coverage,
        "evidence": r.evidence,
    }


def history(qs: QuerySet, *, code: str, kind: str, unit_code: str, since: date, until: date) -> list[dict]:
    """A unit's published results over a span, one row per period (the latest publication)."""
    seen: dict[date, Outcome] = {}
    for r in qs.filter(
        run__definition__code=code, run__period_kind=kind, run__published_at__isnull=False,
        unit_code=unit_code, period_start__gte=since, period_start__lte=until,
    ).order_by("-run__published_at", "-run_id"):  # fmt: skip
        seen.setdefault(r.period_start, r)
    names = unit_names([unit_code])
    return [row_dict(seen[d], names) for d in sorted(seen)]


def explain(qs: QuerySet, *, code: str, kind: str, unit_code: str, start: date, top: int = 5) -> dict:
    """Every node's score and contribution, the leaves that moved the total most since the
    previous period (with the counts and rates behind them) and the hub's events behind each leaf."""
    run = latest_run_for(code, kind, start)
    row = qs.filter(run=run, unit_code=unit_code, period_start=start).first() if run else None
    if row is None:
        raise NotFound(_("Not found"), details=[{"field": "unit_code", "value": unit_code}])
    definition = run.definition.parsed()
    period = Period(kind, start)
    previous_start = period.previous().start
    prev_run = latest_run_for(code, kind, previous_start)
    prev = (
        qs.filter(run=prev_run, unit_code=unit_code, period_start=previous_start).first()
        if prev_run
        else None
    )
    language = get_language() or "zh-hans"
    nodes = []
    for path, data in row.nodes.items():
        if path == "deductions":
            continue
        node = definition.find(path) if path != "." else definition.root
        before = (prev.nodes.get(path) or {}) if prev else {}
        item = {
            "path": path,
            "name": (node.name_en if language.startswith("en") and node.name_en else node.name)
            if node
            else path,
            "is_leaf": "value" in data,
            **data,
            "previous_score": before.get("score"),
            "previous_contribution": before.get("contribution"),
            "previous_value": before.get("value"),
        }
        item["change"] = _delta(data.get("contribution"), before.get("contribution"))
        if item["is_leaf"] and node is not None:
            item["events_url"] = events_url(node.measure["event_types"], unit_code, period)
            item["value_change_pct"] = _pct(data.get("value"), before.get("value"))
        nodes.append(item)
    leaves = [n for n in nodes if n["is_leaf"] and n["change"] is not None]
    movers = sorted(leaves, key=lambda n: (-abs(n["change"]), n["path"]))[:top]
    names = unit_names([unit_code])
    return {
        "run_id": run.pk,
        "revision": run.revision,
        "definition_hash": run.definition.content_hash,
        "period": start,
        "period_label": period.label(language),
        "previous_period": previous_start,
        "result": row_dict(row, names),
        "previous_total": prev.total if prev else None,
        "change": _delta(row.total, prev.total if prev else None),
        "deductions": row.nodes.get("deductions", {}),
        "nodes": nodes,
        "movers": [m["path"] for m in movers if m["change"] != 0],
    }


def _delta(a, b):
    return None if a is None or b is None else a - b


def _pct(a, b):
    if a is None or b is None or b == 0:
        return None
    return (a - b) / b * 100.0


def events_url(types: list[str], unit_code: str, period: Period) -> str:
    """The hub's event list behind a leaf: its types, the unit and below, the period's days."""
    from urllib.parse import urlencode

    query = [("within", unit_code), ("since", period.start.isoformat()), ("until", period.end.isoformat())]
    query += [("type", t) for t in types]
    return "/api/v1/hub/events?" + urlencode(query)


def stars(qs: QuerySet, *, code: str, start: date, minimum: int = 1) -> tuple[Run, list[dict]]:
    run, rows = results(qs.filter(level="village"), code=code, kind="month", start=start)
    rows = [r for r in rows if r["stars"] is not None and r["stars"] >= minimum]
    rows.sort(key=lambda r: (-r["stars"], r["unit_kind"], r["rank"] or 0, r["unit_code"]))
    return run, rows


def default_day() -> date:
    """The latest day whose cut-off has passed (yesterday after 06:00, the day before until then)."""
    from zhili.hub.ingest import last_closed_day

    return last_closed_day()


def default_month() -> date:
    """The last complete month."""
    return period_of("month", default_day().replace(day=1) - timedelta(days=1)).start


# --- what is published, for the public caches ---------------------------------------------------

STAMP_KEY = "index:publication-stamp"


def publication_stamp() -> tuple[str, object]:
    """What is published, as a short text that changes whenever a run is published, and when the
    latest publication was. Read from the database at most once in PUBLIC_STAMP_SECONDS (10) per
    cache: the public pages and the public API key their cached answers by it."""
    hit = cache.get(STAMP_KEY)
    if hit is None:
        agg = Run.objects.filter(published_at__isnull=False).aggregate(
            n=Count("id"), top=Max("id"), last=Max("published_at")
        )
        last = agg["last"]
        hit = (f"{agg['n']}-{agg['top']}-{last.timestamp() if last else 0}", last)
        cache.set(STAMP_KEY, hit, getattr(settings, "PUBLIC_STAMP_SECONDS", 10))
    return hit
