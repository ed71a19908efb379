"""Admin for people, departments, tokens and the audit log, scoped and audited like the API."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from zhili.core.admin import ReadOnlyAdmin, ScopedAdmin
from zhili.core.audit import record
from zhili.core.errors import ZhiliError
from zhili.core.masking import mask_id_number, mask_phone
from zhili.core.models import AuditAction, AuditLog
from zhili.org import rights
from zhili.org.models import ApiToken, Department, PhoneCode, User
from zhili.org.roles import Role


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ("code", "name", "short_name", "is_data_owner")
    search_fields = ("code", "name", "name_en", "short_name")
    list_filter = ("is_data_owner",)


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "home_unit",
        "department",
        "masked_phone",
        "is_active",
    )
    list_filter = ("role", "is_active", "department")
    search_fields = ("username", "display_name", "home_unit__name", "home_unit__code")
    autocomplete_fields = ("home_unit",)
    list_select_related = ("home_unit", "department")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("display_name", "first_name", "last_name", "email", "phone", "id_number")}),
        (_("Role and scope"), {"fields": ("role", "home_unit", "department")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "role", "home_unit", "department"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone) or ""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self._may_see_personal(request, obj):
            return fieldsets
        # Without the right, the full values never reach the page: masked, read-only copies do.
        return [
            (
                name,
                {
                    **opts,
                    "fields": tuple(
                        {"phone": "masked_phone", "id_number": "masked_id_number"}.get(f, f)
                        for f in opts["fields"]
                    ),
                },
            )
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self._may_see_personal(request, obj):
            fields += ["masked_phone", "masked_id_number"]
        if not request.user.is_superuser:
            fields += ["department"]
        if obj is not None and obj.pk == request.user.pk:
            fields += [f for f in rights.MANAGED_FIELDS if f not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        """Your own account (personal fields, password), or an account whose rights are below
        yours; anyone else in scope is shown read-only."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.pk == request.user.pk or rights.may_manage(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or rights.may_manage(request.user, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "role" in form.base_fields:
            allowed = {r.value for r in rights.grantable_roles(request.user)}
            if obj is not None:
                allowed.add(obj.role)  # its current role may stay as it is
            form.base_fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        actor = request.user

        class GuardedForm(form):
            def clean(self):
                data = super().clean()
                fields = self.fields if obj is None else self.changed_data  # new: all it is given
                changes = {f: data.get(f) for f in rights.MANAGED_FIELDS if f in fields}
                try:
                    rights.check_user_change(actor, obj, changes)
                except ZhiliError as refusal:
                    field = refusal.details[0]["field"] if refusal.details else None
                    self.add_error(field if field in self.fields else None, refusal.details[0]["reason"])
                return data

        GuardedForm.__name__ = form.__name__
        return GuardedForm

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: User) -> str:
        return mask_id_number(obj.id_number) or ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None and obj.pk != request.user.pk and self._may_see_personal(request, obj):
                record(
                    actor=request.user,
                    action=AuditAction.VIEW_PERSONAL,
                    obj=obj,
                    details={"fields": ["phone", "id_number"], "via": "admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _may_see_personal(request, obj: User) -> bool:
        return obj.pk == request.user.pk or request.user.has_perm("org.view_personal_data")


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")  # a token never changes hands
    fields = ("user", "name", "prefix", "expires_at", "created_at", "last_used_at")
    search_fields = ("name", "user__username", "prefix")

    def has_add_permission(self, request):
        return False  # tokens are created through the API, which shows the key once


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_username", "action", "object_type", "object_repr", "unit_code", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_repr", "object_id", "unit_code", "request_id")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    """When codes were sent and used (the codes themselves are kept only as keyed hashes)."""

    list_display = ("__str__", "sent_at", "attempts", "used_at")
    exclude = ("code_hash", "phone")
