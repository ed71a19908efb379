"""Index definitions for analysts: the tree with its weights (of the parent and of the total, the
AHP matrices), a draft edited as YAML and validated with the errors beside their lines, two
versions compared (the YAML diff and the weights that changed), the effect of a draft on last
month's town ranking (computed, not stored) and its activation. Writes go through
`services.save_definition` only."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.core.errors import ZhiliError
from zhili.core.scope import in_scope, scoped
from zhili.index import selectors, services
from zhili.index.definitions import Definition, DefinitionError, Node, load_text
from zhili.index.models import DefinitionVersion, Outcome
from zhili.index.periods import Period

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


def _value(v) -> str:
    """A scoring parameter as written: same_period_last_year, mean_last_n(n=3), 0.5·rank + …"""
    if isinstance(v, dict):
        rest = ", ".join(f"{k}={_value(x)}" for k, x in v.items() if k not in ("method", "weight"))
        text = f"{v.get('method', '')}({rest})" if rest else str(v.get("method", ""))
        return f"{v['weight']:g}·{text}" if "weight" in v else text
    if isinstance(v, list):
        return " + ".join(_value(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _params(spec: dict | None) -> str:
    return "; ".join(f"{k}: {_value(v)}" for k, v in (spec or {}).items() if k != "method")


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

    def walk(node: Node, share: float, depth: int) -> None:
        for child in node.children:
            total = share * child.weight
            measure = child.measure or {}
            rows.append({
                "path": _rel(definition, child), "code": child.code, "name": _name(child), "depth": depth,
                "indent": f"{0.4 + (depth - 1) * 1.4:.1f}", "is_leaf": child.is_leaf, "weight_pct": child.weight * 100,
                "total_pct": total * 100, "bar": f"{min(total * 400, 80):.1f}", "ahp": _ahp(child.weights, child.children),
                "event_types": measure.get("event_types") or [], "field": measure.get("field") or "",
                "agg": measure.get("agg") or "", "categories": measure.get("categories") or [],
                "denominator": _label(child.denominator or ("none" if child.is_leaf else "")),
                "direction": _label(child.direction), "missing": _label(child.missing),
                "scoring": (child.scoring or {}).get("method", ""), "scoring_params": _params(child.scoring),
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
    context = {
        "code": code,
        "version": version,
        "definition": parsed,
        "rows": tree_rows(parsed),
        "root_ahp": _ahp(parsed.root.weights, parsed.root.children),
        "versions": _versions(request.user, code),
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


def annotated(text: str, errors: list[dict]) -> list[dict]:
    """The draft's lines, each with the errors that point at it."""
    by_line: dict[int, list[dict]] = {}
    for e in errors:
        if e.get("line"):
            by_line.setdefault(int(e["line"]), []).append(e)
    return [
        {"n": i, "text": line, "errors": by_line.get(i, [])} for i, line in enumerate(text.splitlines(), 1)
    ]


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


def _edit_context(request, code: str, text: str) -> dict:
    active = _versions(request.user, code).filter(is_active=True).first()
    return {"code": code, "text": text, "active": active, "errors": [], "lines": [], "valid": False,
            "changes": None, "preview": None, "note": request.POST.get("note", "")}  # fmt: skip


def _may_change(user) -> bool:
    return user.has_perm("index.add_definitionversion")


@login_required
def definition_edit(request, code: str):
    """GET: the active version's YAML (or ?from=<version>) in a textarea. POST: validate it, or
    validate and preview its effect; nothing is stored here."""
    if request.method == "GET":
        version = _version(request.user, code, request.GET.get("from"))
        return render(
            request, "web/dashboard/definitions_edit.html", _edit_context(request, code, version.text)
        )
    scoped(request.user, DefinitionVersion)
    if request.POST.get("action") == "preview" and not _may_change(request.user):
        raise PermissionDenied
    text = request.POST.get("text", "").replace("\r\n", "\n")
    context = _edit_context(request, code, text)
    draft, errors = validate(text, code)
    _fill(request, context, draft, errors)
    return render(request, "web/dashboard/definitions_edit.html", context)


def _fill(request, context: dict, draft: Definition | None, errors: list[dict]) -> None:
    context["errors"] = errors
    if errors:
        context["lines"] = annotated(context["text"], errors)
        context["loose"] = [e for e in errors if not e.get("line")]
        return
    context["valid"] = True
    if context["active"]:
        context["changes"] = weight_changes(context["active"].parsed(), draft)
    if request.POST.get("action") == "preview":
        context["preview"] = preview(request.user, context["code"], draft)


@login_required
@require_POST
def definition_activate(request, code: str):
    scoped(request.user, DefinitionVersion)
    if not _may_change(request.user):
        raise PermissionDenied
    text = request.POST.get("text", "").replace("\r\n", "\n")
    draft, errors = validate(text, code)
    if errors or request.POST.get("confirm") != "1":
        # Valid: the weights that change and a confirmation first; activating replaces the
        # version every later run uses, and is not undone by going back.
        context = _edit_context(request, code, text)
        _fill(request, context, draft, errors)
        context["confirm_activate"] = not errors
        return render(request, "web/dashboard/definitions_edit.html", context)
    version = services.save_definition(
        text=text, actor=request.user, note=request.POST.get("note", "")[:200], filename=f"{code}.yaml"
    )
    messages.success(
        request,
        _("Version %(hash)s of %(code)s is now active.") % {"hash": version.content_hash[:8], "code": code},
    )
    return redirect("dash:definition", code=code)
