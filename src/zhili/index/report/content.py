"""What the monthly report says, gathered from the latest PUBLISHED runs covering the month:

    pingan_plus per month   this month and the month before: the city, first-level and
                            second-level changes, the district ranking
    pingan_plus per day     the days of the month: the city's daily curve, red days per town
    star_rating per month   the five-star villages and communities

Everything lands in plain dataclasses (`Report`, model.py), with the bulletin's sentences already written
(`prose.py`); the PDF and the DOCX only lay them out. Nothing here is computed anew: every figure
is an Outcome row of a published run, so the report quotes what the public pages show.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from zhili.core.errors import ZhiliError
from zhili.index.definitions import Definition
from zhili.index.models import Outcome, Run
from zhili.index.periods import Period, parse_period
from zhili.index.report.model import Attention, Change, DistrictRow, RedTown, Report, StarGroup

INDEX_CODE = "pingan_plus"
STARS_CODE = "star_rating"
NOTABLE_POINTS = 2.0  # a first-level change of at least this many points is "notable"
NOTABLE_TOP = 3  # … and so are the three largest changes, whatever their size
ATTENTION_PCT = 10.0  # a second-level value at least this much worse than last month
ATTENTION_MAX = 8
RED_TOWNS_MAX = 10


class ReportNotReady(ZhiliError):
    status = 404
    code = "report_not_ready"


# --------------------------------------------------------------------------------------------
# runs


def published(code: str, kind: str, day: date) -> Run | None:
    """The latest published revision of `code` per `kind` whose span holds the period of `day`."""
    return (
        Run.objects.filter(
            definition__code=code, period_kind=kind, first__lte=day, last__gte=day, published_at__isnull=False
        )
        .select_related("definition")
        .order_by("-published_at", "-revision", "-id")
        .first()
    )


def _source(run: Run, what: str) -> str:
    from django.utils import timezone

    fmt = "%Y-%m" if run.period_kind == "month" else "%Y-%m-%d"
    return (
        f"{what}：计算编号{run.pk}（{run.first:{fmt}}至{run.last:{fmt}}，第{run.revision}版，"
        f"{timezone.localtime(run.published_at):%Y-%m-%d}发布）"
    )


def gather(month_text: str) -> Report:
    from zhili.index.report import prose

    month = parse_period("month", month_text)
    previous_month = month.previous()
    run = published(INDEX_CODE, "month", month.start)
    if run is None:
        raise ReportNotReady(
            f"没有{month.label()}已发布的月度指数：先运行 zhili index run --period month "
            f"--date {month.start:%Y-%m} --publish",
            details=[{"definition": INDEX_CODE, "period": "month", "month": f"{month.start:%Y-%m}"}],
        )
    definition = run.definition.parsed()
    now = _outcomes(run, month.start)
    city = next((o for o in now.values() if o.level == "city"), None)
    if city is None:
        raise ReportNotReady(
            f"计算编号{run.pk}没有{month.label()}的全市结果：指数定义的units须包含city",
            details=[{"run": run.pk, "level": "city"}],
        )
    sources = [_source(run, "月度指数")]
    before_run = published(INDEX_CODE, "month", previous_month.start)
    before = _outcomes(before_run, previous_month.start) if before_run else {}
    if before_run and before_run.pk != run.pk:
        sources.append(_source(before_run, "上月指数"))
    city_before = before.get(city.unit_code)
    names = _unit_names(list(now))

    first_level = _first_level(definition, city, city_before)
    daily, red_towns, district_reds, days_covered, daily_runs = _daily(definition, month)
    sources += [_source(r, "日度指数") for r in daily_runs]
    star_run = published(STARS_CODE, "month", month.start)
    stars, five_star, villages, communities = _stars(star_run, month)
    if star_run:
        sources.append(_source(star_run, "星级评定"))
    used = [run, before_run, *daily_runs, star_run]
    grades = (definition.grades or {}).get("labels") or {}
    red_colour = (definition.streaks or {}).get("colour") or "red"
    report = Report(
        month=month,
        previous_month=previous_month,
        index_name=definition.name,
        city_name=names.get(city.unit_code, ("全市", ""))[0],
        city_score=city.total,
        city_previous=city_before.total if city_before else None,
        city_grade=grades.get(city.grade, city.grade),
        incomplete=[_node_name(definition, p) for p in city.incomplete],
        first_level=first_level,
        risen=[],
        fallen=[],
        attention=_attention(definition, city, city_before),
        districts=_districts(definition, now, before, names, grades, district_reds),
        daily=[(d, total, grades.get(grade, grade)) for d, total, grade in daily],
        days_covered=days_covered,
        red_colour=red_colour,
        red_label=grades.get(red_colour, red_colour),
        red_towns=red_towns,
        stars=stars,
        five_star=five_star,
        five_star_villages=villages,
        five_star_communities=communities,
        sources=sources,
        grade_labels=dict(grades),
        run_ids=sorted({r.pk for r in used if r is not None}),
    )
    report.risen, report.fallen = notable(first_level)
    report.funnel = _funnel(definition, now, names, month)
    prose.write(report)
    return report


def _funnel(definition: Definition, now: dict[str, Outcome], names, month: Period) -> dict:
    """The towns' funnel plot of the count indicator (per residents) that weighs most."""
    from zhili.geo.models import Population
    from zhili.index.funnel import funnel

    per = {"per_10k_residents": 10_000.0, "per_1k_residents": 1_000.0}
    leaves = [
        leaf for leaf in definition.leaves()
        if leaf.denominator in per and ((leaf.measure or {}).get("agg") == "count")
    ]  # fmt: skip
    if not leaves:
        return {}
    weight = {}
    for leaf in leaves:
        w, node, path = 1.0, leaf, leaf.path
        while node is not None and node.path != definition.code:
            w *= node.weight
            path = path.rsplit("/", 1)[0]
            node = definition.find(path) if path != definition.code else None
        weight[leaf.path] = w
    leaf = max(leaves, key=lambda n: weight[n.path])
    key = leaf.path[len(definition.code) + 1 :]
    towns = sorted(c for c, o in now.items() if o.level == "town")
    residents = dict(
        Population.objects.filter(unit__code__in=towns, year__lte=month.start.year)
        .order_by("year")
        .values_list("unit__code", "resident")
    )
    counts = [(now[c].nodes.get(key) or {}).get("value") for c in towns]
    out = funnel([float("nan") if v is None else v for v in counts], [float(residents.get(c, 0)) for c in towns],
                 per=per[leaf.denominator])  # fmt: skip
    out["name"] = leaf.name
    out["per"] = int(per[leaf.denominator])
    out["towns"] = [names.get(c, (c, ""))[0] for c in towns]
    out["residents"] = [float(residents.get(c, 0)) for c in towns]
    out["high"] = [t for t, o in zip(out["towns"], out["outside"]["0.998"], strict=True) if o]
    return out


