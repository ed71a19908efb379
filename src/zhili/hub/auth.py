"""Department systems authenticate with their source key: `Authorization: Bearer zs_…`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from zhili.core import keys
from zhili.hub.models import Source


class SourceKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token.startswith("zs_"):
            return None
        return (
            Source.objects.select_related("department")
            .filter(key_digest=keys.digest(token), is_active=True)
            .first()
        )
