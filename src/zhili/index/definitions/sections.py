"""The definition's sections beside the tree: periods and units, grades and their streaks,
stars and vetoes, ranking peers and deductions."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils.translation import gettext as _

from .checks import _Checker, _choices, _first, _is_code, _is_number
from .model import MEASURE_KEYS, RANK_SCOPES, RANK_WITHIN, WEIGHT_TOLERANCE, Node


class _Sections(_Checker):
    def listed(self, data: dict, key: str, options: tuple, path: str) -> list[str]:
        values = data.get(key)
        if not values or not isinstance(values, list):
            self.err((key,), path, key, _("required: a list of %(options)s") % {"options": _choices(options)})
            return []
        for i, value in enumerate(values):
            if value not in options:
                self.err(
                    (key, i),
                    path,
                    f"{key}[{i}]",
                    _("unknown value “%(value)s”; use one of %(options)s")
                    % {"value": value, "options": _choices(options)},
                )
            elif value in values[:i]:
                self.err((key, i), path, f"{key}[{i}]", _("listed twice"))
        return list(values)

    def bands(self, spec: dict, where: tuple, path: str, prefix: str, label_ok) -> list[list] | None:
        bands = spec.get("bands")
        if not isinstance(bands, list) or len(bands) < 2:
            self.err(where, path, prefix + "bands", _("a list of at least two [minimum, grade] pairs"))
            return None
        ok = True
        for i, band in enumerate(bands):
            here, name = (*where, "bands", i), f"{prefix}bands[{i}]"
            last = i == len(bands) - 1
            if not isinstance(band, list) or len(band) != 2:
                self.err(here, path, name, _("a band is a pair [minimum, grade]"))
                ok = False
                continue
            low, label = band
            if last and low is not None:
                self.err(here, path, name, _("the last band has no minimum: write null"))
                ok = False
            elif not last and not _is_number(low):
                self.err(here, path, name, _("the minimum must be a number; only the last band has null"))
                ok = False
            elif not last and i and _is_number(prev := _first(bands[i - 1])) and low >= prev:
                self.err(here, path, name, _("minimums must decrease from band to band"))
                ok = False
            reason = label_ok(label, [b[1] for b in bands[:i] if isinstance(b, list) and len(b) == 2])
            if reason:
                self.err(here, path, name, reason)
                ok = False
        return [list(b) for b in bands] if ok else None

    def grades(self, spec: Any, path: str) -> dict | None:
        """Grades by absolute score bands; by the unit's place among its peers (quantiles); or by
        the total against the score a unit at its baselines gets (PAR, 80) ± a tolerance."""
        if spec is None:
            return None
        if not isinstance(spec, dict):
            self.err(("grades",), path, "grades", _("must be {method: bands, bands: [...]}"))
            return None
        method = spec.get("method", "bands")
        allowed = {
            "bands": ("bands",),
            "quantiles": ("quantiles", "grades"),
            "baseline": ("tolerance", "grades"),
        }
        self.keys(spec, ("method", "labels", *allowed.get(method, ())), ("grades",), path, "grades.")
        self.choice(spec, "method", tuple(allowed), ("grades",), path, "grades.")
        if method not in allowed:
            return None

        def label_ok(label, before):
            if not _is_code(label):
                return self._code_reason()
            return _("grade listed twice") if label in before else None

        out: dict[str, Any] = {"method": method}
        if method == "bands":
            bands = self.bands(spec, ("grades",), path, "grades.", label_ok)
            codes = [b[1] for b in bands or []]
            out["bands"] = bands
        else:
            codes = self.grade_list(spec, path, label_ok, 3 if method == "baseline" else None)
            if method == "quantiles":
                q = spec.get("quantiles")
                if (
                    not isinstance(q, list) or not q or not all(_is_number(v) and 0 < v < 1 for v in q)
                    or any(a <= b for a, b in itertools.pairwise(q))
                ):  # fmt: skip
                    self.err(("grades", "quantiles"), path, "grades.quantiles",
                             _("quantiles between 0 and 1, descending, e.g. [0.75, 0.5, 0.25]"))  # fmt: skip
                    codes = None
                elif codes is not None and len(codes) != len(q) + 1:
                    self.err(("grades", "grades"), path, "grades.grades", _("one more grade than quantiles"))
                    codes = None
                out["quantiles"] = q
            else:
                tol = spec.get("tolerance")
                if not _is_number(tol) or tol < 0:
                    self.err(
                        ("grades", "tolerance"), path, "grades.tolerance", _("a number of points, at least 0")
                    )
                    codes = None
                out["tolerance"] = tol
            out["grades"] = codes
        labels = spec.get("labels") or {}
        if not isinstance(labels, dict):
            self.err(("grades", "labels"), path, "grades.labels", _("a mapping of grade to name"))
            labels = {}
        for grade, label in labels.items():
            if codes is not None and grade not in codes:
                self.err(("grades", "labels"), path, f"grades.labels.{grade}", _("not one of the grades"))
            elif not isinstance(label, str):
                self.err(("grades", "labels"), path, f"grades.labels.{grade}", _("must be text"))
        out["labels"] = dict(labels)
        out["codes"] = codes
        return out if codes else None

    def grade_list(self, spec: dict, path: str, label_ok, size: int | None) -> list[str] | None:
        grades = spec.get("grades")
        if not isinstance(grades, list) or len(grades) < 2 or (size and len(grades) != size):
            reason = (
                _("a list of %(n)d grades, best first") % {"n": size}
                if size
                else _("a list of grades, best first")
            )
            self.err(("grades", "grades"), path, "grades.grades", reason)
            return None
        for i, g in enumerate(grades):
            if reason := label_ok(g, grades[:i]):
                self.err(("grades", "grades", i), path, f"grades.grades[{i}]", reason)
                return None
        return list(grades)

    def streaks(self, spec: Any, grades: dict | None, path: str) -> dict | None:
        if spec is None:
            return None
        where = ("streaks",)
        if not isinstance(spec, dict):
            self.err(where, path, "streaks", _("must be {colour: grade, levels: {count: action}}"))
            return None
        self.keys(spec, ("colour", "levels"), where, path, "streaks.")
        colour = spec.get("colour")
        if grades is None:
            self.err(where, path, "streaks", _("streaks need grades"))
        elif colour not in grades["codes"]:
            self.err((*where, "colour"), path, "streaks.colour", _("not one of the grades"))
        levels = spec.get("levels")
        out: dict[int, str] = {}
        if not isinstance(levels, dict) or not levels:
            self.err(where, path, "streaks.levels", _("a mapping of consecutive periods to an action"))
            return None
        for count, action in levels.items():
            n = int(count) if isinstance(count, str) and count.isdigit() else count
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                self.err((*where, "levels"), path, f"streaks.levels.{count}", _("a whole number of periods"))
            elif not _is_code(action):
                self.err((*where, "levels"), path, f"streaks.levels.{count}", self._code_reason())
            else:
                out[n] = action
        return {"colour": colour, "levels": dict(sorted(out.items()))}

    def stars(self, spec: Any, path: str) -> dict | None:
        if spec is None:
            return None
        where = ("stars",)
        if not isinstance(spec, dict):
            self.err(where, path, "stars", _("must be {method: rank_share | bands, ...}"))
            return None
        method = self.choice(spec, "method", ("rank_share", "bands"), where, path, "stars.")
        if method == "rank_share":
            self.keys(spec, ("method", "shares"), where, path, "stars.")
            shares = spec.get("shares")
            if not isinstance(shares, list) or len(shares) < 2:
                self.err(where, path, "stars.shares", _("a list of at least two shares, most stars first"))
                return None
            bad = [i for i, s in enumerate(shares) if not _is_number(s) or not 0 < s <= 1]
            for i in bad:
                self.err(
                    (*where, "shares", i), path, f"stars.shares[{i}]", _("a share is a number in (0, 1]")
                )
            if not bad and abs(sum(shares) - 1) > WEIGHT_TOLERANCE:
                self.err(
                    (*where, "shares"),
                    path,
                    "stars.shares",
                    _("the shares sum to %(sum)s, not 1") % {"sum": f"{sum(shares):.6g}"},
                )
            return None if bad else {"method": method, "shares": list(shares), "count": len(shares)}
        if method == "bands":
            self.keys(spec, ("method", "bands"), where, path, "stars.")

            def stars_ok(value, before):
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    return _("stars are a whole number, at least 1")
                if before and isinstance(before[-1], int) and value >= before[-1]:
                    return _("stars must decrease from band to band")
                return None

            bands = self.bands(spec, where, path, "stars.", stars_ok)
            return {"method": method, "bands": bands, "count": bands[0][1]} if bands else None
        return None

    def veto(self, spec: Any, stars: dict | None, path: str) -> list[dict]:
        if spec is None:
            return []
        if not isinstance(spec, list):
            self.err(("veto",), path, "veto", _("must be a list of rules"))
            return []
        if stars is None:
            self.err(("veto",), path, "veto", _("a veto caps stars: the definition needs stars"))
        out, seen = [], set()
        for i, rule in enumerate(spec):
            where, prefix = ("veto", i), f"veto[{i}]."
            if not isinstance(rule, dict):
                self.err(where, path, f"veto[{i}]", _("a rule must be a mapping of keys to values"))
                continue
            self.keys(rule, ("code", "name", *MEASURE_KEYS, "at_least", "cap"), where, path, prefix)
            code = self.rule_code(rule, seen, where, path, prefix)
            measure = self.measure(rule, where, path, prefix)
            at_least = rule.get("at_least", 1)
            if not _is_number(at_least) or at_least <= 0:
                self.err((*where, "at_least"), path, prefix + "at_least", _("a positive number"))
            cap = rule.get("cap")
            top = stars["count"] if stars else None
            if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1 or (top and cap >= top):
                self.err(
                    (*where, "cap"),
                    path,
                    prefix + "cap",
                    _("the most stars left: a whole number below the top"),
                )
            out.append(
                {
                    "code": code,
                    "name": rule.get("name", ""),
                    "measure": measure,
                    "at_least": at_least,
                    "cap": cap,
                }
            )
        return out

    def rule_code(self, rule: dict, seen: set, where: tuple, path: str, prefix: str) -> str | None:
        """The code of a veto or deduction rule (and a check of its name)."""
        if not isinstance(rule.get("name", ""), str):
            self.err((*where, "name"), path, prefix + "name", _("must be text"))
        code = rule.get("code")
        if not _is_code(code):
            self.err((*where, "code"), path, prefix + "code", self._code_reason())
            return None
        if code in seen:
            self.err((*where, "code"), path, prefix + "code", _("duplicate code"))
        seen.add(code)
        return code

    def ranking(self, spec: Any, path: str) -> dict | None:
        if spec is None:
            return None
        if not isinstance(spec, dict):
            self.err(
                ("ranking",),
                path,
                "ranking",
                _("must be {within: kind | level, scope: city | district | town}"),
            )
            return None
        self.keys(spec, ("within", "scope"), ("ranking",), path, "ranking.")
        return {
            "within": self.choice(spec, "within", RANK_WITHIN, ("ranking",), path, "ranking.", "kind"),
            "scope": self.choice(spec, "scope", RANK_SCOPES, ("ranking",), path, "ranking.", "city"),
        }

    def coverage(self, spec: Any, path: str) -> dict | None:
        """{minimum: share}: a unit whose measured leaves carry less than this share of the
        weight gets no grade (数据不全) — a colour is never earned by data that are missing."""
        if spec is None:
            return None
        if not isinstance(spec, dict):
            self.err(("coverage",), path, "coverage", _("must be {minimum: a share between 0 and 1}"))
            return None
        self.keys(spec, ("minimum",), ("coverage",), path, "coverage.")
        minimum = spec.get("minimum")
        if not _is_number(minimum) or not 0 < minimum <= 1:
            self.err(("coverage", "minimum"), path, "coverage.minimum", _("a share in (0, 1], e.g. 0.8"))
            return None
        return {"minimum": float(minimum)}

    def deductions(self, spec: Any, root: Node | None, path: str) -> list[dict]:
        if spec is None:
            return []
        if not isinstance(spec, list):
            self.err(("deductions",), path, "deductions", _("must be a list of rules"))
            return []
        paths = {n.path for n in root.walk()} if root else set()
        out, seen = [], set()
        for i, rule in enumerate(spec):
            where, prefix = ("deductions", i), f"deductions[{i}]."
            if not isinstance(rule, dict):
                self.err(where, path, f"deductions[{i}]", _("a rule must be a mapping of keys to values"))
                continue
            self.keys(rule, ("code", "name", *MEASURE_KEYS, "points", "cap", "node"), where, path, prefix)
            code = self.rule_code(rule, seen, where, path, prefix)
            measure = self.measure(rule, where, path, prefix)
            for key, required in (("points", True), ("cap", False)):
                value = rule.get(key)
                if (value is not None or required) and (not _is_number(value) or value <= 0):
                    self.err((*where, key), path, prefix + key, _("a positive number"))
            node = rule.get("node")
            if node is not None and (not isinstance(node, str) or f"{path}/{node}" not in paths):
                self.err((*where, "node"), path, prefix + "node", _("no node at this path below the root"))
            out.append(
                {
                    "code": code,
                    "name": rule.get("name", ""),
                    "measure": measure,
                    "points": rule.get("points"),
                    "cap": rule.get("cap"),
                    "node": f"{path}/{node}" if node else None,
                }
            )
        return out
