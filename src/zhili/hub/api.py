"""/api/v1/hub/: batch ingestion for department systems; catalogue, events, deliveries and
data quality for people."""

from datetime import date, datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhili.core.api import Error, Pages, file_answer
from zhili.core.errors import ZhiliError
from zhili.core.scope import get_scoped, scoped
from zhili.hub import files, selectors
from zhili.hub.auth import SourceKeyAuth
from zhili.hub.ingest import ingest
from zhili.hub.models import Channel, Delivery, Event, EventType, ImportMode, Source

router = Router(tags=["hub"])


class BatchIn(Schema):
    events: list[dict] = Field(..., description="up to 10,000 events; each is checked on its own")


class ItemOut(Schema):
    index: int
    source_id: str
    outcome: str = Field(description="accepted, duplicate, corrected, retracted or rejected")
    event_id: int | None = None
    version: int | None = None
    field: str = ""
    reason: str = ""
    message: str = ""


class CountsOut(Schema):
    received: int
    accepted: int
    duplicate: int
    corrected: int
    retracted: int
    rejected: int
    late: int


class BatchOut(Schema):
    delivery_id: int
    status: str
    counts: CountsOut
    results: list[ItemOut]


class EventTypeOut(Schema):
    code: str
    name: str
    name_en: str
    department_code: str
    family: str
    fields: list[dict]
    has_personal_data: bool
    indicators: list[str]
    version: int

    @staticmethod
    def resolve_department_code(obj, context) -> str:
        return obj.department.code


class EventOut(Schema):
    id: int
    source: str
    source_id: str
    version: int
    type: str
    occurred_at: datetime
    occurred_date: date
    unit_code: str
    lon: float | None
    lat: float | None
    quantity: int
    deaths: int
    injuries: int
    amount: float | None
    value: float | None
    category: str
    fields: dict
    received_at: datetime
    late: bool


class EventDetailOut(EventOut):
    retracted: bool
    is_current: bool
    versions: list[dict]


class EventFilter(Schema):
    type: str | None = Field(None, max_length=64)
    family: str | None = Field(None, max_length=32)
    day: date | None = None
    since: date | None = None
    until: date | None = None
    within: str | None = Field(None, pattern=r"^\d{12,15}$")


class DeliveryOut(CountsOut):
    skipped: int  # rows of a file that are no event (a 合计 row), not among `received`
    id: int
    source: str
    department_code: str
    channel: str
    mode: str
    filename: str
    status: str
    received_at: datetime
    finished_at: datetime | None
    message: str


class QualityRowOut(Schema):
    department_code: str
    department: str
    received: int
    accepted: int
    duplicate: int
    corrected: int
    retracted: int
    rejected: int
    late: int
    rejected_by_reason: dict[str, int]
    deliveries: int
    last_delivery_at: datetime | None
    alert: bool


@router.post(
    "/events",
    auth=SourceKeyAuth(),
    response={200: BatchOut, (403, 413): Error},
    summary=gettext_lazy("Deliver a batch of events (department systems, with their source key)"),
)
def post_events(request, payload: BatchIn, mode: ImportMode = ImportMode.PARTIAL):
    if len(payload.events) > settings.HUB_MAX_BATCH:
        raise ZhiliError(
            _("at most %(n)d events per batch; this one has %(m)d")
            % {"n": settings.HUB_MAX_BATCH, "m": len(payload.events)},
            code="batch_too_large",
            status=413,
            details=[{"field": "events", "reason": "too_many"}],
        )
    _refuse_other_departments_types(request.auth, payload.events)
    result = ingest(
        source=request.auth,
        items=payload.events,
        channel=Channel.API,
        mode=mode,
        submitted_by=f"source:{request.auth.code}",
    )
    # Built as JSON directly: checking 10,000 result items against BatchOut again costs more than
    # writing them (BatchOut still documents the shape in the OpenAPI schema).
    return JsonResponse(selectors.batch_response(result))


def _refuse_other_departments_types(source: Source, events: list[dict]) -> None:
    """A key used beyond its department's authority is refused whole (403), nothing written, audited."""
    foreign = set(
        EventType.objects.exclude(department_id=source.department_id).values_list("code", flat=True)
    )
    bad = [
        {
            "index": i,
            "source_id": str(e.get("source_id", ""))[:100],
            "field": "type",
            "reason": "type_not_allowed",
            "type": e.get("type"),
        }
        for i, e in enumerate(events)
        if isinstance(e, dict) and isinstance(e.get("type"), str) and e["type"] in foreign
    ]
    if bad:
        from zhili.core.audit import record
        from zhili.core.models import AuditAction

        record(
            actor=None,
            actor_username=f"source:{source.code}",
            action=AuditAction.DENIED,
            obj=source,
            details={"refused_types": sorted({b["type"] for b in bad})[:20], "items": len(bad)},
        )
        raise ZhiliError(
            _("this key belongs to %(dept)s and may not deliver %(type)s")
            % {"dept": source.department.name, "type": bad[0]["type"]},
            code="forbidden",
            status=403,
            details=bad[:1000],
        )


