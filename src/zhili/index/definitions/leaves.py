"""A leaf: its measure, denominator, direction, missing-feed rule and scoring (with blends and
baselines)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .checks import _Checker, _choices, _is_number
from .model import (
    BASELINES,
    BASELINES_WITH_N,
    DENOMINATORS,
    DIRECTIONS,
    MEASURE_KEYS,
    MISSING_RULES,
    SCORING_PARAMS,
    WEIGHT_TOLERANCE,
    Node,
)


class _Leaves(_Checker):
    def leaf(self, raw: dict, node: Node, where: tuple, path: str) -> None:
        spec = raw.get("measure")
        if not isinstance(spec, dict):
            self.err((*where, "measure"), path, "measure", _("must be {event_types: [...], field, agg}"))
        else:
            self.keys(spec, MEASURE_KEYS, (*where, "measure"), path, "measure.")
            node.measure = self.measure(spec, (*where, "measure"), path, "measure.")
        node.denominator = self.choice(raw, "denominator", DENOMINATORS, where, path, default="none")
        if node.measure and node.measure["agg"] == "mean" and node.denominator != "none":
            self.err(
                (*where, "denominator"),
                path,
                "denominator",
                _("an average is not divided by a population; use none"),
            )
        node.direction = self.choice(raw, "direction", DIRECTIONS, where, path)
        node.missing = self.choice(raw, "missing", MISSING_RULES, where, path, default="incomplete")
        if "scoring" not in raw:
            self.err(where, path, "scoring", _("required"))
        else:
            node.scoring = self.scoring(raw["scoring"], (*where, "scoring"), path, "scoring", node)
        if node.measure is None:  # keep is_leaf true for a leaf whose measure was refused
            node.measure = {}

    def scoring(
        self, spec: Any, where: tuple, path: str, prefix: str, node: Node, *, part: bool = False
    ) -> dict | None:
        if not isinstance(spec, dict):
            self.err(where, path, prefix, _("must be {method: ..., ...}"))
            return None
        method = spec.get("method")
        options = [m for m in SCORING_PARAMS if not (part and m == "blend")]
        if method not in options:
            self.err(
                (*where, "method"),
                path,
                prefix + ".method",
                _("unknown scoring method “%(value)s”; use one of %(options)s")
                % {"value": method, "options": _choices(options)},
            )
            return None
        params = SCORING_PARAMS[method]
        self.keys(spec, ("method", *params, *(("weight",) if part else ())), where, path, prefix + ".")
        missing = [p for p in params if p not in spec]
        for p in missing:
            self.err(where, path, f"{prefix}.{p}", _("required"))
        if missing:
            return None
        out: dict[str, Any] = {"method": method}
        if method == "goalposts":
            worst, best = spec["worst"], spec["best"]
            if not _is_number(worst) or not _is_number(best) or worst == best:
                self.err(where, path, prefix, _("worst and best are two different numbers"))
                return None
            if node.direction and (best < worst) != (node.direction == "lower_is_better"):
                self.err(
                    (*where, "best"), path, prefix + ".best", _("best and worst contradict the direction")
                )
                return None
            out.update(worst=worst, best=best)
        elif method in ("baseline_ratio", "poisson"):
            baseline = self.baseline(spec["baseline"], (*where, "baseline"), path, prefix + ".baseline")
            if baseline is None:
                return None
            out["baseline"] = baseline
            m = node.measure or {}
            if (
                method == "poisson"
                and m
                and not (
                    m["agg"] == "count"
                    or (m["agg"] == "sum" and m["field"] in ("quantity", "deaths", "injuries"))
                )
            ):
                self.err(
                    (*where, "method"),
                    path,
                    prefix + ".method",
                    _("poisson scores counts: agg count, or a sum of quantity, deaths or injuries"),
                )
                return None
        elif method == "deduction":
            if not _is_number(spec["points"]) or spec["points"] <= 0:
                self.err((*where, "points"), path, prefix + ".points", _("a positive number"))
                return None
            if node.direction != "lower_is_better":
                self.err(where, path, prefix + ".method", _("a deduction scores lower_is_better leaves"))
                return None
            out["points"] = spec["points"]
        elif method == "blend":
            return self.blend(spec["parts"], (*where, "parts"), path, prefix + ".parts", node)
        return out

    def blend(self, parts: Any, where: tuple, path: str, prefix: str, node: Node) -> dict | None:
        if not isinstance(parts, list) or len(parts) < 2:
            self.err(where, path, prefix, _("a list of at least two scorings with weights"))
            return None
        out, weights = [], []
        for i, spec in enumerate(parts):
            scored = self.scoring(spec, (*where, i), path, f"{prefix}[{i}]", node, part=True)
            w = spec.get("weight") if isinstance(spec, dict) else None
            if not _is_number(w) or not 0 < w <= 1:
                self.err((*where, i), path, f"{prefix}[{i}].weight", _("a weight is a number in (0, 1]"))
                return None
            if scored is None:
                return None
            out.append({"weight": w, **scored})
            weights.append(w)
        if abs(sum(weights) - 1) > WEIGHT_TOLERANCE:
            self.err(
                where,
                path,
                prefix,
                _("the weights of the parts sum to %(sum)s, not 1") % {"sum": f"{sum(weights):.6g}"},
            )
            return None
        return {"method": "blend", "parts": out}

    def baseline(self, spec: Any, where: tuple, path: str, field: str) -> dict | None:
        if isinstance(spec, str):
            spec = {"method": spec}
        method = spec.get("method") if isinstance(spec, dict) else None
        if method not in (*BASELINES, *BASELINES_WITH_N):
            self.err(
                where,
                path,
                field,
                _("unknown baseline; use one of %(options)s, or {method: mean_last_n | n_year_average, n}")
                % {"options": _choices(BASELINES)},
            )
            return None
        if method in BASELINES:
            self.keys(spec, ("method",), where, path, field + ".")
            return {"method": method}
        self.keys(spec, ("method", "n"), where, path, field + ".")
        n = spec.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            self.err(where, path, field + ".n", _("a whole number of periods or years, at least 1"))
            return None
        return {"method": method, "n": n}
