"""Index definitions: versioned trees of groups → indicators → leaves.

The shipped definitions are YAML files in `data/` (`load_shipped`); cities edit copies stored in
the database, which go through the same `parse`. Nothing is scored from a definition that has not
passed it: a refusal names the node by its path (``pingan_plus/stability/petitions``), the key
and, for a file, the line. A definition's version is the sha256 of its canonical JSON
(`Definition.content_hash`), so a stored score can always name the tree it came from.

Schema (every key not listed here is refused; `ref` keys too: write a node out in full)::

    code: pingan_plus              # lowercase slug; the first segment of every node path
    name: 平安+指数
    name_en: Ping'an+ index          # optional, like `description`, here and on every node
    periods: [day, month]          # day | dekad | week | month | quarter | year; a `day` index
                                   #   uses the daily tree only (see `daily`)
    units: [town, district, city]  # unit levels scored: city | district | town | village | grid
    grades:                        # optional: score bands, highest first, the last one open
      method: bands
      bands: [[90, blue], [80, yellow], [70, orange], [null, red]]
      labels: {blue: 优秀, yellow: 良好, orange: 平稳, red: 较差}    # optional
    streaks:                       # optional: consecutive periods in one grade → what follows
      colour: red                  #   a grade code
      levels: {3: warning, 4: summons, 5: accountability}
    deductions:                    # optional: points off a score for each counted unit
      - {code: fire_deaths, name: 火灾死亡, event_types: [fire.fire], field: deaths, agg: sum,
         points: 2, cap: 10, node: fire}    # node: a path below the root; absent: the total
    stars:                         # optional: stars for the scored units, most stars first
      method: rank_share           #   shares of the ranked units per star, summing to 1
      shares: [0.35, 0.25, 0.2, 0.15, 0.05]
      # or: {method: bands, bands: [[90, 5], [80, 4], [70, 3], [60, 2], [null, 1]]}
    veto:                          # optional, needs stars: at_least (default 1) counted → cap
      - {code: homicide, event_types: [police.homicide], field: deaths, agg: sum, cap: 3}
    ranking: {within: kind, scope: city}   # optional: peers for ranks, rank shares, peer medians;
                                           #   within: kind | level; scope: city | district | town
    weights: …, aggregation: …, children: [...]   # the first level, as on a group

A node is a group (`children`) or a leaf (`measure`), never both::

    - code: stability              # slug, unique among its siblings
      name: 社会稳定
      weight: 0.1                  # in (0, 1]; a group's children sum to 1 ± 1e-9, unless the
                                   #   group says `weights: {method: ahp, matrix: [[1, 3], [1/3, 1]]}`
                                   #   (n × n for its n children in order; positive, reciprocal,
                                   #   consistency ratio below 0.1; fractions may be written 1/3)
      aggregation: arithmetic      # group only: arithmetic (default) | geometric
      daily: true                  # the node and its subtree belong to the daily index; a node
                                   #   below may say false; true below an explicit false is refused
      indicator: petitions         # optional: the catalogue indicator (hub.catalogue.INDICATORS)
      children:
        - code: petitions          # a leaf
          name: 信访事项
          weight: 0.5
          measure: {event_types: [petition.case], field: quantity, agg: sum}
              # agg: count (of events; no field) | sum | mean, of field: quantity | deaths |
              #   injuries | amount | value; categories: [..] keeps events of those categories.
              #   Default agg: sum with a field, else count.
          denominator: per_10k_residents  # per_10k_residents | per_1k_residents | per_gdp |
                                          #   per_vehicles | none (default; the only one for mean)
          direction: lower_is_better      # | higher_is_better
          scoring: {method: poisson, baseline: same_period_last_year}
          missing: carry_last             # a feed not delivered: carry_last | peer_median |
                                          #   incomplete (default: the score is marked incomplete)

Scoring methods (scores run 0–100): goalposts {worst, best} (linear between, clipped);
baseline_ratio {baseline} (the value against a baseline); poisson {baseline} (counts only: how
unlikely the count is given the baseline); minmax, zscore, rank (against the peer units; no
parameters); deduction {points} (100 − points × value, lower_is_better only); blend {parts: [{weight,
method, …}, …]} (a weighted mean of other methods, weights summing to 1). A baseline is
same_period_last_year, previous_period, peer_median (the median of the peers, see `ranking`),
{method: mean_last_n, n} (the n periods just before) or {method: n_year_average, n} (the mean per
period of the previous n calendar years).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.hub.catalogue import INDICATORS

DATA_DIR = Path(__file__).parent / "data"
SHIPPED = ("pingan_plus", "huizhou_style", "star_rating")

PERIODS = ("day", "dekad", "week", "month", "quarter", "year")
UNIT_LEVELS = ("city", "district", "town", "village", "grid")
MEASURE_FIELDS = ("quantity", "deaths", "injuries", "amount", "value")
AGGS = ("count", "sum", "mean")
DENOMINATORS = ("per_10k_residents", "per_1k_residents", "per_gdp", "per_vehicles", "none")
DIRECTIONS = ("lower_is_better", "higher_is_better")
MISSING_RULES = ("carry_last", "peer_median", "incomplete")
AGGREGATIONS = ("arithmetic", "geometric")
SCORING_PARAMS: dict[str, tuple[str, ...]] = {
    "goalposts": ("worst", "best"),
    "baseline_ratio": ("baseline",),
    "poisson": ("baseline",),
    "minmax": (),
    "zscore": (),
    "rank": (),
    "deduction": ("points",),
    "blend": ("parts",),
}
BASELINES = ("same_period_last_year", "previous_period", "peer_median")
BASELINES_WITH_N = ("mean_last_n", "n_year_average")
RANK_WITHIN = ("kind", "level")
RANK_SCOPES = ("city", "district", "town")
# Saaty's random consistency index by matrix size; n ≤ 2 is always consistent.
RANDOM_INDEX = {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
CR_LIMIT = 0.1
WEIGHT_TOLERANCE = 1e-9
RECIPROCAL_TOLERANCE = 1e-3  # 0.333 for 1/3 passes; 0.3 does not
MAX_DEPTH = 10
MAX_ERRORS = 50

TOP_KEYS = (
    "code", "name", "name_en", "description", "periods", "units", "grades", "streaks",
    "deductions", "stars", "veto", "ranking", "weights", "aggregation", "children",
)  # fmt: skip
COMMON_NODE_KEYS = ("code", "name", "name_en", "description", "weight", "daily", "indicator")
GROUP_KEYS = ("weights", "aggregation", "children")
LEAF_KEYS = ("measure", "denominator", "direction", "scoring", "missing")
MEASURE_KEYS = ("event_types", "field", "agg", "categories")

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FRACTION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?)\s*)?$")
CODE_MAX = 64
NAME_MAX = 100


class DefinitionError(ZhiliError):
    code = "invalid_definition"


# Line numbers by where a value sits in the data: ("children", 0, "measure", "field") → line.
Lines = dict[tuple, int]


@dataclass
class Node:
    """One node of a tree. `weight` is the share of the parent (given, or from the parent's AHP
    matrix); `daily` is the effective flag (inherited unless the node says otherwise); `weights`
    keeps the AHP matrix with its consistency ratio for explanations."""

    code: str
    name: str
    name_en: str = ""
    description: str = ""
    path: str = ""
    depth: int = 0
    weight: float = 1.0
    children: list[Node] = field(default_factory=list)
    measure: dict | None = None
    denominator: str | None = None
    direction: str | None = None
    scoring: dict | None = None
    missing: str | None = None
    daily: bool = False
    aggregation: str | None = None
    weights: dict | None = None
    indicator: str | None = None

    @property
    def is_leaf(self) -> bool:
        return self.measure is not None

    def walk(self) -> Iterator[Node]:
        """This node and every node below, depth first, in order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def leaves(self) -> list[Node]:
        return [n for n in self.walk() if n.is_leaf]


