import numpy as np

from tests.conftest import POINT_OTHER, POINT_OWN
from zhili.geo.lookup import get_index, locate, locate_point
from zhili.geo.models import Level


def test_a_point_resolves_to_grid_village_town_district_and_city(city):
    chain = locate_point(*POINT_OWN)
    assert [u.code for u in chain] == [
        "449902001001001",
        "449902001001",
        "449902001000",
        "449902000000",
        "449900000000",
    ]


def test_bulk_lookup_is_vectorised_and_marks_points_outside(city):
    lon = np.array([113.02, 113.07, 113.05, 113.15, 113.30, 112.0, 113.5] * 20)
    lat = np.array([22.05, 22.05, 22.15, 22.10, 22.10, 22.1, 22.1] * 20)
    villages = locate(lon, lat, Level.VILLAGE)
    expected = ["449902001001", "449902001001", "449902001002", "449902100200", "449903001001", "", ""] * 20
    assert list(villages) == expected
    towns = locate(lon[:7], lat[:7], Level.TOWN)
    assert list(towns) == [
        "449902001000",
        "449902001000",
        "449902001000",
        "449902100000",
        "449903001000",
        "",
        "",
    ]


def test_a_point_on_a_shared_edge_gets_exactly_one_unit(city):
    # 113.05 is the edge between the two grids of 翠香社区; the lower index wins, the same every time.
    grids = locate([113.05] * 100, [22.05] * 100, Level.GRID)
    assert len(set(grids)) == 1 and grids[0] in {"449902001001001", "449902001001002"}
    assert locate([113.05], [22.05], Level.GRID)[0] == grids[0]


def test_the_index_holds_only_the_leaves(city):
    index = get_index()
    assert sorted(index.codes[i] for i in index.leaf_ids) == [
        "449902001001001",
        "449902001001002",
        "449902001002001",
        "449902100200001",
        "449903001001001",
    ]
    assert locate_point(*POINT_OTHER)[1].code == "449903001001"


def test_a_code_prefix_follows_the_level_the_code_encodes():
    from zhili.core.scope import code_prefix

    assert [
        code_prefix(c)
        for c in (
            "449900000000",
            "449902000000",
            "449902001000",
            "449902100200",
            "449902001001003",
            "449971000000",
        )
    ] == ["4499", "449902", "449902001", "449902100200", "449902001001003", "449971"]


def test_code_prefix_agrees_with_every_stored_unit(city):
    from zhili.core.scope import code_prefix
    from zhili.geo.models import Unit

    assert all(code_prefix(u.code) == u.prefix for u in Unit.objects.all())
