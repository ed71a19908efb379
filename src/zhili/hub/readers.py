"""Reading files of events as offices save them: CSV, XLSX, JSON lines and Parquet, as a stream
(a 2 GB file never sits in memory), mapped to raw items with a department's column mapping.

What Chinese offices send is not what a data engineer would write: CSV from Excel on Chinese
Windows in GB18030/GBK with CRLF line ends, a title row (merged cells) above the header, times
like 2026/10/3 8:05 without a zone, a 合计 row at the bottom. Each of these is read here, not
refused. File-level problems (encoding, header, file type) raise `FileError` before any row is
taken; row-level ones are the ingestion's."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.hub.models import ColumnMapping, Source
from zhili.hub.validation import RawItem

STANDARD = ("source_id", "type", "occurred_at", "unit_code", "lon", "lat", "retract")
_STANDARD = frozenset(STANDARD)
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
ACCEPTED = ".csv, .xlsx, .jsonl, .parquet"
# The header is looked for among this many rows at the top of a sheet (title, unit, date above it).
HEADER_SEARCH_ROWS = 10
# A row whose first filled cell says one of these is a sum, not an event.
TOTAL_WORDS = frozenset({"合计", "总计", "小计"})
BLOCK = 8 * 1024 * 1024


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

    def missing(self, header: list[str]) -> list[str]:
        """The required targets that neither a column nor a constant gives."""
        targets = set(self.targets(header)) | set(self.constants)
        missing = [t for t in ("source_id", "occurred_at", "type") if t not in targets]
        if "unit_code" not in targets and not {"lon", "lat"} <= targets:
            missing.append("unit_code or lon+lat")
        return missing

    @classmethod
    def for_source(cls, source: Source, name: str = "default") -> Mapping:
        saved = ColumnMapping.objects.filter(source=source, name=name).first()
        return cls.of(saved) if saved else cls()

    @classmethod
    def of(cls, saved: ColumnMapping) -> Mapping:
        return cls(dict(saved.columns), dict(saved.constants))


def _refuse(name: str, line: int | None, reason: str, message: str, field_name: str = "-") -> FileError:
    return FileError(message, details=[{"file": name, "line": line, "field": field_name, "reason": reason}])


def detect_format(path: Path, original_name: str | None = None) -> str:
    name = original_name or path.name
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise _refuse(
            name,
            None,
            "unsupported_type",
            _("%(file)s: unsupported file type; accepted: %(types)s") % {"file": name, "types": ACCEPTED},
        )
    with path.open("rb") as fh:
        head = fh.read(4)
    binary = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1"}
    if fmt in binary and head != binary[fmt]:
        raise _refuse(
            name,
            None,
            "corrupt_file",
            _("%(file)s is not a real %(fmt)s file") % {"file": name, "fmt": fmt.upper()},
        )
    if fmt in ("csv", "jsonl") and head in (b"PK\x03\x04", b"PAR1"):
        raise _refuse(
            name,
            None,
            "corrupt_file",
            _("%(file)s is binary, not %(fmt)s text") % {"file": name, "fmt": fmt.upper()},
        )
    return fmt


# Characters of three UTF-8 bytes (Chinese among them) decoded before the first bad byte that make
# a file UTF-8 for sure: GBK text forms one by chance about once in fifty characters, never eight.
UTF8_EVIDENCE = 8
_UTF8_THREE_BYTE_LEADS = [bytes([b]) for b in range(0xE0, 0xF0)]


class _NotThisEncoding(Exception):
    def __init__(self, line: int, utf8_evidence: int = 0):
        self.line, self.utf8_evidence = line, utf8_evidence


def scan_text(path: Path, name: str) -> tuple[str, str]:
    """Find the text file's encoding by reading it whole before any row is taken; return the
    encoding to open it with and the file's SHA-256.

    The rule is UTF-8 (strict, with or without a BOM) first, then GB18030. UTF-8 checks itself:
    its lead and continuation bytes must pair up, so Chinese text in GBK breaks it within its
    first few characters (a whole table of GBK rows that happens to be valid UTF-8 does not occur
    in practice). The reverse does not hold: GB18030 decodes almost any bytes, UTF-8 included,
    into wrong characters, so it can only come second. GB18030 is a superset of GBK and GB2312,
    what Excel on Chinese Windows writes when it saves "CSV" (code page 936). A statistical
    detector (chardet, charset-normalizer) guesses from letter frequencies and may answer Big5 or
    Shift-JIS for a short Chinese file; between the two encodings offices use, this rule does not
    guess. A file with a UTF-8 BOM, or with UTF8_EVIDENCE Chinese characters in UTF-8 before its
    first bad byte, is a damaged UTF-8 file (a GBK line pasted in): it is refused at that line
    rather than read as mojibake."""
    try:
        return "utf-8-sig", _scan(path, name, "utf-8")
    except _NotThisEncoding as utf8:
        if utf8.utf8_evidence >= UTF8_EVIDENCE or _starts_with_utf8_bom(path):
            raise _refuse(
                name,
                utf8.line,
                "not_utf8",
                _(
                    "%(file)s:%(line)d: the file is UTF-8 up to this line and not after; save it again as UTF-8"
                )
                % {"file": name, "line": utf8.line},
            ) from None
    try:
        return "gb18030", _scan(path, name, "gb18030")
    except _NotThisEncoding as gb:
        raise _refuse(
            name,
            gb.line,
            "unknown_encoding",
            _("%(file)s:%(line)d: the file is neither UTF-8 nor GB18030 (GBK); save it as “CSV UTF-8”")
            % {"file": name, "line": gb.line},
        ) from None


def _starts_with_utf8_bom(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(3) == codecs.BOM_UTF8


def _scan(path: Path, name: str, encoding: str) -> str:
    """Decode the whole file as `encoding`; its SHA-256, or _NotThisEncoding with the line."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    line, evidence = 1, 0
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                good = block[: max(exc.start, 0)]
                raise _NotThisEncoding(line + good.count(b"\n"), evidence + _three_byte_chars(good)) from None
            if (nul := block.find(b"\x00")) >= 0:
                where = line + block[:nul].count(b"\n")
                raise _refuse(
                    name,
                    where,
                    "not_text",
                    _("%(file)s:%(line)d: the file contains NUL bytes; it is not a text file (UTF-16?)")
                    % {"file": name, "line": where},
                )
            if encoding == "utf-8" and evidence < UTF8_EVIDENCE and not block.isascii():
                evidence += _three_byte_chars(block)
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _NotThisEncoding(line, evidence) from None
    return digest.hexdigest()