@dataclass
class Definition:
    code: str
    name: str
    name_en: str
    description: str
    periods: list[str]
    units: list[str]
    grades: dict | None
    streaks: dict | None
    deductions: list[dict]
    stars: dict | None
    veto: list[dict]
    ranking: dict | None
    root: Node
    raw: dict

    @cached_property
    def content_hash(self) -> str:
        """The version's identity: sha256 of the canonical JSON of `raw`."""
        return hashlib.sha256(canonical_json(self.raw).encode("utf-8")).hexdigest()

    def walk(self) -> Iterator[Node]:
        return self.root.walk()

    def leaves(self) -> list[Node]:
        return self.root.leaves()

    def find(self, path: str) -> Node | None:
        """The node at a full path (``pingan_plus/stability``) or one relative to the root."""
        if not path.startswith(self.code + "/") and path != self.code:
            path = f"{self.code}/{path}"
        return next((n for n in self.walk() if n.path == path), None)

    def daily_tree(self) -> Node | None:
        """The tree a `day` index computes: the daily leaves and the groups above them, each
        group's kept children reweighted to sum to 1 (w / Σ kept w, so the proportions of the full
        tree stay). None when no leaf is daily."""

        def keep(node: Node) -> Node | None:
            if node.is_leaf:
                return replace(node) if node.daily else None
            kept = [k for k in (keep(c) for c in node.children) if k is not None]
            if not kept:
                return None
            total = sum(k.weight for k in kept)
            return replace(node, children=[replace(k, weight=k.weight / total) for k in kept])

        return keep(self.root)


