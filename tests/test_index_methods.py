"""The index engine's methods (zhili.index.methods), each against numbers computed by hand.

Plain functions on numpy arrays: no database. Every expected value is worked out in the test's
docstring or comment, so a change of method shows up as a changed number here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhili.index.methods import (
    SAATY_RI,
    InconsistentMatrix,
    aggregate,
    ahp_weights,
    apply_deductions,
    apply_veto,
    baseline_mean,
    baseline_ratio,
    deductions,
    entropy_weights,
    escalation,
    fill_missing,
    goalposts,
    grades_by_bands,
    grades_by_baseline,
    grades_by_quantiles,
    minmax,
    normalise_weights,
    per_capita,
    poisson_score,
    rank_score,
    rank_with_moves,
    stars_by_bands,
    stars_by_rank_share,
    streaks,
    zscore,
)

NAN = np.nan
LOWER = "lower_is_better"
HIGHER = "higher_is_better"


# ---------------------------------------------------------------------------- leaf scores


def test_goalposts_worst_10_best_0_scores_2_5_as_75():
    """100 × (2.5 − 10) / (0 − 10) = 75; beyond the goalposts clips to 0 and 100; NaN stays."""
    out = goalposts([2.5, 10, 12, -1, NAN], worst=10, best=0)
    np.testing.assert_array_equal(out, [75.0, 0.0, 0.0, 100.0, NAN])


def test_goalposts_for_higher_is_better_by_the_order_of_the_goalposts():
    """worst=60, best=100 (a satisfaction rate): 100 × (85 − 60) / 40 = 62.5."""
    np.testing.assert_array_equal(goalposts([85, 50, 100], worst=60, best=100), [62.5, 0.0, 100.0])
    with pytest.raises(ValueError, match="differ"):
        goalposts([1], worst=5, best=5)


def test_per_capita_rate_per_10000_residents_is_nan_without_a_population():
    """12 / 30,000 × 10,000 = 4; a population of 0 or missing gives NaN, not 0."""
    out = per_capita([12, 5, 5], [30_000, 0, NAN], per=10_000)
    np.testing.assert_array_equal(out, [4.0, NAN, NAN])


def test_baseline_mean_of_the_last_two_periods_ignores_missing_periods():
    """Unit 1: (20 + 30) / 2 = 25, all three: 20; unit 2 has 4 and 6 only: 5 either way."""
    history = [[10, NAN], [20, 4], [30, 6]]
    np.testing.assert_array_equal(baseline_mean(history, last=2), [25.0, 5.0])
    np.testing.assert_array_equal(baseline_mean(history), [20.0, 5.0])
    np.testing.assert_array_equal(baseline_mean([[NAN], [NAN]]), [NAN])


def test_baseline_ratio_lower_is_better_scores_linearly_down_to_zero_at_the_cap():
    """cap = 2, par = 100: d = x / b. 12 vs 10: d = 1.2 → 100 × (2 − 1.2) / (2 − 1) = 80;
    8 vs 10: better than baseline → 100; 25 vs 10: d = 2.5 beyond the cap → 0;
    0 vs 0: parity → 100; 3 vs 0: unbounded deterioration → 0; missing → NaN."""
    out = baseline_ratio([12, 8, 25, 0, 3, NAN], [10, 10, 10, 0, 0, 10], direction=LOWER)
    np.testing.assert_array_equal(out, [80.0, 100.0, 0.0, 100.0, 0.0, NAN])


def test_baseline_ratio_higher_is_better_uses_the_inverse_ratio():
    """d = b / x. 8 vs 10: d = 1.25 → 100 × (2 − 1.25) = 75; 0 vs 10 → 0; 5 vs 0 → 100."""
    out = baseline_ratio([8, 0, 5], [10, 10, 0], direction=HIGHER)
    np.testing.assert_array_equal(out, [75.0, 0.0, 100.0])


def test_baseline_ratio_with_par_80_rewards_improvement():
    """par = 80, cap = 2. 5 vs 10: d = 0.5 = 1/cap → 100; 7.5 vs 10: d = 0.75 →
    80 + 20 × (1 − 0.75) / (1 − 0.5) = 90; 12 vs 10: d = 1.2 → 80 × 0.8 = 64."""
    out = baseline_ratio([5, 7.5, 10, 12], [10, 10, 10, 10], direction=LOWER, par=80)
    np.testing.assert_allclose(out, [100.0, 90.0, 80.0, 64.0])


def test_baseline_ratio_min_baseline_softens_a_zero_baseline():
    """min_baseline = 1: 1 event vs 0 → d = 1 → 100; 1.5 vs 0 → d = 1.5 → 50."""
    out = baseline_ratio([1, 1.5], [0, 0], direction=LOWER, min_baseline=1)
    np.testing.assert_array_equal(out, [100.0, 50.0])


def test_poisson_mid_p_for_zero_events_on_a_day_expecting_0_2():
    """k = 0, λ = 0.2: P(X > 0) + ½ P(X = 0) = (1 − e^−0.2) + ½ e^−0.2 = 1 − ½ e^−0.2
    = 1 − 0.5 × 0.8187308 = 0.5906346 → 59.06346."""
    out = poisson_score([0], [0.2], direction=LOWER)
    assert out[0] == pytest.approx(100 * (1 - 0.5 * math.exp(-0.2)), rel=1e-12)
    assert out[0] == pytest.approx(59.06346, abs=1e-5)


def test_poisson_count_equal_to_expectation_scores_near_50():
    """k = 1, λ = 1: P(X > 1) + ½ P(X = 1) = (1 − 2e^−1) + ½ e^−1 = 1 − 1.5 e^−1 = 0.448181 → 44.82.
    k = 5, λ = 5: 1 − F(5) + ½ p(5) with F(5) = e^−5 Σ_{j≤5} 5^j / j! and p(5) = e^−5 5^5 / 120."""
    f5 = math.exp(-5) * sum(5**j / math.factorial(j) for j in range(6))
    p5 = math.exp(-5) * 5**5 / 120
    out = poisson_score([1, 5], [1, 5], direction=LOWER)
    np.testing.assert_allclose(out, [100 * (1 - 1.5 * math.exp(-1)), 100 * (1 - f5 + 0.5 * p5)], rtol=1e-12)
    assert out[0] == pytest.approx(44.8181, abs=1e-4)
    assert out[1] == pytest.approx(47.1773, abs=1e-4)


def test_poisson_three_events_against_0_2_scores_near_zero():
    """k = 3, λ = 0.2: P(X > 3) + ½ P(X = 3) = 1 − e^−0.2 (1 + 0.2 + 0.02 + ½ × 0.2³/6)
    = 1 − 0.8187308 × 1.2206667 = 0.000602661 → 0.0603."""
    out = poisson_score([3], [0.2])
    assert out[0] == pytest.approx(100 * (1 - math.exp(-0.2) * (1 + 0.2 + 0.02 + 0.5 * 0.2**3 / 6)), rel=1e-9)
    assert out[0] == pytest.approx(0.0602661, abs=1e-6)


def test_poisson_zero_events_on_a_day_expecting_5_and_the_lambda_zero_cases():
    """k = 0, λ = 5: 1 − ½ e^−5 = 0.996631 → 99.66. λ = 0: X is always 0, so k = 0 is a tie
    (½ → 50) and k = 1 is worse than every day (0). Missing stays NaN."""
    out = poisson_score([0, 0, 1, NAN, 2], [5, 0, 0, 1, NAN])
    np.testing.assert_allclose(out, [100 * (1 - 0.5 * math.exp(-5)), 50.0, 0.0, NAN, NAN], rtol=1e-12)


def test_poisson_higher_is_better_is_the_complement():
    """Higher is better: P(X < k) + ½ P(X = k); for k = 1, λ = 1: e^−1 + ½ e^−1 = 1.5 e^−1 → 55.18."""
    low = poisson_score([0, 1, 4], [0.2, 1, 2], direction=LOWER)
    high = poisson_score([0, 1, 4], [0.2, 1, 2], direction=HIGHER)
    np.testing.assert_allclose(low + high, [100.0, 100.0, 100.0])
    assert high[1] == pytest.approx(100 * 1.5 * math.exp(-1), rel=1e-12)


def test_poisson_rejects_fractional_and_negative_counts():
    with pytest.raises(ValueError, match="integers"):
        poisson_score([1.5], [1])
    with pytest.raises(ValueError, match="integers"):
        poisson_score([-1], [1])
    with pytest.raises(ValueError, match="expected"):
        poisson_score([1], [-1])


def test_minmax_among_peers_keeps_missing_as_nan():
    """min 10, max 40: (20 − 10) / 30 = 33.33; flipped when lower is better: 66.67."""
    high = minmax([10, 20, NAN, 40], direction=HIGHER)
    low = minmax([10, 20, NAN, 40], direction=LOWER)
    np.testing.assert_allclose(high, [0.0, 100 / 3, NAN, 100.0])
    np.testing.assert_allclose(low, [100.0, 200 / 3, NAN, 0.0])
    np.testing.assert_array_equal(minmax([7, 7], direction=HIGHER), [50.0, 50.0])


def test_minmax_within_groups_compares_villages_and_communities_apart():
    """Villages [10, 30] and communities [5, 15, 25] each run 0..100 on their own."""
    out = minmax([10, 5, 30, 15, 25], direction=HIGHER, groups=["v", "c", "v", "c", "c"])
    np.testing.assert_array_equal(out, [0.0, 0.0, 100.0, 50.0, 100.0])


def test_zscore_on_the_textbook_sample_with_mean_5_and_sd_2():
    """[2, 4, 4, 4, 5, 5, 7, 9]: mean 5, population sd 2; z = −1.5, −0.5 …, 2 → 50 + 10 z =
    35, 45, 45, 45, 50, 50, 60, 70; lower is better flips z: 65, 55, …, 30."""
    x = [2, 4, 4, 4, 5, 5, 7, 9]
    np.testing.assert_allclose(zscore(x, direction=HIGHER), [35, 45, 45, 45, 50, 50, 60, 70])
    np.testing.assert_allclose(zscore(x, direction=LOWER), [65, 55, 55, 55, 50, 50, 40, 30])
    np.testing.assert_array_equal(zscore([0, 0, 100, NAN], direction=HIGHER)[3], NAN)


def test_zscore_clips_at_five_standard_deviations():
    """Nine 0s and one 100: mean 10, sd 30; z(100) = 3 → 80, z(0) = −1/3 → 46.67. With 99 zeros and
    one 100: mean 1, sd √99 ≈ 9.95; z = 99 / 9.95 = 9.95 → 50 + 99.5 → clipped to 100."""
    out = zscore([0] * 9 + [100], direction=HIGHER)
    np.testing.assert_allclose(out[[0, 9]], [50 - 10 / 3, 80.0])
    assert zscore([0] * 99 + [100], direction=HIGHER)[99] == 100.0


def test_rank_score_averages_ties_and_keeps_missing():
    """[10, 20, 20, 40]: ascending ranks 1, 2.5, 2.5, 4 → 100 × (r − 1) / 3 = 0, 50, 50, 100."""
    np.testing.assert_array_equal(rank_score([10, 20, 20, 40], direction=HIGHER), [0.0, 50.0, 50.0, 100.0])
    np.testing.assert_array_equal(rank_score([10, NAN, 20, 40], direction=LOWER), [100.0, NAN, 50.0, 0.0])
    np.testing.assert_array_equal(rank_score([3, NAN], direction=LOWER), [50.0, NAN])


def test_an_unknown_direction_is_rejected():
    with pytest.raises(ValueError, match="direction"):
        minmax([1, 2], direction="lower")


# ---------------------------------------------------------------------------- weights


def test_direct_weights_60_20_20_normalise_to_shares():
    np.testing.assert_allclose(normalise_weights([60, 20, 20]), [0.6, 0.2, 0.2])
    with pytest.raises(ValueError, match="non-negative"):
        normalise_weights([1, -1])


def test_ahp_on_saatys_three_criteria_example():
    """A = [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]].

    For a 3×3 reciprocal matrix with a12 = a, a13 = b, a23 = c the characteristic equation is
    λ³ − 3λ² = t + 1/t − 2 with t = ac / b; here t = 9/5, so λ³ − 3λ² = 9/5 + 5/9 − 2 = 16/45;
    its root λmax = 3.03851. For n = 3 the principal eigenvector equals the normalised row
    geometric means: ∛15 = 2.46621, ∛1 = 1, ∛(1/15) = 0.40548, sum 3.87169 → (0.63699, 0.25828,
    0.10473). CI = (3.03851 − 3) / 2 = 0.019256; CR = CI / 0.58 = 0.033199 < 0.1: accepted.
    """
    res = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    g = np.array([15 ** (1 / 3), 1.0, (1 / 15) ** (1 / 3)])
    np.testing.assert_allclose(res.weights, g / g.sum(), rtol=1e-9)
    np.testing.assert_allclose(res.weights, [0.6370, 0.2583, 0.1047], atol=5e-5)
    assert res.lambda_max**3 - 3 * res.lambda_max**2 == pytest.approx(16 / 45, rel=1e-9)
    assert res.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert res.ci == pytest.approx(0.0193, abs=1e-4)
    assert res.cr == pytest.approx(0.0332, abs=1e-4)
    assert res.cr == pytest.approx(res.ci / SAATY_RI[3], rel=1e-12)


def test_ahp_on_a_perfectly_consistent_four_by_four_matrix():
    """a_ij = w_i / w_j for w = (0.4, 0.3, 0.2, 0.1): the weights come back exactly, λmax = n = 4,
    CI = CR = 0."""
    w = np.array([0.4, 0.3, 0.2, 0.1])
    res = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(res.weights, w, rtol=1e-9)
    assert res.lambda_max == pytest.approx(4.0, rel=1e-9)
    assert res.ci == pytest.approx(0.0, abs=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_two_criteria_are_always_consistent():
    """[[1, 3], [1/3, 1]]: weights 3/4 and 1/4, λmax = 2, CR = 0 (RI(2) = 0)."""
    res = ahp_weights([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(res.weights, [0.75, 0.25])
    assert (res.lambda_max, res.ci, res.cr) == (pytest.approx(2.0), pytest.approx(0.0), 0.0)


def test_an_intransitive_matrix_raises_with_its_cr_in_the_message():
    """A ≻ B (9), B ≻ C (9) but C ≻ A (9): a = 9, b = 1/9, c = 9, t = ac / b = 729;
    λ³ − 3λ² = 729 + 1/729 − 2 = 727.0014 → λmax = 10.1111; CI = 7.1111 / 2 = 3.5556;
    CR = 3.5556 / 0.58 = 6.1303 ≥ 0.1."""
    with pytest.raises(InconsistentMatrix, match=r"CR = 6\.130") as err:
        ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    lam = err.value.lambda_max
    assert lam**3 - 3 * lam**2 == pytest.approx(729 + 1 / 729 - 2, rel=1e-9)
    assert err.value.cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-12)
    assert err.value.cr == pytest.approx(6.1303, abs=1e-4)


def test_ahp_names_the_cell_that_is_not_reciprocal_or_not_positive():
    with pytest.raises(ValueError, match=r"matrix\[1\]\[0\] \(traffic vs crime\) = 0\.5"):
        ahp_weights([[1, 3], [0.5, 1]], labels=["crime", "traffic"])
    with pytest.raises(ValueError, match=r"matrix\[0\]\[1\] = -2"):
        ahp_weights([[1, -2], [0.5, 1]])
    with pytest.raises(ValueError, match=r"matrix\[1\]\[1\] = 2\.0: the diagonal"):
        ahp_weights([[1, 2], [0.5, 2]])
    # 0.333 for 1/3 is within the tolerance: 3 × 0.333 = 0.999
    np.testing.assert_allclose(ahp_weights([[1, 3], [0.333, 1]]).weights, [0.75, 0.25], atol=1e-3)


def test_entropy_weights_favour_the_indicator_that_varies():
    """Columns over 2 units: (1, 1): p = (½, ½), e = 1, d = 0. (1, 3): p = (¼, ¾),
    e = −(¼ ln ¼ + ¾ ln ¾) / ln 2 = (0.346574 + 0.215762) / 0.693147 = 0.811278, d = 0.188722.
    (1, 0): p = (1, 0), e = 0, d = 1. w = d / 1.188722 = (0, 0.158760, 0.841240)."""
    e2 = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    d = np.array([0.0, 1 - e2, 1.0])
    w = entropy_weights([[1, 1, 1], [1, 3, 0]])
    np.testing.assert_allclose(w, d / d.sum(), rtol=1e-12)
    np.testing.assert_allclose(w, [0.0, 0.158760, 0.841240], atol=1e-6)
    with pytest.raises(ValueError, match="missing"):
        entropy_weights([[1, NAN], [2, 3]])


# ---------------------------------------------------------------------------- aggregation


def test_arithmetic_aggregation_with_huizhou_weights_60_20_20():
    """0.6 × 90 + 0.2 × 70 + 0.2 × 50 = 54 + 14 + 10 = 78."""
    res = aggregate([[90, 70, 50]], [60, 20, 20])
    np.testing.assert_allclose(res.values, [78.0])
    np.testing.assert_array_equal(res.complete, [True])


def test_aggregation_with_a_missing_leaf_renormalises_and_marks_incomplete():
    """Weights 0.5, 0.3, 0.2, the second leaf missing: (0.5 × 80 + 0.2 × 60) / 0.7 = 52 / 0.7 = 74.2857;
    a unit with every leaf missing is NaN, never 0."""
    res = aggregate([[80, NAN, 60], [NAN, NAN, NAN]], [0.5, 0.3, 0.2])
    np.testing.assert_allclose(res.values, [52 / 0.7, NAN])
    assert res.values[0] == pytest.approx(74.285714, abs=1e-6)
    np.testing.assert_array_equal(res.complete, [False, False])


def test_geometric_aggregation():
    """Equal weights: √(64 × 16) = 32. Weights 3:1: 64^0.75 × 16^0.25 = 2^4.5 × 2^1 = 2^5.5 = 45.2548.
    A zero leaf gives 0 (not compensated). Missing leaf: the other takes all the weight."""
    np.testing.assert_allclose(aggregate([[64, 16]], [1, 1], method="geometric").values, [32.0])
    res = aggregate([[64, 16], [0, 50], [NAN, 49]], [3, 1], method="geometric")
    np.testing.assert_allclose(res.values, [2**5.5, 0.0, 49.0])
    np.testing.assert_array_equal(res.complete, [True, True, False])


def test_a_zero_weight_leaf_does_not_make_a_unit_incomplete():
    res = aggregate([[80, NAN]], [1, 0])
    np.testing.assert_array_equal(res.values, [80.0])
    np.testing.assert_array_equal(res.complete, [True])


def test_deductions_per_event_with_caps_per_kind_and_in_total():
    """Deaths 3 points each capped at 10, serious events 1 point capped at 5.
    Unit A: 2 deaths, 0 events → 6. Unit B: 5 deaths → min(15, 10) = 10, 1 event → 1: 11;
    with a total cap of 10 → 10. A missing count gives NaN."""
    off = deductions([[2, 0], [5, 1], [NAN, 0]], [3, 1], [10, 5])
    np.testing.assert_array_equal(off, [6.0, 11.0, NAN])
    capped = deductions(
        {"deaths": [2, 5], "events": [0, 1]}, {"deaths": 3, "events": 1}, {"deaths": 10}, total_cap=10
    )
    np.testing.assert_array_equal(capped, [6.0, 10.0])
    np.testing.assert_array_equal(apply_deductions([90, 5, NAN], [6, 10, 1]), [84.0, 0.0, NAN])


def test_fill_missing_carry_last():
    """Unit 2 takes its last value 5; unit 3 has none to carry: still missing, so incomplete."""
    res = fill_missing([1, NAN, NAN], "carry_last", last=[0, 5, NAN])
    np.testing.assert_array_equal(res.values, [1.0, 5.0, NAN])
    np.testing.assert_array_equal(res.incomplete, [False, False, True])
    np.testing.assert_array_equal(res.imputed, [False, True, False])


def test_fill_missing_peer_median_within_groups():
    """Group a: present 1 and 3 → median 2; group b: present 9 → 9."""
    res = fill_missing([1, NAN, 3, NAN, 9], "peer_median", groups=["a", "a", "a", "b", "b"])
    np.testing.assert_array_equal(res.values, [1.0, 2.0, 3.0, 9.0, 9.0])
    np.testing.assert_array_equal(res.imputed, [False, True, False, True, False])
    np.testing.assert_array_equal(res.incomplete, [False] * 5)


def test_fill_missing_incomplete_fills_nothing():
    res = fill_missing([70, NAN], "incomplete")
    np.testing.assert_array_equal(res.values, [70.0, NAN])
    np.testing.assert_array_equal(res.incomplete, [False, True])
    with pytest.raises(ValueError, match="rule"):
        fill_missing([1], "zero")


# ---------------------------------------------------------------------------- grades and streaks


def test_grades_by_four_colour_bands():
    """≥ 90 blue, ≥ 80 yellow, ≥ 70 orange, else red; a band's threshold belongs to it."""
    out = grades_by_bands([95, 90, 85.5, 70, 69.9, NAN])
    assert out.tolist() == ["blue", "blue", "yellow", "orange", "red", None]
    with pytest.raises(ValueError, match="below the last band"):
        grades_by_bands([10], [(50, "ok")])


