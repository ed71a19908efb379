"""Bad input of the new scoring (issue 11): a definition that asks for more history than the data
hold, or for a shrinkage prior over too few peers, is refused with the leaf and the field named;
a unit without a population is refused, never divided by zero; the definition's own mistakes
about the new keys are refused at validation with their field."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import OWN_TOWN
from tests.index_lake import ev, write_lake
from tests.test_index_engine import TYPES
from zhili.index.definitions import DefinitionError, parse
from zhili.index.services import IndexInputError, compute, targets_for


def definition(reference: dict, **extra):
    return parse(
        {
            "code": "r", "name": "检查", "periods": ["day", "month"], "units": ["town"],
            "children": [{
                "code": "crime", "name": "治安", "weight": 1.0, "daily": True,
                "measure": {"event_types": ["police.burglary"], "agg": "count"},
                "denominator": "per_10k_residents", "direction": "lower_is_better",
                "scoring": {"method": "ratio", "reference": reference, **extra},
            }],
        },
        filename="r.yaml",
        event_types=TYPES,
    )  # fmt: skip


@pytest.fixture
def lake(settings, tmp_path, hub):
    settings.LAKE_DIR = str(tmp_path / "lake")
    write_lake([ev("police.burglary", "2026-02-01", OWN_TOWN), ev("police.burglary", "2026-03-05", OWN_TOWN)])


def test_a_window_longer_than_the_history_is_refused_naming_the_field(lake):
    d = definition({"method": "trailing", "n": 56, "guard": 7})
    with pytest.raises(IndexInputError) as refused:
        compute(d, "day", targets_for("day", "2026-03-10"))
    detail = refused.value.details[0]
    # the lake starts on 1 February: 37 days before 10 March, the reference needs 63
    assert (detail["path"], detail["field"], detail["needed"], detail["available"]) == (
        "r/crime", "scoring.reference.n", 63, 37,
    )  # fmt: skip
    assert "r/crime" in refused.value.message
    # with the history there, it runs
    assert compute(
        definition({"method": "trailing", "n": 30}), "day", targets_for("day", "2026-03-10")
    ).outcomes


def test_a_shrinkage_prior_over_too_few_peers_is_refused(lake):
    d = definition({"method": "peers", "history": 1})
    with pytest.raises(IndexInputError) as refused:  # three towns in the test city
        compute(d, "month", targets_for("month", "2026-03"))
    detail = refused.value.details[0]
    assert (detail["path"], detail["field"], detail["level"]) == ("r/crime", "ranking", "town")
    assert "3" in detail["reason"] and "5" in detail["reason"]


def test_a_unit_without_population_is_refused_never_divided_by_zero(lake):
    from zhili.geo.models import Population

    Population.objects.filter(unit__code=OWN_TOWN).update(resident=0)
    with pytest.raises(IndexInputError) as refused:
        compute(definition({"method": "trailing", "n": 30}), "day", targets_for("day", "2026-03-10"))
    assert {d["unit"] for d in refused.value.details} == {OWN_TOWN}
    assert refused.value.details[0]["field"] == "resident"


@pytest.mark.parametrize(
    ("reference", "extra", "field"),
    [
        ({"method": "trailing"}, {}, "scoring.reference.n"),
        ({"method": "trailing", "n": 1}, {}, "scoring.reference.n"),
        ({"method": "trailing", "n": {"day": 56}}, {}, "scoring.reference.n"),  # no month value
        ({"method": "peers", "spread": 0}, {}, "scoring.reference.spread"),
        ({"method": "fixed", "value": -1}, {}, "scoring.reference.value"),
        ({"method": "nearby"}, {}, "scoring.reference"),
        ({"day": {"method": "trailing", "n": 56}}, {}, "scoring.reference"),  # no month reference
        ({"method": "fixed", "value": 3}, {"alpha": 0.01}, "scoring.alpha"),  # a test needs a trailing one
        ({"method": "trailing", "n": 56}, {"alpha": 0.7}, "scoring.alpha"),
        ({"method": "trailing", "n": 56}, {"window": 0}, "scoring.window"),
    ],
)
def test_the_new_keys_are_checked_at_validation(hub, reference, extra, field):
    with pytest.raises(DefinitionError) as refused:
        definition(reference, **extra)
    assert refused.value.details[0]["field"] == field, refused.value.details


def test_a_reference_per_period_kind_is_read_as_written(hub):
    d = definition(
        {"day": {"method": "trailing", "n": 56, "guard": 7}, "month": {"method": "peers", "history": 12}},
        alpha=0.005,
        window=2,
    )
    assert d.leaves()[0].scoring == {
        "method": "ratio",
        "reference": {
            "day": {"method": "trailing", "n": 56, "guard": 7, "seasonal": True},
            "month": {"method": "peers", "history": 12, "spread": 0.3, "seasonal": True},
        },
        "window": 2,
        "alpha": 0.005,
    }
    assert yaml.safe_dump(d.raw)  # stored as written