def canonical_json(raw: Any) -> str:
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def ahp_weights(matrix: Iterable[Iterable[float]]) -> tuple[list[float], float, float]:
    """(weights, λmax, consistency ratio) of a pairwise comparison matrix: the principal
    eigenvector normalised to sum 1, CI = (λmax − n) / (n − 1), CR = CI / RI (Saaty)."""
    a = np.asarray([list(row) for row in matrix], dtype=float)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lambda_max = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    cr = 0.0 if n <= 2 else max(0.0, (lambda_max - n) / (n - 1) / RANDOM_INDEX[n])
    return [float(x) for x in w], lambda_max, cr


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_code(v: Any) -> bool:
    return isinstance(v, str) and bool(CODE_RE.match(v)) and len(v) <= CODE_MAX


def _choices(items: Iterable[str]) -> str:
    return ", ".join(items)


class _Errors:
    def __init__(self, filename: str, lines: Lines | None):
        self.filename = filename
        self.lines = lines or {}
        self.items: list[dict[str, Any]] = []

    def add(self, where: tuple, path: str, field: str, reason: str, *, line: int | None = None) -> None:
        item: dict[str, Any] = {"file": self.filename}
        if line is None:  # the most precise line known: the value, else its mapping, else above
            line = next(
                (self.lines[where[:n]] for n in range(len(where), 0, -1) if where[:n] in self.lines), None
            )
        if line is not None:
            item["line"] = line
        item.update(path=path, field=field, reason=reason)
        self.items.append(item)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        where = self.filename + (f":{first['line']}" if first.get("line") else "")
        message = _("%(where)s: %(path)s, “%(field)s”: %(reason)s") % {
            "where": where,
            "path": first["path"],
            "field": first["field"],
            "reason": first["reason"],
        }
        if len(self.items) > 1:
            message += " " + _("(and %(n)d more errors)") % {"n": len(self.items) - 1}
        raise DefinitionError(message, details=self.items[:MAX_ERRORS])


