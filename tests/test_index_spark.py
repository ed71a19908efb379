"""Two engines, one result: the index on Spark gives what it gives on DuckDB, on the same lake.

One local Spark (``local[2]``) for the whole run: it takes about ten seconds to start. The lake is
a year of seeded random events of the real catalogue's types over the hand-made test city: counts,
sums of deaths and of amounts, means of air readings, category filters, events placed at a town or
a district (no village), so every path of `cube_sql` is read by both engines.
"""

from __future__ import annotations

import math
import random
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from tests.conftest import OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE
from tests.index_lake import ev, write_lake
from zhili.hub.lake import levels
from zhili.index import duck
from zhili.index import spark as spark_engine
from zhili.index.cube import MeasureSet
from zhili.index.definitions import load_shipped, parse
from zhili.index.engine import window
from zhili.index.services import compute, load_units, result_digest, targets_for

pytestmark = pytest.mark.spark

VILLAGES = [OWN_VILLAGE, "449902001002", "449902100200", OTHER_VILLAGE]
PLACES = [*VILLAGES, "449902001001001", OWN_TOWN, "449902100000", "449903000000"]  # a grid, towns, a district
STAR_TYPES = ["police.dispute", "dispute.mediation_case", "police.vehicle_theft", "police.telecom_fraud",
              "city_management.clutter", "police.serious_crime", "police.mass_incident"]  # fmt: skip


@pytest.fixture(scope="session")
def spark_session():
    """The Spark engine's own session, started once for the whole run and stopped after it."""
    session = spark_engine.session()
    yield session
    session.stop()


@pytest.fixture
def catalogue(city):
    from zhili.hub.catalogue import load_catalogue

    load_catalogue()


@pytest.fixture
def lake(settings, tmp_path, catalogue, spark_session):
    """Seeded events on 80 days from March 2025 to March 2026: burglaries (some without a
    category, some with an amount), homicides and fires with deaths, PM2.5 and PM10 readings
    (fractional values) and the star rating's other types."""
    settings.LAKE_DIR = str(tmp_path / "lake")
    rng = random.Random(20260301)
    first = date(2025, 3, 1)
    days = sorted({first + timedelta(days=rng.randrange(396)) for _ in range(80)})
    days += [date(2026, 3, 1), date(2026, 3, 31)]  # the month's edges
    events = []
    for d in days:
        day = d.isoformat()
        for _ in range(rng.randrange(1, 12)):
            unit = rng.choice(PLACES)
            kind = rng.random()
            if kind < 0.3:
                category = rng.choice(["residence", "shop", None])
                amount = round(rng.uniform(50, 9000), 2) if rng.random() < 0.7 else None
                events.append(ev("police.burglary", day, unit, category=category, amount=amount))
            elif kind < 0.35:
                events.append(ev("police.homicide", day, unit, deaths=rng.randrange(0, 3)))
            elif kind < 0.5:
                events.append(
                    ev("fire.fire", day, unit, deaths=rng.choice([0, 0, 0, 1]), injuries=rng.randrange(3))
                )
            elif kind < 0.7:
                category = rng.choice(["pm25", "pm10"])
                events.append(
                    ev("environment.air_quality", day, unit, value=rng.uniform(3, 160), category=category)
                )
            else:
                events.append(ev(rng.choice(STAR_TYPES), day, unit, quantity=rng.randrange(1, 4)))
    write_lake(events)
    return events


