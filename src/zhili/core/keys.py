"""API keys: a random secret shown once, of which only the SHA-256 is kept; and secrets made once
into the data directory.

A key's first characters say what it is for (zl_ a person's token, zs_ a department system)
and are kept as its visible prefix, so that people can tell their keys apart."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
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


def secret_file(path: Path) -> str:
    """The secret kept in `path`, made once (64 hex characters, readable by its owner only).

    It is written in full under a temporary name and hard-linked into place, so a second process
    racing to make it either wins or reads the winner's complete secret, never half of one."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; its secret is the one to use
        finally:
            tmp.unlink(missing_ok=True)
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"the secret file {path} is empty; delete it to make a new one")
    return secret
