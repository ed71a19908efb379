"""Every write of the mediation app: apply, route, move a case through its workflow, its team,
thread and meetings. Each call is one transaction that writes the timeline and the audit; the
hub hears of a case when it opens and when it ends (in the same transaction, see hub.publish).
Documents and signatures: `zhili.mediation.paperwork`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhili.casework import attachments
from zhili.casework import services as kernel
from zhili.casework.registry import type_of
from zhili.core.audit import record
from zhili.core.errors import Conflict, Forbidden, NotFound, ZhiliError
from zhili.core.idnumber import is_valid as is_valid_id
from zhili.core.models import AuditAction
from zhili.core.scope import code_prefix
from zhili.geo.models import Level, Unit
from zhili.mediation.choices import OPEN_STATES, Channel, MemberRole, PartyRole, State
from zhili.mediation.models import (
    Attachment,
    Case,
    Institution,
    Mediator,
    Meeting,
    Message,
    Party,
    RoutingRule,
    Task,
)
from zhili.org.models import User

ACCEPT_HOURS = 72  # the institution decides on acceptance within three days
DUPLICATE_MINUTES = 30
# Attachments are checked by the casework kernel (type by content, size, count per case).
MAX_ATTACHMENT = attachments.MAX_SIZE
ATTACHMENT_TYPES = attachments.TYPES
PHONE = re.compile(r"^1[3-9]\d{9}$")


class InvalidApplication(ZhiliError):
    code = "invalid_application"
    status = 422


def _field_error(field: str, message: str) -> InvalidApplication:
    return InvalidApplication(f"{field}: {message}", details=[{"field": field, "reason": message}])


# --- applying --------------------------------------------------------------------------------


@dataclass
class PartyIn:
    role: str
    name: str
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""


def _place(unit_code: str | None, lon: float | None, lat: float | None) -> Unit:
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, level__gte=Level.DISTRICT).first()
        if unit is None:
            raise _field_error(
                "unit_code",
                _("no district, town, village or grid has the code %(code)s") % {"code": unit_code},
            )
        return unit
    if lon is None or lat is None:
        raise _field_error("place", _("give the place as a unit code or as lon and lat"))
    from zhili.geo.lookup import locate

    code = str(locate([lon], [lat], Level.VILLAGE)[0])
    if not code:
        raise _field_error(
            "place", _("the point %(lon)s, %(lat)s is outside the city") % {"lon": lon, "lat": lat}
        )
    return Unit.objects.get(code=code)


def _check_parties(parties: list[PartyIn]) -> None:
    roles = [p.role for p in parties]
    if PartyRole.APPLICANT not in roles:
        raise _field_error("parties", _("name at least one applicant"))
    if PartyRole.RESPONDENT not in roles:
        raise _field_error("parties", _("name at least one other party (respondent)"))
    for i, p in enumerate(parties):
        if not p.name.strip():
            raise _field_error(f"parties.{i}.name", _("required"))
        if p.id_number and not is_valid_id(p.id_number.upper()):
            raise _field_error(
                f"parties.{i}.id_number", _("not a valid resident ID number (18 characters, check digit)")
            )
        if p.phone and not PHONE.match(p.phone):
            raise _field_error(f"parties.{i}.phone", _("a mobile number has 11 digits and starts with 1"))
    applicant = next(p for p in parties if p.role == PartyRole.APPLICANT)
    if not (applicant.phone or applicant.id_number):
        raise _field_error("parties.0.phone", _("the applicant needs a phone number or an ID number"))


def fingerprint(dispute_type: str, parties: list[PartyIn], facts: str) -> str:
    applicant = next(p for p in parties if p.role == PartyRole.APPLICANT)
    who = (applicant.id_number or applicant.phone).upper()
    text = re.sub(r"\s+", "", facts)
    return hashlib.sha256(f"{dispute_type}|{who}|{text}".encode()).hexdigest()


def apply(
    *,
    actor,
    dispute_type: str,
    parties: list[PartyIn],
    facts: str,
    claims: str,
    amount: Decimal | None = None,
    unit_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    channel: str = Channel.ONLINE,
    request_key: str | None = None,
    external_ref: str = "",
    paperwork: bool = True,
) -> tuple[Case, bool]:
    """A new case, routed. Returns (case, created): a retried request (same `request_key`) gets
    the case it made; the same applicant with the same facts within minutes is refused.
    `paperwork=False` leaves the documents to be written when first opened (bulk loads)."""
    system = isinstance(actor, str)  # a case the hub brought in: "hub:<source>"
    if request_key and not system:  # one person's key never finds another's case
        request_key = f"user:{actor.pk}:{request_key}"[:80]
    if request_key and (done := Case.objects.filter(request_key=request_key).first()):
        return done, False
    if channel != Channel.ONLINE and not system and not actor.has_perm("mediation.add_case"):
        raise Forbidden(_("only staff enter cases on someone's behalf"))
    unit, mark = _check_application(dispute_type, parties, facts, claims, amount, unit_code, lon, lat)
    institution, routed_by = route(dispute_type=dispute_type, amount=amount, unit=unit)
    staff = channel != Channel.ONLINE
    fields = {
        "channel": channel, "dispute_type": dispute_type, "amount": amount, "unit": unit, "lon": lon, "lat": lat,
        "facts": facts.strip(), "claims": claims.strip(), "institution": institution, "routed_by": routed_by,
        "applicant_user": None if staff or system else actor, "entered_by": _name(actor) if staff else "",
        "fingerprint": mark, "request_key": request_key, "external_ref": external_ref,
    }  # fmt: skip
    try:
        with transaction.atomic():
            case = _open_case(actor, fields, parties, own=not staff and not system)
    except IntegrityError:
        if request_key and (done := Case.objects.filter(request_key=request_key).first()):
            return done, False  # the same request, arriving twice at once
        raise
    if paperwork:
        from zhili.mediation.paperwork import generate

        kernel.after_commit(lambda: generate(case=case, kind="application"))
    return case, True


def _check_application(dispute_type, parties, facts, claims, amount, unit_code, lon, lat) -> tuple[Unit, str]:
    """The place and the fingerprint of a valid application; else a 422 naming the field, or a
    409 for the same application made minutes ago."""
    if not facts.strip():
        raise _field_error("facts", _("required"))
    if not claims.strip():
        raise _field_error("claims", _("required"))
    if amount is not None and amount < 0:
        raise _field_error("amount", _("must not be negative"))
    _check_parties(parties)
    unit = _place(unit_code, lon, lat)
    mark = fingerprint(dispute_type, parties, facts)
    since = timezone.now() - timedelta(minutes=DUPLICATE_MINUTES)
    if twin := Case.objects.filter(fingerprint=mark, opened_at__gte=since).first():
        raise Conflict(
            _("the same application was made at %(when)s as case %(number)s")
            % {"when": timezone.localtime(twin.created_at).strftime("%H:%M"), "number": twin.number},
            details=[{"field": "facts", "reason": "duplicate", "case": twin.number}],
        )
    return unit, mark


def _open_case(actor, fields: dict, parties: list[PartyIn], *, own: bool) -> Case:
    """The case on record (casework kernel: its number, first step, audit, hub fact, acceptance
    clock), its parties — the first applicant linked to the citizen applying for themself — and,
    when no rule routes it, the intake desk told."""
    case = Case.objects.create(number=kernel.number_for(type_of(Case())), **fields)
    for p in parties:
        Party.objects.create(
            case=case, role=p.role, name=p.name.strip(), gender=p.gender, id_number=p.id_number.upper(),
            phone=p.phone, address=p.address,
            user=actor if (own and p.role == PartyRole.APPLICANT and p is parties[0]) else None,
        )  # fmt: skip
    kernel.opened(case, actor, action="submit", details={"routed_by": fields["routed_by"]},
                  audit_details={"channel": fields["channel"]})  # fmt: skip
    kernel.start_clock(case, "accept", actor, at=case.opened_at, note=False)
    _sync_deadlines(case)
    if fields["institution"] is None:  # no rule routes it: it waits at the intake desk, which is told
        attributes = {
            "dispute_type": fields["dispute_type"],
            "amount": fields["amount"],
            "unit": case.unit.code,
        }
        kernel.unrouted(case, attributes=attributes)
    return case


# --- routing ---------------------------------------------------------------------------------


def open_load() -> dict[int, int]:
    rows = Case.objects.filter(state__in=OPEN_STATES).values("institution").annotate(n=Count("id"))
    return {r["institution"]: r["n"] for r in rows}


def route(*, dispute_type: str, amount: Decimal | None, unit: Unit) -> tuple[Institution | None, str]:
    """The institution for a new case and the rule that chose it (RoutingRule, in order)."""
    load = None
    for rule in RoutingRule.objects.filter(is_active=True).select_related("institution"):
        if rule.dispute_types and dispute_type not in rule.dispute_types:
            continue
        if rule.min_amount is not None and (amount is None or amount < rule.min_amount):
            continue
        if rule.max_amount is not None and amount is not None and amount >= rule.max_amount:
            continue
        if rule.unit_prefix and not unit.code.startswith(code_prefix(rule.unit_prefix)):
            continue
        if rule.institution_id:
            if rule.institution.is_active:
                return rule.institution, rule.name
            continue
        load = open_load() if load is None else load
        covering = [
            i for i in Institution.objects.filter(kind=rule.institution_kind, is_active=True).select_related("unit")
            if unit.code.startswith(i.unit.prefix) and load.get(i.pk, 0) < i.capacity
        ]  # fmt: skip
        if covering:
            best = min(covering, key=lambda i: (-len(i.unit.prefix), load.get(i.pk, 0), i.code))
            return best, rule.name
    return None, ""


# --- the workflow ----------------------------------------------------------------------------

ACTIONS = ("accept", "decline", "assign", "start", "agree", "fail", "withdraw", "refer", "archive")
ACTION_LABELS = {  # literal calls, so that makemessages finds them
    "accept": pgettext_lazy("mediation action", "accept"),
    "decline": pgettext_lazy("mediation action", "decline"),
    "assign": pgettext_lazy("mediation action", "assign"),
    "start": pgettext_lazy("mediation action", "start mediating"),
    "agree": pgettext_lazy("mediation action", "record an agreement"),
    "fail": pgettext_lazy("mediation action", "close as failed"),
    "withdraw": pgettext_lazy("mediation action", "withdraw"),
    "refer": pgettext_lazy("mediation action", "refer"),
    "archive": pgettext_lazy("mediation action", "archive"),
}
NEEDS_REASON = {"decline", "fail", "withdraw"}


def _name(actor) -> str:
    return actor if isinstance(actor, str) else actor.get_username()


def _step(case: Case, action: str, source: str, target: str, actor, reason: str = "", details=None) -> None:
    kernel.step(case, action, actor, source=source, target=target, reason=reason, details=details)


def move(*, case: Case, action: str, actor, reason: str = "", paperwork: bool = True, **fields) -> Case:
    """Take one transition of the case's workflow through the casework kernel (state, right,
    conditional update, step, audit, hub fact). Accepting stops the acceptance clock and starts
    the mediation clock; the acceptance form and the agreement are written after commit (unless
    `paperwork=False`), and the parties told."""
    if action not in ACTIONS:
        raise NotFound(_("no such action: %(action)s") % {"action": action})

    def check():
        if action in NEEDS_REASON and not reason.strip():
            raise _field_error("reason", _("give the reason"))

    def before(case):
        if action == "assign":
            _set_team(case, actor, **team)
        if action == "accept":
            kernel.stop_clock(case, "accept", actor, note=False)
            kernel.start_clock(case, "mediation", actor, note=False)
        _sync_deadlines(case)

    def after(case):
        if paperwork and action in ("accept", "agree"):
            from zhili.mediation.paperwork import generate

            generate(case=case, kind="acceptance" if action == "accept" else "agreement")
        if action in PARTY_NEWS and paperwork:
            tell_parties(case=case, action=action)

    team = fields if action == "assign" else {}
    arguments = {"reason": reason.strip(), **({} if action == "assign" else fields)}
    kernel.transition(case, action, actor, reason=reason.strip(), check=check, before=before, after=after,
                      arguments=arguments)  # fmt: skip
    return case


def _sync_deadlines(case: Case) -> None:
    """The case's own deadline fields (lists, pages, overdue alerts) from its kernel clocks: the
    due moments of its latest acceptance and mediation clocks, running or stopped."""
    from zhili.casework.clocks import last_day

    latest = {c.name: c for c in case.clocks.order_by("started_at", "id")}  # a stopped one keeps its due
    accept, mediation = latest.get("accept"), latest.get("mediation")
    case.accept_due = accept.due_at if accept else case.accept_due
    case.mediation_due = last_day(mediation.due_at) if mediation and mediation.due_at else case.mediation_due
    case.extended_days = sum(e["amount"] for e in mediation.extensions) if mediation else case.extended_days
    Case.objects.filter(pk=case.pk).update(
        accept_due=case.accept_due, mediation_due=case.mediation_due, extended_days=case.extended_days
    )


def _set_team(
    case: Case, actor, *, lead: str, co: list[str] | None = None, observers: list[str] | None = None
) -> None:
    """The lead mediator (of the case's institution) and the others on the case."""
    people = {
        u.username: u for u in User.objects.filter(username__in=[lead, *(co or []), *(observers or [])])
    }
    if (
        lead not in people
        or not Mediator.objects.filter(
            user=people[lead], institution_id=case.institution_id, is_active=True
        ).exists()
    ):
        raise _field_error("lead", _("%(name)s is not an active mediator of %(institution)s") % {
            "name": lead, "institution": case.institution})  # fmt: skip
    wanted = [(lead, MemberRole.LEAD)] + [(u, MemberRole.CO) for u in co or []]
    wanted += [(u, MemberRole.OBSERVER) for u in observers or []]
    for username, _role in wanted:
        if username not in people:
            raise _field_error("team", _("no user %(name)s") % {"name": username})
    for username, role in wanted:  # each role assumed from now, on record (casework kernel)
        kernel.assume(case, people[username], role, by=actor, note=False)


def offered_mediators(case: Case):
    """The mediators a party may ask for: the active mediators of the case's institution."""
    return Mediator.objects.filter(institution_id=case.institution_id, is_active=True).select_related("user")


def prefer(*, case: Case, actor, mediator: str) -> Case:
    """The applicant picks a mediator from those offered; the head sees it when assigning."""
    from zhili.mediation.selectors import party_of

    party = party_of(case, actor)
    if party is None or party.role != PartyRole.APPLICANT:
        raise Forbidden(_("only the applicant chooses a mediator"))
    if case.state not in (State.SUBMITTED, State.ACCEPTED):
        raise Conflict(_("the mediator is chosen before the case is assigned"), code="illegal_transition")
    chosen = offered_mediators(case).filter(user__username=mediator).first()
    if chosen is None:
        raise _field_error("mediator", _("%(name)s is not among the mediators offered") % {"name": mediator})
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(preferred_mediator=chosen.user)
        case.preferred_mediator = chosen.user
        _step(case, "prefer", case.state, case.state, actor, details={"mediator": mediator})
        record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=case,
            details={"action": "prefer", "mediator": mediator},
        )
    return case