def hand_definition():
    """Month and day, all four levels: a count, a filtered sum of amounts, a mean of PM2.5, a
    sum of deaths scored by deduction, a deduction and a previous-period baseline."""
    return parse(
        {
            "code": "two_engines", "name": "双引擎", "periods": ["month", "day"],
            "units": ["village", "town", "district", "city"],
            "grades": {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]]},
            "streaks": {"colour": "red", "levels": {2: "warning"}},
            "deductions": [{"code": "homicide", "event_types": ["police.homicide"], "field": "deaths",
                            "agg": "sum", "points": 3, "cap": 9}],
            "children": [
                {"code": "burglary", "name": "入室盗窃", "weight": 0.3, "daily": True,
                 "measure": {"event_types": ["police.burglary"], "agg": "count"},
                 "denominator": "per_10k_residents", "direction": "lower_is_better",
                 "scoring": {"method": "blend", "parts": [
                     {"weight": 0.5, "method": "goalposts", "worst": 30, "best": 0},
                     {"weight": 0.5, "method": "poisson", "baseline": "previous_period"}]}},
                {"code": "loss", "name": "住宅失窃金额", "weight": 0.2, "daily": True,
                 "measure": {"event_types": ["police.burglary"], "field": "amount", "agg": "sum",
                             "categories": ["residence"]},
                 "denominator": "per_1k_residents", "direction": "lower_is_better",
                 "scoring": {"method": "goalposts", "worst": 5000, "best": 0}},
                {"code": "air", "name": "PM2.5", "weight": 0.3,
                 "measure": {"event_types": ["environment.air_quality"], "field": "value", "agg": "mean",
                             "categories": ["pm25"]},
                 "direction": "lower_is_better", "scoring": {"method": "zscore"}, "missing": "peer_median"},
                {"code": "fire", "name": "火灾死亡", "weight": 0.2,
                 "measure": {"event_types": ["fire.fire"], "field": "deaths", "agg": "sum"},
                 "direction": "lower_is_better", "scoring": {"method": "deduction", "points": 40}},
            ],
        },
        filename="two_engines.yaml",
    )  # fmt: skip


def test_the_cube_is_the_same_on_both_engines(lake):
    definition = hand_definition()
    measures = MeasureSet(definition)
    first, last, _ = window(definition, "month", targets_for("month", "2026-02", "2026-03"))
    units = {level: [u.code for u in rows] for level, rows in load_units(definition.units).items()}
    by_duck = duck.read_cube(measures, first, last, units)
    by_spark = spark_engine.read_cube(measures, first, last, units)

    for level in units:
        d, s = by_duck.levels[level], by_spark.levels[level]
        assert s.codes == d.codes
        np.testing.assert_array_equal(s.n, d.n)
        np.testing.assert_array_equal(s.s, d.s)  # exact sums: equal to the last bit
    assert by_spark.digest() == by_duck.digest()
    # and both are the events: per village and day, the burglaries, the residence losses, the
    # PM2.5 readings and their sum (not a mean: the cube keeps sums and counts)
    days = [e for e in lake if first <= e["day"] <= last]
    village = by_spark.levels["village"]
    row, col = village.index(), lambda e: (e["day"] - first).days
    expected = np.zeros_like(village.s)
    counted = np.zeros_like(village.n)
    for e in days:
        u = row.get(levels(e["unit"])[1])
        if u is None:  # an event of a town or a district is in no village
            continue
        if e["type"] == "police.burglary":
            expected[measures.of_leaf["two_engines/burglary"], u, col(e)] += 1
            if e["category"] == "residence" and e["amount"] is not None:
                expected[measures.of_leaf["two_engines/loss"], u, col(e)] += e["amount"]
                counted[measures.of_leaf["two_engines/loss"], u, col(e)] += 1
        if e["type"] == "environment.air_quality" and e["category"] == "pm25":
            expected[measures.of_leaf["two_engines/air"], u, col(e)] += e["value"]
            counted[measures.of_leaf["two_engines/air"], u, col(e)] += 1
    for leaf in ("two_engines/burglary", "two_engines/loss", "two_engines/air"):
        m = measures.of_leaf[leaf]
        # the engines keep values to the micro-unit (cube.DECIMAL_SCALE); these have 14 decimals
        np.testing.assert_allclose(village.s[m], expected[m], rtol=0, atol=1e-6 * max(1, counted[m].max()))
    for leaf in ("two_engines/loss", "two_engines/air"):
        m = measures.of_leaf[leaf]
        np.testing.assert_array_equal(village.n[m], counted[m])
    # deaths at every level, the city's total included: town- and district-level events count there
    deaths = sum(e.get("deaths") or 0 for e in days if e["type"] == "fire.fire")
    assert deaths > 0
    assert by_spark.levels["city"].s[measures.of_leaf["two_engines/fire"]].sum() == deaths
    # a window without a single day file reads nothing on either engine
    empty = spark_engine.read_cube(measures, date(2020, 1, 1), date(2020, 1, 31), units)
    assert not empty.levels["city"].n.any()


