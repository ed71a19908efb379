from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import DATA
from zhili.core.errors import ZhiliError
from zhili.core.models import AuditLog
from zhili.geo.importing import import_boundaries, import_divisions
from zhili.geo.models import Kind, Level, Population, Unit


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_it_imports_the_hierarchy_with_levels_parents_and_populations(db):
    result = import_divisions(DATA / "divisions.csv")
    assert (result.created, result.updated, result.populations) == (15, 0, 15)
    village = Unit.objects.get(code="449902100200")
    assert (village.kind, village.level, village.parent.code) == (Kind.VILLAGE, Level.VILLAGE, "449902100000")
    assert village.prefix == "449902100200"
    assert Unit.objects.get(code="449902001000").prefix == "449902001"
    pop = Population.objects.get(unit=village, year=2025)
    assert (pop.resident, pop.registered, pop.floating) == (2500, 1500, 1000)
    assert Unit.objects.filter(level=Level.GRID).count() == 5


def test_a_second_import_updates_and_writes_nothing_twice(db):
    import_divisions(DATA / "divisions.csv")
    result = import_divisions(DATA / "divisions.csv")
    assert (result.created, result.updated) == (0, 15)
    assert Unit.objects.count() == 15
    assert Population.objects.count() == 15


def test_boundaries_set_area_and_centroid(db):
    import_divisions(DATA / "divisions.csv")
    assert import_boundaries(DATA / "boundaries.geojson") == 15
    grid = Unit.objects.get(code="449902001001001")  # 0.05° × 0.1° at 22.05°N
    assert grid.centroid_lon == pytest.approx(113.025)
    assert grid.centroid_lat == pytest.approx(22.05)
    # 0.05 × 111.320 × cos(22.1°) km by 0.1 × 110.574 km, on the city's mean latitude 22.1°
    assert grid.area_km2 == pytest.approx(0.05 * 111.320 * 0.926529 * 0.1 * 110.574, rel=1e-3)


BROKEN = """code,name,parent_code,kind,year,resident
449900000000,滨海市,,市,2025,100
449902000000,海澄区,449900000000,区,2025,60
449902001000,拱北街道,449902000000,街道,2025,abc
"""


def test_a_bad_population_names_line_and_field_and_writes_nothing(db):
    with pytest.raises(ZhiliError) as err:
        import_divisions(_tmp(BROKEN))
    detail = err.value.details[0]
    assert (detail["file"], detail["line"], detail["field"]) == ("broken.csv", 4, "resident")
    assert "abc" in detail["reason"]
    assert len(err.value.details) == 1
    assert Unit.objects.count() == 0
    assert AuditLog.objects.count() == 0


def _tmp(text: str) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    return write(folder, "broken.csv", text)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("449902001000,拱北街道,449902000000,planet,2025,1", "kind"),
        ("44990200100,拱北街道,449902000000,街道,2025,1", "code"),
        ("449902001001,拱北街道,449902000000,街道,2025,1", "code"),  # town codes end in 000
        ("449903001000,拱北街道,449902000000,街道,2025,1", "code"),  # not under its parent
        ("449902001000,拱北街道,449999000000,街道,2025,1", "parent_code"),  # unknown parent
        ("449902001000,拱北街道,449900000000,街道,2025,1", "parent_code"),  # town under the city
        ("449902001000,,449902000000,街道,2025,1", "name"),
        ("449902001000,拱北街道,449902000000,街道,1800,1", "year"),
        ("449902001000,拱北街道,449902000000,街道,2025,-5", "resident"),
    ],
)
def test_each_kind_of_bad_row_is_named(db, tmp_path, row, field):
    text = (
        "code,name,parent_code,kind,year,resident\n449900000000,滨海市,,市,2025,100\n"
        "449902000000,海澄区,449900000000,区,2025,60\n" + row + "\n"
    )
    with pytest.raises(ZhiliError) as err:
        import_divisions(write(tmp_path, "d.csv", text))
    assert (err.value.details[0]["line"], err.value.details[0]["field"]) == (4, field)
    assert Unit.objects.count() == 0


def test_a_non_utf8_file_is_refused_with_its_line(db, tmp_path):
    text = "code,name,parent_code,kind\n449900000000,滨海市,,市\n".encode("gbk")
    with pytest.raises(ZhiliError) as err:
        import_divisions(write(tmp_path, "gbk.csv", text))
    assert err.value.details[0]["line"] == 2
    assert "UTF-8" in err.value.details[0]["reason"]


def test_duplicated_and_missing_columns_are_refused(db, tmp_path):
    with pytest.raises(ZhiliError) as err:
        import_divisions(write(tmp_path, "dup.csv", "code,name,name,parent_code,kind\n"))
    assert err.value.details[0]["field"] == "name"
    with pytest.raises(ZhiliError) as err:
        import_divisions(write(tmp_path, "missing.csv", "code,name\n"))
    assert err.value.details[0]["field"] == "parent_code,kind"


