"""API batch ingestion over loopback with concurrent clients, against HTTP and JSON floors.

    .venv/bin/python bench/bench_hub_api.py [--events 200000] [--clients 4] [--batch 5000]
                                            [--db sqlite|postgresql|both] [--repeat 3]

For each database: a fresh one (an SQLite file in a temporary data directory, or the scratch
PostgreSQL database `zhili_bench`, dropped and created anew) set up with the `zhili` command
(migrate, `geo import tests/data/divisions.csv`, `hub load-catalogue`, `hub add-source ga_110`,
whose printed key is used), then `zhili serve --bind 127.0.0.1:PORT --workers 2 --no-tasks
--no-collectstatic` (gunicorn, gthread, 4 threads a worker; the API needs no static files).

  ours    `--clients` threads, each with one keep-alive connection, POST batches of `--batch`
          distinct police.burglary events (bodies encoded before the clock starts) to
          /api/v1/hub/events with `Authorization: Bearer <key>`: events/s over the wall time of
          the run, and the latency of each batch (p50, p99 over all runs).
  floors  measured on the same server in the same run, by the same client threads:
          401     the very same bodies POSTed to the same endpoint with an unknown key: the body
                  crosses loopback and gunicorn, Django's middleware and ninja run, the key is
                  looked up (one indexed SELECT) and refused before the body is parsed. What is
                  left between this and ours is parsing, validating and writing the events.
          healthz GET /healthz (Django's middleware and a `SELECT 1`): the per-request cost of
                  the HTTP stack, as requests/s and latency.
          json    in this process, one batch's `json.dumps`, `json.loads` and the `json.loads`
                  of one 200 answer (the server does the decoding and an encoding like it).
On SQLite writers serialise: the server's workers wait for the database lock (timeout 20 s in
settings), so more clients add waiting, not throughput. Target: ≥ 10,000 events/s for ours.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hub_common as hc

TARGET = 10_000
PG_NAME = "zhili_bench"
EVENTS_PATH = "/api/v1/hub/events"
HEALTHZ_PER_CLIENT = 250


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events per run")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--sqlite-immediate",
        action="store_true",
        help="serve SQLite with transaction_mode IMMEDIATE (bench/immediate_settings.py)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    print(f"cores (os.cpu_count): {os.cpu_count()}; source: {hc.source_state()}")
    print(f"ZHILI_HUB_ settings from the environment: {hc.knobs()}")
    batches = -(-args.events // args.batch)
    print(
        f"per run: {batches * args.batch:,} events in {batches} batches of {args.batch:,}, "
        f"{args.clients} client threads; runs: {args.repeat}; target ≥ {TARGET:,} events/s"
    )
    print(json_floor(args.batch))
    failures = 0
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        if db == "postgresql" and not hc.postgres_reachable():
            print("\n== PostgreSQL: not reachable at 127.0.0.1:5432, skipped ==")
            continue
        data_dir = Path(tempfile.mkdtemp(prefix="zhili-bench-api-"))
        try:
            if db == "postgresql":
                hc.fresh_postgres(PG_NAME)
            failures += measure(args, db, data_dir)
        finally:
            if db == "postgresql":
                hc.drop_postgres(PG_NAME)
            shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failures else 0


# --- events and bodies ------------------------------------------------------------------------
def make_events(tag: str, count: int, seed: int) -> list[dict]:
    import random

    rng = random.Random(f"{seed}-{tag}")
    units = hc.VILLAGES + hc.GRIDS
    now = datetime.now(UTC).replace(microsecond=0)
    cst = timedelta(hours=8)
    return [
        {
            "source_id": f"{tag}-{i:05d}",
            "type": "police.burglary",
            "occurred_at": (now - timedelta(seconds=rng.randrange(3600, 360 * 86400)) + cst)
            .replace(tzinfo=None)
            .isoformat()
            + "+08:00",
            "unit_code": rng.choice(units),
            "fields": {"category": rng.choice(hc.BURGLARY_CATEGORIES)},
        }
        for i in range(count)
    ]


def make_bodies(run: str, batches: int, size: int, seed: int) -> list[bytes]:
    return [json.dumps({"events": make_events(f"{run}B{b}", size, seed)}).encode() for b in range(batches)]


def json_floor(size: int) -> str:
    """One batch's JSON cost in this process: what any server must pay at least to take it."""
    import statistics

    events = make_events("J", size, 0)
    answer = {
        "delivery_id": 1,
        "status": "done",
        "counts": {"received": size, "accepted": size},
        "results": [
            {
                "index": i,
                "source_id": e["source_id"],
                "outcome": "accepted",
                "event_id": None,
                "version": 1,
                "field": "",
                "reason": "",
                "message": "",
            }
            for i, e in enumerate(events)
        ],
    }
    body, reply = json.dumps({"events": events}), json.dumps(answer)
    figures = {}
    for label, fn in (
        ("dumps(batch)", lambda: json.dumps({"events": events})),
        ("loads(batch)", lambda: json.loads(body)),
        ("dumps(answer)", lambda: json.dumps(answer)),
        ("loads(answer)", lambda: json.loads(reply)),
    ):
        times = []
        for _ in range(7):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        figures[label] = statistics.median(times)
    total = sum(figures.values())
    return (
        f"json floor, in this process, one batch of {size:,} ({len(body) / 1e6:.2f} MB in, "
        f"{len(reply) / 1e6:.2f} MB answer), median of 7: "
        + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in figures.items())
        + f"; all four {total * 1e3:.1f} ms = {size / total:,.0f} events/s on one core"
    )


