"""Reads of divisions. Callers pass querysets already scoped to the actor."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from shapely.geometry import mapping, shape

from zhili.geo.models import LEVEL_NAMES, Level, Population, Unit


def filter_units(qs: QuerySet, *, level=None, kind=None, parent=None, within=None, q=None) -> QuerySet:
    if level:
        qs = qs.filter(level=LEVEL_NAMES[level])
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent__code=parent)
    if within:
        qs = qs.within(within)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def with_latest_population(qs: QuerySet) -> QuerySet:
    latest = Population.objects.filter(unit=OuterRef("pk")).order_by("-year").values("resident")[:1]
    return qs.annotate(resident_population=Subquery(latest))


def unit_rows(units: Iterable[Unit] | QuerySet) -> list[dict] | QuerySet:
    fields = ("code", "name", "name_en", "kind", "level", "centroid_lon", "centroid_lat", "area_km2")
    if isinstance(units, QuerySet):
        # A values() query: one SQL statement per page whatever its size.
        return with_latest_population(units).values(
            *fields, "resident_population", parent_code=_parent_code()
        )
    units = list(units)
    pops = dict(
        with_latest_population(Unit.objects.filter(pk__in=[u.pk for u in units])).values_list(
            "pk", "resident_population"
        )
    )
    codes = dict(
        Unit.objects.filter(pk__in=[u.parent_id for u in units if u.parent_id]).values_list("pk", "code")
    )
    return [
        {
            **{f: getattr(u, f) for f in fields},
            "parent_code": codes.get(u.parent_id),
            "resident_population": pops.get(u.pk),
        }
        for u in units
    ]


def _parent_code():
    from django.db.models import F

    return F("parent__code")


def unit_detail(unit: Unit) -> dict:
    row = unit_rows([unit])[0]
    row["children_count"] = unit.children.count()
    row["populations"] = list(
        unit.populations.values("year", "resident", "registered", "floating", "gdp", "vehicles")
    )
    return row


def feature(unit: Unit, language: str | None = None, *, simplify: float = 0.0) -> dict:
    geometry = unit.boundary
    if simplify and geometry:
        geometry = mapping(shape(geometry).simplify(simplify, preserve_topology=True))
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "code": unit.code,
            "name": unit.display_name(language),
            "kind": unit.kind,
            "kind_label": unit.get_kind_display(),
            "level": unit.level,
            "resident_population": getattr(unit, "resident_population", None),
            "area_km2": unit.area_km2,
            "has_children": getattr(unit, "child_count", None),
        },
    }


def division_map(parent_code: str | None, language: str | None) -> dict:
    """Public GeoJSON of one level: the districts of the city, or the children of `parent_code`.

    Cached per parent and language; boundaries are simplified to about 20 m for the map.
    """
    from django.db.models import Count

    key = f"zhili:geo:map:{parent_code or 'root'}:{language}:{map_version()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    if parent_code:
        parent = Unit.objects.filter(code=parent_code).first()
        if parent is None:
            raise Http404
    else:
        parent = Unit.objects.filter(level=Level.CITY).order_by("code").first()
    if parent is None:
        result = {"type": "FeatureCollection", "parent": None, "path": [], "features": []}
    else:
        children = with_latest_population(parent.children.all()).annotate(child_count=Count("children"))
        path, node = [], parent
        while node is not None:
            path.append({"code": node.code, "name": node.display_name(language), "kind": node.kind})
            node = node.parent
        result = {
            "type": "FeatureCollection",
            "parent": {
                "code": parent.code,
                "name": parent.display_name(language),
                "kind": parent.kind,
                "kind_label": str(parent.get_kind_display()),
                "level": parent.level,
            },
            "path": list(reversed(path)),
            "features": [feature(c, language, simplify=0.0002) for c in children if c.boundary],
        }
        for f in result["features"]:
            f["properties"]["kind_label"] = str(f["properties"]["kind_label"])
    cache.set(key, result, 3600)
    return result


def map_version() -> str:
    from zhili.geo.lookup import _current_version

    return _current_version()
