"""kill -9 in the middle of a large import, then run it again: exact counts, no duplicates.

The import runs as a real `zhili hub import` process on its own database (SQLite file, or a
scratch PostgreSQL database), so the kill is as hard as it gets."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.own_database  # makes its own databases: run once, not in each database pass

ROWS = 200_000
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# One scratch database per test run: two runs at once (a developer's and CI's) must not drop each other's.
PG_DB = f"zhili_crash_{os.getpid()}"


def _env(data: Path, db: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_", "DATABASE_URL"))}
    env.update({"ZHILI_DATA_DIR": str(data), "ZHILI_TESTING": "0", "PYTHONUNBUFFERED": "1"})
    env["DATABASE_URL"] = (
        f"sqlite:///{data / 'zhili.sqlite3'}"
        if db == "sqlite"
        else f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    )
    return env


def _zhili(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhili.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )


def _count(env: dict, db: str, sql: str) -> int:
    if db == "sqlite":
        with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute(sql).fetchone()[0]


def _fresh_postgres() -> None:
    import psycopg

    try:
        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        pytest.skip("PostgreSQL is not reachable")
    with conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def _drop_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path):
    db = request.param
    if db == "postgresql":
        _fresh_postgres()
    env = _env(tmp_path, db)
    for args in (
        ["migrate", "-v0"],
        ["geo", "import", str(DATA / "divisions.csv")],
        ["hub", "load-catalogue"],
        ["hub", "add-source", "ga_110", "--department", "public_security", "--name", "110"],
    ):
        result = _zhili(env, *args)
        assert result.returncode == 0, result.stderr
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("source_id,type,occurred_at,unit_code,category\n")
        for i in range(ROWS):
            fh.write(
                f"K{i:07d},police.burglary,2026-10-{1 + i % 28:02d}T{i % 24:02d}:15:00+08:00,"
                f"{'449902001001' if i % 2 else '449903001001'},residence\n"
            )
    yield {"db": db, "env": env, "file": path}
    if db == "postgresql":
        _drop_postgres()


def _kill_midway(world, mode: str) -> int:
    """Start the import, kill -9 it once some rows are in (partial) or a while in (atomic)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zhili.cli",
            "hub",
            "import",
            str(world["file"]),
            "--source",
            "ga_110",
            "--mode",
            mode,
        ],
        env=world["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if mode == "atomic":
            seen = _count(world["env"], world["db"], "SELECT count(*) FROM hub_delivery")
            if seen:
                time.sleep(1.5)
                break
            continue
        seen = _count(world["env"], world["db"], "SELECT count(*) FROM hub_event")
        if seen >= 20_000:
            break
    assert proc.poll() is None, "the import finished before it could be killed: make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return _count(world["env"], world["db"], "SELECT count(*) FROM hub_event")


@pytest.mark.parametrize("mode", ["partial", "atomic"])
def test_a_killed_import_run_again_gives_exact_counts(world, mode):
    at_kill = _kill_midway(world, mode)
    if mode == "atomic":
        assert at_kill == 0  # the one transaction died with the process
    else:
        assert 0 < at_kill < ROWS and at_kill % 10_000 == 0  # whole chunks only
    result = _zhili(world["env"], "hub", "import", str(world["file"]), "--source", "ga_110", "--mode", mode)
    assert result.returncode == 0, result.stderr
    env, db = world["env"], world["db"]
    assert _count(env, db, "SELECT count(*) FROM hub_event") == ROWS
    assert _count(env, db, "SELECT count(DISTINCT source_event_id) FROM hub_event") == ROWS
    last = "SELECT {} FROM hub_delivery ORDER BY id DESC LIMIT 1"
    assert _count(env, db, last.format("accepted")) == ROWS - at_kill
    assert _count(env, db, last.format("duplicate")) == at_kill
    assert _count(env, db, last.format("status = 'done'")) in (1, True)