# --- the server -------------------------------------------------------------------------------
def zhili(env: dict, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "zhili.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise SystemExit(f"zhili {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    serve = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-tasks", "--no-collectstatic"]
    with log.open("wb") as fh:
        server = subprocess.Popen(
            [sys.executable, "-m", "zhili.cli", *serve],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's master and workers
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"the server did not answer /healthz within 90 s:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


# --- the clients ------------------------------------------------------------------------------
class Client:
    """One keep-alive connection; reconnects (and sends again) if the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def drive(clients: list[Client], jobs: list[list[tuple]]) -> tuple[float, list[tuple], int]:
    """Each client sends its jobs (method, path, body, headers) one after another, all clients at
    once; returns the wall time, (status, seconds, answer) of every request and the reconnects."""
    reconnects = sum(c.reconnects for c in clients)
    results: list[tuple] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    errors: list[BaseException] = []

    def work(client: Client, mine: list[tuple]) -> None:
        start.wait()
        local = []
        try:
            for method, path, body, headers in mine:
                t = time.perf_counter()
                status, answer = client.request(method, path, body, headers)
                local.append((status, time.perf_counter() - t, answer))
        except BaseException as exc:  # reported after the run
            errors.append(exc)
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=work, args=(c, j)) for c, j in zip(clients, jobs, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"a client failed: {errors[0]!r}")
    return wall, results, sum(c.reconnects for c in clients) - reconnects


def deal(items: list, clients: int) -> list[list]:
    return [items[i::clients] for i in range(clients)]


# --- one database -----------------------------------------------------------------------------
def measure(args: argparse.Namespace, db: str, data_dir: Path) -> int:
    env = hc.child_env(data_dir, hc.db_url(db, data_dir, PG_NAME))
    if args.sqlite_immediate and db == "sqlite":
        env["DJANGO_SETTINGS_MODULE"] = "immediate_settings"
        env["PYTHONPATH"] += os.pathsep + str(Path(__file__).resolve().parent)
    t = time.perf_counter()
    zhili(env, "migrate", "-v0")
    zhili(env, "geo", "import", str(hc.DIVISIONS))
    zhili(env, "hub", "load-catalogue")
    out = zhili(env, "hub", "add-source", "ga_110", "--department", "public_security", "--name", "110")
    match = re.search(r"zs_[A-Za-z0-9_-]+", out)
    if not match:
        raise SystemExit(f"no key in the output of `zhili hub add-source`: {out!r}")
    key = match.group(0)
    setup = time.perf_counter() - t
    port = free_port()
    log = data_dir / "server.log"
    t = time.perf_counter()
    server = start_server(env, port, log)
    print(
        f"\n== {'SQLite (temporary file; WAL, synchronous=NORMAL, timeout 20 s)' if db == 'sqlite' else 'PostgreSQL (scratch database ' + PG_NAME + ')'}"
        f"{' with transaction_mode IMMEDIATE' if args.sqlite_immediate and db == 'sqlite' else ''} =="
    )
    print(
        f"set-up with the zhili command: {setup:.1f} s; server up (GET /healthz 200) in {time.perf_counter() - t:.1f} s"
    )
    if db == "sqlite":
        print(
            "note: SQLite writers serialise; the workers' requests wait on the database lock (20 s timeout)"
        )
    clients = [Client(port) for _ in range(args.clients)]
    good = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bad = {"Authorization": "Bearer zs_not_a_key_of_anyone", "Content-Type": "application/json"}
    batches = -(-args.events // args.batch)
    failures = 0
    try:
        # Warm-up: every worker thread imports and builds what it needs on its first request.
        warm = [("POST", EVENTS_PATH, b, good) for b in make_bodies("W", args.clients * 2, 50, args.seed)]
        drive(clients, deal(warm, args.clients))
        ours, r401, health = [], [], []
        lat_ours, lat_failed, lat_401, lat_health = [], [], [], []
        statuses: dict[int, int] = {}
        reconnects = {"ours": 0, "401": 0, "healthz": 0}
        problems: list[str] = []
        for run in range(args.repeat):
            bodies = make_bodies(f"R{run}", batches, args.batch, args.seed)
            wall, results, again = drive(
                clients, deal([("POST", EVENTS_PATH, b, good) for b in bodies], args.clients)
            )
            reconnects["ours"] += again
            accepted = 0
            for status, seconds, answer in results:
                statuses[status] = statuses.get(status, 0) + 1
                (lat_ours if status == 200 else lat_failed).append(seconds)
                if status == 200:
                    counts = json.loads(answer)["counts"]
                    accepted += counts["accepted"]
                    if counts["accepted"] != args.batch and len(problems) < 3:
                        problems.append(f"a batch answered {counts}")
                elif len(problems) < 3:
                    problems.append(f"HTTP {status}: {answer[:300].decode(errors='replace')}")
            ours.append(accepted / wall)
            wall, results, again = drive(
                clients, deal([("POST", EVENTS_PATH, b, bad) for b in bodies], args.clients)
            )
            reconnects["401"] += again
            if {s for s, _, _ in results} != {401}:
                problems.append(f"unknown key answered {sorted({s for s, _, _ in results})}, not 401")
            r401.append(len(bodies) * args.batch / wall)
            lat_401 += [s for _, s, _ in results]
            gets = [("GET", "/healthz", None, {})] * (HEALTHZ_PER_CLIENT * args.clients)
            wall, results, again = drive(clients, deal(gets, args.clients))
            reconnects["healthz"] += again
            health.append(len(results) / wall)
            lat_health += [s for _, s, _ in results]
            print(
                f"  run {run + 1}: ours {ours[-1]:,.0f} events/s, 401 floor {r401[-1]:,.0f}, healthz {health[-1]:,.0f} req/s",
                flush=True,
            )
    finally:
        for client in clients:
            client.close()
        stop_server(server)
    ours_med, floor_med = hc.med(ours), hc.med(r401)
    ms = 1e3
    print(
        f"ours    POST {EVENTS_PATH}, {args.clients} clients × batches of {args.batch:,}: median "
        f"{ours_med:,.0f} events/s (runs: {hc.runs(ours)}); batch latency p50 "
        f"{hc.percentile(lat_ours, 50) * ms:,.0f} ms, p99 {hc.percentile(lat_ours, 99) * ms:,.0f} ms"
    )
    print(
        f"        answers: {', '.join(f'HTTP {k} × {v}' for k, v in sorted(statuses.items()))} "
        "(events/s counts accepted events only; latencies are of the 200 answers"
        + (f"; the others took p50 {hc.percentile(lat_failed, 50) * ms:,.0f} ms)" if lat_failed else ")")
    )
    for problem in problems:
        print(f"        problem: {problem}")
    failures += bool(problems)
    print(
        f"floor   same bodies, unknown key (401 before parsing): median {floor_med:,.0f} events/s "
        f"equivalent (runs: {hc.runs(r401)}); latency p50 {hc.percentile(lat_401, 50) * ms:,.1f} ms, "
        f"p99 {hc.percentile(lat_401, 99) * ms:,.1f} ms"
    )
    print(
        f"floor   GET /healthz, {args.clients} clients × {HEALTHZ_PER_CLIENT}: median {hc.med(health):,.0f} "
        f"requests/s (runs: {hc.runs(health)}); latency p50 {hc.percentile(lat_health, 50) * ms:.2f} ms, "
        f"p99 {hc.percentile(lat_health, 99) * ms:.2f} ms"
    )
    print(f"ratio ours / 401 floor: {ours_med / floor_med:.3f}")
    print(
        "reconnects (the server closed a keep-alive connection; the request was sent again on a new "
        f"one, inside its timing): {', '.join(f'{k} {v}' for k, v in reconnects.items())}"
    )
    failed = sum(v for k, v in statuses.items() if k != 200)
    verdict = "met" if ours_med >= TARGET and not failed else "NOT met"
    print(f"target ≥ {TARGET:,} events/s: {verdict}" + (f" ({failed} batches failed)" if failed else ""))
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
