"""Importing files of events: CSV, XLSX, JSON lines and Parquet (read by `readers`), mapped to
event items with a department's saved column mapping, then ingested.

File-level problems (encoding, header, file type) are found before anything is written and
refuse the whole file; row-level problems are the ingestion's (atomic or partial)."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from queue import Full

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.hub.ingest import Ingestion, local_tz
from zhili.hub.models import Channel, ColumnMapping, Delivery, DeliveryStatus, ImportMode, Rejection, Source
from zhili.hub.readers import ACCEPTED, FileError, Mapping, detect_format, read, scan_text, sha256_of

__all__ = ["ACCEPTED", "FileError", "FileImport", "Mapping", "error_csv", "import_file", "import_upload"]


@dataclass
class FileImport:
    delivery: Delivery
    ingestion: Ingestion | None


def import_file(
    path: Path,
    *,
    source: Source,
    mode: str = ImportMode.PARTIAL,
    mapping: Mapping | None = None,
    original_name: str | None = None,
    submitted_by: str = "",
    progress=None,
) -> FileImport:
    """Import one file. File-level errors leave a rejected delivery and write no event."""
    path = Path(path)
    name = original_name or path.name
    mapping = mapping or Mapping.for_source(source)
    encoding = None
    try:
        fmt = detect_format(path, name)
        if fmt in ("csv", "jsonl"):
            encoding, digest = scan_text(path, name)
        else:
            digest = sha256_of(path)
        items = read(fmt, path, mapping, name, encoding)
        first = next(items, None)  # reads and checks the header before anything is written
    except FileError as exc:
        return FileImport(_rejected_file(source, name, mode, submitted_by, exc), None)
    ingestion = Ingestion(
        source=source,
        channel=Channel.FILE,
        mode=mode,
        filename=name,
        file_sha256=digest,
        submitted_by=submitted_by,
        default_tz=mapping.timezone,
        keep_results=False,
    )
    if _worth_a_worker(path):
        items.close()
        with ValidatingWorker(ingestion, fmt, path, mapping, name, encoding) as chunks:
            ingestion.run(checked_chunks=chunks, progress=progress)
    else:
        ingestion.run(_chain(first, items), progress=progress)
    return FileImport(ingestion.delivery, ingestion)


def _worth_a_worker(path: Path) -> bool:
    return (
        settings.HUB_VALIDATION_WORKER
        and (os.cpu_count() or 1) > 1
        and path.stat().st_size >= settings.HUB_VALIDATION_WORKER_MIN_BYTES
    )


class ValidatingWorker:
    """Reads and validates the file in a second process while this one writes to the database:
    on two cores the two halves of the work overlap. The worker touches no database (everything
    it needs — the catalogue, the unit codes, the geo index — is built here before the fork) and
    stops by itself if this process dies (kill -9 included)."""

    def __init__(
        self, ingestion: Ingestion, fmt: str, path: Path, mapping: Mapping, name: str, encoding: str | None
    ):
        from zhili.geo.lookup import get_index

        get_index()  # built before the fork, inherited by the worker
        ctx = multiprocessing.get_context("fork")
        self.queue = ctx.Queue(maxsize=3)
        self.process = ctx.Process(
            target=_validate_in_worker,
            daemon=True,
            args=(
                self.queue,
                ingestion.validator,
                ingestion.preparer,
                (fmt, path, mapping, name, encoding),
                os.getpid(),
            ),
        )

    def __enter__(self):
        self.process.start()
        return self._chunks()

    def _chunks(self):
        while True:
            message = self.queue.get()
            if message is None:
                return
            if isinstance(message, tuple) and message[0] == "error":
                raise FileError(message[1])
            yield message

    def __exit__(self, *exc):
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        self.queue.close()
        return False


def _validate_in_worker(queue, validator, preparer, what: tuple, parent_pid) -> None:
    from zhili.hub.ingest import CHUNK, _chunks, check_chunk

    def put(message) -> None:
        while True:
            try:
                queue.put(message, timeout=1)
                return
            except Full:
                if os.getppid() != parent_pid:  # the writer is gone: stop
                    os._exit(1)

    import gc

    gc.set_threshold(50_000, 20, 100)  # as in the writer: millions of short-lived small objects
    try:
        for chunk in _chunks(read(*what), CHUNK):
            put(check_chunk(validator, preparer, chunk))
    except Exception as exc:  # reported to the writer, which fails the delivery
        put(("error", f"{what[3]}: {exc}"))
    put(None)
    queue.close()
    queue.join_thread()


def _chain(first, rest):
    if first is not None:
        yield first
    yield from rest


def _rejected_file(source: Source, name: str, mode: str, submitted_by: str, exc: FileError) -> Delivery:
    now = timezone.now()
    delivery = Delivery.objects.create(
        source=source,
        department_id=source.department_id,
        channel=Channel.FILE,
        mode=mode,
        filename=name[:255],
        submitted_by=submitted_by[:150],
        status=DeliveryStatus.REJECTED,
        finished_at=now,
        received_date=timezone.localtime(now, local_tz()).date(),
        message=exc.message[:2000],
    )
    Rejection.objects.bulk_create(
        [
            Rejection(
                delivery=delivery,
                department_id=source.department_id,
                received_date=delivery.received_date,
                line=d.get("line"),
                field=str(d.get("field", ""))[:64],
                reason=str(d.get("reason", ""))[:32],
                message=exc.message[:500],
            )
            for d in exc.details[:1000]
        ]
    )
    return delivery


def import_upload(
    *,
    upload,
    source: Source,
    mode: str,
    submitted_by: str,
    mapping_name: str = "default",
    mapping: ColumnMapping | None = None,
) -> Delivery:
    """An uploaded file (Django UploadedFile): size checked, copied to a temporary file, imported
    with the saved `mapping` (one of the source's) or the source's mapping called `mapping_name`."""
    if upload.size > settings.HUB_MAX_UPLOAD_BYTES:
        raise FileError(
            _(
                "%(file)s is %(size)d MB; the upload limit is %(max)d MB — use `zhili hub import` for larger files"
            )
            % {
                "file": upload.name,
                "size": upload.size // 2**20,
                "max": settings.HUB_MAX_UPLOAD_BYTES // 2**20,
            },
            details=[{"file": upload.name, "field": "file", "reason": "too_large"}],
            status=413,
        )
    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=True) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        result = import_file(
            Path(tmp.name),
            source=source,
            mode=mode,
            mapping=Mapping.of(mapping) if mapping is not None else Mapping.for_source(source, mapping_name),
            original_name=upload.name,
            submitted_by=submitted_by,
        )
    return result.delivery


def error_csv(delivery: Delivery) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that Excel opens the Chinese text as UTF-8
    writer = csv.writer(out)
    writer.writerow(["line", "source_id", "field", "reason", "message"])
    for r in delivery.rejections.order_by("line", "id"):
        writer.writerow(
            [r.line if r.line is not None else "", r.source_event_id, r.field, r.reason, r.message]
        )
    return out.getvalue()
