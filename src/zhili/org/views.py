"""The "my tokens" page: every logged-in user lists, creates and revokes their own API tokens."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.org import selectors, services
from zhili.org.forms import TokenForm

SENT_FORMS = "org.tokens.sent"  # session key: the nonces of the token forms already sent


def _fresh_form() -> TokenForm:
    return TokenForm(initial={"nonce": secrets.token_urlsafe(16)})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form, created = _fresh_form(), None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            sent = request.session.get(SENT_FORMS, [])
            if form.cleaned_data["nonce"] in sent:
                messages.info(
                    request,
                    _("That form was sent already: its token exists, and its key is not shown again."),
                )
                return redirect("org:tokens")
            try:
                token, key = services.create_token(
                    actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            except ZhiliError as exc:
                field = exc.details[0].get("field") if exc.details else None
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                request.session[SENT_FORMS] = [*sent[-19:], form.cleaned_data["nonce"]]
                form, created = _fresh_form(), {"token": token, "key": key}
    response = render(
        request,
        "org/tokens.html",
        {"form": form, "created": created, "tokens": selectors.own_tokens(request.user)},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the key is on this page once; no copy in a cache
    return response


@login_required
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks to confirm, POST revokes; a second POST (a reload) finds nothing left to revoke."""
    try:
        token = selectors.own_token(request.user, token_id)
    except Http404:
        if request.method != "POST":
            raise
        messages.info(request, _("That token is no longer among yours: it was revoked already."))
        return redirect("org:tokens")
    if request.method == "POST":
        services.revoke_token(actor=request.user, token=token)
        messages.success(
            request,
            _("Token “%(name)s” revoked: requests that send it are refused from now on.")
            % {"name": token.name},
        )
        return redirect("org:tokens")
    return render(request, "org/token_revoke.html", {"token": token})