def _three_byte_chars(valid_utf8: bytes) -> int:
    """In bytes that decoded as UTF-8, each of E0…EF starts a three-byte character."""
    return sum(valid_utf8.count(lead) for lead in _UTF8_THREE_BYTE_LEADS)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


# --- the header -------------------------------------------------------------------------------
def header_cells(values) -> list[str]:
    """A row's cells as column names, without the empty cells at its end (merged or unused)."""
    cells = ["" if v is None else str(v).replace("\ufeff", "").strip() for v in values]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def check_header(clean: list[str], mapping: Mapping, name: str, line: int = 1) -> list[str]:
    duplicated = sorted({h for h in clean if clean.count(h) > 1 and h})
    if duplicated:
        raise FileError(
            _("%(file)s:%(line)d: column “%(col)s” appears more than once")
            % {"file": name, "line": line, "col": duplicated[0]},
            details=[
                {"file": name, "line": line, "field": c, "reason": "duplicate_column"} for c in duplicated
            ],
        )
    if "" in clean:
        raise _refuse(
            name,
            line,
            "empty_column_name",
            _("%(file)s:%(line)d: a column has no name") % {"file": name, "line": line},
            field_name=f"column {clean.index('') + 1}",
        )
    missing = mapping.missing(clean)
    if missing:
        raise FileError(
            _("%(file)s:%(line)d: missing column(s) %(cols)s")
            % {"file": name, "line": line, "cols": ", ".join(missing)},
            details=[{"file": name, "line": line, "field": m, "reason": "missing_column"} for m in missing],
        )
    return clean


