"""The analytics lake: exporting N events to Parquet, and scanning the lake with DuckDB.

    .venv/bin/python bench/bench_lake.py [--events 10000000] [--days 365] [--scans 5]

In a temporary data directory (SQLite), migrated, with the test city and the catalogue: N
synthetic events (several event types, the city's villages and grids, spread over `--days` days,
deaths and injuries drawn at random) are generated with numpy and written straight into hub_event
with `zhili.hub.store.insert_events`, 100,000 per transaction, with a LakeDay per day
(`zhili.hub.ingest._touch_lake_days`). The SQLite connection is then closed, so the export runs on
a fresh one with the product's settings (the database file stays in the OS page cache).

  export  `zhili.hub.lake.export()` of every day: rows, seconds, rows/s, Parquet MB, bytes/event;
          also the SQL query and fetch alone, on every 7th day, to show what the read costs.
  floor   pyarrow writing the same rows, already in memory as Arrow tables (read back from the
          lake, untimed), one file a day with the same `WRITE_OPTIONS`.
  scan    DuckDB: SELECT village_code, type, count(*), sum(deaths) … GROUP BY over
          read_parquet(<glob>, hive_partitioning=true), median of `--scans` runs, rows/s;
  floor   the same group-by over an in-memory Arrow table of those three columns, and over a
          DuckDB in-memory table of them (DuckDB's own storage: no conversion at all).

With 10 M events the generation and insert take minutes on SQLite (progress is printed); the
SQLite file is several GB and is deleted at the end.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hub_common as hc

CHUNK = 100_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scans", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    data_dir = tempfile.mkdtemp(prefix="zhili-bench-lake-")
    try:
        hc.setup_django(data_dir, f"sqlite:///{Path(data_dir) / 'zhili.sqlite3'}")
        return run(args, Path(data_dir))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)


# --- generating the events --------------------------------------------------------------------
def generate(args: argparse.Namespace) -> tuple[int, float]:
    """Write N events into hub_event; returns (rows, seconds)."""
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from zhili.hub import store
    from zhili.hub.ingest import _touch_lake_days, local_tz
    from zhili.hub.models import Delivery, EventType

    source, _key = hc.make_world()
    types = list(EventType.objects.filter(is_active=True).order_by("code")[:8])
    categories = [_choices(t) for t in types]
    delivery = Delivery.objects.create(
        source=source, department_id=source.department_id, channel="demo", received_date=date.today()
    )
    with connection.cursor() as cursor:  # only for the generation; closed before the export
        cursor.execute("PRAGMA cache_size = -262144")
    adapted = "adapted" in inspect.signature(store.insert_events).parameters
    tz = local_tz()
    today = timezone.localdate()
    first_day = today - timedelta(days=args.days)
    midnight = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    base = int(midnight.timestamp())  # UTC seconds of the first local midnight
    units = np.array(hc.GRIDS * 3 + hc.VILLAGES)  # mostly grids
    rng = np.random.default_rng(args.seed)
    n = args.events
    print(
        f"generating {n:,} events over {args.days} days ({first_day} … {today - timedelta(days=1)}), "
        f"{len(types)} types, {len(set(units.tolist()))} unit codes; insert_events(adapted="
        f"{adapted}), {CHUNK:,} per transaction",
        flush=True,
    )
    started = time.perf_counter()
    next_report = 1_000_000
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        idx = np.arange(start, start + m, dtype=np.int64)
        day = idx * args.days // n  # in day order, as events arrive
        occurred = base + day * 86400 + rng.integers(0, 86400, m)
        received = occurred + rng.integers(60, 7200, m)
        t_idx = rng.integers(0, len(types), m)
        c_draw = rng.integers(0, 1 << 30, m)
        deaths = rng.poisson(0.02, m)
        injuries = rng.poisson(0.05, m)
        has_amount = rng.random(m) < 0.3
        amount = np.round(rng.lognormal(7, 1.5, m), 2)
        lon = np.round(rng.uniform(113.0, 113.4, m), 6)
        lat = np.round(rng.uniform(22.0, 22.2, m), 6)
        unit = units[rng.integers(0, len(units), m)]
        hashes = rng.bytes(32 * m)
        days = [first_day + timedelta(days=int(d)) for d in range(int(day[0]), int(day[-1]) + 1)]
        day_value = {
            i: (d.isoformat() if adapted else d)
            for i, d in zip(range(int(day[0]), int(day[-1]) + 1), days, strict=True)
        }
        if adapted:
            occ = [
                s.replace("T", " ") for s in np.datetime_as_string(occurred.astype("datetime64[s]")).tolist()
            ]
            rec = [
                s.replace("T", " ") for s in np.datetime_as_string(received.astype("datetime64[s]")).tolist()
            ]
        else:
            occ = [datetime.fromtimestamp(s, tz=tz) for s in occurred.tolist()]
            rec = [datetime.fromtimestamp(s, tz=tz) for s in received.tolist()]
        rows = []
        for j, (i, d, ti, cd, de, inj, ha, am, lo, la, un) in enumerate(
            zip(
                idx.tolist(),
                day.tolist(),
                t_idx.tolist(),
                c_draw.tolist(),
                deaths.tolist(),
                injuries.tolist(),
                has_amount.tolist(),
                amount.tolist(),
                lon.tolist(),
                lat.tolist(),
                unit.tolist(),
                strict=True,
            )
        ):
            t = types[ti]
            cats = categories[ti]
            cat = cats[cd % len(cats)] if cats else ""
            am = am if ha else None
            fields = (
                ("{" + (f'"amount":{am},' if am is not None else "") + f'"category":"{cat}"' + "}")
                if cat
                else ("{}" if am is None else f'{{"amount":{am}}}')
            )
            rows.append(
                (
                    source.pk,
                    f"E{i:010d}",
                    1,
                    True,
                    False,
                    t.pk,
                    t.department_id,
                    occ[j],
                    day_value[d],
                    un,
                    lo,
                    la,
                    1,
                    de,
                    inj,
                    am,
                    None,
                    cat,
                    fields,
                    hashes[32 * j : 32 * j + 32].hex(),
                    delivery.pk,
                    rec[j],
                    False,
                )
            )
        with transaction.atomic():
            if adapted:
                store.insert_events(rows, adapted=True)
            else:
                store.insert_events(rows)
            _touch_lake_days(set(days))
        done = start + m
        if done >= next_report or done == n:
            elapsed = time.perf_counter() - started
            print(f"  {done:>12,} rows  {elapsed:7.1f} s  {done / elapsed:,.0f} rows/s", flush=True)
            next_report += 1_000_000
    return n, time.perf_counter() - started


def _choices(event_type) -> list[str]:
    for spec in event_type.fields:
        if spec.get("name") == "category":
            return list(spec.get("choices") or ["other"])
    return []


# --- the measurements -------------------------------------------------------------------------
def run(args: argparse.Namespace, data_dir: Path) -> int:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    from zhili.hub import lake
    from zhili.hub.models import LakeDay

    print(f"cores (os.cpu_count): {os.cpu_count()}; source: {hc.source_state()}")
    print(f"duckdb {duckdb.__version__}, pyarrow {pa.__version__}; DuckDB threads: default")
    rows, seconds = generate(args)
    db_file = data_dir / "zhili.sqlite3"
    print(
        f"generated and inserted {rows:,} events in {seconds:.1f} s ({rows / seconds:,.0f} rows/s); "
        f"SQLite file {db_file.stat().st_size / 1e9:.2f} GB"
    )
    connection.close()  # the export gets a fresh connection with the product's settings

    # The export, timed.
    t = time.perf_counter()
    results = lake.export()
    export_s = time.perf_counter() - t
    exported = sum(r.rows for r in results)
    files = sorted((lake.lake_root() / "events").glob("*/*.parquet"))
    size = sum(f.stat().st_size for f in files)
    if exported != rows or len(files) != LakeDay.objects.count():
        print(f"problem: exported {exported:,} rows in {len(files)} files; expected {rows:,}")
        return 1
    print(
        f"export  lake.export(): {exported:,} rows, {len(files)} days, {export_s:.1f} s, "
        f"{exported / export_s:,.0f} rows/s; Parquet {size / 1e6:,.1f} MB, {size / exported:.1f} bytes/event"
    )

    # What the read alone costs: the export's own query and fetch, on every 7th day.
    sample = [r.day for r in results][::7]
    t = time.perf_counter()
    fetched = 0
    with connection.cursor() as cursor:
        for day in sample:
            cursor.execute(lake.QUERY, [day.isoformat()])
            fetched += len(cursor.fetchall())
    query_s = time.perf_counter() - t
    read_rate = fetched / query_s
    print(
        f"        of which the SQL query + fetchall alone (every 7th day, {fetched:,} rows): "
        f"{read_rate:,.0f} rows/s, i.e. ~{exported / read_rate / export_s:.0%} of the export's time"
    )

    # Floor: pyarrow writes the same rows from memory.
    scratch = data_dir / "floor"
    scratch.mkdir()
    write_s = 0.0
    floor_size = 0
    for i, path in enumerate(files):
        table = pq.read_table(path)
        out = scratch / f"{i}.parquet"
        t = time.perf_counter()
        pq.write_table(table, out, **lake.WRITE_OPTIONS)
        write_s += time.perf_counter() - t
        floor_size += out.stat().st_size
        out.unlink()
    print(
        f"floor   pq.write_table of the same rows from Arrow tables in memory, WRITE_OPTIONS: "
        f"{write_s:.1f} s, {exported / write_s:,.0f} rows/s ({floor_size / 1e6:,.1f} MB)"
    )
    print(
        f"ratio export / floor: {write_s / export_s:.3f} (the rest is the SQLite read and the Python conversion)"
    )

    # DuckDB over the lake, and over the same columns in memory.
    query = (
        "SELECT village_code, type, count(*) AS n, sum(deaths) AS deaths FROM {src} "
        "GROUP BY village_code, type ORDER BY village_code, type"
    )
    con = duckdb.connect()
    glob = lake.events_glob()
    lake_src = f"read_parquet('{glob}', hive_partitioning=true)"
    scan, answer = _timed(args.scans, lambda: con.sql(query.format(src=lake_src)).fetchall())
    print(
        f"scan    DuckDB GROUP BY village_code, type over read_parquet(hive): median {hc.med(scan) * 1e3:,.0f} ms, "
        f"{exported / hc.med(scan):,.0f} rows/s (runs: {hc.runs([s * 1e3 for s in scan])} ms); {len(answer)} groups"
    )
    arrow = pq.read_table(lake.lake_root() / "events", columns=["village_code", "type", "deaths"])
    con.register("events_in_memory", arrow)
    mem, answer_mem = _timed(args.scans, lambda: con.sql(query.format(src="events_in_memory")).fetchall())
    print(
        f"floor   the same GROUP BY over an in-memory Arrow table ({arrow.nbytes / 1e6:,.0f} MB): median "
        f"{hc.med(mem) * 1e3:,.0f} ms, {exported / hc.med(mem):,.0f} rows/s (runs: {hc.runs([s * 1e3 for s in mem])} ms)"
    )
    print(f"ratio lake / memory: {hc.med(mem) / hc.med(scan):.2f}")
    con.execute("CREATE TABLE events_native AS SELECT * FROM events_in_memory")
    native, answer_native = _timed(args.scans, lambda: con.sql(query.format(src="events_native")).fetchall())
    print(
        f"floor   the same GROUP BY over a DuckDB in-memory table of those columns: median "
        f"{hc.med(native) * 1e3:,.0f} ms, {exported / hc.med(native):,.0f} rows/s "
        f"(runs: {hc.runs([s * 1e3 for s in native])} ms); ratio lake / DuckDB table: "
        f"{hc.med(native) / hc.med(scan):.2f}"
    )
    con.close()
    if not answer == answer_mem == answer_native:
        print("problem: the lake and the in-memory table give different answers")
        return 1
    print(f"peak RSS (getrusage): {hc.peak_rss_mb():,.0f} MB")
    return 0


def _timed(times: int, fn) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(times):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return out, result


if __name__ == "__main__":
    raise SystemExit(main())
