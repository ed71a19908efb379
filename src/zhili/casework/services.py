"""The kernel's services: one way to move a case, hand it over, run its clocks, escalate what is
late, transfer it, and tell the hub. Every module calls these; none writes a Step by hand."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from zhili.casework import clocks
from zhili.casework.models import Sequence
from zhili.casework.registry import CaseType, type_of
from zhili.core.audit import record
from zhili.core.errors import Conflict, Forbidden, ZhiliError
from zhili.core.models import AuditAction

SINGLE_ROLES = {"lead", "commander"}  # one holder at a time: a new one takes over


def name_of(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def next_number(prefix: str, *, at: datetime | None = None, fmt: str = "{prefix}-{year}-{n:06d}") -> str:
    """PREFIX-YYYY-NNNNNN (or `fmt`, a case type's number_format), the year the city's, the
    sequence per prefix and year, under a row lock."""
    year = timezone.localdate(at or timezone.now()).year
    with transaction.atomic():
        Sequence.objects.get_or_create(prefix=prefix, year=year)
        seq = Sequence.objects.select_for_update().get(prefix=prefix, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return fmt.format(prefix=prefix, year=year, n=seq.last)


def number_for(case_type: CaseType, *, at: datetime | None = None) -> str:
    return next_number(case_type.prefix, at=at, fmt=case_type.number_format)


def step(case, action: str, actor, *, source: str = "", target: str = "", reason: str = "", details=None):
    return case.steps.create(
        action=action, source=source, target=target, actor=name_of(actor), reason=reason,
        details=details or {},
    )  # fmt: skip


def after_commit(fn) -> None:
    """Run `fn` once the current transaction commits (documents, hub facts, text messages are
    never made inside it). CASEWORK_AFTER_COMMIT = "now" runs it at once: the tests, whose
    transactions never commit."""
    if getattr(settings, "CASEWORK_AFTER_COMMIT", "commit") == "now":
        fn()
    else:
        transaction.on_commit(fn)


def opened(
    case, actor, *, action: str = "open", details=None, audit_details=None, at: datetime | None = None
) -> None:
    """A new case is on record: its first step, the audit record, and the hub's 'opened' fact
    after commit."""
    if case.opened_at is None:
        case.opened_at = at or timezone.now()
        type(case).objects.filter(pk=case.pk).update(opened_at=case.opened_at)
    step(case, action, actor, target=case.state, details=details)
    record(actor=None if isinstance(actor, str) else actor, actor_username=name_of(actor),
           action=AuditAction.CREATE, obj=case, details=audit_details or {})  # fmt: skip
    _fact_after_commit(case, "opened")


# --- moving a case -----------------------------------------------------------------------------


def transition(case, action: str, actor, *, reason: str = "", details=None, check_permission: bool = True,
               check=None, before=None, after=None, arguments: dict | None = None):  # fmt: skip
    """Move `case` by its transition method `action`: allowed from this state (else 409 naming
    it), by this actor (the case type's `may`, else the transition's django-fsm permission; a
    refusal audited, 403), `check()` (the module's own input checks), then in one transaction
    `before(case)`, the move saved under a conditional update (two people at once: one wins,
    the other gets 409), a step and an audit record; `after(case)` and the hub's facts after
    commit. A case entering one of its type's closed states gets closed_at and its clocks stop.
    `arguments` go to the transition method."""
    kind = type_of(case)
    method = getattr(case, action, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise ZhiliError(
            _("%(action)s is not a step of this case") % {"action": action}, code="unknown_action", status=400
        )
    label = kind.action_labels.get(action) or _action_label(method, action)
    if not can_proceed(method):
        raise Conflict(_("a case that is %(state)s cannot be %(action)s") % {"state": _state_label(case), "action": label},
                       code="illegal_transition")  # fmt: skip
    if check_permission and not _may(kind, actor, case, action, method):
        record(actor=actor, action=AuditAction.DENIED, obj=case, details={"action": action})
        raise Forbidden(_("you may not %(action)s this case") % {"action": label})
    if check is not None:
        check()
    source = case.state
    try:
        with transaction.atomic():
            if before is not None:
                before(case)
            method(**(arguments or {}))
            closing = case.state in kind.closed_states and source not in kind.closed_states
            if closing and case.closed_at is None:
                case.closed_at = timezone.now()
            case.save()
            done = step(case, action, actor, source=source, target=case.state, reason=reason, details=details)
            record(actor=None if isinstance(actor, str) else actor, actor_username=name_of(actor),
                   action=AuditAction.CHANGE, obj=case, details={"action": action, "to": case.state})  # fmt: skip
            if closing:
                for clock in case.clocks.filter(stopped_at__isnull=True):
                    _stop(case, clock, actor, note=False)  # the closing step says it
    except ConcurrentTransition as err:
        raise Conflict(
            _("someone else changed this case just now; reload it"), code="concurrent_change"
        ) from err
    _fact_after_commit(case, "closed" if closing else "moved", step_id=done.pk)
    if after is not None:
        after_commit(lambda: after(case))
    return done


def _may(kind: CaseType, actor, case, action: str, method) -> bool:
    if kind.may is not None:
        return bool(kind.may(actor, case, action))
    if isinstance(actor, str) or actor is None:
        return True  # the platform itself (a task, a hub import)
    return has_transition_perm(method, actor)


def _action_label(method, action: str) -> str:
    """A transition's `custom={"label": …}` (django-fsm), else its name."""
    meta = getattr(method, "_django_fsm", None)
    for t in meta.transitions.values() if meta else []:
        if t.custom.get("label"):
            return str(t.custom["label"])
    return action


def _state_label(case) -> str:
    display = getattr(case, "get_state_display", None)
    return str(display()) if display else case.state


# --- the team --------------------------------------------------------------------------------


def team(case) -> list:
    return list(case.members.select_related("user"))


def assume(case, user, role: str, *, by, reason: str = "", at: datetime | None = None, note: bool = True):
    """`user` takes `role` on `case` from now; a lead or commander role passes from its holder,
    whose row is closed with the same moment (and where the case type says a person has one
    role at a time, so is the user's previous role). The rows are the record; `note` adds a step
    to the timeline (a module whose own step says it already, e.g. "assign", passes False)."""
    at = at or timezone.now()
    kind = type_of(case)
    with transaction.atomic():
        held = case.members.select_for_update().filter(role=role)
        if held.filter(user=user).exists():
            return held.get(user=user)
        before = [m.user.get_username() for m in held] if role in SINGLE_ROLES else []
        if role in SINGLE_ROLES:
            held.update(renounced_at=at)
        if kind.one_role_per_person:
            case.members.filter(user=user).update(renounced_at=at)
        member = case.members.create(user=user, role=role, assumed_at=at, assumed_by=name_of(by))
        if note:
            step(case, "assume", by, reason=reason,
                 details={"role": role, "user": user.get_username(), "from": before})  # fmt: skip
    return member


def renounce(case, user, role: str, *, by, reason: str = "", at: datetime | None = None) -> int:
    at = at or timezone.now()
    with transaction.atomic():
        n = case.members.filter(user=user, role=role).update(renounced_at=at)
        if n:
            step(case, "renounce", by, reason=reason, details={"role": role, "user": user.get_username()})
    return n


# --- clocks ----------------------------------------------------------------------------------


def start_clock(case, name: str, actor, *, at: datetime | None = None, limit=None, note: bool = True):
    """Start the case type's limit `name` (or `limit`) at `at`; the case's due moment follows.
    `note`: a step on the timeline (a module whose own step implies it passes False)."""
    kind = type_of(case)
    limit = clocks.parse_limit(limit) if limit is not None else kind.limit(name)
    at = at or timezone.now()
    with transaction.atomic():
        case.clocks.filter(name=name, stopped_at__isnull=True).update(stopped_at=at)
        clock = case.clocks.create(name=name, amount=limit.amount, unit=limit.unit, started_at=at,
                                   due_at=clocks.advance(at, limit))  # fmt: skip
        if note:
            step(case, "clock_start", actor, details={"clock": name, "due": clock.due_at.isoformat()})
        _sync_due(case)
    return clock


def _clock(case, name: str):
    clock = case.clocks.filter(name=name, stopped_at__isnull=True).order_by("-started_at").first()
    if clock is None:
        raise Conflict(_("no %(name)s period is running on this case") % {"name": name})
    return clock


def pause_clock(case, name: str, actor, *, reason: str, at: datetime | None = None):
    at = at or timezone.now()
    with transaction.atomic():
        clock = _clock(case, name)
        if clock.paused_at is None:
            clock.left = clocks.remaining(at, clock.due_at, clock.unit)
            clock.paused_at, clock.due_at = at, None
            clock.save(update_fields=["left", "paused_at", "due_at"])
            step(case, "clock_pause", actor, reason=reason, details={"clock": name, "left": clock.left})
            _sync_due(case)
    return clock


def resume_clock(case, name: str, actor, *, at: datetime | None = None):
    at = at or timezone.now()
    with transaction.atomic():
        clock = _clock(case, name)
        if clock.paused_at is not None:
            clock.due_at = clocks.resume(at, clock.left, clock.unit)
            clock.paused_at, clock.left = None, None
            clock.save(update_fields=["due_at", "paused_at", "left"])
            step(case, "clock_resume", actor, details={"clock": name, "due": clock.due_at.isoformat()})
            _sync_due(case)
    return clock


def extend_clock(case, name: str, limit, *, by, approved_by, reason: str, note: bool = True):
    """Push a running limit on by `limit`, with the reason and who approved it, on record."""
    if not reason.strip():
        raise ZhiliError(_("reason: say why the period is extended"), code="invalid", status=422,
                         details=[{"field": "reason"}])  # fmt: skip
    limit = clocks.parse_limit(limit)
    with transaction.atomic():
        clock = _clock(case, name)
        if clock.paused_at is not None:
            raise Conflict(_("the %(name)s period is paused: resume it first") % {"name": name})
        old = clock.due_at
        clock.due_at = clocks.extend(old, limit)
        clock.escalated_at = None
        clock.extensions = [*clock.extensions, {
            "amount": limit.amount, "unit": limit.unit, "reason": reason, "by": name_of(by),
            "approved_by": name_of(approved_by), "at": timezone.now().isoformat(),
        }]  # fmt: skip
        clock.save(update_fields=["due_at", "escalated_at", "extensions"])
        if note:
            step(case, "clock_extend", by, reason=reason,
                 details={"clock": name, "from": old.isoformat(), "to": clock.due_at.isoformat(),
                          "approved_by": name_of(approved_by)})  # fmt: skip
        _sync_due(case)
    return clock


def stop_clock(case, name: str, actor, *, reason: str = "", at: datetime | None = None, note: bool = True):
    with transaction.atomic():
        clock = _clock(case, name)
        _stop(case, clock, actor, reason=reason, at=at, note=note)
    return clock


def _stop(case, clock, actor, *, reason: str = "", at: datetime | None = None, note: bool = True) -> None:
    clock.stopped_at = at or timezone.now()
    clock.save(update_fields=["stopped_at"])
    if note:
        step(case, "clock_stop", actor, reason=reason, details={"clock": clock.name})
    _sync_due(case)


def _sync_due(case) -> None:
    """The case's due moment: the earliest of its running clocks (for lists and sorting)."""
    due = (
        case.clocks.filter(stopped_at__isnull=True, due_at__isnull=False)
        .order_by("due_at").values_list("due_at", flat=True).first()
    )  # fmt: skip
    case.due_at = due
    type(case).objects.filter(pk=case.pk).update(due_at=due)


def clock_status(clock, *, now: datetime | None = None) -> str:
    return clocks.status(now or timezone.now(), clock.due_at, clock.unit,
                         paused=clock.paused_at is not None, stopped=clock.stopped_at is not None)  # fmt: skip


def escalate_overdue(kind: CaseType, *, now: datetime | None = None) -> dict[str, int]:
    """Every running clock of `kind` past its due moment and not yet escalated: a step on its
    case, and one text to each supervisor of the case (kind.supervisors) naming it. Once per
    clock (an extension lets it escalate again); safe to run from several workers."""
    now = now or timezone.now()
    model = kind.case_model
    clock_model = model.clocks.rel.related_model
    late = clock_model.objects.filter(stopped_at__isnull=True, paused_at__isnull=True, due_at__lt=now,
                                      escalated_at__isnull=True).select_related("case")  # fmt: skip
    cases, texts = 0, 0
    with translation.override(settings.LANGUAGE_CODE):
        for clock in late:
            with transaction.atomic():
                if not clock_model.objects.filter(pk=clock.pk, escalated_at__isnull=True).update(
                    escalated_at=now
                ):
                    continue  # another worker did it
                step(
                    clock.case,
                    "overdue",
                    "system",
                    details={"clock": clock.name, "due": clock.due_at.isoformat()},
                )
            cases += 1
            people = kind.supervisors(clock.case) if kind.supervisors else []
            text = _("Case %(number)s is past its %(clock)s deadline (%(due)s).") % {
                "number": clock.case.number, "clock": kind.limit_labels.get(clock.name, clock.name),
                "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
            }  # fmt: skip
            texts += _tell(kind, people, text)
    return {"cases": cases, "texts": texts}


def _tell(kind: CaseType, people, text: str) -> int:
    if kind.notify is not None:
        return kind.notify(people, text) or 0
    from zhili.org.phone import text as send_text

    sent = 0
    for person in people:
        if getattr(person, "phone", ""):
            send_text(person.phone, text)
            sent += 1
    return sent


# --- routing and transfers ---------------------------------------------------------------------


def unrouted(case, *, attributes: dict) -> int:
    """No rule routes `case`: it stays with the intake desk, which is told after commit (never
    lost). Returns how many people are told."""
    kind = type_of(case)
    step(case, "unrouted", "system", details={"attributes": {k: str(v) for k, v in attributes.items()}})
    people = kind.intake_desk(case) if kind.intake_desk else []
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Case %(number)s matches no routing rule: it waits at the intake desk.") % {
            "number": case.number
        }
    after_commit(lambda: _tell(kind, people, text))
    return len(people)


def ask_transfer(case, *, to_org: str, reason: str, by, from_org: str):
    if not reason.strip():
        raise ZhiliError(_("reason: say why the case should go elsewhere"), code="invalid", status=422,
                         details=[{"field": "reason"}])  # fmt: skip
    if to_org == from_org:
        raise ZhiliError(
            _("to: the case is already there"), code="invalid", status=422, details=[{"field": "to"}]
        )
    with transaction.atomic():
        if case.transfers.filter(answer="pending").exists():
            raise Conflict(_("a transfer of this case is already waiting for an answer"))
        transfer = case.transfers.create(from_org=from_org, to_org=to_org, reason=reason, asked_by=name_of(by),
                                         asked_at=timezone.now())  # fmt: skip
        step(case, "transfer_ask", by, reason=reason, details={"from": from_org, "to": to_org})
    return transfer


def answer_transfer(transfer, *, accept: bool, by, reason: str = "", receive=None):
    """The receiver accepts (then `receive(case, org)` moves the case to it) or refuses (with a
    reason: the case stays where it was). A second answer is a 409."""
    if not accept and not reason.strip():
        raise ZhiliError(_("reason: say why the case is refused"), code="invalid", status=422,
                         details=[{"field": "reason"}])  # fmt: skip
    with transaction.atomic():
        model = type(transfer)
        answer = model.Answer.ACCEPTED if accept else model.Answer.REFUSED
        if not model.objects.filter(pk=transfer.pk, answer=model.Answer.PENDING).update(
            answer=answer, answered_by=name_of(by), answered_at=timezone.now(), answer_reason=reason
        ):
            raise Conflict(_("this transfer has been answered already"))
        transfer.refresh_from_db()
        if accept and receive is not None:
            receive(transfer.case, transfer.to_org)
        step(transfer.case, "transfer_accept" if accept else "transfer_refuse", by, reason=reason,
             details={"from": transfer.from_org, "to": transfer.to_org})  # fmt: skip
    return transfer


# --- what the hub hears ----------------------------------------------------------------------


def _fact_after_commit(case, what: str, *, step_id: int | None = None) -> None:
    """The fact as the case is now (its state, its fields), delivered to the hub after commit:
    by then the case may have moved on in the same transaction."""
    kind = type_of(case)
    if what not in kind.facts:
        return
    event = fact_event(case, what, step_id=step_id)
    after_commit(lambda: _publish(kind, event))


def fact_event(case, what: str, *, step_id: int | None = None) -> dict:
    """One hub event: "opened" and "closed" once per case (source ids NUMBER-opened and
    NUMBER-closed, or the case type's fact_ids), "moved" once per step (NUMBER-step-ID)."""
    kind = type_of(case)
    moment = {"opened": case.opened_at, "closed": case.closed_at}.get(what) or timezone.now()
    suffix = kind.fact_ids.get(what, what)
    source_id = f"{case.number}-{suffix}" if what != "moved" else f"{case.number}-step-{step_id}"
    fields = kind.fact_fields(case, what) if kind.fact_fields else {}
    event = {
        "source_id": source_id, "type": kind.facts[what], "unit_code": case.unit.code,
        "occurred_at": timezone.localtime(moment).isoformat(), "fields": fields,
    }  # fmt: skip
    if case.lon is not None and case.lat is not None:
        event.update(lon=case.lon, lat=case.lat)
    return event


def publish_fact(case, what: str, *, step_id: int | None = None) -> None:
    """Deliver the case's fact now (a re-publish of an unchanged fact changes nothing)."""
    _publish(type_of(case), fact_event(case, what, step_id=step_id))


def _publish(kind: CaseType, event: dict) -> None:
    from zhili.hub.publish import publish

    publish(module=kind.code, department=kind.department, events=[event])


# --- documents and signatures ------------------------------------------------------------------


def issue_document(case, kind: str, *, template, context: dict, title: str = "", by=None):
    """A new version of the case's document `kind`, DOCX and PDF from one render of `template`.
    Renders for a second or so: call it after commit (transition's `after`), never inside."""
    from django.core.files.base import ContentFile

    from zhili.casework import documents, signing

    docx = documents.render_docx(template, context, title=title)
    pdf = documents.docx_to_pdf(docx)
    with transaction.atomic():
        last = case.documents.filter(kind=kind).order_by("-version").values_list("version", flat=True).first()
        doc = case.documents.model(
            case=case, kind=kind, version=(last or 0) + 1, sha256=signing.sha256_hex(pdf)
        )
        stem = f"{case.number}-{kind}-v{doc.version}"
        doc.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
        doc.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        doc.save()
        step(case, "document", by, details={"kind": kind, "version": doc.version, "sha256": doc.sha256})
    return doc


def sign_document(
    document, *, signer: str, signer_id: str, role: str, key, by=None, at: datetime | None = None
):
    """`signer` signs `document` (its PDF's hash) with their sealed key (signing.SignerKey)."""
    from zhili.casework import signing

    at = at or timezone.now()
    said = signing.statement(document_sha256=document.sha256, case_number=document.case.number,
                             signer_name=signer, signer_id=signer_id, role=role, signed_at=at)  # fmt: skip
    with transaction.atomic():
        signature = document.signatures.create(
            statement=said, signature=signing.sign(key.sealed_private_key, said),
            public_key=key.public_key, signed_at=at,
        )  # fmt: skip
        step(document.case, "sign", by or signer, details={"kind": document.kind, "version": document.version,
                                                           "signer": signer, "role": role})  # fmt: skip
    return signature


def signatures_hold(document) -> bool:
    """Every signature on `document` verifies and names this very document."""
    from zhili.casework import signing

    rows = list(document.signatures.all())
    return bool(rows) and all(
        s.statement.get("document_sha256") == document.sha256
        and signing.verify(bytes(s.public_key), s.statement, bytes(s.signature))
        for s in rows
    )
