"""/api/v1/mediation/: apply, follow and work a mediation case; sign its agreement;
/api/v1/mediation/public/verify: anyone checks a signed agreement by its code or its file."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhili.core.api import DOCX, Error, Pages, file_answer
from zhili.core.errors import ZhiliError
from zhili.mediation import paperwork, selectors, services
from zhili.mediation.choices import Channel, DisputeType, DocumentKind, Referral
from zhili.mediation.models import Case

router = Router(tags=["mediation"])
public = Router(tags=["public"], auth=None)


class PartyIn(Schema):
    role: Literal["applicant", "respondent", "third"]
    name: str = Field(..., min_length=1, max_length=100)
    gender: Literal["", "男", "女"] = ""
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)


class ApplyIn(Schema):
    dispute_type: DisputeType
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    unit_code: str | None = Field(None, pattern=r"^\d{12}(\d{3})?$")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    facts: str = Field(..., min_length=1, max_length=5000)
    claims: str = Field(..., min_length=1, max_length=2000)
    parties: list[PartyIn] = Field(..., min_length=2, max_length=30)
    channel: Channel = Channel.ONLINE


class PartyOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    gender: str
    id_number: str | None
    phone: str | None
    address: str
    signed: bool


class StepOut(Schema):
    at: datetime
    action: str
    source: str
    target: str
    actor: str
    reason: str


class MemberOut(Schema):
    username: str
    name: str
    role: str


class DocumentOut(Schema):
    kind: str
    version: int
    sha256: str
    signed_sha256: str
    code: str | None


class CaseRow(Schema):
    number: str
    state: str
    state_label: str
    dispute_type: str
    dispute_type_label: str
    unit_code: str
    unit_name: str
    institution: str
    created_at: datetime
    mediation_due: date | None


class CaseOut(CaseRow):
    channel: str
    amount: Decimal | None
    facts: str
    claims: str
    routed_by: str
    accept_due: datetime | None
    extended_days: int
    reason: str
    terms: list[str]
    performance: str
    agreed_amount: Decimal | None
    referral: str
    preferred_mediator: str | None
    parties: list[PartyOut]
    team: list[MemberOut]
    steps: list[StepOut]
    documents: list[DocumentOut]
    actions: list[str]


def _row(case: Case) -> dict:
    return {
        "number": case.number, "state": case.state, "state_label": case.get_state_display(),
        "dispute_type": case.dispute_type, "dispute_type_label": case.get_dispute_type_display(),
        "unit_code": case.unit.code, "unit_name": case.unit.name,
        "institution": case.institution.name if case.institution_id else "", "created_at": case.created_at,
        "mediation_due": case.mediation_due,
    }  # fmt: skip


def _detail(case: Case, actor) -> dict:
    from django_fsm import has_transition_perm

    team = [
        {"username": m.user.username, "name": m.user.display_name or m.user.username, "role": m.role}
        for m in case.members.select_related("user").order_by("id")
    ]
    docs = [
        {
            "kind": d.kind,
            "version": d.version,
            "sha256": d.sha256,
            "signed_sha256": d.signed_sha256,
            "code": d.code,
        }
        for d in case.documents.order_by("kind", "-version")
    ]
    actions = [a for a in services.ACTIONS if has_transition_perm(getattr(case, a), actor)]
    return {
        **_row(case), "channel": case.channel, "amount": case.amount, "facts": case.facts, "claims": case.claims,
        "routed_by": case.routed_by, "accept_due": case.accept_due, "extended_days": case.extended_days,
        "reason": case.reason, "terms": case.terms, "performance": case.performance,
        "agreed_amount": case.agreed_amount, "referral": case.referral,
        "preferred_mediator": case.preferred_mediator.username if case.preferred_mediator_id else None,
        "parties": selectors.parties(case, actor), "team": team, "steps": list(selectors.timeline(case, actor)),
        "documents": docs, "actions": actions,
    }  # fmt: skip


@router.post(
    "/cases",
    response={200: CaseOut, 201: CaseOut, (400, 403, 409): Error},
    summary=gettext_lazy("Apply for mediation (or enter a case for a walk-in)"),
)
def apply(
    request,
    payload: ApplyIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80),
):
    parties = [services.PartyIn(**p.model_dump()) for p in payload.parties]
    data = payload.model_dump(exclude={"parties"})
    case, created = services.apply(actor=request.auth, parties=parties, request_key=idempotency_key, **data)
    return Status(201 if created else 200, _detail(case, request.auth))


@router.get(
    "/cases",
    response=list[CaseRow],
    summary=gettext_lazy("The cases I may see: my unit's, or my own as a party"),
)
@paginate(Pages, page_size=50)
def list_cases(request, state: str | None = None, dispute_type: str | None = None):
    qs = selectors.visible_cases(request.auth).select_related("unit", "institution")
    if state:
        qs = qs.filter(state=state)
    if dispute_type:
        qs = qs.filter(dispute_type=dispute_type)
    return [_row(c) for c in qs]


@router.get(
    "/cases/{number}",
    response={200: CaseOut, 404: Error},
    summary=gettext_lazy("A case: parties (masked unless it is yours), team, timeline"),
)
def get_case(request, number: str):
    return _detail(selectors.get_case(request.auth, number), request.auth)


class MoveIn(Schema):
    reason: str = Field("", max_length=2000)
    lead: str | None = None
    co: list[str] = []
    observers: list[str] = []
    terms: list[str] = Field([], max_length=50)
    performance: str = Field("", max_length=300)
    agreed_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    referral: Referral | None = None


def _fields(action: str, payload: MoveIn) -> dict:
    if action == "assign":
        if not payload.lead:
            raise ZhiliError(_("lead: name the lead mediator"), code="invalid_request", status=422)
        return {"lead": payload.lead, "co": payload.co, "observers": payload.observers}
    if action == "agree":
        terms = [t.strip() for t in payload.terms if t.strip()]
        if not terms:
            raise ZhiliError(_("terms: write down what was agreed"), code="invalid_request", status=422)
        return {"terms": terms, "performance": payload.performance, "agreed_amount": payload.agreed_amount}
    if action == "refer":
        if not payload.referral:
            raise ZhiliError(
                _("referral: court confirmation or litigation"), code="invalid_request", status=422
            )
        return {"referral": payload.referral}
    return {}


@router.post(
    "/cases/{number}/actions/{action}",
    response={200: CaseOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy(
        "Move the case: accept, decline, assign, start, agree, fail, withdraw, refer, archive"
    ),
)
def move(request, number: str, action: str, payload: MoveIn):
    case = selectors.get_case(request.auth, number)
    case = services.move(
        case=case, action=action, actor=request.auth, reason=payload.reason, **_fields(action, payload)
    )
    return _detail(case, request.auth)


class OfferedOut(Schema):
    username: str
    name: str
    is_head: bool
    specialties: list[str]


class PreferIn(Schema):
    mediator: str = Field(..., max_length=150)


@router.get(
    "/cases/{number}/mediators",
    response={200: list[OfferedOut], 404: Error},
    summary=gettext_lazy("The mediators the applicant may ask for"),
)
def offered(request, number: str):
    case = selectors.get_case(request.auth, number)
    return [
        {"username": m.user.username, "name": m.user.display_name or m.user.username, "is_head": m.is_head,
         "specialties": m.specialties}
        for m in services.offered_mediators(case)
    ]  # fmt: skip


@router.post(
    "/cases/{number}/prefer",
    response={200: CaseOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("The applicant asks for one of the offered mediators"),
)
def prefer(request, number: str, payload: PreferIn):
    case = services.prefer(
        case=selectors.get_case(request.auth, number), actor=request.auth, mediator=payload.mediator
    )
    return _detail(case, request.auth)


class ReassignIn(Schema):
    lead: str
    reason: str = Field(..., max_length=2000)


@router.post(
    "/cases/{number}/reassign",
    response={200: CaseOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("A new lead mediator, with the reason"),
)
def reassign(request, number: str, payload: ReassignIn):
    case = services.reassign(
        case=selectors.get_case(request.auth, number), actor=request.auth, **payload.dict()
    )
    return _detail(case, request.auth)


class ExtendIn(Schema):
    days: int
    reason: str = Field(..., max_length=2000)


@router.post(
    "/cases/{number}/extend",
    response={200: CaseOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("Extend the mediation period, with the reason"),
)
def extend(request, number: str, payload: ExtendIn):
    case = services.extend(
        case=selectors.get_case(request.auth, number), actor=request.auth, **payload.dict()
    )
    return _detail(case, request.auth)


class TransferIn(Schema):
    to: str = Field(..., max_length=40, description="the code of the institution the case is sent to")
    reason: str = Field(..., max_length=2000)


@router.post(
    "/cases/{number}/transfers",
    response={200: CaseOut, (400, 403, 404, 409, 422): Error},
    summary=gettext_lazy("Send a case to another institution, with the reason"),
)
def transfer(request, number: str, payload: TransferIn):
    case = selectors.get_case(request.auth, number)
    services.transfer(case=case, actor=request.auth, **payload.dict())
    return _detail(case, request.auth)


class AnswerIn(Schema):
    accept: bool
    reason: str = Field("", max_length=2000)


@router.post(
    "/cases/{number}/transfers/answer",
    response={200: CaseOut, (400, 403, 404, 409, 422): Error},
    summary=gettext_lazy("Take or refuse a case sent to your institution"),
)
def answer_transfer(request, number: str, payload: AnswerIn):
    case = services.answer_transfer(
        case=selectors.get_case(request.auth, number), actor=request.auth, **payload.dict()
    )
    return _detail(case, request.auth)


class MessageIn(Schema):
    body: str = Field(..., max_length=5000)
    private: bool = False


class MessageOut(Schema):
    author: str
    body: str
    private: bool
    at: datetime


@router.get(
    "/cases/{number}/messages",
    response={200: list[MessageOut], 404: Error},
    summary=gettext_lazy("The case's thread (private notes for the team only)"),
)
def messages(request, number: str):
    case = selectors.get_case(request.auth, number)
    return list(selectors.messages(case, request.auth))


@router.post(
    "/cases/{number}/messages",
    response={201: MessageOut, (403, 404): Error},
    summary=gettext_lazy("Write in the case's thread"),
)
def post_message(request, number: str, payload: MessageIn):
    case = selectors.get_case(request.auth, number)
    return Status(201, services.post_message(case=case, actor=request.auth, **payload.dict()))


class MeetingIn(Schema):
    starts_at: datetime
    place: str = Field("", max_length=200)
    video_url: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class MeetingOut(MeetingIn):
    id: int


@router.post(
    "/cases/{number}/meetings",
    response={201: MeetingOut, (400, 403, 404): Error},
    summary=gettext_lazy("Schedule a session with the parties"),
)
def schedule(request, number: str, payload: MeetingIn):
    case = selectors.get_case(request.auth, number)
    return Status(201, services.schedule(case=case, actor=request.auth, **payload.dict()))


class TaskIn(Schema):
    title: str = Field(..., max_length=200)
    assignee: str | None = None
    due: date | None = None


class TaskOut(Schema):
    id: int
    title: str
    assignee: str | None
    due: date | None
    done_at: datetime | None

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return obj.assignee.username if obj.assignee_id else None


@router.get(
    "/cases/{number}/tasks",
    response={200: list[TaskOut], (403, 404): Error},
    summary=gettext_lazy("The team's tasks on the case"),
)
def tasks(request, number: str):
    case = selectors.get_case(request.auth, number)
    services.team_only(case, request.auth, _("only the case's team keeps its tasks"))
    return list(case.tasks.select_related("assignee"))


@router.post(
    "/cases/{number}/tasks",
    response={201: TaskOut, (400, 403, 404): Error},
    summary=gettext_lazy("Give the team a task"),
)
def add_task(request, number: str, payload: TaskIn):
    case = selectors.get_case(request.auth, number)
    return Status(201, services.add_task(case=case, actor=request.auth, **payload.dict()))


@router.post(
    "/cases/{number}/tasks/{task_id}/done",
    response={200: TaskOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("Mark a task done"),
)
def finish_task(request, number: str, task_id: int):
    case = selectors.get_case(request.auth, number)
    return services.finish_task(case=case, actor=request.auth, task_id=task_id)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


@router.post(
    "/cases/{number}/attachments",
    response={201: AttachmentOut, (403, 404, 413, 415): Error},
    summary=gettext_lazy("Attach a file (PDF, JPEG, PNG or DOCX, at most 10 MB)"),
)
def attach(request, number: str, file: File[UploadedFile]):
    case = selectors.get_case(request.auth, number)
    return Status(201, services.attach(case=case, actor=request.auth, upload=file))


@router.get(
    "/cases/{number}/documents/{kind}.{fmt}",
    response={(403, 404, 409): Error},
    summary=gettext_lazy("A document of the case, DOCX or PDF (the signed PDF once signed)"),
    openapi_extra=file_answer("application/pdf", DOCX),
)
def document(request, number: str, kind: DocumentKind, fmt: Literal["docx", "pdf"]):
    case = selectors.get_case(request.auth, number)
    return paperwork.document_response(case=case, actor=request.auth, kind=kind, fmt=fmt)


class SignIn(Schema):
    document_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    image_png_base64: str | None = Field(None, max_length=700_000)


class SignOut(Schema):
    signer: str
    role: str
    signed_at: datetime
    case_state: str
    code: str | None


@router.post(
    "/cases/{number}/sign",
    response={201: SignOut, (400, 403, 404, 409): Error},
    summary=gettext_lazy("Sign the agreement (a party or the lead mediator)"),
)
def sign(request, number: str, payload: SignIn):
    case = selectors.get_case(request.auth, number)
    image = None
    if payload.image_png_base64:
        try:
            image = base64.b64decode(payload.image_png_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ZhiliError(_("image_png_base64: not base64"), code="invalid_request", status=422) from None
    sig = paperwork.sign(case=case, actor=request.auth, document_sha256=payload.document_sha256, image=image)
    case.refresh_from_db()
    return Status(201, {
        "signer": sig.statement["signer_name"], "role": sig.statement["role"], "signed_at": sig.signed_at,
        "case_state": case.state, "code": sig.document.code,
    })  # fmt: skip


class SignerOut(Schema):
    name: str
    role: str
    signed_at: str


class VerifyOut(Schema):
    result: Literal["valid", "altered", "unknown"]
    code: str | None = None
    case_number: str | None = None
    title: str | None = None
    signed_sha256: str | None = None
    signers: list[SignerOut] = []


@public.get(
    "/verify", response=VerifyOut, summary=gettext_lazy("Check a signed agreement by its verification code")
)
def verify_code(request, code: str = Query(..., max_length=40)):
    return paperwork.verify(code=code)


@public.post(
    "/verify",
    response={200: VerifyOut, 413: Error},
    summary=gettext_lazy("Check a signed agreement by uploading its PDF"),
)
def verify_file(request, file: File[UploadedFile]):
    if file.size > services.MAX_ATTACHMENT:
        raise ZhiliError(_("file: at most 10 MB"), code="too_large", status=413)
    return paperwork.verify(pdf=file.read())


class SummaryOut(Schema):
    total: int
    open: int
    closed: int
    settled: int
    failed: int
    withdrawn: int
    declined: int
    other: int
    success_rate: float | None
    mean_days: float | None
    median_days: float | None
    overdue: int
    amount_involved: Decimal
    amount_agreed: Decimal


class BreakdownRow(Schema):
    key: str | None
    label: str
    total: int
    settled: int
    failed: int
    withdrawn: int
    declined: int
    open: int
    success_rate: float | None
    median_days: float | None


class StatsOut(Schema):
    summary: SummaryOut
    by: str
    rows: list[BreakdownRow]


Dimension = Literal["institution", "dispute_type", "outcome", "month", "district", "town"]


@router.get(
    "/stats",
    response=StatsOut,
    summary=gettext_lazy("Counts of my unit's cases: outcomes, success rate, durations, by a dimension"),
)
def statistics(request, by: Dimension = "dispute_type", dispute_type: DisputeType | None = None,
               since: date | None = None, until: date | None = None):  # fmt: skip
    from zhili.mediation import stats

    cases = selectors.statistics_cases(request.auth, dispute_type=dispute_type, since=since, until=until)
    return {"summary": stats.summary(cases), "by": by, "rows": stats.breakdown(cases, by)}


@router.get(
    "/heat", summary=gettext_lazy("Heat map of my unit's disputes: H3 hexagons as GeoJSON, counts by type")
)
def heat(request, dispute_type: DisputeType | None = None, since: date | None = None, until: date | None = None,
         resolution: int = Query(8, ge=5, le=10)):  # fmt: skip
    from zhili.mediation import stats

    cases = selectors.statistics_cases(request.auth, dispute_type=dispute_type, since=since, until=until)
    return stats.heat(cases, resolution=resolution)
