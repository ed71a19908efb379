"""Funnel plots (Spiegelhalter 2005) by hand, and on the unit page: each unit's rate against its
residents, the pooled rate and the Poisson limits of chance; units outside the actor's scope are
dots without a name."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from tests.conftest import OTHER_TOWN, OWN_TOWN, SIBLING_TOWN, client_for
from tests.test_index_api import published  # noqa: F401 - the fixture
from zhili.index.funnel import funnel, poisson_quantile


def test_poisson_quantiles_by_hand():
    # Poisson(2): P(X ≤ 0) = 0.135, P(X ≤ 1) = 0.406, P(X ≤ 4) = 0.947, P(X ≤ 5) = 0.983
    assert poisson_quantile(0.1, np.array([2.0])).tolist() == [0.0]
    assert poisson_quantile(0.4, np.array([2.0])).tolist() == [1.0]
    assert poisson_quantile(0.95, np.array([2.0])).tolist() == [5.0]
    assert poisson_quantile(0.5, np.array([0.0])).tolist() == [0.0]


def test_the_funnel_of_three_units():
    """30 events over 21,000 residents: 14.29 per 10,000. The big unit's 20 against 14.29
    expected is within chance; a small unit of 1,000 with 8 (1.43 expected) is not."""
    out = funnel([8, 2, 20], [1_000, 10_000, 10_000])
    assert out["rate"] == pytest.approx(30 / 21_000 * 10_000)
    assert out["rates"] == pytest.approx([80.0, 2.0, 20.0])
    # P(X ≥ 8 | 1.43) ≈ 1.4e-4 < 0.001: outside the 99.8 % funnel; 2 of 14.3 (P(X ≤ 2) ≈ 2e-4) too
    assert out["outside"]["0.998"] == [True, True, False]
    assert out["outside"]["0.95"] == [True, True, False]
    # the limits narrow as units grow: at 1,000 residents the upper 99.8 % limit is far above
    upper = out["limits"]["0.998"]["upper"]
    assert upper[0] > upper[-1] > out["rate"]
    expected = 30 / 21_000 * out["grid"][-1]
    assert upper[-1] == pytest.approx(
        poisson_quantile(0.999, np.array([expected]))[0] / out["grid"][-1] * 10_000
    )
    assert math.isclose(out["grid"][0], 1_000) and math.isclose(out["grid"][-1], 10_000)


def test_the_unit_page_shows_the_funnel_with_peers_unnamed_outside_scope(published):  # noqa: F811
    page = client_for(published["town_cadre"]).get(
        f"/dash/unit/{OWN_TOWN}/?definition=t&period=month&date=2026-03"
    )
    assert page.status_code == 200
    html = page.content.decode()
    data = json.loads(
        re.search(r'<script id="funnel-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    # March: 3 burglaries in 拱北 (3,500), 4 in 井岸 (4,000), none in 南屏 (2,500): 7 of 10,000
    assert data["rate"] == pytest.approx(7.0)
    own = [(p["code"], p["x"], p["y"]) for p in data["points"] if p["own"]]
    assert own == [(OWN_TOWN, 3500.0, pytest.approx(3 / 0.35))]
    # the other towns are there as dots, but the town cadre does not see their names
    others = sorted((p["x"], p["y"]) for p in data["points"] if not p["own"])
    assert others == [(2500.0, pytest.approx(0.0)), (4000.0, pytest.approx(10.0))]
    assert {p["name"] for p in data["points"] if not p["own"]} == {""}
    assert OTHER_TOWN not in json.dumps(data) and SIBLING_TOWN not in json.dumps(data)
    assert "漏斗图" in html
    # the analyst sees every name
    city = client_for(published["analyst"]).get(
        f"/dash/unit/{OWN_TOWN}/?definition=t&period=month&date=2026-03"
    )
    data = json.loads(
        re.search(
            r'id="funnel-data" type="application/json">(.*?)</script>', city.content.decode(), re.S
        ).group(1)
    )
    assert {p["code"] for p in data["points"]} == {OWN_TOWN, SIBLING_TOWN, OTHER_TOWN}
