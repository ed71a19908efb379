"""Index definitions: the three shipped trees against the real catalogue, and the refusals, each
naming the offending node by its path."""

from __future__ import annotations

import copy
import textwrap

import pytest
from django.utils import translation

from zhili.hub.catalogue import INDICATORS, load_catalogue
from zhili.index.definitions import (
    SHIPPED,
    DefinitionError,
    ahp_weights,
    load_file,
    load_shipped,
    parse,
)

FIRST_LEVEL = [
    "社会稳定",
    "生态安全",
    "安全生产",
    "社会共建",
    "治安指数",
    "文明指数",
    "城市管理",
    "社会正气",
    "市民诉求",
    "食药安全",
    "交通安全",
    "消防安全",
    "消费评价",
    "社会保障",
]
SECOND_LEVEL = [
    "信访事项",
    "矛盾纠纷",
    "空气质量(PM2.5/PM10)",
    "违法用地及生态破坏",
    "生产安全事故",
    "事故伤亡人数",
    "市民打分",
    "市民参与率",
    "违法犯罪警情",
    "电信网络诈骗",
    "不文明行为事件",
    "志愿服务参与",
    "乱堆放等市容事件",
    "乱摆卖等街面秩序事件",
    "见义勇为",
    "涉黄赌毒警情",
    "12345诉求量",
    "诉求办结满意率",
    "食品投诉",
    "食源性疾病/食物中毒",
    "交通事故",
    "交通事故伤亡",
    "火灾警情",
    "火灾伤亡",
    "消费投诉",
    "消费维权满意度",
    "未及时支付劳动报酬",
    "劳动人事争议",
]
DAILY = ["社会稳定", "生态安全", "安全生产", "治安指数", "城市管理", "交通安全", "消防安全"]
FIRST_LEVEL_WEIGHTS = {
    "stability": 0.10,
    "ecology": 0.06,
    "work_safety": 0.08,
    "co_construction": 0.06,
    "public_security": 0.15,
    "civility": 0.04,
    "city_management": 0.07,
    "righteousness": 0.04,
    "citizen_requests": 0.06,
    "food_drug_safety": 0.06,
    "traffic_safety": 0.10,
    "fire_safety": 0.08,
    "consumer": 0.04,
    "social_security": 0.06,
}


@pytest.fixture
def catalogue(db):
    """The real event catalogue, in the database, where `parse` reads it by default."""
    load_catalogue()
    from zhili.hub.models import EventType

    return {t.code: t for t in EventType.objects.all()}


@pytest.fixture
def pingan(catalogue):
    return load_shipped("pingan_plus")


def pingan_raw(catalogue) -> dict:
    return copy.deepcopy(load_shipped("pingan_plus").raw)


def refusal(data: dict, **kwargs) -> dict:
    """The first detail of the refusal of `data`, in English."""
    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        parse(data, filename="test.yaml", **kwargs)
    assert caught.value.code == "invalid_definition"
    return caught.value.details[0]


def leaf(code: str, event_type: str) -> dict:
    return {
        "code": code,
        "name": code,
        "measure": {"event_types": [event_type], "agg": "count"},
        "direction": "lower_is_better",
        "scoring": {"method": "rank"},
    }


def tiny(matrix: list) -> dict:
    """A definition with one group of three leaves weighted by an AHP matrix."""
    return {
        "code": "tiny",
        "name": "小指数",
        "periods": ["month"],
        "units": ["town"],
        "children": [
            {
                "code": "safety",
                "name": "安全",
                "weight": 1,
                "weights": {"method": "ahp", "matrix": matrix},
                "children": [
                    leaf("fires", "fire.fire"),
                    leaf("accidents", "traffic.accident"),
                    leaf("crimes", "police.criminal"),
                ],
            }
        ],
    }


def node_raw(raw: dict, *codes: str) -> dict:
    node = raw
    for code in codes:
        node = next(c for c in node["children"] if c["code"] == code)
    return node


