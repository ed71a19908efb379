"""Taking items in: validate, place, de-duplicate, version, write, count.

One `Ingestion` per delivery (an API batch, a file, a module's publication). Items go through
in chunks; each chunk is one transaction in partial mode, so a crash loses at most the chunk in
flight and a re-run finds the rest as duplicates. In atomic mode the whole delivery is one
transaction and a single bad item rolls it all back.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.geo.models import Unit
from zhili.hub import store
from zhili.hub.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventType,
    ImportMode,
    LakeDay,
    Rejection,
    Source,
)
from zhili.hub.validation import CheckedItem, Invalid, ItemValidator, RawItem, Reason, TypeRule

log = logging.getLogger("zhili.hub")

CHUNK = 10_000
MAX_REJECTIONS_KEPT = 100_000
MAX_SKIPPED_NOTED = 20


class Outcome:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    CORRECTED = "corrected"
    RETRACTED = "retracted"
    REJECTED = "rejected"


@dataclass(slots=True)
class ItemResult:
    line: int
    source_id: str
    outcome: str
    event_id: int | None = None
    version: int | None = None
    field: str = ""
    reason: str = ""
    message: str = ""


@dataclass
class Counts:
    received: int = 0
    accepted: int = 0
    duplicate: int = 0
    corrected: int = 0
    retracted: int = 0
    rejected: int = 0
    late: int = 0
    skipped: int = 0  # rows that are no event (a 合计 row); not among `received`

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class AtomicRejected(Exception):
    """Raised inside the atomic transaction so that nothing of the delivery is kept."""


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


def cutoff_for(day: date) -> datetime:
    """When the index closes `day`: the next day at ZHILI_HUB_CUTOFF (local time)."""
    hour, minute = (int(x) for x in settings.HUB_CUTOFF.split(":"))
    return datetime.combine(day + timedelta(days=1), time(hour, minute), tzinfo=local_tz())


def last_closed_day(now: datetime | None = None) -> date:
    """The latest day whose cut-off has passed at `now`: the day the index may call final."""
    local = timezone.localtime(now or timezone.now(), local_tz())
    day = local.date() - timedelta(days=1)
    return day if local >= cutoff_for(day) else day - timedelta(days=1)


def data_day_of(moment: datetime) -> date:
    """The day whose data a delivery at `moment` belongs to: before the cut-off, the day before."""
    local = timezone.localtime(moment, local_tz())
    day = local.date()
    return day if local >= cutoff_for(day - timedelta(days=1)) else day - timedelta(days=1)


@dataclass
class Ingestion:
    source: Source
    channel: str
    mode: str = ImportMode.PARTIAL
    filename: str = ""
    file_sha256: str = ""
    submitted_by: str = ""
    default_tz: str | None = None
    keep_results: bool = True
    counts: Counts = field(default_factory=Counts)
    delivery: Delivery | None = None
    results: list[ItemResult] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, 合计) for the note

    def __post_init__(self) -> None:
        self.now = timezone.now()
        self.received_date = timezone.localtime(self.now, local_tz()).date()
        self.validator = self._validator()
        self._lake_days: set[date] = set()
        self.preparer = Preparer(types=self.validator.types, tz=self._tz, now=self.now)
        self._now_db = self.preparer.db_datetime(self.now)

    # --- public -----------------------------------------------------------------------------
    def run(
        self,
        items: Iterable[RawItem] | None = None,
        *,
        progress=None,
        checked_chunks: Iterable[CheckedChunk] | None = None,
    ) -> Delivery:
        """Take all items (or chunks already checked elsewhere); returns the finished delivery."""
        chunks = checked_chunks if checked_chunks is not None else _chunks(items, CHUNK)
        with _fewer_gc_passes():
            return self._run(chunks, progress)

    def _run(self, chunks, progress) -> Delivery:
        self.delivery = Delivery.objects.create(
            source=self.source,
            department_id=self.source.department_id,
            channel=self.channel,
            mode=self.mode,
            filename=self.filename[:255],
            file_sha256=self.file_sha256,
            submitted_by=self.submitted_by[:150],
            received_date=self.received_date,
        )
        try:
            if self.mode == ImportMode.ATOMIC:
                self._run_atomic(chunks, progress)
            else:
                for chunk in chunks:
                    self._chunk_with_retry(chunk)
                    if progress:
                        progress(self.counts.received)
        except AtomicRejected:
            pass
        except Exception:
            Delivery.objects.filter(pk=self.delivery.pk).update(
                status=DeliveryStatus.FAILED, finished_at=timezone.now()
            )
            raise
        self._finish()
        return self.delivery

    # --- the two modes ----------------------------------------------------------------------
    def _run_atomic(self, chunks, progress) -> None:
        try:
            with transaction.atomic():
                for chunk in chunks:
                    self._chunk(chunk)
                    if progress:
                        progress(self.counts.received)
                if self.counts.rejected:
                    raise AtomicRejected
        except AtomicRejected:
            # Nothing was kept: every item of the file counts as rejected, the bad ones with a reason.
            self._lake_days.clear()
            self.results = [r for r in self.results if r.outcome == Outcome.REJECTED]
            self.counts = Counts(
                received=self.counts.received, rejected=self.counts.received, skipped=self.counts.skipped
            )
            raise

    def _chunk_with_retry(self, chunk: list[RawItem] | CheckedChunk) -> None:
        """A concurrent delivery of the same ids can collide on the unique index: read again, once.
        Validation runs before the transaction, so no lock is held while items are checked."""
        if not isinstance(chunk, CheckedChunk):
            chunk = check_chunk(self.validator, self.preparer, chunk)
        try:
            with transaction.atomic():
                self._chunk(chunk)
        except IntegrityError:
            log.info("chunk collided with a concurrent delivery; retrying")
            self._undo_last_chunk_bookkeeping()
            with transaction.atomic():
                self._chunk(chunk)

    def _undo_last_chunk_bookkeeping(self) -> None:
        self.counts, self.results, self.rejections, self.skipped_rows = self._saved

    # --- one chunk --------------------------------------------------------------------------
    def _chunk(self, chunk: list[RawItem] | CheckedChunk) -> None:
        checked = (
            chunk if isinstance(chunk, CheckedChunk) else check_chunk(self.validator, self.preparer, chunk)
        )
        self._saved = (
            Counts(**vars(self.counts)),
            list(self.results),
            list(self.rejections),
            list(self.skipped_rows),
        )
        counts = Counts(received=checked.received, skipped=len(checked.skipped))
        self.skipped_rows.extend(checked.skipped[: MAX_SKIPPED_NOTED - len(self.skipped_rows)])
        for reject in checked.rejects:
            self._reject(counts, *reject)
        existing = store.current_versions(self.source.pk, [p[P_SID] for p in checked.items])
        inserts, not_current, retract_ids = [], [], []
        seen: dict[str, tuple] = {}  # ids already handled in this chunk
        pending_index: dict[str, int] = {}  # id → its row in `inserts`
        source_pk, delivery_pk, now_db = self.source.pk, self.delivery.pk, self._now_db
        for line, sid, retract, digest, day, late, middle in checked.items:
            current = seen.get(sid) or existing.get(sid)
            if retract:
                if current is None:
                    self._reject(
                        counts,
                        line,
                        sid,
                        "source_id",
                        Reason.UNKNOWN_EVENT,
                        _("no event %(id)s to retract") % {"id": sid},
                    )
                elif current[3]:
                    self._result(counts, Outcome.DUPLICATE, line, sid, current[0], current[1])
                else:
                    retract_ids.append(current[0])
                    self._lake_days.add(current[4])
                    seen[sid] = (current[0], current[1], current[2], True, current[4])
                    self._result(counts, Outcome.RETRACTED, line, sid, current[0], current[1])
                continue
            if current is not None and current[2] == digest and not current[3]:
                self._result(counts, Outcome.DUPLICATE, line, sid, current[0], current[1])
                continue
            version = 1 if current is None else current[1] + 1
            if current is not None:
                if current[0] is not None:
                    not_current.append(current[0])
                else:  # the same id twice in one chunk: its earlier version, not yet written, is history
                    pending = pending_index[sid]
                    inserts[pending] = (*inserts[pending][:3], False, *inserts[pending][4:])
                self._lake_days.add(current[4])
            pending_index[sid] = len(inserts)
            inserts.append((source_pk, sid, version, True, False, *middle, delivery_pk, now_db, late))
            counts.late += late
            seen[sid] = (None, version, digest, False, day)
            self._lake_days.add(day)
            self._result(
                counts, Outcome.ACCEPTED if current is None else Outcome.CORRECTED, line, sid, None, version
            )
        store.mark_not_current(not_current)
        store.mark_retracted(retract_ids)
        store.insert_events(inserts, adapted=True)
        if self.mode != ImportMode.ATOMIC:
            self._flush_chunk(counts)
        self.counts.add(counts)

    def _flush_chunk(self, counts: Counts) -> None:
        """Inside the chunk's transaction: its rejections, its lake days and the delivery's counts."""
        Rejection.objects.bulk_create(self.rejections[:MAX_REJECTIONS_KEPT])
        self.rejections = []
        _touch_lake_days(self._lake_days)
        self._lake_days = set()
        Delivery.objects.filter(pk=self.delivery.pk).update(
            **{name: F(name) + getattr(counts, name) for name in Counts.__dataclass_fields__}
        )

    # --- bookkeeping ------------------------------------------------------------------------
    def _result(self, counts: Counts, outcome: str, line: int, sid: str, event_id, version) -> None:
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        if self.keep_results:
            self.results.append(ItemResult(line, sid, outcome, event_id, version))

    def _reject(
        self, counts: Counts, line: int, source_id: str, field_name: str, reason: str, message: str
    ) -> None:
        counts.rejected += 1
        # What a sender wrote is echoed back and stored; NUL characters cannot be (PostgreSQL).
        source_id, field_name, message = (_printable(v) for v in (source_id, field_name, message))
        self.results.append(
            ItemResult(line, source_id, Outcome.REJECTED, field=field_name, reason=reason, message=message)
        )
        self.rejections.append(
            Rejection(
                delivery=self.delivery,
                department_id=self.source.department_id,
                received_date=self.received_date,
                line=line,
                source_event_id=source_id[:100],
                field=field_name[:64],
                reason=reason,
                message=message[:500],
            )
        )

    def _finish(self) -> None:
        rejected_whole = self.mode == ImportMode.ATOMIC and self.counts.rejected > 0
        notes = []
        if rejected_whole:
            notes.append(_("rejected whole: %(n)d bad items, nothing written") % {"n": len(self.rejections)})
        if self.counts.skipped:
            notes.append(self._skipped_note())
        with transaction.atomic():
            if self.mode == ImportMode.ATOMIC:
                Rejection.objects.bulk_create(self.rejections[:MAX_REJECTIONS_KEPT])
                if not rejected_whole:
                    _touch_lake_days(self._lake_days)
                Delivery.objects.filter(pk=self.delivery.pk).update(**vars(self.counts))
            Delivery.objects.filter(pk=self.delivery.pk).update(
                status=DeliveryStatus.REJECTED if rejected_whole else DeliveryStatus.DONE,
                finished_at=timezone.now(),
                message="; ".join(notes),
            )
        self.delivery.refresh_from_db()

    def _skipped_note(self) -> str:
        """What the delivery says about rows it did not take as events (not rejections: nothing
        is wrong with a sum row, and the sender need not send it again)."""
        rows = ", ".join(
            _("line %(line)d “%(text)s”") % {"line": line, "text": text} for line, text in self.skipped_rows
        )
        more = self.counts.skipped - len(self.skipped_rows)
        return _("%(n)d total row(s) skipped, not events: %(rows)s") % {
            "n": self.counts.skipped,
            "rows": rows + (f" … (+{more})" if more > 0 else ""),
        }

    def _validator(self) -> ItemValidator:
        types = {
            t.code: TypeRule(t.code, t.pk, t.department_id, {f["name"]: f for f in t.fields})
            for t in EventType.objects.filter(is_active=True).only("pk", "code", "department_id", "fields")
        }
        allowed = {code for code, rule in types.items() if rule.department_id == self.source.department_id}
        self._tz = local_tz()
        return ItemValidator(
            types=types,
            allowed=allowed,
            unit_codes=_unit_codes(),
            now=self.now,
            future_tolerance=timedelta(seconds=settings.HUB_FUTURE_TOLERANCE_SECONDS),
            oldest=datetime(settings.HUB_OLDEST_YEAR, 1, 1, tzinfo=UTC),
            default_tz=ZoneInfo(self.default_tz) if self.default_tz else None,
        )


# A prepared item: everything the writer needs, as plain values (cheap to pass between processes).
P_LINE, P_SID, P_RETRACT, P_HASH, P_DAY, P_LATE, P_MIDDLE = range(7)


class Preparer:
    """Turns a checked item into a prepared one: the event row but for version, delivery and
    received time, which only the writer knows. Pure (no database), so a worker can run it."""

    def __init__(self, *, types: dict[str, TypeRule], tz, now: datetime):
        self.types, self.tz, self.now = types, tz, now
        self.db_datetime = store.db_datetime_converter()
        self.db_date = store.db_date_converter()
        self._days: dict[date, tuple] = {}  # local day → (late?, the day as the database takes it)

    def __call__(self, item: CheckedItem) -> tuple:
        if item.retract:
            return (item.line, item.source_id, True, "", None, False, None)
        rule = self.types[item.type_code]
        day = item.occurred_at.astimezone(self.tz).date()
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = (self.now > cutoff_for(day), self.db_date(day))
        m = item.measures
        middle = (
            rule.type_id,
            rule.department_id,
            self.db_datetime(item.occurred_at),
            info[1],
            item.unit_code,
            item.lon,
            item.lat,
            m["quantity"],
            m["deaths"],
            m["injuries"],
            m["amount"],
            m["value"],
            m["category"],
            item.fields_json,
            item.payload_hash,
        )
        return (item.line, item.source_id, False, item.payload_hash, day, info[0], middle)


@dataclass(slots=True)
class CheckedChunk:
    """A chunk after validation, placement and preparation, before de-duplication and writing.
    It is what a validating worker process hands to the writing one (see files.py)."""

    items: list[tuple]  # prepared items (P_* positions)
    rejects: list[tuple]  # (line, source id, field, reason, message)
    received: int
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, 合计): rows that are no event


def check_chunk(validator: ItemValidator, prepare: Preparer, chunk: list[RawItem]) -> CheckedChunk:
    """Validate a chunk, place the items given by lon/lat in one vectorised lookup, prepare them."""
    checked: list[CheckedItem] = []
    rejects: list[tuple] = []
    skipped: list[tuple[int, str]] = []
    for raw in chunk:
        if raw.skip:
            skipped.append((raw.line, raw.skip))
            continue
        try:
            checked.append(validator.check(raw))
        except Invalid as bad:
            rejects.append((raw.line, _source_id(raw), bad.field, bad.reason, bad.message))
    by_point = [c for c in checked if not c.retract and not c.unit_code]
    if by_point:
        from zhili.geo.lookup import locate_leaf

        codes = locate_leaf(np.array([c.lon for c in by_point]), np.array([c.lat for c in by_point]))
        outside = set()
        for item, code in zip(by_point, codes, strict=True):
            if code:
                item.unit_code = code
            else:
                outside.add(id(item))
                rejects.append(
                    (
                        item.line,
                        item.source_id,
                        "lon,lat",
                        Reason.OUTSIDE_CITY,
                        _("(%(lon)s, %(lat)s) is outside every unit of the city")
                        % {"lon": item.lon, "lat": item.lat},
                    )
                )
        checked = [c for c in checked if id(c) not in outside]
    return CheckedChunk([prepare(c) for c in checked], rejects, len(chunk) - len(skipped), skipped)


@contextmanager
def _fewer_gc_passes():
    """An import allocates millions of small objects that all live to the end of their chunk;
    the default collector thresholds spend a fifth of the time scanning them."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _unit_codes() -> set[str]:
    return set(Unit.objects.values_list("code", flat=True))


