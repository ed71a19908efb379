"""File import throughput of the data hub, against a bare write of the same rows as the floor.

    .venv/bin/python bench/bench_hub_import.py [--rows 200000] [--db sqlite|postgresql|both]
                                               [--repeat 3] [--profile]

For each database, in its own child process (settings are read when Django starts): a fresh
database (an SQLite file in a temporary data directory, or the scratch PostgreSQL database
`zhili_bench`, dropped and created anew), migrated, with the test city, the catalogue and the
source ga_110. A CSV of N police.burglary rows (source_id, type, occurred_at, unit_code,
category) is written once, then, `--repeat` times, on emptied event tables:

  ours   `zhili.hub.files.import_file(path, mode=partial)`: the whole path, UTF-8 scan and SHA-256
         of the file, CSV reading, validation, de-duplication, versioning, writing, bookkeeping;
  again  the same file re-imported: every row a duplicate, nothing written;
  floor  the very rows `store.insert_events` wrote (captured from a warm-up import) written again
         with nothing else: one bare `executemany` (SQLite, the tuples already in SQLite's text
         form) or one bare `COPY … FROM STDIN` (PostgreSQL) per 10,000 rows, each in its own
         transaction like the import's chunks. No reading, no validation, no de-duplication, no
         geo step: the cost of writing alone, with the same indexes and constraints.

Target: ≥ 50,000 events/s for ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hub_common as hc

TARGET = 50_000
PG_NAME = "zhili_bench"
CHUNK = 10_000  # like zhili.hub.ingest.CHUNK
FLOOR_DELIVERY = 999_999_999


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="also profile one import (cProfile)")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the parent: one child process per database -----------------------------------------------
def main() -> int:
    args = parse_args()
    if args.child:
        return child(args)
    print(f"cores (os.cpu_count): {os.cpu_count()}; source: {hc.source_state()}")
    print(f"ZHILI_HUB_ settings from the environment: {hc.knobs()}")
    print(f"rows: {args.rows:,}; runs per figure: {args.repeat}; target ≥ {TARGET:,} events/s")
    failures = 0
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        if db == "postgresql" and not hc.postgres_reachable():
            print("\n== PostgreSQL: not reachable at 127.0.0.1:5432, skipped ==")
            continue
        data_dir = tempfile.mkdtemp(prefix="zhili-bench-import-")
        try:
            if db == "postgresql":
                hc.fresh_postgres(PG_NAME)
            cmd = [sys.executable, __file__, "--child", db, "--data-dir", data_dir]
            cmd += ["--rows", str(args.rows), "--repeat", str(args.repeat), "--seed", str(args.seed)]
            cmd += ["--profile"] if args.profile else []
            env = hc.child_env(data_dir, hc.db_url(db, data_dir, PG_NAME))
            sys.stdout.flush()
            proc = subprocess.run(cmd, env=env, timeout=3600)
            failures += proc.returncode != 0
        finally:
            if db == "postgresql":
                hc.drop_postgres(PG_NAME)
            shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failures else 0


# --- the child: one database ------------------------------------------------------------------
def child(args: argparse.Namespace) -> int:
    db = args.child
    hc.setup_django(args.data_dir, os.environ["DATABASE_URL"])
    from django.db import connection

    try:
        return measure(args, db)
    finally:
        connection.close()


def write_csv(path: Path, rows: int, seed: int) -> None:
    """N distinct burglaries over the last 360 days, in the test city's villages and grids."""
    import numpy as np

    rng = np.random.default_rng(seed)
    units = hc.VILLAGES + hc.GRIDS
    end = int(time.time()) - 3600
    moments = np.sort(rng.integers(end - 360 * 86400, end, rows)) + 8 * 3600  # as local +08:00
    stamps = np.datetime_as_string(moments.astype("datetime64[s]"), unit="s")
    unit_idx = rng.integers(0, len(units), rows)
    cat_idx = rng.integers(0, len(hc.BURGLARY_CATEGORIES), rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("source_id,type,occurred_at,unit_code,category\n")
        fh.writelines(
            f"B{i:09d},police.burglary,{stamps[i]}+08:00,{units[unit_idx[i]]},"
            f"{hc.BURGLARY_CATEGORIES[cat_idx[i]]}\n"
            for i in range(rows)
        )


def clear(db: str) -> None:
    """Empty the tables an import writes, so that every run starts from the same state."""
    from django.db import connection

    tables = ("hub_event", "hub_rejection", "hub_delivery", "hub_lakeday")
    with connection.cursor() as cursor:
        if db == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("VACUUM")


def measure(args: argparse.Namespace, db: str) -> int:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from zhili.hub import store
    from zhili.hub.files import import_file
    from zhili.hub.models import Delivery

    started = time.perf_counter()
    source, _key = hc.make_world()
    if db == "sqlite":
        label = "SQLite (temporary file; WAL, synchronous=NORMAL)"
    else:
        label = (
            f"PostgreSQL {connection.connection.info.server_version // 10000} (scratch database {PG_NAME})"
        )
    print(f"\n== {label} ==")
    print(f"set-up (migrate, city, catalogue, source): {time.perf_counter() - started:.1f} s")
    path = Path(args.data_dir) / "events.csv"
    write_csv(path, args.rows, args.seed)
    n = args.rows
    print(
        f"file: {n:,} rows, {path.stat().st_size / 1e6:.1f} MB CSV (police.burglary, 9 unit codes, category)"
    )

    def run_import(expect: str) -> float:
        t = time.perf_counter()
        delivery = import_file(path, source=source, mode="partial").delivery
        elapsed = time.perf_counter() - t
        got = getattr(delivery, expect)
        if got != n or delivery.rejected:
            raise SystemExit(f"import: {expect}={got}, rejected={delivery.rejected}, expected {n} {expect}")
        return elapsed

    # Warm-up, which also captures the rows the import writes: the floor writes exactly those.
    captured: list[tuple] = []
    adapted: set[bool] = set()
    real_insert = store.insert_events

    def capturing(rows, **kwargs):
        captured.extend(rows)
        adapted.add(bool(kwargs.get("adapted")))
        return real_insert(rows, **kwargs)

    store.insert_events = capturing
    try:
        warm = run_import("accepted")
    finally:
        store.insert_events = real_insert
    print(f"warm-up import (not counted): {warm:.2f} s, {n / warm:,.0f} events/s")
    worker = getattr(settings, "HUB_VALIDATION_WORKER", None)
    if worker is not None:
        print(
            f"settings: HUB_VALIDATION_WORKER={worker}, HUB_VALIDATION_WORKER_MIN_BYTES="
            f"{getattr(settings, 'HUB_VALIDATION_WORKER_MIN_BYTES', '?'):,}"
        )
    delivery_at = store.EVENT_COLUMNS.index("delivery_id")
    rows = [(*r[:delivery_at], FLOOR_DELIVERY, *r[delivery_at + 1 :]) for r in captured]
    if db == "sqlite" and adapted != {True}:  # rows in Python types: in SQLite's text form, untimed
        rows = [store._sqlite_row(r) for r in rows]
    captured.clear()
    # PostgreSQL's floor sends COPY text rendered beforehand (untimed): the cost of the write alone.
    texts = [store.copy_text(rows[i : i + CHUNK]) for i in range(0, n, CHUNK)] if db != "sqlite" else []
    cols = ", ".join(store.EVENT_COLUMNS)
    insert_sql = f"INSERT INTO hub_event ({cols}) VALUES ({', '.join(['?'] * len(store.EVENT_COLUMNS))})"
    copy_sql = f"COPY hub_event ({cols}) FROM STDIN"

    def floor_write() -> float:
        now = timezone.now()
        Delivery.objects.create(
            pk=FLOOR_DELIVERY,
            source=source,
            department_id=source.department_id,
            channel="file",
            received_date=now.date(),
        )
        connection.ensure_connection()
        raw = connection.connection
        t = time.perf_counter()
        for start in range(0, n, CHUNK):
            part = rows[start : start + CHUNK]
            with transaction.atomic():
                if db == "sqlite":
                    raw.cursor().executemany(insert_sql, part)
                else:
                    with raw.cursor() as cur, cur.copy(copy_sql) as copy:
                        copy.write(texts[start // CHUNK])
        return time.perf_counter() - t

    ours, again, floor = [], [], []
    for _ in range(args.repeat):
        clear(db)
        ours.append(n / run_import("accepted"))
        again.append(n / run_import("duplicate"))
        clear(db)
        floor.append(n / floor_write())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hub_event")
        assert cursor.fetchone()[0] == n

    ours_med, floor_med = hc.med(ours), hc.med(floor)
    write = "executemany" if db == "sqlite" else "COPY FROM STDIN"
    print(
        f"ours   import_file(partial) into empty tables: median {ours_med:,.0f} events/s "
        f"({n / ours_med:.2f} s; runs: {hc.runs(ours)})"
    )
    print(
        f"again  re-import, all {n:,} duplicates:          median {hc.med(again):,.0f} events/s "
        f"({n / hc.med(again):.2f} s; runs: {hc.runs(again)})"
    )
    print(
        f"floor  bare {write} of the same row tuples, {CHUNK:,} per transaction: median "
        f"{floor_med:,.0f} events/s ({n / floor_med:.2f} s; runs: {hc.runs(floor)})"
    )
    print(
        f"ratio ours / floor: {ours_med / floor_med:.2f}  (the floor only writes: no file read, no "
        "validation, no de-duplication, no geo step, no bookkeeping)"
    )
    print(f"target ≥ {TARGET:,} events/s: {'met' if ours_med >= TARGET else 'NOT met'}")
    if args.profile:
        profile_import(db, path, source, n)
    return 0


def profile_import(db: str, path: Path, source, n: int) -> None:
    import cProfile
    import io
    import pstats

    from zhili.hub.files import import_file

    clear(db)
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    import_file(path, source=source, mode="partial")
    profiler.disable()
    elapsed = time.perf_counter() - t
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    print(
        f"\n-- cProfile of one import into empty tables ({elapsed:.2f} s under the profiler, {n:,} rows) --"
    )
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start:]:
        if line.strip():
            print("  " + line.replace(str(Path(sys.prefix)), "<venv>").replace(str(hc.REPO), "."))


if __name__ == "__main__":
    raise SystemExit(main())