def reassign(*, case: Case, actor, lead: str, reason: str) -> Case:
    """A new lead mediator, with the reason; the old lead stays on as co-mediator."""
    from zhili.mediation.workflow import is_head

    if not is_head(case, actor):
        raise Forbidden(_("only the institution's head reassigns a case"))
    if not reason.strip():
        raise _field_error("reason", _("give the reason"))
    if case.state not in (State.ASSIGNED, State.IN_MEDIATION):
        raise Conflict(_("only an assigned case is reassigned"), code="illegal_transition")
    with transaction.atomic():
        old = case.members.filter(role=MemberRole.LEAD).select_related("user").first()
        _set_team(case, actor, lead=lead)  # the lead passes to the new one, on record
        if old and old.user.get_username() != lead:
            kernel.assume(case, old.user, MemberRole.CO, by=actor, note=False)  # and stays on as co
        _step(case, "reassign", case.state, case.state, actor, reason, {"lead": lead})
        record(actor=actor, action=AuditAction.CHANGE, obj=case, details={"action": "reassign", "lead": lead})
    return case


def extend(*, case: Case, actor, days: int, reason: str) -> Case:
    from zhili.mediation.workflow import is_lead

    if not is_lead(case, actor):
        raise Forbidden(_("only the lead mediator extends the mediation period"))
    if not 1 <= days <= 30 or not reason.strip():
        raise _field_error("days", _("extend by 1 to 30 days, with the reason"))
    if case.state not in (State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION):
        raise Conflict(_("only a case in mediation is extended"), code="illegal_transition")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.extended_days != case.extended_days:
            raise Conflict(_("someone else changed this case just now; reload it"), code="concurrent_change")
        kernel.extend_clock(case, "mediation", f"{days} natural_days", by=actor, approved_by=actor, reason=reason,
                            note=False)  # fmt: skip
        _sync_deadlines(case)
        _step(case, "extend", case.state, case.state, actor, reason, {"days": days})
        record(actor=actor, action=AuditAction.CHANGE, obj=case, details={"action": "extend", "days": days})
    return case


