"""/api/v1/geo/: units, populations, boundaries, point lookup, and the public division map."""

from django.http import Http404
from django.utils.translation import get_language, gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zhili.core.api import Error, Pages, PatchSchema
from zhili.core.scope import get_scoped, in_scope, scoped
from zhili.geo import selectors, services
from zhili.geo.lookup import locate_point
from zhili.geo.models import Kind, Unit

router = Router(tags=["geo"])


class UnitOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    level: int
    parent_code: str | None
    resident_population: int | None = Field(None, description="latest year's resident population")
    centroid_lon: float | None
    centroid_lat: float | None
    area_km2: float | None


class PopulationOut(Schema):
    year: int
    resident: int
    registered: int | None
    floating: int | None
    gdp: float | None = Field(None, description="GDP, 100 million yuan (亿元): the per-GDP denominator")
    vehicles: int | None = Field(None, description="motor vehicles: the per-vehicle denominator")


class UnitDetailOut(UnitOut):
    children_count: int
    populations: list[PopulationOut]


class UnitFilter(Schema):
    level: str | None = Field(
        None,
        pattern="^(city|district|town|village|grid)$",
        description="city, district, town, village (villages and communities) or grid",
    )
    kind: Kind | None = None
    parent: str | None = Field(None, pattern=r"^\d{12,15}$", description="direct children of this code")
    within: str | None = Field(None, pattern=r"^\d{12,15}$", description="everything under this code")
    q: str | None = Field(None, max_length=50, description="name contains")


class UnitPatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=200)


POPULATION_MAX = 2**31 - 1  # the columns' range (PositiveIntegerField)


class PopulationIn(Schema):
    resident: int = Field(..., ge=0, le=POPULATION_MAX)
    registered: int | None = Field(None, ge=0, le=POPULATION_MAX)
    floating: int | None = Field(None, ge=0, le=POPULATION_MAX)
    gdp: float | None = Field(None, ge=0, le=1e9, description="GDP, 100 million yuan (亿元)")
    vehicles: int | None = Field(None, ge=0, le=POPULATION_MAX)


class LocateOut(Schema):
    lon: float
    lat: float
    units: list[UnitOut]


@router.get(
    "/units", response={200: list[UnitOut], 403: Error}, summary=gettext_lazy("List units in your scope")
)
@paginate(Pages, page_size=100)
def list_units(request, filters: Query[UnitFilter]):
    qs = scoped(request.auth, Unit)
    return selectors.unit_rows(selectors.filter_units(qs, **filters.dict()))


@router.get(
    "/units/{code}", response={200: UnitDetailOut, (403, 404): Error}, summary=gettext_lazy("One unit")
)
def get_unit(request, code: str):
    unit = get_scoped(request.auth, Unit, code=code)
    return selectors.unit_detail(unit)


@router.patch(
    "/units/{code}", response={200: UnitDetailOut, (403, 404): Error}, summary=gettext_lazy("Rename a unit")
)
def patch_unit(request, code: str, payload: UnitPatch):
    unit = get_scoped(request.auth, Unit, "change", code=code)
    services.update_unit(actor=request.auth, unit=unit, **payload.dict(exclude_unset=True))
    return selectors.unit_detail(unit)


@router.put(
    "/units/{code}/populations/{year}",
    response={200: PopulationOut, (400, 403, 404): Error},
    summary=gettext_lazy("Set a year's population"),
)
def put_population(request, code: str, year: int, payload: PopulationIn):
    unit = get_scoped(request.auth, Unit, "change", code=code)
    services.validate_year(year)
    return services.set_population(actor=request.auth, unit=unit, year=year, **payload.dict())


@router.get(
    "/units/{code}/boundary",
    response={200: dict, (403, 404): Error},
    summary=gettext_lazy("A unit's boundary as a GeoJSON Feature"),
)
def get_boundary(request, code: str):
    unit = get_scoped(request.auth, Unit, code=code)
    if unit.boundary is None:
        raise Http404
    return selectors.feature(unit, get_language())


@router.get(
    "/locate",
    response={200: LocateOut, (403, 404): Error},
    summary=gettext_lazy("Which grid, village, town and district a point is in"),
)
def locate(request, lon: float = Query(..., ge=-180, le=180), lat: float = Query(..., ge=-90, le=90)):
    scoped(request.auth, Unit)  # 403 without the permission
    chain = locate_point(lon, lat)
    if not chain or not in_scope(request.auth, chain[0].code):
        raise Http404
    return {
        "lon": lon,
        "lat": lat,
        "units": selectors.unit_rows([u for u in chain if in_scope(request.auth, u.code)]),
    }


@router.get(
    "/map",
    auth=None,
    response={200: dict, 404: Error},
    url_name="division_map",
    summary=gettext_lazy("Public: the divisions under a unit, as GeoJSON, for the map"),
    description="Names, codes, kinds, areas and resident populations only: no personal data.",
)
def division_map(request, parent: str | None = Query(None, pattern=r"^\d{12,15}$")):
    return selectors.division_map(parent, get_language())
