"""The base admin: querysets cut to the user's scope, every change written to the audit log."""

from __future__ import annotations

from django.contrib import admin

from zhili.core.models import CalendarDay
from zhili.core.scope import scope_filter


class ScopedAdmin(admin.ModelAdmin):
    audit_changes = True

    def get_queryset(self, request):
        return scope_filter(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A choice of a scoped record (a unit, a case …) offers and accepts only the user's own
        scope: the autocomplete widget narrows what is shown, this narrows what is accepted."""
        if "queryset" not in kwargs and (
            getattr(db_field.related_model, "scope_path", None)
            or getattr(db_field.related_model, "department_path", None)
        ):
            kwargs["queryset"] = scope_filter(db_field.related_model._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if self.audit_changes:
            from zhili.core.audit import record
            from zhili.core.models import AuditAction

            changed = sorted(form.changed_data) if form is not None else []
            record(
                actor=request.user,
                action=AuditAction.CHANGE if change else AuditAction.CREATE,
                obj=obj,
                details={
                    "fields": [f for f in changed if f not in ("password", "password1", "password2")],
                    "via": "admin",
                },
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if self.audit_changes:
            from zhili.core.audit import record
            from zhili.core.models import AuditAction

            for obj in formset.new_objects:
                record(actor=request.user, action=AuditAction.CREATE, obj=obj, details={"via": "admin"})
            for obj, fields in formset.changed_objects:
                record(
                    actor=request.user,
                    action=AuditAction.CHANGE,
                    obj=obj,
                    details={"fields": sorted(fields), "via": "admin"},
                )
            for obj in formset.deleted_objects:
                record(actor=request.user, action=AuditAction.DELETE, obj=obj, details={"via": "admin"})

    def delete_model(self, request, obj):
        if self.audit_changes:
            from zhili.core.audit import record
            from zhili.core.models import AuditAction

            record(actor=request.user, action=AuditAction.DELETE, obj=obj, details={"via": "admin"})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(ScopedAdmin):
    """Records of what happened (audit entries, deliveries, events): shown, never edited here."""

    audit_changes = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    """The statutory calendar's corrections: only the system administrator (superuser) holds
    the permissions; every change is audited."""

    list_display = ("day", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "day"
