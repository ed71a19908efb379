"""The casework kernel's transition next to a bare django-fsm transition, in the same run.

    .venv/bin/python bench/bench_casework.py [--repeat 7] [--cases 200]

A throw-away SQLite database with the toy case type of the tests (tests/toycase). Per case and
per move, the median of --repeat runs (ours and the floor alternate run by run, after one untimed
warm-up each):

- ours: `casework.services.transition(case, "assign", actor)` — the permission hook, the
  conditional fsm update, a timeline step, an audit record, and the hub fact after commit (the
  toy type publishes "closed" facts only, so "assign" schedules none: the fact's cost is
  measured apart, `close` with the hub catalogue loaded);
- floor: `case.assign(); case.save()` in a transaction — the bare fsm move with its conditional
  update (ConcurrentTransitionMixin), nothing else.

Prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="zhili-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["ZHILI_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    try:
        return run(args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from tests.toycase.models import Pothole

    from zhili.casework import services
    from zhili.geo.models import Kind, Unit
    from zhili.hub.catalogue import load_catalogue
    from zhili.org.models import User

    call_command("migrate", verbosity=0, interactive=False)
    city = Unit.objects.create(code="440000000000", name="城", kind=Kind.CITY, level=1)
    actor = User.objects.create(username="worker", role="system_admin", home_unit=city)
    load_catalogue()

    def cases(n):
        return [Pothole.objects.create(number=services.next_number("KW"), unit=city) for _ in range(n)]

    def ours(batch):
        t = time.perf_counter()
        for case in batch:
            services.transition(case, "assign", actor)
        return (time.perf_counter() - t) / len(batch)

    def floor(batch):
        t = time.perf_counter()
        for case in batch:
            with transaction.atomic():
                case.assign()
                case.save()
        return (time.perf_counter() - t) / len(batch)

    def closing(batch):
        for case in batch:
            for action in ("assign", "start", "fix"):
                services.transition(case, action, actor)
        t = time.perf_counter()
        for case in batch:
            with transaction.atomic():  # on_commit runs when this block commits: the fact included
                services.transition(case, "close", actor)
        return (time.perf_counter() - t) / len(batch)

    ours(cases(5)), floor(cases(5)), closing(cases(5))  # warm-up
    a, b, c = [], [], []
    for _ in range(args.repeat):
        a.append(ours(cases(args.cases)))
        b.append(floor(cases(args.cases)))
        c.append(closing(cases(max(args.cases // 4, 1))))
    ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
    print(f"cores: {os.cpu_count()}  cases per run: {args.cases}  runs: {args.repeat}  (SQLite)")
    print(f"floor  case.assign(); case.save()            {mb * 1e3:7.3f} ms per move")
    print(f"ours   services.transition(case, 'assign')   {ma * 1e3:7.3f} ms per move   ratio {ma / mb:5.1f}×")
    print(f"ours   transition 'close' + hub fact         {mc * 1e3:7.3f} ms per move   ratio {mc / mb:5.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
