"""Writes of the index: definition versions, runs (compute, store, revise), publication, alerts."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.errors import Conflict, NotFound, ZhiliError
from zhili.index.cube import Cube, MeasureSet
from zhili.index.definitions import DATA_DIR, SHIPPED, Definition, canonical_json, load_text
from zhili.index.engine import Context, MissingFigure, Outcome, UnitRow, evaluate, window
from zhili.index.models import Alert, DefinitionVersion, Engine, Run
from zhili.index.models import Outcome as OutcomeRow
from zhili.index.periods import KINDS, Period, PeriodError, parse_period, periods_between
from zhili.index.selectors import LEVEL_NUMBER, STAMP_KEY
from zhili.org.audit import record
from zhili.org.models import AuditAction


class DataNotReady(ZhiliError):
    status = 409
    code = "data_not_ready"


class IndexInputError(ZhiliError):
    code = "index_input"


# --------------------------------------------------------------------------------------------
# definitions


def save_definition(
    *, text: str, actor=None, actor_username: str = "", note: str = "", filename: str = ""
) -> DefinitionVersion:
    """Validate YAML text and store it as the active version of its code (the same text twice
    stores nothing new). Refusals name the file, line and node path."""
    definition = load_text(text, filename=filename or "definition.yaml")
    with transaction.atomic():
        existing = DefinitionVersion.objects.filter(
            code=definition.code, content_hash=definition.content_hash
        ).first()
        if existing and existing.is_active:
            return existing
        DefinitionVersion.objects.filter(code=definition.code, is_active=True).update(is_active=False)
        if existing:
            existing.is_active = True
            existing.save(update_fields=["is_active"])
            version = existing
        else:
            version = DefinitionVersion.objects.create(
                code=definition.code,
                name=definition.name,
                content_hash=definition.content_hash,
                text=text,
                raw=definition.raw,
                shipped=filename.startswith("shipped:"),
                note=note,
                created_by=actor.get_username() if actor else actor_username,
            )
        record(actor=actor, actor_username=actor_username, action=AuditAction.CREATE, obj=version,
               details={"code": version.code, "hash": version.content_hash})  # fmt: skip
    return version


def sync_shipped() -> list[DefinitionVersion]:
    """Store the shipped definitions; a shipped version replaces the active one only when the
    active one is itself a shipped version (a city's own edit stays active)."""
    out = []
    for code in SHIPPED:
        text = (DATA_DIR / f"{code}.yaml").read_text(encoding="utf-8")
        active = DefinitionVersion.objects.filter(code=code, is_active=True).first()
        if active and not active.shipped:
            out.append(active)
            continue
        out.append(save_definition(text=text, actor_username="zhili", filename=f"shipped:{code}.yaml"))
    return out


def active_definition(code: str) -> DefinitionVersion:
    version = DefinitionVersion.objects.filter(code=code, is_active=True).first()
    if version is None and code in SHIPPED:
        sync_shipped()
        version = DefinitionVersion.objects.filter(code=code, is_active=True).first()
    if version is None:
        codes = sorted(set(DefinitionVersion.objects.values_list("code", flat=True)) | set(SHIPPED))
        raise NotFound(
            _("no index definition “%(code)s”; there are %(codes)s")
            % {"code": code, "codes": ", ".join(codes)},
            details=[{"field": "definition", "value": code}],
        )
    return version


# --------------------------------------------------------------------------------------------
# what a run reads


def load_units(levels: list[str]) -> dict[str, list[UnitRow]]:
    from zhili.geo.models import Unit

    if "grid" in levels:
        raise IndexInputError(_("scoring grids is not supported; score villages/communities or above"),
                              details=[{"field": "units", "value": "grid"}])  # fmt: skip
    out = {}
    for level in levels:
        rows = (
            Unit.objects.filter(level=LEVEL_NUMBER[level])
            .order_by("code")
            .values_list("code", "name", "kind")
        )
        out[level] = [
            UnitRow(
                code, name, kind, level, code[:6] + "000000", code[:9] + "000" if level == "village" else None
            )
            for code, name, kind in rows
        ]
    return out


def load_figures(units: dict[str, list[UnitRow]]) -> dict[str, dict[tuple[str, int], float]]:
    from zhili.geo.models import Population

    codes = [u.code for rows in units.values() for u in rows]
    out: dict[str, dict[tuple[str, int], float]] = {"resident": {}, "gdp": {}, "vehicles": {}}
    for code, year, resident, gdp, vehicles in Population.objects.filter(unit__code__in=codes).values_list(
        "unit__code", "year", "resident", "gdp", "vehicles"
    ):
        for name, value in (("resident", resident), ("gdp", gdp), ("vehicles", vehicles)):
            if value is not None:
                out[name][(code, year)] = float(value)
    return out


def missing_feeds(first: date, last: date) -> dict[str, set[date]]:
    """Departments with no delivery on a day (unresolved data-quality alerts of the hub)."""
    from zhili.hub.models import QualityAlert

    out: dict[str, set[date]] = {}
    for dept, day in QualityAlert.objects.filter(
        day__gte=first, day__lte=last, resolved_at__isnull=True, kind="no_delivery"
    ).values_list("department__code", "day"):
        out.setdefault(dept, set()).add(day)
    return out


def type_departments(codes: list[str]) -> dict[str, str]:
    from zhili.hub.models import EventType

    return dict(EventType.objects.filter(code__in=codes).values_list("code", "department__code"))


def data_digest(cube: Cube, figures: dict, missing: dict) -> str:
    """A digest of everything a run reads: the cube of measures per unit and day (not the lake's
    files, whose bytes change with the order the events arrived in), the figures and the
    missing feeds. Equal digests mean equal inputs to the scoring, bit for bit."""
    h = hashlib.sha256(cube.digest().encode())
    h.update(
        canonical_json(
            {k: sorted([[*list(key), v] for key, v in d.items()]) for k, d in figures.items()}
        ).encode()
    )
    h.update(canonical_json({k: sorted(str(d) for d in v) for k, v in sorted(missing.items())}).encode())
    return h.hexdigest()


def watermark(first: date, last: date):
    """The latest export among the days a run reads: how fresh its data were."""
    from zhili.hub.models import LakeDay

    return LakeDay.objects.filter(day__gte=first, day__lte=last).aggregate(m=Max("exported_at"))["m"]


def lake_start() -> date | None:
    """The first day of the lake: before it nothing is known (not: nothing happened)."""
    from zhili.hub.lake import lake_root

    days = sorted(p.name for p in (lake_root() / "events").glob("date=*") if (p / "part-0.parquet").exists())
    return date.fromisoformat(days[0][5:]) if days else None


def read_cube(engine: str, measures: MeasureSet, first: date, last: date, units: dict) -> Cube:
    codes = {level: [u.code for u in rows] for level, rows in units.items()}
    if engine == Engine.SPARK:
        from zhili.index.spark import read_cube as reader
    else:
        from zhili.index.duck import read_cube as reader
    cube = reader(measures, first, last, codes)
    cube.observed_from = lake_start()
    return cube


@dataclass
class Computed:
    definition: Definition
    outcomes: list[Outcome]
    digest: str
    watermark: object
    missing: dict[str, set[date]]
    seconds: float


def compute(
    definition: Definition, kind: str, targets: list[Period], *, engine: str = Engine.DUCKDB
) -> Computed:
    """Score without storing: what `run` stores, and what the sensitivity analysis varies."""
    started = time.perf_counter()
    if kind not in definition.periods:
        raise IndexInputError(
            _("“%(code)s” is computed per %(periods)s, not per %(kind)s")
            % {"code": definition.code, "periods": ", ".join(definition.periods), "kind": kind},
            details=[{"field": "period", "value": kind}],
        )
    units = load_units(definition.units)
    measures = MeasureSet(definition)
    first, last, _evaluated = window(definition, kind, targets)
    figures = load_figures(units)
    missing = missing_feeds(first, last)
    ctx = Context(
        definition, kind, targets, units, figures, missing, type_departments(measures.event_types())
    )
    cube = read_cube(engine, measures, first, last, units)
    try:
        outcomes = evaluate(ctx, cube, measures)
    except MissingFigure as exc:
        label = {"resident": _("resident population"), "gdp": _("GDP"), "vehicles": _("motor vehicles")}[
            exc.figure
        ]
        raise IndexInputError(
            _("%(figure)s missing for unit %(units)s: enter it under population before running the index")
            % {"figure": label, "units": ", ".join(exc.units[:5])},
            details=[{"field": exc.figure, "unit": u} for u in exc.units[:50]],
        ) from None
    digest = data_digest(cube, figures, missing)
    return Computed(
        definition, outcomes, digest, watermark(first, last), missing, time.perf_counter() - started
    )


def result_digest(outcomes: list[Outcome]) -> str:
    h = hashlib.sha256()
    for o in outcomes:
        h.update(canonical_json(_row_fields(o)).encode())
    return h.hexdigest()


def _row_fields(o: Outcome) -> dict:
    return {
        "level": o.level, "unit_code": o.unit, "period_start": o.period.key, "total": o.total,
        "points_off": o.points_off, "grade": o.grade or "", "streak": o.streak, "escalation": o.escalation or "",
        "rank": o.rank, "rank_move": o.rank_move, "stars": o.stars, "vetoes": o.vetoes, "complete": o.complete,
        "incomplete": o.incomplete, "nodes": o.nodes,
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# runs


def targets_for(kind: str, first: str, last: str | None = None) -> list[Period]:
    if kind not in KINDS:
        raise PeriodError(_("unknown period “%(kind)s”; use one of %(options)s") % {"kind": kind, "options": ", ".join(KINDS)},
                          details=[{"field": "period", "value": kind}])  # fmt: skip
    p0 = parse_period(kind, first)
    p1 = parse_period(kind, last) if last else p0
    if p1 < p0:
        raise PeriodError(
            _("the last period comes before the first"), details=[{"field": "until", "value": last}]
        )
    return periods_between(kind, p0.start, p1.start)


def run(
    *,
    code: str,
    kind: str,
    first: str,
    last: str | None = None,
    engine: str = Engine.DUCKDB,
    actor=None,
    actor_username: str = "",
    publish: bool = False,
    wait_for_data: bool = False,
    export_lake: bool = True,
) -> tuple[Run, bool]:
    """Compute and store a run; (run, created). The same definition version, data and engine as
    the latest revision → that revision again, nothing written. Different data → the next
    revision. With `wait_for_data` a period with an undelivered feed is refused instead of
    scored incomplete."""
    targets = targets_for(kind, first, last)
    version = active_definition(code)
    definition = version.parsed()
    if export_lake:
        from zhili.hub.lake import export

        export()
    if wait_for_data:
        missing = missing_feeds(targets[0].start, targets[-1].end)
        if missing:
            raise DataNotReady(
                _("waiting for data: %(depts)s delivered nothing on some days of these periods")
                % {"depts": ", ".join(sorted(missing))},
                details=[
                    {"department": d, "days": sorted(str(x) for x in days)}
                    for d, days in sorted(missing.items())
                ],
            )
    computed = compute(definition, kind, targets, engine=engine)
    digest = result_digest(computed.outcomes)
    subject = {
        "definition": version,
        "period_kind": kind,
        "first": targets[0].start,
        "last": targets[-1].start,
    }
    username = actor.get_username() if actor else actor_username
    with transaction.atomic():
        latest = Run.objects.select_for_update().filter(**subject).order_by("-revision").first()
        # Equal inputs and equal results: nothing new to store, whichever engine computed them
        # (the engines sum exactly, so DuckDB and Spark agree bit for bit; the stored revision
        # keeps the engine that first computed it).
        if latest and latest.data_digest == computed.digest and latest.result_digest == digest:
            if publish and not latest.frozen:
                publish_run(latest, actor=actor, actor_username=actor_username)
            return latest, False
        run_row = Run.objects.create(
            **subject,
            revision=(latest.revision + 1) if latest else 1,
            engine=engine,
            params={"par": 80, "baseline_cap": 2.0, "day_window": 14},
            data_digest=computed.digest,
            watermark=computed.watermark,
            result_digest=digest,
            outcomes_count=len(computed.outcomes),
            incomplete_count=sum(1 for o in computed.outcomes if not o.complete),
            missing_feeds=[
                {"department": d, "days": sorted(str(x) for x in v)}
                for d, v in sorted(computed.missing.items())
            ],
            seconds=round(computed.seconds, 3),
            created_by=username,
        )
        OutcomeRow.objects.bulk_create(
            [OutcomeRow(run=run_row, **_row_fields(o)) for o in computed.outcomes], batch_size=2000
        )
        record(actor=actor, actor_username=actor_username, action=AuditAction.CREATE, obj=run_row,
               details={"revision": run_row.revision, "results": run_row.outcomes_count})  # fmt: skip
        if publish:
            publish_run(run_row, actor=actor, actor_username=actor_username)
    return run_row, True


@transaction.atomic
def publish_run(run_row: Run, *, actor=None, actor_username: str = "") -> Run:
    """Freeze a revision as the published one; raise alerts for streaks that reached a level."""
    run_row = Run.objects.select_for_update().get(pk=run_row.pk)
    if run_row.frozen:
        raise Conflict(
            _("revision %(rev)s was published on %(when)s and is frozen; run again to make a new revision")
            % {
                "rev": run_row.revision,
                "when": timezone.localtime(run_row.published_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    run_row.published_at = timezone.now()
    run_row.published_by = actor.get_username() if actor else actor_username
    run_row.save(update_fields=["published_at", "published_by"])
    # The public caches are keyed by what is published: let them see it now (and again after the
    # commit, in case another process read the stamp in between).
    cache.delete(STAMP_KEY)
    transaction.on_commit(lambda: cache.delete(STAMP_KEY))
    levels = (run_row.definition.raw.get("streaks") or {}).get("levels") or {}
    thresholds = {int(k) for k in levels}
    raised = {
        (u, p, a)
        for u, p, a in Alert.objects.filter(run__definition__code=run_row.definition.code).values_list(
            "unit_code", "period_start", "action"
        )
    }
    alerts = [
        Alert(
            run=run_row,
            unit_code=o.unit_code,
            period_start=o.period_start,
            streak=o.streak,
            action=o.escalation,
        )
        for o in run_row.outcomes.filter(streak__in=thresholds).exclude(escalation="")
        if (o.unit_code, o.period_start, o.escalation) not in raised
    ]
    Alert.objects.bulk_create(alerts)
    record(actor=actor, actor_username=actor_username, action=AuditAction.CHANGE, obj=run_row,
           details={"published": True, "alerts": len(alerts)})  # fmt: skip
    return run_row
