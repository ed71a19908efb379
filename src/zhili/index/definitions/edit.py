"""A draft's YAML edited as form fields and written back as YAML.

ruamel.yaml's round trip keeps every comment, anchor, key order and number as written; only the
values whose field changed are replaced, so the text of everything else stays byte for byte what
it was (the shipped files come back unchanged from a load and a dump). The form is derived from the
text each time and the text stays the one source of truth: a field's input name is its location in
the YAML (``y.children.3.weight``), and a value is written back only when it differs from what the
form showed. Validation is not done here: the caller passes the result through `load_text`, and
`place_errors` puts the parser's errors (node path and key) beside the fields they concern.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext as _
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from .checks import _is_code
from .model import (
    AGGREGATIONS,
    AGGS,
    DENOMINATORS,
    DIRECTIONS,
    MEASURE_FIELDS,
    MISSING_RULES,
    RANK_SCOPES,
    RANK_WITHIN,
    SCORING_PARAMS,
)

PREFIX = "y."
NEW_LEAF_SCORING = {"method": "ratio", "reference": {"method": "peers", "history": 12}}


@dataclass
class Field:
    """One input: `where` locates its value in the YAML, `key` (relative to the node, as the
    parser names it in an error's field) decides which errors it shows."""

    where: tuple
    path: str
    key: tuple
    kind: str  # text | number | choice | list | flow
    value: str
    choices: tuple = ()
    optional: bool = False
    errors: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return PREFIX + ".".join(str(p) for p in self.where)


@dataclass
class NodeForm:
    where: tuple
    path: str
    depth: int
    code: str
    name: str
    is_leaf: bool
    fields: dict[str, Field] = field(default_factory=dict)
    errors: list = field(default_factory=list)  # about the node, not one of its fields
    shared_scoring: bool = False  # the scoring is an anchor or an alias: a change here is local

    @property
    def op_where(self) -> str:
        return ".".join(str(p) for p in self.where)


@dataclass
class DraftForm:
    code: str
    top: dict[str, Field]
    bands: list[tuple[Field, Field]]
    labels: list[Field]
    ranking: dict[str, Field]
    root: NodeForm
    nodes: list[NodeForm]
    errors: list = field(default_factory=list)  # the ones no field or node takes

    def fields(self) -> list[Field]:
        out = [*self.top.values(), *(f for pair in self.bands for f in pair), *self.labels]
        out += [*self.ranking.values(), *self.root.fields.values()]
        return out + [f for n in self.nodes for f in n.fields.values()]

    @property
    def error_count(self) -> int:
        counted = sum(len(f.errors) for f in self.fields()) + len(self.root.errors) + len(self.errors)
        return counted + sum(len(n.errors) for n in self.nodes)


class EditError(Exception):
    """The text cannot be read as YAML at all: only the YAML editor can show it."""


# --- the text ---------------------------------------------------------------------------------


def _yaml(text: str) -> YAML:
    try:
        _data, indent, offset = load_yaml_guess_indent(text)
    except YAMLError as exc:
        raise EditError(str(exc)) from exc
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=indent or 2, offset=offset or 0)
    # null as written by hand and by PyYAML (ruamel would leave a block item empty: `- - `)
    y.representer.add_representer(type(None), _null)
    return y


def _null(representer, _data):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _load(text: str) -> tuple[YAML, Any]:
    y = _yaml(text)
    try:
        data = y.load(text)
    except YAMLError as exc:
        raise EditError(str(exc)) from exc
    if not isinstance(data, CommentedMap):
        raise EditError(_("a definition is a mapping of keys to values"))
    return y, data


def _dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return str(v)


