"""The draft editor of index definitions: the form written back into the YAML (comments, anchors and
order kept to the byte), each validation error on the field it concerns, activation only after a
confirmation that shows the preview (and once, however often it is posted), and only for the roles
that may change definitions. On the small city of tests/test_index_api.py (`published`: definition
"t", crime 0.6 and fire 0.4)."""

# ruff: noqa: F811 - the tests take the `published` fixture imported from tests.test_index_api

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import client_for
from tests.test_index_api import published  # noqa: F401 - the fixture
from tests.test_screen_reports_definitions import draft
from zhili.core.models import AuditLog
from zhili.index.definitions import DATA_DIR, SHIPPED, edit
from zhili.index.models import DefinitionVersion

PINGAN = (DATA_DIR / "pingan_plus.yaml").read_text(encoding="utf-8")


def shown(form: edit.DraftForm) -> dict[str, str]:
    """What a browser submits when nothing is touched."""
    return {f.name: f.value for f in form.fields()}


def node(form: edit.DraftForm, path: str) -> edit.NodeForm:
    return next(n for n in form.nodes if n.path == path)


# --- the form and the text --------------------------------------------------------------------


@pytest.mark.parametrize("code", SHIPPED)
def test_an_untouched_form_gives_the_shipped_text_back_byte_for_byte(code):
    text = (DATA_DIR / f"{code}.yaml").read_text(encoding="utf-8")
    assert edit.apply(text, shown(edit.draft_form(text))) == (text, [])


def test_one_weight_changed_in_the_form_changes_that_line_and_nothing_else():
    form = edit.draft_form(PINGAN)
    petitions = node(form, "pingan_plus/stability/petitions")
    assert (petitions.fields["weight"].name, petitions.fields["weight"].value) == (
        "y.children.0.children.0.weight",
        "0.5",
    )
    values = shown(form) | {
        "y.children.0.children.0.weight": "0.45",
        "y.children.0.children.1.weight": "0.55",
    }
    text, problems = edit.apply(PINGAN, values)
    lines = PINGAN.splitlines(keepends=True)
    first = lines.index("        weight: 0.5\n")  # petitions, the first leaf with a weight of its own
    second = lines.index("        weight: 0.5\n", first + 1)  # disputes
    expected = [*lines[:first], "        weight: 0.45\n", *lines[first + 1 : second]]
    expected += ["        weight: 0.55\n", *lines[second + 1 :]]
    assert problems == [] and text == "".join(expected)
    # the comment above the stability group's leaves, the anchor &count and its aliases are kept
    assert "# People, not batches" in text and text.count("*count") == PINGAN.count("*count")


def test_a_leaf_sharing_an_anchor_gets_its_own_scoring_and_the_others_keep_theirs():
    form = edit.draft_form(PINGAN)
    disputes = node(form, "pingan_plus/stability/disputes")
    assert disputes.shared_scoring and disputes.fields["scoring_method"].value == "ratio"
    values = shown(form) | {disputes.fields["scoring"].name: "{reference: {method: fixed, value: 3}}"}
    text, _ = edit.apply(PINGAN, values)
    old, new = PINGAN.splitlines(), text.splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [
        ("        scoring: *count", "        scoring: {method: ratio, reference: {method: fixed, value: 3}}")
    ]


def test_removing_and_adding_a_leaf_keeps_the_next_sections_header_after_it():
    form = edit.draft_form(PINGAN)
    header = "  # ─── 2 生态安全 (daily) ───"
    removed, _ = edit.apply(PINGAN, {}, op="remove:" + node(form, "pingan_plus/stability/disputes").op_where)
    assert "code: disputes" not in removed and header in removed
    assert removed.index("code: petitions") < removed.index(header) < removed.index("code: ecology")
    assert len(PINGAN.splitlines()) - len(removed.splitlines()) == 9  # the leaf's nine lines
    added, _ = edit.apply(PINGAN, {}, op="add:" + node(form, "pingan_plus/stability").op_where)
    new = added.index("      - code: leaf_1\n")
    assert added.index("code: disputes") < new < added.index(header)
    assert added[new:].startswith(
        "      - code: leaf_1\n        name: ''\n        weight: null\n"
        "        measure: {event_types: [], agg: count}\n"
    )


def test_parameters_that_are_not_yaml_are_refused_at_their_field():
    form = edit.draft_form(PINGAN)
    scoring = node(form, "pingan_plus/ecology/air_quality/pm25").fields["scoring"]
    text, problems = edit.apply(PINGAN, shown(form) | {scoring.name: "{reference: [oops"})
    assert text == PINGAN
    assert [(p["input"], p["field"]) for p in problems] == [(scoring.name, "scoring")]


