"""Pseudonyms of personal fields for the analytics lake.

The lake is read in bulk by analysts and engines that never pass the audited personal read, so a
field the catalogue marks `personal: true` reaches it only as HMAC-SHA256(key, value) in hex: the
same phone gives the same pseudonym on every day and in every event type (so counts of distinct
callers and joins still work), and without the key no one can test a guess ("is 13812345678 in
the lake?") as they could against a bare hash of an 11-digit number. The key is ZHILI_PSEUDONYM_KEY
or a secret made once in the data directory; the clear value stays in the database, behind
/api/v1/hub/events/{id}/personal."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from django.conf import settings

from zhili.core import keys
from zhili.hub.models import EventType

KEY_FILE = "pseudonym.key"


def key() -> bytes:
    configured = getattr(settings, "PSEUDONYM_KEY", "")
    if configured:
        return configured.encode()
    return keys.secret_file(Path(settings.DATA_DIR) / KEY_FILE).encode()


def key_id(secret: bytes) -> str:
    """Which key wrote a lake day (kept on LakeDay), without revealing the key."""
    return hmac.new(secret, b"zhili lake key id", hashlib.sha256).hexdigest()[:16]


def pseudonym(secret: bytes, value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def personal_fields() -> dict[str, frozenset[str]]:
    """Event type code → its fields marked personal (the current definition of each type)."""
    out = {}
    for code, fields in EventType.objects.values_list("code", "fields"):
        names = frozenset(f["name"] for f in fields or [] if isinstance(f, dict) and f.get("personal"))
        if names:
            out[code] = names
    return out


class Pseudonymiser:
    """One export's worth of pseudonyms: the key read once, each distinct value hashed once."""

    def __init__(self, secret: bytes | None = None):
        self.secret = secret if secret is not None else key()
        self.key_id = key_id(self.secret)
        self.personal = personal_fields()
        self._quoted = {code: tuple(f'"{name}"' for name in names) for code, names in self.personal.items()}
        self._seen: dict[str, str] = {}

    def of(self, value) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        got = self._seen.get(text)
        if got is None:
            got = self._seen[text] = pseudonym(self.secret, text)
        return got

    def fields_text(self, type_code: str, text: str, dump) -> str:
        """The event's fields as the lake keeps them: personal values replaced by pseudonyms.
        Most events carry none (or carry the type's personal fields empty): their text is kept
        as it is, without parsing."""
        quoted = self._quoted.get(type_code)
        if not quoted or not any(q in text for q in quoted):
            return text
        names = self.personal[type_code]
        fields = json.loads(text)
        for name in names & fields.keys():
            if fields[name] is not None:
                fields[name] = self.of(fields[name])
        return dump(fields)