def test_grades_by_peer_quartiles():
    """Scores 1..8: linear quantiles q.75 = 1 + 0.75 × 7 = 6.25, q.5 = 4.5, q.25 = 2.75."""
    out = grades_by_quantiles([1, 2, 3, 4, 5, 6, 7, 8])
    assert out.tolist() == ["red", "red", "orange", "orange", "yellow", "yellow", "blue", "blue"]


def test_three_colour_grades_by_comparison_with_the_baseline():
    """Tolerance 2 points: 85 vs 80 better → green; 80 vs 80 → yellow; 75 vs 80 → red."""
    out = grades_by_baseline([85, 80, 75, 78, NAN], [80, 80, 80, 80, 80], 2)
    assert out.tolist() == ["green", "yellow", "red", "yellow", None]


def test_streak_of_three_reds_draws_a_warning():
    """[blue, red, red, red]: the current run of reds is 3 → "warning"."""
    run = streaks(["blue", "red", "red", "red"])
    assert int(run) == 3
    assert escalation(run) == "warning"


def test_streaks_per_unit_and_the_escalation_ladder():
    """Periods × units, oldest first. Unit 1: red, red, blue → 0. Unit 2: red, (missing), red →
    1 when missing breaks, 2 when skipped. Unit 3: red ×3 → 3."""
    grades = [["red", "red", "red"], ["red", None, "red"], ["blue", "red", "red"]]
    np.testing.assert_array_equal(streaks(grades), [0, 1, 3])
    np.testing.assert_array_equal(streaks(grades, on_missing="skip"), [0, 2, 3])
    assert escalation([0, 2, 3, 4, 5, 9]).tolist() == [
        None,
        None,
        "warning",
        "summons",
        "accountability",
        "accountability",
    ]


