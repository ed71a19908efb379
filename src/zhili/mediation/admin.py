"""Admin for mediation: institutions, mediators and the routing rules are edited here (the
rules are data: type, amount and place decide the institution); cases are records whose state
only the workflow moves."""

from django.contrib import admin

from zhili.core.admin import ReadOnlyAdmin, ScopedAdmin
from zhili.mediation.models import Case, Institution, Mediator, RoutingRule


@admin.register(Institution)
class InstitutionAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "unit", "capacity", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("unit",)


@admin.register(Mediator)
class MediatorAdmin(ScopedAdmin):
    list_display = ("user", "institution", "is_head", "max_cases", "is_active")
    list_filter = ("institution__kind", "is_head", "is_active")
    search_fields = ("user__username", "user__display_name", "institution__name")
    raw_id_fields = ("user",)
    exclude = ("public_key", "sealed_private_key")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "name", "dispute_types", "min_amount", "max_amount", "unit_prefix",
                    "institution", "institution_kind", "is_active")  # fmt: skip
    list_editable = ("is_active",)
    ordering = ("priority", "id")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "state", "dispute_type", "unit", "institution", "created_at")
    list_filter = ("state", "dispute_type", "channel")
    search_fields = ("number",)
    exclude = ("fingerprint", "request_key")