# --- the shipped definitions ------------------------------------------------------------------
@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_definition_parses_against_the_catalogue(catalogue, code):
    definition = load_shipped(code)

    assert definition.code == code
    assert definition.root.path == code
    assert len(definition.content_hash) == 64


def test_pingan_plus_has_the_fourteen_first_level_indicators_in_order(pingan):
    assert [n.name for n in pingan.root.children] == FIRST_LEVEL
    assert pingan.name == "平安+指数"
    assert pingan.periods == ["day", "month"]
    assert pingan.units == ["town", "district", "city"]


def test_pingan_plus_has_the_twenty_eight_second_level_indicators_in_order(pingan):
    second = [c for first in pingan.root.children for c in first.children]

    assert [c.name for c in second] == SECOND_LEVEL
    assert [c.code for c in second] == list(INDICATORS)[:28]
    assert [c.indicator for c in second] == list(INDICATORS)[:28]


def test_pingan_plus_first_level_weights_are_safety_heavy(pingan):
    assert {n.code: n.weight for n in pingan.root.children} == FIRST_LEVEL_WEIGHTS
    assert max(pingan.root.children, key=lambda n: n.weight).name == "治安指数"


def test_the_daily_index_keeps_seven_first_level_indicators_reweighted(pingan):
    daily = pingan.daily_tree()

    assert [n.name for n in pingan.root.children if n.daily] == DAILY
    assert [n.name for n in daily.children] == DAILY
    assert [n.weight for n in daily.children] == pytest.approx(
        [0.10 / 0.64, 0.06 / 0.64, 0.08 / 0.64, 0.15 / 0.64, 0.07 / 0.64, 0.10 / 0.64, 0.08 / 0.64]
    )
    assert sum(n.weight for n in daily.children) == pytest.approx(1, abs=1e-12)
    # Below the first level the daily tree is the full tree: every second-level node is daily.
    assert [c.code for c in daily.children[0].children] == ["petitions", "disputes"]
    assert [c.weight for c in daily.children[0].children] == [0.5, 0.5]
    assert len(daily.leaves()) == 18


def test_a_definition_without_daily_nodes_has_no_daily_tree(catalogue):
    assert load_shipped("huizhou_style").daily_tree() is None


@pytest.mark.parametrize("code", SHIPPED)
def test_weights_sum_to_one_under_every_group(catalogue, code):
    groups = [n for n in load_shipped(code).walk() if not n.is_leaf]

    assert groups
    for group in groups:
        assert sum(c.weight for c in group.children) == pytest.approx(1, abs=1e-9), group.path
        assert all(0 < c.weight <= 1 for c in group.children), group.path


@pytest.mark.parametrize("code", ["pingan_plus", "star_rating"])
def test_each_indicator_measures_exactly_the_catalogue_types_that_feed_it(catalogue, code):
    nodes = [n for n in load_shipped(code).walk() if n.indicator]

    for node in nodes:
        measured = {t for leaf_node in node.leaves() for t in leaf_node.measure["event_types"]}
        feeding = {c for c, t in catalogue.items() if node.indicator in t.indicators}
        assert measured == feeding, node.path
    expected = list(INDICATORS)[:28] if code == "pingan_plus" else list(INDICATORS)[28:]
    assert [n.indicator for n in nodes] == expected


def test_every_indicator_code_is_fed_by_some_event_type(catalogue):
    fed = {i for t in catalogue.values() for i in t.indicators}

    assert set(INDICATORS) == fed


