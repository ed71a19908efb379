"""What every app's API shares: the error body's schema, the page numbers, the PATCH body, the
405 in the error body.

Each piece closes a class of failure once for every endpoint instead of endpoint by endpoint:
a page number so large that the row offset overflows the database's 64-bit integer, and an
explicit null sent for a column that cannot be empty (both were 500s).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http import JsonResponse
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
