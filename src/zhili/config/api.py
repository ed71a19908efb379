"""The API root: /api/v1/<app>/…, OpenAPI at /api/docs, one error body for every failure."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from zhili.core.errors import ZhiliError, error_body
from zhili.org.auth import API_AUTH

log = logging.getLogger("zhili.api")

api = NinjaAPI(
    title="Zhili API",
    version="1",
    description="治理 — municipal social governance platform. Errors: {code, message, details}.",
    urls_namespace="api",
    docs_url="/docs",
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
    api.add_router("/v1/index/public/", index_public)
    api.add_router("/v1/index/", index_router)
    api.add_router("/v1/mediation/public/", mediation_public)
    api.add_router("/v1/mediation/", mediation_router)


_register_routers()
