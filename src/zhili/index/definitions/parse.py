"""`parse`: a definition's top level and its tree of groups (codes, daily flags, weights given or
from an AHP matrix), down to the leaves."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from zhili.hub.catalogue import INDICATORS

from .checks import _fraction, _is_code, _is_number
from .leaves import _Leaves
from .model import (
    AGGREGATIONS,
    COMMON_NODE_KEYS,
    CR_LIMIT,
    GROUP_KEYS,
    LEAF_KEYS,
    MAX_DEPTH,
    PERIODS,
    RANDOM_INDEX,
    RECIPROCAL_TOLERANCE,
    TOP_KEYS,
    UNIT_LEVELS,
    WEIGHT_TOLERANCE,
    Definition,
    DefinitionError,
    Lines,
    Node,
    ahp_weights,
)
from .sections import _Sections


class _Parser(_Sections, _Leaves):
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
        coverage = self.coverage(data.get("coverage"), path)
        root = self.node(data, (), path, depth=0, daily_off=False, parent_daily=False, stack=())
        deductions = self.deductions(data.get("deductions"), root, path)
        if root is not None and "day" in periods and not any(n.daily for n in root.leaves()):
            self.err(("periods",), path, "periods", _("a day index needs leaves marked daily: true"))
        if root is not None:
            self.reference_kinds(root, periods or [])
        self.errors.raise_if_any(DefinitionError)
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
            coverage=coverage,
        )

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
        is_leaf = self._node_shape(raw, where, path, root=root)
        if is_leaf is None:
            return None

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
        daily = self._node_flags(raw, node, where, path, daily_off=daily_off, parent_daily=parent_daily)
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
        entries = self._child_entries(children, where, path, stack)
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

    def _node_shape(self, raw: dict, where: tuple, path: str, *, root: bool) -> bool | None:
        """Whether a node is a leaf (else a group); None if it is neither, or both, or a leaf at the
        root. Keys of the other kind are errors."""
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
        return is_leaf

    def _node_flags(
        self, raw: dict, node: Node, where: tuple, path: str, *, daily_off: bool, parent_daily: bool
    ) -> bool | None:
        """Set the node's daily and indicator; return `daily` as given (None if not, or wrong)."""
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
        return daily

    def _child_entries(self, children: list, where: tuple, path: str, stack: tuple) -> list[tuple]:
        """(index, child, where, path) of the children that can be read; their codes are checked."""
        entries = []
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
        return entries

    def reference_kinds(self, root: Node, periods: list[str]) -> None:
        """A trailing reference given per period kind covers every kind its leaf is scored in."""
        for leaf in root.leaves():
            ref = (leaf.scoring or {}).get("reference") or {}
            kinds = [k for k in periods if k != "day" or leaf.daily]
            if ref and "method" not in ref:
                missing = [k for k in kinds if k not in ref]
                if missing:
                    self.err(
                        (),
                        leaf.path,
                        "scoring.reference",
                        _("no reference for %(kinds)s, a period this leaf is scored in")
                        % {"kinds": ", ".join(missing)},
                    )
                    continue
            for kind in kinds:
                spec = ref if "method" in ref else ref.get(kind, {})
                for key in ("n", "guard", "history"):
                    value = spec.get(key)
                    if isinstance(value, dict) and kind not in value:
                        self.err(
                            (),
                            leaf.path,
                            f"scoring.reference.{key}",
                            _("no value for %(kinds)s, a period this leaf is scored in") % {"kinds": kind},
                        )

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
    parser.errors.raise_if_any(DefinitionError)
    assert definition is not None
    return definition