def post_message(*, case: Case, actor, body: str, private: bool = False) -> Message:
    from zhili.mediation.selectors import member_role, party_of

    party = party_of(case, actor)
    if party is None and member_role(case, actor) is None:
        raise Forbidden(_("only the parties and the case's team write in its thread"))
    if private and party is not None:
        raise Forbidden(_("private notes are the mediators' own"))
    if not body.strip():
        raise _field_error("body", _("required"))
    return Message.objects.create(
        case=case, author=actor.get_username(), author_party=party, body=body.strip(), private=private
    )


def team_only(case: Case, actor, message: str) -> None:
    from zhili.mediation.selectors import member_role

    if member_role(case, actor) is None:
        raise Forbidden(message)


def add_task(*, case: Case, actor, title: str, assignee: str | None = None, due=None) -> Task:
    """A to-do for the case's team, given to one of its members (or to nobody yet)."""
    team_only(case, actor, _("only the case's team keeps its tasks"))
    if not title.strip():
        raise _field_error("title", _("required"))
    person = None
    if assignee:
        person = User.objects.filter(username=assignee, mediation_cases__case=case).first()
        if person is None:
            raise _field_error("assignee", _("%(name)s is not on this case's team") % {"name": assignee})
    with transaction.atomic():
        task = Task.objects.create(
            case=case, title=title.strip(), assignee=person, due=due, created_by=_name(actor)
        )
        _step(case, "task", case.state, case.state, actor, title.strip(), {"assignee": assignee or ""})
    return task


