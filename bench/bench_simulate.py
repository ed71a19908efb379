"""The simulation study of the index (`zhili index simulate`) as a benchmark: its table of figures
for the earlier shipped definitions (v1) and the default (v2) side by side with the goals, and
how long the engine takes to score the synthetic city next to a floor measured in the same run.

    .venv/bin/python bench/bench_simulate.py [--size full|small] [--seed 1] [--repeat 3]

Timed (median of --repeat, ours and the floor alternating): a year of the daily barometer for
every town, district and the city through `engine.evaluate` (the v2 definition: references,
empirical Bayes, the calendar, the count tests), and its floor: the same cube reduced to the
same per-unit yearly sums with one numpy call per leaf (what reading the counts costs, no
scoring). Prints figures and asserts nothing; the goals are tested in tests/test_index_simulate.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=["full", "small"], default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np

    from zhili.index import simulate as sim
    from zhili.index import study
    from zhili.index.cube import MeasureSet
    from zhili.index.periods import periods_between

    print(f"cores: {os.cpu_count()}")
    result = study.study(study.shipped_versions(), size=args.size, seed=args.seed, log=lambda _m: None)
    print(study.render(result))

    versions = study.shipped_versions()
    definition = versions[-1].index
    city = sim.build_city(seed=args.seed, **study.SIZES[args.size])
    year = city.first.year + study.SIZES[args.size]["years"] - 1
    days = periods_between("day", date(year, 1, 1), date(year, 12, 31))
    rates = sim.event_rates([definition])
    drawn = sim.draw(city, rates, [], seed=1)
    measures = MeasureSet(definition)
    ours, floor = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sim.run_engine(definition, "day", city, drawn, days)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cube = sim.fill_cube(city, measures, drawn, days[0].start, days[-1].start)
        for level in cube.levels.values():
            np.add.reduce(level.s, axis=2)
        floor.append(time.perf_counter() - t0)
    a, b = statistics.median(ours), statistics.median(floor)
    towns = len(city.units["town"])
    print(
        f"\na year of daily results ({len(days)} days × {towns} towns + districts + city), median of "
        f"{args.repeat}: engine {a:.2f} s; floor (the cube summed per unit) {b:.3f} s; ratio {a / b:.0f}×"
    )


if __name__ == "__main__":
    main()
