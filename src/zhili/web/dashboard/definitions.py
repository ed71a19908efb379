"""Index definitions for analysts: the tree with its weights (of the parent and of the total, the
AHP matrices), two versions compared (the YAML diff and the weights that changed), a draft's
validation and its effect on last month's town ranking (computed, not stored). The draft editor
and activation are in `definition_editor`."""

from __future__ import annotations

import difflib

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.core.scope import in_scope, scoped
from zhili.hub.models import EventType
from zhili.index import selectors, services
from zhili.index.definitions import Definition, DefinitionError, Node, load_text
from zhili.index.models import DefinitionVersion, Outcome
from zhili.index.periods import Period
from zhili.org.models import User

LABELS = {
    "per_10k_residents": gettext_lazy("per 10,000 residents"),
    "per_1k_residents": gettext_lazy("per 1,000 residents"),
    "per_gdp": gettext_lazy("per unit of GDP"),
    "per_vehicles": gettext_lazy("per motor vehicle"),
    "none": gettext_lazy("none"),
    "lower_is_better": gettext_lazy("lower is better"),
    "higher_is_better": gettext_lazy("higher is better"),
    "carry_last": gettext_lazy("carry the last value"),
    "peer_median": gettext_lazy("the peers' median"),
    "incomplete": gettext_lazy("mark incomplete"),
}
# The scoring methods, their references and their parameters as the tree names them: a
# definition's YAML keeps the codes, a reader sees words.
SCORING_WORDS = {
    "goalposts": gettext_lazy("goalposts"),
    "baseline_ratio": gettext_lazy("ratio to a baseline"),
    "poisson": gettext_lazy("Poisson test against a baseline"),
    "minmax": gettext_lazy("min–max scaling"),
    "zscore": gettext_lazy("standard score"),
    "rank": gettext_lazy("rank"),
    "deduction": gettext_lazy("deduction"),
    "blend": gettext_lazy("blend"),
    "ratio": gettext_lazy("ratio to a reference"),
    "same_period_last_year": gettext_lazy("same period last year"),
    "previous_period": gettext_lazy("previous period"),
    "peer_median": gettext_lazy("the peers' median"),
    "mean_last_n": gettext_lazy("mean of the last periods"),
    "n_year_average": gettext_lazy("average of the last years"),
    "trailing": gettext_lazy("own past periods"),
    "peers": gettext_lazy("peers"),
    "fixed": gettext_lazy("fixed value"),
    "worst": gettext_lazy("worst"),
    "best": gettext_lazy("best"),
    "baseline": gettext_lazy("baseline"),
    "points": gettext_lazy("points"),
    "parts": gettext_lazy("parts"),
    "reference": gettext_lazy("reference"),
    "alpha": gettext_lazy("significance level"),
    "window": gettext_lazy("window"),
    "n": gettext_lazy("periods"),
    "guard": gettext_lazy("guard"),
    "seasonal": gettext_lazy("seasonal"),
    "history": gettext_lazy("periods of history"),
    "spread": gettext_lazy("spread"),
    "value": gettext_lazy("value"),
    # what a leaf measures
    "count": pgettext_lazy("aggregate", "count"),
    "sum": gettext_lazy("sum"),
    "mean": gettext_lazy("mean"),
    "quantity": gettext_lazy("quantity"),
    "deaths": gettext_lazy("deaths"),
    "injuries": gettext_lazy("injuries"),
    "amount": gettext_lazy("amount"),
    # the periods and levels a definition is computed for
    "day": pgettext_lazy("period", "day"),
    "dekad": pgettext_lazy("period", "dekad"),
    "week": pgettext_lazy("period", "week"),
    "month": pgettext_lazy("period", "month"),
    "quarter": pgettext_lazy("period", "quarter"),
    "year": pgettext_lazy("period", "year"),
    "city": gettext_lazy("city"),
    "district": gettext_lazy("district"),
    "town": gettext_lazy("town/street"),
    "village": gettext_lazy("village/community"),
    "grid": gettext_lazy("grid"),
}
TEXT_MAX = 200_000
WEIGHT_EPSILON = 1e-9


def _unit_name(names: dict, code: str) -> str:
    """A unit's name from `selectors.unit_names`, in English where chosen and known."""
    name, name_en, _kind = names.get(code, (code, "", ""))
    return name_en if (get_language() or "").startswith("en") and name_en else name


def _label(value) -> str:
    return str(LABELS.get(value, value)) if value else ""


def _name(node: Node) -> str:
    return node.name_en if (get_language() or "").startswith("en") and node.name_en else node.name


def _rel(definition: Definition, node: Node) -> str:
    return node.path[len(definition.code) + 1 :] if node.path != definition.code else "."


def _word(code) -> str:
    return str(SCORING_WORDS.get(code, code))


