"""The index engine: a definition, a period kind and a run of periods in; per unit and period a
score, its grade, streak, rank, stars and the contribution of every node out.

    window(...)  which days to read (the periods plus what baselines and streaks look back on)
    cube         the measures per unit and day (DuckDB or Spark, `cube.py`)
    evaluate()   everything else, in numpy, the same for both engines

Levels are scored from their own data (a district from all its events, not from its towns'
colours). Missing data is never a zero: a leaf whose department did not deliver for a day in
the period, or whose average has no value, takes its rule (carry_last, peer_median) or leaves the
score incomplete (the aggregate is taken over the leaves present and flagged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from zhili.index import methods, reference
from zhili.index.cube import Cube, MeasureSet
from zhili.index.definitions import Definition, Node
from zhili.index.periods import Period, period_of, periods_between
from zhili.index.reference import SEASON_DAYS, per_kind
from zhili.index.scoring import DAY_WINDOW, PAR, LeafArrays, Window, score_leaf

DENOMINATOR = {  # denominator → (figure, scale): rate = value / (figure / scale)
    "per_10k_residents": ("resident", 10_000.0),
    "per_1k_residents": ("resident", 1_000.0),
    "per_gdp": ("gdp", 1.0),  # per 100 million yuan (亿元) of GDP
    "per_vehicles": ("vehicles", 10_000.0),  # per 10,000 vehicles
}


# How far back carry_last looks for a last value: two months of days, a year of months …
CARRY_BACK = {"day": 62, "dekad": 6, "week": 9, "month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    level: str
    district: str | None = None
    town: str | None = None


@dataclass
class Context:
    """Everything an evaluation reads besides the cube."""

    definition: Definition
    kind: str
    targets: list[Period]
    units: dict[str, list[UnitRow]]
    figures: dict[str, dict[tuple[str, int], float]]  # figure → (code, year) → value
    missing: dict[str, set[date]] = field(default_factory=dict)  # department → undelivered days
    type_departments: dict[str, str] = field(default_factory=dict)
    open_days: set[date] = field(default_factory=set)  # before their cut-off: results provisional


@dataclass
class Outcome:
    level: str
    unit: str
    period: Period
    total: float | None
    points_off: float
    grade: str | None
    streak: int
    escalation: str | None
    rank: int | None
    rank_move: int | None
    stars: int | None
    vetoes: list[str]
    complete: bool
    incomplete: list[str]
    nodes: dict[str, dict]
    provisional: bool = False
    coverage: float | None = None
    evidence: dict = field(default_factory=dict)


def tree_for(definition: Definition, kind: str) -> Node:
    if kind == "day":
        tree = definition.daily_tree()
        if tree is None:
            raise ValueError("the definition has no daily leaves")
        return tree
    return definition.root


def lookback(definition: Definition) -> int:
    """Periods before the first target that are scored too, so that a streak can be counted."""
    levels = (definition.streaks or {}).get("levels") or {}
    return max(levels) - 1 if levels else 0


def window(definition: Definition, kind: str, targets: list[Period]) -> tuple[date, date, list[Period]]:
    """(first day, last day, evaluated periods): the days to read for scoring `targets` with
    every baseline of the tree, and the periods scored (the look-back for streaks, then targets)."""
    first_eval = targets[0].shift(-lookback(definition))
    evaluated = periods_between(kind, first_eval.start, targets[-1].start)
    first = first_eval.start
    for node in tree_for(definition, kind).walk():
        if node.missing == "carry_last":
            first = min(first, first_eval.shift(-CARRY_BACK[kind]).start)
        for spec in _baselines(node.scoring, kind):
            method = spec["method"]
            if method == "previous_period":
                first = min(first, first_eval.previous().start)
            elif method == "mean_last_n":
                first = min(first, first_eval.shift(-spec["n"]).start)
            elif method == "same_period_last_year":
                back = first_eval.last_year().start
                first = min(first, back - timedelta(days=DAY_WINDOW) if kind == "day" else back)
            elif method == "n_year_average":
                first = min(first, date(first_eval.start.year - spec["n"], 1, 1))
            elif method == "trailing":
                back = per_kind(spec["n"], kind) + per_kind(spec.get("guard", 0), kind)
                first = min(first, first_eval.shift(-back).start)
                if spec.get("seasonal", True):  # the same window a year earlier
                    year_back = first_eval.last_year() if kind != "day" else first_eval.shift(-364)
                    first = min(first, year_back.shift(-back - SEASON_DAYS).start)
            elif method == "peers":
                history = per_kind(spec.get("history", 12), kind)
                first = min(first, first_eval.shift(-history).start)
                if spec.get("seasonal", True):
                    year_back = first_eval.last_year() if kind != "day" else first_eval.shift(-364)
                    first = min(first, year_back.shift(-history - SEASON_DAYS).start)
    return period_of(kind, first).start, targets[-1].end, evaluated


def _baselines(scoring: dict | None, kind: str = "") -> list[dict]:
    if not scoring:
        return []
    if scoring["method"] == "blend":
        return [b for part in scoring["parts"] for b in _baselines(part, kind)]
    if scoring["method"] == "ratio":
        ref = scoring["reference"]
        if "method" in ref:
            return [ref]
        return [ref[kind]] if kind in ref else []
    return [scoring["baseline"]] if "baseline" in scoring else []


class MissingFigure(ValueError):
    def __init__(self, figure: str, units: list[str]):
        self.figure = figure
        self.units = units
        super().__init__(f"{figure} missing for {', '.join(units[:5])}")


def _nearest(values, code: str, years: list[int], year: int) -> float | None:
    """The unit's figure for the year, else the latest year before, else the earliest after
    (statistics come out with a lag); `years` are the unit's years, sorted."""
    before = [y for y in years if y <= year]
    if before:
        return values[(code, before[-1])]
    return values[(code, years[0])] if years else None


