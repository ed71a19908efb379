"""Dates as people read them: 2026年10月3日 on a Chinese page or document, ISO in English."""

from __future__ import annotations

from datetime import date


def day_label(d: date, language: str = "zh-hans") -> str:
    """A calendar day in the reader's language: 2026年10月3日, or 2026-10-03 in English."""
    return d.isoformat() if language.startswith("en") else f"{d.year}年{d.month}月{d.day}日"
