"""Routing rules as data. A rule's `match` maps a declared attribute of the case to a value, a
list of values, or a range {"min": …, "max": …}; "unit" matches a unit-code prefix. The first
active rule by priority that matches decides; none → the intake desk (services.unrouted)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


@dataclass
class Verdict:
    rule: object
    matched: bool
    why: list[str]


def _number(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def check(rule, attributes: dict) -> Verdict:
    """Whether `rule` matches `attributes`, and why not."""
    why = []
    for key, want in (rule.match or {}).items():
        have = attributes.get(key)
        if key == "unit":
            prefixes = want if isinstance(want, list) else [want]
            ok = have is not None and any(str(have).startswith(str(p)) for p in prefixes)
        elif isinstance(want, dict):
            n = _number(have)
            lo, hi = want.get("min"), want.get("max")
            ok = n is not None and (lo is None or n >= _number(lo)) and (hi is None or n <= _number(hi))
        elif isinstance(want, list):
            ok = have in want or (not want)
        else:
            ok = have == want
        if not ok:
            why.append(
                _("%(key)s is %(have)s, the rule asks for %(want)s")
                % {"key": key, "have": have, "want": want}
            )
    return Verdict(rule, not why, why)


def route(rules, attributes: dict):
    """The first matching active rule, or None."""
    for rule in rules:
        if rule.is_active and check(rule, attributes).matched:
            return rule
    return None


def preview(rules, attributes: dict) -> list[Verdict]:
    """Every rule in order with whether it matches and why not; the first match decides."""
    return [check(rule, attributes) for rule in rules if rule.is_active]
