"""From a fresh clone to a serving demo page: the time of each step.

    .venv/bin/python bench/bench_demo.py [--keep]

Clones this repository (its committed HEAD) into a temporary folder, then does what `make demo`
does, step by step: create the virtualenv and install, compile the catalogues, `zhili demo
--no-serve`, and `zhili serve` until GET / answers 200 with the map page. pip's download cache is
whatever this machine has: the figure says which (a first-ever install downloads ~100 MB more).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(label: str, cmd: list[str], cwd: Path, env: dict, timings: list) -> str:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    timings.append((label, elapsed))
    print(f"{label:<34} {elapsed:7.1f} s", flush=True)
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zhili-bench-demo-"))
    clone = tmp / "zhili"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "DJANGO_", "ZHILI_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    timings: list[tuple[str, float]] = []
    config = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    local = sorted({line.split("=", 1)[1].strip("'") for line in config.splitlines() if "find-links" in line})
    cache = Path.home() / ".cache" / "pip"
    print(
        f"cores: {os.cpu_count()}; pip download cache: {'warm' if cache.is_dir() else 'cold'}; "
        f"local wheel folders (pip find-links): {', '.join(local) or 'none'}"
    )
    started = time.perf_counter()
    run("git clone", ["git", "clone", "--quiet", str(REPO), str(clone)], tmp, env, timings)
    run("venv + pip install", ["make", "-s", "install"], clone, env, timings)
    out = run(
        "zhili demo --no-serve", [str(clone / ".venv/bin/zhili"), "demo", "--no-serve"], clone, env, timings
    )
    for line in out.splitlines():
        if "✓" in line:
            print("   " + line.strip())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [str(clone / ".venv/bin/zhili"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=clone,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    body = r.read().decode()
                if r.status == 200 and 'id="map"' in body:
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > 120 or server.poll() is not None:
                sys.exit("the server did not answer within 120 s")
            time.sleep(0.1)
        timings.append(("serve until GET / is 200", time.perf_counter() - t0))
        print(f"{'serve until GET / is 200':<34} {timings[-1][1]:7.1f} s")
    finally:
        server.terminate()
        server.wait(timeout=15)
    total = time.perf_counter() - started
    print(f"{'total, fresh clone to serving page':<34} {total:7.1f} s   (goal: under 180 s)")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
