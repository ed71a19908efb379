"""The big screen's figures: counts, colours and totals only, never a person or an event, read
from published runs and the hub and cut to the actor's scope like every other page.

    towns      the latest published day's colour of every town in scope (the map)
    counts     events received yesterday per family, red towns, open streak alerts, five stars
    trend      the last 30 days: the total of the actor's own unit, towns per colour per day
    alerts     the newest open streak alerts
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from zhili.core.scope import scope_prefix, scoped
from zhili.index import selectors
from zhili.index.models import Alert, Outcome, Run
from zhili.index.periods import Period

TREND_DAYS = 30
ALERTS_SHOWN = 12
# Grade codes are colour words in the shipped definitions; anything else gets a spare colour.
GRADE_COLOURS = {
    "blue": "#3b82f6",
    "green": "#22c55e",
    "yellow": "#facc15",
    "orange": "#f97316",
    "red": "#ef4444",
}
SPARE_COLOURS = ["#a78bfa", "#2dd4bf", "#f472b6", "#94a3b8", "#fde68a"]
NO_GRADE = "#475569"


# The families of the shipped catalogue (hub/data/catalogue.yaml); another family is named by
# the department that delivers most of its types.
FAMILY_LABELS = {
    "police": gettext_lazy("Police calls"),
    "traffic": gettext_lazy("Traffic"),
    "fire": gettext_lazy("Fire"),
    "work_safety": gettext_lazy("Work safety"),
    "city_management": gettext_lazy("City management"),
    "food": gettext_lazy("Food safety"),
    "market": gettext_lazy("Market and consumers"),
    "petition": gettext_lazy("Petitions"),
    "land": gettext_lazy("Land and resources"),
    "health": gettext_lazy("Health"),
    "environment": gettext_lazy("Environment"),
    "dispute": gettext_lazy("Disputes"),
    "civilization": gettext_lazy("Civility"),
    "labour": gettext_lazy("Labour"),
    "water": gettext_lazy("Water"),
    "weather": gettext_lazy("Weather"),
    "hotline": gettext_lazy("12345 hotline"),
    "survey": gettext_lazy("Surveys"),
    "bravery": gettext_lazy("Bravery"),
}


def action_label(action: str) -> str:
    labels = {"warning": _("Warning"), "summons": _("Summons"), "accountability": _("Accountability")}
    return labels.get(action, action)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def grade_scale(raw: dict) -> list[dict]:
    """The grades of a definition, best first, with their label and screen colour."""
    spec = raw.get("grades") or {}
    if spec.get("method") == "bands":
        codes = [band[1] for band in spec.get("bands") or [] if isinstance(band, list | tuple)]
    else:
        codes = list(spec.get("grades") or [])
    labels = spec.get("labels") or {}
    spare = iter(SPARE_COLOURS * 4)
    return [
        {
            "code": code,
            "label": code if _english() else labels.get(code, code),
            "colour": GRADE_COLOURS.get(code) or next(spare),
        }
        for code in codes
    ]


def _anchor(actor) -> tuple[str | None, str]:
    """The unit whose total the trend follows: the actor's home unit, or the city for a
    superuser without one. (code, name)"""
    from zhili.geo.models import Level, Unit

    unit = getattr(actor, "home_unit", None)
    if unit is None and scope_prefix(actor) == "":
        unit = Unit.objects.filter(level=Level.CITY).order_by("code").first()
    if unit is None:
        return None, ""
    return unit.code, unit.display_name(get_language())


def received(actor, day: date) -> dict:
    """Events (versions kept, not retracted) of deliveries received on `day`, per family, in scope.
    A role that may not read events gets no counts, not zeros it could mistake for a quiet day."""
    from zhili.hub.models import Event, EventType

    if not actor.has_perm("hub.view_event"):
        return {"date": day, "visible": False, "total": 0, "families": []}
    rows = (
        Event.objects.for_actor(actor)
        .filter(delivery__received_date=day, retracted=False)
        .values("event_type__family")
        .annotate(n=Count("id"))
        .order_by("-n", "event_type__family")
    )
    rows = list(rows)
    owners: dict[str, Counter] = defaultdict(Counter)
    if any(r["event_type__family"] not in FAMILY_LABELS for r in rows):
        for family, name, name_en, short in EventType.objects.values_list(
            "family", "department__name", "department__name_en", "department__short_name"
        ):
            owners[family][(name_en if _english() and name_en else short or name)] += 1

    def label(family: str) -> str:
        if family in FAMILY_LABELS:
            return str(FAMILY_LABELS[family])
        return owners[family].most_common(1)[0][0] if owners[family] else family

    families = [
        {"family": r["event_type__family"], "label": label(r["event_type__family"]), "count": r["n"]}
        for r in rows
    ]
    return {"date": day, "visible": True, "total": sum(f["count"] for f in families), "families": families}


def _latest_rows(qs, since: date, until: date) -> dict[tuple[str, date], tuple]:
    """(unit, day) → (level, total, grade) from the latest publication holding each day."""
    out: dict[tuple[str, date], tuple] = {}
    for unit, level, day, total, grade in (
        qs.filter(period_start__gte=since, period_start__lte=until)
        .order_by("-run__published_at", "-run_id")
        .values_list("unit_code", "level", "period_start", "total", "grade")
    ):
        out.setdefault((unit, day), (level, total, grade))
    return out


def trend(outcomes, code: str, day: date, anchor: str | None, scale: list[dict]) -> dict:
    since = day - timedelta(days=TREND_DAYS - 1)
    days = [since + timedelta(days=i) for i in range(TREND_DAYS)]
    published = outcomes.filter(
        run__definition__code=code, run__period_kind="day", run__published_at__isnull=False
    )
    rows = _latest_rows(published.filter(Q(level="town") | Q(unit_code=anchor or "-")), since, day)
    per_day: dict[date, Counter] = defaultdict(Counter)
    for (_unit, d), (level, _total, grade) in rows.items():
        if level == "town":
            per_day[d][grade or ""] += 1
    codes = [g["code"] for g in scale]
    extra = sorted({g for c in per_day.values() for g in c} - set(codes) - {""})
    return {
        "days": days,
        "total": [rows.get((anchor, d), (None, None, None))[1] if anchor else None for d in days],
        "grade": [rows.get((anchor, d), (None, None, None))[2] if anchor else None for d in days],
        "distribution": [{"grade": g, "counts": [per_day[d][g] for d in days]} for g in codes + extra],
    }


def five_stars(outcomes, code: str) -> dict:
    month = selectors.latest_published_period(code, "month")
    run = selectors.latest_run_for(code, "month", month) if month else None
    if run is None:
        return {"month": None, "count": None}
    count = outcomes.filter(run=run, period_start=month, level="village", stars=5).count()
    return {"month": month, "month_label": Period("month", month).label(get_language() or "zh-hans"),
            "count": count}  # fmt: skip


def alerts(actor, code: str, day: date | None) -> tuple[int, list[dict]]:
    """(how many, the newest) open streak alerts: not acknowledged, and of a period that ended in
    the screen's window (the last 30 days up to the data's day). Older unacknowledged ones are
    for the alerts list of the dashboards, not for the wall."""
    if day is None:
        return 0, []
    since = day - timedelta(days=TREND_DAYS - 1)
    qs = (
        Alert.objects.for_actor(actor)
        .filter(run__definition__code=code, acknowledged_at__isnull=True, period_start__lte=day)
        .filter(period_start__gte=since - timedelta(days=366))  # a year's period may end in the window
        .select_related("run")
        .order_by("-period_start", "-raised_at", "unit_code")
    )
    open_ = [a for a in qs if Period(a.run.period_kind, a.period_start).end >= since]
    newest = open_[:ALERTS_SHOWN]
    names = selectors.unit_names(a.unit_code for a in newest)
    language = get_language() or "zh-hans"
    rows = [
        {
            "unit_code": a.unit_code,
            "unit_name": selectors.unit_name(names, a.unit_code),
            "period": a.period_start,
            "period_label": Period(a.run.period_kind, a.period_start).label(language),
            "streak": a.streak,
            "action": a.action,
            "action_label": action_label(a.action),
        }
        for a in newest
    ]
    return len(open_), rows


def _screen_label(colour_of: dict, row: dict) -> str:
    """The town's grade word, or why it has none (数据不全), marked when not settled."""
    state = selectors.result_state(row)
    if state == "insufficient":
        return _("Too little data")
    word = colour_of.get(row["grade"], {}).get("label", row["grade"] or "")
    notes = {"provisional": _("provisional"), "incomplete": _("data incomplete")}
    return f"{word}（{notes[state]}）" if state in notes else word