@pytest.mark.parametrize(
    ("kind", "first", "last"), [("month", "2026-02", "2026-03"), ("day", "2026-03-01", "2026-03-10")]
)
def test_a_hand_written_definition_scores_the_same_on_both_engines(lake, kind, first, last):
    definition = hand_definition()
    targets = targets_for(kind, first, last)
    by_duck = compute(definition, kind, targets, engine="duckdb")
    by_spark = compute(definition, kind, targets, engine="spark")
    assert_same_outcomes(by_duck.outcomes, by_spark.outcomes)
    assert by_spark.digest == by_duck.digest  # the same data read
    scored = [o.total for o in by_duck.outcomes if o.total is not None]
    assert len(set(scored)) > 5  # not a run of hundreds: the data tells the units apart


def test_a_run_on_the_other_engine_with_equal_results_stores_nothing(lake):
    """Switching engines recomputes; equal inputs and equal results are the same revision."""
    import yaml

    from zhili.index.models import Run
    from zhili.index.services import run, save_definition

    text = yaml.safe_dump(hand_definition().raw, allow_unicode=True, sort_keys=False)
    save_definition(text=text, actor_username="test", filename="two_engines.yaml")
    first, created = run(code="two_engines", kind="month", first="2026-03", engine="spark", export_lake=False)
    assert created and first.engine == "spark"
    again, created = run(
        code="two_engines", kind="month", first="2026-03", engine="duckdb", export_lake=False
    )
    assert not created and again.pk == first.pk
    assert Run.objects.count() == 1


def test_the_star_rating_scores_and_stars_the_same_on_both_engines(lake, monkeypatch):
    # The test city has one to three villages in a group; the shipped definition is refused on
    # it (a shrinkage prior needs MIN_PEERS peers, test_index_reference.py). Both engines are
    # compared here, so the prior is taken from however many peers there are.
    monkeypatch.setattr("zhili.index.reference.MIN_PEERS", 1)
    definition = load_shipped("star_rating")
    targets = targets_for("month", "2026-03")
    by_duck = compute(definition, "month", targets, engine="duckdb")
    by_spark = compute(definition, "month", targets, engine="spark")
    assert_same_outcomes(by_duck.outcomes, by_spark.outcomes)
    assert {o.stars for o in by_duck.outcomes} - {None}  # stars were given


def test_without_pyspark_the_spark_engine_names_the_extra(monkeypatch):
    monkeypatch.setattr(spark_engine, "_session", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    with pytest.raises(spark_engine.SparkUnavailable) as caught:
        spark_engine.session()
    assert "pip install 'zhili[spark]'" in caught.value.message
    assert caught.value.status == 503


def assert_same_outcomes(expected, actual):
    assert [(o.level, o.unit, o.period.key) for o in actual] == [
        (o.level, o.unit, o.period.key) for o in expected
    ]
    for e, a in zip(expected, actual, strict=True):
        where = f"{e.level} {e.unit} {e.period.key}"
        for name in ("total", "points_off", "grade", "streak", "escalation", "rank", "rank_move",
                     "stars", "vetoes", "complete", "incomplete", "nodes"):  # fmt: skip
            assert_same(getattr(e, name), getattr(a, name), f"{where} {name}")
    # and to the last bit: the stored results' digest is the same
    assert result_digest(actual) == result_digest(expected)


def assert_same(e, a, where: str) -> None:
    """Numbers to 1e-9 (NaN equal to NaN), everything else exactly, through dicts and lists."""
    if isinstance(e, dict):
        assert isinstance(a, dict) and sorted(a) == sorted(e), where
        for key in e:
            assert_same(e[key], a[key], f"{where}.{key}")
    elif isinstance(e, list | tuple):
        assert isinstance(a, list | tuple) and len(a) == len(e), where
        for i, (x, y) in enumerate(zip(e, a, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(e, float | int | np.number) and not isinstance(e, bool):
        assert isinstance(a, float | int | np.number) and not isinstance(a, bool), where
        if math.isnan(e):
            assert math.isnan(a), where
        else:
            assert math.isclose(a, e, rel_tol=1e-12, abs_tol=1e-9), f"{where}: {a} != {e}"
    else:
        assert a == e, where