class _Parser:
    def __init__(self, filename: str, lines: Lines | None, event_types: Iterable[str] | Mapping):
        self.errors = _Errors(filename, lines)
        self.types = set(event_types)
        # With a mapping (code → the type's `fields`), fields and categories are checked too.
        self.fields: dict[str, dict[str, dict]] | None = None
        if isinstance(event_types, Mapping):
            self.fields = {
                code: {f["name"]: f for f in (specs or []) if isinstance(f, dict) and "name" in f}
                for code, specs in event_types.items()
            }

    def err(self, where: tuple, path: str, field: str, reason: str) -> None:
        self.errors.add(where, path, field, reason)

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

    # --- the definition -------------------------------------------------------------------------
    def definition(self, data: Any) -> Definition | None:
        if not isinstance(data, dict):
            self.err((), "-", "-", _("a definition must be a mapping of keys to values"))
            return None
        code = data.get("code")
        path = code if _is_code(code) else "-"
        if code in (None, ""):
            self.err((), path, "code", _("required"))
        elif not _is_code(code):
            self.err(("code",), path, "code", self._code_reason())
        self.keys(data, TOP_KEYS, (), path)
        name = self.text(data, "name", (), path, required=True)
        periods = self.listed(data, "periods", PERIODS, path)
        units = self.listed(data, "units", UNIT_LEVELS, path)
        grades = self.grades(data.get("grades"), path)
        streaks = self.streaks(data.get("streaks"), grades, path)
        stars = self.stars(data.get("stars"), path)
        veto = self.veto(data.get("veto"), stars, path)
        ranking = self.ranking(data.get("ranking"), path)
        root = self.node(data, (), path, depth=0, daily_off=False, parent_daily=False, stack=())
        deductions = self.deductions(data.get("deductions"), root, path)
        if root is not None and "day" in periods and not any(n.daily for n in root.leaves()):
            self.err(("periods",), path, "periods", _("a day index needs leaves marked daily: true"))
        self.errors.raise_if_any()
        raw = json.loads(json.dumps(data, ensure_ascii=False, default=str))  # the stored form
        return Definition(
            code=code,
            name=name,
            name_en=self.text(data, "name_en", (), path),
            description=self.text(data, "description", (), path),
            periods=periods,
            units=units,
            grades=grades,
            streaks=streaks,
            deductions=deductions,
            stars=stars,
            veto=veto,
            ranking=ranking,
            root=root,
            raw=raw,
        )

    def _code_reason(self) -> str:
        return _(
            "a code is a lowercase slug of letters, digits and “_”, starting with a letter, at most %(n)d long"
        ) % {"n": CODE_MAX}

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
        if spec is None:
            return None
        if not isinstance(spec, dict):
            self.err(("grades",), path, "grades", _("must be {method: bands, bands: [...]}"))
            return None
        self.keys(spec, ("method", "bands", "labels"), ("grades",), path, "grades.")
        self.choice(spec, "method", ("bands",), ("grades",), path, "grades.")

        def label_ok(label, before):
            if not _is_code(label):
                return self._code_reason()
            return _("grade listed twice") if label in before else None

        bands = self.bands(spec, ("grades",), path, "grades.", label_ok)
        labels = spec.get("labels") or {}
        if not isinstance(labels, dict):
            self.err(("grades", "labels"), path, "grades.labels", _("a mapping of grade to name"))
            labels = {}
        codes = [b[1] for b in bands or []]
        for grade, label in labels.items():
            if bands is not None and grade not in codes:
                self.err(("grades", "labels"), path, f"grades.labels.{grade}", _("not one of the grades"))
            elif not isinstance(label, str):
                self.err(("grades", "labels"), path, f"grades.labels.{grade}", _("must be text"))
        return {"method": "bands", "bands": bands, "labels": dict(labels)} if bands else None

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
        elif colour not in [b[1] for b in grades["bands"]]:
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

    # --- the tree -------------------------------------------------------------------------------
    def node(
        self,
        raw: dict,
        where: tuple,
        path: str,
        *,
        depth: int,
        daily_off: bool,
        parent_daily: bool,
        stack: tuple,
    ) -> Node | None:
        root = depth == 0
        if not root:
            self.keys(raw, (*COMMON_NODE_KEYS, *GROUP_KEYS, *LEAF_KEYS), where, path)
        is_group, is_leaf = "children" in raw, "measure" in raw
        if is_group and is_leaf:
            self.err(where, path, "children", _("a node is a group (children) or a leaf (measure), not both"))
            return None
        if not is_group and not is_leaf:
            self.err(
                where,
                path,
                "children" if root else "measure",
                _("a node needs children (a group) or a measure (a leaf)"),
            )
            return None
        if root and is_leaf:
            self.err(("measure",), path, "measure", _("the first level goes under children"))
            return None
        for key in LEAF_KEYS if is_group else GROUP_KEYS:
            if key in raw:
                self.err(
                    (*where, key),
                    path,
                    key,
                    _("only a %(kind)s has this key") % {"kind": _("leaf") if is_group else _("group")},
                )

        node = Node(
            code=raw.get("code") if _is_code(raw.get("code")) else "", name="", path=path, depth=depth
        )
        if root:  # checked with the definition's other keys
            node.name, node.name_en = (
                v if isinstance(v, str) else "" for v in (raw.get("name"), raw.get("name_en"))
            )
        else:
            node.name = self.text(raw, "name", where, path, required=True)
            node.name_en = self.text(raw, "name_en", where, path)
            node.description = self.text(raw, "description", where, path)
        daily = raw.get("daily")
        if daily is not None and not isinstance(daily, bool):
            self.err((*where, "daily"), path, "daily", _("must be true or false"))
            daily = None
        if daily and daily_off:
            self.err((*where, "daily"), path, "daily", _("daily below a node that is not daily"))
        node.daily = parent_daily if daily is None else daily
        indicator = raw.get("indicator")
        if indicator is not None and (not isinstance(indicator, str) or indicator not in INDICATORS):
            self.err(
                (*where, "indicator"),
                path,
                "indicator",
                _("unknown indicator “%(code)s”") % {"code": indicator},
            )
        node.indicator = indicator
        if is_leaf:
            self.leaf(raw, node, where, path)
            return node

        node.aggregation = self.choice(raw, "aggregation", AGGREGATIONS, where, path, default="arithmetic")
        children = raw.get("children")
        if not isinstance(children, list) or not children:
            self.err((*where, "children"), path, "children", _("a group needs a list of children"))
            return node
        if depth >= MAX_DEPTH:
            self.err((*where, "children"), path, "children", _("deeper than %(n)d levels") % {"n": MAX_DEPTH})
            return node
        stack = (*stack, id(raw))
        entries = []  # (index, child, where, path) of the children that can be read
        seen: dict[str, int] = {}
        for i, child in enumerate(children):
            cwhere = (*where, "children", i)
            code = child.get("code") if isinstance(child, dict) else None
            cpath = f"{path}/{code}" if _is_code(code) else f"{path}/[{i}]"
            if not isinstance(child, dict):
                self.err(cwhere, cpath, "-", _("a node must be a mapping of keys to values"))
                continue
            if id(child) in stack:
                self.err(cwhere, cpath, "children", _("a cycle: this node contains itself"))
                continue
            if code in (None, ""):
                self.err(cwhere, cpath, "code", _("required"))
            elif not _is_code(code):
                self.err((*cwhere, "code"), cpath, "code", self._code_reason())
            elif code in seen:
                self.err(
                    (*cwhere, "code"),
                    cpath,
                    "code",
                    _("duplicate code among siblings; child %(n)d has it already") % {"n": seen[code] + 1},
                )
            else:
                seen[code] = i
            entries.append((i, child, cwhere, cpath))
        weights, node.weights = self.child_weights(raw, entries, where, path)
        for (_i, child, cwhere, cpath), weight in zip(entries, weights, strict=True):
            sub = self.node(
                child,
                cwhere,
                cpath,
                depth=depth + 1,
                daily_off=daily_off or daily is False,
                parent_daily=node.daily,
                stack=stack,
            )
            if sub is not None:
                sub.weight = weight
                node.children.append(sub)
        return node

    def child_weights(
        self, raw: dict, entries: list, where: tuple, path: str
    ) -> tuple[list[float], dict | None]:
        """Each child's share, and the AHP result when the parent gives a matrix instead of the
        children giving their own weights."""
        n = len(entries)
        if raw.get("weights") is not None:
            for _i, child, cwhere, cpath in entries:
                if "weight" in child:
                    self.err(
                        (*cwhere, "weight"), cpath, "weight", _("the parent's AHP matrix gives the weights")
                    )
            result = self.ahp(raw["weights"], (*where, "weights"), path, n)
            if result is None:
                return ([1.0 / n] * n if n else []), None
            return result["weights"], result
        values: list[float | None] = []
        for _i, child, cwhere, cpath in entries:
            w = child.get("weight")
            if w is None:
                self.err(cwhere, cpath, "weight", _("required (or an AHP matrix on the parent)"))
                values.append(None)
            elif not _is_number(w) or not 0 < w <= 1:
                self.err((*cwhere, "weight"), cpath, "weight", _("a weight is a number in (0, 1]"))
                values.append(None)
            else:
                values.append(float(w))
        if values and None not in values and abs(sum(values) - 1) > WEIGHT_TOLERANCE:
            self.err(
                (*where, "children"),
                path,
                "children.weight",
                _("the weights of the children sum to %(sum)s, not 1") % {"sum": f"{sum(values):.6g}"},
            )
        return [v if v is not None else 0.0 for v in values], None

    def ahp(self, spec: Any, where: tuple, path: str, n: int) -> dict | None:
        if not isinstance(spec, dict):
            self.err(where, path, "weights", _("must be {method: ahp, matrix: [[...], ...]}"))
            return None
        self.keys(spec, ("method", "matrix"), where, path, "weights.")
        if self.choice(spec, "method", ("ahp",), where, path, "weights.") is None:
            return None
        matrix = spec.get("matrix")
        if (
            not isinstance(matrix, list)
            or len(matrix) != n
            or not all(isinstance(r, list) and len(r) == n for r in matrix)
        ):
            self.err(
                (*where, "matrix"),
                path,
                "weights.matrix",
                _("an AHP matrix here is %(n)d × %(n)d: one row and one column per child, in order")
                % {"n": n},
            )
            return None
        if n > max(RANDOM_INDEX):
            self.err(
                (*where, "matrix"),
                path,
                "weights.matrix",
                _("at most %(n)d children can be compared") % {"n": max(RANDOM_INDEX)},
            )
            return None
        a = [[0.0] * n for _r in range(n)]
        ok = True
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                number = _fraction(value)
                if number is None or number <= 0:
                    self.err(
                        (*where, "matrix", i),
                        path,
                        f"weights.matrix[{i}][{j}]",
                        _("a positive number or a fraction like 1/3"),
                    )
                    ok = False
                else:
                    a[i][j] = number
        if not ok:
            return None
        for i in range(n):
            if abs(a[i][i] - 1) > RECIPROCAL_TOLERANCE:
                self.err((*where, "matrix", i), path, f"weights.matrix[{i}][{i}]", _("the diagonal is 1"))
                return None
            for j in range(i + 1, n):
                if abs(a[i][j] * a[j][i] - 1) > RECIPROCAL_TOLERANCE:
                    self.err(
                        (*where, "matrix", j),
                        path,
                        f"weights.matrix[{j}][{i}]",
                        _("not reciprocal: it must be 1 / matrix[%(i)d][%(j)d]") % {"i": i, "j": j},
                    )
                    return None
        weights, lambda_max, cr = ahp_weights(a)
        if cr >= CR_LIMIT:
            self.err(
                (*where, "matrix"),
                path,
                "weights.matrix",
                _("the comparisons are inconsistent: CR = %(cr)s, not below %(limit)s")
                % {"cr": f"{cr:.3f}", "limit": f"{CR_LIMIT:.2f}"},
            )
            return None
        return {
            "method": "ahp",
            "matrix": a,
            "weights": weights,
            "lambda_max": lambda_max,
            "consistency_ratio": cr,
        }

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

    def measure(self, spec: dict, where: tuple, path: str, prefix: str) -> dict | None:
        """A measure: given as its own mapping on a leaf, or inline in a veto or deduction rule."""
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
            for code in types:
                fields = self.fields.get(code, {})
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
        return (
            {"event_types": list(types), "field": name, "agg": agg, "categories": list(categories or [])}
            if ok
            else None
        )

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


