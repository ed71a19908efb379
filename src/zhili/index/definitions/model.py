"""What a parsed definition is: the vocabularies and limits of the schema, the tree of `Node`s
and the `Definition` around it, with its version (`content_hash`) and its daily subtree."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from zhili.core.errors import ZhiliError
from zhili.core.problems import MAX_PROBLEMS

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
    "ratio": ("reference",),
}
# Keys a scoring method may have besides its required ones.
OPTIONAL_SCORING_PARAMS: dict[str, tuple[str, ...]] = {"ratio": ("alpha", "window")}
REFERENCES: dict[str, tuple[str, ...]] = {  # the `ratio` method's references and their keys
    "trailing": ("n", "guard", "seasonal"),
    "peers": ("history", "spread", "seasonal"),
    "fixed": ("value",),
}
MAX_TRAILING = 1000
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
MAX_ERRORS = MAX_PROBLEMS  # the most details an error lists

TOP_KEYS = (
    "code", "name", "name_en", "description", "periods", "units", "grades", "streaks",
    "deductions", "stars", "veto", "ranking", "coverage", "weights", "aggregation", "children",
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
    coverage: dict | None = None

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
