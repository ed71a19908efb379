"""Admin for the hub: the catalogue is edited here (each change versioned); deliveries, events and
rejections are read-only records of what arrived."""

from django.contrib import admin

from zhili.core.admin import ReadOnlyAdmin, ScopedAdmin
from zhili.hub.forms import ColumnMappingForm
from zhili.hub.models import (
    ColumnMapping,
    Delivery,
    Event,
    EventType,
    EventTypeVersion,
    LakeDay,
    QualityAlert,
    Rejection,
    Source,
)
from zhili.hub.services import save_event_type


class VersionInline(admin.TabularInline):
    model = EventTypeVersion
    extra = 0
    fields = ("version", "changed_at", "changed_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EventType)
class EventTypeAdmin(ScopedAdmin):
    list_display = ("code", "name", "department", "family", "has_personal_data", "is_active", "version")
    list_filter = ("family", "department", "is_active", "has_personal_data")
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("version", "updated_at")
    inlines = [VersionInline]

    def save_model(self, request, obj, form, change):
        save_event_type(event_type=obj, actor_username=request.user.get_username())
        if self.audit_changes:
            from zhili.core.audit import record
            from zhili.core.models import AuditAction

            record(
                actor=request.user,
                action=AuditAction.CHANGE if change else AuditAction.CREATE,
                obj=obj,
                details={"fields": sorted(form.changed_data), "version": obj.version, "via": "admin"},
            )


@admin.register(Source)
class SourceAdmin(ScopedAdmin):
    list_display = ("code", "name", "department", "key_prefix", "is_active", "created_at")
    list_filter = ("department", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("key_prefix", "created_at")
    fields = ("code", "name", "department", "is_active", "key_prefix", "created_at")


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ScopedAdmin):
    form = ColumnMappingForm  # the upload page's form: the same checks for a data officer and an admin
    list_display = ("source", "name", "updated_at")
    search_fields = ("source__code", "name")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "source",
        "channel",
        "filename",
        "status",
        "received",
        "accepted",
        "duplicate",
        "corrected",
        "retracted",
        "rejected",
        "late",
    )
    list_filter = ("status", "channel", "department")
    search_fields = ("filename", "source__code", "file_sha256")
    date_hierarchy = "received_at"
    list_select_related = ("source",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "event_type",
        "unit_code",
        "source",
        "source_event_id",
        "version",
        "is_current",
        "retracted",
        "late",
    )
    list_filter = ("is_current", "retracted", "late", "event_type__family")
    search_fields = ("source_event_id", "unit_code")
    list_select_related = ("event_type", "source")
    show_full_result_count = False  # counting millions of rows on every page is slow
    exclude = ("fields",)  # may hold personal data; the API masks it by role


@admin.register(Rejection)
class RejectionAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "line", "source_event_id", "field", "reason", "message")
    list_filter = ("reason", "department")
    search_fields = ("source_event_id", "message")


@admin.register(LakeDay)
class LakeDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "changed_at", "exported_at", "rows", "lake_format", "sha256")
    date_hierarchy = "day"


@admin.register(QualityAlert)
class QualityAlertAdmin(ScopedAdmin):
    list_display = ("day", "department", "kind", "raised_at", "resolved_at")
    list_filter = ("kind", "department")
    fields = ("department", "day", "kind", "resolved_at")
    readonly_fields = ("department", "day", "kind")


@admin.register(EventTypeVersion)
class EventTypeVersionAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "version", "changed_at", "changed_by")
    search_fields = ("event_type__code",)
    list_select_related = ("event_type",)
