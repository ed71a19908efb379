"""The `ratio` method's arithmetic by hand: the common scale, empirical-Bayes shrinkage, the count
tails, the gate that lets a count move the score only when it is unlikely, and the calendar."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from zhili.index.methods import count_tails
from zhili.index.periods import periods_between
from zhili.index.reference import Calendar, eb_shrink, ratio_scale, ratio_scores
from zhili.index.scoring import Window


def test_the_common_scale():
    d = np.array([0.0, 0.5, 1.0, 1.1, 2.0, 4.0, np.inf, np.nan])
    s = ratio_scale(d)
    assert s[:6] == pytest.approx([100.0, 100 / 1.0625, 80.0, 100 / 1.3025, 50.0, 20.0])
    assert s[6] == 0.0 and math.isnan(s[7])


def test_empirical_bayes_moves_each_unit_toward_its_peers_by_its_evidence():
    # rates 0..4 on equal exposure 10: r0 = 2, spread Σe(r − r0)²/Σe = 2, A = 2 − 2/10 = 1.8,
    # each moves by r0/e ÷ (A + r0/e) = 0.2/2.0 = 10 % of the way to 2
    shrunk, pooled = eb_shrink(np.array([0.0, 10, 20, 30, 40]), np.full(5, 10.0), np.zeros(5))
    assert shrunk == pytest.approx([0.2, 1.1, 2.0, 2.9, 3.8])
    assert pooled == pytest.approx([2.0] * 5)
    # fewer than 5 peers: a mean peer's exposure at the pooled rate is the prior
    few, _ = eb_shrink(np.array([0.0, 10.0]), np.array([10.0, 10.0]), np.zeros(2))
    assert few == pytest.approx([5 / 20, 15 / 20])
    # units that differ no more than chance: all the way to the pooled rate
    same, _ = eb_shrink(np.array([9.0, 10, 11, 10, 10]), np.full(5, 10.0), np.zeros(5))
    assert same == pytest.approx([1.0] * 5)


def test_the_count_tails():
    lower, upper = count_tails(np.array([3, 0]), np.array([1.0, 2.0]))
    assert lower[0] == pytest.approx(math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6))
    assert upper[0] == pytest.approx(1 - math.exp(-1) * (1 + 1 + 1 / 2))
    assert (lower[1], upper[1]) == (pytest.approx(math.exp(-2)), 1.0)


def test_a_count_moves_the_score_only_when_it_is_unlikely():
    """Five towns of 10,000 with 10 events every day for 63 days; on day 64 one town has 30
    (P(X ≥ 30 | 10) ≈ 7e-7: it counts, d = 3, score 100/(1 + 9/4) = 30.8) and another 13
    (P ≈ 0.21: chance, score 80)."""
    hist = periods_between("day", date(2026, 1, 5), date(2026, 3, 9))  # 64 days, Mondays apart by 9 weeks
    values = np.full((64, 5), 10.0)
    values[63] = [30, 13, 10, 10, 10]
    den = np.ones((64, 5))  # per 10k residents
    w = Window("day", hist, [63], np.zeros(5, dtype=object))
    spec = {"reference": {"method": "trailing", "n": 56, "guard": 7, "seasonal": False}, "alpha": 0.001}
    score, base, expected, _post = ratio_scores(spec, "lower_is_better", values, values / den, den, w)
    assert base[0] == pytest.approx([10.0] * 5) and expected[0] == pytest.approx([10.0] * 5)
    assert score[0] == pytest.approx([100 / (1 + 9 / 4), 80.0, 80.0, 80.0, 80.0])
    # without the gate, 13 against 10 is a 30 % rise: 100 / (1 + 1.69/4)
    ungated, *_ = ratio_scores({**spec, "alpha": None}, "lower_is_better", values, values / den, den, w)
    assert ungated[0][1] == pytest.approx(100 / (1 + 1.69 / 4))


def test_the_calendar_reads_the_weekday_from_the_level_as_a_whole():
    """Mondays twice as busy as the other days over eight weeks: a Monday's factor against the
    window's mean rate (8/7 of a plain day) is 2 ÷ 8/7 = 1.75."""
    hist = periods_between("day", date(2026, 1, 5), date(2026, 3, 2))  # Monday 5 Jan … Monday 2 Mar
    rate = np.array([[2.0] if p.start.weekday() == 0 else [1.0] for p in hist])
    cal = Calendar(rate, np.ones_like(rate), hist)
    rows = np.array([len(hist) - 1])
    f = cal.factors(rows, rows - 56, rows, seasonal=False)
    assert f[0] == pytest.approx(2.0 / (8 / 7))
