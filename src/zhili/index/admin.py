"""Admin for the index: definitions are edited as YAML (each save validated, a new version);
runs can be published; results and alerts are records."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from zhili.core.admin import ReadOnlyAdmin, ScopedAdmin
from zhili.core.errors import ZhiliError
from zhili.index.definitions import load_text
from zhili.index.models import Alert, DefinitionVersion, Outcome, Run
from zhili.index.services import publish_run, save_definition


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = DefinitionVersion
        fields = ("text", "note")
        widgets = {"text": forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            load_text(text, filename="definition.yaml")
        except ZhiliError as exc:
            lines = [exc.message] + [
                f"{d.get('path', '')} {d.get('field', '')}: {d.get('reason', '')}" for d in exc.details[1:10]
            ]
            raise forms.ValidationError(lines) from None
        return text


@admin.register(DefinitionVersion)
class DefinitionAdmin(ScopedAdmin):
    """Saving never edits a stored version: it stores the text as a new active version."""

    form = DefinitionForm
    list_display = ("code", "name", "short_hash", "is_active", "shipped", "created_at", "created_by")
    list_filter = ("code", "is_active", "shipped")
    readonly_fields = ("code", "name", "content_hash", "shipped", "is_active", "created_at", "created_by")

    @admin.display(description=_("version"))
    def short_hash(self, obj):
        return obj.content_hash[:12]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        version = save_definition(
            text=form.cleaned_data["text"], actor=request.user, note=form.cleaned_data["note"]
        )
        obj.pk = version.pk  # the admin redirects to the stored version

    def save_related(self, request, form, formsets, change):
        pass


@admin.action(description=_("Publish the selected revisions"), permissions=["publish"])
def publish_selected(modeladmin, request, queryset):
    for run in queryset:
        try:
            publish_run(run, actor=request.user)
        except ZhiliError as exc:
            messages.error(request, exc.message)


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "revision",
        "engine",
        "outcomes_count",
        "incomplete_count",
        "created_at",
        "published_at",
    )
    list_filter = ("definition__code", "period_kind", "engine")
    actions = [publish_selected]

    def has_publish_permission(self, request):
        return request.user.has_perm("index.publish_run")


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = (
        "unit_code",
        "level",
        "period_start",
        "total",
        "grade",
        "streak",
        "rank",
        "stars",
        "complete",
    )
    list_filter = ("level", "grade", "complete", "run__definition__code", "run__period_kind")
    search_fields = ("unit_code",)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("unit_code", "period_start", "action", "streak", "raised_at", "acknowledged_at")
    list_filter = ("action",)
