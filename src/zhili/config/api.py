"""The API root: /api/v1/<app>/…, OpenAPI at /api/docs, one error body for every failure."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from zhili.core.api import ITEMWISE_BODIES, Error, unreadable_multipart
from zhili.core.errors import ZhiliError, error_body
from zhili.org.auth import API_AUTH

log = logging.getLogger("zhili.api")


class ZhiliAPI(NinjaAPI):
    """The document also lists the answers that come from the API's own machinery rather than
    from a route: 401 where the route needs a login or token (403 too for its writes: a session
    without its CSRF token), 422 where it takes input, 400 where a body may not parse. Each
    route declares its own (403, 404, 409…)."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        _translate(schema)
        shapes = Error.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(shapes.pop("$defs", {}))
        components["Error"] = shapes
        for path in schema["paths"].values():
            for method, operation in path.items():
                _declare_common_errors(method, operation)
        return schema


# The routers' tags (short codes) as the documentation names its sections.
TAG_NAMES = {
    "auth": gettext_lazy("Sign-in and tokens"),
    "geo": gettext_lazy("Divisions"),
    "org": gettext_lazy("Organisation"),
    "hub": gettext_lazy("Data hub"),
    "index": gettext_lazy("Ping'an index"),
    "mediation": gettext_lazy("Mediation"),
    "public": gettext_lazy("Public"),
}


def _translate(schema: dict) -> None:
    """Summaries, tags and the title in the request's language (the documentation page asks in
    the reader's); plain strings, so that the document is JSON for any reader of the dict."""
    info = schema.setdefault("info", {})
    for key in ("title", "description"):
        if key in info:
            info[key] = str(info[key])
    for path in schema["paths"].values():
        for operation in path.values():
            if "summary" in operation:
                operation["summary"] = str(operation["summary"])
            operation["tags"] = [str(TAG_NAMES.get(tag, tag)) for tag in operation.get("tags", [])]


def _declare_common_errors(method: str, operation: dict) -> None:
    common = {}
    if operation.get("security"):
        common[401] = "Unauthorized"
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            common[403] = "Forbidden"  # a logged-in session's write without its CSRF token
    if operation.get("parameters") or operation.get("requestBody"):
        common[422] = "Unprocessable Content"
    if operation.get("requestBody") or method.upper() == "POST":
        common[400] = "Bad Request"  # a body that does not parse (a POST's form is read at the door)
    for status, description in common.items():
        operation["responses"].setdefault(
            status,
            {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )


class Docs(Swagger):
    """Ninja's bundled Swagger UI in a page that says its language (the operations' summaries
    follow it), with colours that pass WCAG AA and without the operations' deep links, whose
    anchors inside each operation's button are nested controls to a screen reader."""

    template = "web/api_docs.html"


api = ZhiliAPI(
    title=gettext_lazy("Zhili API"),
    version="1",
    description=gettext_lazy(
        "治理 — municipal social governance platform. Errors: {code, message, details}, the field "
        "named in details. Scripts authenticate with an API token (Authorization: Bearer …) from "
        "the page 我的令牌 (/me/tokens/) or `zhili token create`. Everything is scoped to the "
        "caller's unit and below (another unit's records answer 404), except the city's "
        "publications: the index's public colours and star list, and the monthly report."
    ),
    urls_namespace="api",
    docs_url="/docs",
    docs=Docs(settings={"deepLinking": False}),
    openapi_url="/openapi.json",
    auth=API_AUTH,
)


def _error(request, status: int, code: str, message: str, details=None):
    return api.create_response(request, error_body(code, message, details), status=status)


@api.exception_handler(ZhiliError)
def _zhili_error(request, exc: ZhiliError):
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        # ("body", "payload", "resident") → "resident"; ("query", "level") → "level"
        field = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        details.append(
            {
                "field": ".".join(field) or ".".join(loc),
                "in": loc[0] if loc else "",
                "reason": err.get("msg", ""),
            }
        )
    message = _("The request is not valid")
    if details:
        message = _("%(field)s: %(reason)s") % {
            "field": details[0]["field"] or details[0]["in"],
            "reason": details[0]["reason"],
        }
    return _error(request, 422, "invalid_request", message, details)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("Log in or send an API token"))


@api.exception_handler(AuthorizationError)
def _authorization(request, exc):
    return _error(request, 403, "forbidden", _("Your role may not do this"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or _("Your role may not do this"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc) == "Cannot parse request body":
        return _error(request, 400, "invalid_json", _("The request body is not valid JSON"))
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        429: "too_many_requests",
    }
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc: MultiPartParserError):
    """A form upload whose body cannot be split into its parts (no boundary, a broken one)."""
    return api.create_response(request, unreadable_multipart(exc), status=400)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc: SuspiciousOperation):
    """Django's refusals of a request's shape (too big, too many fields or files)."""
    if isinstance(exc, RequestDataTooBig):
        return _error(request, 413, "too_large", _("The request body is too large"))
    return _error(request, 400, "bad_request", _("The request could not be understood."))


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def _out_of_range(request, exc: Exception):
    """A value the database cannot hold (a number beyond its column, on PostgreSQL or SQLite)
    that the input's own checks let through: refused, and nothing was written (services are
    atomic). Logged, so that the input's check can be made exact."""
    log.warning("value out of range in %s %s: %s", request.method, request.path, exc)
    return _error(request, 422, "out_of_range", _("A value in the request is larger than can be stored"), [])


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("Something went wrong on our side; it has been logged"))


def _register_routers() -> None:
    from zhili.geo.api import router as geo_router
    from zhili.hub.api import router as hub_router
    from zhili.index.api import public as index_public
    from zhili.index.api import router as index_router
    from zhili.mediation.api import public as mediation_public
    from zhili.mediation.api import router as mediation_router
    from zhili.org.api import auth_router
    from zhili.org.api import router as org_router

    api.add_router("/v1/auth/", auth_router)
    api.add_router("/v1/geo/", geo_router)
    api.add_router("/v1/org/", org_router)
    api.add_router("/v1/hub/", hub_router)
    ITEMWISE_BODIES.add(("POST", "/api/v1/hub/events"))  # each item answered, a NUL in it too
    api.add_router("/v1/index/public/", index_public)
    api.add_router("/v1/index/", index_router)
    api.add_router("/v1/mediation/public/", mediation_public)
    api.add_router("/v1/mediation/", mediation_router)


_register_routers()