# ---------------------------------------------------------------------------- stars and ranks


def test_stars_by_score_bands():
    out = stars_by_bands([95, 85, 75, 65, 10, NAN])
    np.testing.assert_array_equal(out, [5.0, 4.0, 3.0, 2.0, 1.0, NAN])


def test_stars_by_rank_share_for_20_units():
    """Shares 35/25/20/15/5 % of 20: cuts at 7, 12, 16, 19, 20 → 7 five-star, 5 four-star, 4 three-star,
    3 two-star, 1 one-star. The scores are given worst first to show the order does not matter."""
    scores = np.arange(81, 101)  # 81 … 100; 100 is the best
    out = stars_by_rank_share(scores)
    expected = [1] + [2] * 3 + [3] * 4 + [4] * 5 + [5] * 7
    np.testing.assert_array_equal(out, expected)
    assert [int((out == s).sum()) for s in (5, 4, 3, 2, 1)] == [7, 5, 4, 3, 1]


def test_stars_by_rank_share_ties_at_a_cut_both_get_the_better_stars():
    """Ranks 7 and 8 tie (competition rank 7 for both): both within the first 7 → 5 stars,
    so 8 five-star and 4 four-star."""
    scores = np.arange(100, 80, -1).astype(float)
    scores[7] = scores[6]
    out = stars_by_rank_share(scores)
    np.testing.assert_array_equal(out[:13], [5] * 8 + [4] * 4 + [3])