def test_higher_is_better_leaves_measure_values_or_quantities(pingan):
    higher = {
        n.path.removeprefix("pingan_plus/"): (n.measure["field"], n.measure["agg"], n.scoring["method"])
        for n in pingan.leaves()
        if n.direction == "higher_is_better"
    }

    assert higher == {
        "co_construction/citizen_rating": ("value", "mean", "ratio"),
        "co_construction/citizen_participation": ("quantity", "sum", "ratio"),
        "civility/volunteer_participation": ("value", "sum", "ratio"),
        "righteousness/bravery": ("quantity", "sum", "ratio"),
        "citizen_requests/hotline_satisfaction": ("value", "mean", "ratio"),
        "consumer/consumer_satisfaction": ("value", "mean", "ratio"),
    }
    # every leaf of version 2 is on the one scale (zhili/index/reference.py)
    assert {n.scoring["method"] for n in pingan.leaves()} == {"ratio"}
    references = {n.path.removeprefix("pingan_plus/"): n.scoring["reference"] for n in pingan.leaves()}
    assert references["co_construction/citizen_rating"] == {"method": "fixed", "value": 80}
    assert references["citizen_requests/hotline_satisfaction"] == {"method": "fixed", "value": 0.85}
    assert references["righteousness/bravery"] == {
        "method": "peers",
        "history": 12,
        "spread": 0.3,
        "seasonal": True,
    }


@pytest.mark.parametrize("code", ["pingan_plus", "star_rating"])
def test_the_first_shipped_version_is_kept_and_still_parses(catalogue, code):
    from zhili.index.definitions import DATA_DIR, load_file

    v1 = load_file(DATA_DIR / f"versions/{code}.v1.yaml")
    assert v1.code == code and v1.content_hash != load_shipped(code).content_hash
    assert "poisson" in {n.scoring["method"] for n in v1.leaves()} or code == "star_rating"


def test_a_leaf_reads_as_written_with_defaults_filled_in(pingan):
    petitions = pingan.find("stability/petitions")

    assert petitions.path == "pingan_plus/stability/petitions"
    assert petitions.is_leaf
    assert petitions.measure == {
        "event_types": ["petition.case", "petition.group_visit", "petition.beyond_city"],
        "field": "quantity",
        "agg": "sum",
        "categories": [],
    }
    assert petitions.denominator == "per_10k_residents"
    assert petitions.direction == "lower_is_better"
    assert petitions.scoring == {
        "method": "ratio",
        "reference": {
            "day": {"method": "trailing", "n": 56, "guard": 7, "seasonal": True},
            "month": {"method": "peers", "history": 12, "spread": 0.3, "seasonal": True},
        },
        "alpha": 0.005,
        "window": 2,
    }
    assert petitions.missing == "incomplete"
    assert pingan.find("ecology/illegal_land_use").missing == "carry_last"
    assert pingan.find("ecology/air_quality/pm25").measure["categories"] == ["pm25"]
    assert pingan.grades["bands"] == [[83, "blue"], [79, "yellow"], [73, "orange"], [None, "red"]]
    assert pingan.coverage == {"minimum": 0.75}
    assert pingan.streaks == {"colour": "red", "levels": {3: "warning", 4: "summons", 5: "accountability"}}


def test_ahp_groups_take_the_principal_eigenvector_as_weights(pingan):
    security = pingan.find("public_security")
    casualties = pingan.find("traffic_safety/traffic_casualties")

    assert [c.weight for c in security.children] == pytest.approx([0.6, 0.4])
    assert security.weights["consistency_ratio"] == pytest.approx(0)
    assert [c.weight for c in casualties.children] == pytest.approx([0.75, 0.25])
    weights, lambda_max, cr = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert (lambda_max, cr) == (pytest.approx(3), pytest.approx(0, abs=1e-12))
    assert ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])[2] == pytest.approx(6.1302682)


def test_a_consistent_ahp_matrix_with_fractions_is_accepted(catalogue):
    definition = parse(tiny([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]), filename="tiny.yaml")

    assert [c.weight for c in definition.find("safety").children] == pytest.approx([4 / 7, 2 / 7, 1 / 7])


def test_the_content_hash_is_stable_and_changes_with_a_weight(catalogue):
    first, second = load_shipped("pingan_plus"), load_shipped("pingan_plus")
    stored = parse(copy.deepcopy(first.raw), filename="stored")  # the JSON kept in the database
    changed = copy.deepcopy(first.raw)
    changed["children"][0]["weight"] = 0.11
    changed["children"][1]["weight"] = 0.05

    assert first.content_hash == second.content_hash == stored.content_hash
    assert parse(changed, filename="edited").content_hash != first.content_hash
    assert len({load_shipped(code).content_hash for code in SHIPPED}) == 3