def _outcomes(run: Run, start: date) -> dict[str, Outcome]:
    return {o.unit_code: o for o in Outcome.objects.filter(run=run, period_start=start)}


def _unit_names(codes: list[str]) -> dict[str, tuple[str, str]]:
    from zhili.geo.models import Unit

    return {
        code: (name, kind)
        for code, name, kind in Unit.objects.filter(code__in=codes).values_list("code", "name", "kind")
    }


def _node_name(definition: Definition, path: str) -> str:
    node = definition.find(path)
    return node.name if node else path


# --------------------------------------------------------------------------------------------
# the city: first-level changes and what needs attention


def _first_level(definition: Definition, city: Outcome, before: Outcome | None) -> list[Change]:
    out = []
    for node in definition.root.children:
        now = (city.nodes.get(node.code) or {}).get("score")
        prev = ((before.nodes if before else {}).get(node.code) or {}).get("score")
        out.append(Change(node.code, node.name, now, prev))
    return out


def notable(changes: list[Change]) -> tuple[list[Change], list[Change]]:
    """(risen, fallen): first-level changes of at least NOTABLE_POINTS, or among the NOTABLE_TOP
    largest by absolute size; each list largest first."""
    moved = sorted((c for c in changes if c.diff), key=lambda c: -abs(c.diff))
    picked = [c for i, c in enumerate(moved) if i < NOTABLE_TOP or abs(c.diff) >= NOTABLE_POINTS]
    return [c for c in picked if c.diff > 0], [c for c in picked if c.diff < 0]


def _attention(definition: Definition, city: Outcome, before: Outcome | None) -> list[Attention]:
    """Leaves at the second level or below whose raw value moved the wrong way by at least
    ATTENTION_PCT % against last month (or rose from nothing), the largest first."""
    if before is None:
        return []
    out = []
    for first in definition.root.children:
        for leaf in first.leaves():
            rel = leaf.path.split("/", 1)[1]
            now = (city.nodes.get(rel) or {}).get("value")
            prev = (before.nodes.get(rel) or {}).get("value")
            if now is None or prev is None or now == prev:
                continue
            worse = now > prev if leaf.direction == "lower_is_better" else now < prev
            if not worse:
                continue
            pct = (now - prev) / prev * 100 if prev else None
            if pct is not None and abs(pct) < ATTENTION_PCT:
                continue
            out.append(Attention(rel, first.name, leaf.name, now, prev, pct, leaf.direction))
    out.sort(key=lambda a: -(abs(a.pct) if a.pct is not None else float("inf")))
    return out[:ATTENTION_MAX]


