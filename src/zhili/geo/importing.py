"""Importing divisions (CSV) and boundaries (GeoJSON).

Everything is validated before anything is written, and the write is one transaction: a file
with a single bad line changes nothing. Errors name the file, the line (or feature) and the field.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

from zhili.core.errors import ZhiliError
from zhili.geo.models import KIND_LEVEL, LEVEL_CODE_LEN, LEVEL_PREFIX_LEN, Kind, Level, Population, Unit

KIND_ALIASES = {
    "市": Kind.CITY,
    "区": Kind.DISTRICT,
    "县": Kind.DISTRICT,
    "功能区": Kind.ZONE,
    "镇": Kind.TOWN,
    "乡": Kind.TOWN,
    "街道": Kind.STREET,
    "村": Kind.VILLAGE,
    "社区": Kind.COMMUNITY,
    "居": Kind.COMMUNITY,
    "网格": Kind.GRID,
    **{k.value: k for k in Kind},
}
REQUIRED_COLUMNS = ("code", "name", "parent_code", "kind")
POPULATION_COLUMNS = ("resident", "registered", "floating")
# Figures beside the population, per year: GDP in 100 million yuan (亿元) and motor vehicles,
# the denominators of per-GDP and per-vehicle rates of the index.
FIGURE_COLUMNS = ("gdp", "vehicles")
WHOLE_MAX = 2**31 - 1  # what the population and vehicle columns hold
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "name_en", "year", *POPULATION_COLUMNS, *FIGURE_COLUMNS)
MAX_ERRORS = 50


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    populations: int = 0


class ImportErrors(ZhiliError):
    code = "invalid_file"


class _Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.errors: list[dict[str, Any]] = []

    def add(self, line: int | None, field: str, reason: str, **extra: Any) -> None:
        self.errors.append({"file": self.filename, "line": line, "field": field, "reason": reason, **extra})

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            where = f"{self.filename}" + (f":{first['line']}" if first["line"] is not None else "")
            message = _("%(where)s: field “%(field)s”: %(reason)s") % {
                "where": where,
                "field": first["field"],
                "reason": first["reason"],
            }
            if len(self.errors) > 1:
                message += " " + _("(and %(n)d more errors)") % {"n": len(self.errors) - 1}
            raise ImportErrors(message, details=self.errors[:MAX_ERRORS])


def _read_text(path: Path, collector: _Collector) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        collector.add(
            line, "-", _("the file is not UTF-8 (byte %(pos)d); save it as UTF-8") % {"pos": exc.start}
        )
        collector.raise_if_any()
        raise  # unreachable


def import_divisions(
    path: str | Path, *, actor=None, actor_username: str = "", year: int | None = None
) -> ImportResult:
    """Create or update units from a CSV with code, name, parent_code, kind and population columns."""
    path = Path(path)
    errors = _Collector(path.name)
    text = _read_text(path, errors)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.add(
            1,
            ",".join(missing),
            _("missing column(s); the header must include %(cols)s") % {"cols": ", ".join(REQUIRED_COLUMNS)},
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        errors.add(1, ",".join(duplicated), _("column appears more than once"))
    unknown = [h for h in header if h not in KNOWN_COLUMNS]
    if unknown:  # never silently dropped: a misspelt column would store nothing
        errors.add(
            1,
            ",".join(unknown),
            _("unknown column(s); the columns are %(cols)s") % {"cols": ", ".join(KNOWN_COLUMNS)},
        )
    if (
        "year" not in header
        and year is None
        and any(c in header for c in (*POPULATION_COLUMNS, *FIGURE_COLUMNS))
    ):
        errors.add(1, "year", _("population columns need a year column or the --year option"))
    errors.raise_if_any()
    reader.fieldnames = header

    existing = {u.code: u for u in Unit.objects.all()}
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line_no, raw_row in enumerate(reader, start=2):
        if None in raw_row:
            errors.add(line_no, "-", _("more values than columns in the header"))
            continue
        row = {k: (v or "").strip() for k, v in raw_row.items()}
        if not any(row.values()):
            continue
        parsed = _parse_row(row, line_no, errors, year)
        if parsed is None:
            continue
        if parsed["code"] in seen:
            errors.add(
                line_no,
                "code",
                _("code %(code)s already appears on line %(line)d")
                % {"code": parsed["code"], "line": seen[parsed["code"]]},
            )
            continue
        seen[parsed["code"]] = line_no
        rows.append(parsed)

    # Parents may come from the database or from earlier or later lines of the same file.
    levels = {code: u.level for code, u in existing.items()} | {r["code"]: r["level"] for r in rows}
    for r in rows:
        parent = r["parent_code"]
        if r["level"] == Level.CITY:
            if parent:
                errors.add(r["line"], "parent_code", _("a city has no parent"))
            continue
        if not parent:
            errors.add(
                r["line"], "parent_code", _("required for a %(kind)s") % {"kind": Kind(r["kind"]).label}
            )
            continue
        if parent not in levels:
            errors.add(
                r["line"],
                "parent_code",
                _("unknown unit %(code)s (not in this file nor in the database)") % {"code": parent},
            )
            continue
        parent_level = Level(levels[parent])
        if parent_level != r["level"] - 1:
            errors.add(
                r["line"],
                "parent_code",
                _("%(code)s is a %(plevel)s; a %(kind)s belongs under a %(want)s")
                % {
                    "code": parent,
                    "plevel": parent_level.label,
                    "kind": Kind(r["kind"]).label,
                    "want": Level(r["level"] - 1).label,
                },
            )
            continue
        if not r["code"].startswith(parent[: LEVEL_PREFIX_LEN[parent_level]]):
            errors.add(
                r["line"],
                "code",
                _("%(code)s does not start with its parent's prefix %(prefix)s")
                % {"code": r["code"], "prefix": parent[: LEVEL_PREFIX_LEN[parent_level]]},
            )
    errors.raise_if_any()

    result = ImportResult()
    with transaction.atomic():
        # Parents first, so every child finds its parent row.
        by_code: dict[str, Unit] = dict(existing)
        for r in sorted(rows, key=lambda r: r["level"]):
            unit = by_code.get(r["code"])
            parent = by_code.get(r["parent_code"]) if r["parent_code"] else None
            if unit is None:
                unit = Unit(code=r["code"])
                result.created += 1
            else:
                result.updated += 1
            unit.name, unit.kind, unit.parent = r["name"], r["kind"], parent
            if r.get("name_en"):
                unit.name_en = r["name_en"]
            unit.save()
            by_code[unit.code] = unit
            if r.get("population"):
                _save_figures(unit, r, errors)
                result.populations += 1
        errors.raise_if_any()  # a figure for a year without its population: nothing is kept
        if rows:
            from zhili.core.audit import record
            from zhili.core.models import AuditAction

            record(
                actor=actor,
                actor_username=actor_username,
                action=AuditAction.IMPORT,
                object_repr=f"divisions {path.name}",
                details={
                    "file": path.name,
                    "created": result.created,
                    "updated": result.updated,
                    "populations": result.populations,
                },
            )
    from zhili.geo.lookup import invalidate

    invalidate()
    return result


def _parse_row(row: dict[str, str], line: int, errors: _Collector, year: int | None) -> dict | None:
    ok = True
    code = row.get("code", "")
    kind = KIND_ALIASES.get(row.get("kind", "").lower()) or KIND_ALIASES.get(row.get("kind", ""))
    if kind is None:
        errors.add(
            line,
            "kind",
            _("unknown kind “%(kind)s”; use one of %(kinds)s")
            % {"kind": row.get("kind", ""), "kinds": ", ".join(k.value for k in Kind)},
        )
        return None
    level = KIND_LEVEL[kind]
    want_len = LEVEL_CODE_LEN[level]
    if not (code.isdigit() and len(code) == want_len):
        errors.add(
            line,
            "code",
            _("“%(code)s” must be %(n)d digits for a %(kind)s")
            % {"code": code, "n": want_len, "kind": kind.label},
        )
        ok = False
    elif level != Level.GRID and code[LEVEL_PREFIX_LEN[level] :].strip("0"):
        errors.add(
            line,
            "code",
            _("“%(code)s”: a %(kind)s code ends in %(zeros)d zeros")
            % {"code": code, "kind": kind.label, "zeros": 12 - LEVEL_PREFIX_LEN[level]},
        )
        ok = False
    if not row.get("name"):
        errors.add(line, "name", _("required"))
        ok = False
    parsed: dict[str, Any] = {
        "line": line,
        "code": code,
        "name": row.get("name", ""),
        "kind": kind.value,
        "level": level,
        "parent_code": row.get("parent_code", ""),
        "name_en": row.get("name_en", ""),
    }
    pop: dict[str, int | None] = {}
    for col in POPULATION_COLUMNS:
        value = row.get(col, "")
        if value == "":
            pop[col] = None
            continue
        try:
            number = int(value.replace(",", ""))
            if not 0 <= number <= WHOLE_MAX:
                raise ValueError
        except ValueError:
            errors.add(line, col, _("“%(value)s” is not a whole number ≥ 0") % {"value": value})
            ok = False
            continue
        pop[col] = number
    for col in FIGURE_COLUMNS:
        value = row.get(col, "")
        if value == "":
            continue
        try:
            number = float(value.replace(",", "")) if col == "gdp" else int(value.replace(",", ""))
            if not 0 <= number <= (1e9 if col == "gdp" else WHOLE_MAX):  # NaN fails too
                raise ValueError
        except ValueError:
            kind = _("a number ≥ 0") if col == "gdp" else _("a whole number ≥ 0")
            errors.add(line, col, _("“%(value)s” is not %(kind)s") % {"value": value, "kind": kind})
            ok = False
            continue
        pop[col] = number
    if any(v is not None for v in pop.values()):
        if pop.get("resident") is None and any(pop.get(c) is not None for c in ("registered", "floating")):
            errors.add(line, "resident", _("required when other population columns are given"))
            ok = False
        row_year = row.get("year", "") or (str(year) if year else "")
        if not (row_year.isdigit() and 1949 <= int(row_year) <= 2100):
            errors.add(line, "year", _("“%(value)s” is not a year") % {"value": row_year})
            ok = False
        else:
            parsed["year"] = int(row_year)
            parsed["population"] = pop
    return parsed if ok else None


def _save_figures(unit: Unit, r: dict, errors) -> None:
    """The year's population and figures; GDP or vehicles alone update a year that has its
    population already, or are refused (a population row needs its residents)."""
    values = {k: v for k, v in r["population"].items() if v is not None}
    row = Population.objects.filter(unit=unit, year=r["year"]).first()
    if row is None and "resident" not in values:
        errors.add(
            r["line"],
            "resident",
            _("no population for %(year)d yet: give resident too") % {"year": r["year"]},
        )
        return
    if row is None:
        Population.objects.create(
            unit=unit,
            year=r["year"],
            **{c: r["population"].get(c) for c in POPULATION_COLUMNS},
            **{c: values[c] for c in FIGURE_COLUMNS if c in values},
        )
        return
    for key, value in values.items():
        setattr(row, key, value)
    row.save(update_fields=list(values))


def import_boundaries(path: str | Path, *, actor=None, actor_username: str = "") -> int:
    """Set boundaries from a GeoJSON FeatureCollection whose features carry `code` in properties."""
    path = Path(path)
    errors = _Collector(path.name)
    text = _read_text(path, errors)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.add(
            exc.lineno,
            "-",
            _("not valid JSON: %(msg)s (column %(col)d)") % {"msg": exc.msg, "col": exc.colno},
        )
        errors.raise_if_any()
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        errors.add(None, "type", _("the file must be a GeoJSON FeatureCollection"))
        errors.raise_if_any()
    features = data.get("features")
    if not isinstance(features, list):
        errors.add(None, "features", _("must be a list"))
        errors.raise_if_any()
    units = {u.code: u for u in Unit.objects.all()}
    updates: list[tuple[Unit, dict, Any]] = []
    seen: set[str] = set()
    for i, feature in enumerate(features, start=1):
        where = {"feature": i}
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code", "")).strip()
        if not code:
            errors.add(None, "properties.code", _("feature %(i)d has no code") % {"i": i}, **where)
            continue
        if code in seen:
            errors.add(
                None,
                "properties.code",
                _("feature %(i)d: code %(code)s appears twice") % {"i": i, "code": code},
                **where,
            )
            continue
        seen.add(code)
        if code not in units:
            errors.add(
                None,
                "properties.code",
                _("feature %(i)d: unknown unit %(code)s; import the divisions first")
                % {"i": i, "code": code},
                **where,
            )
            continue
        geometry = (feature or {}).get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            errors.add(
                None,
                "geometry",
                _("feature %(i)d (%(code)s): the geometry must be a Polygon or MultiPolygon")
                % {"i": i, "code": code},
                **where,
            )
            continue
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            errors.add(
                None,
                "geometry",
                _("feature %(i)d (%(code)s): malformed coordinates (%(err)s)")
                % {"i": i, "code": code, "err": exc},
                **where,
            )
            continue
        if not geom.is_valid:
            errors.add(
                None,
                "geometry",
                _("feature %(i)d (%(code)s): invalid polygon: %(why)s")
                % {"i": i, "code": code, "why": explain_validity(geom)},
                **where,
            )
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            errors.add(
                None,
                "geometry",
                _("feature %(i)d (%(code)s): coordinates are not longitude/latitude")
                % {"i": i, "code": code},
                **where,
            )
            continue
        updates.append((units[code], geometry, geom))
    errors.raise_if_any()
    with transaction.atomic():
        for unit, geometry, geom in updates:
            set_boundary(unit, geometry, geom)
        from zhili.core.audit import record
        from zhili.core.models import AuditAction

        record(
            actor=actor,
            actor_username=actor_username,
            action=AuditAction.IMPORT,
            object_repr=f"boundaries {path.name}",
            details={"file": path.name, "features": len(updates)},
        )
    from zhili.geo.lookup import invalidate

    invalidate()
    return len(updates)


def set_boundary(unit: Unit, geometry: dict, geom=None) -> None:
    geom = geom if geom is not None else shape(geometry)
    centroid = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    unit.boundary = geometry
    unit.centroid_lon, unit.centroid_lat = round(centroid.x, 6), round(centroid.y, 6)
    unit.area_km2 = round(area_km2(geom), 4)
    unit.save(update_fields=["boundary", "centroid_lon", "centroid_lat", "area_km2", "updated_at"])


def area_km2(geom) -> float:
    """Area on a local equirectangular projection: good to well under 1 % at city scale."""
    import math

    lat0 = (geom.bounds[1] + geom.bounds[3]) / 2
    kx = 111.320 * math.cos(math.radians(lat0))
    ky = 110.574
    return float(shapely.area(shapely.transform(geom, lambda c: c * [kx, ky])))