def screen_data(actor, *, code: str = "pingan_plus", stars_code: str = "star_rating") -> dict:
    """Everything the screen shows, as plain JSON-able values. 403 without index.view_outcome."""
    outcomes = scoped(actor, Outcome)
    now = timezone.localtime()
    yesterday = now.date() - timedelta(days=1)
    out = {
        "definition": code,
        "definition_name": "",
        "generated_at": now,
        "generated_label": f"{now:%H:%M:%S}",
        "day": None,
        "day_label": "",
        "run": None,
        "grades": [],
        "towns": [],
        "counts": {
            "received": received(actor, yesterday),
            "red_towns": 0,
            "open_alerts": 0,
            "five_star": five_stars(outcomes, stars_code),
        },
        "trend": None,
        "alerts": [],
        "held_back": "",
    }
    day = selectors.latest_published_period(code, "day")
    run: Run | None = selectors.latest_run_for(code, "day", day) if day else None
    if run is None:
        return out
    out["counts"]["open_alerts"], out["alerts"] = alerts(actor, code, day)
    raw = run.definition.raw
    scale = grade_scale(raw)
    colour_of = {g["code"]: g for g in scale}
    red = (raw.get("streaks") or {}).get("colour") or "red"
    rows = list(
        outcomes.filter(run=run, period_start=day, level="town")
        .order_by("unit_code")
        .values("unit_code", "total", "grade", "streak", "complete", "provisional", "coverage")
    )
    names = selectors.unit_names(r["unit_code"] for r in rows)
    towns = [
        {
            "code": r["unit_code"],
            "name": selectors.unit_name(names, r["unit_code"]),
            "total": r["total"],
            "grade": r["grade"],
            "label": _screen_label(colour_of, r),
            "colour": colour_of.get(r["grade"], {}).get("colour", NO_GRADE),
            "streak": r["streak"],
        }
        for r in rows
    ]
    counts = Counter(t["grade"] for t in towns)
    anchor, anchor_name = _anchor(actor)
    english = _english()
    out.update(
        definition_name=(raw.get("name_en") if english and raw.get("name_en") else raw.get("name", code)),
        day=day,
        day_label=Period("day", day).label(get_language() or "zh-hans"),
        run={
            "revision": run.revision,
            "published_at": run.published_at,
            "published_label": f"{timezone.localtime(run.published_at):%m-%d %H:%M}",
        },
        grades=[{**g, "count": counts.get(g["code"], 0)} for g in scale],
        towns=towns,
        trend={"unit_code": anchor, "unit_name": anchor_name, **trend(outcomes, code, day, anchor, scale)},
    )
    out["held_back"] = selectors.held_back_text(selectors.headline(code, "day"))
    out["counts"]["red_towns"] = counts.get(red, 0)
    out["counts"]["red_grade"] = red
    return out
