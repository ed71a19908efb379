"""Every draw comes from a numpy generator seeded by (seed, purpose): one purpose's draws do not
shift when another purpose draws more or less."""

from __future__ import annotations

import zlib


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())