# --- the editor's pages -----------------------------------------------------------------------


def field_errors(html: str) -> list[tuple[str, str, str]]:
    """(input, field, message) of every error shown beside a field."""
    found = re.findall(
        r'<p class="field-error" id="[^"]+" data-input="([^"]+)" data-path="[^"]*" data-field="([^"]*)">([^<]*)</p>',
        html,
    )
    return [(i, f, unescape(m)) for i, f, m in found]


def form_post(client, text: str, **values) -> str:
    page = client.post("/dash/definitions/t/draft/", {"text": text, "mode": "form", **values})
    assert page.status_code == 200
    return page.content.decode()


def test_the_draft_page_shows_the_active_version_as_a_form(published):
    html = client_for(published["analyst"]).get("/dash/definitions/t/draft/").content.decode()
    assert 'data-mode="form"' in html
    assert 'name="y.children.0.weight" id="y.children.0.weight" value="0.6"' in html
    assert 'name="y.grades.bands.1.0" id="y.grades.bands.1.0" value="60"' in html
    assert '<option value="per_10k_residents" selected>每万常住人口</option>' in html


def test_a_wrong_weight_and_a_wrong_band_show_their_errors_at_their_fields(published):
    client = client_for(published["analyst"])
    text = DefinitionVersion.objects.get(code="t", is_active=True).text
    html = form_post(
        client, text, **{"y.children.0.weight": "1.5", "y.grades.bands.1.0": "85", "action": "validate"}
    )
    assert 'data-valid="false"' in html
    assert field_errors(html) == [
        ("y.grades.bands.1.0", "grades.bands[1]", "各档下限必须逐档递减"),
        ("y.children.0.weight", "weight", "权重必须是 (0, 1] 区间内的数"),
    ]
    assert 'id="y.children.0.weight" value="1.5" inputmode="decimal" aria-invalid="true"' in html
    assert 'id="L1"' not in html  # no listing of the whole file
    # fixed: no error, and the stored versions are as they were
    fixed = form_post(
        client, text, **{"y.children.0.weight": "0.5", "y.children.1.weight": "0.5", "action": "validate"}
    )
    assert 'data-valid="true"' in fixed and field_errors(fixed) == []
    assert DefinitionVersion.objects.filter(code="t").count() == 1


def test_weights_that_do_not_sum_to_one_are_shown_at_their_group(published):
    client = client_for(published["analyst"])
    text = DefinitionVersion.objects.get(code="t", is_active=True).text
    html = form_post(client, text, **{"y.children.0.weight": "0.7", "action": "validate"})
    tree = html.split('id="part-tree"')[1]
    assert (
        '<p class="field-error node-error" data-path="t" data-field="children.weight">下级节点权重之和为 1.1，不等于 1</p>'
        in tree
    )
    assert field_errors(html) == []


def test_in_the_yaml_editor_an_error_names_its_line_with_that_lines_text(published):
    text = draft(0.7, 0.4)
    html = (
        client_for(published["analyst"])
        .post("/dash/definitions/t/draft/", {"text": text, "action": "validate"})
        .content.decode()
    )
    line = text.splitlines().index("children:") + 1
    item = html.split(f'<li class="problem" data-line="{line}" data-path="t" data-field="children.weight">')[
        1
    ]
    item = item.split("</li>")[0]
    assert (
        f'data-line="{line}">第{line}行</button> <code class="excerpt">children:</code>' in item
        and "1.1" in item
    )
    assert f'<span class="bad">{line}</span>' in html  # the line marked in the gutter beside the text


def test_the_form_and_the_yaml_editor_switch_without_losing_an_edit(published):
    client = client_for(published["analyst"])
    text = DefinitionVersion.objects.get(code="t", is_active=True).text
    html = form_post(client, text, **{"y.children.0.name": "社会治安", "action": "yaml"})
    assert 'data-mode="yaml"' in html and "name: 社会治安" in unescape(html.split('id="id_text"')[1])
    assert "data-valid" not in html  # switching validates nothing


def test_activating_without_the_confirmation_only_shows_the_preview(published):
    client = client_for(published["analyst"])
    counts = (DefinitionVersion.objects.count(), AuditLog.objects.count())
    page = client.post("/dash/definitions/t/activate/", {"text": draft(0.99, 0.01, deductions=False)})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="confirm-form"' in html
    table = html.split('id="preview-ranks"')[1].split("</table>")[0]
    assert table.count("<tr data-unit=") == 3 and "↑1" in table
    assert '<tr data-path="crime">' in html  # the weight that changes
    assert (DefinitionVersion.objects.count(), AuditLog.objects.count()) == counts
    assert DefinitionVersion.objects.get(code="t", is_active=True).parsed().find("crime").weight == 0.6


