"""The sensitivity analysis (zhili.index.sensitivity): the Monte Carlo on hand-made leaf scores,
with probabilities worked out by hand, then once through the engine on the test city.

Weights drawn as w × U(1 − s, 1 + s) and renormalised: with two leaves of weight ½ each and
s = ½, the factors u1, u2 are independent U(½, 3/2), and "A beats B" reduces to u2 < c · u1 for
a constant c fixed by the scores, whose probability is

    P(c) = ∫_{½}^{3/2} clip(c·u − ½, 0, 1) du = c/2 · (b² − ¼) − ½ (b − ½) + (3/2 − b),  b = 3/(2c)

for 1 ≤ c ≤ 3 (P(1) = ½, P(3/2) = 13/16).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from tests.conftest import OTHER_TOWN, OTHER_VILLAGE, OWN_TOWN, OWN_VILLAGE, SIBLING_TOWN
from zhili.index import methods
from zhili.index.sensitivity import (
    Branch,
    SensitivityError,
    _aggregate,
    competition_ranks,
    print_table,
    robustness,
    sensitivity,
    simulate,
    summarise,
)

TWO = Branch([0, 1], np.array([0.5, 0.5]))
N_DRAWS = 20_000
TOLERANCE = 0.012  # > 3 standard errors of a share over 20,000 draws (√(¼ / 20,000) = 0.0035)


def p_ratio(c: float) -> float:
    """P(u2 < c · u1) for u1, u2 independent U(½, 3/2), 1 ≤ c ≤ 3 (the module docstring)."""
    b = 1.5 / c
    return c / 2 * (b * b - 0.25) - 0.5 * (b - 0.5) + (1.5 - b)


def first_share(sim, unit: int = 0) -> float:
    return float((sim.ranks[:, unit] == 1).mean())


def test_p_ratio_by_hand():
    assert p_ratio(1.0) == pytest.approx(0.5)
    assert p_ratio(1.5) == pytest.approx(13 / 16)


# ------------------------------------------------------------------------------ the Monte Carlo


def nested_tree() -> Branch:
    """root (geometric): [group(0.6, arithmetic): leaves 0 (0.7), 1 (0.3)], leaf 2 (0.4)."""
    return Branch([Branch([0, 1], np.array([0.7, 0.3])), 2], np.array([0.6, 0.4]), "geometric")


def test_with_a_tiny_spread_and_one_variant_every_draw_is_the_nominal_ranking():
    rng = np.random.default_rng(7)
    scores = rng.uniform(5, 95, (10, 3))
    sim = simulate(scores, nested_tree(), draws=500, spread=1e-9, seed=3, vary_aggregation=False)
    inner = 0.7 * scores[:, 0] + 0.3 * scores[:, 1]
    nominal = inner**0.6 * scores[:, 2] ** 0.4
    np.testing.assert_allclose(sim.nominal, nominal)
    np.testing.assert_array_equal(sim.nominal_rank, methods.rank_with_moves(nominal).rank)
    assert (sim.ranks == sim.nominal_rank).all()
    for (median, q05, q95), rank in zip(summarise(sim.ranks), sim.nominal_rank, strict=True):
        assert median == q05 == q95 == rank


def test_two_units_that_swap_with_the_weights_share_first_place_by_hand():
    """A (90, 30) vs B (30, 90): A first iff u1 > u2, probability ½ exactly."""
    sim = simulate([[90, 30], [30, 90]], TWO, draws=N_DRAWS, spread=0.5, seed=11, vary_aggregation=False)
    assert abs(first_share(sim) - 0.5) < TOLERANCE
    assert summarise(sim.ranks)[0][1:] == (1, 2) and summarise(sim.ranks)[1][1:] == (1, 2)
    assert ((sim.ranks == 1).sum(axis=1) == 1).all()  # exactly one winner in every draw


def test_an_asymmetric_swap_arithmetic_and_geometric_by_hand():
    """A (80, 40) vs B (50, 60), weights ½ ± ½ (nominal: A 60 > B 55).
    Arithmetic: 30 w1 > 20 w2 ⇔ u2 < 1.5 u1: P = 13/16.
    Geometric: w1 ln 80 + w2 ln 40 > w1 ln 50 + w2 ln 60 ⇔ u2 < (ln 1.6 / ln 1.5) u1.
    Each draw picks one of the two: P = ½ · 13/16 + ½ · P(ln 1.6 / ln 1.5)."""
    scores = [[80, 40], [50, 60]]
    arithmetic = simulate(scores, TWO, draws=N_DRAWS, spread=0.5, seed=5, vary_aggregation=False)
    assert abs(first_share(arithmetic) - 13 / 16) < TOLERANCE
    geometric = Branch([0, 1], np.array([0.5, 0.5]), "geometric")
    geo = simulate(scores, geometric, draws=N_DRAWS, spread=0.5, seed=5, vary_aggregation=False)
    c = math.log(1.6) / math.log(1.5)
    assert abs(first_share(geo) - p_ratio(c)) < TOLERANCE
    mixed = simulate(scores, TWO, draws=N_DRAWS, spread=0.5, seed=5)
    assert abs(first_share(mixed) - (13 / 16 + p_ratio(c)) / 2) < TOLERANCE
    assert [s[1:] for s in summarise(mixed.ranks)] == [(1, 2), (1, 2)]
    assert list(mixed.nominal_rank) == [1, 2]


def test_a_leaf_whose_alternative_method_reverses_the_order_is_a_coin_toss():
    """One leaf: as written A 70 > B 60, its alternative A 50 < B 65. Taken with probability ½."""
    tree = Branch([0], np.array([1.0]))
    sim = simulate([[70], [60]], tree, alternative=[[50], [65]], draws=N_DRAWS, spread=0.1, seed=2)
    assert abs(first_share(sim) - 0.5) < TOLERANCE
    kept = simulate([[70], [60]], tree, alternative=[[50], [65]], swappable=[False], draws=1000,
                    spread=0.1, seed=2)  # fmt: skip
    assert (kept.ranks[:, 0] == 1).all()


def test_a_dominated_unit_is_always_last():
    """Unit 5 is below every other unit on every leaf, as written and under the alternatives:
    any positive weights and either mean keep it last, so its interval is [6, 6]."""
    rng = np.random.default_rng(1)
    written = rng.uniform(20, 100, (6, 3))
    alternative = rng.uniform(20, 100, (6, 3))
    written[5] = written[:5].min(axis=0) - 5
    alternative[5] = alternative[:5].min(axis=0) - 5
    sim = simulate(written, nested_tree(), alternative=alternative, draws=5000, spread=0.9, seed=4)
    assert (sim.ranks[:, 5] == 6).all()
    assert summarise(sim.ranks)[5] == (6.0, 6, 6)
    assert robustness(0, 6) == "robust"
    assert summarise(sim.ranks)[0][2] - summarise(sim.ranks)[0][1] > 0  # the others do move


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    rng = np.random.default_rng(9)
    written, alternative = rng.uniform(0, 100, (2, 12, 3))

    def run(seed):
        return simulate(written, nested_tree(), alternative=alternative, draws=300, spread=0.3, seed=seed)

    np.testing.assert_array_equal(run(1).ranks, run(1).ranks)
    assert summarise(run(1).ranks) == summarise(run(1).ranks)
    assert not np.array_equal(run(1).ranks, run(2).ranks)


def test_missing_leaves_and_zeros_aggregate_as_methods_aggregate():
    rng = np.random.default_rng(3)
    s = rng.uniform(0, 100, (4, 7, 3))
    s[0, 1, 0] = s[1, 2, :] = s[2, 3, 1] = np.nan
    s[3, 4, 2] = 0.0
    w = rng.uniform(0.2, 1, (4, 3))
    geometric = np.array([False, True, False, True])
    got = _aggregate(s, w / w.sum(axis=1, keepdims=True), geometric)
    for d in range(4):
        want = methods.aggregate(s[d], w[d], method="geometric" if geometric[d] else "arithmetic").values
        np.testing.assert_allclose(got[d], want, equal_nan=True)


def test_deductions_come_off_after_aggregating_and_stop_at_zero():
    tree = Branch([0, 1], np.array([0.5, 0.5]), points_off=np.array([10.0, np.nan, 90.0]))
    sim = simulate(
        [[80, 60], [50, 50], [70, 90]], tree, draws=100, spread=1e-9, seed=1, vary_aggregation=False
    )
    np.testing.assert_allclose(sim.nominal, [60.0, 50.0, 0.0])


def test_ranks_share_ties_and_skip_missing_within_peer_groups():
    totals = np.array([[70, 80, 80, np.nan, 10]])
    np.testing.assert_array_equal(competition_ranks(totals)[0], [3, 1, 1, np.nan, 4])
    groups = np.array(["村", "社区", "村", "村", "社区"], dtype=object)
    np.testing.assert_array_equal(
        competition_ranks(totals, groups)[0], methods.rank_with_moves(totals[0], groups=groups).rank
    )


def test_robustness_labels():
    assert [robustness(w, 34) for w in (0, 2, 3, 6, 7)] == [
        "robust",
        "robust",
        "moderate",
        "moderate",
        "sensitive",
    ]
    assert robustness(2, 3) == "sensitive"  # among 3 units a width of 2 is every rank
    assert robustness(None, 3) == "unranked"


@pytest.mark.parametrize(
    ("draws", "spread"), [(99, 0.25), (100_001, 0.25), (1000, 0), (1000, 1), (1000, -0.2)]
)
def test_bad_draws_and_spreads_are_refused(draws, spread):
    with pytest.raises(SensitivityError):
        simulate([[1.0, 2.0]], TWO, draws=draws, spread=spread, seed=1)
    with pytest.raises(SensitivityError):  # before anything is read
        sensitivity(code="sens", kind="month", when="2026-10", level="town", draws=draws, spread=spread)


# ------------------------------------------------------------------------------ on the test city

DEFINITION = """
code: sens
name: 敏感性测试
periods: [month]
units: [town, district]
deductions:
  - {code: fire_deaths, event_types: [fire.fire], field: deaths, agg: sum, points: 5, cap: 10}