def _value(v) -> str:
    """A scoring parameter in words: same period last year, mean of the last periods(periods=3),
    0.5·rank + …"""
    if isinstance(v, dict):
        rest = ", ".join(f"{_word(k)}={_value(x)}" for k, x in v.items() if k not in ("method", "weight"))
        method = _word(v.get("method", ""))
        text = f"{method}({rest})" if rest else method
        return f"{v['weight']:g}·{text}" if "weight" in v else text
    if isinstance(v, list):
        return " + ".join(_value(x) for x in v)
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    return f"{v:g}" if isinstance(v, float) else _word(v) if isinstance(v, str) else str(v)


def _params(spec: dict | None) -> str:
    return "; ".join(f"{_word(k)}: {_value(v)}" for k, v in (spec or {}).items() if k != "method")


def _ahp(weights: dict | None, children: list[Node]) -> dict | None:
    if not weights:
        return None
    names = [_name(c) for c in children]
    return {
        "rows": [(names[i], [f"{v:.3g}" for v in row]) for i, row in enumerate(weights["matrix"])],
        "names": names,
        "cr": weights["consistency_ratio"],
        "lambda_max": weights["lambda_max"],
    }


def tree_rows(definition: Definition) -> list[dict]:
    """The nodes depth first, each with its share of the parent and of the total, in %."""
    rows: list[dict] = []
    type_names, category_names = {}, {}
    for type_code, type_name, fields in EventType.objects.values_list("code", "name", "fields"):
        type_names[type_code] = type_name
        for spec in fields or []:
            if spec.get("name") == "category":
                category_names.update(spec.get("choice_labels") or {})

    def walk(node: Node, share: float, depth: int) -> None:
        for child in node.children:
            total = share * child.weight
            measure = child.measure or {}
            rows.append({
                "path": _rel(definition, child), "code": child.code, "name": _name(child), "depth": depth,
                "indent": f"{0.4 + (depth - 1) * 1.4:.1f}", "is_leaf": child.is_leaf, "weight_pct": child.weight * 100,
                "total_pct": total * 100, "bar": f"{min(total * 400, 80):.1f}", "ahp": _ahp(child.weights, child.children),
                "event_types": [type_names.get(t, t) for t in measure.get("event_types") or []],
                "field": _word(measure.get("field") or ""), "agg": _word(measure.get("agg") or ""), "categories": [category_names.get(c, c) for c in measure.get("categories") or []],
                "denominator": _label(child.denominator or ("none" if child.is_leaf else "")),
                "direction": _label(child.direction), "missing": _label(child.missing),
                "scoring": _word((child.scoring or {}).get("method", "")), "scoring_params": _params(child.scoring),
                "daily": child.daily, "geometric": child.aggregation == "geometric",
            })  # fmt: skip
            walk(child, total, depth + 1)

    walk(definition.root, 1.0, 1)
    return rows


def weights_of(definition: Definition) -> dict[str, tuple[str, float, float]]:
    return {r["path"]: (r["name"], r["weight_pct"], r["total_pct"]) for r in tree_rows(definition)}


def weight_changes(before: Definition, after: Definition) -> list[dict]:
    """Nodes whose share of the parent or of the total differs, or that exist in one only."""
    a, b = weights_of(before), weights_of(after)
    out = []
    for path in list(a) + [p for p in b if p not in a]:
        old, new = a.get(path), b.get(path)
        if old and new and abs(old[1] - new[1]) < WEIGHT_EPSILON and abs(old[2] - new[2]) < WEIGHT_EPSILON:
            continue
        out.append({
            "path": path, "name": (new or old)[0],
            "before": old[1] if old else None, "after": new[1] if new else None,
            "before_total": old[2] if old else None, "after_total": new[2] if new else None,
        })  # fmt: skip
    return out


def _who(usernames) -> dict[str, str]:
    """People by their names, not their usernames; the shipped versions (saved as "zhili") as Zhili."""
    names = dict(User.objects.filter(username__in=set(usernames)).values_list("username", "display_name"))
    return {u: str(_("Zhili (shipped)")) if u == "zhili" else names.get(u) or u for u in usernames}


def _versions(actor, code: str):
    qs = scoped(actor, DefinitionVersion)  # 403 without index.view_definitionversion
    if not qs.exists():
        services.sync_shipped()
    return qs.filter(code=code).order_by("-created_at", "-id")


def _version(actor, code: str, pk) -> DefinitionVersion:
    versions = _versions(actor, code)
    version = versions.filter(pk=pk).first() if pk else versions.filter(is_active=True).first()
    if version is None:
        raise Http404
    return version


