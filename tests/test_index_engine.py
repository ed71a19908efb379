"""The index engine on the hand-made test city, every expected figure computed by hand.

Residents (tests/data/divisions.csv): city 10,000; 海澄区 6,000 (拱北街道 3,500 + 南屏镇 2,500);
西江区 4,000 (井岸街道 4,000). Communities 翠香 2,000, 莲花 1,500, 湖滨 4,000; village 北山村 2,500.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction

from tests.conftest import OTHER_TOWN, OWN_TOWN, OWN_VILLAGE, SIBLING_TOWN
from tests.index_lake import ev, write_lake
from zhili.index.definitions import parse
from zhili.index.services import IndexInputError, compute, result_digest, targets_for

TYPES = {  # code → fields, as in tests/conftest.py's hub fixture
    "police.burglary": [{"name": "category", "choices": ["day", "night"]}],
    "police.homicide": [{"name": "deaths"}],
    "fire.fire": [{"name": "deaths"}, {"name": "injuries"}],
    "env.air": [{"name": "value"}, {"name": "category", "choices": ["pm25", "pm10"]}],
}
OWN_DISTRICT, OTHER_DISTRICT, CITY = "449902000000", "449903000000", "449900000000"


def definition(**overrides):
    data = {
        "code": "t",
        "name": "测试指数",
        "periods": ["month", "day"],
        "units": ["town", "district", "city"],
        "grades": {"method": "bands", "bands": [[80, "blue"], [60, "yellow"], [None, "red"]]},
        "streaks": {"colour": "red", "levels": {2: "warning", 3: "summons"}},
        "deductions": [
            {
                "code": "homicide",
                "event_types": ["police.homicide"],
                "field": "deaths",
                "agg": "sum",
                "points": 5,
                "cap": 8,
            },
        ],
        "children": [
            {
                "code": "crime",
                "name": "治安",
                "weight": 0.6,
                "daily": True,
                "measure": {"event_types": ["police.burglary"], "agg": "count"},
                "denominator": "per_10k_residents",
                "direction": "lower_is_better",
                "scoring": {"method": "goalposts", "worst": 20, "best": 0},
            },
            {
                "code": "fire",
                "name": "消防",
                "weight": 0.4,
                "measure": {"event_types": ["fire.fire"], "field": "deaths", "agg": "sum"},
                "direction": "lower_is_better",
                "scoring": {"method": "deduction", "points": 50},
            },
        ],
    }
    data.update(overrides)
    return parse(data, filename="t.yaml", event_types=TYPES)


def burglaries(day: str, unit: str, n: int) -> list[dict]:
    return [ev("police.burglary", day, unit) for _ in range(n)]


@pytest.fixture
def lake(settings, tmp_path, hub):
    settings.LAKE_DIR = str(tmp_path / "lake")
    return tmp_path


def march_events() -> list[dict]:
    """Feb: 5 burglaries in 拱北. Mar: 3 burglaries, a fire with a death and 2 homicide deaths in
    拱北; 4 burglaries in 井岸; nothing in 南屏."""
    return (
        burglaries("2026-02-10", OWN_TOWN, 5)
        + burglaries("2026-03-03", OWN_TOWN, 3)
        + [
            ev("fire.fire", "2026-03-04", OWN_TOWN, deaths=1),
            ev("police.homicide", "2026-03-05", OWN_TOWN, deaths=2),
        ]
        + burglaries("2026-03-06", OTHER_TOWN, 4)
    )


@pytest.fixture
def march(lake):
    write_lake(march_events())


def by_unit(outcomes, period: str):
    return {o.unit: o for o in outcomes if o.period.key == period}


def test_month_scores_grades_and_deductions_by_hand(march):
    c = compute(definition(), "month", targets_for("month", "2026-02", "2026-03"))
    mar = by_unit(c.outcomes, "2026-03-01")
    own = mar[OWN_TOWN]
    # crime: 3 per 3,500 = 8.5714 per 10k → 100 × (20 − 8.5714) / 20; fire: 100 − 50 × 1
    crime = 100 * (20 - 3 / 0.35) / 20
    assert own.nodes["crime"]["rate"] == pytest.approx(3 / 0.35)
    assert own.nodes["crime"]["score"] == pytest.approx(crime)
    assert own.nodes["fire"]["score"] == pytest.approx(50.0)
    # homicide: 2 deaths × 5 points, capped at 8
    assert own.points_off == pytest.approx(8.0)
    assert own.nodes["deductions"] == {"homicide": pytest.approx(8.0)}
    assert own.total == pytest.approx(0.6 * crime + 0.4 * 50 - 8)  # 46.2857
    assert own.grade == "red"
    assert mar[SIBLING_TOWN].total == pytest.approx(100.0) and mar[SIBLING_TOWN].grade == "blue"
    assert mar[OTHER_TOWN].total == pytest.approx(0.6 * 50 + 0.4 * 100)  # 4 per 4,000 = 10 → 50
    assert mar[OTHER_TOWN].grade == "yellow"


def test_district_and_city_are_scored_from_their_own_data(march):
    c = compute(definition(), "month", targets_for("month", "2026-03"))
    mar = by_unit(c.outcomes, "2026-03-01")
    # 海澄区: 3 burglaries per 6,000 = 5 per 10k → 75, fire 50, homicide −8: 57, not the towns' mean
    assert mar[OWN_DISTRICT].total == pytest.approx(0.6 * 75 + 0.4 * 50 - 8)
    assert mar[OWN_DISTRICT].total != pytest.approx((mar[OWN_TOWN].total + mar[SIBLING_TOWN].total) / 2)
    # the city: 7 per 10,000 → 65
    assert mar[CITY].total == pytest.approx(0.6 * 65 + 0.4 * 50 - 8)
    assert mar[OTHER_DISTRICT].total == pytest.approx(70.0)


def test_contributions_add_up_to_the_total_before_deductions(march):
    own = by_unit(compute(definition(), "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")[
        OWN_TOWN
    ]
    leaves = own.nodes["crime"]["contribution"] + own.nodes["fire"]["contribution"]
    assert own.nodes["crime"]["weight"] == pytest.approx(0.6)
    assert leaves - own.points_off == pytest.approx(own.total)


def test_streaks_escalate_and_ranks_move(march):
    c = compute(definition(), "month", targets_for("month", "2026-02", "2026-03"))
    feb, mar = by_unit(c.outcomes, "2026-02-01"), by_unit(c.outcomes, "2026-03-01")
    # Feb: 5 per 3,500 = 14.29 → 28.57; total 0.6 × 28.57 + 40 = 57.1: red, the first red month
    assert feb[OWN_TOWN].total == pytest.approx(0.6 * 100 * (20 - 5 / 0.35) / 20 + 40)
    assert (feb[OWN_TOWN].grade, feb[OWN_TOWN].streak, feb[OWN_TOWN].escalation) == ("red", 1, None)
    assert (mar[OWN_TOWN].streak, mar[OWN_TOWN].escalation) == (2, "warning")
    # towns in Feb: 南屏 100, 井岸 100 (tied, rank 1), 拱北 3; in Mar 南屏 1, 井岸 2 (down one), 拱北 3
    assert [feb[u].rank for u in (SIBLING_TOWN, OTHER_TOWN, OWN_TOWN)] == [1, 1, 3]
    assert [mar[u].rank for u in (SIBLING_TOWN, OTHER_TOWN, OWN_TOWN)] == [1, 2, 3]
    assert [mar[u].rank_move for u in (SIBLING_TOWN, OTHER_TOWN, OWN_TOWN)] == [0, -1, 0]


def test_baseline_ratio_and_poisson_against_last_year(lake):
    write_lake(burglaries("2025-03-10", OWN_TOWN, 2) + burglaries("2026-03-10", OWN_TOWN, 3))
    leaf = {"measure": {"event_types": ["police.burglary"], "agg": "count"},
            "denominator": "per_10k_residents", "direction": "lower_is_better"}  # fmt: skip
    d = definition(
        deductions=[], streaks=None, periods=["month"],
        children=[
            {"code": "ratio", "name": "比值", "weight": 0.5, **leaf,
             "scoring": {"method": "baseline_ratio", "baseline": "same_period_last_year"}},
            {"code": "poisson", "name": "泊松", "weight": 0.5, **leaf,
             "scoring": {"method": "poisson", "baseline": "same_period_last_year"}},
        ],
    )  # fmt: skip
    own = by_unit(compute(d, "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")[OWN_TOWN]
    # ratio 3 / 2 = 1.5 times the baseline: 80 × (2 − 1.5) / (2 − 1) = 40
    assert own.nodes["ratio"]["baseline"] == pytest.approx(2 / 0.35)
    assert own.nodes["ratio"]["score"] == pytest.approx(40.0)
    # expected count λ = 2 (the same population both years), k = 3. Overdispersion from the 12
    # months before March 2026 (2, then 0 × 11): mean 1/6, sample variance 1/3, φ = 2, so a
    # negative binomial with size r = λ/(φ − 1) = 2 and p = ½: P(0..3) = ¼, ¼, 3/16, ⅛.
    # p = P(X > 3) + ½ P(X = 3) = 1 − 11/16 − 1/16 = ¼ → score 160 × ¼ = 40
    assert own.nodes["poisson"]["expected"] == pytest.approx(2.0)
    assert own.nodes["poisson"]["score"] == pytest.approx(40.0)
    # no events either year in 南屏: at the baseline (0/0) → 80; Poisson λ = 0, k = 0 → p = ½ → 80
    nan = by_unit(compute(d, "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")[SIBLING_TOWN]
    assert nan.nodes["ratio"]["score"] == pytest.approx(80.0)
    assert nan.nodes["poisson"]["score"] == pytest.approx(80.0)


def test_a_missing_feed_marks_the_score_incomplete_not_zero(march):
    """The fire service reports 20 calls a day (no deaths) from mid-January, but nothing on
    Friday 20 March: judged from its own Fridays (20 each), a day with none is a short delivery."""
    from datetime import timedelta

    calls = []
    day = date(2026, 1, 15)
    while day <= date(2026, 3, 31):
        if day != date(2026, 3, 20):
            calls += [ev("fire.fire", day.isoformat(), OTHER_TOWN, deaths=0) for _ in range(20)]
        day += timedelta(days=1)
    write_lake(march_events() + calls)
    c = compute(definition(), "month", targets_for("month", "2026-03"))
    own = by_unit(c.outcomes, "2026-03-01")[OWN_TOWN]
    assert own.complete is False and own.incomplete == ["fire"]
    assert own.nodes["fire"]["score"] is None
    # the total stands on the leaves present, reweighted: crime alone, less the homicide points
    assert own.total == pytest.approx(100 * (20 - 3 / 0.35) / 20 - 8)
    assert c.missing == {"fire_rescue": {date(2026, 3, 20)}}


def test_missing_rules_carry_last_and_peer_median(lake):
    write_lake(
        [ev("env.air", "2026-02-15", OWN_TOWN, value=30.0, category="pm25"),
         ev("env.air", "2026-03-15", SIBLING_TOWN, value=20.0, category="pm25"),
         ev("env.air", "2026-03-15", OTHER_TOWN, value=40.0, category="pm25"),
         ev("env.air", "2026-03-15", OTHER_TOWN, value=60.0, category="pm10")]
    )  # fmt: skip
    air = {"measure": {"event_types": ["env.air"], "field": "value", "agg": "mean", "categories": ["pm25"]},
           "direction": "lower_is_better", "scoring": {"method": "goalposts", "worst": 75, "best": 15}}  # fmt: skip
    d = definition(
        deductions=[], streaks=None, units=["town"], periods=["month"],
        children=[
            {"code": "carry", "name": "沿用", "weight": 0.5, "missing": "carry_last", **air},
            {"code": "peers", "name": "同级中位数", "weight": 0.5, "missing": "peer_median", **air},
        ],
    )  # fmt: skip
    mar = by_unit(compute(d, "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")
    own = mar[OWN_TOWN]
    assert (own.nodes["carry"]["value"], own.nodes["carry"]["imputed"]) == (30.0, True)  # February's reading
    assert (own.nodes["peers"]["value"], own.nodes["peers"]["imputed"]) == (30.0, True)  # median of 20 and 40
    assert own.nodes["carry"]["score"] == pytest.approx(100 * (75 - 30) / 60)
    assert mar[OTHER_TOWN].nodes["carry"]["value"] == 40.0  # the pm10 reading is not a pm25 one
    assert own.complete is True


def test_population_missing_names_the_unit(march):
    from zhili.geo.models import Population

    Population.objects.filter(unit__code=SIBLING_TOWN).delete()
    with pytest.raises(IndexInputError) as err:
        compute(definition(), "month", targets_for("month", "2026-03"))
    assert SIBLING_TOWN in err.value.message
    assert err.value.details[0] == {"field": "resident", "unit": SIBLING_TOWN}


def test_same_inputs_same_outputs_bit_for_bit(march):
    a = compute(definition(), "month", targets_for("month", "2026-01", "2026-03"))
    b = compute(definition(), "month", targets_for("month", "2026-01", "2026-03"))
    assert result_digest(a.outcomes) == result_digest(b.outcomes)
    assert a.digest == b.digest


def test_stars_by_rank_share_within_kind_and_the_veto(lake):
    write_lake(
        burglaries("2026-03-02", "449902001002", 1)  # 莲花 1 per 1,500
        + burglaries("2026-03-02", "449903001001", 4)  # 湖滨 4 per 4,000
        + [ev("police.homicide", "2026-03-09", OWN_VILLAGE, deaths=1)]  # 翠香: the best score, vetoed
    )
    d = definition(
        units=["village"], grades=None, streaks=None, deductions=[], periods=["month"],
        ranking={"within": "kind", "scope": "city"},
        stars={"method": "rank_share", "shares": [0.34, 0.33, 0.33]},
        veto=[{"code": "homicide", "event_types": ["police.homicide"], "field": "deaths", "cap": 2}],
        children=[{"code": "crime", "name": "治安", "weight": 1.0,
                   "measure": {"event_types": ["police.burglary"], "agg": "count"},
                   "denominator": "per_1k_residents", "direction": "lower_is_better",
                   "scoring": {"method": "goalposts", "worst": 2, "best": 0}}],
    )  # fmt: skip
    mar = by_unit(compute(d, "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")
    # communities: 翠香 100, 湖滨 1 per 1k → 50, 莲花 0.667 per 1k → 66.7: ranks 1, 3, 2 → 3, 1, 2 stars
    assert mar["449902001002"].total == pytest.approx(100 * (2 - 1 / 1.5) / 2)
    assert (mar["449903001001"].stars, mar["449902001002"].stars) == (1, 2)
    assert mar[OWN_VILLAGE].total == pytest.approx(100.0)
    assert (mar[OWN_VILLAGE].stars, mar[OWN_VILLAGE].vetoes) == (2, ["homicide"])  # 3 capped at 2
    # 北山村 is the only village: first among villages, but round(1 × 0.34) = 0 units get 3 stars
    assert (mar["449902100200"].rank, mar["449902100200"].stars) == (1, 2)
    assert mar[OWN_VILLAGE].rank == 1 and mar["449903001001"].rank == 3


def test_daily_runs_use_the_daily_tree(march):
    c = compute(definition(), "day", targets_for("day", "2026-03-03"))
    own = by_unit(c.outcomes, "2026-03-03")[OWN_TOWN]
    # only the daily leaf (crime, reweighted to 1): 3 per 3,500 on the day; no homicide that day
    assert set(own.nodes) == {".", "crime", "deductions"}
    assert own.nodes["deductions"] == {"homicide": 0.0}
    assert own.total == pytest.approx(100 * (20 - 3 / 0.35) / 20)
    assert own.nodes["crime"]["weight"] == pytest.approx(1.0)


def test_a_period_the_definition_does_not_compute_is_refused(march):
    with pytest.raises(IndexInputError) as err:
        compute(definition(), "dekad", targets_for("dekad", "2026-03-01"))
    assert "dekad" in err.value.message


def test_results_are_immutable_in_the_database(march):
    import yaml

    from zhili.index.models import Outcome
    from zhili.index.services import run, save_definition

    save_definition(text=yaml.safe_dump(definition().raw, allow_unicode=True), actor_username="test")
    row, created = run(code="t", kind="month", first="2026-03", export_lake=False)
    assert created and row.revision == 1 and row.outcomes_count == 6
    for sql in ("UPDATE index_outcome SET total = 0", "DELETE FROM index_outcome"):
        with pytest.raises(DatabaseError), transaction.atomic():
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert Outcome.objects.filter(run=row, total=0).count() == 0


def test_periods_before_the_lake_are_unknown_not_quiet(lake):
    write_lake(burglaries("2026-03-10", OWN_TOWN, 2))  # the lake's first day
    d = definition(
        deductions=[],
        streaks=None,
        periods=["month"],
        children=[
            {
                "code": "trend",
                "name": "环比",
                "weight": 1.0,
                "measure": {"event_types": ["police.burglary"], "agg": "count"},
                "direction": "lower_is_better",
                "scoring": {"method": "baseline_ratio", "baseline": "previous_period"},
            }
        ],
    )
    mar = by_unit(compute(d, "month", targets_for("month", "2026-03")).outcomes, "2026-03-01")
    # February lies wholly before the lake: its count is unknown, so March has no baseline
    assert mar[OWN_TOWN].nodes["trend"]["baseline"] is None
    assert (mar[OWN_TOWN].total, mar[OWN_TOWN].complete, mar[OWN_TOWN].incomplete) == (None, False, ["trend"])


def test_grades_by_peer_quantiles_and_against_the_baseline(march):
    quant = {"method": "quantiles", "quantiles": [0.5], "grades": ["upper", "lower"]}
    c = compute(definition(grades=quant, streaks=None), "month", targets_for("month", "2026-03"))
    mar = by_unit(c.outcomes, "2026-03-01")
    # towns 100, 70, 46.3: the median is 70, so 南屏 and 井岸 are in the upper half (per level)
    assert [mar[u].grade for u in (SIBLING_TOWN, OTHER_TOWN, OWN_TOWN)] == ["upper", "upper", "lower"]
    base = {"method": "baseline", "tolerance": 5, "grades": ["better", "same", "worse"]}
    c = compute(definition(grades=base, streaks=None), "month", targets_for("month", "2026-03"))
    mar = by_unit(c.outcomes, "2026-03-01")
    # against 80, the total of a unit at its baselines: 100 better, 70 worse (by more than 5)
    assert [mar[u].grade for u in (SIBLING_TOWN, OTHER_TOWN, OWN_TOWN)] == ["better", "worse", "worse"]


def test_grade_methods_are_checked_when_parsed(hub):
    from zhili.index.definitions import DefinitionError

    with pytest.raises(DefinitionError) as err:
        definition(grades={"method": "quantiles", "quantiles": [0.25, 0.75], "grades": ["a", "b", "c"]})
    assert err.value.details[0]["field"] == "grades.quantiles"
    with pytest.raises(DefinitionError) as err:
        definition(grades={"method": "baseline", "tolerance": 5, "grades": ["a", "b"]}, streaks=None)
    assert err.value.details[0]["field"] == "grades.grades"
