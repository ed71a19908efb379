"""How robust is a ranking? A Monte Carlo over the choices a definition makes (`zhili index
sensitivity`), reporting each unit's median rank and its 5–95 % rank interval, as the JRC's
sensitivity audits of composite indicators (and COINr) do.

Three kinds of choice are varied, each draw independently:

- weights: every group's child weights × U(1 − spread, 1 + spread), renormalised to sum 1;
- scoring methods: each leaf keeps its method with probability ½, or takes its alternative
  (`ALTERNATIVES`), when it has one;
- aggregation: each group arithmetic or geometric, ½ each (`vary_aggregation`).

Scoring is the expensive part (the lake, baselines), so the engine scores the period twice —
as written and with every leaf swapped (a leaf's score depends only on its own method) — and
the draws only re-aggregate those leaf scores in numpy (`simulate`, no database), as the engine
does: missing leaves renormalised away, a group's deductions taken off after aggregating.
A guard checks that this re-aggregation, with nothing varied, gives the engine's totals and ranks.

A leaf scored 0 makes a geometric group 0 (`methods.aggregate`), so where leaf scores clip at 0
the aggregation choice tends to dominate the intervals; `vary_aggregation=False` shows the rest.
"""

from __future__ import annotations

import copy
import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhili.core.errors import ZhiliError

# A leaf's method → its alternative. poisson and baseline_ratio read the same baseline; a ratio
# becomes a Poisson score only on counts (as the parser requires). minmax has no goalposts to
# go back to, so it swaps to the other full-span peer normalisation, rank. zscore, rank,
# deduction and blend are kept.
ALTERNATIVES = {"poisson": "baseline_ratio", "baseline_ratio": "poisson", "goalposts": "minmax", "minmax": "rank"}  # fmt: skip
COUNT_FIELDS = ("quantity", "deaths", "injuries")
DRAWS_RANGE = (100, 100_000)
CHUNK = 2_000_000  # leaf scores per chunk of draws (draws × units × leaves)
# Labels by the width w = q95 − q05 of the 5–95 % rank interval, n the ranked peers: robust when
# w ≤ 2 and w ≤ n/10 (among 3 districts a width of 2 is every rank), moderate when w ≤ n/5,
# else sensitive; unranked when a unit has no score.
ROBUST_RANKS, ROBUST_SHARE, MODERATE_SHARE = 2, 0.1, 0.2
LABELS = {
    "robust": gettext_noop("robust"),
    "moderate": gettext_noop("moderately robust"),
    "sensitive": gettext_noop("sensitive"),
    "unranked": gettext_noop("not ranked"),
}


class SensitivityError(ZhiliError):
    code = "sensitivity_input"


@dataclass
class Branch:
    """A group for the Monte Carlo: children are Branches or leaf columns (ints) of the score
    arrays; `weights` the children's shares as written; `points_off` per unit, taken off after
    aggregating (the definition's deductions at this node), NaN or None for none."""

    children: list[Branch | int]
    weights: np.ndarray
    aggregation: str = "arithmetic"
    points_off: np.ndarray | None = None


def check_inputs(draws: int, spread: float) -> None:
    if not DRAWS_RANGE[0] <= draws <= DRAWS_RANGE[1]:
        raise SensitivityError(
            _("draws must be between %(low)d and %(high)d") % {"low": DRAWS_RANGE[0], "high": DRAWS_RANGE[1]},
            details=[{"field": "draws", "value": draws}],
        )
    if not 0 < spread < 1:
        raise SensitivityError(
            _("spread must lie strictly between 0 and 1 (0.25: each weight varies by up to a quarter)"),
            details=[{"field": "spread", "value": spread}],
        )


def _aggregate(s: np.ndarray, w: np.ndarray, geometric: np.ndarray) -> np.ndarray:
    """methods.aggregate for many draws at once: scores D × U × C, weights D × C, a geometric
    flag per draw. Missing children drop out and the others' weights are renormalised."""
    present = ~np.isnan(s)
    wp = np.where(present, w[:, None, :], 0.0)
    total = wp.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = wp / np.where(total > 0, total, 1.0)[..., None]
        values = (np.where(present, s, 0.0) * wn).sum(axis=-1)
        if geometric.any():
            logs = np.where(present, np.log(np.where(present, s, 1.0)), 0.0)  # log 0 = −inf → 0
            geo = np.exp(np.where(wn > 0, wn * logs, 0.0).sum(axis=-1))
            values = np.where(geometric[:, None], geo, values)
    return np.where(total > 0, values, np.nan)


