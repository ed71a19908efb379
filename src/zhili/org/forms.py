"""The form of the "my tokens" page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VALIDITY = [
    ("30", pgettext_lazy("token validity", "30 days")),
    ("90", pgettext_lazy("token validity", "90 days")),
    ("365", pgettext_lazy("token validity", "1 year")),
    ("", _("No expiry")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or system that uses it"),
    )
    days = forms.TypedChoiceField(
        label=_("Valid for"),
        choices=VALIDITY,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )
    # One per form shown: the same form sent twice (a reload, a double tap) makes one token.
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)
