from datetime import timedelta

from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import OTHER_VILLAGE, client_for
from zhili.geo.models import Unit
from zhili.org.models import ApiToken, Department, User
from zhili.org.roles import ROLE_PERMISSIONS, Role
from zhili.org.tasks import purge_expired_sessions_and_tokens


def test_passwords_are_hashed_with_argon2(personas):
    assert identify_hasher(personas["town_cadre"].password).algorithm == "argon2"


def test_the_sixteen_data_departments_are_seeded(db):
    codes = set(Department.objects.values_list("code", flat=True))
    assert {
        "public_security",
        "traffic_police",
        "fire_rescue",
        "emergency",
        "city_management",
        "market_regulation",
        "petitions",
        "natural_resources",
        "health",
        "ecology",
        "justice",
        "civil_affairs",
        "human_resources",
        "water",
        "meteorology",
        "hotline_12345",
    } <= codes
    assert Department.objects.get(code="hotline_12345").name == "市12345政务服务便民热线"


def test_a_users_groups_follow_their_role(personas):
    user = personas["police_officer"]
    assert list(user.groups.values_list("name", flat=True)) == ["police_officer"]
    assert user.has_perm("org.view_personal_data") and not user.is_staff
    user.role = Role.TOWN_CADRE
    user.save()
    fresh = User.objects.get(pk=user.pk)
    assert list(fresh.groups.values_list("name", flat=True)) == ["town_cadre"]
    assert not fresh.has_perm("org.view_personal_data")
    assert fresh.is_staff and not fresh.is_superuser


def test_every_role_has_a_group_with_exactly_its_permissions(db):
    from django.contrib.auth.models import Group

    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        got = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert got == perms, role


def test_a_request_renews_the_idle_timeout_and_an_idle_session_ends(personas, settings):
    client = client_for(personas["town_cadre"])
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert client.get("/api/v1/org/me").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/org/me").status_code == 401


def test_the_nightly_job_purges_expired_sessions_and_long_expired_tokens(personas):
    client_for(personas["town_cadre"])
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    user = personas["town_cadre"]
    now = timezone.now()
    ApiToken.objects.create(
        user=user, name="old", prefix="a", digest="1" * 64, expires_at=now - timedelta(days=31)
    )
    ApiToken.objects.create(
        user=user, name="recent", prefix="b", digest="2" * 64, expires_at=now - timedelta(days=2)
    )
    ApiToken.objects.create(
        user=user, name="live", prefix="c", digest="3" * 64, expires_at=now + timedelta(days=2)
    )
    result = purge_expired_sessions_and_tokens.call_local()
    assert result == {"sessions": 1, "tokens": 1}
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["live", "recent"]


def test_an_expired_token_is_refused(personas):
    from django.test import Client

    from zhili.org.services import create_token

    token, key = create_token(actor=personas["town_cadre"], name="t", days=1)
    assert Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_the_admin_hides_personal_data_from_roles_without_the_right(personas):
    alice = personas["resident_own"]
    cadre = client_for(personas["town_cadre"])  # staff, may change users, may not see personal data
    page = cadre.get(f"/admin/org/user/{alice.pk}/change/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "44990219900101123X" not in page
    from zhili.core.models import AuditAction, AuditLog

    admin = client_for(personas["system_admin"])
    page = admin.get(f"/admin/org/user/{alice.pk}/change/").content.decode()
    assert "13812345678" in page
    assert (
        AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL, actor_username="system_admin_a").count()
        == 1
    )


def test_the_admin_lists_and_opens_only_the_own_scope(personas):
    client = client_for(personas["town_cadre"])
    page = client.get("/admin/geo/unit/").content.decode()
    assert "翠香社区" in page and "湖滨社区" not in page
    other = Unit.objects.get(code=OTHER_VILLAGE)
    # Django's admin answers an object outside the queryset with a redirect to the index and a message.
    response = client.get(f"/admin/geo/unit/{other.pk}/change/")
    assert response.status_code == 302 and response.url == "/admin/"
