"""`zhili token create --user USERNAME --name NAME [--days N | --no-expiry]`: an API token for a
user, made by an operator on the server (a department's script account, a user without the web
page at hand). The key goes to standard output alone, so that a script can capture it; what it is
and how to keep it goes to standard error. Audited like a token made through the API."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.org.models import User
from zhili.org.services import create_token


class Command(BaseCommand):
    help = "API tokens: create one for a user (the key is printed once)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an API token for a user and print its key once")
        create.add_argument("--user", required=True, help="the username the token acts as")
        create.add_argument("--name", required=True, help="what the token is for, e.g. the script's name")
        validity = create.add_mutually_exclusive_group()
        validity.add_argument("--days", type=int, default=90, help="valid for this many days (default 90)")
        validity.add_argument("--no-expiry", action="store_true", help="valid until revoked")

    def handle(self, *args, action, **opts):
        return getattr(self, f"_{action}")(**opts)

    def _create(self, user: str, name: str, days: int, no_expiry: bool, **_opts):
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(_("no user %(username)s") % {"username": user})
        try:
            token, key = create_token(
                actor=None,
                actor_username=f"cli:{getpass.getuser()}",
                owner=owner,
                name=name,
                days=None if no_expiry else days,
            )
        except ZhiliError as exc:
            raise CommandError(exc.message) from None
        expires = (
            timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
            if token.expires_at
            else _("never")
        )
        self.stderr.write(
            _(
                "Token “%(name)s” for %(username)s (key starts with %(prefix)s…, expires %(expires)s). "
                "The key below is shown this once: whoever has it acts as %(username)s; keep it like a "
                "password. Revoke it on the “My tokens” page or through the API."
            )
            % {"name": token.name, "username": owner.username, "prefix": token.prefix, "expires": expires}
        )
        self.stdout.write(key)
