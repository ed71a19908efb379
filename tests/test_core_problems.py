"""The one collector of problems in files and definitions, and its YAML line map."""

from __future__ import annotations

import pytest
import yaml
from django.utils import translation

from zhili.core.errors import ZhiliError
from zhili.core.problems import (
    MAX_PROBLEMS,
    AliasMarkingLoader,
    Duplicate,
    Problems,
    key_value,
    yaml_lines,
)


class ThingError(ZhiliError):
    code = "invalid_thing"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_it_raises_nothing_when_empty():
    problems = Problems("a.csv")
    problems.raise_if_any(ThingError)
    assert (len(problems), bool(problems)) == (0, False)


def test_it_names_the_first_problem_and_counts_the_rest():
    problems = Problems("a.csv")
    problems.add("required", field="name", line=4)
    problems.add("not a year", field="year", line=7)
    with pytest.raises(ThingError) as err:
        problems.raise_if_any(ThingError)
    assert err.value.message == "a.csv:4: field “name”: required (and 1 more errors)"
    assert err.value.code == "invalid_thing"
    assert err.value.details == [
        {"file": "a.csv", "line": 4, "field": "name", "reason": "required"},
        {"file": "a.csv", "line": 7, "field": "year", "reason": "not a year"},
    ]


def test_a_line_not_known_is_left_out_unless_kept():
    loose = Problems("c.yaml")
    loose.add("must be a list", field="features")
    kept = Problems("b.geojson", keep_line=True)
    kept.add("no code", field="properties.code", feature=3)
    assert loose.items == [{"file": "c.yaml", "field": "features", "reason": "must be a list"}]
    assert kept.items == [
        {"file": "b.geojson", "line": None, "field": "properties.code", "reason": "no code", "feature": 3}
    ]
    assert loose.message() == "c.yaml: field “features”: must be a list"
    assert list(kept.items[0]) == ["file", "line", "field", "reason", "feature"]


def test_a_node_path_goes_before_the_field_and_into_the_message():
    problems = Problems("d.yaml")
    problems.add("unknown key", path="pingan/safety", field="wieght", line=12)
    assert list(problems.items[0]) == ["file", "line", "path", "field", "reason"]
    assert problems.message() == "d.yaml:12: pingan/safety, “wieght”: unknown key"


def test_at_takes_the_most_precise_line_known():
    lines = {(0,): 2, (0, "fields"): 5, (0, "fields", 1): 8}
    problems = Problems("e.yaml", lines=lines)
    problems.add("x", field="a", at=(0, "fields", 1, "type"))  # the key itself is not mapped: its field
    problems.add("x", field="b", at=(0, "name"))  # not mapped: the entry
    problems.add("x", field="c", at=(3, "name"))  # nothing known
    problems.add("x", field="d", at=(0, "fields", 1), line=30)  # a line given wins
    assert [p.get("line") for p in problems.items] == [8, 2, None, 30]


def test_details_stop_at_the_limit_but_the_count_does_not():
    problems = Problems("f.csv")
    for n in range(MAX_PROBLEMS + 5):
        problems.add("required", field="name", line=n + 2)
    with pytest.raises(ZhiliError) as err:
        problems.raise_if_any()
    assert len(err.value.details) == MAX_PROBLEMS
    assert err.value.message.endswith(f"(and {MAX_PROBLEMS + 4} more errors)")


TEXT = """\
code: root
children:
  - code: a
    weight: 1
    weight: 2
  - code: b
    fields: [x, y]
name: r
name: s
"""


def test_the_line_map_has_every_key_and_item_and_the_keys_given_twice():
    root = yaml.compose(TEXT, Loader=yaml.SafeLoader)
    lines, duplicates = yaml_lines(root)
    assert lines[("code",)] == 1
    assert lines[("children", 0)] == 3
    assert lines[("children", 0, "weight")] == 5  # the last one, as YAML keeps
    assert lines[("children", 1, "fields", 1)] == 7
    assert lines[("name",)] == 9
    assert duplicates == [
        Duplicate(("children", 0), "weight", 5, ""),
        Duplicate((), "name", 9, ""),
    ]


def test_the_line_map_names_mappings_with_the_label_and_stops_at_the_depth():
    root = yaml.compose(TEXT, Loader=yaml.SafeLoader)

    def label(node, at, outer):
        return f"{outer}/{key_value(node, 'code')}" if at else key_value(node, "code")

    lines, duplicates = yaml_lines(root, label=label, depth=2)
    assert [(d.label, d.key) for d in duplicates] == [("root", "name")]  # children's keys are too deep
    assert ("children", 0) in lines and ("children", 0, "code") not in lines
    _, duplicates = yaml_lines(root, label=label)
    assert [(d.label, d.key) for d in duplicates] == [("root/a", "weight"), ("root", "name")]


def test_an_alias_points_at_its_use_and_a_cycle_ends():
    text = "base: &b\n  x: 1\nuse:\n  - *b\n"
    lines, _ = yaml_lines(yaml.compose(text, Loader=AliasMarkingLoader))
    assert lines[("use", 0)] == 4
    cyclic = yaml.compose("&a [1, *a]\n", Loader=yaml.SafeLoader)
    lines, duplicates = yaml_lines(cyclic)
    assert (lines, duplicates) == ({(0,): 1, (1,): 1}, [])


def test_key_value_reads_the_first_scalar_of_a_key():
    node = yaml.compose("code: [1]\ncode: z\nname: n\n", Loader=yaml.SafeLoader)
    assert (key_value(node, "code"), key_value(node, "name"), key_value(node, "none")) == ("z", "n", "")