def test_star_rating_has_nine_leaves_stars_and_the_veto_rules(catalogue):
    star = load_shipped("star_rating")

    assert [n.code for n in star.leaves()] == [
        "disputes",
        "burglary",
        "vehicle_theft",
        "online_fraud",
        "city_management",
        "serious_crime",
        "fire_alarms",
        "homicide_deaths",
        "fire_deaths",
    ]
    assert [n.weight for n in star.leaves()] == [0.12] * 6 + [0.08, 0.10, 0.10]
    assert star.ranking == {"within": "kind", "scope": "city"}
    assert star.stars == {"method": "rank_share", "shares": [0.35, 0.25, 0.2, 0.15, 0.05], "count": 5}
    assert [(v["code"], v["measure"]["event_types"], v["measure"]["field"], v["cap"]) for v in star.veto] == [
        ("homicide_death", ["police.homicide"], "deaths", 3),
        ("fire_death", ["fire.fire"], "deaths", 3),
        ("mass_incident", ["police.mass_incident"], None, 3),
    ]
    peers = {
        "method": "ratio",
        "reference": {"method": "peers", "history": 12, "spread": 0.3, "seasonal": True},
    }
    assert {leaf.code: leaf.scoring == peers for leaf in star.leaves()} == {
        leaf.code: True for leaf in star.leaves()
    }
    assert star.coverage == {"minimum": 0.75}


def test_huizhou_style_weights_its_three_categories_60_20_20(catalogue):
    huizhou = load_shipped("huizhou_style")

    assert [(n.code, n.weight) for n in huizhou.root.children] == [
        ("public_order", 0.6),
        ("fire", 0.2),
        ("traffic", 0.2),
    ]
    assert huizhou.periods == ["dekad"]
    assert {n.denominator for n in huizhou.leaves()} == {"per_10k_residents"}
    assert huizhou.find("fire").scoring == {
        "method": "baseline_ratio",
        "baseline": {"method": "n_year_average", "n": 1},
    }
    assert [(d["code"], d["measure"]["field"], d["points"], d["cap"]) for d in huizhou.deductions] == [
        ("homicide_deaths", "deaths", 2, 10),
        ("fire_deaths", "deaths", 2, 10),
        ("traffic_deaths", "deaths", 1, 10),
    ]
    assert [b[1] for b in huizhou.grades["bands"]] == ["green", "yellow", "red"]
    assert huizhou.streaks["levels"] == {3: "warning", 4: "summons", 5: "accountability"}


