"""API keys: a random secret shown once, of which only the SHA-256 is kept.

A key's first characters say what it is for (zl_ a person's token, zs_ a department system)
and are kept as its visible prefix, so that people can tell their keys apart."""

from __future__ import annotations

import hashlib
import secrets
from typing import NamedTuple


class NewKey(NamedTuple):
    key: str
    prefix: str
    digest: str


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(kind: str) -> NewKey:
    key = f"{kind}_{secrets.token_urlsafe(32)}"
    return NewKey(key, key[:8], digest(key))
