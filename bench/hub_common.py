"""What the hub benchmarks share: a throw-away data directory, a database (an SQLite file or a
scratch PostgreSQL database), the test city, the catalogue and the 110 source.

Settings are read once, when Django is set up, so a script that measures both databases runs each
one in its own child process (see `child_env`)."""

from __future__ import annotations

import os
import resource
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
DIVISIONS = REPO / "tests" / "data" / "divisions.csv"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

# The test city (tests/data/divisions.csv): its villages/communities and grids.
VILLAGES = ("449902001001", "449902001002", "449902100200", "449903001001")
GRIDS = ("449902001001001", "449902001001002", "449902001002001", "449902100200001", "449903001001001")
BURGLARY_CATEGORIES = ("residence", "rental_unit", "shop", "office", "factory", "other")


def pg_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def db_url(db: str, data_dir: str | Path, pg_name: str) -> str:
    return f"sqlite:///{Path(data_dir) / 'zhili.sqlite3'}" if db == "sqlite" else pg_url(pg_name)


def postgres_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def fresh_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_postgres(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.OperationalError as exc:
        print(f"warning: could not drop the scratch database {name}: {exc}", file=sys.stderr)


def child_env(data_dir: str | Path, url: str) -> dict:
    """The environment of a child process (our own script again, or the `zhili` command). Of
    this process's ZHILI_ variables only the hub's tuning knobs (ZHILI_HUB_…) pass through."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("ZHILI_HUB_") or not k.startswith(("ZHILI_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "ZHILI_DATA_DIR": str(data_dir),
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "zhili.config.settings",
            "ZHILI_TESTING": "0",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p),
        }
    )
    return env


def setup_django(data_dir: str | Path, url: str) -> None:
    os.environ.update(child_env(data_dir, url))
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    import django

    django.setup()


def make_world(*, source_code: str = "ga_110"):
    """Migrate, load the test city and the catalogue, register the 110 source: (source, key)."""
    from django.core.management import call_command

    from zhili.geo.importing import import_divisions
    from zhili.hub.catalogue import DEFAULT_PATH, load_catalogue
    from zhili.hub.services import create_source
    from zhili.org.models import Department

    call_command("migrate", verbosity=0, interactive=False)
    import_divisions(DIVISIONS, actor_username="bench")
    load_catalogue(DEFAULT_PATH, actor_username="bench")
    return create_source(
        code=source_code,
        name="110",
        department=Department.objects.get(code="public_security"),
        actor_username="bench",
    )


def med(values: list[float]) -> float:
    return statistics.median(values)


def runs(values: list[float], fmt: str = "{:,.0f}") -> str:
    return ", ".join(fmt.format(v) for v in values)


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0…100) of a small sample."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def knobs() -> str:
    """The ZHILI_HUB_… settings given in the environment, for the figures' header."""
    given = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("ZHILI_HUB_"))
    return ", ".join(given) or "none"


def source_state() -> str:
    """The commit the figures were taken at, and whether src/ had uncommitted changes."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    changed = [line for line in git("status", "--porcelain", "--", "src").splitlines() if line]
    return f"{commit}" + (f" + {len(changed)} uncommitted change(s) in src/" if changed else "")