@login_required
def definitions(request):
    qs = scoped(request.user, DefinitionVersion)
    if not qs.exists():
        services.sync_shipped()
    active = {v.code: v for v in qs.filter(is_active=True)}
    counts: dict[str, int] = {}
    for code in qs.values_list("code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    rows = [{"code": c, "active": active.get(c), "versions": n} for c, n in sorted(counts.items())]
    return render(request, "web/dashboard/definitions.html", {"rows": rows})


@login_required
def definition(request, code: str):
    version = _version(request.user, code, request.GET.get("version"))
    parsed = version.parsed()
    versions = list(_versions(request.user, code))
    who = _who([v.created_by for v in [version, *versions]])
    for v in [version, *versions]:
        v.who = who[v.created_by]
    context = {
        "code": code,
        "version": version,
        "definition": parsed,
        "rows": tree_rows(parsed),
        "root_ahp": _ahp(parsed.root.weights, parsed.root.children),
        "versions": versions,
        "periods": ", ".join(_word(p) for p in parsed.periods),
        "units": ", ".join(_word(u) for u in parsed.units),
        "first_level": len(parsed.root.children),
        "leaves": len(parsed.leaves()),
    }
    return render(request, "web/dashboard/definitions_tree.html", context)


@login_required
def definition_compare(request, code: str):
    versions = list(_versions(request.user, code))
    if not versions:
        raise Http404
    by_pk = {str(v.pk): v for v in versions}
    active = next((v for v in versions if v.is_active), versions[0])
    b = by_pk.get(request.GET.get("b", ""), active)
    older = [v for v in versions if v.created_at < b.created_at and v.pk != b.pk]
    a = by_pk.get(request.GET.get("a", ""), older[0] if older else b)
    diff = list(
        difflib.unified_diff(
            a.text.splitlines(), b.text.splitlines(), lineterm="", n=3,
            fromfile=f"{code} {a.content_hash[:8]}", tofile=f"{code} {b.content_hash[:8]}",
        )
    )  # fmt: skip
    lines = [{"text": line, "kind": _diff_kind(line)} for line in diff]
    context = {"code": code, "versions": versions, "a": a, "b": b, "diff": lines,
               "changes": weight_changes(a.parsed(), b.parsed())}  # fmt: skip
    return render(request, "web/dashboard/definitions_compare.html", context)


def _diff_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    return {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")


def validate(text: str, code: str) -> tuple[Definition | None, list[dict]]:
    """The draft parsed, or the errors of its validation (file, line, path, field, reason)."""
    if len(text) > TEXT_MAX:
        return None, [{"path": code, "field": "-", "reason": _("the text is too long")}]
    try:
        draft = load_text(text, filename=f"{code}.yaml")
    except DefinitionError as exc:
        return None, exc.details or [{"path": code, "field": "-", "reason": exc.message}]
    if draft.code != code:
        reason = _("the draft's code is “%(draft)s”; this page edits “%(code)s”") % {
            "draft": draft.code,
            "code": code,
        }
        return None, [
            {"path": draft.code, "field": "code", "reason": reason, "line": _line_of(text, "code:")}
        ]
    return draft, []


def _line_of(text: str, prefix: str) -> int | None:
    return next((i for i, line in enumerate(text.splitlines(), 1) if line.startswith(prefix)), None)


def _grade_labels(grades: dict | None):
    """grade code → what the pages call it (the definition's label; the code in English)."""
    labels = {} if (get_language() or "").startswith("en") else (grades or {}).get("labels") or {}
    return lambda code: labels.get(code, code) if code else ""


def preview(actor, code: str, draft: Definition) -> dict:
    """Last published month's town ranking now and with the draft (computed, never stored)."""
    month = selectors.latest_published_period(code, "month")
    if month is None:
        return {"error": _("There is no published monthly result of this index to compare with.")}
    label = Period("month", month).label(get_language() or "zh-hans")
    try:
        computed = services.compute(draft, "month", services.targets_for("month", f"{month:%Y-%m}"))
        run, now = selectors.results(
            scoped(actor, Outcome).filter(level="town"), code=code, kind="month", start=month
        )
    except ZhiliError as exc:
        return {"error": exc.message, "month": label}
    new = {o.unit: o for o in computed.outcomes if o.level == "town" and o.period.start == month}
    label_now = _grade_labels(run.definition.raw.get("grades"))
    label_draft = _grade_labels(draft.grades)
    names = {r["unit_code"]: r["unit_name"] for r in now}
    missing = [c for c in new if c not in names and in_scope(actor, c)]
    more = selectors.unit_names(missing) if missing else {}
    names.update({c: _unit_name(more, c) for c in missing})
    current = {r["unit_code"]: r for r in now}
    rows = []
    for unit, name in names.items():
        before, after = current.get(unit), new.get(unit)
        rank_now, rank_new = (before or {}).get("rank"), after.rank if after else None
        rows.append({
            "unit_code": unit, "name": name, "rank_now": rank_now, "total_now": (before or {}).get("total"),
            "grade_now": label_now((before or {}).get("grade")), "rank_draft": rank_new,
            "total_draft": after.total if after else None, "grade_draft": label_draft(after.grade if after else None),
            "move": rank_now - rank_new if rank_now and rank_new else None,
        })  # fmt: skip
    rows.sort(key=lambda r: (r["rank_draft"] is None, r["rank_draft"] or 0, r["unit_code"]))
    return {"month": label, "rows": rows, "moved": sum(1 for r in rows if r["move"])}
