"""The checks every part of a definition shares: the errors collected (`zhili.core.problems`), the
base of the parser (text, choices, keys, codes) and the measure, which a leaf, a veto rule and a
deduction rule all give."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from zhili.core.problems import Problems

from .model import (
    AGGS,
    CODE_MAX,
    CODE_RE,
    FRACTION_RE,
    MEASURE_FIELDS,
    NAME_MAX,
    Lines,
)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_code(v: Any) -> bool:
    return isinstance(v, str) and bool(CODE_RE.match(v)) and len(v) <= CODE_MAX


def _choices(items: Iterable[str]) -> str:
    return ", ".join(items)


class _Checker:
    def __init__(self, filename: str, lines: Lines | None, event_types: Iterable[str] | Mapping):
        self.errors = Problems(filename, lines=lines)
        self.types = set(event_types)
        # With a mapping (code → the type's `fields`), fields and categories are checked too.
        self.fields: dict[str, dict[str, dict]] | None = None
        if isinstance(event_types, Mapping):
            self.fields = {
                code: {f["name"]: f for f in (specs or []) if isinstance(f, dict) and "name" in f}
                for code, specs in event_types.items()
            }

    def err(self, where: tuple, path: str, field: str, reason: str) -> None:
        self.errors.add(reason, path=path, field=field, at=where)

    def text(self, raw: dict, key: str, where: tuple, path: str, *, required: bool = False) -> str:
        value = raw.get(key)
        if value in (None, ""):
            if required:
                self.err(where, path, key, _("required"))
            return ""
        if not isinstance(value, str):
            self.err((*where, key), path, key, _("must be text"))
            return ""
        if key == "name" and len(value) > NAME_MAX:
            self.err((*where, key), path, key, _("longer than %(n)d characters") % {"n": NAME_MAX})
        return value

    def choice(
        self, raw: dict, key: str, options: tuple, where: tuple, path: str, prefix: str = "", default=None
    ) -> str | None:
        value = raw.get(key)
        if value is None:
            if default is None:
                self.err(where, path, prefix + key, _("required"))
            return default
        if value not in options:
            self.err(
                (*where, key),
                path,
                prefix + key,
                _("unknown value “%(value)s”; use one of %(options)s")
                % {"value": value, "options": _choices(options)},
            )
            return default
        return value

    def keys(self, raw: dict, allowed: Iterable[str], where: tuple, path: str, prefix: str = "") -> None:
        allowed = tuple(allowed)
        for key in raw:
            if key == "ref":
                self.err(
                    (*where, key), path, prefix + key, _("references are not supported; write the node out")
                )
            elif key not in allowed:
                self.err((*where, key), path, prefix + str(key), _("unknown key"))

    def _code_reason(self) -> str:
        return _(
            "a code is a lowercase slug of letters, digits and “_”, starting with a letter, at most %(n)d long"
        ) % {"n": CODE_MAX}

    def measure(self, spec: dict, where: tuple, path: str, prefix: str) -> dict | None:
        """A measure: given as its own mapping on a leaf, or inline in a veto or deduction rule."""
        types, ok = self._measure_types(spec, where, path, prefix)
        name = spec.get("field")
        agg = spec.get("agg", "sum" if name is not None else "count")
        if agg not in AGGS:
            self.err(
                (*where, "agg"),
                path,
                prefix + "agg",
                _("unknown value “%(value)s”; use one of %(options)s")
                % {"value": agg, "options": _choices(AGGS)},
            )
            return None
        if agg == "count" and name is not None:
            self.err(
                (*where, "field"),
                path,
                prefix + "field",
                _("a count takes no field; use agg: sum to add one up"),
            )
            return None
        if agg != "count" and name is None:
            self.err(where, path, prefix + "field", _("required for agg: %(agg)s") % {"agg": agg})
            return None
        if name is not None and name not in MEASURE_FIELDS:
            self.err(
                (*where, "field"),
                path,
                prefix + "field",
                _("“%(name)s” is not a measure column; use one of %(options)s")
                % {"name": name, "options": _choices(MEASURE_FIELDS)},
            )
            return None
        categories = spec.get("categories")
        if categories is not None and (
            not isinstance(categories, list)
            or not categories
            or not all(isinstance(c, str) for c in categories)
        ):
            self.err((*where, "categories"), path, prefix + "categories", _("a list of category codes"))
            return None
        if ok and self.fields is not None:
            ok = self._measure_fields(types, name, categories, where, path, prefix)
        return (
            {"event_types": list(types), "field": name, "agg": agg, "categories": list(categories or [])}
            if ok
            else None
        )

    def _measure_types(self, spec: dict, where: tuple, path: str, prefix: str) -> tuple[list, bool]:
        """The event types of a measure, and whether they are all known, each once."""
        types = spec.get("event_types")
        ok = True
        if not isinstance(types, list) or not types:
            self.err((*where, "event_types"), path, prefix + "event_types", _("a list of event type codes"))
            types, ok = [], False
        for k, code in enumerate(types):
            if not isinstance(code, str) or code not in self.types:
                self.err(
                    (*where, "event_types", k),
                    path,
                    f"{prefix}event_types[{k}]",
                    _("unknown event type “%(code)s”: not in the catalogue") % {"code": code},
                )
                ok = False
            elif code in types[:k]:
                self.err((*where, "event_types", k), path, f"{prefix}event_types[{k}]", _("listed twice"))
                ok = False
        return types, ok

    def _measure_fields(
        self, types: list, name: str | None, categories: list | None, where: tuple, path: str, prefix: str
    ) -> bool:
        """Whether every event type of a measure has its field and its categories."""
        ok = True
        for code in types:
            fields = (self.fields or {}).get(code, {})
            if name not in (None, "quantity") and name not in fields:
                self.err(
                    (*where, "field"),
                    path,
                    prefix + "field",
                    _("event type “%(type)s” has no field “%(name)s”") % {"type": code, "name": name},
                )
                ok = False
            choices = (fields.get("category") or {}).get("choices")
            for c in categories or []:
                if "category" not in fields or (choices and c not in choices):
                    self.err(
                        (*where, "categories"),
                        path,
                        prefix + "categories",
                        _("“%(c)s” is not a category of “%(type)s”") % {"c": c, "type": code},
                    )
                    ok = False
        return ok


def _first(band: Any) -> Any:
    return band[0] if isinstance(band, list) and band else None


def _fraction(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str) and (m := FRACTION_RE.match(value)):
        den = float(m.group(2)) if m.group(2) else 1.0
        return float(m.group(1)) / den if den else None
    return None