def finish_task(*, case: Case, actor, task_id: int) -> Task:
    team_only(case, actor, _("only the case's team keeps its tasks"))
    task = case.tasks.filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("no such task"))
    if Task.objects.filter(pk=task.pk, done_at=None).update(done_at=timezone.now()):
        _step(case, "task_done", case.state, case.state, actor, task.title)
    task.refresh_from_db()
    return task


def schedule(
    *, case: Case, actor, starts_at, place: str = "", video_url: str = "", note: str = ""
) -> Meeting:
    """A mediation session with the parties, in a room or on a video link (or both)."""
    from zhili.mediation.workflow import is_mediator

    if not is_mediator(case, actor):
        raise Forbidden(_("only the case's mediators schedule its sessions"))
    if video_url and not re.match(r"^https?://\S+$", video_url):
        raise _field_error("video_url", _("a link starts with http:// or https://"))
    if not (place.strip() or video_url):
        raise _field_error("place", _("give a place or a video link"))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            case=case, starts_at=starts_at, place=place.strip(), video_url=video_url, note=note
        )
        _step(
            case,
            "meeting",
            case.state,
            case.state,
            actor,
            f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M} {place}",
        )
    return meeting


def attach(*, case: Case, actor, upload) -> Attachment:
    """A file for the case from a party or its team, checked by the casework kernel: a known
    type whose content matches its name, at most 10 MB, at most 50 on a case."""
    from zhili.mediation.selectors import member_role, party_of

    if party_of(case, actor) is None and member_role(case, actor) is None:
        raise Forbidden(_("only the parties and the case's team add files to it"))
    with transaction.atomic():
        item = attachments.attach(case, upload, by=actor.get_username())
        record(actor=actor, action=AuditAction.CREATE, obj=case,
               details={"attachment": item.name, "size": item.size})  # fmt: skip
    return item


