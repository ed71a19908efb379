"""A mediation case is a dispute for the Ping'an+ index: its "opened" fact goes through the hub
into the lake, and an index leaf counting dispute.mediation_case per village counts it (the
shipped pingan_plus and star_rating definitions count that type in their disputes leaves)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, POINT_OTHER
from tests.mediation_fixtures import apply_as


def test_two_cases_in_a_village_are_two_disputes_in_its_day(mediation, settings, tmp_path):
    from zhili.hub.lake import export
    from zhili.index.definitions import load_shipped
    from zhili.index.definitions.parse import parse
    from zhili.index.periods import Period
    from zhili.index.services import compute

    settings.LAKE_DIR = str(tmp_path / "lake")
    apply_as(mediation)
    apply_as(mediation, facts="另一件邻里纠纷")
    lon, lat = POINT_OTHER
    apply_as(mediation, unit_code=None, lon=lon, lat=lat, facts="井岸的纠纷")
    export()
    definition = parse(
        {"code": "d", "name": "纠纷", "periods": ["day"], "units": ["village"], "grades": None, "streaks": None,
         "deductions": [], "children": [{
             "code": "disputes", "name": "矛盾纠纷", "weight": 1.0, "daily": True,
             "measure": {"event_types": ["dispute.mediation_case"], "agg": "count"},
             "direction": "lower_is_better", "scoring": {"method": "goalposts", "worst": 4, "best": 0}}]},
        filename="d.yaml",
    )  # fmt: skip
    today = timezone.localdate()
    outcomes = {o.unit: o for o in compute(definition, "day", [Period("day", today)]).outcomes}
    leaf = outcomes[OWN_VILLAGE].nodes["disputes"]
    assert leaf["value"] == 2 and outcomes[OWN_VILLAGE].total == pytest.approx(100 * (4 - 2) / 4)
    assert outcomes[OTHER_VILLAGE].nodes["disputes"]["value"] == 1
    for code in ("pingan_plus", "star_rating"):  # the shipped indices count the same facts
        counted = {
            t
            for leaf in load_shipped(code).root.leaves()
            for t in (leaf.measure or {}).get("event_types", [])
        }
        assert "dispute.mediation_case" in counted, code