def test_stars_by_rank_share_ranks_villages_and_communities_separately():
    """Two groups of 4, shares 50/50 over 2 stars: the top 2 of each group get 2 stars;
    a missing score is unrated (NaN) and not counted."""
    scores = [90, 10, 80, 20, 70, 30, 60, 40, NAN]
    groups = ["village", "community"] * 4 + ["village"]
    out = stars_by_rank_share(scores, groups, shares=[0.5, 0.5])
    np.testing.assert_array_equal(out, [2, 1, 2, 1, 1, 2, 1, 2, NAN])


def test_veto_caps_five_stars_at_three():
    out = apply_veto([5, 4, 2, 5, NAN], [True, False, True, False, True], cap=3)
    np.testing.assert_array_equal(out, [3.0, 4.0, 2.0, 5.0, NAN])


def test_rank_with_moves():
    """Now 90, 80, 80, 70 → ranks 1, 2, 2, 4. Before 70, 90, 80, 85 → ranks 4, 1, 3, 2.
    Moves = before − now: +3, −1, +1, −2."""
    res = rank_with_moves([90, 80, 80, 70], [70, 90, 80, 85])
    np.testing.assert_array_equal(res.rank, [1.0, 2.0, 2.0, 4.0])
    np.testing.assert_array_equal(res.move, [3.0, -1.0, 1.0, -2.0])
    new = rank_with_moves([50, NAN, 60], [NAN, 70, 40])
    np.testing.assert_array_equal(new.rank, [2.0, NAN, 1.0])
    np.testing.assert_array_equal(new.move, [NAN, NAN, 1.0])