# --- telling the parties -----------------------------------------------------------------------

PARTY_NEWS = {
    "accept": gettext_lazy("%(body)s has accepted the mediation case %(number)s. Follow it at %(url)s"),
    "decline": gettext_lazy("%(body)s cannot take the mediation case %(number)s. The reason is at %(url)s"),
    "agree": gettext_lazy("The mediation agreement of case %(number)s is ready to sign at %(url)s"),
}


def public_url(path: str) -> str:
    """An address of ours as the people outside read it (texts, printed agreements)."""
    return settings.ZHILI_PUBLIC_URL.rstrip("/") + path


def tell_parties(*, case: Case, action: str) -> int:
    """A text message to every party with a phone number: the case was accepted or declined, or
    its agreement awaits their signature. They sign in at the link with a code sent to the same
    number, which is how a respondent without an account finds the case."""

    from zhili.org.phone import text as send_text

    url = public_url(f"/m/cases/{case.number}/")
    body = case.institution.name if case.institution_id else ""
    with translation.override(settings.LANGUAGE_CODE):  # the people texted read the city's language
        text = str(PARTY_NEWS[action]) % {"body": body, "number": case.number, "url": url}
    phones = sorted({p for p in case.parties.values_list("phone", flat=True) if p})
    for phone in phones:
        send_text(phone, text)
    return len(phones)


# --- deadlines --------------------------------------------------------------------------------


