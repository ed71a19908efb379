"""The event catalogue: the shipped file, loading it (idempotent, versioned) and refusing bad ones."""

from __future__ import annotations

import importlib
import textwrap

import pytest
import yaml
from django.utils import translation

from zhili.hub.catalogue import (
    DEFAULT_PATH,
    INDICATORS,
    CatalogueError,
    field_items,
    field_specs,
    load_catalogue,
    read_catalogue,
    validate_catalogue,
)
from zhili.hub.models import EventType, EventTypeVersion
from zhili.org.models import Department

SEEDED_DEPARTMENTS = [
    row[0] for row in importlib.import_module("zhili.org.migrations.0003_seed_departments").DEPARTMENTS
]
DATA_DEPARTMENTS = {
    "public_security",
    "traffic_police",
    "fire_rescue",
    "emergency",
    "city_management",
    "market_regulation",
    "petitions",
    "natural_resources",
    "health",
    "ecology",
    "justice",
    "civil_affairs",
    "human_resources",
    "water",
    "meteorology",
    "hotline_12345",
    "political_legal",
    "civilization_office",
    "consumer_council",
}
SECOND_LEVEL = [
    "petitions",
    "disputes",
    "air_quality",
    "illegal_land_use",
    "work_safety_accidents",
    "accident_casualties",
    "citizen_rating",
    "citizen_participation",
    "crime_disorder_calls",
    "telecom_fraud",
    "uncivil_behaviour",
    "volunteer_participation",
    "clutter_sanitation",
    "street_vending",
    "bravery",
    "vice_calls",
    "hotline_requests",
    "hotline_satisfaction",
    "food_complaints",
    "foodborne_illness",
    "traffic_accidents",
    "traffic_casualties",
    "fire_incidents",
    "fire_casualties",
    "consumer_complaints",
    "consumer_satisfaction",
    "unpaid_wages",
    "labour_disputes",
]
STAR = [
    "star.disputes",
    "star.burglary",
    "star.vehicle_theft",
    "star.online_fraud",
    "star.city_management",
    "star.serious_crime",
    "star.fire_alarms",
    "star.homicide_deaths",
    "star.fire_deaths",
]

# A small valid catalogue; the bad-definition tests change one thing in it.
SMALL = textwrap.dedent(
    """\
    - code: police.burglary
      name: 入室盗窃警情
      name_en: Burglary report
      department: public_security
      family: police
      has_personal_data: true
      indicators: [crime_disorder_calls, star.burglary]
      fields:
        - {name: category, type: category, label: 被盗场所, choices: [residence, shop]}
        - {name: amount, type: decimal, min: 0, label: 损失金额}
        - {name: address, type: text, personal: true, label: 发案地址}
    - code: fire.fire
      name: 火灾警情
      name_en: Fire
      department: fire_rescue
      family: fire
      has_personal_data: false
      indicators: [fire_incidents, star.fire_deaths]
      fields:
        - {name: deaths, type: int, required: false, min: 0, label: 死亡人数}
        - {name: injuries, type: int, required: false, min: 0, label: 受伤人数}
    """
)


