"""/api/v1/index/: definitions, runs, results with their explanations, stars, alerts and the
monthly report for officials; /api/v1/index/public/: today's colours and the star list for
everyone (no login, no personal data).

Who sees what. The city publishes three things city-wide: the towns' daily colours and the star
list (public, no login) and the monthly report, which names every town and street with its score
and every five-star village and community; any official who may read index results downloads the
report whole, whatever their unit. Definitions and runs are city records (no unit's figures). The
working reads — results, a unit's history and explanation, the star ratings, the alerts — are
scoped like everything else: an official's own unit and below, and another unit answers 404."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import wraps
from typing import Literal

from django.core.cache import cache
from django.http import FileResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from zhili.core.api import DOCX, Error, Pages, file_answer
from zhili.core.errors import Forbidden, NotFound
from zhili.core.scope import in_scope, scoped
from zhili.index import selectors, services
from zhili.index.models import Alert, DefinitionVersion, Outcome, Run
from zhili.index.periods import Period, parse_period, period_of
from zhili.index.report import CONTENT_TYPES, current_report

router = Router(tags=["index"])
public = Router(tags=["public"], auth=None)

Kind = Literal["day", "dekad", "week", "month", "quarter", "year"]  # periods.KINDS


class DefinitionOut(Schema):
    code: str
    name: str
    content_hash: str
    shipped: bool
    is_active: bool
    created_at: datetime
    created_by: str
    periods: list[str]
    units: list[str]

    @staticmethod
    def resolve_periods(obj) -> list[str]:
        return obj.raw.get("periods", [])

    @staticmethod
    def resolve_units(obj) -> list[str]:
        return obj.raw.get("units", [])


class DefinitionIn(Schema):
    text: str = Field(..., max_length=200_000, description="the definition as YAML")
    note: str = Field("", max_length=200)


class RunIn(Schema):
    definition: str = Field("pingan_plus", max_length=64)
    period: Kind = "day"
    date: str = Field(
        ..., max_length=20, description="a day in the first period: 2026-10-05, 2026-10, 2026-Q4"
    )
    until: str | None = Field(None, max_length=20)
    engine: str = Field("duckdb", pattern="^(duckdb|spark)$")
    publish: bool = False
    wait_for_data: bool = False


class RunOut(Schema):
    id: int
    definition: str
    definition_hash: str
    period_kind: str
    first: date
    last: date
    revision: int
    engine: str
    data_digest: str
    watermark: datetime | None
    result_digest: str
    outcomes_count: int
    incomplete_count: int
    missing_feeds: list
    seconds: float
    created_at: datetime
    created_by: str
    published_at: datetime | None
    frozen: bool

    @staticmethod
    def resolve_definition(obj) -> str:
        return obj.definition.code

    @staticmethod
    def resolve_definition_hash(obj) -> str:
        return obj.definition.content_hash


class ResultOut(Schema):
    unit_code: str
    unit_name: str
    unit_kind: str
    level: str
    period: date
    total: float | None
    grade: str
    streak: int
    escalation: str
    rank: int | None
    rank_move: int | None
    stars: int | None
    vetoes: list[str]
    complete: bool
    incomplete: list[str]
    points_off: float
    provisional: bool = Field(False, description="computed before the period's cut-off: may change")
    coverage: float | None = Field(None, description="share of the weight measured; below the "
                                   "definition's minimum there is no grade, rank or stars")  # fmt: skip
    evidence: dict = Field(default_factory=dict, description="rank and star intervals, where computed")


class ResultsOut(Schema):
    definition: str
    period_kind: str
    period: date
    period_label: str
    run_id: int
    revision: int
    published_at: datetime | None
    results: list[ResultOut]


class AlertOut(Schema):
    id: int
    definition: str
    unit_code: str
    period_start: date
    streak: int
    action: str
    raised_at: datetime
    acknowledged_at: datetime | None

    @staticmethod
    def resolve_definition(obj) -> str:
        return obj.run.definition.code


class PublicColourOut(Schema):
    unit_code: str
    unit_name: str
    level: str
    grade: str
    grade_label: str
    streak: int


class PublicColoursOut(Schema):
    date: date
    date_label: str
    colours: list[PublicColourOut]
    held_back: date | None = Field(None, description="a later day not shown yet: still open or short of data")
    held_back_reason: str = ""


class PublicStarOut(Schema):
    unit_code: str
    unit_name: str
    unit_kind: str
    stars: int


class PublicStarsOut(Schema):
    month: date
    month_label: str
    units: list[PublicStarOut]


def _start(kind: str, text: str | None, default: date) -> date:
    return parse_period(kind, text).start if text else period_of(kind, default).start


def _runs_for(actor):
    """Runs are city records: reading them needs the permission, not a scope."""
    return scoped(actor, Run)


@router.get(
    "/definitions",
    response={200: list[DefinitionOut], (400, 403): Error},
    summary=gettext_lazy("Index definitions (every version)"),
)
def list_definitions(request, code: str | None = None):
    qs = scoped(request.auth, DefinitionVersion)
    if not qs.exists() and not code:
        services.sync_shipped()
    return qs.filter(code=code) if code else qs.all()


@router.post(
    "/definitions",
    response={201: DefinitionOut, 200: DefinitionOut, (400, 403, 409): Error},
    summary=gettext_lazy("Store a definition version"),
)
def post_definition(request, payload: DefinitionIn):
    if not request.auth.has_perm("index.add_definitionversion"):
        raise Forbidden(_("Your role may not do this"))
    before = DefinitionVersion.objects.count()
    version = services.save_definition(text=payload.text, actor=request.auth, note=payload.note)
    return Status(201 if DefinitionVersion.objects.count() > before else 200, version)


@router.get(
    "/runs", response={200: list[RunOut], 403: Error}, summary=gettext_lazy("Index runs and their revisions")
)
@paginate(Pages, page_size=50)
def list_runs(request, definition: str | None = None, period: str | None = None):
    qs = _runs_for(request.auth).select_related("definition")
    if definition:
        qs = qs.filter(definition__code=definition)
    if period:
        qs = qs.filter(period_kind=period)
    return qs


@router.post(
    "/runs",
    response={201: RunOut, 200: RunOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("Run the index (again) for periods"),
)
def post_run(request, payload: RunIn):
    if not request.auth.has_perm("index.add_run"):
        raise Forbidden(_("Your role may not do this"))
    if payload.publish and not request.auth.has_perm("index.publish_run"):
        raise Forbidden(_("Your role may not publish index results"))
    row, created = services.run(
        code=payload.definition, kind=payload.period, first=payload.date, last=payload.until,
        engine=payload.engine, actor=request.auth, publish=payload.publish, wait_for_data=payload.wait_for_data,
    )  # fmt: skip
    return Status(201 if created else 200, row)


@router.post(
    "/runs/{run_id}/publish",
    response={200: RunOut, (403, 404, 409): Error},
    summary=gettext_lazy("Publish (freeze) a revision"),
)
def publish(request, run_id: int):
    row = _runs_for(request.auth).filter(pk=run_id).first()
    if row is None:
        raise NotFound(_("Not found"))
    if not request.auth.has_perm("index.publish_run"):
        raise Forbidden(_("Your role may not publish index results"))
    return services.publish_run(row, actor=request.auth)


@router.get(
    "/results",
    response={200: ResultsOut, (400, 403, 404): Error},
    summary=gettext_lazy("Results of one period in your scope"),
)
def list_results(
    request, definition: str = "pingan_plus", period: Kind = "day", date: str | None = None,
    level: str | None = None, run: int | None = None,
):  # fmt: skip
    qs = scoped(request.auth, Outcome)
    default = selectors.latest_published_period(definition, period) or (
        selectors.default_day() if period == "day" else selectors.default_month()
    )
    start = _start(period, date, default)
    run_row = _runs_for(request.auth).filter(pk=run).first() if run else None
    if run and run_row is None:
        raise NotFound(_("Not found"), details=[{"field": "run", "value": run}])
    if level:
        qs = qs.filter(level=level)
    used, rows = selectors.results(qs, code=definition, kind=period, start=start, run=run_row)
    return {
        "definition": definition, "period_kind": period, "period": start,
        "period_label": Period(period, start).label(get_language() or "zh-hans"), "run_id": used.pk,
        "revision": used.revision, "published_at": used.published_at, "results": rows,
    }  # fmt: skip


@router.get(
    "/results/{unit_code}/history",
    response={200: list[ResultOut], (403, 404): Error},
    summary=gettext_lazy("A unit's published results over time"),
    description="Scoped: your unit and below; another unit's history answers 404, like a missing one.",
)
def unit_history(
    request, unit_code: str, since: date, until: date, definition: str = "pingan_plus", period: Kind = "day"
):
    qs = scoped(request.auth, Outcome)
    if not in_scope(request.auth, unit_code):  # another town's history answers like a missing one
        raise NotFound(_("Not found"), details=[{"field": "unit_code", "value": unit_code}])
    return selectors.history(
        qs,
        code=definition,
        kind=period,
        unit_code=unit_code,
        since=since,
        until=until,
    )


@router.get(
    "/results/{unit_code}/explain",
    response={200: dict, (400, 403, 404): Error},
    summary=gettext_lazy("Why a score is what it is, and what moved it"),
    description="Scoped: your unit and below; another unit answers 404.",
)
def unit_explain(request, unit_code: str, date: str, definition: str = "pingan_plus", period: Kind = "day"):
    start = parse_period(period, date).start
    return selectors.explain(
        scoped(request.auth, Outcome), code=definition, kind=period, unit_code=unit_code, start=start
    )


@router.get(
    "/stars",
    response={200: PublicStarsOut, (400, 403, 404): Error},
    summary=gettext_lazy("Star ratings of villages and communities in your scope"),
)
def list_stars(request, month: str | None = None, definition: str = "star_rating", minimum: int = 1):
    start = parse_period("month", month).start if month else selectors.default_month()
    _run, rows = selectors.stars(scoped(request.auth, Outcome), code=definition, start=start, minimum=minimum)
    return {
        "month": start,
        "month_label": Period("month", start).label(get_language() or "zh-hans"),
        "units": rows,
    }


@router.get(
    "/alerts",
    response={200: list[AlertOut], 403: Error},
    summary=gettext_lazy("Consecutive-red alerts in your scope"),
)
@paginate(Pages, page_size=100)
def list_alerts(request, open_only: bool = False):
    qs = scoped(request.auth, Alert).select_related("run__definition")
    return qs.filter(acknowledged_at__isnull=True) if open_only else qs


@router.get(
    "/reports/{month}",
    response={(400, 403, 404): Error},
    summary=gettext_lazy("The monthly report (PDF or DOCX): the city's publication"),
    description=(
        "The city's monthly bulletin, as the city publishes it city-wide: every town and street with "
        "its score and rank and every five-star village and community, from published runs only. "
        "Any official who may read index results downloads it whole, whatever their own unit; the "
        "scoped reads (results, history, explain) still answer only for their unit and below."
    ),
    openapi_extra=file_answer("application/pdf", DOCX),
)
def get_report(request, month: str, format: Literal["pdf", "docx"] = "pdf"):
    scoped(request.auth, Outcome)  # 403 without the permission; not cut to a unit: a publication
    path = current_report(
        period=parse_period("month", month), fmt=format, actor_username=request.auth.get_username()
    )
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type=CONTENT_TYPES[format]
    )


# --- public -----------------------------------------------------------------------------------


def _grade_label(definition: DefinitionVersion, grade: str) -> str:
    labels = (definition.raw.get("grades") or {}).get("labels") or {}
    return labels.get(grade, grade) if not (get_language() or "").startswith("en") else grade


def published_cache(view):
    """Keep a public answer until the next publication (keyed by what is published, the language
    and the arguments): a repeated request reads no database, like the public pages."""

    @wraps(view)
    def cached(request, **kwargs):
        published, _last = selectors.publication_stamp()
        raw = repr((published, get_language(), view.__name__, sorted(kwargs.items())))
        key = "index:public:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
        hit = cache.get(key)
        if hit is None:
            hit = view(request, **kwargs)
            cache.set(key, hit, 24 * 3600)
        return hit

    return cached


@public.get(
    "/colours",
    response={200: PublicColoursOut, 404: Error},
    summary=gettext_lazy("Today's safety colours of the towns and streets"),
)
@published_cache
def public_colours(request, date: date | None = None, definition: str = "pingan_plus"):
    head = selectors.headline(definition, "day")
    day = date or head.final
    if day is None:
        raise NotFound(_("no published colours yet"))
    run, rows = selectors.results(
        Outcome.objects.filter(level="town"), code=definition, kind="day", start=day
    )
    held = head.latest if head.held_back and date is None else None
    return {
        "date": day, "date_label": Period("day", day).label(get_language() or "zh-hans"),
        "held_back": held, "held_back_reason": selectors.held_back_text(head) if held else "",
        "colours": [
            {**r, "grade_label": _grade_label(run.definition, r["grade"])} for r in rows
        ],
    }  # fmt: skip


@public.get(
    "/stars",
    response={200: PublicStarsOut, (400, 404): Error},
    summary=gettext_lazy("The star list of villages and communities"),
)
@published_cache
def public_stars(request, month: str | None = None, minimum: int = 5, definition: str = "star_rating"):
    start = (
        parse_period("month", month).start
        if month
        else selectors.latest_published_period(definition, "month")
    )
    if start is None:
        raise NotFound(_("no published star rating yet"))
    _run, rows = selectors.stars(Outcome.objects.all(), code=definition, start=start, minimum=minimum)
    return {
        "month": start,
        "month_label": Period("month", start).label(get_language() or "zh-hans"),
        "units": rows,
    }
