"""What the public pages show, read from the published index only: the towns' colours of a day, a
town's last seven days and its villages' stars, the five-star list. Unit names and codes,
colours, grade words and stars: nothing about a person.

The definitions are the city's daily Ping'an index and its monthly star rating; settings
PUBLIC_DAY_INDEX and PUBLIC_STAR_INDEX name others (the tests use their own)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from zhili.core.errors import NotFound
from zhili.geo.models import Level, Unit
from zhili.index import selectors as index
from zhili.index.models import Outcome, Run
from zhili.index.periods import Period, periods_between

# The shipped definitions' grade words, so that an English page can say them in English.
GRADE_WORDS = {
    "优秀": gettext_lazy("Excellent"),
    "良好": gettext_lazy("Good"),
    "平稳": gettext_lazy("Steady"),
    "较差": gettext_lazy("Poor"),
}
COLOUR_WORDS = {
    "blue": gettext_lazy("Blue"),
    "green": gettext_lazy("Green"),
    "yellow": gettext_lazy("Yellow"),
    "orange": gettext_lazy("Orange"),
    "red": gettext_lazy("Red"),
}
MEANINGS = {
    "blue": gettext_lazy("Few incidents for its population: safe and orderly."),
    "green": gettext_lazy("Better than its usual level."),
    "yellow": gettext_lazy("Some incidents, but safe overall."),
    "orange": gettext_lazy("More incidents than there should be: take care."),
    "red": gettext_lazy("Many incidents or a serious one: the town is asked to act."),
}


def day_code() -> str:
    return getattr(settings, "PUBLIC_DAY_INDEX", "pingan_plus")


def star_code() -> str:
    return getattr(settings, "PUBLIC_STAR_INDEX", "star_rating")


def english() -> bool:
    return (get_language() or "").startswith("en")


def label(kind: str, start: date) -> str:
    return Period(kind, start).label(get_language() or "zh-hans")


# --- grades -----------------------------------------------------------------------------------


def grade_word(raw: dict, grade: str) -> str:
    """The definition's word for a grade (优秀), in English where we know it; else the colour."""
    labels = (raw.get("grades") or {}).get("labels") or {}
    word = labels.get(grade)
    if word:
        return str(GRADE_WORDS.get(word, word)) if english() else word
    return str(COLOUR_WORDS.get(grade, grade))


def chip(raw: dict, grade: str | None, state: str = "") -> dict:
    """A colour chip. `state` (`result_state`) marks what is not a settled colour: a unit with too
    little data has no colour at all; a provisional or incomplete one says so beside its word."""
    if state == "insufficient":
        return {"grade": "none", "word": _("Too little data"), "meaning": str(STATE_MEANINGS[state]),
                "state": state}  # fmt: skip
    if not grade:
        return {"grade": "none", "word": _("No result"), "meaning": "", "state": state}
    out = {
        "grade": grade,
        "word": grade_word(raw, grade),
        "meaning": str(MEANINGS.get(grade, "")),
        "state": state,
    }
    if state:
        out["note"] = str(STATE_WORDS[state])
        out["meaning"] = f"{out['meaning']} {STATE_MEANINGS[state]}".strip()
    return out


STATE_WORDS = {
    "provisional": gettext_lazy("provisional"),
    "incomplete": gettext_lazy("data incomplete"),
}
STATE_MEANINGS = {
    "provisional": gettext_lazy("The day is not closed yet: the colour may still change."),
    "incomplete": gettext_lazy("Some departments have not delivered this day's data yet."),
    "insufficient": gettext_lazy("Too few of the indicators were measured to give a colour."),
}


