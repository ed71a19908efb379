"""Admin for mediation: institutions, mediators and the routing rules are edited here (the
rules are data: type, amount and place decide the institution); cases are records whose state
only the workflow moves."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zhili.core.admin import ReadOnlyAdmin, ScopedAdmin
from zhili.core.masking import mask_id_number, mask_phone
from zhili.mediation.models import (
    Attachment,
    Case,
    Clock,
    Document,
    Institution,
    Mediator,
    Meeting,
    Member,
    Message,
    Party,
    RoutingRule,
    Signature,
    Step,
    Task,
    Transfer,
)


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
    list_display = ("number", "state", "dispute_type", "unit", "institution", "opened_at")
    list_filter = ("state", "dispute_type", "channel")
    search_fields = ("number",)
    exclude = ("fingerprint", "request_key")


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    """Parties as records; ID numbers and phones masked here (the case page shows them in full
    to the case's own people, audited)."""

    list_display = ("case", "role", "name", "masked_id", "masked_phone")
    fields = ("case", "role", "name", "gender", "masked_id", "masked_phone")
    readonly_fields = fields
    search_fields = ("case__number", "name")

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("case", "at", "action", "source", "target", "actor")
    list_filter = ("action",)
    search_fields = ("case__number",)


@admin.register(Message, Task, Meeting, Attachment)
class CaseRecordAdmin(ReadOnlyAdmin):
    search_fields = ("case__number",)


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    """Every role ever held on a case, renounced ones included: the handovers on record."""

    list_display = ("case", "user", "role", "assumed_at", "renounced_at", "assumed_by")
    list_filter = ("role",)
    search_fields = ("case__number", "user__username")

    def get_queryset(self, request):
        from zhili.core.scope import scope_filter

        return scope_filter(Member.history.all(), request.user)


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ("case", "name", "amount", "unit", "started_at", "due_at", "paused_at", "stopped_at")
    list_filter = ("name", "unit")
    search_fields = ("case__number",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_org", "to_org", "answer", "asked_at", "answered_at")
    list_filter = ("answer",)
    search_fields = ("case__number",)


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "version", "code", "created_at")
    list_filter = ("kind",)
    search_fields = ("case__number", "code")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("document", "signed_at")
    exclude = ("image",)
