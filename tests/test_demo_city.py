"""The demo city: a deterministic, Zhuhai-sized city whose units tile and whose figures add up."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from zhili.core.errors import Conflict
from zhili.geo import lookup
from zhili.geo.demo import CITY_CODE, DemoUnit, build_city, load_city
from zhili.geo.importing import area_km2
from zhili.geo.models import KIND_LEVEL, LEVEL_PREFIX_LEN, Kind, Level, Population, Unit

VILLAGE_KINDS = ("village", "community")
TOWN_KINDS = ("town", "street")
PARENT_PREFIX = {"city": 4, "district": 6, "zone": 6, "town": 9, "street": 9, "village": 12, "community": 12}


@pytest.fixture(scope="module")
def demo() -> list[DemoUnit]:
    """The demo city, built once for the module (named apart from conftest's database `city`)."""
    return build_city()


@pytest.fixture(scope="module")
def by_code(demo) -> dict[str, DemoUnit]:
    return {u.code: u for u in demo}


@pytest.fixture(scope="module")
def children(demo) -> dict[str, list[DemoUnit]]:
    out: dict[str, list[DemoUnit]] = defaultdict(list)
    for u in demo:
        if u.parent_code:
            out[u.parent_code].append(u)
    return out


def _fingerprint(units: list[DemoUnit]) -> list[tuple]:
    return [
        (
            u.code,
            u.name,
            u.name_en,
            u.kind,
            u.parent_code,
            u.resident,
            u.registered,
            u.floating,
            u.geometry.wkb,
        )
        for u in units
    ]


# --- determinism ---------------------------------------------------------------------------------


def test_the_same_seed_builds_the_same_city_bit_for_bit(demo):
    assert _fingerprint(build_city(seed=2026)) == _fingerprint(demo)


def test_a_different_seed_builds_a_different_city(demo):
    other = build_city(seed=7, grids=False)
    ours = [u for u in demo if u.kind != "grid"]
    assert [u.name for u in other] != [u.name for u in ours]
    assert other[0].geometry.wkb != ours[0].geometry.wkb
    assert other[0].resident != ours[0].resident


def test_building_without_grids_gives_the_same_city_less_its_grids(demo):
    without = build_city(grids=False)
    assert not [u for u in without if u.kind == "grid"]
    assert _fingerprint(without) == _fingerprint([u for u in demo if u.kind != "grid"])


# --- structure -----------------------------------------------------------------------------------


def test_the_city_has_seven_districts_and_zones_about_25_towns_and_330_villages(demo):
    kinds = Counter(u.kind for u in demo)
    assert kinds["city"] == 1
    assert (kinds["district"], kinds["zone"]) == (3, 4)
    assert 22 <= kinds["town"] + kinds["street"] <= 28
    villages = kinds["village"] + kinds["community"]
    assert 300 <= villages <= 360
    assert 0.25 <= kinds["village"] / villages <= 0.45
    assert 1500 <= kinds["grid"] <= 2600


def test_district_codes_are_the_three_districts_and_four_zones(demo):
    level2 = {u.code: u.kind for u in demo if u.kind in ("district", "zone")}
    assert level2 == {
        "449902000000": "district",
        "449903000000": "district",
        "449904000000": "district",
        "449971000000": "zone",
        "449972000000": "zone",
        "449973000000": "zone",
        "449974000000": "zone",
    }


def test_units_come_parents_first(demo):
    seen: set[str] = set()
    for u in demo:
        assert u.parent_code is None or u.parent_code in seen, u.code
        seen.add(u.code)
    assert demo[0].code == CITY_CODE and demo[0].parent_code is None


def test_codes_are_unique_and_start_with_their_parents_prefix(demo, by_code):
    assert len(by_code) == len(demo)
    for u in demo:
        level = KIND_LEVEL[Kind(u.kind)]
        assert re.fullmatch(r"\d{15}" if u.kind == "grid" else r"\d{12}", u.code), u.code
        if u.kind != "grid":
            assert set(u.code[LEVEL_PREFIX_LEN[level] :]) <= {"0"}, u.code
        if u.parent_code:
            parent = by_code[u.parent_code]
            assert KIND_LEVEL[Kind(parent.kind)] == level - 1
            assert u.code.startswith(u.parent_code[: PARENT_PREFIX[parent.kind]]), u.code


def test_code_ranges_follow_the_kind(demo):
    for u in demo:
        if u.kind == "street":
            assert 1 <= int(u.code[6:9]) <= 99
        elif u.kind == "town":
            assert 100 <= int(u.code[6:9]) <= 199
        elif u.kind == "community":
            assert 1 <= int(u.code[9:12]) <= 199
        elif u.kind == "village":
            assert 200 <= int(u.code[9:12]) <= 399
        elif u.kind == "grid":
            assert int(u.code[12:]) >= 1


def test_streets_hold_communities_and_towns_mostly_villages(children, demo):
    for town in (u for u in demo if u.kind in TOWN_KINDS):
        kinds = Counter(c.kind for c in children[town.code])
        if town.kind == "street":
            assert kinds == Counter({"community": kinds["community"]}), town.code
        else:
            assert 1 <= kinds["community"] <= 2, town.code
            assert kinds["village"] >= kinds["community"], town.code


def test_every_village_and_community_has_between_1_and_25_grids_of_about_1000_to_1500_people(demo, children):
    for v in (u for u in demo if u.kind in VILLAGE_KINDS):
        n = len(children[v.code])
        assert 1 <= n <= 25, v.code
        if v.resident < 25 * 1000:
            assert 500 <= v.resident / n <= 3000, (v.code, v.resident, n)
    grids = sum(u.kind == "grid" for u in demo)
    assert 1000 <= demo[0].resident / grids <= 1500


# --- names ---------------------------------------------------------------------------------------


def test_names_end_with_the_suffix_of_their_kind_in_chinese_and_english(demo):
    suffixes = {
        "district": ("区", " District"),
        "town": ("镇", " Town"),
        "street": ("街道", " Street"),
        "village": ("村", " Village"),
        "community": ("社区", " Community"),
    }
    for u in demo:
        if u.kind in suffixes:
            zh, en = suffixes[u.kind]
            assert u.name.endswith(zh) and u.name_en.endswith(en), (u.name, u.name_en)
        elif u.kind == "zone":
            assert u.name.endswith("区") and u.name_en.endswith(" Zone"), (u.name, u.name_en)
        elif u.kind == "grid":
            n = int(u.code[12:])
            assert re.fullmatch(r"\w+(村|社区)第\d+网格", u.name)
            assert u.name.endswith(f"第{n}网格") and u.name_en.endswith(f" Grid {n}")
    assert demo[0].name == "滨海市" and demo[0].name_en == "Binhai City"


def test_english_names_are_title_case_pinyin(demo):
    for u in demo:
        if u.kind != "grid":
            first = u.name_en.split(" ")[0]
            assert re.fullmatch(r"[A-Z][a-z']+", first), u.name_en


def test_names_are_unique_within_their_parent(demo, children):
    for parent_code, kids in children.items():
        names = [k.name for k in kids]
        assert len(names) == len(set(names)), parent_code


# --- geometry ------------------------------------------------------------------------------------


def test_every_geometry_is_a_valid_nonempty_polygon_or_multipolygon(demo):
    for u in demo:
        g = u.geometry
        assert g.geom_type in ("Polygon", "MultiPolygon"), u.code
        assert g.is_valid and not g.is_empty and g.area > 0, u.code


def test_children_tile_their_parent_without_gaps_or_overlaps(demo, children):
    for parent in demo:
        kids = children.get(parent.code)
        if not kids:
            continue
        area = parent.geometry.area
        union = shapely.union_all([k.geometry for k in kids])
        assert abs(union.area - area) <= 1e-6 * area, parent.code
        assert abs(sum(k.geometry.area for k in kids) - area) <= 1e-6 * area, parent.code
        assert union.symmetric_difference(parent.geometry).area <= 1e-6 * area, parent.code


def test_the_mainland_lies_within_its_box_and_is_not_a_rectangle(demo):
    mainland = shapely.union_all([u.geometry for u in demo if u.code[4:6] in ("02", "03", "04", "71", "73")])
    minx, miny, maxx, maxy = mainland.bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((113.1, 21.95, 113.7, 22.45), abs=0.01)
    assert mainland.area < 0.8 * (maxx - minx) * (maxy - miny)
    assert len(shapely.get_coordinates(mainland)) > 500


def test_the_islands_zone_is_several_islands_offshore(by_code):
    islands = by_code["449974000000"].geometry
    coop = by_code["449972000000"].geometry
    assert islands.geom_type == "MultiPolygon" and len(islands.geoms) >= 3
    for code in ("449902000000", "449903000000", "449904000000", "449971000000", "449973000000"):
        assert not islands.intersects(by_code[code].geometry)
        assert not coop.intersects(by_code[code].geometry)
    assert coop.distance(by_code["449902000000"].geometry) < 0.05  # next to the centre


def test_urban_units_are_smaller_and_denser(demo, by_code):
    def km2(u):
        return area_km2(u.geometry)

    comms = [u for u in demo if u.kind == "community"]
    vills = [u for u in demo if u.kind == "village"]
    assert np.median([km2(u) for u in comms]) < np.median([km2(u) for u in vills])
    assert np.median([u.resident / km2(u) for u in comms]) > 3 * np.median(
        [u.resident / km2(u) for u in vills]
    )
    central, western = by_code["449902000000"], by_code["449903000000"]
    assert central.resident / km2(central) > 2 * western.resident / km2(western)


# --- population ----------------------------------------------------------------------------------


def test_populations_add_up_at_every_level(demo, children):
    for parent in demo:
        kids = children.get(parent.code)
        if kids:
            assert parent.resident == sum(k.resident for k in kids), parent.code
            assert parent.registered == sum(k.registered for k in kids), parent.code
    for u in demo:
        assert u.floating == u.resident - u.registered >= 0, u.code


def test_the_city_has_about_two_and_a_half_million_residents_55_percent_registered(demo, by_code):
    total = demo[0]
    assert 2_400_000 <= total.resident <= 2_600_000
    assert 0.50 <= total.registered / total.resident <= 0.60
    assert 1_000_000 <= by_code["449902000000"].resident <= 1_200_000
    assert 570_000 <= by_code["449903000000"].resident <= 690_000
    assert by_code["449974000000"].resident < 30_000


def test_villages_have_a_higher_share_registered_than_communities(demo):
    def share(kind):
        units = [u for u in demo if u.kind == kind]
        return sum(u.registered for u in units) / sum(u.resident for u in units)

    assert share("village") > share("community") + 0.1


def test_about_two_thirds_of_the_western_district_live_in_communities(demo):
    west = [u for u in demo if u.code.startswith("449903") and u.kind in VILLAGE_KINDS]
    urban = sum(u.resident for u in west if u.kind == "community") / sum(u.resident for u in west)
    assert 0.5 <= urban <= 0.75


# --- loading -------------------------------------------------------------------------------------


def test_load_city_writes_every_unit_and_one_population_row_each_and_lookup_finds_villages(demo, db):
    calls: list[tuple[int, int]] = []
    counts = load_city(demo, year=2024, progress=lambda done, total: calls.append((done, total)))

    assert counts == dict(Counter(u.kind for u in demo))
    assert Unit.objects.count() == len(demo)
    assert Population.objects.filter(year=2024).count() == len(demo)
    assert calls[-1] == (len(demo), len(demo))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    levels = dict(Unit.objects.values_list("code", "level"))
    assert all(levels[u.code] == KIND_LEVEL[Kind(u.kind)] for u in demo)
    assert Unit.objects.filter(level=Level.GRID).count() == sum(u.kind == "grid" for u in demo)
    grid = Unit.objects.select_related("parent").filter(level=Level.GRID).first()
    assert grid.code.startswith(grid.parent.code)

    stored_city = Unit.objects.get(code=CITY_CODE)
    assert stored_city.populations.get(year=2024).resident == demo[0].resident
    assert stored_city.area_km2 == pytest.approx(area_km2(demo[0].geometry), rel=1e-4)
    geom = shape(stored_city.boundary)
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.contains(shapely.Point(stored_city.centroid_lon, stored_city.centroid_lat))
    coords = shapely.get_coordinates(geom)
    assert np.array_equal(coords, np.round(coords, 6))
    district_area = sum(Unit.objects.filter(level=Level.DISTRICT).values_list("area_km2", flat=True))
    assert district_area == pytest.approx(stored_city.area_km2, rel=1e-3)

    villages = [u for u in demo if u.kind in VILLAGE_KINDS][::7]
    points = [v.geometry.representative_point() for v in villages]
    found = lookup.locate([p.x for p in points], [p.y for p in points], Level.VILLAGE)
    assert list(found) == [v.code for v in villages]
    towns = lookup.locate([p.x for p in points], [p.y for p in points], Level.TOWN)
    assert list(towns) == [v.parent_code for v in villages]
    at_sea = lookup.locate([113.95, 113.0, 113.4], [21.70, 22.60, 21.80], Level.VILLAGE)
    assert list(at_sea) == ["", "", ""]


def test_load_city_refuses_a_table_that_is_not_empty(demo, db):
    Unit.objects.create(code="440400000000", name="珠海市", kind="city")
    with pytest.raises(Conflict):
        load_city(demo, year=2024)
    assert Unit.objects.count() == 1
    assert not Population.objects.exists()