def legend(raw: dict) -> list[dict]:
    """Each grade of the definition with its word, its score range (bands) and its meaning."""
    spec = raw.get("grades") or {}
    if spec.get("method") == "bands":
        bands, out, high = spec.get("bands") or [], [], None
        for low, grade in bands:
            if low is None:
                span = _("below %(high)s points") % {"high": high}
            elif high is None:
                span = _("%(low)s points and above") % {"low": low}
            else:
                span = _("%(low)s to %(high)s points") % {"low": low, "high": high}
            out.append({**chip(raw, grade), "span": span})
            high = low
        return out
    return [{**chip(raw, g), "span": ""} for g in spec.get("grades") or []]


# --- units ------------------------------------------------------------------------------------


def name_of(unit: dict) -> str:
    return unit["name_en"] if english() and unit["name_en"] else unit["name"]


def units(level: Level, prefix: str = "") -> list[dict]:
    qs = Unit.objects.filter(level=level)
    if prefix:
        qs = qs.filter(code__startswith=prefix)
    rows = qs.order_by("code").values("code", "name", "name_en", "kind", "parent__code")
    return [{**r, "label": name_of(r)} for r in rows]


def town(code: str) -> dict | None:
    """A town or street by its code; None for any other code."""
    row = next((r for r in units(Level.TOWN, code) if r["code"] == code), None)
    if row:
        district = Unit.objects.filter(code=row["parent__code"]).values("code", "name", "name_en").first()
        row["district"] = name_of(district) if district else ""
        row["prefix"] = Unit(code=code, level=Level.TOWN).prefix
    return row


# --- the daily colours ------------------------------------------------------------------------


def latest_day() -> date | None:
    """The latest final day: a day still open or short of data is never the headline."""
    return index.latest_published_period(day_code(), "day")


def held_back() -> str:
    """Why a later published day is not shown (empty when none is)."""
    return index.held_back_text(index.headline(day_code(), "day"))


def colours(day: date) -> tuple[Run | None, dict[str, dict]]:
    """The towns' grades of a day from the run that speaks for it: {code: row}."""
    run = index.latest_run_for(day_code(), "day", day)
    if run is None:
        return None, {}
    rows = Outcome.objects.filter(run=run, period_start=day, level="town").only(
        "unit_code", "grade", "streak", "total", "complete", "provisional", "coverage"
    )
    return run, {
        r.unit_code: {"grade": r.grade, "streak": r.streak, "state": index.result_state(r)} for r in rows
    }


def districts_today(day: date) -> dict:
    """The towns and streets of every district with their colour on `day`."""
    run, by_town = colours(day)
    raw = run.definition.raw if run else {}
    towns = units(Level.TOWN)
    groups = []
    for district in units(Level.DISTRICT):
        inside = [t for t in towns if t["parent__code"] == district["code"]]
        if inside:
            for t in inside:
                row = by_town.get(t["code"]) or {}
                t["chip"] = chip(raw, row.get("grade"), row.get("state", ""))
            groups.append({**district, "towns": inside})
    return {"day": day, "day_label": label("day", day), "groups": groups, "legend": legend(raw)}


def town_day(unit: dict, day: date) -> dict:
    """A town's colour on `day` and the seven days up to it."""
    run, by_town = colours(day)
    raw = run.definition.raw if run else {}
    own = by_town.get(unit["code"])
    seen = index.history(
        Outcome.objects.all(), code=day_code(), kind="day", unit_code=unit["code"],
        since=day - timedelta(days=6), until=day,
    )  # fmt: skip
    grades = {r["period"]: (r["grade"], index.result_state(r)) for r in seen}
    week = []
    for i in range(6, -1, -1):
        d = day - timedelta(days=i)
        week.append({"day": d, "short": f"{d.month}/{d.day}", "label": label("day", d),
                     "chip": chip(raw, *grades.get(d, (None, "")))})  # fmt: skip
    return {
        "found": run is not None and own is not None,
        "chip": chip(raw, own["grade"] if own else None, own["state"] if own else ""),
        "streak": own["streak"] if own and own["grade"] == "red" else 0,
        "week": week,
        "legend": legend(raw),
    }


# --- stars ------------------------------------------------------------------------------------


