"""The simulation study on a small city (8 towns of about 95,000 residents, 100 villages; a year
scored after two of history): the default definition keeps its colours when nothing happens,
catches a town whose events double, and ranks towns and villages by their true risk — the goals
of the study (zhili/index/study.py, GOALS), checked figure by figure. The full city's table is
printed by `zhili index simulate` and bench/bench_simulate.py."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from zhili.index import simulate as sim
from zhili.index import study
from zhili.index.periods import periods_between


@pytest.fixture(scope="module")
def setting():
    versions = study.shipped_versions()
    city = sim.build_city(seed=3, **study.SIZES["small"])
    rates = sim.event_rates([d for v in versions for d in (v.index, v.stars)])
    return versions, city, rates


def test_the_synthetic_city_is_what_it_says(setting):
    _versions, city, _rates = setting
    assert [len(city.units[k]) for k in ("city", "district", "town", "village")] == [1, 2, 8, 100]
    # every village's true risk of a type averages 1 over the residents, and they differ
    risk = sim._risk(city, "police.burglary")
    assert np.average(risk, weights=city.population) == pytest.approx(1.0)
    assert risk.max() / risk.min() > 3
    # the expected burglaries of the city in a year: 2 per 10,000 residents
    drawn = sim.draw(city, {"police.burglary": 2.0}, [], seed=1, expected=True)
    first_year = drawn[("police.burglary", "one")][:, :365].sum()
    assert first_year == pytest.approx(2.0 * city.population.sum() / 10_000, rel=0.02)


def test_the_default_keeps_its_colour_on_noise_and_catches_a_doubling(setting):
    versions, city, rates = setting
    default = versions[-1].index
    first = date(2025, 1, 1)
    days = periods_between("day", first, date(2025, 12, 31))
    daily = sim.run_engine(default, "day", city, sim.draw(city, rates, [], seed=1), days)
    figures = sim.daily_figures(daily)
    assert figures["changed"] <= study.GOALS["daily.changed"][1]
    assert figures["red_streaks_per_town_year"] <= study.GOALS["daily.red_streaks_per_town_year"][1]
    caught = study._rise(default, city, rates, "all", None, first, days)
    assert caught["trials"] == 24
    assert caught["power"] >= study.GOALS["rise.all.power"][1]
    # and the earlier default changed colour on most days of the same noise
    old = sim.daily_figures(
        sim.run_engine(versions[0].index, "day", city, sim.draw(city, rates, [], seed=1), days)
    )
    assert old["changed"] > 0.4


def test_the_monthly_index_and_the_stars_follow_the_true_risk(setting):
    versions, city, rates = setting
    default = versions[-1]
    months = periods_between("month", date(2025, 1, 1), date(2025, 12, 31))
    noisy, truth = sim.draw(city, rates, [], seed=1), sim.draw(city, rates, [], seed=1, expected=True)
    monthly = sim.monthly_figures(
        sim.run_engine(default.index, "month", city, noisy, months),
        sim.run_engine(default.index, "month", city, truth, months),
        "town",
    )
    assert monthly["truth"] >= study.GOALS["monthly.truth"][1]
    stars = sim.star_figures(
        sim.run_engine(default.stars, "month", city, noisy, months),
        sim.run_engine(default.stars, "month", city, truth, months),
    )
    assert stars["truth"] >= study.GOALS["stars.truth"][1]
    assert stars["moved_three"] < 0.01
