"""The mediation pages' forms. They check the shape of what was typed; the rules (valid ID
numbers, known places, duplicates, who may do what) are the services', whose refusals the views
put back on the field they name."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.geo.models import Level, Unit
from zhili.mediation.choices import Channel, DisputeType, Referral

FIELD_CODE = re.compile(r"^[A-Za-z_][\w.]*\s*[:：]\s*")


def plain(message: str) -> str:
    """A refusal without the field code the services put in front of it ("reason: 请说明理由"
    → "请说明理由"): on a page the message stands under its field, which says the rest."""
    return FIELD_CODE.sub("", str(message), count=1)


GENDERS = [("", "—"), ("男", _("male")), ("女", _("female"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def place_choices() -> list:
    """Villages and communities grouped by their town, for a phone's native picker."""
    towns = dict(Unit.objects.filter(level=Level.TOWN).values_list("code", "name"))
    groups: dict[str, list] = {}
    for code, name in Unit.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", "name"):
        groups.setdefault(towns.get(code[:9] + "000", ""), []).append((code, name))
    return [("", _("— pick, or use my location —"))] + [(town, rows) for town, rows in groups.items()]


class ApplyForm(forms.Form):
    dispute_type = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeType.choices)
    amount = forms.DecimalField(
        label=_("Amount involved (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    unit_code = forms.ChoiceField(label=_("Where it happened"), required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    facts = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    claims = forms.CharField(
        label=_("What you ask for"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    applicant_name = forms.CharField(label=_("Your name"), max_length=100)
    applicant_gender = forms.ChoiceField(label=_("Gender"), choices=GENDERS, required=False)
    applicant_id_number = forms.CharField(label=_("Your ID number"), max_length=18, required=False)
    applicant_phone = forms.CharField(label=_("Your mobile number"), max_length=20)
    applicant_address = forms.CharField(label=_("Your address"), max_length=200, required=False)
    respondent_name = forms.CharField(label=_("Other party's name (person or company)"), max_length=100)
    respondent_phone = forms.CharField(label=_("Other party's phone"), max_length=20, required=False)
    respondent_id_number = forms.CharField(label=_("Other party's ID number"), max_length=18, required=False)
    respondent_address = forms.CharField(label=_("Other party's address"), max_length=200, required=False)
    files = MultipleFileField(label=_("Evidence (PDF, JPEG, PNG, DOCX; 10 MB each)"), required=False)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    # A service's field name → this form's field.
    FIELDS = {
        "parties.0.name": "applicant_name", "parties.0.id_number": "applicant_id_number",
        "parties.0.phone": "applicant_phone", "parties.1.name": "respondent_name",
        "parties.1.id_number": "respondent_id_number", "parties.1.phone": "respondent_phone",
        "place": "unit_code", "file": "files",
    }  # fmt: skip

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_code"].widget.attrs["aria-describedby"] = "place-chosen"
        if staff:  # staff enter cases for walk-ins and callers: how it came in, not "online"
            self.fields["channel"] = forms.ChoiceField(
                label=_("How the application came in"),
                choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
            )
        self.fields["unit_code"].choices = place_choices()
        self.fields["request_key"].initial = uuid.uuid4().hex
        self.fields["applicant_id_number"].widget.attrs.update(inputmode="text", autocomplete="off")
        self.fields["applicant_phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["respondent_phone"].widget.attrs.update(inputmode="tel")

    def clean(self):
        data = super().clean()
        if not data.get("unit_code") and (data.get("lon") is None or data.get("lat") is None):
            self.add_error("unit_code", _("pick the village or community, or use your location"))
        return data

    def add_service_error(self, field: str, message: str) -> None:
        name = self.FIELDS.get(field, field)
        self.add_error(name if name in self.fields else None, plain(message))

    def place_label(self) -> str:
        """ "翠香社区（拱北街道）" for the place picked, so that the page names it."""
        code = self["unit_code"].value()
        for town, rows in self.fields["unit_code"].choices[1:]:
            for value, name in rows:
                if value == code:
                    return _("%(village)s (%(town)s)") % {"village": name, "town": town}
        return ""


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(label=_("Code from the text message"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))  # fmt: skip


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason or note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead = forms.CharField(label=_("Lead mediator"), required=False)
    co = forms.MultipleChoiceField(label=_("Co-mediators"), required=False)
    terms = forms.CharField(
        label=_("Agreed terms, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    performance = forms.CharField(label=_("How and when it is performed"), max_length=300, required=False)
    agreed_amount = forms.DecimalField(
        label=_("Agreed amount (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    referral = forms.ChoiceField(label=_("Refer to"), choices=[("", "—"), *Referral.choices], required=False)

    def __init__(self, *args, mediators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co"].choices = list(mediators)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    private = forms.BooleanField(label=_("Mediators only"), required=False)


class SignForm(forms.Form):
    document_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    image = forms.CharField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(label=_("I have read the agreement and agree to it"))


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40, required=False)
    file = forms.FileField(label=_("or the signed PDF"), required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    assignee = forms.ChoiceField(label=_("For"), required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # one line of inputs without <label>s: named for readers
            field.widget.attrs.setdefault("aria-label", field.label)
        self.fields["assignee"].choices = [("", _("— for whom —")), *team]
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. fetch the wage records")


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.CharField(label=_("Video meeting link"), max_length=200, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG, PNG, DOCX; 10 MB)"))