def star_text(n: int | None, top: int = 5) -> str:
    return "" if n is None else "★" * n + "☆" * max(top - n, 0)


def star_months() -> list[date]:
    """Every month with a published star rating, newest first."""
    spans = Run.objects.filter(
        definition__code=star_code(), period_kind="month", published_at__isnull=False
    ).values_list("first", "last")
    months = {p.start for first, last in spans for p in periods_between("month", first, last)}
    return sorted(months, reverse=True)


def latest_star_month() -> date | None:
    """The latest final month with a published star rating."""
    return index.latest_published_period(star_code(), "month")


def village_stars(prefix: str, month: date | None = None) -> tuple[date | None, list[dict]]:
    """The villages and communities under a town with their stars of `month`, by default the
    latest final rated month."""
    month = month or latest_star_month()
    run = index.latest_run_for(star_code(), "month", month) if month else None
    stars = {}
    veto_names = {}
    if run:
        veto_names = {
            v.get("code"): v.get("name") or v.get("code") for v in run.definition.raw.get("veto") or []
        }
        stars = {
            code: (n, evidence, vetoes)
            for code, n, evidence, vetoes in Outcome.objects.filter(
                run=run, period_start=month, level="village", unit_code__startswith=prefix
            ).values_list("unit_code", "stars", "evidence", "vetoes")
        }
    rows = units(Level.VILLAGE, prefix)
    for r in rows:
        r["stars"], evidence, vetoes = stars.get(r["code"], (None, {}, []))
        r["star_text"] = star_text(r["stars"])
        r["interval"] = (evidence or {}).get("stars")
        # one verdict: a capped village says why, and ranks after every village with more stars
        r["vetoes"] = [veto_names.get(v, v) for v in vetoes or []]
    return month, rows


def five_stars(month: date) -> list[dict] | None:
    """The month's five-star villages and communities by district and town; None: not rated."""
    try:
        _run, rows = index.stars(Outcome.objects.all(), code=star_code(), start=month, minimum=5)
    except NotFound:
        return None
    codes = {r["unit_code"] for r in rows}
    villages = [v for v in units(Level.VILLAGE) if v["code"] in codes]
    towns = {t["code"]: t for t in units(Level.TOWN)}
    groups: dict[str, dict] = {}
    for district in units(Level.DISTRICT):
        groups[district["code"]] = {**district, "towns": {}}
    for v in villages:
        t = towns.get(v["parent__code"])
        if t is None or t["parent__code"] not in groups:
            continue
        inside = groups[t["parent__code"]]["towns"].setdefault(t["code"], {**t, "villages": []})
        inside["villages"].append(v)
    out = []
    for g in groups.values():
        if g["towns"]:
            out.append({**g, "towns": sorted(g["towns"].values(), key=lambda t: t["code"])})
    return out


def star_list(month: date) -> list[dict] | None:
    """Every rated village and community of the month with its town and district, for the list
    a visitor searches and pages; None: not rated."""
    try:
        _run, rows = index.stars(Outcome.objects.all(), code=star_code(), start=month, minimum=1)
    except NotFound:
        return None
    stars = {r["unit_code"]: r["stars"] for r in rows}
    towns = {t["code"]: t for t in units(Level.TOWN)}
    districts = {d["code"]: d for d in units(Level.DISTRICT)}
    out = []
    for v in units(Level.VILLAGE):
        if v["code"] not in stars:
            continue
        t = towns.get(v["parent__code"]) or {"code": "", "label": "", "parent__code": ""}
        d = districts.get(t["parent__code"]) or {"label": ""}
        n = stars[v["code"]]
        out.append({"code": v["code"], "label": v["label"], "town_code": t["code"], "town": t["label"],
                    "district": d["label"], "stars": n, "star_text": star_text(n)})  # fmt: skip
    out.sort(key=lambda r: (-r["stars"], r["code"]))
    return out
