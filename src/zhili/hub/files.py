"""Files of events: CSV, XLSX, JSON lines and Parquet, read as a stream (a 2 GB file never sits in
memory), mapped to event items with a department's saved column mapping, then ingested.

File-level problems (encoding, header, file type) are found before anything is written and
refuse the whole file; row-level problems are the ingestion's (atomic or partial)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.hub.ingest import Ingestion, local_tz
from zhili.hub.models import Channel, ColumnMapping, Delivery, DeliveryStatus, ImportMode, Rejection, Source
from zhili.hub.validation import RawItem

STANDARD = ("source_id", "type", "occurred_at", "unit_code", "lon", "lat", "retract")
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
ACCEPTED = ".csv, .xlsx, .jsonl, .parquet"


class FileError(ZhiliError):
    code = "invalid_file"


@dataclass
class Mapping:
    """file column → target: a standard name (source_id, type, occurred_at, unit_code, lon, lat,
    retract) or a field name; constants fill targets the file lacks; timezone applies to times
    without one (Excel dates)."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    @property
    def timezone(self) -> str | None:
        return self.constants.get("timezone") or None

    def targets(self, header: list[str]) -> list[str]:
        return [self.columns.get(col, col) for col in header]

    @classmethod
    def for_source(cls, source: Source, name: str = "default") -> Mapping:
        saved = ColumnMapping.objects.filter(source=source, name=name).first()
        return cls(dict(saved.columns), dict(saved.constants)) if saved else cls()


def detect_format(path: Path, original_name: str | None = None) -> str:
    name = original_name or path.name
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise FileError(
            _("%(file)s: unsupported file type; accepted: %(types)s") % {"file": name, "types": ACCEPTED},
            details=[{"file": name, "line": None, "field": "-", "reason": "unsupported_type"}],
        )
    with path.open("rb") as fh:
        head = fh.read(4)
    binary = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1"}
    if fmt in binary and head != binary[fmt]:
        raise FileError(
            _("%(file)s is not a real %(fmt)s file") % {"file": name, "fmt": fmt.upper()},
            details=[{"file": name, "line": None, "field": "-", "reason": "corrupt_file"}],
        )
    if fmt in ("csv", "jsonl") and head in (b"PK\x03\x04", b"PAR1"):
        raise FileError(
            _("%(file)s is binary, not %(fmt)s text") % {"file": name, "fmt": fmt.upper()},
            details=[{"file": name, "line": None, "field": "-", "reason": "corrupt_file"}],
        )
    return fmt


