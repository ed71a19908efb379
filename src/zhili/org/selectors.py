"""Reads of people: masking is decided here, once."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from zhili.core.masking import mask_id_number, mask_phone
from zhili.org.models import ApiToken


def _is_self(user, actor) -> bool:
    return actor is not None and getattr(actor, "pk", None) == user.pk


def shown_phone(user, *, actor) -> str:
    return user.phone if _is_self(user, actor) else (mask_phone(user.phone) or "")


def shown_id_number(user, *, actor) -> str:
    return user.id_number if _is_self(user, actor) else (mask_id_number(user.id_number) or "")


def filter_users(qs: QuerySet, *, role=None, within=None, q=None) -> QuerySet:
    qs = qs.select_related("home_unit", "department")
    if role:
        qs = qs.filter(role=role)
    if within:
        qs = qs.within(within)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return qs


def own_tokens(user) -> QuerySet:
    """A user's API tokens, newest first: everyone sees their own tokens and nobody else's."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def own_token(user, token_id: int):
    """One of the user's own tokens; anyone else's answers like a missing one (404)."""
    token = own_tokens(user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token