children:
  - {code: crime, name: 治安, weight: 0.6, measure: {event_types: [police.burglary], agg: count},
     denominator: per_10k_residents, direction: lower_is_better,
     scoring: {method: goalposts, worst: 20, best: 0}}
  - {code: fire, name: 消防, weight: 0.4, measure: {event_types: [fire.fire], agg: count},
     denominator: per_10k_residents, direction: lower_is_better, scoring: {method: minmax}}
"""


@pytest.fixture
def october(hub, settings, tmp_path):
    """October 2026 through the hub's ingestion: 拱北 (3,500 residents) 3 burglaries and a fire
    with a death; 井岸 (4,000) 4 burglaries; 南屏 (2,500) 2 fires."""
    from tests.test_hub_ingest import burglary, post
    from zhili.index.services import save_definition

    settings.LAKE_DIR = tmp_path / "lake"
    post(hub["police_key"], [burglary(f"G{i}") for i in range(3)])
    post(hub["police_key"], [burglary(f"J{i}", unit_code=OTHER_VILLAGE) for i in range(4)])
    fire = {"type": "fire.fire", "occurred_at": "2026-10-03T10:00:00+08:00"}
    post(hub["fire_key"], [{**fire, "source_id": "F1", "unit_code": OWN_VILLAGE, "fields": {"deaths": 1}}]
         + [{**fire, "source_id": f"N{i}", "unit_code": "449902100200", "fields": {}} for i in range(2)])  # fmt: skip
    save_definition(text=DEFINITION, actor_username="test")


def test_the_test_city_by_hand(october, tmp_path):
    table = sensitivity(code="sens", kind="month", when="2026-10", level="town", draws=2000, seed=1)
    # crime: goalposts 20 → 0 per 10k; fire: min-max of 2.857 (拱北), 0 (井岸), 8 (南屏) per 10k
    own = 0.6 * 100 * (20 - 3 / 0.35) / 20 + 0.4 * 100 * (8 - 1 / 0.35) / 8 - 5  # 55.0
    assert [(r.code, r.nominal) for r in table.rows] == [(OTHER_TOWN, 1), (SIBLING_TOWN, 2), (OWN_TOWN, 3)]
    assert [r.score for r in table.rows] == pytest.approx([0.6 * 50 + 0.4 * 100, 0.6 * 100, own])
    assert [r.name for r in table.rows] == ["井岸街道", "南屏镇", "拱北街道"]
    assert table.swapped == ["sens/crime", "sens/fire"]
    for r in table.rows:
        assert 1 <= r.q05 <= r.median <= r.q95 <= 3 and r.width == r.q95 - r.q05
    # 南屏's 0 on fire makes any geometric draw put it last
    assert table.rows[1].q95 == 3
    out = io.StringIO()
    print_table(table, out)
    assert "南屏镇" in out.getvalue() and len(out.getvalue().splitlines()) == 5
    path = table.to_csv(tmp_path / "s.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and len(raw.decode("utf-8-sig").splitlines()) == 4
    again = sensitivity(code="sens", kind="month", when="2026-10", level="town", draws=2000, seed=1)
    assert again.rows == table.rows


def test_the_alternative_methods(hub):
    """poisson ↔ baseline_ratio with the same baseline (a ratio only on counts), goalposts →
    minmax, minmax → rank; zscore and deduction kept."""
    from zhili.index.definitions import parse
    from zhili.index.sensitivity import alternative_definition

    def leaf(code, measure, scoring, direction="lower_is_better"):
        return {"code": code, "name": code, "weight": 1 / 7, "measure": measure, "direction": direction,
                "scoring": scoring}  # fmt: skip

    count = {"event_types": ["police.burglary"], "agg": "count"}
    deaths = {"event_types": ["fire.fire"], "field": "deaths", "agg": "sum"}
    mean = {"event_types": ["env.air"], "field": "value", "agg": "mean"}
    yoy = {"method": "same_period_last_year"}
    children = [
        leaf("a", count, {"method": "poisson", "baseline": {"method": "mean_last_n", "n": 3}}),
        leaf("b", deaths, {"method": "baseline_ratio", "baseline": yoy}),
        leaf("c", mean, {"method": "baseline_ratio", "baseline": yoy}),
        leaf("d", mean, {"method": "goalposts", "worst": 75, "best": 15}),
        leaf("e", count, {"method": "minmax"}),
        leaf("f", count, {"method": "zscore"}),
        leaf("g", deaths, {"method": "deduction", "points": 10}),
    ]
    children[-1]["weight"] = 1 - 6 * (1 / 7)
    d = parse({"code": "alt", "name": "备选", "periods": ["month"], "units": ["town"], "children": children},
              filename="alt.yaml")  # fmt: skip
    alt, swapped = alternative_definition(d)
    assert swapped == ["alt/a", "alt/b", "alt/d", "alt/e"]
    assert [leaf.scoring for leaf in alt.leaves()] == [
        {"method": "baseline_ratio", "baseline": {"method": "mean_last_n", "n": 3}},
        {"method": "poisson", "baseline": yoy},
        {"method": "baseline_ratio", "baseline": yoy},
        {"method": "minmax"},
        {"method": "rank"},
        {"method": "zscore"},
        {"method": "deduction", "points": 10},
    ]
    assert alternative_definition(alt)[0].leaves()[0].scoring["method"] == "poisson"


def test_a_level_or_period_the_definition_does_not_score_is_refused(october):
    with pytest.raises(SensitivityError, match="village"):
        sensitivity(code="sens", kind="month", when="2026-10", level="village")
    with pytest.raises(SensitivityError, match="week"):
        sensitivity(code="sens", kind="week", when="2026-10-05", level="town")
