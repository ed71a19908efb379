"""API tokens for people: the "my tokens" page (every logged-in user lists, creates and revokes
their own) and `zhili token create` for operators; both audited like the API's own create."""

from __future__ import annotations

import getpass
import re
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import client_for
from zhili.core import keys
from zhili.core.models import AuditAction, AuditLog
from zhili.org.models import ApiToken
from zhili.org.services import create_token

CITY_TIME = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=CITY_TIME)
PAGE = "/me/tokens/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _nonce(client) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', client.get(PAGE).content.decode()).group(1)


def _key_on(page) -> str:
    return re.search(r'id="key" class="key" type="text" value="([^"]+)"', page.content.decode()).group(1)


def _create(client, name: str = "夜间同步脚本", days: str = "90", nonce: str | None = None):
    return client.post(PAGE, {"name": name, "days": days, "nonce": nonce or _nonce(client)})


# --- the page ----------------------------------------------------------------------------------
def test_the_page_lists_your_own_tokens_with_prefix_name_and_dates_and_nobody_elses(personas, frozen):
    mine, _key = create_token(actor=personas["town_cadre"], name="周报导出", days=30)
    ApiToken.objects.filter(pk=mine.pk).update(last_used_at=NOW + timedelta(hours=1))
    theirs, _key = create_token(actor=personas["village_cadre"], name="别人的脚本", days=None)
    page = client_for(personas["town_cadre"]).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>我的令牌</h1>" in html
    row = re.search(rf'<tr data-prefix="{mine.prefix}">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # created 09:30 city time, 30 days to run, used an hour later
    assert cells == [
        "周报导出",
        f"{mine.prefix}…",
        "2026-10-05 09:30",
        "2026-11-04 09:30",
        "2026-10-05 10:30",
        "撤销",
    ]
    assert "别人的脚本" not in html and theirs.prefix not in html


def test_a_token_without_use_or_expiry_says_so_and_an_expired_one_is_marked(personas, frozen):
    create_token(actor=personas["town_cadre"], name="长期", days=None)
    old, _key = create_token(actor=personas["town_cadre"], name="旧的", days=1)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=NOW - timedelta(days=1))
    html = client_for(personas["town_cadre"]).get(PAGE).content.decode()
    forever = re.search(r"<td[^>]*class=\"name\">长期</td>(.*?)</tr>", html, re.S).group(1)
    assert "永不过期" in forever and "尚未使用" in forever
    expired = re.search(r"<td[^>]*class=\"name\">旧的</td>(.*?)</tr>", html, re.S).group(1)
    assert "已过期" in expired


def test_a_new_token_is_shown_once_with_a_warning_and_works_in_the_api(personas, frozen):
    client = client_for(personas["town_cadre"])
    page = _create(client)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "只显示这一次" in html and 'data-copy="key"' in html
    key = _key_on(page)
    token = ApiToken.objects.get(user=personas["town_cadre"])
    assert (token.name, token.prefix, token.digest) == ("夜间同步脚本", key[:8], keys.digest(key))
    assert token.expires_at == NOW + timedelta(days=90)
    assert key not in client.get(PAGE).content.decode()  # the next visit lists it without its key
    me = Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200 and me.json()["username"] == "town_cadre_a"
    audit = AuditLog.objects.get(action=AuditAction.TOKEN_CREATED)
    assert (audit.actor_username, audit.object_id, audit.unit_code) == (
        "town_cadre_a",
        str(token.pk),
        "449902001000",
    )


def test_the_same_form_sent_twice_makes_one_token(personas):
    client = client_for(personas["town_cadre"])
    nonce = _nonce(client)
    assert _create(client, nonce=nonce).status_code == 200
    again = _create(client, nonce=nonce)  # a reload of the answer, a second tap
    assert again.status_code == 302 and again.url == PAGE
    assert ApiToken.objects.filter(user=personas["town_cadre"]).count() == 1
    assert "它的密钥不会再显示" in client.get(PAGE).content.decode()


def test_no_expiry_is_a_choice(personas):
    _create(client_for(personas["citizen"]), days="")
    assert ApiToken.objects.get(user=personas["citizen"]).expires_at is None


@pytest.mark.parametrize(("name", "days"), [("", "90"), ("x" * 101, "90"), ("脚本", "7")])
def test_a_bad_name_or_validity_is_refused_by_field_and_makes_nothing(personas, name, days):
    page = _create(client_for(personas["town_cadre"]), name=name, days=days)
    assert page.status_code == 400
    assert 'class="errorlist' in page.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_the_key_is_refused(personas):
    client = client_for(personas["town_cadre"])
    token, key = create_token(actor=personas["town_cadre"], name="要撤销的", days=30)
    url = f"/me/tokens/{token.pk}/revoke/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "要撤销的" in confirm.content.decode() and "无法撤回" in confirm.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()  # asking revokes nothing
    done = client.post(url)
    assert done.status_code == 302 and done.url == PAGE
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)).count() == 1
    assert Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    again = client.post(url)  # a reload: nothing left to revoke, no error page
    assert again.status_code == 302
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_someone_elses_token_answers_like_a_missing_one(personas):
    theirs, _key = create_token(actor=personas["village_cadre"], name="别人的", days=30)
    client = client_for(personas["town_cadre"])
    assert client.get(f"/me/tokens/{theirs.pk}/revoke/").status_code == 404
    client.post(f"/me/tokens/{theirs.pk}/revoke/")
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert not AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED).exists()


def test_the_page_needs_a_login(db):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_page_speaks_english_when_chosen(personas):
    client = client_for(personas["town_cadre"])
    client.cookies["django_language"] = "en"
    html = client.get(PAGE).content.decode()
    assert "<h1>My API tokens</h1>" in html and "Create token" in html


def test_the_user_menu_links_to_the_tokens_page(personas):
    html = client_for(personas["citizen"]).get("/", follow=True).content.decode()
    assert '<a href="/me/tokens/" id="my-tokens">我的令牌</a>' in html


# --- the command line --------------------------------------------------------------------------
def _command(*args):
    out, err = StringIO(), StringIO()
    call_command("token", "create", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_zhili_token_create_prints_the_key_alone_once_and_is_audited(personas, frozen):
    out, err = _command("--user", "town_cadre_a", "--name", "部门对接", "--days", "30")
    key = out.strip()
    assert out == key + "\n" and key.startswith("zl_")
    token = ApiToken.objects.get(user=personas["town_cadre"])
    assert (token.name, token.digest, token.expires_at) == (
        "部门对接",
        keys.digest(key),
        NOW + timedelta(days=30),
    )
    assert "2026-11-04 09:30" in err and token.prefix in err and key not in err
    audit = AuditLog.objects.get(action=AuditAction.TOKEN_CREATED)
    assert audit.actor is None and audit.actor_username == f"cli:{getpass.getuser()}"
    assert audit.details == {"user": "town_cadre_a", "days": 30}
    assert Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()["role"] == "town_cadre"


def test_zhili_token_create_without_expiry(personas):
    _command("--user", "citizen_a", "--name", "长期", "--no-expiry")
    assert ApiToken.objects.get(user=personas["citizen"]).expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--name", "x"], "no user nobody"),
        (["--user", "town_cadre_a", "--name", "x", "--days", "0"], "1 to 3650 days"),
        (["--user", "town_cadre_a", "--name", "  "], "Name the token"),
    ],
)
def test_zhili_token_create_refuses_bad_input_and_writes_nothing(personas, args, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match=message):
        _command(*args)
    assert (
        not ApiToken.objects.exists()
        and not AuditLog.objects.filter(action=AuditAction.TOKEN_CREATED).exists()
    )