# --- overdispersion: the negative-binomial reading of a count ------------------------------------
def test_dispersion_is_variance_over_mean_at_least_one():
    from zhili.index.methods import dispersion

    # counts 2, 4, 6, 8, 10: mean 6, sample variance 10 → φ = 10/6; constant counts → 1 (not 0)
    phi = dispersion(np.array([[2, 5], [4, 5], [6, 5], [8, 5], [10, 5]], dtype=float))
    assert phi == pytest.approx([10 / 6, 1.0])
    assert dispersion(np.array([[1.0], [3.0]]))[0] == 1.0  # fewer than 5 periods: Poisson


def test_poisson_score_with_dispersion_uses_the_negative_binomial():
    # μ = 2, φ = 2: size r = 2, p = ½: P(0) = ¼, P(1) = 2 × ½ × ¼ = ¼; k = 1 (lower is better):
    # 100 × (1 − P(X < 1) − ½ P(X = 1)) = 100 × (1 − ¼ − ⅛) = 62.5
    assert poisson_score([1], [2.0], dispersion=[2.0])[0] == pytest.approx(62.5)
    # φ = 1 is the Poisson score itself: k = 1, λ = 1 → 100 × (1 − 1.5/e)
    assert poisson_score([1], [1.0], dispersion=[1.0])[0] == pytest.approx(100 * (1 - 1.5 * np.exp(-1)))

    # overdispersion makes a high count less alarming: 90 against 80 a day. Expected values from
    # the probability mass functions written out with lgamma, term by term
    def mid_p(pmf, k):
        return 100 * (1 - sum(pmf(j) for j in range(k)) - pmf(k) / 2)

    def poisson_pmf(j, lam=80.0):
        return math.exp(j * math.log(lam) - lam - math.lgamma(j + 1))

    def negbin_pmf(j, mu=80.0, phi=2.0):
        r = mu / (phi - 1)
        log = math.lgamma(j + r) - math.lgamma(r) - math.lgamma(j + 1)
        return math.exp(log + r * math.log(1 / phi) + j * math.log(1 - 1 / phi))

    plain, over = mid_p(poisson_pmf, 90), mid_p(negbin_pmf, 90)
    assert poisson_score([90], [80.0])[0] == pytest.approx(plain, rel=1e-9)
    assert poisson_score([90], [80.0], dispersion=[2.0])[0] == pytest.approx(over, rel=1e-9)
    assert over > plain + 5


def test_large_expected_counts_use_the_normal_approximation_within_a_fraction_of_a_point():
    from zhili.index.methods import NORMAL_FROM

    def exact_score(k, mu, phi):  # the mass written out with lgamma, term by term, from 0
        if phi == 1:
            pmf = [math.exp(j * math.log(mu) - mu - math.lgamma(j + 1)) for j in range(k + 1)]
        else:
            r = mu / (phi - 1)
            pmf = [
                math.exp(math.lgamma(j + r) - math.lgamma(r) - math.lgamma(j + 1) - r * math.log(phi)
                         + j * math.log(1 - 1 / phi))
                for j in range(k + 1)
            ]  # fmt: skip
        return 100 * (1 - sum(pmf[:-1]) - pmf[-1] / 2)

    mu = 2.5 * NORMAL_FROM
    for k, phi in ((int(mu) + 100, 1.0), (int(mu) - 60, 1.0), (int(mu) + 150, 3.0)):
        got = poisson_score([k], [mu], dispersion=[phi])[0]
        assert got == pytest.approx(exact_score(k, mu, phi), abs=0.3)
