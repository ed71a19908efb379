"""Settings come from the environment and refuse bad values at start-up."""

import os
import subprocess
import sys

import pytest

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DATABASE_URL"))}
    full = {**base, "DJANGO_SETTINGS_MODULE": "zhili.config.settings", "ZHILI_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-c", SETUP], env=full, capture_output=True, text=True, timeout=60)


def test_the_default_is_sqlite_in_the_data_folder_with_a_generated_key(tmp_path):
    result = start(tmp_path)
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    key = tmp_path / "secret_key"
    assert len(key.read_text()) >= 50
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    first = key.read_text()
    start(tmp_path)
    assert key.read_text() == first  # generated once, then kept


def test_postgres_comes_from_database_url(tmp_path):
    result = start(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/zhili")
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZHILI_SECRET_KEY": "short"}, "ZHILI_SECRET_KEY must be at least 32 characters"),
        ({"ZHILI_PSEUDONYM_KEY": "short"}, "ZHILI_PSEUDONYM_KEY must be at least 32 characters"),
        ({"DATABASE_URL": "mysql://root@localhost/zhili"}, "DATABASE_URL must point to SQLite or PostgreSQL"),
        (
            {"ZHILI_TASKS_URL": "amqp://guest@localhost"},
            "ZHILI_TASKS_URL must be empty, 'sqlite' or redis://",
        ),
        ({"ZHILI_DEBUG": "perhaps"}, "perhaps"),
    ],
)
def test_a_bad_value_stops_the_start_with_its_name(tmp_path, env, message):
    result = start(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_redis_is_the_task_queue_in_production(tmp_path):
    code = "import django; django.setup(); from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__)"
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZHILI_")}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "zhili.config.settings",
        "ZHILI_DATA_DIR": str(tmp_path),
        "ZHILI_TASKS_URL": "redis://127.0.0.1:6379/15",
        "ZHILI_TESTING": "0",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "RedisHuey", result.stderr
