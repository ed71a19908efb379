"""Resident ID numbers (GB 11643): 17 digits and a check character computed from them."""

from __future__ import annotations

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_character(body: str) -> str:
    """The 18th character for the first 17 digits."""
    return CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def is_valid(text: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dX]", text)) and check_character(text[:17]) == text[17]
