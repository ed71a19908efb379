"""The platform's settings, and the toy case type the casework kernel's tests walk."""

from zhili.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.toycase"]  # noqa: F405
