"""API authentication (session or bearer token) and the lockout answer."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from zhili.core import keys
from zhili.core.errors import Forbidden, error_body
from zhili.org.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        digest = keys.digest(token)
        found = ApiToken.objects.select_related("user", "user__home_unit").filter(digest=digest).first()
        if found is None or not found.user.is_active:
            return None
        if found.expired:
            return None
        now = timezone.now()
        # One write per minute at most, so a busy client does not turn reads into writes.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session, with the CSRF check for unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest):
        """The CSRF check guards what a logged-in session may do; without one there is nothing to
        guard, and the caller is told to log in (401), not that a token is missing (403)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise Forbidden(
                _(
                    "Send the CSRF token (the csrftoken cookie in an X-CSRFToken header) with a session's writes"
                ),
                code="csrf_failed",
            ) from None

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


API_AUTH = [TokenAuth(), SessionAuth()]


def lockout_response(request, credentials, *args, **kwargs):
    """What django-axes answers once a username is locked: JSON for the API, a page for people."""
    message = _("Too many failed logins: this account is locked for a while. Try again later.")
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", message), status=429)
    from django.shortcuts import render

    return render(request, "web/locked_out.html", {"message": message}, status=429)
