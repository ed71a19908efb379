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
    MAX_TRAILING,
    MEASURE_KEYS,
    MISSING_RULES,
    OPTIONAL_SCORING_PARAMS,
    PERIODS,
    REFERENCES,
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
        optional = OPTIONAL_SCORING_PARAMS.get(method, ())
        self.keys(
            spec, ("method", *params, *optional, *(("weight",) if part else ())), where, path, prefix + "."
        )
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
            if method == "poisson" and m and not _counts(m):
                self.err(
                    (*where, "method"),
                    path,
                    prefix + ".method",
                    _("poisson scores counts: agg count, or a sum of quantity, deaths or injuries"),
                )
                return None
        elif method == "ratio":
            return self.ratio(spec, where, path, prefix, node)
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

    def ratio(self, spec: dict, where: tuple, path: str, prefix: str, node: Node) -> dict | None:
        """{method: ratio, reference: {...}, alpha?} (see zhili/index/reference.py)."""
        ref = self.reference(spec["reference"], (*where, "reference"), path, prefix + ".reference")
        if ref is None:
            return None
        out: dict[str, Any] = {"method": "ratio", "reference": ref}
        if "window" in spec:
            if not _whole(spec["window"], 1, 31):
                self.err(
                    (*where, "window"), path, prefix + ".window", _("a whole number of periods, 1 to 31")
                )
                return None
            out["window"] = spec["window"]
        if "alpha" not in spec:
            return out
        alpha = spec["alpha"]
        if not _is_number(alpha) or not 0 < alpha < 0.5:
            self.err((*where, "alpha"), path, prefix + ".alpha", _("a probability in (0, 0.5), e.g. 0.001"))
            return None
        m = node.measure or {}
        if m and not _counts(m):
            self.err(
                (*where, "alpha"),
                path,
                prefix + ".alpha",
                _("alpha tests counts: agg count, or a sum of quantity, deaths or injuries"),
            )
            return None
        refs = [ref] if "method" in ref else list(ref.values())
        if not any(r["method"] == "trailing" for r in refs):
            self.err(
                (*where, "alpha"),
                path,
                prefix + ".alpha",
                _("alpha tests a count against a trailing reference"),
            )
            return None
        out["alpha"] = alpha
        return out

    def reference(self, spec: Any, where: tuple, path: str, field: str) -> dict | None:
        if isinstance(spec, dict) and "method" not in spec and spec and all(k in PERIODS for k in spec):
            out = {}
            for kind, sub in spec.items():  # one reference per period kind
                one = self.reference(sub, (*where, kind), path, f"{field}.{kind}")
                if one is None:
                    return None
                out[kind] = one
            return out
        method = spec.get("method") if isinstance(spec, dict) else None
        if method not in REFERENCES:
            self.err(
                where,
                path,
                field,
                _("a reference is {method: %(options)s, …}") % {"options": " | ".join(REFERENCES)},
            )
            return None
        self.keys(spec, ("method", *REFERENCES[method]), where, path, field + ".")
        if method == "fixed":
            value = spec.get("value")
            if not _is_number(value) or value <= 0:
                self.err((*where, "value"), path, field + ".value", _("a positive number"))
                return None
            return {"method": "fixed", "value": value}
        if method == "peers":
            history = self.per_period(
                spec.get("history", 12), 1, (*where, "history"), path, field + ".history"
            )
            spread, seasonal = spec.get("spread", 0.3), spec.get("seasonal", True)
            if history is None:
                return None
            if not _is_number(spread) or not 0 < spread <= 5:
                self.err(
                    (*where, "spread"), path, field + ".spread", _("a relative spread in (0, 5], e.g. 0.3")
                )
                return None
            if not isinstance(seasonal, bool):
                self.err((*where, "seasonal"), path, field + ".seasonal", _("must be true or false"))
                return None
            return {"method": "peers", "history": history, "spread": spread, "seasonal": seasonal}
        out: dict[str, Any] = {"method": "trailing", "seasonal": spec.get("seasonal", True)}
        for key, low, default in (("n", 2, None), ("guard", 0, 0)):
            value = self.per_period(spec.get(key, default), low, (*where, key), path, f"{field}.{key}")
            if value is None:
                return None
            out[key] = value
        if not isinstance(out["seasonal"], bool):
            self.err((*where, "seasonal"), path, field + ".seasonal", _("must be true or false"))
            return None
        return out

    def per_period(self, value: Any, low: int, where: tuple, path: str, field: str) -> int | dict | None:
        """A whole number of periods, or one per period kind ({day: 56, month: 12})."""
        if value is None:
            self.err(where, path, field, _("required"))
            return None
        if isinstance(value, dict):
            bad = [k for k in value if k not in PERIODS]
            if bad or not value or not all(_whole(v, low, MAX_TRAILING) for v in value.values()):
                self.err(
                    where,
                    path,
                    field,
                    _(
                        "a whole number of periods (at least %(low)d), or one per period kind: {day: 56, month: 12}"
                    )
                    % {"low": low},
                )
                return None
            return dict(value)
        if not _whole(value, low, MAX_TRAILING):
            self.err(where, path, field, _("a whole number of periods, at least %(low)d") % {"low": low})
            return None
        return value

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


def _counts(measure: dict) -> bool:
    """A measure of whole events or people: what a Poisson or negative binomial describes."""
    return measure["agg"] == "count" or (
        measure["agg"] == "sum" and measure["field"] in ("quantity", "deaths", "injuries")
    )


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