def test_the_command_prints_line_and_field_and_leaves_the_database_unchanged(city, tmp_path, capsys):
    before = list(Unit.objects.values_list("code", "name", "parent_id").order_by("code"))
    pops_before = list(Population.objects.values_list("unit_id", "year", "resident").order_by("unit_id"))
    text = (
        "code,name,parent_code,kind,year,resident\n"
        "449902001000,改名街道,449902000000,街道,2025,999\n"  # a valid change …
        "449902001003,新社区,449902001000,社区,2025,x12\n"
    )  # … and a bad line
    with pytest.raises(CommandError) as err:
        call_command("geo", "import", str(write(tmp_path, "bad.csv", text)))
    printed = capsys.readouterr().err
    assert "bad.csv:3: resident:" in printed
    assert "x12" in printed
    assert "bad.csv:3" in str(err.value)
    assert list(Unit.objects.values_list("code", "name", "parent_id").order_by("code")) == before
    assert (
        list(Population.objects.values_list("unit_id", "year", "resident").order_by("unit_id")) == pops_before
    )


def test_bad_geojson_names_the_feature_and_writes_nothing(city, tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    good = {"type": "Polygon", "coordinates": [[[113, 22], [113.1, 22], [113.1, 22.1], [113, 22]]]}
    import json

    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "449902001001"}, "geometry": good},
            {"type": "Feature", "properties": {"code": "449902001002"}, "geometry": bowtie},
            {"type": "Feature", "properties": {"code": "449999999999"}, "geometry": good},
        ],
    }
    before = Unit.objects.get(code="449902001001").boundary
    with pytest.raises(ZhiliError) as err:
        import_boundaries(write(tmp_path, "b.geojson", json.dumps(fc)))
    assert [(d["feature"], d["field"]) for d in err.value.details] == [
        (2, "geometry"),
        (3, "properties.code"),
    ]
    assert "Self-intersection" in err.value.details[0]["reason"]
    assert Unit.objects.get(code="449902001001").boundary == before


def test_malformed_json_names_the_line(city, tmp_path):
    with pytest.raises(ZhiliError) as err:
        import_boundaries(write(tmp_path, "b.geojson", '{"type": "FeatureCollection",\n "features": [,]}'))
    assert err.value.details[0]["line"] == 2


def test_a_command_line_import_is_audited_with_the_system_account(db, capsys):
    import getpass

    call_command("geo", "import", str(DATA / "divisions.csv"))
    call_command("geo", "import", str(DATA / "boundaries.geojson"))
    entries = list(AuditLog.objects.order_by("id").values_list("action", "actor_username", "details"))
    assert entries == [
        (
            "import",
            f"cli:{getpass.getuser()}",
            {"file": "divisions.csv", "created": 15, "updated": 0, "populations": 15},
        ),
        ("import", f"cli:{getpass.getuser()}", {"file": "boundaries.geojson", "features": 15}),
    ]
    assert "boundaries.geojson：已设置 15 个边界" in capsys.readouterr().out


def test_gdp_and_vehicles_are_imported_and_read_back(city, tmp_path, personas):
    """The figures the index needs for per-GDP and per-vehicle rates come in through the same file:
    with the population, or alone for a year that has it; the API shows them."""
    from tests.conftest import client_for

    header = "code,name,parent_code,kind,year,resident,gdp,vehicles\n"
    # 2025's population is there already: GDP and vehicles alone update it; 2026 comes whole
    import_divisions(
        write(tmp_path, "a.csv", header + "449902001000,拱北街道,449902000000,街道,2025,,312.5,41000\n")
    )
    import_divisions(
        write(tmp_path, "b.csv", header + "449902001000,拱北街道,449902000000,街道,2026,3600,330.25,42500\n")
    )
    rows = {p.year: p for p in Population.objects.filter(unit__code="449902001000")}
    assert (rows[2025].resident, rows[2025].gdp, rows[2025].vehicles) == (3500, 312.5, 41000)
    assert (rows[2026].resident, rows[2026].gdp, rows[2026].vehicles) == (3600, 330.25, 42500)
    body = client_for(personas["town_cadre"]).get("/api/v1/geo/units/449902001000").json()
    assert {p["year"]: (p["gdp"], p["vehicles"]) for p in body["populations"]}[2026] == (330.25, 42500)


@pytest.mark.parametrize(
    ("header", "row", "field"),
    [
        ("gdp", "abc", "gdp"),
        ("gdp", "-1", "gdp"),
        ("vehicles", "12.5", "vehicles"),
        ("gdp", "100", "resident"),  # no population for 2030 yet: the residents are needed
    ],
)
def test_bad_figures_are_refused_with_line_and_field(city, tmp_path, header, row, field):
    path = tmp_path / "bad.csv"
    path.write_text(
        f"code,name,parent_code,kind,year,{header}\n449902001000,拱北街道,449902000000,街道,2030,{row}\n",
        encoding="utf-8",
    )
    before = list(Population.objects.values_list("unit__code", "year", "resident", "gdp", "vehicles"))
    with pytest.raises(ZhiliError) as err:
        import_divisions(path)
    assert (err.value.details[0]["line"], err.value.details[0]["field"]) == (2, field)
    assert list(Population.objects.values_list("unit__code", "year", "resident", "gdp", "vehicles")) == before


def test_an_unknown_column_is_refused_not_dropped(db, tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text(
        "code,name,parent_code,kind,year,resident,gpd\n449900000000,滨海市,,市,2025,10,5\n", encoding="utf-8"
    )
    with pytest.raises(ZhiliError) as err:
        import_divisions(path)
    assert err.value.details[0]["field"] == "gpd" and "gdp" in err.value.message
