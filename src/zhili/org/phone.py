"""Signing in with a code sent to a mobile number, for citizens without an account (applying for
mediation, following their case). The sender is pluggable (`ZHILI_SMS_SENDER`, a dotted path to
a class with `send(phone, text)`); the default development sender writes the message to
DATA_DIR/outbox/sms.log instead of sending it.

Only citizen accounts sign in this way: a staff account that shares the number is never
opened by a text message."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zhili.core.audit import record
from zhili.core.errors import ZhiliError
from zhili.core.models import AuditAction
from zhili.org.models import PhoneCode, User

log = logging.getLogger("zhili.phone")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
VALID_MINUTES = 10
RESEND_SECONDS = 60
PER_HOUR = 5
PER_CLIENT_HOUR = 20
MAX_ATTEMPTS = 5


class PhoneError(ZhiliError):
    code = "phone_verification"


class DevSender:
    """Development: append the text to DATA_DIR/outbox/sms.log (read it to get the code)."""

    def send(self, phone: str, text: str) -> None:
        outbox = settings.DATA_DIR / "outbox"
        outbox.mkdir(exist_ok=True)
        with (outbox / "sms.log").open("a", encoding="utf-8") as f:
            f.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {phone} {text}\n")


def text(phone: str, message: str) -> None:
    """Send one text message through the configured sender (`ZHILI_SMS_SENDER`)."""
    import_string(settings.ZHILI_SMS_SENDER)().send(phone, message)


def _digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def _check_phone(phone: str) -> str:
    phone = phone.strip()
    if not MOBILE.match(phone):
        raise PhoneError(_("phone: a mobile number has 11 digits and starts with 1"),
                         details=[{"field": "phone", "reason": "invalid"}])  # fmt: skip
    return phone


def _per_client(limit: int) -> None:
    """At most `limit` codes an hour from one client address, whatever the numbers: the page
    must not become a way to text strangers."""
    from django.core.cache import cache

    from zhili.core.context import current_request_info

    info = current_request_info()
    if info is None or not info.ip:
        return  # not from a request (a command, a task)
    key = f"phone:client:{info.ip}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > limit:
        raise PhoneError(_("too many codes from this address in the last hour; try again later"), status=429)


def send_code(phone: str) -> None:
    """Send a six-digit code, at most once a minute and five times an hour per number, and
    PER_CLIENT_HOUR times an hour per client address."""
    phone = _check_phone(phone)
    now = timezone.now()
    recent = PhoneCode.objects.filter(phone=phone, sent_at__gte=now - timedelta(hours=1))
    if recent.filter(sent_at__gte=now - timedelta(seconds=RESEND_SECONDS)).exists():
        raise PhoneError(_("a code was sent less than a minute ago; wait before asking again"), status=429)
    if recent.count() >= PER_HOUR:
        raise PhoneError(_("too many codes for this number in the last hour; try again later"), status=429)
    _per_client(getattr(settings, "ZHILI_SMS_PER_CLIENT_HOUR", PER_CLIENT_HOUR))
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PhoneCode.objects.create(phone=phone, code_hash=_digest(phone, code))
        text(phone, _("Your Zhili verification code is %(code)s, valid for %(minutes)d minutes.")
                    % {"code": code, "minutes": VALID_MINUTES})  # fmt: skip


def sign_in(phone: str, code: str) -> User:
    """The citizen account of a number whose latest code matches (made on first sign-in)."""
    phone = _check_phone(phone)
    with transaction.atomic():
        sent = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at=None, sent_at__gte=timezone.now() - timedelta(minutes=VALID_MINUTES))
            .order_by("-sent_at")
            .first()
        )
        if sent is None or sent.attempts >= MAX_ATTEMPTS:
            raise PhoneError(_("code: no valid code for this number; ask for a new one"),
                             details=[{"field": "code", "reason": "expired"}])  # fmt: skip
        right = hmac.compare_digest(sent.code_hash, _digest(phone, code.strip()))
        if right:
            sent.used_at = timezone.now()
            sent.save(update_fields=["used_at"])
        else:  # counted (committed) before refusing, so guessing runs out
            PhoneCode.objects.filter(pk=sent.pk).update(attempts=sent.attempts + 1)
    if not right:
        raise PhoneError(_("code: the code is not right"), details=[{"field": "code", "reason": "wrong"}])
    user = User.objects.filter(phone=phone, role="citizen", is_active=True).order_by("id").first()
    if user is None:
        user = User(username=f"tel-{phone}", role="citizen", phone=phone)
        user.set_unusable_password()
        user.save()
        record(actor=user, action=AuditAction.CREATE, obj=user, details={"via": "phone"})
    return user