# --------------------------------------------------------------------------------------------
# districts


def _districts(definition, now, before, names, grades, reds) -> list[DistrictRow]:
    rows = []
    for code, o in now.items():
        if o.level != "district":
            continue
        prev = before.get(code)
        changes = [
            Change(n.code, n.name, (o.nodes.get(n.code) or {}).get("score"), None)
            for n in definition.root.children
        ]
        scored = [c for c in changes if c.score is not None]
        rows.append(
            DistrictRow(
                rank=o.rank,
                code=code,
                name=names.get(code, (code, ""))[0],
                score=o.total,
                previous=prev.total if prev else None,
                rank_move=o.rank_move if prev else None,
                grade=grades.get(o.grade, o.grade),
                red_days=reds.get(code),
                best=max(scored, key=lambda c: c.score) if scored else None,
                worst=min(scored, key=lambda c: c.score) if scored else None,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return rows


# --------------------------------------------------------------------------------------------
# the days of the month


def _daily(definition: Definition, month: Period):
    """(city per day, towns with the most red days, red days per district, days covered, runs
    read). Each day is read from the latest published daily run that holds it."""
    days = [month.start + timedelta(days=i) for i in range(month.days)]
    by_run: dict[int, list[date]] = defaultdict(list)
    runs: dict[int, Run] = {}
    candidates = list(
        Run.objects.filter(
            definition__code=INDEX_CODE,
            period_kind="day",
            first__lte=month.end,
            last__gte=month.start,
            published_at__isnull=False,
        ).order_by("-published_at", "-revision", "-id")
    )
    for d in days:
        run = next((r for r in candidates if r.first <= d <= r.last), None)
        if run:
            by_run[run.pk].append(d)
            runs[run.pk] = run
    colour = (definition.streaks or {}).get("colour") or "red"
    city: list[tuple[date, float | None, str]] = []
    red: dict[str, list[date]] = defaultdict(list)
    levels: dict[str, str] = {}
    for pk, run_days in by_run.items():
        rows = Outcome.objects.filter(run_id=pk, period_start__in=run_days).values_list(
            "level", "unit_code", "period_start", "total", "grade"
        )
        for level, code, day, total, grade in rows:
            if level == "city":
                city.append((day, total, grade))
                continue
            levels[code] = level
            if grade == colour:
                red[code].append(day)
    city.sort()
    town_codes = [c for c in red if levels[c] == "town"]
    more = _unit_names(town_codes + [c[:6] + "000000" for c in town_codes])
    towns = [
        RedTown(
            code,
            more.get(code, (code, ""))[0],
            more.get(code[:6] + "000000", ("", ""))[0],
            len(red[code]),
            _longest(sorted(red[code])),
        )
        for code in town_codes
    ]
    towns.sort(key=lambda t: (-t.red_days, -t.longest, t.code))
    districts = {c: len(red.get(c, ())) for c, level in levels.items() if level == "district"}
    covered = sum(len(v) for v in by_run.values())
    return city, towns[:RED_TOWNS_MAX], districts, covered, [runs[pk] for pk in sorted(by_run)]


def _longest(days: list[date]) -> int:
    best = run = 0
    last = None
    for d in days:
        run = run + 1 if last is not None and (d - last).days == 1 else 1
        best = max(best, run)
        last = d
    return best


# --------------------------------------------------------------------------------------------
# stars


def _stars(run: Run | None, month: Period):
    """(stars → count, five-star units grouped by town, villages, communities)."""
    if run is None:
        return {}, [], 0, 0
    rows = list(
        Outcome.objects.filter(run=run, period_start=month.start, level="village").values_list(
            "unit_code", "stars"
        )
    )
    counts = Counter(s for _c, s in rows if s)
    five = sorted(c for c, s in rows if s == 5)
    names = _unit_names(five + sorted({c[:9] + "000" for c in five} | {c[:6] + "000000" for c in five}))
    groups: dict[str, list[str]] = defaultdict(list)
    for code in five:
        groups[code[:9] + "000"].append(names.get(code, (code, ""))[0])
    out = [
        StarGroup(names.get(town, (town, ""))[0], names.get(town[:6] + "000000", ("", ""))[0], members)
        for town, members in sorted(groups.items())
    ]
    kinds = Counter(names.get(c, ("", ""))[1] for c in five)
    return dict(sorted(counts.items())), out, kinds["village"], len(five) - kinds["village"]