def scan_text(path: Path, name: str) -> str:
    """Check that the whole file is UTF-8 before any row is taken; return its SHA-256."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as fh:
        while block := fh.read(8 * 1024 * 1024):
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line += block[: exc.start].count(b"\n")
                raise FileError(
                    _("%(file)s:%(line)d: the file is not UTF-8 (for example GBK); save it as UTF-8")
                    % {"file": name, "line": line},
                    details=[{"file": name, "line": line, "field": "-", "reason": "not_utf8"}],
                ) from None
            if (nul := block.find(b"\x00")) >= 0:
                where = line + block[:nul].count(b"\n")
                raise FileError(
                    _("%(file)s:%(line)d: the file contains NUL bytes; it is not a text file (UTF-16?)")
                    % {"file": name, "line": where},
                    details=[{"file": name, "line": where, "field": "-", "reason": "not_text"}],
                )
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileError(
                _("%(file)s: the file ends inside a character; it is not UTF-8") % {"file": name},
                details=[{"file": name, "line": line, "field": "-", "reason": "not_utf8"}],
            ) from None
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def check_header(header: list[str], mapping: Mapping, name: str) -> list[str]:
    clean = [str(h).strip() if h is not None else "" for h in header]
    duplicated = sorted({h for h in clean if clean.count(h) > 1})
    if duplicated:
        raise FileError(
            _("%(file)s:1: column “%(col)s” appears more than once") % {"file": name, "col": duplicated[0]},
            details=[{"file": name, "line": 1, "field": c, "reason": "duplicate_column"} for c in duplicated],
        )
    if "" in clean:
        raise FileError(
            _("%(file)s:1: a column has no name") % {"file": name},
            details=[
                {
                    "file": name,
                    "line": 1,
                    "field": f"column {clean.index('') + 1}",
                    "reason": "empty_column_name",
                }
            ],
        )
    targets = set(mapping.targets(clean)) | set(mapping.constants)
    missing = [t for t in ("source_id", "occurred_at", "type") if t not in targets]
    if "unit_code" not in targets and not {"lon", "lat"} <= targets:
        missing.append("unit_code or lon+lat")
    if missing:
        raise FileError(
            _("%(file)s:1: missing column(s) %(cols)s") % {"file": name, "cols": ", ".join(missing)},
            details=[{"file": name, "line": 1, "field": m, "reason": "missing_column"} for m in missing],
        )
    return clean


def _item(line: int, targets: list[str], values, constants: dict) -> RawItem:
    data: dict = {k: v for k, v in constants.items() if k != "timezone"} if constants else {}
    fields: dict = {}
    for target, value in zip(targets, values, strict=False):
        if value is None or value == "":
            continue
        if target in _STANDARD:
            data[target] = value
        else:
            fields[target[7:] if target.startswith("fields.") else target] = value
    if fields:
        data["fields"] = fields
    return RawItem(line, data)


_STANDARD = frozenset(STANDARD)


def read_csv(path: Path, mapping: Mapping, name: str) -> Iterator[RawItem]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise FileError(
                _("%(file)s is empty") % {"file": name},
                details=[{"file": name, "line": 1, "field": "-", "reason": "empty_file"}],
            )
        targets = mapping.targets(check_header(header, mapping, name))
        width = len(header)
        for values in reader:
            if not any(values):
                continue
            if len(values) > width:
                yield RawItem(
                    reader.line_num, {"source_id": values[0] if values else "", "_error": "too_many_values"}
                )
                continue
            yield _item(reader.line_num, targets, values, mapping.constants)


def read_jsonl(path: Path, mapping: Mapping, name: str) -> Iterator[RawItem]:
    with path.open(encoding="utf-8-sig") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RawItem(line_no, {"_error": "bad_json", "_message": exc.msg})
                continue
            if not isinstance(obj, dict):
                yield RawItem(line_no, {"_error": "bad_json", "_message": "not an object"})
                continue
            nested = obj.pop("fields", None)
            header = list(obj)
            item = _item(line_no, mapping.targets(header), list(obj.values()), mapping.constants)
            if isinstance(nested, dict):
                item.data.setdefault("fields", {}).update(nested)
            elif nested is not None:
                item.data["fields"] = nested  # the validator names it
            yield item


def read_xlsx(path: Path, mapping: Mapping, name: str) -> Iterator[RawItem]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileError(
            _("%(file)s cannot be read as an Excel workbook: %(err)s") % {"file": name, "err": exc},
            details=[{"file": name, "line": None, "field": "-", "reason": "corrupt_file"}],
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileError(
                _("%(file)s is empty") % {"file": name},
                details=[{"file": name, "line": 1, "field": "-", "reason": "empty_file"}],
            )
        width = max((i + 1 for i, h in enumerate(header) if h not in (None, "")), default=0)
        targets = mapping.targets(check_header(list(header[:width]), mapping, name))
        for line_no, values in enumerate(rows, start=2):
            values = values[:width]
            if not any(v not in (None, "") for v in values):
                continue
            yield _item(line_no, targets, values, mapping.constants)
    finally:
        book.close()


def read_parquet(path: Path, mapping: Mapping, name: str) -> Iterator[RawItem]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError variants
        raise FileError(
            _("%(file)s cannot be read as Parquet: %(err)s") % {"file": name, "err": exc},
            details=[{"file": name, "line": None, "field": "-", "reason": "corrupt_file"}],
        ) from None
    header = parquet.schema_arrow.names
    targets = mapping.targets(check_header(header, mapping, name))
    line = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for values in zip(*columns, strict=True):
            line += 1
            yield _item(line, targets, values, mapping.constants)


READERS = {"csv": read_csv, "jsonl": read_jsonl, "xlsx": read_xlsx, "parquet": read_parquet}


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
    try:
        fmt = detect_format(path, name)
        digest = scan_text(path, name) if fmt in ("csv", "jsonl") else sha256_of(path)
        items = READERS[fmt](path, mapping, name)
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
        with ValidatingWorker(ingestion, fmt, path, mapping, name) as chunks:
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

    def __init__(self, ingestion: Ingestion, fmt: str, path: Path, mapping: Mapping, name: str):
        from zhili.geo.lookup import get_index

        get_index()  # built before the fork, inherited by the worker
        ctx = multiprocessing.get_context("fork")
        self.queue = ctx.Queue(maxsize=3)
        self.process = ctx.Process(
            target=_validate_in_worker,
            daemon=True,
            args=(self.queue, ingestion.validator, ingestion.preparer, fmt, path, mapping, name, os.getpid()),
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


def _validate_in_worker(queue, validator, preparer, fmt, path, mapping, name, parent_pid) -> None:
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
        for chunk in _chunks(READERS[fmt](path, mapping, name), CHUNK):
            put(check_chunk(validator, preparer, chunk))
    except Exception as exc:  # reported to the writer, which fails the delivery
        put(("error", f"{name}: {exc}"))
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


def import_upload(*, upload, source: Source, mode: str, mapping_name: str, submitted_by: str) -> Delivery:
    """An uploaded file (Django UploadedFile): size checked, copied to a temporary file, imported."""
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
            mapping=Mapping.for_source(source, mapping_name),
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
