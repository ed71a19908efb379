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
      # or by place among the peers of each period:
      #   {method: quantiles, quantiles: [0.75, 0.5, 0.25], grades: [blue, yellow, orange, red]}
      # or against the total of a unit at its baselines (80, see zhili/index/scoring.py) ± points:
      #   {method: baseline, tolerance: 5, grades: [green, yellow, red]}
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
    coverage: {minimum: 0.75}      # optional: a unit whose measured leaves carry less of the
                                   #   weight gets no grade, rank or stars (数据不全)
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

Scoring methods (scores run 0–100): ratio {reference, alpha?, window?} — the common scale of
`zhili.index.reference`: s = 100 / (1 + d²/4) from the deterioration ratio d (observed over the
reference; 80 as usual, 50 at twice, 20 at four times), where the reference is
{method: trailing, n, guard, seasonal} (the unit's own rate over the n periods before the last
`guard` ones, empirical-Bayes shrunk toward its peers, times the level's weekday and seasonal
pattern), {method: peers, history, spread, seasonal} (the peers' rate over the history; the
unit's own rate by empirical Bayes) or {method: fixed, value}; n, guard and history may be given
per period kind ({day: 56, month: 12}) and so may the whole reference ({day: {…}, month: {…}}).
With alpha (counts only, trailing references) a count over the last `window` periods changes d
only when it is that unlikely (negative binomial, the unit's own overdispersion); else d = 1.
Then goalposts {worst, best} (linear between, clipped);
baseline_ratio {baseline} (the value against a baseline); poisson {baseline} (counts only: how
unlikely the count is given the baseline); minmax, zscore, rank (against the peer units; no
parameters); deduction {points} (100 − points × value, lower_is_better only); blend {parts: [{weight,
method, …}, …]} (a weighted mean of other methods, weights summing to 1). A baseline is
same_period_last_year, previous_period, peer_median (the median of the peers, see `ranking`),
{method: mean_last_n, n} (the n periods just before) or {method: n_year_average, n} (the mean per
period of the previous n calendar years).

The package, by topic: `model` (the schema's vocabularies and limits, `Node`, `Definition`,
`ahp_weights`); `checks` (collected errors, the parser's shared checks, measures); `sections`
(grades, streaks, stars, veto, ranking, deductions); `leaves` (leaf, scoring, blend, baseline);
`parse` (the top level, the tree and its weights; `parse`); `yaml_lines` (YAML with line numbers,
`load_file`, `load_shipped`, `DATA_DIR`).
"""

from .model import (
    AGGREGATIONS,
    AGGS,
    BASELINES,
    BASELINES_WITH_N,
    CODE_MAX,
    CODE_RE,
    COMMON_NODE_KEYS,
    CR_LIMIT,
    DENOMINATORS,
    DIRECTIONS,
    FRACTION_RE,
    GROUP_KEYS,
    LEAF_KEYS,
    MAX_DEPTH,
    MAX_ERRORS,
    MEASURE_FIELDS,
    MEASURE_KEYS,
    MISSING_RULES,
    NAME_MAX,
    PERIODS,
    RANDOM_INDEX,
    RANK_SCOPES,
    RANK_WITHIN,
    RECIPROCAL_TOLERANCE,
    SCORING_PARAMS,
    TOP_KEYS,
    UNIT_LEVELS,
    WEIGHT_TOLERANCE,
    Definition,
    DefinitionError,
    Lines,
    Node,
    ahp_weights,
    canonical_json,
)
from .parse import parse
from .yaml_lines import (
    DATA_DIR,
    SHIPPED,
    load_file,
    load_shipped,
    load_text,
)

__all__ = [
    "AGGREGATIONS",
    "AGGS",
    "BASELINES",
    "BASELINES_WITH_N",
    "CODE_MAX",
    "CODE_RE",
    "COMMON_NODE_KEYS",
    "CR_LIMIT",
    "DATA_DIR",
    "DENOMINATORS",
    "DIRECTIONS",
    "FRACTION_RE",
    "GROUP_KEYS",
    "LEAF_KEYS",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "MEASURE_FIELDS",
    "MEASURE_KEYS",
    "MISSING_RULES",
    "NAME_MAX",
    "PERIODS",
    "RANDOM_INDEX",
    "RANK_SCOPES",
    "RANK_WITHIN",
    "RECIPROCAL_TOLERANCE",
    "SCORING_PARAMS",
    "SHIPPED",
    "TOP_KEYS",
    "UNIT_LEVELS",
    "WEIGHT_TOLERANCE",
    "Definition",
    "DefinitionError",
    "Lines",
    "Node",
    "ahp_weights",
    "canonical_json",
    "load_file",
    "load_shipped",
    "load_text",
    "parse",
]
