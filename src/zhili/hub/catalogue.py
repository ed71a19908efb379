"""The event catalogue: which event types exist, who delivers them, what they carry and which
index indicators they feed.

The seeded catalogue is `data/catalogue.yaml`. `load_catalogue` validates the whole file before
writing anything, then creates or updates the types in one transaction; a type whose definition
changed gets the next version and an `EventTypeVersion` row, so that old events can still be read
with the schema they had. Types that are not in the file are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.core.problems import Problems, yaml_lines

DEFAULT_PATH = Path(__file__).parent / "data" / "catalogue.yaml"

# The 28 second-level indicators of the Ping'an+ index (INDEX-NOTES.md, in order), then the nine
# core indicators of the monthly star rating of villages and communities.
INDICATORS: dict[str, tuple[str, str]] = {
    "petitions": ("信访事项", "Petition cases"),
    "disputes": ("矛盾纠纷", "Disputes"),
    "air_quality": ("空气质量(PM2.5/PM10)", "Air quality"),
    "illegal_land_use": ("违法用地及生态破坏", "Illegal land use and ecological damage"),
    "work_safety_accidents": ("生产安全事故", "Work-safety accidents"),
    "accident_casualties": ("事故伤亡人数", "Accident casualties"),
    "citizen_rating": ("市民打分", "Citizen rating"),
    "citizen_participation": ("市民参与率", "Citizen participation rate"),
    "crime_disorder_calls": ("违法犯罪警情", "Crime and disorder calls"),
    "telecom_fraud": ("电信网络诈骗", "Telecom and online fraud"),
    "uncivil_behaviour": ("不文明行为事件", "Uncivil-behaviour reports"),
    "volunteer_participation": ("志愿服务参与", "Volunteer participation"),
    "clutter_sanitation": ("乱堆放等市容事件", "Clutter and sanitation events"),
    "street_vending": ("乱摆卖等街面秩序事件", "Street-vending and encroachment events"),
    "bravery": ("见义勇为", "Acts of bravery recognised"),
    "vice_calls": ("涉黄赌毒警情", "Vice calls (sex, gambling, drugs)"),
    "hotline_requests": ("12345诉求量", "12345 hotline requests"),
    "hotline_satisfaction": ("诉求办结满意率", "Hotline resolution and satisfaction rate"),
    "food_complaints": ("食品投诉", "Food complaints"),
    "foodborne_illness": ("食源性疾病/食物中毒", "Food-borne illness events"),
    "traffic_accidents": ("交通事故", "Road traffic accidents"),
    "traffic_casualties": ("交通事故伤亡", "Traffic casualties"),
    "fire_incidents": ("火灾警情", "Fire incidents"),
    "fire_casualties": ("火灾伤亡", "Fire casualties"),
    "consumer_complaints": ("消费投诉", "Consumer complaints"),
    "consumer_satisfaction": ("消费维权满意度", "Consumer redress satisfaction"),
    "unpaid_wages": ("未及时支付劳动报酬", "Unpaid wages"),
    "labour_disputes": ("劳动人事争议", "Labour disputes"),
    "star.disputes": ("矛盾纠纷数", "Disputes"),
    "star.burglary": ("入室盗窃发案数", "Burglaries"),
    "star.vehicle_theft": ("三车盗窃发案数", "Thefts of bicycles, e-bikes and motor vehicles"),
    "star.online_fraud": ("网络诈骗发案数", "Online fraud cases"),
    "star.city_management": ("城市管理指数", "City-management index"),
    "star.serious_crime": ("八大类严重刑事案件数", "Eight categories of serious crime"),
    "star.fire_alarms": ("消防警情", "Fire incidents"),
    "star.homicide_deaths": ("命案死亡", "Homicide deaths"),
    "star.fire_deaths": ("消防死亡", "Fire deaths"),
}

FIELD_TYPES = ("int", "decimal", "text", "category", "bool")
# Fields stored in the event's measure columns, and the field types each column can hold.
MEASURE_FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "quantity": ("int",),
    "deaths": ("int",),
    "injuries": ("int",),
    "amount": ("int", "decimal"),
    "value": ("int", "decimal"),
    "category": ("category", "text"),
}
# Names the event envelope uses; a field may not take them.
RESERVED_FIELD_NAMES = frozenset(
    {
        "id",
        "type",
        "event_type",
        "source",
        "source_event_id",
        "version",
        "occurred_at",
        "unit_code",
        "lon",
        "lat",
        "retracted",
        "fields",
    }
)

ENTRY_KEYS = (
    "code",
    "name",
    "name_en",
    "department",
    "family",
    "has_personal_data",
    "indicators",
    "fields",
    "is_active",
)
REQUIRED_ENTRY_KEYS = ("code", "name", "department", "family")
FIELD_KEYS = (
    "name",
    "type",
    "required",
    "label",
    "label_en",
    "personal",
    "min",
    "max",
    "choices",
    "choice_labels",
)

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
FAMILY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CHOICE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
CODE_MAX = 64  # EventType.code
NAME_MAX = 100  # EventType.name
NAME_EN_MAX = 200
FAMILY_MAX = 32
CHOICE_MAX = 64  # Event.category


class CatalogueError(ZhiliError):
    code = "invalid_catalogue"


# Line numbers (`zhili.core.problems.yaml_lines`, four levels down): (entry index,) → line of the
# entry; (i, key) → line of that key; (i, "fields", j) → line of field j; (i, "fields", j, key) →
# line of that key of field j.
Lines = dict[tuple, int]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def validate_catalogue(entries: list[dict], *, filename: str, lines: Lines | None = None) -> None:
    """Check a whole catalogue; raise `CatalogueError` listing every problem, each with the file,
    the line where known, and the path of the offending value in `field`
    (e.g. ``police.burglary.fields[2].type``)."""
    from zhili.org.models import Department

    errors = Problems(filename, lines=lines)
    if not isinstance(entries, list):
        errors.add(_("the catalogue must be a list of event types"), field="-")
        errors.raise_if_any(CatalogueError)
    departments = set(Department.objects.values_list("code", flat=True))
    seen_codes: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            errors.add(_("an event type must be a mapping of keys to values"), field=f"[{i}]", at=(i,))
            continue
        code = entry.get("code")
        prefix = code if isinstance(code, str) and code else f"[{i}]"
        _validate_entry(entry, i, prefix, seen_codes, departments, errors)
        _validate_indicators(entry, i, prefix, errors)
        _validate_fields(entry, i, prefix, errors)
    errors.raise_if_any(CatalogueError)


def _validate_entry(
    entry: dict, i: int, prefix: str, seen_codes: dict[str, int], departments: set[str], errors: Problems
) -> None:
    """The keys and the values of one event type, but its indicators and fields."""
    code = entry.get("code")
    for key in entry:
        if key not in ENTRY_KEYS:
            errors.add(_("unknown key"), field=f"{prefix}.{key}", at=(i, key))
    for key in REQUIRED_ENTRY_KEYS:
        if entry.get(key) in (None, ""):
            errors.add(_("required"), field=f"{prefix}.{key}", at=(i,))

    if isinstance(code, str) and code:
        if not CODE_RE.match(code) or len(code) > CODE_MAX:
            errors.add(
                _("a code is a lowercase slug of letters, digits, “_”, “.” and “-”, at most %(n)d long")
                % {"n": CODE_MAX},
                field=f"{prefix}.code",
                at=(i, "code"),
            )
        elif code in seen_codes:
            errors.add(
                _("duplicate code; first defined as event type %(n)d") % {"n": seen_codes[code] + 1},
                field=f"{prefix}.code",
                at=(i, "code"),
            )
        else:
            seen_codes[code] = i
    elif code is not None and code != "":
        errors.add(_("must be text"), field=f"{prefix}.code", at=(i, "code"))

    for key, limit in (("name", NAME_MAX), ("name_en", NAME_EN_MAX)):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            errors.add(_("must be text"), field=f"{prefix}.{key}", at=(i, key))
        elif isinstance(value, str) and len(value) > limit:
            errors.add(_("longer than %(n)d characters") % {"n": limit}, field=f"{prefix}.{key}", at=(i, key))

    department = entry.get("department")
    if department not in (None, "") and (not isinstance(department, str) or department not in departments):
        errors.add(
            _("unknown department “%(code)s”") % {"code": department},
            field=f"{prefix}.department",
            at=(i, "department"),
        )

    family = entry.get("family")
    if family not in (None, "") and (
        not isinstance(family, str) or not FAMILY_RE.match(family) or len(family) > FAMILY_MAX
    ):
        errors.add(
            _("a family is a lowercase word of letters, digits and “_”, at most %(n)d long")
            % {"n": FAMILY_MAX},
            field=f"{prefix}.family",
            at=(i, "family"),
        )

    for key in ("has_personal_data", "is_active"):
        if key in entry and not isinstance(entry[key], bool):
            errors.add(_("must be true or false"), field=f"{prefix}.{key}", at=(i, key))


def _validate_indicators(entry: dict, i: int, prefix: str, errors: Problems) -> None:
    """The indicators an event type feeds: known ones, each once."""
    indicators = entry.get("indicators", [])
    if indicators is None:
        indicators = []
    if not isinstance(indicators, list):
        errors.add(_("must be a list of indicator codes"), field=f"{prefix}.indicators", at=(i, "indicators"))
    else:
        for k, indicator in enumerate(indicators):
            path = f"{prefix}.indicators[{k}]"
            if not isinstance(indicator, str) or indicator not in INDICATORS:
                errors.add(
                    _("unknown indicator “%(code)s”") % {"code": indicator},
                    field=path,
                    at=(i, "indicators"),
                )
            elif indicator in indicators[:k]:
                errors.add(_("indicator listed twice"), field=path, at=(i, "indicators"))


def _validate_fields(entry: dict, i: int, prefix: str, errors: Problems) -> None:
    """The fields of an event type, and its personal data flag against them."""
    fields = entry.get("fields", [])
    if fields is None:
        fields = []
    if not isinstance(fields, list):
        errors.add(_("must be a list of fields"), field=f"{prefix}.fields", at=(i, "fields"))
        return
    any_personal = False
    seen_names: set[str] = set()
    for j, spec in enumerate(fields):
        any_personal |= _validate_field(spec, (i, "fields", j), f"{prefix}.fields[{j}]", seen_names, errors)
    if any_personal and entry.get("has_personal_data") is False:
        errors.add(
            _("a field is marked personal, so the type carries personal data: set it to true"),
            field=f"{prefix}.has_personal_data",
            at=(i, "has_personal_data"),
        )


def _validate_field(spec: Any, where: tuple, path: str, seen_names: set[str], errors: Problems) -> bool:
    """Check one field; return whether it is marked personal."""
    if not isinstance(spec, dict):
        errors.add(_("a field must be a mapping of keys to values"), field=path, at=where)
        return False
    for key in spec:
        if key not in FIELD_KEYS:
            errors.add(_("unknown key"), field=f"{path}.{key}", at=(*where, key))

    name = spec.get("name")
    if name in (None, ""):
        errors.add(_("required"), field=f"{path}.name", at=where)
    elif not isinstance(name, str) or not FIELD_NAME_RE.match(name) or len(name) > 64:
        errors.add(
            _("a field name is a lowercase identifier of letters, digits and “_”"),
            field=f"{path}.name",
            at=(*where, "name"),
        )
    elif name in RESERVED_FIELD_NAMES:
        errors.add(
            _("reserved for the event itself; choose another name"), field=f"{path}.name", at=(*where, "name")
        )
    elif name in seen_names:
        errors.add(
            _("duplicate field name “%(name)s”") % {"name": name}, field=f"{path}.name", at=(*where, "name")
        )
    else:
        seen_names.add(name)

    ftype = spec.get("type")
    type_ok = False
    if ftype in (None, ""):
        errors.add(_("required"), field=f"{path}.type", at=where)
    elif ftype not in FIELD_TYPES:
        errors.add(
            _("unknown field type “%(type)s”; use one of %(types)s")
            % {"type": ftype, "types": ", ".join(FIELD_TYPES)},
            field=f"{path}.type",
            at=(*where, "type"),
        )
    elif isinstance(name, str) and name in MEASURE_FIELD_TYPES and ftype not in MEASURE_FIELD_TYPES[name]:
        errors.add(
            _("“%(name)s” is stored in a measure column and must be of type %(types)s")
            % {"name": name, "types": " or ".join(MEASURE_FIELD_TYPES[name])},
            field=f"{path}.type",
            at=(*where, "type"),
        )
    else:
        type_ok = True

    for key in ("required", "personal"):
        if key in spec and not isinstance(spec[key], bool):
            errors.add(_("must be true or false"), field=f"{path}.{key}", at=(*where, key))
    if spec.get("personal") is True and isinstance(name, str) and name in MEASURE_FIELD_TYPES:
        errors.add(
            _("“%(name)s” is a column the index counts and the lake keeps as it is; it cannot be personal")
            % {"name": name},
            field=f"{path}.personal",
            at=(*where, "personal"),
        )
    for key in ("label", "label_en"):
        if key in spec and not isinstance(spec[key], str):
            errors.add(_("must be text"), field=f"{path}.{key}", at=(*where, key))

    if not type_ok:
        return spec.get("personal") is True  # what depends on the type is checked once it is right
    _validate_bounds(spec, ftype, where, path, errors)
    _validate_choices(spec, ftype, where, path, errors)
    return spec.get("personal") is True


def _validate_bounds(spec: dict, ftype: str, where: tuple, path: str, errors: Problems) -> None:
    """The minimum and maximum of a field whose type is right."""
    for key in ("min", "max"):
        if key not in spec:
            continue
        if ftype not in ("int", "decimal"):
            errors.add(
                _("only number fields have a minimum or maximum"), field=f"{path}.{key}", at=(*where, key)
            )
        elif not _is_number(spec[key]) or (ftype == "int" and not isinstance(spec[key], int)):
            errors.add(_("must be a number of the field's type"), field=f"{path}.{key}", at=(*where, key))
    if _is_number(spec.get("min")) and _is_number(spec.get("max")) and spec["min"] > spec["max"]:
        errors.add(_("smaller than the minimum"), field=f"{path}.max", at=(*where, "max"))


def _validate_choices(spec: dict, ftype: str, where: tuple, path: str, errors: Problems) -> None:
    """The choices of a field whose type is right, and their labels."""
    choices = spec.get("choices")
    if ftype == "category":
        if not choices:
            errors.add(_("a category field needs a list of choices"), field=f"{path}.choices", at=where)
        elif not isinstance(choices, list):
            errors.add(_("must be a list of codes"), field=f"{path}.choices", at=(*where, "choices"))
        else:
            for k, choice in enumerate(choices):
                if not isinstance(choice, str) or not CHOICE_RE.match(choice) or len(choice) > CHOICE_MAX:
                    errors.add(
                        _(
                            "a choice is a lowercase code of letters, digits, “_”, “.” and “-”, at most %(n)d long"
                        )
                        % {"n": CHOICE_MAX},
                        field=f"{path}.choices[{k}]",
                        at=(*where, "choices"),
                    )
                elif choice in choices[:k]:
                    errors.add(_("choice listed twice"), field=f"{path}.choices[{k}]", at=(*where, "choices"))
    elif choices is not None:
        errors.add(_("only category fields have choices"), field=f"{path}.choices", at=(*where, "choices"))

    labels = spec.get("choice_labels")
    if labels is not None:
        if ftype != "category" or not isinstance(labels, dict):
            errors.add(
                _("a category field's choice labels are a mapping of choice to label"),
                field=f"{path}.choice_labels",
                at=(*where, "choice_labels"),
            )
        else:
            known = choices if isinstance(choices, list) else []
            for choice, label in labels.items():
                if choice not in known:
                    errors.add(
                        _("not one of the choices"),
                        field=f"{path}.choice_labels.{choice}",
                        at=(*where, "choice_labels"),
                    )
                elif not isinstance(label, str):
                    errors.add(
                        _("must be text"),
                        field=f"{path}.choice_labels.{choice}",
                        at=(*where, "choice_labels"),
                    )


def _normalise_field(spec: dict) -> dict:
    out = {
        "name": spec["name"],
        "type": spec["type"],
        "required": bool(spec.get("required", False)),
        "personal": bool(spec.get("personal", False)),
        "label": spec.get("label", ""),
    }
    for key in ("label_en", "min", "max"):
        if key in spec:
            out[key] = spec[key]
    if spec["type"] == "category":
        out["choices"] = list(spec["choices"])
        if spec.get("choice_labels"):
            out["choice_labels"] = dict(spec["choice_labels"])
    return out


def _definition(entry: dict) -> dict:
    """What the entry sets on its EventType (department as a code)."""
    return {
        "name": entry["name"],
        "name_en": entry.get("name_en") or "",
        "department": entry["department"],
        "family": entry["family"],
        "fields": [_normalise_field(f) for f in entry.get("fields") or []],
        "has_personal_data": bool(entry.get("has_personal_data", False)),
        "indicators": list(entry.get("indicators") or []),
    }


def _is_field(at: tuple) -> bool:
    """Whether `at` is the place of a field of an entry: (i, "fields", j)."""
    return len(at) == 3 and at[1] == "fields" and isinstance(at[2], int)


def _label(node: yaml.MappingNode, at: tuple, outer: str) -> str:
    """How an entry (its code, else its place) and its fields are named in the errors."""
    if len(at) == 1:
        code_node = next((v for k, v in node.value if k.value == "code"), None)
        return code_node.value if isinstance(code_node, yaml.ScalarNode) and code_node.value else f"[{at[0]}]"
    if _is_field(at):
        return f"{outer}.fields[{at[2]}]"
    return outer


def _line_map(root: yaml.Node | None, errors: Problems) -> Lines:
    """Lines of the entries, their keys and their fields; duplicate keys of an entry or a field
    are errors (YAML itself would silently keep the last one), the entry's before its fields'."""
    if not isinstance(root, yaml.SequenceNode):
        return {}
    lines, duplicates = yaml_lines(root, label=_label, depth=4)
    duplicates = [d for d in duplicates if len(d.at) == 1 or _is_field(d.at)]
    for d in sorted(duplicates, key=lambda d: (d.at[0], len(d.at))):
        errors.add(_("key given twice"), field=f"{d.label}.{d.key}", line=d.line)
    return lines


def read_catalogue(path: Path = DEFAULT_PATH) -> list[dict]:
    """Parse and validate a catalogue file; return its entries."""
    path = Path(path)
    errors = Problems(path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.add(_("the file is not UTF-8; save it as UTF-8"), field="-")
        errors.raise_if_any(CatalogueError)
        raise  # unreachable
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        entries = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        errors.add(_("not valid YAML: %(problem)s") % {"problem": problem}, field="-", line=line)
        errors.raise_if_any(CatalogueError)
        raise  # unreachable
    lines = _line_map(root, errors)
    errors.raise_if_any(CatalogueError)
    validate_catalogue(entries if entries is not None else [], filename=path.name, lines=lines)
    return entries or []


def load_catalogue(path: Path = DEFAULT_PATH, *, actor_username: str = "") -> tuple[int, int]:
    """Create or update the event types of a catalogue file; return (created, updated).

    Nothing is written unless the whole file is valid. Running it twice changes nothing. A type
    whose definition changed gets version + 1 and a new `EventTypeVersion`; types not in the
    file are left alone. `is_active` is only changed when the entry gives it."""
    from zhili.hub.models import EventType, EventTypeVersion
    from zhili.org.models import Department

    entries = read_catalogue(path)
    departments = {d.code: d for d in Department.objects.all()}
    created = updated = 0
    with transaction.atomic():
        existing = {t.code: t for t in EventType.objects.select_related("department").select_for_update()}
        for entry in entries:
            definition = _definition(entry)
            event_type = existing.get(entry["code"])
            if event_type is None:
                event_type = EventType(code=entry["code"], version=1, is_active=entry.get("is_active", True))
                _apply(event_type, definition, departments)
                event_type.save()
                created += 1
            else:
                before = event_type.snapshot()
                _apply(event_type, definition, departments)
                if "is_active" in entry:
                    event_type.is_active = entry["is_active"]
                if event_type.snapshot() == before:
                    continue
                event_type.version += 1
                event_type.save()
                updated += 1
            EventTypeVersion.objects.create(
                event_type=event_type,
                version=event_type.version,
                snapshot=event_type.snapshot(),
                changed_by=actor_username,
            )
    return created, updated


def _apply(event_type, definition: dict, departments: dict) -> None:
    event_type.name = definition["name"]
    event_type.name_en = definition["name_en"]
    event_type.department = departments[definition["department"]]
    event_type.family = definition["family"]
    event_type.fields = definition["fields"]
    event_type.has_personal_data = definition["has_personal_data"]
    event_type.indicators = definition["indicators"]


def field_specs(event_type) -> dict[str, dict]:
    """The fields of an event type (or of a version's snapshot), by name, for validators."""
    fields = event_type["fields"] if isinstance(event_type, dict) else event_type.fields
    return {spec["name"]: dict(spec) for spec in fields or []}


def field_items(event_type, fields: dict, *, english: bool = False) -> list[tuple[str, str, Any]]:
    """An event's fields as people read them: (name, label, value) in the catalogue's order,
    the field's label for its name and a category's label for its code ("信访形式: 来访", not
    "category: visit"). In English the English label where the catalogue has one, else the name
    and the code. Fields the type does not declare come last, under their names."""
    specs = field_specs(event_type)
    out = []
    for name, spec in specs.items():
        if name not in fields:
            continue
        value = fields[name]
        if english:
            label = spec.get("label_en") or name
        else:
            label = spec.get("label") or name
            value = (spec.get("choice_labels") or {}).get(value, value) if isinstance(value, str) else value
        out.append((name, label, value))
    out += [(name, name, value) for name, value in sorted(fields.items()) if name not in specs]
    return out
