"""What every app's API shares: the error body's schema, the page numbers, the PATCH body, and
two middlewares (a 405 in the error body; no NUL character in any input).

Each piece closes a class of failure once for every endpoint instead of endpoint by endpoint:
a page number so large that the row offset overflows the database's 64-bit integer, an explicit
null sent for a column that cannot be empty, a NUL character that PostgreSQL cannot hold (all
three were 500s).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from zhili.core.errors import error_body

# The largest row offset SQLite and PostgreSQL take (a signed 64-bit integer).
_MAX_OFFSET = 2**63 - 1


class ErrorDetail(Schema):
    """Where a refusal points: a field (with where it was sent), a file's line, a value."""

    model_config = ConfigDict(extra="allow")

    field: str | None = None
    reason: str | None = None


class Error(Schema):
    """The body of every 4xx and 5xx answer (`zhili.core.errors.error_body`)."""

    code: str = Field(
        ..., description="a stable machine-readable word: not_found, forbidden, invalid_request…"
    )
    message: str = Field(..., description="for people, in the caller's language")
    details: list[ErrorDetail]


class Pages(PageNumberPagination):
    """Page numbers bounded so that the row offset always fits the database's integer.

    django-ninja's own class takes any page number; page 99999999999999999999 reached the
    database as an offset it cannot hold. Every paginated endpoint uses this class (and the
    setting NINJA_PAGINATION_CLASS names it for `@paginate` without a class)."""

    class Input(Schema):
        page: int = Field(
            1,
            ge=1,
            le=_MAX_OFFSET // settings.NINJA_MAX_PER_PAGE_SIZE,
            description="1 for the first page; a page past the last one is empty",
        )
        page_size: int | None = Field(
            None, ge=1, description=f"rows per page, at most {settings.NINJA_MAX_PER_PAGE_SIZE}"
        )


def _drop_null(schema: dict[str, Any], model: type) -> None:
    """Document what the validator enforces: a property may be left out, not sent as null."""
    for name, prop in schema.get("properties", {}).items():
        if name in getattr(model, "nullable", ()):
            continue
        options = [o for o in prop.get("anyOf", ()) if o.get("type") != "null"]
        if len(options) == 1 and len(prop["anyOf"]) == 2:
            prop.pop("anyOf")
            prop.update(options[0])
        prop.pop("default", None)


class PatchSchema(Schema):
    """The body of a PATCH: every field optional (left out: unchanged), none of them null.

    With `name: str | None = None` an explicit {"name": null} passed validation and reached a
    NOT NULL column. Here null is refused for each field, naming it, unless the field is in
    `nullable` (a column that may really be emptied)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_drop_null)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null", _("may be left out, but not null"))
        return value


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_answer(*media_types: str) -> dict[str, Any]:
    """`openapi_extra` of a route that answers 200 with a file (PDF, DOCX, CSV) rather than JSON."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}
    return {"responses": {200: {"description": "OK", "content": content}}}


class MethodNotAllowedAsError:
    """Middleware: django-ninja answers a method that a path does not take with a bare text 405;
    the API's callers get the error body instead, like every other refusal (Allow kept)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            message = _("%(method)s is not allowed here; allowed: %(allowed)s") % {
                "method": request.method,
                "allowed": allowed,
            }
            refusal = JsonResponse(error_body("method_not_allowed", message), status=405)
            refusal["Allow"] = allowed
            return refusal
        return response


# (method, path) of the endpoints whose JSON body is a batch answered item by item, a NUL in an
# item included (the hub's delivery: one bad item must not refuse the rest). Filled where the
# routers are mounted (config.api); the middleware leaves those bodies to them.
ITEMWISE_BODIES: set[tuple[str, str]] = set()


class RefuseNulCharacters:
    """Middleware: the API takes no text holding the NUL character (U+0000), wherever it is sent.

    PostgreSQL can neither store nor compare such text: a NUL in a filter, a path or a body was
    a 500 there (and stored as is on SQLite). Refused at the door for every endpoint, naming where
    it was, before anything reads or writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            found = _nul_in(request)
        except MultiPartParserError as exc:
            return JsonResponse(unreadable_multipart(exc), status=400)
        if found:
            field, place = found
            message = _("%(field)s: text may not contain the NUL character (U+0000)") % {"field": field}
            details = [{"field": field, "in": place, "reason": _("contains U+0000")}]
            return JsonResponse(error_body("invalid_request", message, details), status=422)
        return self.get_response(request)


def unreadable_multipart(exc: MultiPartParserError) -> dict[str, Any]:
    """The error body for a form upload whose body cannot be split into its parts (no boundary,
    a broken one), naming the header that should have said how."""
    return error_body(
        "invalid_multipart",
        _("The multipart/form-data body cannot be read: %(reason)s") % {"reason": exc},
        [{"field": "Content-Type", "in": "header", "reason": str(exc)}],
    )


def _nul_in(request) -> tuple[str, str] | None:
    if "\x00" in request.path_info:
        return "path", "path"
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", ""), "query"
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _nul_in_form(request)
    if (request.method, request.path) in ITEMWISE_BODIES:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # the API answers 413 itself
    if b"\\u0000" not in body:  # how JSON writes a NUL (a raw one is not JSON: the API says so)
        return None
    try:
        field = _nul_in_json(json.loads(body), "")
    except (ValueError, RecursionError):
        return None  # not JSON the API can read: it says so itself
    return None if field is None else (field or "body", "body")


def _nul_in_form(request) -> tuple[str, str] | None:
    try:
        fields = request.POST  # a form that cannot be read raises MultiPartParserError
    except RequestDataTooBig:
        return None  # the API answers 413 itself
    for key, values in fields.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", ""), "body"
    return None


def _nul_in_json(value: Any, path: str) -> str | None:
    """The dotted path of the first string holding a NUL (events.3.fields.name), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return here.replace("\x00", "")
        if (found := _nul_in_json(item, here)) is not None:
            return found
    return None
