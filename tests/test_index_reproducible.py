"""Reproducible bit for bit, tried from outside through the CLI: the same events imported in
another order, split into other files, give byte-identical stored results and digests, and a
rerun with unchanged data writes no new revision. (Floating-point sums used to depend on the
order of their terms: an air-quality rate came out 77.24032258064514 one way and …516 the other.)"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, SIBLING_TOWN

DEFINITION = {
    "code": "repro",
    "name": "可复现",
    "periods": ["month"],
    "units": ["village", "town", "district", "city"],
    "grades": {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]]},
    "children": [
        {"code": "burglary", "name": "入室盗窃", "weight": 0.4,
         "measure": {"event_types": ["police.burglary"], "agg": "count"},
         "denominator": "per_10k_residents", "direction": "lower_is_better",
         "scoring": {"method": "poisson", "baseline": "previous_period"}},
        {"code": "pm25", "name": "PM2.5", "weight": 0.6,
         "measure": {"event_types": ["env.air"], "field": "value", "agg": "mean", "categories": ["pm25"]},
         "direction": "lower_is_better", "scoring": {"method": "goalposts", "worst": 75, "best": 15},
         "missing": "peer_median"},
    ],
}  # fmt: skip
PLACES = [OWN_VILLAGE, OTHER_VILLAGE, SIBLING_TOWN]


def events() -> list[dict]:
    """200 events over February and March 2026; PM2.5 readings with long decimal tails, whose
    float sum differs in its last digits with the order of the terms."""
    rng = random.Random(7)
    rows = []
    for i in range(200):
        day = f"2026-{rng.choice(['02', '03'])}-{rng.randint(1, 28):02d}"
        place = rng.choice(PLACES)
        if i % 2:
            rows.append(("ga_110", {"source_id": f"JQ{i:05d}", "type": "police.burglary",
                                    "occurred_at": f"{day}T10:{i % 60:02d}:00+08:00", "unit_code": place,
                                    "category": rng.choice(["day", "night"]), "value": ""}))  # fmt: skip
        else:
            rows.append(("hb_air", {"source_id": f"AQ{i:05d}", "type": "env.air",
                                    "occurred_at": f"{day}T12:00:00+08:00", "unit_code": place,
                                    "category": "pm25", "value": f"{rng.uniform(5, 90):.13f}"}))  # fmt: skip
    return rows


def write_files(rows: list[tuple[str, dict]], folder: Path, parts: int) -> list[tuple[str, Path]]:
    """The rows of each source in `parts` CSV files of that source."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for source in ("ga_110", "hb_air"):
        mine = [r for s, r in rows if s == source]
        for k in range(parts):
            path = folder / f"{source}-{k}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(mine[0]))
                writer.writeheader()
                writer.writerows(mine[k::parts])
            out.append((source, path))
    return out


def import_all(files) -> None:
    for source, path in files:
        call_command("hub", "import", str(path), "--source", source, "--mode", "atomic")
    call_command("hub", "export-lake")


def stored(run) -> list[tuple]:
    return [
        (o.level, o.unit_code, o.period_start, o.total, o.grade, o.rank, o.complete, o.nodes)
        for o in run.outcomes.order_by("level", "unit_code")
    ]


@pytest.fixture
def setup(hub, settings, tmp_path):
    from zhili.hub.services import create_source
    from zhili.index.services import save_definition
    from zhili.org.models import Department

    settings.LAKE_DIR = str(tmp_path / "lake")
    create_source(code="hb_air", name="空气质量", department=Department.objects.get(code="ecology"))
    save_definition(text=yaml.safe_dump(DEFINITION, allow_unicode=True), actor_username="test")
    return tmp_path


def test_shuffled_and_resplit_input_gives_the_same_stored_results_and_no_new_revision(setup):
    from zhili.hub.models import Delivery, Event, LakeDay, Rejection
    from zhili.index.models import Run
    from zhili.index.services import run

    rows = events()
    import_all(write_files(rows, setup / "one", parts=1))
    first, created = run(code="repro", kind="month", first="2026-03")
    assert created and first.outcomes_count == 4 + 3 + 2 + 1  # villages, towns, districts, city
    results, digests = stored(first), (first.data_digest, first.result_digest)
    again, created = run(code="repro", kind="month", first="2026-03")
    assert not created and again.pk == first.pk  # unchanged data, equal result: nothing written

    # The same facts, from scratch: in another order, in three files per source.
    Event.objects.all().delete()
    Rejection.objects.all().delete()
    Delivery.objects.all().delete()
    LakeDay.objects.all().delete()
    shutil.rmtree(setup / "lake")
    shuffled = rows[:]
    random.Random(99).shuffle(shuffled)
    import_all(write_files(shuffled, setup / "three", parts=3))
    second, created = run(code="repro", kind="month", first="2026-03")
    assert not created and second.pk == first.pk
    assert Run.objects.count() == 1
    # …and computed afresh, the rows and digests are the same to the last bit
    from zhili.index.services import compute, result_digest, targets_for

    fresh = compute(first.definition.parsed(), "month", targets_for("month", "2026-03"))
    assert (fresh.digest, result_digest(fresh.outcomes)) == digests
    assert stored(second) == results


def test_the_cube_sums_exactly_and_adds_up_its_rows_in_one_order(settings, tmp_path, hub):
    """0.1 + 0.2 + 0.3 is 0.6000000000000001 in floating point added left to right and 0.6
    right to left; the cube's decimal sums give 0.6 whatever the order, and the levels above
    add the rows below them in one fixed order."""
    import pyarrow as pa

    from tests.conftest import OWN_TOWN
    from tests.index_lake import ev, write_lake
    from zhili.index import duck
    from zhili.index.cube import Cube, MeasureSet
    from zhili.index.definitions import parse

    assert 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1
    settings.LAKE_DIR = str(tmp_path / "lake")
    values = [0.1, 0.2, 0.3]
    write_lake([ev("env.air", "2026-03-02", OWN_VILLAGE, value=v, category="pm25") for v in values])
    definition = parse(DEFINITION, filename="repro.yaml")
    measures = MeasureSet(definition)
    m = measures.of_leaf["repro/pm25"]
    from datetime import date

    units = {"village": [OWN_VILLAGE], "town": [OWN_TOWN]}
    cube = duck.read_cube(measures, date(2026, 3, 1), date(2026, 3, 31), units)
    assert cube.levels["village"].s[m, 0, 1] == 0.6 and cube.levels["village"].n[m, 0, 1] == 3

    # three villages' rows of one town, handed over in two orders: the same town sum, bit for bit
    rows = {
        "m": [m, m, m], "district_code": ["449902000000"] * 3, "town_code": [OWN_TOWN] * 3,
        "village_code": ["449902001001", "449902001002", "449902001003"],
        "day": [date(2026, 3, 2)] * 3, "s": values, "n": [1, 1, 1],
    }  # fmt: skip
    table = pa.table(rows)
    sums = []
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        cube = Cube(measures, date(2026, 3, 1), date(2026, 3, 31), {"town": [OWN_TOWN]})
        cube.fill(table.take(order))
        sums.append(cube.levels["town"].s[m, 0, 1])
    assert len({s.hex() for s in sums}) == 1
