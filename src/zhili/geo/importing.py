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
from zhili.core.problems import Problems
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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    populations: int = 0


class ImportErrors(ZhiliError):
    code = "invalid_file"


def _read_text(path: Path, collector: Problems) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        collector.add(
            _("the file is not UTF-8 (byte %(pos)d); save it as UTF-8") % {"pos": exc.start},
            field="-",
            line=line,
        )
        collector.raise_if_any(ImportErrors)
        raise  # unreachable


def import_divisions(
    path: str | Path, *, actor=None, actor_username: str = "", year: int | None = None
) -> ImportResult:
    """Create or update units from a CSV with code, name, parent_code, kind and population columns."""
    path = Path(path)
    errors = Problems(path.name, keep_line=True)
    text = _read_text(path, errors)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    _check_header(header, year, errors)
    errors.raise_if_any(ImportErrors)
    reader.fieldnames = header

    existing = {u.code: u for u in Unit.objects.all()}
    rows = _read_rows(reader, errors, year)
    _check_parents(rows, existing, errors)
    errors.raise_if_any(ImportErrors)

    with transaction.atomic():
        result = _save_units(rows, existing, errors)
        errors.raise_if_any(ImportErrors)  # a figure for a year without its population: nothing is kept
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


def _check_header(header: list[str], year: int | None, errors: Problems) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.add(
            _("missing column(s); the header must include %(cols)s") % {"cols": ", ".join(REQUIRED_COLUMNS)},
            field=",".join(missing),
            line=1,
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        errors.add(_("column appears more than once"), field=",".join(duplicated), line=1)
    unknown = [h for h in header if h not in KNOWN_COLUMNS]
    if unknown:  # never silently dropped: a misspelt column would store nothing
        errors.add(
            _("unknown column(s); the columns are %(cols)s") % {"cols": ", ".join(KNOWN_COLUMNS)},
            field=",".join(unknown),
            line=1,
        )
    if (
        "year" not in header
        and year is None
        and any(c in header for c in (*POPULATION_COLUMNS, *FIGURE_COLUMNS))
    ):
        errors.add(_("population columns need a year column or the --year option"), field="year", line=1)


def _read_rows(reader: csv.DictReader, errors: Problems, year: int | None) -> list[dict[str, Any]]:
    """The parsed rows of the file, each code once; blank lines are skipped."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line_no, raw_row in enumerate(reader, start=2):
        if None in raw_row:
            errors.add(_("more values than columns in the header"), field="-", line=line_no)
            continue
        row = {k: (v or "").strip() for k, v in raw_row.items()}
        if not any(row.values()):
            continue
        parsed = _parse_row(row, line_no, errors, year)
        if parsed is None:
            continue
        if parsed["code"] in seen:
            errors.add(
                _("code %(code)s already appears on line %(line)d")
                % {"code": parsed["code"], "line": seen[parsed["code"]]},
                field="code",
                line=line_no,
            )
            continue
        seen[parsed["code"]] = line_no
        rows.append(parsed)
    return rows


def _check_parents(rows: list[dict[str, Any]], existing: dict[str, Unit], errors: Problems) -> None:
    # Parents may come from the database or from earlier or later lines of the same file.
    levels = {code: u.level for code, u in existing.items()} | {r["code"]: r["level"] for r in rows}
    for r in rows:
        parent = r["parent_code"]
        if r["level"] == Level.CITY:
            if parent:
                errors.add(_("a city has no parent"), field="parent_code", line=r["line"])
            continue
        if not parent:
            errors.add(
                _("required for a %(kind)s") % {"kind": Kind(r["kind"]).label},
                field="parent_code",
                line=r["line"],
            )
            continue
        if parent not in levels:
            errors.add(
                _("unknown unit %(code)s (not in this file nor in the database)") % {"code": parent},
                field="parent_code",
                line=r["line"],
            )
            continue
        parent_level = Level(levels[parent])
        if parent_level != r["level"] - 1:
            errors.add(
                _("%(code)s is a %(plevel)s; a %(kind)s belongs under a %(want)s")
                % {
                    "code": parent,
                    "plevel": parent_level.label,
                    "kind": Kind(r["kind"]).label,
                    "want": Level(r["level"] - 1).label,
                },
                field="parent_code",
                line=r["line"],
            )
            continue
        if not r["code"].startswith(parent[: LEVEL_PREFIX_LEN[parent_level]]):
            errors.add(
                _("%(code)s does not start with its parent's prefix %(prefix)s")
                % {"code": r["code"], "prefix": parent[: LEVEL_PREFIX_LEN[parent_level]]},
                field="code",
                line=r["line"],
            )


def _save_units(rows: list[dict[str, Any]], existing: dict[str, Unit], errors: Problems) -> ImportResult:
    """Write the rows, parents first so that every child finds its parent row."""
    result = ImportResult()
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
    return result


def _parse_row(row: dict[str, str], line: int, errors: Problems, year: int | None) -> dict | None:
    ok = True
    code = row.get("code", "")
    kind = KIND_ALIASES.get(row.get("kind", "").lower()) or KIND_ALIASES.get(row.get("kind", ""))
    if kind is None:
        errors.add(
            _("unknown kind “%(kind)s”; use one of %(kinds)s")
            % {"kind": row.get("kind", ""), "kinds": ", ".join(k.value for k in Kind)},
            field="kind",
            line=line,
        )
        return None
    level = KIND_LEVEL[kind]
    want_len = LEVEL_CODE_LEN[level]
    if not (code.isdigit() and len(code) == want_len):
        errors.add(
            _("“%(code)s” must be %(n)d digits for a %(kind)s")
            % {"code": code, "n": want_len, "kind": kind.label},
            field="code",
            line=line,
        )
        ok = False
    elif level != Level.GRID and code[LEVEL_PREFIX_LEN[level] :].strip("0"):
        errors.add(
            _("“%(code)s”: a %(kind)s code ends in %(zeros)d zeros")
            % {"code": code, "kind": kind.label, "zeros": 12 - LEVEL_PREFIX_LEN[level]},
            field="code",
            line=line,
        )
        ok = False
    if not row.get("name"):
        errors.add(_("required"), field="name", line=line)
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
    pop, figures_ok = _parse_figures(row, line, errors)
    ok = ok and figures_ok
    if any(v is not None for v in pop.values()):
        if pop.get("resident") is None and any(pop.get(c) is not None for c in ("registered", "floating")):
            errors.add(_("required when other population columns are given"), field="resident", line=line)
            ok = False
        row_year = row.get("year", "") or (str(year) if year else "")
        if not (row_year.isdigit() and 1949 <= int(row_year) <= 2100):
            errors.add(_("“%(value)s” is not a year") % {"value": row_year}, field="year", line=line)
            ok = False
        else:
            parsed["year"] = int(row_year)
            parsed["population"] = pop
    return parsed if ok else None


def _parse_figures(row: dict[str, str], line: int, errors: Problems) -> tuple[dict, bool]:
    """The population and figure columns of a row, as numbers (None where a population column is
    empty), and whether they all were numbers."""
    ok = True
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
            errors.add(_("“%(value)s” is not a whole number ≥ 0") % {"value": value}, field=col, line=line)
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
            errors.add(
                _("“%(value)s” is not %(kind)s") % {"value": value, "kind": kind}, field=col, line=line
            )
            ok = False
            continue
        pop[col] = number
    return pop, ok


def _save_figures(unit: Unit, r: dict, errors) -> None:
    """The year's population and figures; GDP or vehicles alone update a year that has its
    population already, or are refused (a population row needs its residents)."""
    values = {k: v for k, v in r["population"].items() if v is not None}
    row = Population.objects.filter(unit=unit, year=r["year"]).first()
    if row is None and "resident" not in values:
        errors.add(
            _("no population for %(year)d yet: give resident too") % {"year": r["year"]},
            field="resident",
            line=r["line"],
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
    errors = Problems(path.name, keep_line=True)
    text = _read_text(path, errors)
    features = _read_features(text, errors)
    units = {u.code: u for u in Unit.objects.all()}
    updates: list[tuple[Unit, dict, Any]] = []
    seen: set[str] = set()
    for i, feature in enumerate(features, start=1):
        where = {"feature": i}
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code", "")).strip()
        if not code:
            errors.add(_("feature %(i)d has no code") % {"i": i}, field="properties.code", **where)
            continue
        if code in seen:
            errors.add(
                _("feature %(i)d: code %(code)s appears twice") % {"i": i, "code": code},
                field="properties.code",
                **where,
            )
            continue
        seen.add(code)
        if code not in units:
            errors.add(
                _("feature %(i)d: unknown unit %(code)s; import the divisions first")
                % {"i": i, "code": code},
                field="properties.code",
                **where,
            )
            continue
        checked = _feature_geometry(i, code, feature, errors)
        if checked is None:
            continue
        geometry, geom = checked
        updates.append((units[code], geometry, geom))
    errors.raise_if_any(ImportErrors)
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


def _read_features(text: str, errors: Problems) -> list:
    """The features of a GeoJSON FeatureCollection; raise if the text is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.add(
            _("not valid JSON: %(msg)s (column %(col)d)") % {"msg": exc.msg, "col": exc.colno},
            field="-",
            line=exc.lineno,
        )
        errors.raise_if_any(ImportErrors)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        errors.add(_("the file must be a GeoJSON FeatureCollection"), field="type")
        errors.raise_if_any(ImportErrors)
    features = data.get("features")
    if not isinstance(features, list):
        errors.add(_("must be a list"), field="features")
        errors.raise_if_any(ImportErrors)
    return features


def _feature_geometry(i: int, code: str, feature: Any, errors: Problems) -> tuple[dict, Any] | None:
    """The geometry of feature `i` and its shape, if it is a valid longitude/latitude polygon."""
    where = {"feature": i}
    geometry = (feature or {}).get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        errors.add(
            _("feature %(i)d (%(code)s): the geometry must be a Polygon or MultiPolygon")
            % {"i": i, "code": code},
            field="geometry",
            **where,
        )
        return None
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        errors.add(
            _("feature %(i)d (%(code)s): malformed coordinates (%(err)s)")
            % {"i": i, "code": code, "err": exc},
            field="geometry",
            **where,
        )
        return None
    if not geom.is_valid:
        errors.add(
            _("feature %(i)d (%(code)s): invalid polygon: %(why)s")
            % {"i": i, "code": code, "why": explain_validity(geom)},
            field="geometry",
            **where,
        )
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        errors.add(
            _("feature %(i)d (%(code)s): coordinates are not longitude/latitude") % {"i": i, "code": code},
            field="geometry",
            **where,
        )
        return None
    return geometry, geom


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
