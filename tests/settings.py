"""The platform's settings, and the toy case type the casework kernel's tests walk."""

from zhili.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.toycase"]  # noqa: F405

# pytest-django runs each test in a transaction that is rolled back, never committed: what the
# casework kernel leaves for after the commit (documents, hub facts, texts) runs at once.
CASEWORK_AFTER_COMMIT = "now"
