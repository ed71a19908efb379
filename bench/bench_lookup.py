"""Bulk point → village lookup on the demo city, against a bare STRtree as the floor.

    .venv/bin/python bench/bench_lookup.py [--points 200000] [--repeat 5] [--seed 2026]

Sets up a throw-away data directory (SQLite), migrates, loads the demo city (with grids), then
times `zhili.geo.lookup.locate` over random points in the city's bounding box, and, for the same
points, `shapely.STRtree(grid polygons).query(points, predicate="intersects")`, which finds the
candidate polygons but settles nothing (no single answer per point, no codes). Target: ≥ 50,000
points/s for ours.
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

TARGET = 50_000


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="zhili-bench-")
    try:
        return run(data_dir)
    finally:
        from django.conf import settings

        if settings.configured:  # not after --help
            from django.db import connections

            connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)


def run(data_dir: str) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.config.settings"
    os.environ["ZHILI_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

    import django

    django.setup()

    import numpy as np
    import shapely
    from django.core.management import call_command
    from shapely.geometry import shape

    from zhili.geo import lookup
    from zhili.geo.demo import build_city, load_city
    from zhili.geo.models import Level, Unit

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    units = build_city(seed=args.seed)
    built = time.perf_counter() - started
    started = time.perf_counter()
    load_city(units, year=2024)
    loaded = time.perf_counter() - started

    started = time.perf_counter()
    index = lookup.get_index()
    indexed = time.perf_counter() - started
    polygons = [shape(b) for b in Unit.objects.filter(level=Level.GRID).values_list("boundary", flat=True)]

    rng = np.random.default_rng(args.seed)
    minx, miny, maxx, maxy = units[0].geometry.bounds
    lon = rng.uniform(minx, maxx, args.points)
    lat = rng.uniform(miny, maxy, args.points)

    ours: list[float] = []
    codes = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        codes = lookup.locate(lon, lat, Level.VILLAGE)
        ours.append(args.points / (time.perf_counter() - t))

    floor: list[float] = []
    tree = shapely.STRtree(polygons)  # built once, like our cached index
    for _ in range(args.repeat):
        t = time.perf_counter()
        pairs = tree.query(shapely.points(lon, lat), predicate="intersects")
        floor.append(args.points / (time.perf_counter() - t))

    inside = int((codes != "").sum())
    hit_points = np.unique(pairs[0]).size
    ours_med, floor_med = statistics.median(ours), statistics.median(floor)
    print(f"cores (os.cpu_count): {os.cpu_count()}")
    print(
        f"city: {len(units)} units built in {built:.2f} s, loaded in {loaded:.2f} s, index built in "
        f"{indexed:.2f} s"
    )
    print(f"leaf polygons (grids): {len(index.leaf_ids)}")
    print(
        f"points: {args.points:,} random in the city's bounding box, {args.repeat} runs; "
        f"inside a unit: {inside:,} (STRtree floor: {hit_points:,})"
    )
    print(
        f"ours  zhili.geo.lookup.locate(level=VILLAGE): median {ours_med:,.0f} points/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in ours)})"
    )
    print(
        f"floor shapely.STRtree(grids).query(intersects): median {floor_med:,.0f} points/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in floor)})"
    )
    print(f"ratio ours / floor: {ours_med / floor_med:.2f}")
    print(f"target ≥ {TARGET:,} points/s: {'met' if ours_med >= TARGET else 'NOT met'}")
    return 0 if inside == hit_points else 1


if __name__ == "__main__":
    raise SystemExit(main())
