"""The mediation pages: apply from a phone (signing in by a text-message code if need be), the
case list and the case page where mediators and parties work, and the public check of a signed
agreement. Every write goes through the services; their refusals come back on the form."""

from __future__ import annotations

import base64
import binascii
import math

from django.contrib import messages as flash
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm

from zhili.core.errors import NotFound, ZhiliError
from zhili.geo.lookup import locate_point
from zhili.geo.models import Level
from zhili.mediation import forms, guide, paperwork, selectors, services
from zhili.mediation.choices import Channel, DisputeType, DocumentKind, PartyRole, State
from zhili.org import phone


def _case(request, number: str):
    """The case if the visitor may see it; otherwise the 404 page, as for a missing case."""
    try:
        return selectors.get_case(request.user, number)
    except NotFound:
        raise Http404 from None


def _refused(form, err: ZhiliError) -> None:
    """A service's refusal under the field it names (when the form has it), in plain words."""
    field = next((d.get("field") for d in err.details or [] if d.get("field") in form.fields), None)
    form.add_error(field, forms.plain(err.message))


def home(request):
    if request.user.is_authenticated and request.user.has_perm("mediation.view_case"):
        return redirect("mediation:cases")
    return redirect("mediation:apply")


def _phone_step(request):
    """Not signed in: the page asks for a mobile number, then for the code sent to it."""
    stage = "code" if request.session.get("phone_pending") else "phone"
    form = (forms.CodeForm if stage == "code" else forms.PhoneForm)(
        request.POST or None, initial={"phone": request.session.get("phone_pending", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if stage == "phone" or "resend" in request.POST:
                phone.send_code(form.cleaned_data["phone"])
                request.session["phone_pending"] = form.cleaned_data["phone"]
                return redirect(request.get_full_path())
            user = phone.sign_in(form.cleaned_data["phone"], form.cleaned_data["code"])
        except phone.PhoneError as err:
            field = next((d.get("field") for d in err.details or []), "phone")
            form.add_error(
                "code" if stage == "code" and field == "code" else "phone", forms.plain(err.message)
            )
        else:
            request.session.pop("phone_pending", None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(request.get_full_path())  # a link's ?place= survives signing in
    return render(request, "mediation/phone.html", {"form": form, "stage": stage})


def apply(request):
    if not request.user.is_authenticated:
        return _phone_step(request)
    me = request.user
    staff = me.has_perm("mediation.add_case")  # entering a case for someone else
    initial = {} if staff else {"applicant_phone": me.phone, "applicant_name": me.display_name}
    initial["unit_code"] = request.GET.get("place", "")  # a link from a village's or town's page
    form = forms.ApplyForm(request.POST or None, request.FILES or None, initial=initial, staff=staff)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        parties = [
            services.PartyIn(role=PartyRole.APPLICANT, name=d["applicant_name"], gender=d["applicant_gender"],
                             id_number=d["applicant_id_number"], phone=d["applicant_phone"], address=d["applicant_address"]),
            services.PartyIn(role=PartyRole.RESPONDENT, name=d["respondent_name"], id_number=d["respondent_id_number"],
                             phone=d["respondent_phone"], address=d["respondent_address"]),
        ]  # fmt: skip
        try:
            with transaction.atomic():  # the case and its files, or nothing
                case, created = services.apply(
                    actor=me, dispute_type=d["dispute_type"], amount=d["amount"], parties=parties,
                    unit_code=d["unit_code"] or None, lon=d["lon"], lat=d["lat"], facts=d["facts"],
                    claims=d["claims"], request_key=f"web:{d['request_key']}",
                    channel=d.get("channel") or Channel.ONLINE,
                )  # fmt: skip
                for upload in d["files"] if created else []:
                    services.attach(case=case, actor=me, upload=upload)
        except ZhiliError as err:
            for detail in err.details or [{"field": None}]:
                form.add_service_error(detail.get("field") or "", err.message)
        else:
            flash.success(
                request, _("Your application %(number)s has been received.") % {"number": case.number}
            )
            return redirect("mediation:case", number=case.number)
    return render(request, "mediation/apply.html", {"form": form})


SORTS = {"new": gettext_lazy("newest first"), "old": gettext_lazy("oldest first"), "due": gettext_lazy("deadline first"),
         "number": gettext_lazy("by case number")}  # fmt: skip


@login_required
def cases(request):
    """The mediator's work list (and a citizen's own cases): found by number or party name, the
    actor's own cases, late ones marked, in the order asked for."""
    g = request.GET
    sort = g.get("sort") if g.get("sort") in SORTS else "new"
    filters = {"q": g.get("q", "")[:50].strip(), "state": g.get("state", ""), "kind": g.get("type", ""),
               "mine": g.get("mine") == "1", "overdue": g.get("overdue") == "1"}  # fmt: skip
    staff = request.user.has_perm("mediation.view_case")
    page = Paginator(selectors.case_list(request.user, sort=sort, **filters), 30).get_page(g.get("page"))
    keep = g.copy()
    keep.pop("page", None)
    return render(request, "mediation/cases.html", {
        "page": page, **filters, "sort": sort, "sorts": SORTS.items(), "states": State.choices,
        "kinds": DisputeType.choices, "staff": staff, "query": keep.urlencode(),
        "filtered": any(filters.values()),
        "late": selectors.case_list(request.user, overdue=True).count() if staff else 0,
    })  # fmt: skip


def _case_context(request, case, **forms_):
    me = request.user
    role = selectors.member_role(case, me)
    party = selectors.party_of(case, me)
    choices = [(m.user.username, selectors.person(m.user)) for m in services.offered_mediators(case)]
    agreement = paperwork.latest(case, DocumentKind.AGREEMENT)
    signed = set()
    if agreement:
        signed = {s.party_id or f"m{s.mediator_id}" for s in agreement.signatures.all()}
    may_sign = case.state == State.AGREED and agreement is not None and (
        (party is not None and party.pk not in signed) or (role == "lead" and f"m{me.pk}" not in signed and not me.is_superuser)
    )  # fmt: skip
    actions = [
        (a, services.ACTION_LABELS[a]) for a in services.ACTIONS if has_transition_perm(getattr(case, a), me)
    ]
    return {
        "case": case, "parties": selectors.parties(case, me), "role": role, "party": party,
        "steps": selectors.timeline(case, me), "progress": selectors.progress(case),
        "next_text": guide.NEXT.get(case.state) if party is not None else None,
        "team": [(selectors.person(m.user), m.get_role_display()) for m in case.members.select_related("user").order_by("id")],
        "thread": selectors.messages(case, me), "meetings": case.meetings.all(), "attachments": selectors.attachments(case),
        "documents": [(k, label, paperwork.latest(case, k) or paperwork.due(case, k)) for k, label in DocumentKind.choices],
        "actions": actions, "irreversible": guide.IRREVERSIBLE,
        "ends_case": any(a in guide.IRREVERSIBLE for a, _label in actions),
        "only_withdraw": [a for a, _label in actions] == ["withdraw"],
        "action_form": forms_.get("action_form") or forms.ActionForm(mediators=choices),
        "message_form": forms_.get("message_form") or forms.MessageForm(),
        "sign_form": forms_.get("sign_form") or (forms.SignForm(initial={"document_sha256": agreement.sha256}) if may_sign else None),
        "agreement": agreement, "mediators": choices, "may_write": role is not None or party is not None,
        "tasks": [(t, selectors.person(t.assignee) if t.assignee else "") for t in case.tasks.select_related("assignee")] if role else [],
        "tasks_form": forms_.get("tasks_form") or forms.TaskForm(team=_team_choices(case.number)),
        "meetings_form": forms_.get("meetings_form") or forms.MeetingForm(),
        "files_form": forms_.get("files_form") or forms.UploadForm(),
        "is_mediator": role in ("lead", "co"),
        **_transfer_context(case, me),
    }  # fmt: skip


def _transfer_context(case, me) -> dict:
    """What the case page offers about sending the case on: the form for a head of its
    institution, the answer for a head of the one it was sent to, or that it waits."""
    from zhili.mediation.models import Institution, Mediator
    from zhili.mediation.workflow import is_head

    pending = case.transfers.filter(answer="pending").first()
    if pending is not None:
        names = dict(
            Institution.objects.filter(code__in=[pending.from_org, pending.to_org]).values_list(
                "code", "name"
            )
        )
        pending.from_name, pending.to_name = names.get(pending.from_org, ""), names.get(pending.to_org, "")
        may_answer = Mediator.objects.filter(
            user=me, institution__code=pending.to_org, is_head=True, is_active=True
        ).exists()
        return {"transfer_pending": pending, "may_answer": may_answer, "transfer_targets": []}
    targets = []
    if case.state in services.TRANSFERABLE and is_head(case, me):
        targets = list(Institution.objects.filter(is_active=True).exclude(pk=case.institution_id)
                       .order_by("kind", "name").values_list("code", "name"))  # fmt: skip
    return {"transfer_pending": None, "may_answer": False, "transfer_targets": targets}


@login_required
@require_POST
def transfer(request, number: str):
    item = _case(request, number)
    try:
        services.transfer(case=item, actor=request.user, to=request.POST.get("to", ""),
                          reason=request.POST.get("reason", ""))  # fmt: skip
    except ZhiliError as err:
        flash.error(request, forms.plain(err.message))
    else:
        flash.success(
            request, _("Case %(number)s sent; it stays with you until it is taken.") % {"number": number}
        )
    return redirect(reverse("mediation:case", args=[number]) + "#transfer")


@login_required
@require_POST
def answer_transfer(request, number: str):
    item = _case(request, number)
    accept = request.POST.get("accept") == "1"
    try:
        services.answer_transfer(
            case=item, actor=request.user, accept=accept, reason=request.POST.get("reason", "")
        )
    except ZhiliError as err:
        flash.error(request, forms.plain(err.message))
        return redirect(reverse("mediation:case", args=[number]) + "#transfer")
    if accept:
        flash.success(request, _("Case %(number)s is now your institution's.") % {"number": number})
        return redirect("mediation:case", number=number)
    flash.success(
        request,
        _("Case %(number)s refused; it stays with the institution that sent it.") % {"number": number},
    )
    return redirect("mediation:cases")


@login_required
def case(request, number: str):
    item = _case(request, number)
    return render(request, "mediation/case.html", _case_context(request, item))


def _confirm(request, case, form, status: int = 200):
    """The step before an irreversible action: what it will do, the reason, and one button."""
    action = form.cleaned_data["action"]
    title, says, button = guide.CONFIRM[action]
    return render(request, "mediation/confirm.html", {
        "case": case, "form": form, "action": action, "title": title, "says": says, "button": button,
        "needs_reason": action in services.NEEDS_REASON,
    }, status=status)  # fmt: skip


def _may(case, action: str, user) -> bool:
    method = getattr(case, action, None) if action in services.ACTIONS else None
    return method is not None and can_proceed(method) and has_transition_perm(method, user)


@login_required
@require_POST
def act(request, number: str):
    """One step of the case's workflow. An irreversible one (withdraw, decline, fail, refer,
    archive) first answers with a page that says what it will do; only its button, which sends
    `confirmed`, takes the step. That works without JavaScript."""
    item = _case(request, number)
    mediators = [(m.user.username, m.user.username) for m in services.offered_mediators(item)]
    form = forms.ActionForm(request.POST, mediators=mediators)
    if form.is_valid():
        d, action = form.cleaned_data, form.cleaned_data["action"]
        confirming = action in guide.IRREVERSIBLE and _may(item, action, request.user)
        if confirming and not d["confirmed"]:
            return _confirm(request, item, form)
        extra = {
            "assign": {"lead": d["lead"], "co": d["co"]},
            "agree": {"terms": [t.strip() for t in d["terms"].splitlines() if t.strip()],
                      "performance": d["performance"], "agreed_amount": d["agreed_amount"]},
            "refer": {"referral": d["referral"]},
        }.get(action, {})  # fmt: skip
        try:
            if action == "agree" and not extra["terms"]:
                raise ZhiliError(_("write down what was agreed"), details=[{"field": "terms"}])
            services.move(case=item, action=action, actor=request.user, reason=d["reason"], **extra)
        except ZhiliError as err:
            _refused(form, err)
            if confirming:
                return _confirm(request, item, form, status=400)
        else:
            flash.success(request, guide.DONE[action] % {"number": number})
            return redirect("mediation:case", number=number)
    item.refresh_from_db()
    return render(request, "mediation/case.html", _case_context(request, item, action_form=form), status=400)


@login_required
@require_POST
def prefer(request, number: str):
    item = _case(request, number)
    try:
        item = services.prefer(case=item, actor=request.user, mediator=request.POST.get("mediator", ""))
    except ZhiliError as err:
        flash.error(request, forms.plain(err.message))
    else:
        flash.success(request, _("You asked for %(name)s; the committee sees it when it names the mediator.")
                      % {"name": selectors.person(item.preferred_mediator)})  # fmt: skip
    return redirect("mediation:case", number=number)


def _team_post(
    request, number: str, form_class, call, anchor: str, done: str, form_name: str = "", **form_kwargs
):
    """A small form of the case page: valid → the service, refused → back on the page with it."""
    item = _case(request, number)
    form = form_class(request.POST, request.FILES or None, **form_kwargs)
    if form.is_valid():
        try:
            call(item, form.cleaned_data)
        except ZhiliError as err:
            _refused(form, err)
        else:
            flash.success(request, done)
            return redirect(reverse("mediation:case", args=[number]) + anchor)
    return render(
        request,
        "mediation/case.html",
        _case_context(request, item, **{form_name or anchor[1:] + "_form": form}),
        status=400,
    )


def _team_choices(number: str):
    from zhili.mediation.models import Member

    return [(m.user.username, selectors.person(m.user))
            for m in Member.objects.filter(case__number=number).select_related("user")]  # fmt: skip


@login_required
@require_POST
def add_task(request, number: str):
    return _team_post(request, number, forms.TaskForm, lambda case, d: services.add_task(
        case=case, actor=request.user, title=d["title"], assignee=d["assignee"] or None, due=d["due"]),
        "#tasks", _("Task added."), team=_team_choices(number))  # fmt: skip


@login_required
@require_POST
def finish_task(request, number: str, task_id: int):
    item = _case(request, number)
    try:
        services.finish_task(case=item, actor=request.user, task_id=task_id)
    except ZhiliError as err:
        flash.error(request, forms.plain(err.message))
    else:
        flash.success(request, _("Task marked as done."))
    return redirect(reverse("mediation:case", args=[number]) + "#tasks")


@login_required
@require_POST
def schedule(request, number: str):
    return _team_post(request, number, forms.MeetingForm,
                      lambda case, d: services.schedule(case=case, actor=request.user, **d), "#meetings",
                      _("Session scheduled."))  # fmt: skip


@login_required
@require_POST
def upload(request, number: str):
    return _team_post(request, number, forms.UploadForm,
                      lambda case, d: services.attach(case=case, actor=request.user, upload=d["file"]), "#files",
                      _("File added to the case."))  # fmt: skip


@login_required
@require_POST
def post_message(request, number: str):
    return _team_post(request, number, forms.MessageForm,
                      lambda case, d: services.post_message(case=case, actor=request.user, **d), "#thread",
                      _("Message sent."), form_name="message_form")  # fmt: skip


@login_required
@require_POST
def sign(request, number: str):
    item = _case(request, number)
    form = forms.SignForm(request.POST)
    if form.is_valid():
        try:
            image = None
            if form.cleaned_data["image"].startswith("data:image/png;base64,"):
                image = base64.b64decode(form.cleaned_data["image"].split(",", 1)[1], validate=True)
            paperwork.sign(
                case=item,
                actor=request.user,
                document_sha256=form.cleaned_data["document_sha256"],
                image=image,
            )
        except ZhiliError as err:
            _refused(form, err)
        except binascii.Error:
            form.add_error(None, _("the signature image could not be read"))
        else:
            flash.success(request, _("You have signed the agreement."))
            return redirect("mediation:case", number=number)
    return render(request, "mediation/case.html", _case_context(request, item, sign_form=form), status=400)


@login_required
def document(request, number: str, kind: str, fmt: str):
    item = _case(request, number)
    if kind not in DocumentKind.values or fmt not in ("pdf", "docx"):
        from django.http import Http404

        raise Http404
    inline = fmt == "pdf" and request.GET.get("view") == "1"
    return paperwork.document_response(case=item, actor=request.user, kind=kind, fmt=fmt, inline=inline)


def verify(request):
    """Public: is this agreement ours and unchanged? By the code printed on it, or the file."""
    form = forms.VerifyForm(request.POST or request.GET or None, request.FILES or None)
    result = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload is not None:
            if upload.size > services.MAX_ATTACHMENT:
                form.add_error("file", _("The file is larger than 10 MB."))
            else:
                result = paperwork.verify(pdf=upload.read())
        elif form.cleaned_data.get("code"):
            result = paperwork.verify(code=form.cleaned_data["code"])
        else:
            form.add_error("code", _("type the code or choose the file"))
    return render(request, "mediation/verify.html", {"form": form, "result": result})


@login_required
def place(request):
    """The village or community at a point, for the application form to name the place that a tap
    on its map or "use my location" found before it is sent (division names only, nothing stored)."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return JsonResponse({"code": None, "message": _("give lon and lat")}, status=400)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return JsonResponse({"code": None, "message": _("give lon and lat")}, status=400)
    chain = {u.level: u for u in locate_point(lon, lat)}
    village, town = chain.get(Level.VILLAGE), chain.get(Level.TOWN)
    if village is None:
        return JsonResponse({"code": None, "message": _("This point is outside the city; pick the village.")})
    label = _("%(village)s (%(town)s)") % {"village": village.name, "town": town.name if town else ""}
    return JsonResponse({"code": village.code, "name": village.name, "label": label})


@login_required
def figures(request):
    """The heat map of disputes and the counts by outcome, institution, type, town and month,
    for the cases of the viewer's unit and below."""
    from datetime import timedelta

    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from zhili.mediation import stats

    if not request.user.has_perm("mediation.view_case"):
        raise PermissionDenied
    kind = request.GET.get("type", "")
    kind = kind if kind in DisputeType.values else ""
    try:
        months = max(1, min(int(request.GET.get("months", "12")), 60))
    except ValueError:
        months = 12
    since = timezone.localdate() - timedelta(days=round(months * 30.44))
    qs = selectors.statistics_cases(request.user, dispute_type=kind or None, since=since)
    return render(request, "mediation/figures.html", {
        "summary": stats.summary(qs), "heat": stats.heat(qs), "kind": kind, "kinds": DisputeType.choices,
        "kind_labels": {k: str(label) for k, label in DisputeType.choices}, "months": months, "since": since,
        "tables": [(label, stats.breakdown(qs, by)) for by, label in (
            ("outcome", _("By outcome")), ("dispute_type", _("By kind of dispute")),
            ("institution", _("By institution")), ("town", _("By town or street")), ("month", _("By month")))],
    })  # fmt: skip
