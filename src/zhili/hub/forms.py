"""Forms of the hub: uploading a file, and a column mapping — the same mapping form in the admin
and on the upload page, so that a data officer's mapping passes the checks an admin's does."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.hub.models import ColumnMapping, EventType, ImportMode, Source
from zhili.hub.readers import STANDARD
from zhili.hub.validation import known_zone

# A file column maps to one of these, to an event field, or to "fields.<name>".
TARGETS = frozenset(STANDARD)
CONSTANT_KEYS = frozenset(STANDARD) | {"timezone"}
MAX_COLUMN_NAME = 100


def uploadable_sources(user):
    """The department systems `user` may send files for: their own department's, not Zhili's."""
    return (
        Source.objects.for_actor(user)
        .exclude(code__startswith="zhili.")
        .exclude(code__startswith="demo.")
        .order_by("code")
    )


class PairsField(forms.Field):
    """A mapping typed as one “name = value” a line (what a data officer can write without
    knowing JSON), or as a JSON object (what the admin showed before)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k} = {v}" for k, v in value.items())
        return value

    def to_python(self, value) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        text = (value or "").strip()
        if not text:
            return {}
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError(_("not valid JSON: %(err)s") % {"err": exc.msg}) from None
            if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
                raise ValidationError(_('a JSON object of texts, e.g. {"报警时间": "occurred_at"}'))
            return parsed
        pairs: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, target = line.partition("=")
            name, target = name.strip(), target.strip()
            if not sep or not name or not target:
                raise ValidationError(
                    _("line %(n)d: write “name = value”, e.g. 报警时间 = occurred_at") % {"n": number}
                )
            if name in pairs:
                raise ValidationError(
                    _("line %(n)d: “%(name)s” is given twice") % {"n": number, "name": name}
                )
            pairs[name] = target
        return pairs


class ColumnMappingForm(forms.ModelForm):
    """A department's column mapping, checked against its department's event types: a target
    that is no standard name and no field of those types would reject every row of every file."""

    columns = PairsField(
        label=gettext_lazy("Columns"),
        help_text=gettext_lazy(
            "one a line: file column = event field, e.g. 报警时间 = occurred_at; targets: "
            "source_id, type, occurred_at, unit_code, lon, lat, retract or a field of the type"
        ),
    )
    constants = PairsField(
        label=gettext_lazy("Constant values"),
        required=False,
        help_text=gettext_lazy(
            "the same on every row, e.g. type = police.burglary and timezone = Asia/Shanghai "
            "(the zone of times written without one, such as 2026/10/3 8:05)"
        ),
    )

    class Meta:
        model = ColumnMapping
        fields = ["source", "name", "columns", "constants"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["source"].queryset = uploadable_sources(user)

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source is None:
            return cleaned
        types = {
            t.code: t for t in EventType.objects.filter(department_id=source.department_id, is_active=True)
        }
        fields = {f["name"] for t in types.values() for f in t.fields}
        self._check_columns(cleaned.get("columns") or {}, fields)
        self._check_constants(cleaned.get("constants") or {}, fields, types)
        return cleaned

    def _check_columns(self, columns: dict, fields: set[str]) -> None:
        seen: dict[str, str] = {}
        for column, target in columns.items():
            name = target.removeprefix("fields.")
            if len(column) > MAX_COLUMN_NAME:
                self.add_error("columns", _("“%(col)s” is too long a column name") % {"col": column[:20]})
            elif target not in TARGETS and name not in fields:
                self.add_error(
                    "columns",
                    _("“%(col)s = %(target)s”: no such standard name or field of this department's types")
                    % {"col": column, "target": target},
                )
            elif name in seen:
                self.add_error(
                    "columns",
                    _("“%(a)s” and “%(b)s” both fill %(target)s")
                    % {"a": seen[name], "b": column, "target": name},
                )
            seen[name] = column

    def _check_constants(self, constants: dict, fields: set[str], types: dict) -> None:
        for key in constants:
            if key not in CONSTANT_KEYS and key.removeprefix("fields.") not in fields:
                self.add_error("constants", _("“%(key)s”: no such standard name or field") % {"key": key})
        if "timezone" in constants and not known_zone(constants["timezone"]):
            self.add_error(
                "constants",
                _("unknown time zone %(zone)s; e.g. Asia/Shanghai") % {"zone": constants["timezone"]},
            )
        if "type" in constants and constants["type"] not in types:
            self.add_error(
                "constants",
                _("“%(code)s” is not an active event type of this department") % {"code": constants["type"]},
            )


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Source.objects.none(), label=gettext_lazy("Source system"))
    mapping = forms.ModelChoiceField(
        queryset=ColumnMapping.objects.none(),
        required=False,
        label=gettext_lazy("Column mapping"),
        empty_label=gettext_lazy("the source's “default” mapping, if saved"),
    )
    mode = forms.ChoiceField(
        choices=ImportMode.choices, initial=ImportMode.PARTIAL, label=gettext_lazy("Mode")
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GBK), XLSX, JSON lines or Parquet; times with a zone (+08:00) or the mapping's zone"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = uploadable_sources(user)
        self.fields["mapping"].queryset = (
            ColumnMapping.objects.for_actor(user)
            .filter(source__in=self.fields["source"].queryset)
            .select_related("source")
            .order_by("source__code", "name")
        )
        self.fields["mapping"].label_from_instance = lambda m: f"{m.source.code} · {m.name}"

    def clean(self):
        cleaned = super().clean()
        source, mapping = cleaned.get("source"), cleaned.get("mapping")
        if source and mapping and mapping.source_id != source.pk:
            self.add_error(
                "mapping",
                _("the mapping “%(name)s” belongs to %(other)s, not to %(source)s")
                % {"name": mapping.name, "other": mapping.source.code, "source": source.code},
            )
        return cleaned