def _touch_lake_days(days: set[date]) -> None:
    """The lake must re-export these days: their current events changed."""
    if not days:
        return
    now = timezone.now()
    known = set(LakeDay.objects.filter(day__in=days).values_list("day", flat=True))
    LakeDay.objects.filter(day__in=days).update(changed_at=now)
    LakeDay.objects.bulk_create(
        [LakeDay(day=d, changed_at=now) for d in sorted(days - known)], ignore_conflicts=True
    )


def _chunks(items: Iterable[RawItem], size: int):
    chunk: list[RawItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _printable(text: str) -> str:
    return text.replace("\x00", "\\0") if "\x00" in text else text


def _source_id(raw: RawItem) -> str:
    data = raw.data if isinstance(raw.data, dict) else {}
    return str(data.get("source_id") or "")[:100]


def ingest(
    *,
    source: Source,
    items: Iterable[dict],
    channel: str = Channel.API,
    mode: str = ImportMode.PARTIAL,
    submitted_by: str = "",
) -> Ingestion:
    """Ingest plain dicts (an API batch, a module's publication); results in `.results`."""
    ingestion = Ingestion(source=source, channel=channel, mode=mode, submitted_by=submitted_by)
    ingestion.run(RawItem(i, data) for i, data in enumerate(items))
    return ingestion