def shipped() -> list[dict]:
    with DEFAULT_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def write(tmp_path, text: str, name: str = "catalogue.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_catalogue_validates(db):
    entries = read_catalogue()
    validate_catalogue(entries, filename=DEFAULT_PATH.name)
    assert entries[0]["code"] == "police.criminal"


def test_the_shipped_catalogue_has_at_least_55_types_with_unique_codes():
    codes = [e["code"] for e in shipped()]
    assert len(codes) >= 55
    assert len(set(codes)) == len(codes)


def test_every_shipped_code_starts_with_its_family():
    wrong = [e["code"] for e in shipped() if not e["code"].startswith(e["family"] + ".")]
    assert wrong == []


def test_every_department_in_the_shipped_catalogue_is_seeded_and_every_data_department_delivers(db):
    used = {e["department"] for e in shipped()}
    assert used <= set(SEEDED_DEPARTMENTS)
    assert used <= set(Department.objects.values_list("code", flat=True))
    assert used == DATA_DEPARTMENTS
    assert "procuratorate" not in used


def test_there_are_28_second_level_and_9_star_indicators_with_chinese_names():
    assert list(INDICATORS) == SECOND_LEVEL + STAR
    assert INDICATORS["crime_disorder_calls"] == ("违法犯罪警情", "Crime and disorder calls")
    assert INDICATORS["star.vehicle_theft"][0] == "三车盗窃发案数"
    assert INDICATORS["hotline_requests"][0] == "12345诉求量"


def test_every_indicator_is_fed_by_at_least_one_shipped_type():
    fed = {code for e in shipped() for code in e["indicators"]}
    assert set(INDICATORS) - fed == set()
    assert fed <= set(INDICATORS)


def test_the_shipped_types_feed_the_indicators_the_index_expects():
    by_code = {e["code"]: e for e in shipped()}
    assert by_code["police.burglary"]["indicators"] == ["crime_disorder_calls", "star.burglary"]
    assert by_code["police.homicide"]["indicators"] == ["star.homicide_deaths"]
    assert by_code["fire.fire"]["indicators"] == [
        "fire_incidents",
        "fire_casualties",
        "star.fire_alarms",
        "star.fire_deaths",
    ]
    serious = next(f for f in by_code["police.serious_crime"]["fields"] if f["name"] == "category")
    assert serious["choices"] == [
        "intentional_homicide",
        "grievous_injury",
        "rape",
        "robbery",
        "arson",
        "explosion",
        "poisoning",
        "kidnapping",
    ]
    assert serious["choice_labels"]["grievous_injury"] == "故意伤害致人重伤或死亡"
    air = {f["name"]: f for f in by_code["environment.air_quality"]["fields"]}
    assert air["value"]["type"] == "decimal" and air["category"]["choices"][:3] == ["pm25", "pm10", "aqi"]


def test_loading_the_shipped_catalogue_twice_creates_once_then_changes_nothing(db):
    n = len(shipped())
    assert load_catalogue(actor_username="seed") == (n, 0)
    assert load_catalogue(actor_username="seed") == (0, 0)
    assert EventType.objects.count() == n
    assert EventTypeVersion.objects.count() == n
    assert set(EventType.objects.values_list("version", flat=True)) == {1}
    assert set(EventTypeVersion.objects.values_list("changed_by", flat=True)) == {"seed"}
    burglary = EventType.objects.get(code="police.burglary")
    assert burglary.department.code == "public_security"
    assert burglary.name == "入室盗窃警情"
    assert burglary.has_personal_data is True
    assert burglary.versions.get().snapshot == burglary.snapshot()


def test_a_changed_name_makes_version_2_and_a_second_version_row(db, tmp_path):
    n = len(shipped())
    assert load_catalogue() == (n, 0)
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace("name: 入室盗窃警情", "name: 入室盗窃案件", 1)
    path = write(tmp_path, text)
    assert load_catalogue(path, actor_username="analyst") == (0, 1)
    burglary = EventType.objects.get(code="police.burglary")
    assert (burglary.name, burglary.version) == ("入室盗窃案件", 2)
    versions = list(
        burglary.versions.order_by("version").values_list("version", "snapshot__name", "changed_by")
    )
    assert versions == [(1, "入室盗窃警情", ""), (2, "入室盗窃案件", "analyst")]
    assert EventTypeVersion.objects.count() == n + 1
    assert load_catalogue(path) == (0, 0)


def test_types_missing_from_the_file_are_left_alone(db, tmp_path):
    load_catalogue(write(tmp_path, SMALL))
    only_fire = SMALL[SMALL.index("- code: fire.fire") :].replace("name: 火灾警情", "name: 火灾")
    assert load_catalogue(write(tmp_path, only_fire, "fire.yaml")) == (0, 1)
    assert EventType.objects.get(code="police.burglary").version == 1
    assert EventType.objects.get(code="fire.fire").version == 2


def test_is_active_is_kept_unless_the_file_says(db, tmp_path):
    path = write(tmp_path, SMALL)
    load_catalogue(path)
    EventType.objects.filter(code="fire.fire").update(is_active=False)
    assert load_catalogue(path) == (0, 0)
    assert EventType.objects.get(code="fire.fire").is_active is False
    reactivated = SMALL.replace("  family: fire\n", "  family: fire\n  is_active: true\n")
    assert load_catalogue(write(tmp_path, reactivated, "on.yaml")) == (0, 1)
    assert EventType.objects.values_list("is_active", "version").get(code="fire.fire") == (True, 2)


def test_field_specs_gives_each_field_by_name_with_defaults_filled_in(db, tmp_path):
    load_catalogue(write(tmp_path, SMALL))
    specs = field_specs(EventType.objects.get(code="police.burglary"))
    assert list(specs) == ["category", "amount", "address"]
    assert specs["amount"] == {
        "name": "amount",
        "type": "decimal",
        "required": False,
        "personal": False,
        "label": "损失金额",
        "min": 0,
    }
    assert specs["address"]["personal"] is True
    assert specs["category"]["choices"] == ["residence", "shop"]
    version = EventTypeVersion.objects.get(event_type__code="police.burglary")
    assert field_specs(version.snapshot) == specs


BAD = [
    # (what, old text, new text, expected field, expected line)
    (
        "unknown department",
        "department: fire_rescue",
        "department: fire_brigade",
        "fire.fire.department",
        15,
    ),
    ("duplicate code", "code: fire.fire", "code: police.burglary", "police.burglary.code", 12),
    ("bad slug", "code: fire.fire", "code: Fire Fire", "Fire Fire.code", 12),
    (
        "unknown field type",
        "{name: injuries, type: int,",
        "{name: injuries, type: integer,",
        "fire.fire.fields[1].type",
        21,
    ),
    (
        "duplicate field name",
        "{name: injuries, type: int,",
        "{name: deaths, type: int,",
        "fire.fire.fields[1].name",
        21,
    ),
    (
        "category without choices",
        "type: category, label: 被盗场所, choices: [residence, shop]}",
        "type: category, label: 被盗场所}",
        "police.burglary.fields[0].choices",
        9,
    ),
    (
        "unknown indicator",
        "[fire_incidents, star.fire_deaths]",
        "[fire_incidents, star.fire_death]",
        "fire.fire.indicators[1]",
        18,
    ),
    (
        "count measure that is not a whole number",
        "{name: deaths, type: int,",
        "{name: deaths, type: decimal,",
        "fire.fire.fields[0].type",
        20,
    ),
    (
        "amount measure that is text",
        "{name: amount, type: decimal,",
        "{name: amount, type: text,",
        "police.burglary.fields[1].type",
        10,
    ),
    (
        "category column that is a number",
        "{name: category, type: category, label: 被盗场所, choices: [residence, shop]}",
        "{name: category, type: int, label: 被盗场所}",
        "police.burglary.fields[0].type",
        9,
    ),
    (
        "personal field on a type without personal data",
        "  has_personal_data: true\n",
        "  has_personal_data: false\n",
        "police.burglary.has_personal_data",
        6,
    ),
    (
        "personal measure column (the lake keeps measures as they are)",
        "{name: amount, type: decimal,",
        "{name: amount, type: decimal, personal: true,",
        "police.burglary.fields[1].personal",
        10,
    ),
    ("unknown key", "  family: fire\n", "  family: fire\n  colour: red\n", "fire.fire.colour", 17),
    (
        "choices on a number field",
        "{name: deaths, type: int,",
        "{name: deaths, type: int, choices: [a],",
        "fire.fire.fields[0].choices",
        20,
    ),
    ("key given twice", "  family: fire\n", "  family: fire\n  family: police\n", "fire.fire.family", 17),
]


@pytest.mark.parametrize(("what", "old", "new", "field", "line"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_definition_is_refused_with_its_path_and_nothing_is_written(
    db, tmp_path, what, old, new, field, line
):
    assert old in SMALL
    path = write(tmp_path, SMALL.replace(old, new, 1))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.code == "invalid_catalogue"
    first = caught.value.details[0]
    assert (first["file"], first["field"], first["line"]) == ("catalogue.yaml", field, line)
    assert len(caught.value.details) == 1
    assert field in caught.value.message
    assert (EventType.objects.count(), EventTypeVersion.objects.count()) == (0, 0)


def test_a_bad_file_changes_nothing_already_loaded(db, tmp_path):
    load_catalogue(write(tmp_path, SMALL))
    bad = SMALL.replace("name: 入室盗窃警情", "name: 入室盗窃案件").replace("type: int,", "type: integer,", 1)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(write(tmp_path, bad, "bad.yaml"))
    assert [d["field"] for d in caught.value.details] == ["fire.fire.fields[0].type"]
    assert EventType.objects.get(code="police.burglary").name == "入室盗窃警情"
    assert (EventType.objects.count(), EventTypeVersion.objects.count()) == (2, 2)


def test_every_problem_in_a_file_is_reported_at_once(db):
    entries = yaml.safe_load(SMALL)
    entries[0]["department"] = "nowhere"
    entries[1]["fields"].append({"name": "level", "type": "category"})
    with translation.override("en"), pytest.raises(CatalogueError) as caught:
        validate_catalogue(entries, filename="mine.yaml")
    assert caught.value.details == [
        {
            "file": "mine.yaml",
            "field": "police.burglary.department",
            "reason": "unknown department “nowhere”",
        },
        {
            "file": "mine.yaml",
            "field": "fire.fire.fields[2].choices",
            "reason": "a category field needs a list of choices",
        },
    ]
    assert caught.value.message.startswith("mine.yaml: field “police.burglary.department”")
    assert caught.value.message.endswith("(and 1 more errors)")


def test_a_file_that_is_not_yaml_is_refused_with_its_line(db, tmp_path):
    path = write(tmp_path, SMALL.replace("  family: fire\n", "  family: [fire\n"))
    from django.utils import translation

    with pytest.raises(CatalogueError) as caught, translation.override("en"):
        load_catalogue(path)
    assert caught.value.details[0]["field"] == "-"
    assert caught.value.details[0]["line"] == 17
    assert caught.value.details[0]["reason"].startswith("not valid YAML")
    assert EventType.objects.count() == 0


def test_an_events_fields_read_as_labels_and_category_names_not_codes():
    petition = {
        "fields": [
            {"name": "category", "type": "category", "label": "信访形式", "label_en": "Form",
             "choices": ["visit", "online"], "choice_labels": {"visit": "来访", "online": "网上信访"}},
            {"name": "quantity", "type": "int", "label": "信访人数"},
        ]
    }  # fmt: skip
    fields = {"quantity": 3, "category": "visit", "extra": "x"}
    assert field_items(petition, fields) == [
        ("category", "信访形式", "来访"),
        ("quantity", "信访人数", 3),
        ("extra", "extra", "x"),
    ]
    assert field_items(petition, fields, english=True) == [
        ("category", "Form", "visit"),
        ("quantity", "quantity", 3),
        ("extra", "extra", "x"),
    ]
