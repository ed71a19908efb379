"""The draft editor of an index definition: the tree, weights, measures, scoring, grade bands and
ranking as form fields (or the YAML itself), each validation error beside the field or line it
concerns, and activation only after a confirmation page that shows the draft's effect. The form
is written back into the YAML by `zhili.index.definitions.edit` and goes through the same
validation as the YAML; the only write is `services.activate_confirmed`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from zhili.core.errors import Conflict
from zhili.core.scope import scoped
from zhili.index import services
from zhili.index.definitions import Definition, edit
from zhili.index.models import DefinitionVersion
from zhili.web.dashboard.definitions import LABELS, _version, _versions, preview, validate, weight_changes

# The grade codes the shipped definitions use, named for the label of their name's input.
GRADE_COLOURS = {
    "blue": pgettext_lazy("grade colour", "blue"), "green": pgettext_lazy("grade colour", "green"),
    "yellow": pgettext_lazy("grade colour", "yellow"), "orange": pgettext_lazy("grade colour", "orange"),
    "red": pgettext_lazy("grade colour", "red"),
}  # fmt: skip
CONFIRM_SALT = "zhili.index.definition.activate"
CONFIRM_MAX_AGE = 2 * 3600
CHOICES = {
    **LABELS,
    "count": gettext_lazy("count of events"),
    "sum": gettext_lazy("sum of the field"),
    "mean": gettext_lazy("mean of the field"),
    "quantity": gettext_lazy("quantity"),
    "deaths": gettext_lazy("deaths"),
    "injuries": gettext_lazy("injuries"),
    "amount": gettext_lazy("amount"),
    "value": gettext_lazy("value"),
    "arithmetic": gettext_lazy("arithmetic mean"),
    "geometric": gettext_lazy("geometric mean"),
    "goalposts": gettext_lazy("goalposts"),
    "baseline_ratio": gettext_lazy("ratio to a baseline"),
    "poisson": gettext_lazy("Poisson probability"),
    "minmax": gettext_lazy("min–max against the peers"),
    "zscore": gettext_lazy("z-score against the peers"),
    "rank": gettext_lazy("rank among the peers"),
    "deduction": gettext_lazy("deduction"),
    "blend": gettext_lazy("blend of methods"),
    "ratio": gettext_lazy("deterioration ratio"),
    "kind": gettext_lazy("units of the same kind"),
    "level": gettext_lazy("units of the same level"),
    "city": gettext_lazy("the whole city"),
    "district": gettext_lazy("the same district"),
    "town": gettext_lazy("the same town"),
}
FIELD_LABELS = {
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("Name"),
    "name_en": gettext_lazy("Name in English"),
    "weight": gettext_lazy("Weight"),
    "aggregation": gettext_lazy("Aggregation of the children"),
    "weights": gettext_lazy("AHP matrix (YAML)"),
    "event_types": gettext_lazy("Event types (comma-separated)"),
    "field": gettext_lazy("Field measured"),
    "agg": gettext_lazy("Aggregate"),
    "denominator": gettext_lazy("Denominator"),
    "direction": gettext_lazy("Direction"),
    "scoring_method": gettext_lazy("Scoring method"),
    "scoring": gettext_lazy("Scoring parameters (YAML)"),
    "missing": gettext_lazy("When a feed is missing"),
    "within": gettext_lazy("Rank among"),
    "scope": gettext_lazy("Peers within"),
}


def _may_change(user) -> bool:
    return user.has_perm("index.add_definitionversion")


def _require_change(user) -> None:
    scoped(user, DefinitionVersion)  # 403 without index.view_definitionversion
    if not _may_change(user):
        raise PermissionDenied


def _submitted(request) -> tuple[str, list[dict], dict[str, str]]:
    """The draft's YAML: the text, with the form's fields written in when the form was shown;
    the inputs that could not be written, and what was typed in them."""
    text = request.POST.get("text", "").replace("\r\n", "\n")
    if request.POST.get("mode") != "form":
        return text, [], {}
    values = {k: v for k, v in request.POST.items() if k.startswith(edit.PREFIX)}
    try:
        new, problems = edit.apply(text, values, op=request.POST.get("op", ""))
    except edit.EditError:
        return text, [], {}
    return new, problems, {p["input"]: values.get(p["input"], "") for p in problems}


def _choices(f: edit.Field) -> list[tuple[str, str]]:
    return [(c, str(CHOICES.get(c, c))) for c in f.choices]


def _decorate(form: edit.DraftForm) -> None:
    """Labels and choices for the template, which cannot call functions."""
    for node in [form.root, *form.nodes]:
        for key, f in node.fields.items():
            f.label, f.options = FIELD_LABELS.get(key, key), _choices(f)
    for key, f in [*form.top.items(), *form.ranking.items()]:
        f.label, f.options = FIELD_LABELS.get(key, key), _choices(f)
    for low, grade in form.bands:
        low.label, grade.label, low.options, grade.options = _("Minimum score"), _("Grade code"), [], []
    for f in form.labels:
        f.label, f.options = GRADE_COLOURS.get(f.where[-1], f.where[-1]), []


def _sections(form: edit.DraftForm) -> list[dict]:
    """The nodes under each first-level node, so that each can be folded away."""
    sections: list[dict] = []
    for node in form.nodes:
        if node.depth == 1:
            sections.append({"head": node, "nodes": [], "errors": 0})
        if sections:
            sections[-1]["nodes"].append(node)
            sections[-1]["errors"] += len(node.errors) + sum(len(f.errors) for f in node.fields.values())
    return sections


def _editor(request, code: str, text: str, *, mode: str, check: bool, problems=(), typed=None, status=200):
    active = _versions(request.user, code).filter(is_active=True).first()
    context = {"code": code, "text": text, "active": active, "mode": mode, "errors": [], "valid": False,
               "changes": None, "preview": None, "form": None, "note": request.POST.get("note", "")}  # fmt: skip
    draft, errors = validate(text, code) if check else (None, [])
    errors = [*problems, *errors]
    context["errors"] = errors
    if mode == "form":
        try:
            form = edit.draft_form(text)
        except edit.EditError as exc:
            context["mode"], context["form_refused"] = "yaml", str(exc)
        else:
            edit.place_errors(form, errors)
            for f in form.fields():
                if typed and f.name in typed:
                    f.value = typed[f.name]
            _decorate(form)
            context |= {"form": form, "sections": _sections(form)}
    if context["mode"] == "yaml":
        _yaml_errors(context, errors)
    if check and not errors:
        context["valid"] = True
        if active:
            context["changes"] = weight_changes(active.parsed(), draft)
        if request.POST.get("action") == "preview":
            context["preview"] = preview(request.user, code, draft)
    return render(request, "web/dashboard/definitions_edit.html", context, status=status)


def _yaml_errors(context: dict, errors: list[dict]) -> None:
    """In the YAML editor: the numbered lines, those with an error marked, and each error with
    its line's text (not the whole file again)."""
    lines = context["text"].splitlines()
    bad = {int(e["line"]) for e in errors if e.get("line")}
    context["gutter"] = [{"n": i, "bad": i in bad} for i in range(1, len(lines) + 1)]
    context["line_errors"] = sorted(
        ({**e, "excerpt": lines[int(e["line"]) - 1].strip() if 0 < int(e["line"]) <= len(lines) else ""}
         for e in errors if e.get("line")),
        key=lambda e: int(e["line"]),
    )  # fmt: skip
    context["loose"] = [e for e in errors if not e.get("line")]


