"""/api/v1/auth/ (log in, tokens) and /api/v1/org/ (departments, users, audit log)."""

from datetime import datetime

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from zhili.core.api import Error, Pages, PatchSchema
from zhili.core.errors import ZhiliError
from zhili.core.models import AuditLog
from zhili.core.scope import get_scoped, scoped
from zhili.org import selectors, services
from zhili.org.models import Department, User
from zhili.org.roles import Role

auth_router = Router(tags=["auth"])
router = Router(tags=["org"])


class LoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    home_unit_code: str | None
    department_code: str | None
    phone: str = Field(description="masked unless it is your own")
    id_number: str = Field(description="masked unless it is your own; full values: /users/{id}/personal")
    is_active: bool

    @staticmethod
    def resolve_role_label(obj, context) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_home_unit_code(obj, context) -> str | None:
        return obj.home_unit.code if obj.home_unit_id else None

    @staticmethod
    def resolve_department_code(obj, context) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return selectors.shown_phone(obj, actor=context["request"].auth)

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        return selectors.shown_id_number(obj, actor=context["request"].auth)


class PersonalOut(Schema):
    id: int
    username: str
    phone: str
    id_number: str


class UserPatch(PatchSchema):
    """What may be changed here; a role is given in the admin, never by a script."""

    display_name: str | None = Field(None, min_length=1, max_length=60)
    phone: str | None = Field(None, pattern=r"^\+?[0-9\-]{5,20}$")
    home_unit_code: str | None = Field(None, pattern=r"^\d{12,15}$")
    is_active: bool | None = None


class UserFilter(Schema):
    role: Role | None = None
    within: str | None = Field(None, pattern=r"^\d{12,15}$")
    q: str | None = Field(None, max_length=50)


class DepartmentOut(Schema):
    code: str
    name: str
    name_en: str
    short_name: str
    is_data_owner: bool


class AuditOut(Schema):
    id: int
    at: datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    unit_code: str
    ip: str | None
    request_id: str
    details: dict


class AuditFilter(Schema):
    action: str | None = Field(None, max_length=20)
    actor: str | None = Field(None, max_length=150)
    object_type: str | None = Field(None, max_length=60)


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int | None = Field(90, ge=1, le=3650, description="valid for this many days; null for no expiry")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str = Field(description="shown once; only its hash is kept")


# --- auth -----------------------------------------------------------------------------------
@auth_router.post(
    "/login",
    auth=None,
    response={200: UserOut, 401: Error, 429: Error},
    summary=gettext_lazy("Log in (session cookie)"),
    description="401: wrong username or password; 429: too many failures, the account is locked for a while.",
)
def login_view(request, payload: LoginIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise ZhiliError(_("Wrong username or password"), code="invalid_credentials", status=401)
    login(request, user)
    get_token(request)  # the CSRF cookie that unsafe session requests must echo
    request.auth = user
    return user


@auth_router.post("/logout", response={204: None}, summary=gettext_lazy("Log out"))
def logout_view(request):
    logout(request)
    return Status(204, None)


@auth_router.get("/tokens", response=list[TokenOut], summary=gettext_lazy("Your API tokens"))
def list_tokens(request):
    return selectors.own_tokens(request.auth)


@auth_router.post("/tokens", response={201: TokenCreatedOut}, summary=gettext_lazy("Create an API token"))
def create_token(request, payload: TokenIn):
    token, key = services.create_token(actor=request.auth, name=payload.name, days=payload.days)
    return Status(201, {**TokenOut.from_orm(token).dict(), "key": key})


@auth_router.delete(
    "/tokens/{token_id}", response={204: None, 404: Error}, summary=gettext_lazy("Revoke an API token")
)
def revoke_token(request, token_id: int):
    services.revoke_token(actor=request.auth, token=selectors.own_token(request.auth, token_id))
    return Status(204, None)


# --- org ------------------------------------------------------------------------------------
@router.get("/me", response=UserOut, summary=gettext_lazy("Who you are"))
def me(request):
    return request.auth


@router.get(
    "/departments",
    response={200: list[DepartmentOut], 403: Error},
    summary=gettext_lazy("Data-owning departments"),
)
def list_departments(request):
    return scoped(request.auth, Department).order_by("code")


@router.get(
    "/users",
    response={200: list[UserOut], 403: Error},
    summary=gettext_lazy("Users in your scope (personal data masked)"),
)
@paginate(Pages, page_size=100)
def list_users(request, filters: Query[UserFilter]):
    return selectors.filter_users(scoped(request.auth, User), **filters.dict())


@router.get(
    "/users/{user_id}",
    response={200: UserOut, (403, 404): Error},
    summary=gettext_lazy("One user (personal data masked)"),
)
def get_user(request, user_id: int):
    return get_scoped(request.auth, User, pk=user_id)


@router.patch(
    "/users/{user_id}", response={200: UserOut, (400, 403, 404): Error}, summary=gettext_lazy("Change a user")
)
def patch_user(request, user_id: int, payload: UserPatch):
    user = get_scoped(request.auth, User, "change", pk=user_id)
    return services.update_user(actor=request.auth, user=user, **payload.dict(exclude_unset=True))


@router.get(
    "/users/{user_id}/personal",
    response={200: PersonalOut, (403, 404): Error},
    summary=gettext_lazy("A user's ID number and phone in full (audited)"),
)
def get_user_personal(request, user_id: int):
    user = get_scoped(request.auth, User, pk=user_id)
    return services.read_personal(actor=request.auth, user=user)


@router.get(
    "/audit", response={200: list[AuditOut], 403: Error}, summary=gettext_lazy("The audit log of your scope")
)
@paginate(Pages, page_size=100)
def list_audit(request, filters: Query[AuditFilter]):
    qs = scoped(request.auth, AuditLog)
    for field, value in filters.dict(exclude_none=True).items():
        qs = qs.filter(**{"actor_username" if field == "actor" else field: value})
    return qs