def _flow(v: Any) -> str:
    """A value as one line of YAML (the scoring's parameters, an AHP matrix)."""
    if v is None or v == {}:
        return ""
    text = yaml.safe_dump(
        _plain(v), default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _number(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v).lower()
    if isinstance(v, int | float):
        return f"{float(v):.12g}" if isinstance(v, float) else str(v)
    return str(v)


def _text(v: Any) -> str:
    return "" if v is None else str(v)


# --- the form of a text -----------------------------------------------------------------------


def _node_path(parent: str, raw: Any, i: int) -> str:
    code = raw.get("code") if isinstance(raw, Mapping) else None
    return f"{parent}/{code}" if _is_code(code) else f"{parent}/[{i}]"


def _node_fields(raw: Mapping, where: tuple, path: str, *, by_matrix: bool) -> dict[str, Field]:
    def f(key: tuple, kind: str, value: str, choices: tuple = (), optional: bool = False) -> Field:
        return Field((*where, *key), path, key, kind, value, choices, optional)

    out = {
        "code": f(("code",), "text", _text(raw.get("code"))),
        "name": f(("name",), "text", _text(raw.get("name"))),
        "name_en": f(("name_en",), "text", _text(raw.get("name_en")), optional=True),
    }
    if not by_matrix:
        out["weight"] = f(("weight",), "number", _number(raw.get("weight")), optional=True)
    if "children" in raw:
        out["aggregation"] = f(("aggregation",), "choice", _text(raw.get("aggregation")), AGGREGATIONS, True)
        if raw.get("weights") is not None:
            out["weights"] = f(("weights",), "flow", _flow(raw.get("weights")))
        return out
    measure = raw.get("measure") if isinstance(raw.get("measure"), Mapping) else {}
    types = measure.get("event_types")
    out |= {
        "event_types": f(
            ("measure", "event_types"), "list", ", ".join(map(str, types)) if isinstance(types, list) else ""
        ),
        "field": f(("measure", "field"), "choice", _text(measure.get("field")), MEASURE_FIELDS, True),
        "agg": f(("measure", "agg"), "choice", _text(measure.get("agg")), AGGS, True),
        "denominator": f(("denominator",), "choice", _text(raw.get("denominator")), DENOMINATORS, True),
        "direction": f(("direction",), "choice", _text(raw.get("direction")), DIRECTIONS),
    }
    scoring = raw.get("scoring") if isinstance(raw.get("scoring"), Mapping) else {}
    method = _text(scoring.get("method"))
    params = {k: v for k, v in scoring.items() if k != "method"}
    out["scoring_method"] = f(("scoring", "method"), "choice", method, tuple(SCORING_PARAMS))
    out["scoring"] = f(("scoring",), "flow", _flow(params), optional=True)
    out["missing"] = f(("missing",), "choice", _text(raw.get("missing")), MISSING_RULES, True)
    return out


def _is_shared(value: Any) -> bool:
    anchor = getattr(value, "anchor", None)
    return bool(anchor is not None and anchor.value)


def draft_form(text: str) -> DraftForm:
    """The form of a draft's text: its top fields, grade bands, ranking and every node."""
    _y, data = _load(text)
    code = data.get("code")
    root_path = code if _is_code(code) else "-"
    top = {
        "name": Field(("name",), root_path, ("name",), "text", _text(data.get("name"))),
        "name_en": Field(
            ("name_en",), root_path, ("name_en",), "text", _text(data.get("name_en")), optional=True
        ),
    }
    bands: list[tuple[Field, Field]] = []
    labels: list[Field] = []
    grades = data.get("grades")
    if (
        isinstance(grades, Mapping)
        and grades.get("method", "bands") == "bands"
        and isinstance(grades.get("bands"), list)
    ):
        for i, band in enumerate(grades["bands"]):
            pair = band if isinstance(band, list) and len(band) == 2 else [None, ""]
            where = ("grades", "bands", i)
            bands.append((
                Field((*where, 0), root_path, where, "number", _number(pair[0]), optional=True),
                Field((*where, 1), root_path, (*where, "grade"), "text", _text(pair[1])),
            ))  # fmt: skip
        label_map = grades.get("labels") if isinstance(grades.get("labels"), Mapping) else {}
        for grade in label_map:
            where = ("grades", "labels", grade)
            labels.append(Field(where, root_path, where, "text", _text(label_map[grade])))
    ranking_raw = data.get("ranking") if isinstance(data.get("ranking"), Mapping) else {}
    ranking = {
        key: Field(
            ("ranking", key),
            root_path,
            ("ranking", key),
            "choice",
            _text(ranking_raw.get(key)),
            options,
            True,
        )
        for key, options in (("within", RANK_WITHIN), ("scope", RANK_SCOPES))
    }
    root = NodeForm((), root_path, 0, _text(code), _text(data.get("name")), False)
    nodes: list[NodeForm] = []

    def walk(raw: Mapping, where: tuple, path: str, depth: int) -> None:
        children = raw.get("children")
        if not isinstance(children, list):
            return
        by_matrix = raw.get("weights") is not None
        for i, child in enumerate(children):
            if not isinstance(child, Mapping):
                continue
            cwhere, cpath = (*where, "children", i), _node_path(path, child, i)
            node = NodeForm(
                cwhere, cpath, depth, _text(child.get("code")), _text(child.get("name")), "children" not in child,
                _node_fields(child, cwhere, cpath, by_matrix=by_matrix),
                shared_scoring=_is_shared(child.get("scoring")),
            )  # fmt: skip
            nodes.append(node)
            walk(child, cwhere, cpath, depth + 1)

    if data.get("weights") is not None:
        root.fields["weights"] = Field(
            ("weights",), root_path, ("weights",), "flow", _flow(data.get("weights"))
        )
    walk(data, (), root_path, 1)
    return DraftForm(_text(code), top, bands, labels, ranking, root, nodes)


# --- errors beside their fields ---------------------------------------------------------------


def _error_key(field_name: str) -> tuple:
    return tuple(p for p in re.split(r"[.\[\]]+", field_name or "") if p)


def place_errors(form: DraftForm, errors: Iterable[dict]) -> None:
    """Each of the parser's errors (its node path and key) onto the field with the longest key
    that starts its key; else onto its node; else into the form's own list."""
    nodes = {n.path: n for n in reversed([form.root, *form.nodes])}
    top = [*form.top.values(), *(pair[0] for pair in form.bands), *form.labels, *form.ranking.values()]
    for error in errors:
        key = _error_key(str(error.get("field", "")))
        node = nodes.get(str(error.get("path", "")))
        candidates = list(node.fields.values()) if node else []
        if node is form.root:
            candidates += top
        best = None
        for f in candidates:
            fkey = tuple(str(p) for p in f.key)
            if key[: len(fkey)] == fkey and (best is None or len(fkey) > len(best.key)):
                best = f
        if best is not None:
            best.errors.append(error)
        elif node is not None and node is not form.root:
            node.errors.append(error)
        elif node is form.root and key[:1] == ("children",):
            form.root.errors.append(error)
        else:
            form.errors.append(error)


# --- the text of a form -----------------------------------------------------------------------


def _get(data: Any, where: tuple) -> Any:
    for p in where:
        data = data[p]
    return data


def _convert(f: Field, submitted: str, old: Any) -> tuple[Any, str | None]:
    """The value to write, or (None, reason) when the input cannot be written as YAML."""
    s = submitted.strip()
    if f.kind == "number":
        if not s:
            return None, None
        try:
            number = float(s)
        except ValueError:
            return s, None  # written as text: the parser names what is wrong with it
        return (
            int(number) if number.is_integer() and "." not in s and "e" not in s.lower() else number
        ), None
    if f.kind == "list":
        seq = CommentedSeq([p for p in re.split(r"[\s,，、]+", s) if p])
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            seq.fa.set_flow_style()
        return seq, None
    if f.kind == "flow":
        if not s:
            return None, None
        try:
            value = yaml.safe_load(s)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem", None) or str(exc)
            return None, _("not valid YAML: %(problem)s") % {"problem": mark}
        if not isinstance(value, dict):
            return None, _("write the parameters as {key: value, …}")
        return value, None
    return s, None


def _flow_map(value: Mapping) -> CommentedMap:
    out = CommentedMap()
    for k, v in value.items():
        out[k] = _flow_map(v) if isinstance(v, Mapping) else v
    out.fa.set_flow_style()
    return out


def _set(data: CommentedMap, f: Field, value: Any, node: Mapping | None) -> None:
    parent_where, key = f.where[:-1], f.where[-1]
    if f.key == ("scoring",) or f.key == ("scoring", "method"):
        # the scoring is written whole, as a new flow mapping: an alias keeps its other users
        scoring = dict(node.get("scoring") or {}) if node is not None else {}
        scoring = _plain(scoring) if scoring else {}
        if f.key == ("scoring", "method"):
            scoring["method"] = value
        else:
            scoring = {"method": scoring.get("method", "")} | (value or {})
        node["scoring"] = _flow_map(scoring)
        return
    if f.key == ("weights",):
        parent = _get(data, parent_where)
        if value is None:
            parent.pop("weights", None)
        else:
            parent["weights"] = _flow_map(value)
        return
    if parent_where[:1] == ("ranking",) and not isinstance(data.get("ranking"), Mapping):
        data["ranking"] = _flow_map({})
    if (
        parent_where[-1:] == ("measure",)
        and node is not None
        and not isinstance(node.get("measure"), Mapping)
    ):
        node["measure"] = _flow_map({})
    parent = _get(data, parent_where)
    if isinstance(parent, list):
        parent[key] = value
    elif (value is None or value == "") and f.optional:
        parent.pop(key, None)
        if parent_where == ("ranking",) and not parent:
            data.pop("ranking")
    else:
        parent[key] = value


def apply(text: str, values: Mapping[str, str], *, op: str = "") -> tuple[str, list[dict]]:
    """The text with the submitted values written in (only those that differ from what the form
    showed) and the operation `add:<group>` or `remove:<leaf>` done; and the errors of inputs that
    could not be written (a scoring's parameters that are not YAML). Unchanged → the same text."""
    form = draft_form(text)
    y, data = _load(text)
    changed, problems = False, []
    node_of = {f.name: n for n in form.nodes for f in n.fields.values()}
    for f in form.fields():
        submitted = values.get(f.name)
        if submitted is None or submitted.replace("\r\n", "\n").strip() == f.value.strip():
            continue
        node = node_of.get(f.name)
        raw_node = _get(data, node.where) if node else data
        try:
            old = _get(data, f.where)
        except (KeyError, IndexError, TypeError):
            old = None
        value, reason = _convert(f, submitted, old)
        if reason:
            problems.append(
                {"path": f.path, "field": ".".join(map(str, f.key)), "reason": reason, "input": f.name}
            )
            continue
        _set(data, f, value, raw_node)
        changed = True
    kind, _sep, where_text = op.partition(":")
    where = tuple(int(p) if p.isdigit() else p for p in where_text.split(".") if p)
    known = {n.where: n for n in [form.root, *form.nodes]}
    if kind == "add" and where in known and not known[where].is_leaf:
        _add_leaf(_get(data, where))
        changed = True
    elif kind == "remove" and where in known and known[where].is_leaf and where:
        _remove(_get(data, where[:-1]), where[-1])
        changed = True
    return (_dump(y, data) if changed else text), problems


# --- adding and removing a leaf, keeping the comment that follows the last one ----------------


def _tail(node: Any) -> tuple[Any, Any] | None:
    """(container, key) of the last item in the node's subtree: where ruamel keeps the comment
    lines that follow it (often the header of the next section)."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        inner = (
            _tail(node[key]) if not getattr(node[key], "fa", None) or not node[key].fa.flow_style() else None
        )
        return inner or (node, key)
    if isinstance(node, CommentedSeq) and node and not node.fa.flow_style():
        i = len(node) - 1
        return _tail(node[i]) or (node, i)
    return None


def _take_comment(node: Any) -> Any:
    spot = _tail(node)
    if spot is None:
        return None
    container, key = spot
    entry = container.ca.items.get(key)
    if not entry:
        return None
    slot = 2 if isinstance(container, CommentedMap) else 0
    token = entry[slot]
    entry[slot] = None
    return token


def _put_comment(node: Any, token: Any) -> None:
    spot = _tail(node)
    if token is None or spot is None:
        return
    container, key = spot
    slot = 2 if isinstance(container, CommentedMap) else 0
    entry = container.ca.items.setdefault(key, [None, None, None, None] if slot == 2 else [None, None])
    if entry[slot] is None:
        entry[slot] = token


def _add_leaf(group: CommentedMap) -> None:
    children = group["children"]
    codes = {c.get("code") for c in children if isinstance(c, Mapping)}
    n = next(i for i in range(1, len(codes) + 2) if f"leaf_{i}" not in codes)
    leaf = CommentedMap()
    leaf["code"] = f"leaf_{n}"
    leaf["name"] = ""
    if group.get("weights") is None:
        leaf["weight"] = None
    leaf["measure"] = _flow_map({"event_types": [], "agg": "count"})
    leaf["denominator"] = "per_10k_residents"
    leaf["direction"] = "lower_is_better"
    leaf["scoring"] = _flow_map(NEW_LEAF_SCORING)
    token = _take_comment(children[-1]) if children else None
    children.append(leaf)
    _put_comment(leaf, token)


def _remove(children: CommentedSeq, i: int) -> None:
    token = _take_comment(children[i]) if i == len(children) - 1 else None
    del children[i]
    if children:
        _put_comment(children[-1], token)