@router.get(
    "/event-types",
    response={200: list[EventTypeOut], 403: Error},
    summary=gettext_lazy("The event catalogue"),
)
def list_event_types(request, department: str | None = None, family: str | None = None):
    qs = scoped(request.auth, EventType).select_related("department").order_by("code")
    if department:
        qs = qs.filter(department__code=department)
    if family:
        qs = qs.filter(family=family)
    return qs


@router.get(
    "/events",
    response={200: list[EventOut], 403: Error},
    summary=gettext_lazy("Current events in your scope"),
)
@paginate(Pages, page_size=100)
def list_events(request, filters: Query[EventFilter]):
    return selectors.event_rows(
        selectors.filter_events(scoped(request.auth, Event).current(), **filters.dict()), actor=request.auth
    )


@router.get(
    "/events/{event_id}",
    response={200: EventDetailOut, (403, 404): Error},
    summary=gettext_lazy("One event with all its versions"),
)
def get_event(request, event_id: int):
    return selectors.event_detail(get_scoped(request.auth, Event, pk=event_id), actor=request.auth)


class EventPersonalOut(Schema):
    id: int
    source_id: str
    fields: dict


@router.get(
    "/events/{event_id}/personal",
    response={200: EventPersonalOut, (403, 404): Error},
    summary=gettext_lazy("An event's personal fields in full (audited)"),
)
def get_event_personal(request, event_id: int):
    from zhili.hub.services import read_event_personal

    return read_event_personal(actor=request.auth, event=get_scoped(request.auth, Event, pk=event_id))


@router.get(
    "/deliveries",
    response={200: list[DeliveryOut], 403: Error},
    summary=gettext_lazy("Deliveries (your department's, for a data officer)"),
)
@paginate(Pages, page_size=100)
def list_deliveries(request, day: date | None = None, source: str | None = None):
    qs = scoped(request.auth, Delivery).select_related("source", "department")
    if day:
        qs = qs.filter(received_date=day)
    if source:
        qs = qs.filter(source__code=source)
    return selectors.delivery_rows(qs)


@router.get(
    "/deliveries/{delivery_id}",
    response={200: DeliveryOut, (403, 404): Error},
    summary=gettext_lazy("One delivery"),
)
def get_delivery(request, delivery_id: int):
    return selectors.delivery_rows([get_scoped(request.auth, Delivery, pk=delivery_id)])[0]


@router.get(
    "/deliveries/{delivery_id}/errors.csv",
    response={(403, 404): Error},
    summary=gettext_lazy("The rejected items of a delivery, as CSV"),
    openapi_extra=file_answer("text/csv"),
)
def delivery_errors(request, delivery_id: int):
    delivery = get_scoped(request.auth, Delivery, pk=delivery_id)
    response = HttpResponse(files.error_csv(delivery), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="delivery-{delivery.pk}-errors.csv"'
    return response


@router.get(
    "/quality",
    response={200: list[QualityRowOut], 403: Error},
    summary=gettext_lazy("Delivery quality per department for a day"),
)
def quality(request, day: date | None = None):
    scoped(request.auth, Delivery)  # 403 without the permission
    return selectors.quality(day=day or selectors.today(), actor=request.auth)


@router.post(
    "/uploads",
    response={200: DeliveryOut, (403, 404, 413): Error},
    summary=gettext_lazy("Upload a file of events (CSV, XLSX, JSON lines, Parquet)"),
)
def upload(
    request,
    file: File[UploadedFile],
    source: str = Form(..., max_length=64),
    mode: ImportMode = Form(ImportMode.PARTIAL),
    mapping: str = Form("default", max_length=100),
):
    src = get_scoped(request.auth, Source, code=source)
    if not request.auth.has_perm("hub.submit_event"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    delivery = files.import_upload(
        upload=file, source=src, mode=mode, mapping_name=mapping, submitted_by=request.auth.get_username()
    )
    return selectors.delivery_rows([delivery])[0]
