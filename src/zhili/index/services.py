"""Writes of the index: definition versions, runs (compute, store, revise), publication, alerts."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.audit import record
from zhili.core.errors import Conflict, NotFound, ZhiliError
from zhili.core.models import AuditAction
from zhili.hub.ingest import cutoff_for
from zhili.index.cube import Cube, MeasureSet
from zhili.index.definitions import DATA_DIR, SHIPPED, Definition, canonical_json, load_text
from zhili.index.deliveries import Judgement, judge
from zhili.index.engine import Context, MissingFigure, Outcome, UnitRow, evaluate, window
from zhili.index.models import Alert, DefinitionVersion, Engine, Run
from zhili.index.models import Outcome as OutcomeRow
from zhili.index.periods import KINDS, Period, PeriodError, parse_period, periods_between
from zhili.index.selectors import LEVEL_NUMBER, STAMP_KEY


class DataNotReady(ZhiliError):
    status = 409
    code = "data_not_ready"


class IndexInputError(ZhiliError):
    code = "index_input"


# --------------------------------------------------------------------------------------------
# definitions


def save_definition(
    *,
    text: str,
    actor=None,
    actor_username: str = "",
    note: str = "",
    filename: str = "",
    activate: bool = True,
) -> DefinitionVersion:
    """Validate YAML text and store it as the active version of its code (the same text twice
    stores nothing new). Refusals name the file, line and node path. With `activate=False` the
    version is kept beside the active one (an earlier shipped version, runnable by its hash)."""
    definition = load_text(text, filename=filename or "definition.yaml")
    with transaction.atomic():
        existing = DefinitionVersion.objects.filter(
            code=definition.code, content_hash=definition.content_hash
        ).first()
        if existing and (existing.is_active or not activate):
            return existing
        if not activate:
            version = DefinitionVersion.objects.create(
                code=definition.code, name=definition.name, content_hash=definition.content_hash, text=text,
                raw=definition.raw, shipped=filename.startswith("shipped:"), note=note,
                created_by=actor.get_username() if actor else actor_username, is_active=False,
            )  # fmt: skip
            record(actor=actor, actor_username=actor_username, action=AuditAction.CREATE, obj=version,
                   details={"code": version.code, "hash": version.content_hash, "active": False})  # fmt: skip
            return version
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


def activate_confirmed(
    *, text: str, actor, expected_active: str, note: str = "", filename: str = ""
) -> tuple[DefinitionVersion, bool]:
    """Activate a draft whose effect was shown against the version `expected_active` (its hash;
    "" for none), only while that version is still the active one: a retried confirmation finds
    the draft already active and changes nothing (False), and a confirmation given against a
    version someone else has since replaced is refused (Conflict), to be shown again."""
    definition = load_text(text, filename=filename or "definition.yaml")
    with transaction.atomic():
        active = (
            DefinitionVersion.objects.select_for_update().filter(code=definition.code, is_active=True).first()
        )
        current = active.content_hash if active else ""
        if active is not None and current == definition.content_hash:
            return active, False
        if current != expected_active:
            raise Conflict(
                _("Another version of %(code)s was activated after this preview; look at the preview again.")
                % {"code": definition.code}
            )
        return save_definition(text=text, actor=actor, note=note, filename=filename), True


def sync_shipped() -> list[DefinitionVersion]:
    """Store the shipped definitions; a shipped version replaces the active one only when the
    active one is itself a shipped version (a city's own edit stays active). Earlier shipped
    versions (data/versions/<code>.v<N>.yaml) are kept beside it, inactive and runnable."""
    out = []
    for code in SHIPPED:
        for older in sorted((DATA_DIR / "versions").glob(f"{code}.v*.yaml")):
            save_definition(text=older.read_text(encoding="utf-8"), actor_username="zhili",
                            filename=f"shipped:versions/{older.name}", activate=False)  # fmt: skip
        text = (DATA_DIR / f"{code}.yaml").read_text(encoding="utf-8")
        active = DefinitionVersion.objects.filter(code=code, is_active=True).first()
        if active and not active.shipped:
            out.append(active)
            continue
        out.append(save_definition(text=text, actor_username="zhili", filename=f"shipped:{code}.yaml"))
    return out


def definition_version(code: str, version: str | None = None) -> DefinitionVersion:
    """The active version of `code`, or the stored version whose hash starts with `version`."""
    if not version:
        return active_definition(code)
    if code in SHIPPED and not DefinitionVersion.objects.filter(code=code).exists():
        sync_shipped()
    found = list(DefinitionVersion.objects.filter(code=code, content_hash__startswith=version.lower())[:2])
    if len(found) != 1 or len(version) < 6:
        raise NotFound(
            _(
                "no single version of “%(code)s” whose hash starts with “%(version)s” (give at least 6 characters)"
            )
            % {"code": code, "version": version},
            details=[{"field": "version", "value": version}],
        )
    return found[0]


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


def deliveries(first: date, last: date, now: datetime | None = None) -> Judgement:
    """Short deliveries and open days over first..last, judged from the lake (`deliveries`)."""
    return judge(first, last, now=now or timezone.now(), lake_from=lake_start())


def type_departments(codes: list[str]) -> dict[str, str]:
    from zhili.hub.models import EventType

    return dict(EventType.objects.filter(code__in=codes).values_list("code", "department__code"))


def data_digest(cube: Cube, figures: dict, missing: dict, open_days: set[date]) -> str:
    """A digest of everything a run reads: the cube of measures per unit and day (not the lake's
    files, whose bytes change with the order the events arrived in), the figures, the short
    deliveries and the days still open. Equal digests mean equal inputs to the scoring."""
    h = hashlib.sha256(cube.digest().encode())
    h.update(canonical_json(sorted(str(d) for d in open_days)).encode())
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


def check_against_data(definition: Definition, kind: str, target: Period, units: dict, lake_from) -> None:
    """Refuse, naming the leaf and the field, what the data cannot support: a reference window
    longer than the history the lake holds before `target`, or a shrinkage prior over peers too
    few to estimate how much they differ (zhili/index/reference.py, MIN_PEERS)."""
    from zhili.index.engine import peer_groups, tree_for
    from zhili.index.reference import MIN_PEERS, per_kind, reference_for

    problems = []
    held = (
        len(periods_between(kind, lake_from, target.previous().start))
        if lake_from and target.start > lake_from
        else 0
    )
    for leaf in tree_for(definition, kind).leaves():
        ref = (leaf.scoring or {}).get("reference") if (leaf.scoring or {}).get("method") == "ratio" else None
        if not ref or ("method" not in ref and kind not in ref):
            continue
        ref = reference_for(ref, kind)
        if ref["method"] == "trailing":
            needed, field = (
                per_kind(ref["n"], kind) + per_kind(ref.get("guard", 0), kind),
                "scoring.reference.n",
            )
        elif ref["method"] == "peers":
            needed, field = per_kind(ref.get("history", 12), kind), "scoring.reference.history"
            for level, rows in units.items():
                sizes: dict[str, int] = {}
                for key in peer_groups(definition, rows):
                    sizes[key] = sizes.get(key, 0) + 1
                small = {k: n for k, n in sizes.items() if n < MIN_PEERS and len(rows) > 1}
                if small:
                    problems.append({
                        "path": leaf.path, "field": "ranking", "level": level,
                        "reason": _("%(n)d peers in a group of %(level)s units: a shrinkage prior needs at least %(min)d")
                        % {"n": min(small.values()), "level": level, "min": MIN_PEERS},
                    })  # fmt: skip
        else:
            continue
        if held < needed:
            problems.append({
                "path": leaf.path, "field": field, "needed": needed, "available": held,
                "reason": _("the reference looks back %(needed)d periods; the data hold %(held)d before %(period)s")
                % {"needed": needed, "held": held, "period": target.key},
            })  # fmt: skip
    if problems:
        first = problems[0]
        raise IndexInputError(
            _("%(path)s, “%(field)s”: %(reason)s") % first
            + (f" (+{len(problems) - 1})" if len(problems) > 1 else ""),
            details=problems[:50],
        )


def first_scorable(code: str, kind: str) -> date | None:
    """The first period of `kind` that the active `code` can score from the lake: the lake's
    first period moved on by the longest history its references ask for (`check_against_data`).
    None without a lake."""
    from zhili.index.engine import tree_for
    from zhili.index.periods import period_of
    from zhili.index.reference import per_kind, reference_for

    start = lake_start()
    if start is None:
        return None
    definition = active_definition(code).parsed()
    needed = 0
    for leaf in tree_for(definition, kind).leaves():
        scoring = leaf.scoring or {}
        ref = scoring.get("reference") if scoring.get("method") == "ratio" else None
        if not ref or ("method" not in ref and kind not in ref):
            continue
        ref = reference_for(ref, kind)
        if ref["method"] == "trailing":
            needed = max(needed, per_kind(ref["n"], kind) + per_kind(ref.get("guard", 0), kind))
        elif ref["method"] == "peers":
            needed = max(needed, per_kind(ref.get("history", 12), kind))
    first = period_of(kind, start)
    return (first.shift(needed) if first.start == start else first.shift(needed + 1)).start


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
    judgement: Judgement | None = None


def compute(
    definition: Definition,
    kind: str,
    targets: list[Period],
    *,
    engine: str = Engine.DUCKDB,
    now: datetime | None = None,
) -> Computed:
    """Score without storing: what `run` stores, and what the sensitivity analysis varies.
    `now` decides which days are still open (provisional); by default the present."""
    started = time.perf_counter()
    if kind not in definition.periods:
        raise IndexInputError(
            _("“%(code)s” is computed per %(periods)s, not per %(kind)s")
            % {"code": definition.code, "periods": ", ".join(definition.periods), "kind": kind},
            details=[{"field": "period", "value": kind}],
        )
    units = load_units(definition.units)
    check_against_data(definition, kind, targets[0], units, lake_start())
    measures = MeasureSet(definition)
    first, last, _evaluated = window(definition, kind, targets)
    figures = load_figures(units)
    judgement = deliveries(first, last, now)
    missing = judgement.as_missing()
    ctx = Context(
        definition, kind, targets, units, figures, missing, type_departments(measures.event_types()),
        open_days=judgement.open_days,
    )  # fmt: skip
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
    digest = data_digest(cube, figures, missing, judgement.open_days)
    return Computed(
        definition, outcomes, digest, watermark(first, last), missing, time.perf_counter() - started,
        judgement,
    )  # fmt: skip


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
        "incomplete": o.incomplete, "nodes": o.nodes, "provisional": o.provisional, "coverage": o.coverage,
        "evidence": o.evidence,
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
    version: str | None = None,
) -> tuple[Run, bool]:
    """Compute and store a run; (run, created). The same definition version, data and engine as
    the latest revision → that revision again, nothing written. Different data → the next
    revision. With `wait_for_data` a period with an undelivered feed is refused instead of
    scored incomplete."""
    targets = targets_for(kind, first, last)
    version = definition_version(code, version)
    definition = version.parsed()
    if export_lake:
        from zhili.hub.lake import export

        export()
    if wait_for_data:
        _refuse_unready(deliveries(targets[0].start, targets[-1].end))
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
            missing_feeds=_short_deliveries(computed, targets),
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


def _refuse_unready(judged: Judgement) -> None:
    """For `wait_for_data`: a period with a day still open or a short delivery is not run."""
    if judged.open_days:
        days = sorted(judged.open_days)
        raise DataNotReady(
            _("waiting for data: %(day)s is not closed yet (its cut-off is %(cutoff)s)")
            % {
                "day": days[-1],
                "cutoff": timezone.localtime(cutoff_for(days[-1])).strftime("%Y-%m-%d %H:%M"),
            },
            details=[{"field": "date", "days": [str(d) for d in days]}],
        )
    missing = judged.as_missing()
    if missing:
        raise DataNotReady(
            _("waiting for data: %(depts)s delivered nothing on some days of these periods")
            % {"depts": ", ".join(sorted(missing))},
            details=[
                {"department": d, "days": sorted(str(x) for x in days)} for d, days in sorted(missing.items())
            ],
        )


def _short_deliveries(computed: Computed, targets: list[Period]) -> list[dict]:
    """The departments that delivered short on the run's own days, with what came and what a
    usual day brings: what the pages name when they say 数据未齐."""
    first, last = targets[0].start, targets[-1].end
    detail = computed.judgement.detail if computed.judgement else {}
    out = []
    for dept, days in sorted(computed.missing.items()):
        mine = sorted(d for d in days if first <= d <= last)
        if mine:
            out.append({
                "department": dept,
                "days": [str(d) for d in mine],
                "counts": [detail.get(dept, {}).get(d, (None, None))[0] for d in mine],
                "expected": [detail.get(dept, {}).get(d, (None, None))[1] for d in mine],
            })  # fmt: skip
    return out


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