def overdue_cases(*, now=None):
    """Open cases past a deadline: no decision on acceptance in time, or mediation past its
    period (with any extension)."""
    now = now or timezone.now()
    return Case.objects.filter(
        Q(state=State.SUBMITTED, accept_due__lt=now)
        | Q(
            state__in=(State.ACCEPTED, State.ASSIGNED, State.IN_MEDIATION),
            mediation_due__lt=timezone.localdate(now),
        )
    )


def raise_overdue_alerts(*, now=None) -> dict[str, int]:
    """Once a day per case: a line on its timeline and a note to its team; one text message per
    institution head, and per head of the supervising body, with how many of their cases are late.
    Written in the city's language: a scheduled task has no visitor's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _raise_overdue_alerts(now=now)


def _raise_overdue_alerts(*, now=None) -> dict[str, int]:
    from collections import Counter

    now = now or timezone.now()
    today = timezone.localdate(now)
    late = list(overdue_cases(now=now).exclude(overdue_alerted=today).select_related("institution"))
    per_body: Counter = Counter()
    for case in late:
        with transaction.atomic():
            if (
                not Case.objects.filter(pk=case.pk)
                .exclude(overdue_alerted=today)
                .update(overdue_alerted=today)
            ):
                continue  # another worker did it
            what = (
                _("no decision on acceptance yet")
                if case.state == State.SUBMITTED
                else _("mediation period over")
            )
            _step(case, "overdue", case.state, case.state, "system", what)
            Message.objects.create(
                case=case, author="system", body=_("Overdue: %(what)s.") % {"what": what}, private=True
            )
        if case.institution_id:
            per_body[case.institution] += 1
            if case.institution.supervisor_id:
                per_body[case.institution.supervisor] += 1
    from zhili.org.phone import text as send_text

    texts = 0
    for body, n in per_body.items():
        for head in Mediator.objects.filter(institution=body, is_head=True, is_active=True).select_related(
            "user"
        ):
            if head.user.phone:
                send_text(
                    head.user.phone,
                    _("%(body)s: %(n)d mediation cases are past their deadline.")
                    % {"body": body.name, "n": n},
                )
                texts += 1
    return {"cases": len(late), "texts": texts}


# --- transfers -------------------------------------------------------------------------------

TRANSFERABLE = (State.SUBMITTED, State.ACCEPTED)  # before a mediator is named


def transfer(*, case: Case, actor, to: str, reason: str):
    """A head of the case's institution sends it to another institution (by code), with the
    reason; the case stays where it is until a head there accepts (answer_transfer)."""
    from zhili.mediation.workflow import is_head

    if not is_head(case, actor):
        raise Forbidden(_("only the institution's head transfers a case"))
    if case.state not in TRANSFERABLE:
        raise Conflict(_("a case is transferred before a mediator is named"), code="illegal_transition")
    target = Institution.objects.filter(code=to, is_active=True).first()
    if target is None:
        raise _field_error("to", _("no active institution %(code)s") % {"code": to})
    with transaction.atomic():
        moved = kernel.ask_transfer(case, to_org=target.code, reason=reason, by=actor,
                                    from_org=case.institution.code if case.institution_id else "")  # fmt: skip
        record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=case,
            details={"action": "transfer", "to": target.code},
        )
    return moved


def answer_transfer(*, case: Case, actor, accept: bool, reason: str = ""):
    """A head of the institution the case was sent to takes it (it becomes that institution's,
    its acceptance clock running on) or refuses it with the reason (it stays where it was)."""
    pending = case.transfers.filter(answer="pending").first()
    if pending is None:
        raise Conflict(_("this case is not waiting for a transfer"), code="illegal_transition")
    heads = Mediator.objects.filter(
        user=actor, institution__code=pending.to_org, is_head=True, is_active=True
    )
    if not heads.exists():
        raise Forbidden(_("only a head of %(code)s answers this transfer") % {"code": pending.to_org})

    def receive(case, code):
        institution = Institution.objects.get(code=code)
        Case.objects.filter(pk=case.pk).update(
            institution=institution, routed_by=f"transfer:{pending.from_org}"
        )
        case.institution = institution

    with transaction.atomic():
        kernel.answer_transfer(pending, accept=accept, by=actor, reason=reason, receive=receive)
        record(actor=actor, action=AuditAction.CHANGE, obj=case,
               details={"action": "transfer_accept" if accept else "transfer_refuse", "from": pending.from_org})  # fmt: skip
    case.refresh_from_db()
    return case