def _score(node: Branch, leaves: np.ndarray, rng, spread: float, vary: bool) -> np.ndarray:
    """Scores D × U of a branch; `rng` None → the weights and aggregation as written."""
    parts = [_score(c, leaves, rng, spread, vary) if isinstance(c, Branch) else leaves[:, :, c] for c in node.children]  # fmt: skip
    child = np.stack(parts, axis=-1)
    n_draws, n_children = child.shape[0], len(node.children)
    weights = np.broadcast_to(np.asarray(node.weights, dtype=float), (n_draws, n_children))
    geometric = np.full(n_draws, node.aggregation == "geometric")
    if rng is not None:
        weights = weights * rng.uniform(1 - spread, 1 + spread, (n_draws, n_children))
        weights = weights / weights.sum(axis=1, keepdims=True)
        if vary:
            geometric = rng.random(n_draws) < 0.5
    score = _aggregate(child, weights, geometric)
    if node.points_off is not None:
        score = np.where(np.isnan(score), np.nan, np.maximum(score - np.nan_to_num(node.points_off), 0.0))
    return score


def competition_ranks(totals: np.ndarray, groups=None) -> np.ndarray:
    """Ranks D × U as methods.rank_with_moves gives them, per draw: 1 + the peers (same group)
    with a strictly higher score; NaN unranked. Compared pairwise, in chunks of draws."""
    n_units = totals.shape[1]
    g = np.zeros(n_units) if groups is None else np.asarray(groups)
    same = (g[:, None] == g[None, :]).astype(bool)
    out = np.full(totals.shape, np.nan)
    step = max(1, 4_000_000 // max(1, n_units * n_units))
    for i in range(0, totals.shape[0], step):
        t = totals[i : i + step]
        above = (t[:, None, :] > t[:, :, None]) & same  # [d, u, v]: v beats u
        out[i : i + step] = np.where(np.isnan(t), np.nan, 1.0 + above.sum(axis=-1))
    return out


@dataclass
class Simulation:
    nominal: np.ndarray  # U: totals as written
    nominal_rank: np.ndarray  # U
    ranks: np.ndarray  # draws × U


def simulate(written, tree: Branch, *, alternative=None, swappable=None, draws: int, spread: float,
             seed: int, vary_aggregation: bool = True, groups=None) -> Simulation:  # fmt: skip
    """The Monte Carlo on leaf scores (U × L, 0–100, NaN missing): `alternative` the scores
    under each leaf's alternative method, `swappable` which leaves have one (default all).
    The same seed gives the same draws (numpy's PCG64)."""
    check_inputs(draws, spread)
    written = np.asarray(written, dtype=float)
    rng = np.random.default_rng(seed)
    nominal = _score(tree, written[None], None, spread, False)[0]
    n_leaves = written.shape[1]
    can = np.ones(n_leaves, bool) if swappable is None else np.asarray(swappable, bool)
    ranks = np.empty((draws, written.shape[0]))
    step = max(1, CHUNK // max(1, written.size))  # bounded memory for 100,000 draws of villages
    for i in range(0, draws, step):
        d = min(step, draws - i)
        if alternative is None:
            leaves = np.broadcast_to(written, (d, *written.shape))
        else:
            swap = (rng.random((d, n_leaves)) < 0.5) & can
            leaves = np.where(swap[:, None, :], np.asarray(alternative, dtype=float)[None], written[None])
        ranks[i : i + d] = competition_ranks(_score(tree, leaves, rng, spread, vary_aggregation), groups)
    return Simulation(nominal, competition_ranks(nominal[None], groups)[0], ranks)


def robustness(width: float | None, n: int) -> str:
    if width is None:
        return "unranked"
    if width <= min(ROBUST_RANKS, ROBUST_SHARE * n):
        return "robust"
    return "moderate" if width <= MODERATE_SHARE * n else "sensitive"


def summarise(ranks: np.ndarray) -> list[tuple[float, int, int] | None]:
    """(median, q05, q95) per unit over the draws in which it was ranked. The quantiles are
    ranks that occurred (the inverted CDF: the smallest r with a share ≥ q of draws at r or
    better); the median may fall between two ranks (1.5)."""
    out = []
    for column in ranks.T:
        r = column[~np.isnan(column)]
        if not r.size:
            out.append(None)
            continue
        q05, q95 = np.quantile(r, [0.05, 0.95], method="inverted_cdf")
        out.append((float(np.median(r)), int(q05), int(q95)))
    return out


@dataclass
class Row:
    code: str
    name: str
    score: float | None  # the total as written
    nominal: int | None  # the rank as written
    median: float | None
    q05: int | None
    q95: int | None
    width: int | None
    label: str  # robust | moderate | sensitive | unranked


@dataclass
class Table:
    definition: str
    version: str
    period: object
    level: str
    draws: int
    spread: float
    seed: int
    vary_aggregation: bool
    swapped: list[str] = field(default_factory=list)  # leaves with an alternative method
    rows: list[Row] = field(default_factory=list)

    def headers(self) -> list[str]:
        return [_("rank"), _("code"), _("name"), _("score"), _("median rank"), _("P5 rank"),
                _("P95 rank"), _("interval width"), _("robustness")]  # fmt: skip

    def cells(self, row: Row) -> list[str]:
        def f(x, fmt="{:g}"):
            return "" if x is None else fmt.format(x)

        return [f(row.nominal), row.code, row.name, f(row.score, "{:.1f}"), f(row.median), f(row.q05),
                f(row.q95), f(row.width), _(LABELS[row.label])]  # fmt: skip

    def to_csv(self, path) -> Path:
        """UTF-8 with a byte-order mark, so that Excel reads the Chinese names."""
        path = Path(path)
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(self.headers())
            out.writerows(self.cells(r) for r in self.rows)
        return path


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(table: Table, stream) -> None:
    """An aligned table (CJK characters count two columns), with what was varied above it."""
    label = table.period.label(translation.get_language() or "zh-hans")
    stream.write(
        _("%(code)s (version %(version)s), %(period)s, %(level)s: %(draws)d draws, weights ±%(spread)g %%, "
          "%(swapped)d leaves with an alternative method, aggregation %(agg)s")
        % {"code": table.definition, "version": table.version, "period": label, "level": table.level,
           "draws": table.draws, "spread": table.spread * 100, "swapped": len(table.swapped),
           "agg": _("varied") if table.vary_aggregation else _("as written")} + "\n"
    )  # fmt: skip
    lines = [table.headers(), *(table.cells(r) for r in table.rows)]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        cells = [c + " " * (w - _width(c)) if i == 2 or i == 8 else " " * (w - _width(c)) + c
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]  # fmt: skip
        stream.write("  ".join(cells).rstrip() + "\n")


# --------------------------------------------------------------------------------------------
# the definition's side: variants, leaf scores, the tree


def alternative_definition(definition):
    """(the definition with every leaf that has an alternative swapped to it, their paths);
    (None, []) when no leaf has one. Built on the raw dict and parsed again, so the swapped
    tree passes the same checks as any definition."""
    from zhili.index.definitions import parse

    raw = copy.deepcopy(definition.raw)
    swapped = []

    def walk(raw_node: dict, node) -> None:
        if node.is_leaf:
            spec, m = node.scoring or {}, node.measure or {}
            to = ALTERNATIVES.get(spec.get("method"))
            counts = m.get("agg") == "count" or (m.get("agg") == "sum" and m.get("field") in COUNT_FIELDS)
            if to and (to != "poisson" or counts):  # the baseline stays; goalposts are dropped
                raw_node["scoring"] = {"method": to, **{k: v for k, v in spec.items() if k == "baseline"}}
                swapped.append(node.path)
            return
        for raw_child, child in zip(raw_node["children"], node.children, strict=True):
            walk(raw_child, child)

    walk(raw, definition.root)
    if not swapped:
        return None, []
    return parse(raw, filename=f"{definition.code}.alternative.yaml"), swapped


def branch_of(node, outcomes, leaf_column: dict[str, int]):
    """The Monte Carlo tree of an engine tree, with each group's deductions per unit."""
    if node.is_leaf:
        return leaf_column[node.path]
    key = node.path.split("/", 1)[1] if "/" in node.path else "."  # as Outcome.nodes names it
    off = np.array([np.nan if (v := o.nodes[key].get("points_off")) is None else v for o in outcomes])
    return Branch(
        [branch_of(c, outcomes, leaf_column) for c in node.children],
        np.array([c.weight for c in node.children]),
        node.aggregation or "arithmetic",
        None if np.isnan(off).all() else off,
    )


def sensitivity(*, code: str, kind: str, when: str, level: str, draws: int = 1000, spread: float = 0.25,
                seed: int = 1, vary_aggregation: bool = True, engine: str = "duckdb", export_lake: bool = True) -> Table:  # fmt: skip
    """The rank intervals of one period's units at one level under the active definition."""
    from zhili.index.engine import peer_groups, tree_for
    from zhili.index.services import active_definition, compute, load_units, targets_for

    check_inputs(draws, spread)
    version = active_definition(code)
    definition = version.parsed()
    if kind not in definition.periods:
        raise SensitivityError(
            _("“%(code)s” is computed per %(periods)s, not per %(kind)s")
            % {"code": code, "periods": ", ".join(definition.periods), "kind": kind},
            details=[{"field": "period", "value": kind}],
        )
    if level not in definition.units:
        raise SensitivityError(
            _("“%(code)s” scores %(levels)s, not %(level)s")
            % {"code": code, "levels": ", ".join(definition.units), "level": level},
            details=[{"field": "level", "value": level}],
        )
    targets = targets_for(kind, when)
    units = load_units([level])[level]
    if not units:
        raise SensitivityError(_("no units at the level %(level)s") % {"level": level},
                               details=[{"field": "level", "value": level}])  # fmt: skip
    if export_lake:  # as `run` does: the analysis sees the data a run would
        from zhili.hub.lake import export

        export()
    alt, swapped = alternative_definition(definition)
    tree = tree_for(definition, kind)
    leaves = tree.leaves()
    written, nominal = _leaf_scores(compute(definition, kind, targets, engine=engine), level, units, leaves)
    alternative = swappable = None
    if alt is not None:
        alternative, _o = _leaf_scores(compute(alt, kind, targets, engine=engine), level, units, leaves)
        swappable = [leaf.path in swapped for leaf in leaves]
    column = {leaf.path: i for i, leaf in enumerate(leaves)}
    groups = peer_groups(definition, units)
    sim = simulate(written, branch_of(tree, nominal, column), alternative=alternative, swappable=swappable,
                   draws=draws, spread=spread, seed=seed, vary_aggregation=vary_aggregation,
                   groups=groups)  # fmt: skip
    engine_totals = np.array([np.nan if o.total is None else o.total for o in nominal])
    engine_ranks = np.array([np.nan if o.rank is None else o.rank for o in nominal])
    if not (np.allclose(sim.nominal, engine_totals, atol=1e-6, equal_nan=True)
            and np.array_equal(sim.nominal_rank, engine_ranks, equal_nan=True)):  # fmt: skip
        # the engine does something here that this module does not copy: no made-up intervals
        raise RuntimeError("sensitivity: re-aggregated leaf scores do not reproduce the engine's totals")
    ranked = ~np.isnan(engine_ranks)
    rows = []
    for u, o, s, g in zip(units, nominal, summarise(sim.ranks), groups, strict=True):
        median, q05, q95 = s or (None, None, None)
        width = None if s is None else q95 - q05
        n = int((ranked & (groups == g)).sum())  # the unit's peers
        rows.append(Row(u.code, u.name, o.total, o.rank, median, q05, q95, width, robustness(width, n)))
    rows.sort(key=lambda r: (r.nominal is None, r.nominal or 0, r.code))
    return Table(code, version.content_hash[:12], targets[0], level, draws, spread, seed, vary_aggregation,
                 swapped, rows)  # fmt: skip


def _leaf_scores(computed, level: str, units, leaves):
    """(leaf scores U × L, NaN missing; the outcomes in the order of `units`) of one level."""
    by_unit = {o.unit: o for o in computed.outcomes if o.level == level}
    outcomes = [by_unit[u.code] for u in units]
    keys = [leaf.path.split("/", 1)[1] for leaf in leaves]  # as Outcome.nodes names them
    scores = [[o.nodes[k]["score"] for k in keys] for o in outcomes]
    return np.array(scores, dtype=float).reshape(len(units), len(leaves)), outcomes