# --- refusals, each naming the node ------------------------------------------------------------
def test_it_refuses_weights_that_do_not_sum_to_one(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["weight"] = 0.5
    node_raw(raw, "stability", "disputes")["weight"] = 0.4

    assert refusal(raw) == {
        "file": "test.yaml",
        "path": "pingan_plus/stability",
        "field": "children.weight",
        "reason": "the weights of the children sum to 0.9, not 1",
    }


def test_it_refuses_a_weight_outside_zero_to_one(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["weight"] = 0

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability/petitions", "weight")
    assert detail["reason"] == "a weight is a number in (0, 1]"


def test_it_refuses_an_inconsistent_ahp_matrix(catalogue):
    detail = refusal(tiny([[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]))

    assert detail == {
        "file": "test.yaml",
        "path": "tiny/safety",
        "field": "weights.matrix",
        "reason": "the comparisons are inconsistent: CR = 6.130, not below 0.10",
    }


def test_it_refuses_a_matrix_that_is_not_reciprocal(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "public_security")["weights"]["matrix"] = [[1, 3], [3, 1]]

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/public_security", "weights.matrix[1][0]")
    assert detail["reason"] == "not reciprocal: it must be 1 / matrix[0][1]"


def test_it_refuses_a_matrix_of_the_wrong_size(catalogue):
    detail = refusal(tiny([[1, 3], ["1/3", 1]]))

    assert (detail["path"], detail["field"]) == ("tiny/safety", "weights.matrix")
    assert detail["reason"] == "an AHP matrix here is 3 × 3: one row and one column per child, in order"


def test_it_refuses_an_unknown_event_type(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["measure"]["event_types"][1] = "petition.unknown"

    assert refusal(raw) == {
        "file": "test.yaml",
        "path": "pingan_plus/stability/petitions",
        "field": "measure.event_types[1]",
        "reason": "unknown event type “petition.unknown”: not in the catalogue",
    }


def test_it_refuses_a_field_that_is_not_a_measure_column(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["measure"]["field"] = "victims"

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability/petitions", "measure.field")
    assert detail["reason"] == (
        "“victims” is not a measure column; use one of quantity, deaths, injuries, amount, value"
    )


def test_it_refuses_a_field_the_event_type_does_not_carry(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "disputes")["measure"] = {
        "event_types": ["police.dispute"],
        "field": "deaths",
        "agg": "sum",
    }

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability/disputes", "measure.field")
    assert detail["reason"] == "event type “police.dispute” has no field “deaths”"


def test_it_refuses_an_unknown_scoring_method(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["scoring"] = {"method": "magic"}

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability/petitions", "scoring.method")
    assert detail["reason"].startswith("unknown scoring method “magic”; use one of goalposts, ")


def test_it_refuses_poisson_scoring_of_an_average(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "co_construction", "citizen_rating")["scoring"] = {
        "method": "poisson",
        "baseline": "same_period_last_year",
    }

    detail = refusal(raw)

    assert detail["path"] == "pingan_plus/co_construction/citizen_rating"
    assert detail["reason"] == "poisson scores counts: agg count, or a sum of quantity, deaths or injuries"


def test_it_refuses_a_duplicate_sibling_code(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "disputes")["code"] = "petitions"

    assert refusal(raw) == {
        "file": "test.yaml",
        "path": "pingan_plus/stability/petitions",
        "field": "code",
        "reason": "duplicate code among siblings; child 1 has it already",
    }


def test_it_refuses_a_ref_key(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["ref"] = "pingan_plus/stability"

    assert refusal(raw) == {
        "file": "test.yaml",
        "path": "pingan_plus/stability/petitions",
        "field": "ref",
        "reason": "references are not supported; write the node out",
    }


def test_it_refuses_a_cycle_made_with_a_yaml_alias(catalogue, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            code: loop
            name: 环
            periods: [month]
            units: [town]
            children:
              - &safety
                code: safety
                name: 安全
                weight: 1
                children:
                  - *safety
            """
        ),
        encoding="utf-8",
    )

    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        load_file(path)

    assert caught.value.details[0] == {
        "file": "loop.yaml",
        "line": 11,
        "path": "loop/safety/safety",
        "field": "children",
        "reason": "a cycle: this node contains itself",
    }


def test_it_refuses_a_leaf_without_a_direction(catalogue):
    raw = pingan_raw(catalogue)
    del node_raw(raw, "stability", "petitions")["direction"]

    assert refusal(raw) == {
        "file": "test.yaml",
        "path": "pingan_plus/stability/petitions",
        "field": "direction",
        "reason": "required",
    }


def test_it_refuses_a_node_that_is_both_a_group_and_a_leaf(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability")["measure"] = {"event_types": ["petition.case"], "agg": "count"}

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability", "children")
    assert detail["reason"] == "a node is a group (children) or a leaf (measure), not both"


def test_it_refuses_a_day_period_without_daily_nodes(catalogue):
    raw = copy.deepcopy(load_shipped("huizhou_style").raw)
    raw["periods"] = ["day", "dekad"]

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("huizhou_style", "periods")
    assert detail["reason"] == "a day index needs leaves marked daily: true"


def test_it_refuses_star_shares_that_do_not_sum_to_one(catalogue):
    raw = copy.deepcopy(load_shipped("star_rating").raw)
    raw["stars"]["shares"] = [0.4, 0.25, 0.2, 0.15, 0.05]

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("star_rating", "stars.shares")
    assert detail["reason"] == "the shares sum to 1.05, not 1"


def test_it_refuses_a_veto_on_an_unknown_event_type(catalogue):
    raw = copy.deepcopy(load_shipped("star_rating").raw)
    raw["veto"][0]["event_types"] = ["police.murder"]

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("star_rating", "veto[0].event_types[0]")


def test_event_types_can_be_given_as_a_set_of_codes(catalogue):
    raw = pingan_raw(catalogue)

    definition = parse(raw, filename="x", event_types=set(catalogue))
    detail = refusal(raw, event_types={"petition.case"})

    assert len(definition.leaves()) == 32
    assert detail["path"] == "pingan_plus/stability/petitions"
    assert detail["field"] == "measure.event_types[1]"


def test_a_refused_file_names_the_line_and_the_node(catalogue, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            code: bad
            name: 坏
            periods: [month]
            units: [town]
            children:
              - code: fires
                name: 火灾
                weight: 1
                measure:
                  event_types: [fire.fire, fire.unknown]
                direction: lower_is_better
                scoring: {method: rank}
            """
        ),
        encoding="utf-8",
    )

    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        load_file(path)

    assert caught.value.details[0]["line"] == 10
    assert str(caught.value) == (
        "bad.yaml:10: bad/fires, “measure.event_types[1]”: "
        "unknown event type “fire.unknown”: not in the catalogue"
    )


def test_a_key_given_twice_in_a_file_is_refused(catalogue, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("code: twice\nname: 二\nname: 两\n", encoding="utf-8")

    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        load_file(path)

    assert caught.value.details[0] == {
        "file": "twice.yaml",
        "line": 3,
        "path": "twice",
        "field": "name",
        "reason": "key given twice",
    }


def test_load_shipped_refuses_an_unknown_code(catalogue):
    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        load_shipped("nanjing")

    assert caught.value.details[0]["path"] == "nanjing"


def test_it_refuses_a_code_that_is_not_a_slug(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "stability", "petitions")["code"] = "Petitions!"

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/stability/[0]", "code")


def test_it_refuses_daily_below_a_node_that_is_not_daily(catalogue):
    raw = pingan_raw(catalogue)
    node_raw(raw, "co_construction")["daily"] = False
    node_raw(raw, "co_construction", "citizen_rating")["daily"] = True

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("pingan_plus/co_construction/citizen_rating", "daily")
    assert detail["reason"] == "daily below a node that is not daily"


def test_a_deduction_must_name_a_node_of_the_tree(catalogue):
    raw = copy.deepcopy(load_shipped("huizhou_style").raw)
    raw["deductions"][1]["node"] = "fires"

    detail = refusal(raw)

    assert (detail["path"], detail["field"]) == ("huizhou_style", "deductions[1].node")
    assert detail["reason"] == "no node at this path below the root"
    raw["deductions"][1]["node"] = "fire"
    assert parse(raw, filename="x").deductions[1]["node"] == "huizhou_style/fire"


def test_stars_may_be_given_by_score_bands(catalogue):
    raw = copy.deepcopy(load_shipped("star_rating").raw)
    raw["stars"] = {"method": "bands", "bands": [[90, 5], [80, 4], [70, 3], [60, 2], [None, 1]]}

    star = parse(raw, filename="x")

    assert star.stars == {
        "method": "bands",
        "bands": [[90, 5], [80, 4], [70, 3], [60, 2], [None, 1]],
        "count": 5,
    }


def test_the_message_names_the_first_problem_and_counts_the_rest(catalogue):
    raw = pingan_raw(catalogue)
    del node_raw(raw, "stability", "petitions")["direction"]
    node_raw(raw, "stability", "disputes")["scoring"] = {"method": "magic"}

    with translation.override("en"), pytest.raises(DefinitionError) as caught:
        parse(raw, filename="edited")

    assert str(caught.value) == (
        "edited: pingan_plus/stability/petitions, “direction”: required (and 1 more errors)"
    )
    assert [d["path"] for d in caught.value.details] == [
        "pingan_plus/stability/petitions",
        "pingan_plus/stability/disputes",
    ]