def find_header(rows: Iterator[tuple[int, list]], mapping: Mapping, name: str) -> tuple[int, list[str]]:
    """The header's line and names: the first row among the top HEADER_SEARCH_ROWS that names
    every required column, directly or through the mapping. Offices put a title (merged cells),
    a unit or a date above the header; the first row is the header only in files made by
    programs. If no row qualifies, the first filled row is checked, so that the error says what
    it lacks."""
    first: tuple[int, list[str]] | None = None
    for _i in range(HEADER_SEARCH_ROWS):
        got = next(rows, None)
        if got is None:
            break
        line, cells = got[0], header_cells(got[1])
        if not cells:
            continue
        first = first or (line, cells)
        if not mapping.missing(cells):
            return line, check_header(cells, mapping, name, line)
    if first is None:
        raise _refuse(name, 1, "empty_file", _("%(file)s is empty") % {"file": name})
    check_header(first[1], mapping, name, first[0])  # raises: names what the first row lacks
    raise AssertionError("a header without missing columns was not returned")  # pragma: no cover


def total_row(values) -> str:
    """'合计' (or 总计, 小计) if the row's first filled cell says so: a sum, not an event. Called on
    every row, so a first cell that cannot be one is dismissed by its first character."""
    for value in values:
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            return ""
        text = value.lstrip()
        if not text or text[0] not in _TOTAL_FIRST:
            return ""
        text = re.sub(r"[\s\u3000:：]", "", text)
        return text if text in TOTAL_WORDS else ""
    return ""


_TOTAL_FIRST = frozenset(word[0] for word in TOTAL_WORDS)


# --- rows to items ----------------------------------------------------------------------------
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


def read_csv(path: Path, mapping: Mapping, name: str, encoding: str = "utf-8-sig") -> Iterator[RawItem]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        numbered = ((reader.line_num, values) for values in reader)
        _line, header = find_header(numbered, mapping, name)
        targets = mapping.targets(header)
        width = len(header)
        for values in reader:
            if not any(values):
                continue
            if total := total_row(values):
                yield RawItem(reader.line_num, {}, skip=total)
                continue
            if any(values[width:]):
                yield RawItem(
                    reader.line_num, {"source_id": values[0] if values else "", "_error": "too_many_values"}
                )
                continue
            yield _item(reader.line_num, targets, values, mapping.constants)


def read_jsonl(path: Path, mapping: Mapping, name: str, encoding: str = "utf-8-sig") -> Iterator[RawItem]:
    with path.open(encoding=encoding) as fh:
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


def read_xlsx(path: Path, mapping: Mapping, name: str, encoding: str | None = None) -> Iterator[RawItem]:
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import from_excel

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise _refuse(
            name,
            None,
            "corrupt_file",
            _("%(file)s cannot be read as an Excel workbook: %(err)s") % {"file": name, "err": exc},
        ) from None
    try:
        rows = enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
        _line, header = find_header(rows, mapping, name)
        targets = mapping.targets(header)
        width = len(header)
        # A time column that lost its date format holds the Excel day number (46298.34).
        when = targets.index("occurred_at") if "occurred_at" in targets else None
        for line_no, values in rows:
            values = list(values[:width])
            if not any(v not in (None, "") for v in values):
                continue
            if total := total_row(values):
                yield RawItem(line_no, {}, skip=total)
                continue
            if when is not None and when < len(values) and _excel_day_number(values[when]):
                values[when] = from_excel(values[when], epoch=book.epoch)
            yield _item(line_no, targets, values, mapping.constants)
    finally:
        book.close()


def _excel_day_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000


def read_parquet(path: Path, mapping: Mapping, name: str, encoding: str | None = None) -> Iterator[RawItem]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError variants
        raise _refuse(
            name,
            None,
            "corrupt_file",
            _("%(file)s cannot be read as Parquet: %(err)s") % {"file": name, "err": exc},
        ) from None
    header = parquet.schema_arrow.names
    targets = mapping.targets(check_header([str(h).strip() for h in header], mapping, name))
    line = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for values in zip(*columns, strict=True):
            line += 1
            yield _item(line, targets, values, mapping.constants)


READERS = {"csv": read_csv, "jsonl": read_jsonl, "xlsx": read_xlsx, "parquet": read_parquet}


def read(fmt: str, path: Path, mapping: Mapping, name: str, encoding: str | None) -> Iterator[RawItem]:
    return READERS[fmt](path, mapping, name, encoding or "utf-8-sig")
