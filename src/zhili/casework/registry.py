"""Case types: what a module tells the kernel about its cases. Registered in the module's
AppConfig.ready(); checked at start-up (checks.py).

    register(CaseType(
        code="mediation", model="mediation.Case", prefix="TJ", department="justice",
        limits={"accept": "72 hours", "handle": "30 calendar_days"},
        closed_states={"signed", "failed", "withdrawn"},
        facts={"opened": "dispute.mediation_case", "closed": "dispute.mediation_outcome"},
        supervisors=lambda case: [...users...],     # who hears of an overdue case
        intake_desk=lambda case: [...users...],     # who gets a case no rule routes
        may=lambda actor, case, action: bool,       # who may move it
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

from zhili.casework.clocks import ClockError, Limit, parse_limit

_TYPES: dict[str, CaseType] = {}


@dataclass
class CaseType:
    code: str
    model: str  # "app_label.Model"
    prefix: str  # case numbers: PREFIX-YYYY-NNNNNN (number_format)
    number_format: str = "{prefix}-{year}-{n:06d}"
    department: str = ""  # the department its hub facts are delivered as
    limits: dict[str, object] = field(default_factory=dict)  # clock name → Limit (or "30 calendar_days")
    limit_labels: dict[str, str] = field(default_factory=dict)  # clock name → what people call it
    closed_states: set[str] = field(default_factory=set)
    facts: dict[str, str] = field(default_factory=dict)  # "opened" | "moved" | "closed" → hub event type
    fact_ids: dict[str, str] = field(default_factory=dict)  # what → source-id suffix (default: what)
    action_labels: dict[str, object] = field(default_factory=dict)  # transition → what people call it
    fact_fields: Callable | None = None  # (case, moment) → the fields of its hub facts
    supervisors: Callable | None = None  # case → users told when a clock runs out
    intake_desk: Callable | None = None  # case → users told when no rule routes it
    may: Callable | None = None  # (actor, case, action) → bool
    rule_model: str = ""  # "app_label.Model" of its RoutingRuleBase subclass
    notify: Callable | None = None  # (users, text) → send (text message, page alert)
    one_role_per_person: bool = False  # a person taking a new role on a case gives up the old one

    def __post_init__(self):
        limits = {}
        for name, value in self.limits.items():
            try:
                limits[name] = parse_limit(value)
            except ClockError as err:  # refused at start-up (AppConfig.ready), the limit named
                raise ClockError(f"case type {self.code}: limit {name}: {err}") from None
        self.limits = limits

    def limit(self, name: str) -> Limit:
        try:
            return self.limits[name]
        except KeyError:
            raise KeyError(f"{self.code} has no limit {name!r}; it has {sorted(self.limits)}") from None

    @property
    def case_model(self):
        return apps.get_model(self.model)


def register(case_type: CaseType) -> CaseType:
    _TYPES[case_type.code] = case_type
    return case_type


def unregister(code: str) -> None:
    _TYPES.pop(code, None)


def all_types() -> list[CaseType]:
    return list(_TYPES.values())


def type_of(case) -> CaseType:
    label = f"{case._meta.app_label}.{case._meta.object_name}"
    for t in _TYPES.values():
        if t.model.lower() == label.lower():
            return t
    raise LookupError(f"{label} is not a registered case type")