def confirmation(client, text: str) -> str:
    html = client.post("/dash/definitions/t/activate/", {"text": text}).content.decode()
    return re.search(r'name="confirm" value="([^"]+)"', html).group(1)


def test_a_confirmed_activation_activates_once_however_often_it_is_posted(published):
    client = client_for(published["analyst"])
    text = draft(0.5, 0.5)
    token = confirmation(client, text)
    audits = AuditLog.objects.count()
    done = client.post("/dash/definitions/t/activate/", {"text": text, "confirm": token, "note": "五五开"})
    assert done.status_code == 302 and done.url == "/dash/definitions/t/"
    again = client.post("/dash/definitions/t/activate/", {"text": text, "confirm": token, "note": "五五开"})
    assert again.status_code == 302
    assert DefinitionVersion.objects.filter(code="t").count() == 2
    active = DefinitionVersion.objects.get(code="t", is_active=True)
    assert (active.note, active.created_by, active.parsed().find("crime").weight) == (
        "五五开",
        "analyst_city",
        0.5,
    )
    assert AuditLog.objects.count() == audits + 1
    assert "已处于启用状态" in client.get(again.url).content.decode()


def test_a_confirmation_does_not_carry_over_to_another_draft_or_a_replaced_version(published):
    client = client_for(published["analyst"])
    token = confirmation(client, draft(0.5, 0.5))
    other = client.post("/dash/definitions/t/activate/", {"text": draft(0.55, 0.45), "confirm": token})
    assert other.status_code == 200 and 'id="confirm-form"' in other.content.decode()
    assert DefinitionVersion.objects.filter(code="t").count() == 1
    # someone activates another version between the preview and the confirmation
    stale = confirmation(client, draft(0.5, 0.5))
    client.post(
        "/dash/definitions/t/activate/",
        {"text": draft(0.55, 0.45), "confirm": confirmation(client, draft(0.55, 0.45))},
    )
    refused = client.post("/dash/definitions/t/activate/", {"text": draft(0.5, 0.5), "confirm": stale})
    assert 'id="confirm-notice"' in refused.content.decode()
    assert DefinitionVersion.objects.get(code="t", is_active=True).parsed().find("crime").weight == 0.55


def test_a_town_cadre_reads_the_tree_but_cannot_edit_or_activate(published):
    analyst, cadre = client_for(published["analyst"]), client_for(published["town_cadre"])
    token = confirmation(analyst, draft(0.5, 0.5))
    assert (
        "草稿"
        not in cadre.get("/dash/definitions/t/")
        .content.decode()
        .split('class="def-actions"')[1]
        .split("</div>")[0]
    )
    assert cadre.get("/dash/definitions/t/draft/").status_code == 403
    assert (
        cadre.post("/dash/definitions/t/draft/", {"text": draft(0.5, 0.5), "action": "validate"}).status_code
        == 403
    )
    assert cadre.post("/dash/definitions/t/activate/", {"text": draft(0.5, 0.5)}).status_code == 403
    assert (
        cadre.post("/dash/definitions/t/activate/", {"text": draft(0.5, 0.5), "confirm": token}).status_code
        == 403
    )
    assert DefinitionVersion.objects.filter(code="t").count() == 1


def test_a_leaf_added_in_the_form_shows_what_it_still_needs_at_its_fields(published):
    client = client_for(published["analyst"])
    text = DefinitionVersion.objects.get(code="t", is_active=True).text
    html = form_post(client, text, op="add:")
    assert 'name="y.children.2.code" id="y.children.2.code" value="leaf_1"' in html
    errors = {(i, f) for i, f, _m in field_errors(html)}
    assert {("y.children.2.name", "name"), ("y.children.2.weight", "weight")} <= errors
    assert ("y.children.2.measure.event_types", "measure.event_types") in errors
    assert DefinitionVersion.objects.filter(code="t").count() == 1
    # and taken away again, the draft is the active version's text
    back = client.post(
        "/dash/definitions/t/draft/",
        {"text": unescape(html.split('<textarea name="text" hidden aria-hidden="true">\n')[1].split("</textarea>")[0]),
         "mode": "form", "op": "remove:children.2", "action": "yaml"},
    )  # fmt: skip
    assert (
        unescape(back.content.decode().split('id="id_text"')[1].split(">\n", 1)[1].split("</textarea>")[0])
        == text
    )