def _first(band: Any) -> Any:
    return band[0] if isinstance(band, list) and band else None


def _fraction(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str) and (m := FRACTION_RE.match(value)):
        den = float(m.group(2)) if m.group(2) else 1.0
        return float(m.group(1)) / den if den else None
    return None


def _catalogue_types() -> dict[str, list]:
    from zhili.hub.models import EventType

    return dict(EventType.objects.values_list("code", "fields"))


def parse(
    data: dict,
    *,
    filename: str,
    lines: Lines | None = None,
    event_types: Iterable[str] | Mapping[str, list] | None = None,
) -> Definition:
    """Validate a definition and build its tree; raise `DefinitionError` listing every problem
    (file, line where known, node path, key, reason). `event_types` are the catalogue's codes, or
    a mapping of code → the type's `fields` so that fields and categories are checked too; by
    default the catalogue in the database."""
    parser = _Parser(filename, lines, _catalogue_types() if event_types is None else event_types)
    definition = parser.definition(data)
    parser.errors.raise_if_any()
    assert definition is not None
    return definition


class _LineLoader(yaml.SafeLoader):
    """Composes each alias as a copy of its node marked where the alias is written, so that an
    error about an aliased node points at its use rather than at the anchor."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            return type(node)(node.tag, node.value, mark, mark)
        return super().compose_node(parent, index)


def _line_map(root: yaml.Node | None, errors: _Errors) -> Lines:
    """Lines of every key and list item; a key given twice is an error (YAML would keep the last)."""
    lines: Lines = {}

    def walk(node: yaml.Node, where: tuple, path: str, stack: frozenset) -> None:
        if id(node) in stack:  # an alias of an enclosing node; `parse` refuses the cycle
            return
        stack = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            if not where or (len(where) >= 2 and where[-2] == "children"):
                code = next(
                    (v.value for k, v in node.value if k.value == "code" and isinstance(v, yaml.ScalarNode)),
                    "",
                )
                path = f"{path}/{code}" if where else code
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    errors.add((), path, key, _("key given twice"), line=key_node.start_mark.line + 1)
                seen.add(key)
                lines[(*where, key)] = key_node.start_mark.line + 1
                walk(value_node, (*where, key), path, stack)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*where, i)] = item.start_mark.line + 1
                walk(item, (*where, i), path, stack)

    if root is not None:
        walk(root, (), "", frozenset())
    return lines


def load_file(
    path: Path | str, *, event_types: Iterable[str] | Mapping[str, list] | None = None
) -> Definition:
    """Read, validate and build a definition from a YAML file."""
    path = Path(path)
    errors = _Errors(path.name, None)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.add((), "-", "-", _("the file is not UTF-8; save it as UTF-8"))
        errors.raise_if_any()
        raise  # unreachable
    try:
        root = yaml.compose(text, Loader=_LineLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        errors.add((), "-", "-", _("not valid YAML: %(problem)s") % {"problem": problem}, line=line)
        errors.raise_if_any()
        raise  # unreachable
    lines = _line_map(root, errors)
    errors.raise_if_any()
    return parse(data, filename=path.name, lines=lines, event_types=event_types)


def load_shipped(code: str, *, event_types: Iterable[str] | Mapping[str, list] | None = None) -> Definition:
    """One of the definitions shipped with Zhili (`SHIPPED`)."""
    if code not in SHIPPED:
        raise DefinitionError(
            _("no shipped definition “%(code)s”; there are %(codes)s")
            % {"code": code, "codes": _choices(SHIPPED)},
            details=[{"file": "-", "path": str(code), "field": "code", "reason": _("not shipped")}],
        )
    return load_file(DATA_DIR / f"{code}.yaml", event_types=event_types)