def peer_groups(definition: Definition, units: list[UnitRow]) -> np.ndarray:
    """The key of each unit's peers for ranks, peer medians and stars: its kind (village or
    community, town or street) when the definition ranks within kinds, and its district or town
    when it ranks within those."""
    ranking = definition.ranking or {"within": "level", "scope": "city"}
    keys = []
    for u in units:
        key = u.kind if ranking["within"] == "kind" else ""
        if ranking["scope"] == "district":
            key += "|" + (u.district or "")
        elif ranking["scope"] == "town":
            key += "|" + (u.town or u.district or "")
        keys.append(key)
    return np.asarray(keys, dtype=object)


class _Level:
    """One unit level's evaluation."""

    def __init__(self, ctx: Context, cube: Cube, measures: MeasureSet, level: str, hist, rows):
        self.ctx = ctx
        self.cube = cube.levels[level]
        self.units = ctx.units[level]
        self.measures = measures
        self.level = level
        self.hist = hist
        self.rows = rows
        self.n_units = len(self.units)
        # periods of the cube's days: bounds for reduceat along the day axis
        starts = [(p.start - cube.first).days for p in hist]
        self.bounds = np.asarray(starts, dtype=np.int64)
        self.day_of = [cube.first + timedelta(days=i) for i in range(cube.days)]
        observed = cube.observed_from
        # a period wholly before the lake's first day is unknown; one it starts in counts as seen
        self.unobserved = np.array([observed is None or p.end < observed for p in hist], dtype=bool)
        self.groups = peer_groups(ctx.definition, self.units)
        self.window = Window(ctx.kind, hist, rows, self.groups)
        self.nodes: dict[str, dict[str, np.ndarray]] = {}
        self.incomplete_leaves: dict[str, np.ndarray] = {}
        self._denominators: dict[str, np.ndarray] = {}

    def period_sums(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Sums and counts per period (H × U); NaN sums for periods the lake does not cover."""
        s = np.add.reduceat(self.cube.s[m], self.bounds, axis=1).T  # H × U
        n = np.add.reduceat(self.cube.n[m], self.bounds, axis=1).T
        s[self.unobserved] = np.nan
        return s, n

    def denominators(self, name: str) -> np.ndarray:
        if name == "none":
            return np.ones((len(self.hist), self.n_units))
        if name not in self._denominators:
            figure, scale = DENOMINATOR[name]
            values = self.ctx.figures.get(figure, {})
            out = np.empty((len(self.hist), self.n_units))
            missing = []
            years_of: dict[str, list[int]] = {}
            for c, y in sorted(values):
                years_of.setdefault(c, []).append(y)
            period_years = sorted({p.start.year for p in self.hist})
            for j, u in enumerate(self.units):
                by_year = {y: _nearest(values, u.code, years_of.get(u.code, []), y) for y in period_years}
                if any(v is None or v <= 0 for v in by_year.values()):
                    missing.append(u.code)
                    continue
                out[:, j] = [by_year[p.start.year] / scale for p in self.hist]
            if missing:
                raise MissingFigure(figure, missing)
            self._denominators[name] = out
        return self._denominators[name]

    def feed_missing(self, event_types: list[str]) -> np.ndarray:
        """H: periods in which a department behind these event types delivered nothing on a day."""
        days = set()
        for t in event_types:
            days |= self.ctx.missing.get(self.ctx.type_departments.get(t, ""), set())
        out = np.zeros(len(self.hist), dtype=bool)
        if days:
            for i, p in enumerate(self.hist):
                out[i] = any(p.start <= d <= p.end for d in days)
        return out

    def leaf(self, node: Node) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        m = self.measures.of_leaf[node.path]
        measure = self.measures.measures[m]
        s, n = self.period_sums(m)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = (
                np.where(n > 0, s / np.maximum(n, 1), np.nan) if measure.agg == "mean" else s.astype(float)
            )
        values[self.feed_missing(list(measure.event_types))] = np.nan
        raw_missing = np.isnan(values)
        if node.missing == "carry_last":
            values = _forward_fill(values)
        elif node.missing == "peer_median":
            values = np.vstack(
                [methods.fill_missing(v, "peer_median", groups=self.groups).values for v in values]
            )
        imputed = raw_missing & ~np.isnan(values)
        # Measured: delivered, or carried from a slower feed the definition declares (a monthly
        # survey through its days). A peer's median stands in for a unit; it measures nothing.
        measured = ~raw_missing | (imputed & (node.missing == "carry_last"))
        denominators = self.denominators(node.denominator or "none")
        rates = values / denominators
        arrays = LeafArrays(values, rates, denominators)
        scored = score_leaf(node.scoring, node.direction, arrays, self.window)
        rows = self.rows
        detail = {
            "value": values[rows],
            "rate": rates[rows],
            "baseline": scored.baseline,
            "expected": scored.expected,
            "imputed": imputed[rows],
            "measured": measured[rows] & ~np.isnan(scored.score),
            "posterior": scored.posterior,
        }
        return scored.score, detail

    def evaluate(self, node: Node) -> tuple[np.ndarray, np.ndarray]:
        """(score, complete), each E × U, for a node; records every node's figures."""
        if node.is_leaf:
            score, detail = self.leaf(node)
            complete = ~np.isnan(score)
            self.nodes[node.path] = {"score": score, "complete": complete, **detail}
        else:
            results = [self.evaluate(child) for child in node.children]
            scores = np.stack([r[0] for r in results], axis=-1)  # E × U × C
            weights = np.array([c.weight for c in node.children])
            shape = scores.shape[:2]
            agg = methods.aggregate(
                scores.reshape(-1, len(weights)), weights, method=node.aggregation or "arithmetic"
            )
            score = agg.values.reshape(shape)
            complete = agg.complete.reshape(shape) & np.stack([r[1] for r in results], axis=-1).all(axis=-1)
            present = ~np.isnan(scores)
            wp = np.where(present, weights, 0.0)
            total = wp.sum(axis=-1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = np.where(total > 0, wp / np.where(total > 0, total, 1.0), 0.0)
            for c, child in enumerate(node.children):
                self.nodes[child.path]["share"] = shares[..., c]
            self.nodes[node.path] = {"score": score, "complete": complete}
        off = self.deductions(node.path)
        if off is not None:
            score = np.where(np.isnan(score), np.nan, np.maximum(score - np.nan_to_num(off), 0.0))
            complete = complete & ~np.isnan(off)
            self.nodes[node.path].update(score=score, complete=complete, points_off=off)
        return score, complete

    def measure_values(self, m: int) -> np.ndarray:
        s, _n = self.period_sums(m)
        out = s[self.rows].astype(float)
        out[self.feed_missing(list(self.measures.measures[m].event_types))[self.rows]] = np.nan
        return out

    def deductions(self, path: str) -> np.ndarray | None:
        rules = [
            r for r in self.ctx.definition.deductions
            if (r["node"] or self.ctx.definition.code) == path
        ]  # fmt: skip
        if not rules:
            return None
        counts = np.stack(
            [self.measure_values(self.measures.of_deduction[r["code"]]) for r in rules], axis=-1
        )
        points = [r["points"] for r in rules]
        caps = [r["cap"] for r in rules]
        off = methods.deductions(counts.reshape(-1, len(rules)), points, caps).reshape(counts.shape[:2])
        for r, k in zip(rules, range(len(rules)), strict=True):
            self.nodes.setdefault("deductions", {})[r["code"]] = np.minimum(
                counts[..., k] * r["points"], r["cap"] if r["cap"] else np.inf
            )
        return off


def _forward_fill(values: np.ndarray) -> np.ndarray:
    """Carry each column's last present value down (NaN until the first one)."""
    out = values.copy()
    for i in range(1, out.shape[0]):
        gap = np.isnan(out[i])
        out[i, gap] = out[i - 1, gap]
    return out


def evaluate(ctx: Context, cube: Cube, measures: MeasureSet) -> list[Outcome]:
    definition = ctx.definition
    tree = tree_for(definition, ctx.kind)
    _first, _last, evaluated = window(definition, ctx.kind, ctx.targets)
    hist = periods_between(ctx.kind, cube.first, cube.last)
    position = {p.start: i for i, p in enumerate(hist)}
    rows = [position[p.start] for p in evaluated]
    n_targets = len(ctx.targets)
    outcomes: list[Outcome] = []
    for level in definition.units:
        if level not in ctx.units or not ctx.units[level]:
            continue
        lv = _Level(ctx, cube, measures, level, hist, rows)
        total, complete = lv.evaluate(tree)
        _contributions(lv, tree)
        coverage = _coverage(lv, tree)
        minimum = (definition.coverage or {}).get("minimum", 0.0)
        graded = np.where(coverage + 1e-12 >= minimum, total, np.nan)  # below: no grade, rank or stars
        grades = _grades(definition, graded, lv.groups)
        streak = _streaks(definition, grades)
        levels = (definition.streaks or {}).get("levels") or {}
        escalation = (
            methods.escalation(streak, levels) if levels else np.full(streak.shape, None, dtype=object)
        )
        stars, vetoes = _stars(definition, lv, graded)
        # With stars, the rank follows the stars first (a vetoed unit capped at three stars ranks
        # after every unit with more), then the score: one verdict, not a first place with ★★★.
        order = graded if not definition.stars else np.where(np.isnan(stars), np.nan, stars * 1000.0 + graded)
        ranks = np.vstack([
            methods.rank_with_moves(order[e], None, groups=lv.groups).rank for e in range(len(rows))
        ])  # fmt: skip
        moves = np.full(ranks.shape, np.nan)
        moves[1:] = ranks[:-1] - ranks[1:]
        evidence = _evidence(definition, lv, tree, graded, vetoes, first=len(rows) - n_targets)
        first = len(rows) - n_targets
        nodes = _node_lists(lv, tree, first)
        head = {
            "total": _lists(total[first:]), "complete": complete[first:].tolist(), "grade": grades[first:].tolist(),
            "streak": streak[first:].tolist(), "escalation": escalation[first:].tolist(),
            "rank": _ints(ranks[first:]), "move": _ints(moves[first:]), "stars": _ints(stars[first:]),
            "off": _lists(lv.nodes[tree.path].get("points_off", np.zeros(total.shape))[first:]),
            "coverage": _lists(np.round(coverage[first:], 6)),
        }  # fmt: skip
        for e in range(n_targets):
            period = hist[rows[first + e]]
            provisional = any(period.start <= d <= period.end for d in ctx.open_days)
            for u, unit in enumerate(lv.units):
                outcome = _outcome(lv.level, nodes, head, e, u, unit, period, vetoes[first + e][u])
                outcome.provisional = provisional
                outcome.evidence = evidence[e][u] if evidence else {}
                outcomes.append(outcome)
    return outcomes


def _coverage(lv: _Level, tree: Node) -> np.ndarray:
    """E × U: the share of the tree's weight whose leaves were measured (see `_Level.leaf`)."""
    total = np.zeros(lv.nodes[tree.path]["score"].shape)
    weights = 0.0

    def down(node: Node, share: float) -> None:
        nonlocal total, weights
        if node.is_leaf:
            total = total + share * lv.nodes[node.path]["measured"]
            weights += share
        for child in node.children:
            down(child, share * child.weight)

    down(tree, 1.0)
    return total / weights if weights else np.ones(total.shape)


def _contributions(lv: _Level, tree: Node) -> None:
    """Each node's share of the total: the product of its present-weight shares down the path
    (exact for arithmetic groups; for geometric ones the weight × score reading of a log-linear
    mean). contribution = share × score; the leaves' contributions add up to the total before
    deductions, which are listed separately."""

    def down(node: Node, share: np.ndarray) -> None:
        data = lv.nodes[node.path]
        data["weight"] = share
        data["contribution"] = share * np.nan_to_num(data["score"])
        for child in node.children:
            down(child, share * lv.nodes[child.path].get("share", 1.0))

    down(tree, np.ones(lv.nodes[tree.path]["score"].shape))


def _grades(definition: Definition, total: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Grades of the totals (E × U): by bands; by quantiles among the peers in each period; or
    against PAR, the total of a unit at its baselines, ± the tolerance."""
    spec = definition.grades
    if not spec:
        return np.full(total.shape, None, dtype=object)
    if spec["method"] == "quantiles":
        return np.vstack(
            [methods.grades_by_quantiles(t, spec["quantiles"], spec["grades"], groups=groups) for t in total]
        ) if len(total) else np.full(total.shape, None, dtype=object)  # fmt: skip
    if spec["method"] == "baseline":
        return methods.grades_by_baseline(total, PAR, spec["tolerance"], labels=spec["grades"])
    bands = [(-np.inf if t is None else float(t), g) for t, g in spec["bands"]]
    return methods.grades_by_bands(total, bands)


def _streaks(definition: Definition, grades: np.ndarray) -> np.ndarray:
    """The run of the streak colour ending at each period (a missing grade breaks it)."""
    colour = (definition.streaks or {}).get("colour")
    run = np.zeros(grades.shape, dtype=np.int64)
    if colour is None:
        return run
    hit = grades == colour
    for e in range(grades.shape[0]):
        run[e] = np.where(hit[e], (run[e - 1] if e else 0) + 1, 0)
    return run


def _stars(definition: Definition, lv: _Level, total: np.ndarray) -> tuple[np.ndarray, list[list[list[str]]]]:
    n_e, n_u = total.shape
    vetoes = [[[] for _u in range(n_u)] for _e in range(n_e)]
    if not definition.stars:
        return np.full(total.shape, np.nan), vetoes
    spec = definition.stars
    stars = np.empty(total.shape)
    for e in range(n_e):
        if spec["method"] == "rank_share":
            stars[e] = methods.stars_by_rank_share(total[e], lv.groups, spec["shares"])
        else:
            bands = [(-np.inf if t is None else float(t), int(s)) for t, s in spec["bands"]]
            stars[e] = methods.stars_by_bands(total[e], bands)
    for rule in definition.veto:
        count = lv.measure_values(lv.measures.of_veto[rule["code"]])
        hit = np.nan_to_num(count) >= rule["at_least"]
        stars = methods.apply_veto(stars, hit, rule["cap"])
        for e, u in zip(*np.nonzero(hit), strict=True):
            vetoes[e][u].append(rule["code"])
    return stars, vetoes


EVIDENCE_DRAWS = 200
EVIDENCE_SEED = 20261207  # the draws are part of the definition's arithmetic: fixed, reproducible


def _evidence(definition: Definition, lv: _Level, tree: Node, total, vetoes, *, first: int) -> list | None:
    """How sure the stars and ranks are: for each target period and unit, the 5–95 % interval of
    its rank and its stars when each leaf's rate is drawn from its empirical-Bayes posterior (the
    other units drawn with it, so ranks move together). Only for star ratings whose leaves all have
    a posterior (`ratio` scored against `peers`) and whose groups are arithmetic."""
    leaves = tree.leaves()
    if not definition.stars or not leaves:
        return None
    if any(lv.nodes[leaf.path].get("posterior") is None for leaf in leaves):
        return None
    if any(n.aggregation == "geometric" for n in tree.walk() if not n.is_leaf):
        return None
    weights = _leaf_weights(tree)
    spec = definition.stars
    out = []
    for e in range(first, total.shape[0]):
        rng = np.random.default_rng([EVIDENCE_SEED, lv.window.hist[lv.rows[e]].start.toordinal()])
        score = np.zeros((EVIDENCE_DRAWS, lv.n_units))
        weight = np.zeros((EVIDENCE_DRAWS, lv.n_units))
        for leaf in leaves:
            shape, rate = (a[e] for a in lv.nodes[leaf.path]["posterior"])
            base = lv.nodes[leaf.path]["baseline"][e]
            ok = np.isfinite(shape) & np.isfinite(rate) & (rate > 0) & (shape >= 0)
            draws = np.where(ok, rng.gamma(np.where(ok, shape, 1.0), 1.0 / np.where(ok, rate, 1.0),
                                           size=(EVIDENCE_DRAWS, lv.n_units)), np.nan)  # fmt: skip
            s = reference.scale_of(draws, base, leaf.direction)
            present = np.isfinite(s)
            score += np.where(present, s, 0.0) * weights[leaf.path]
            weight += present * weights[leaf.path]
        with np.errstate(invalid="ignore", divide="ignore"):
            drawn = np.where(weight > 0, score / weight, np.nan)
        drawn[:, np.isnan(total[e])] = np.nan
        stars = np.vstack([_star_row(spec, d, lv.groups) for d in drawn])
        capped = [min((r["cap"] for r in definition.veto if r["code"] in vetoes[e][u]), default=None)
                  for u in range(lv.n_units)]  # fmt: skip
        for u, cap in enumerate(capped):
            if cap is not None:
                stars[:, u] = np.minimum(stars[:, u], cap)
        ranks = np.vstack([
            methods.rank_with_moves(np.where(np.isnan(st), np.nan, st * 1000.0 + d), None, groups=lv.groups).rank
            for st, d in zip(stars, drawn, strict=True)
        ])  # fmt: skip
        out.append([_interval(stars[:, u], ranks[:, u]) for u in range(lv.n_units)])
    return out


def _interval(stars: np.ndarray, ranks: np.ndarray) -> dict:
    if np.isnan(stars).all():
        return {}
    lo_s, hi_s = np.nanpercentile(stars, [5, 95])
    lo_r, hi_r = np.nanpercentile(ranks, [5, 95])
    return {
        "stars": [round(float(lo_s)), round(float(hi_s))],
        "rank": [round(float(lo_r)), round(float(hi_r))],
    }


def _star_row(spec: dict, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    if spec["method"] == "rank_share":
        return methods.stars_by_rank_share(scores, groups, spec["shares"])
    bands = [(-np.inf if t is None else float(t), int(s)) for t, s in spec["bands"]]
    return methods.stars_by_bands(scores, bands)


def _leaf_weights(tree: Node) -> dict[str, float]:
    """Each leaf's share of the whole: the product of the weights down its path."""
    out: dict[str, float] = {}

    def down(node: Node, share: float) -> None:
        if node.is_leaf:
            out[node.path] = share
        for child in node.children:
            down(child, share * child.weight)

    down(tree, 1.0)
    return out


def _lists(a: np.ndarray) -> list:
    """Nested Python lists with None for NaN: one conversion per array, not one per cell."""
    obj = a.astype(object)
    obj[np.isnan(a)] = None
    return obj.tolist()


def _ints(a: np.ndarray) -> list:
    obj = np.where(np.isnan(a), 0, a).astype(np.int64).astype(object)
    obj[np.isnan(a)] = None
    return obj.tolist()


LEAF_FIELDS = ("value", "rate", "baseline", "expected")


def _node_lists(lv: _Level, tree: Node, first: int) -> list[tuple[str, dict, bool]]:
    """(key, field → nested lists over targets × units, is a leaf) for every node."""
    prefix = len(tree.path) + 1
    out = []
    for path, data in lv.nodes.items():
        if path == "deductions":
            continue
        fields = {f: _lists(data[f][first:]) for f in ("score", "weight", "contribution")}
        fields["complete"] = data["complete"][first:].tolist()
        leaf = "value" in data
        if leaf:
            fields.update({f: _lists(data[f][first:]) for f in LEAF_FIELDS})
            fields["imputed"] = data["imputed"][first:].tolist()
        if "points_off" in data:
            fields["points_off"] = _lists(data["points_off"][first:])
        out.append((path[prefix:] or ".", fields, leaf))
    deductions = {code: _lists(v[first:]) for code, v in lv.nodes.get("deductions", {}).items()}
    if deductions:
        out.append(("deductions", deductions, False))
    return out


def _outcome(level: str, nodes, head: dict, e: int, u: int, unit: UnitRow, period: Period, vetoes) -> Outcome:
    rows = {}
    incomplete = []
    for key, fields, leaf in nodes:
        row = {name: values[e][u] for name, values in fields.items()}
        if leaf and not row["complete"]:
            incomplete.append(key)
        rows[key] = row
    return Outcome(
        level=level,
        unit=unit.code,
        period=period,
        total=head["total"][e][u],
        points_off=head["off"][e][u] or 0.0,
        grade=head["grade"][e][u],
        streak=head["streak"][e][u],
        escalation=head["escalation"][e][u],
        rank=head["rank"][e][u],
        rank_move=head["move"][e][u],
        stars=head["stars"][e][u],
        vetoes=vetoes,
        complete=head["complete"][e][u],
        incomplete=incomplete,
        nodes=rows,
        coverage=head["coverage"][e][u],
    )


__all__ = ["Context", "Outcome", "UnitRow", "evaluate", "window"]