@login_required
def definition_edit(request, code: str):
    """GET: the active version (or ?from=<version>) as a form, or as YAML with ?mode=yaml. POST:
    write the form into the YAML, add or remove a leaf, switch between form and YAML, validate,
    preview the effect; nothing is stored here."""
    _require_change(request.user)
    if request.method == "GET":
        version = _version(request.user, code, request.GET.get("from"))
        mode = "yaml" if request.GET.get("mode") == "yaml" else "form"
        return _editor(request, code, version.text, mode=mode, check=False)
    text, problems, typed = _submitted(request)
    action = request.POST.get("action", "")
    mode = {"yaml": "yaml", "form": "form"}.get(action) or (
        "form" if request.POST.get("mode") == "form" else "yaml"
    )
    return _editor(request, code, text, mode=mode, check=action != "yaml", problems=problems, typed=typed)


def _token(request, code: str, draft: Definition, active: DefinitionVersion | None) -> str:
    payload = {
        "c": code,
        "h": draft.content_hash,
        "a": active.content_hash if active else "",
        "u": request.user.pk,
    }
    return signing.dumps(payload, salt=CONFIRM_SALT)


def _confirm(request, code: str, text: str, draft: Definition, *, notice: str = ""):
    """The confirmation: what the draft changes (weights, last month's ranks and grades), and
    the one button that activates it."""
    active = _versions(request.user, code).filter(is_active=True).first()
    context = {
        "code": code, "text": text, "draft": draft, "active": active, "notice": notice,
        "changes": weight_changes(active.parsed(), draft) if active else None,
        "preview": preview(request.user, code, draft), "token": _token(request, code, draft, active),
        "note": request.POST.get("note", ""),
    }  # fmt: skip
    return render(request, "web/dashboard/definitions_confirm.html", context)


@login_required
@require_POST
def definition_activate(request, code: str):
    """Without a confirmation token: validate, and show the confirmation page (nothing stored).
    With one: activate the draft it was given for, once."""
    _require_change(request.user)
    text, problems, typed = _submitted(request)
    draft, errors = validate(text, code)
    if problems or errors:
        mode = "form" if request.POST.get("mode") == "form" else "yaml"
        return _editor(request, code, text, mode=mode, check=True, problems=problems, typed=typed)
    try:
        signed = signing.loads(request.POST.get("confirm", ""), salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return _confirm(request, code, text, draft)
    if (signed.get("c"), signed.get("h"), signed.get("u")) != (code, draft.content_hash, request.user.pk):
        return _confirm(request, code, text, draft)
    note = request.POST.get("note", "")[:200]
    try:
        version, done = services.activate_confirmed(
            text=text,
            actor=request.user,
            expected_active=signed.get("a", ""),
            note=note,
            filename=f"{code}.yaml",
        )
    except Conflict as exc:
        return _confirm(request, code, text, draft, notice=exc.message)
    values = {"hash": version.content_hash[:8], "code": code}
    if done:
        messages.success(request, _("Version %(hash)s of %(code)s is now active.") % values)
    else:
        messages.info(
            request, _("Version %(hash)s of %(code)s was already active; nothing changed.") % values
        )
    return redirect("dash:definition", code=code)
