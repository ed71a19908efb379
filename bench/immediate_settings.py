"""Zhili's settings, but SQLite transactions begin IMMEDIATE: the write lock is taken at BEGIN, and
a second writer waits for it (up to the 20 s timeout) instead of failing with "database is
locked" when it first writes. Used by `bench_hub_api.py --sqlite-immediate`."""

from zhili.config.settings import *  # noqa: F403
from zhili.config.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
