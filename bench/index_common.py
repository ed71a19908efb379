"""What bench_index.py needs besides its timings: the demo city in a scratch database, a lake
generated straight into the hub's Parquet layout, and a plain pandas implementation of the
daily pingan_plus index to hold the engine against."""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone

import numpy as np

SEED = 2026
AIR = "environment.air_quality"
# Mean deaths and injuries per event (Poisson draws), in the demo's proportions (hub/demo/specs.py).
CASUALTIES = {
    "traffic.accident": (0.004, 0.017),
    "fire.fire": (0.01, 0.03),
    "work_safety.accident": (0.5, 1.2),
    "police.homicide": (0.05, 0.1),  # plus the one death every homicide has
}
QUANTITY = {  # people per event, drawn uniformly in [low, high)
    "petition.group_visit": (5, 60),
    "petition.beyond_city": (1, 10),
    "health.foodborne_illness": (1, 15),
    "bravery.recognition": (1, 3),
    "survey.participation": (20, 200),
}
LOCAL = timezone(timedelta(hours=8))


def setup_world(population_year: int) -> str:
    """Migrate; load the demo city (fixed seed; population of `population_year`), the hub
    catalogue (definitions name its event types) and the shipped definitions."""
    from django.core.management import call_command

    from zhili.geo.demo import build_city, load_city
    from zhili.hub.catalogue import DEFAULT_PATH, load_catalogue
    from zhili.index.services import sync_shipped

    call_command("migrate", verbosity=0, interactive=False)
    counts = load_city(build_city(seed=SEED), year=population_year)
    load_catalogue(DEFAULT_PATH, actor_username="bench")
    sync_shipped()
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def measured_types() -> list[str]:
    """Every event type the active definitions measure (leaves, deductions, vetoes)."""
    from zhili.index.cube import MeasureSet
    from zhili.index.models import DefinitionVersion

    out: set[str] = set()
    for version in DefinitionVersion.objects.filter(is_active=True):
        out |= set(MeasureSet(version.parsed()).event_types())
    return sorted(out)


def generate_lake(years: list[int], per_year: int, seed: int = SEED) -> dict:
    """`per_year` events in each year (spread evenly over its days), over the measured types in
    the demo's proportions (`effective_rate`) and the grids by resident population; plus one PM2.5
    and one PM10 reading per town and day. One Parquet file a day, the hub's schema, layout and
    write options, a LakeDay row for each (with its hash, as the export records it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from django.utils import timezone as dj_tz

    from zhili.geo.models import Population, Unit
    from zhili.hub import lake
    from zhili.hub.demo import effective_rate
    from zhili.hub.demo.specs import SPECS
    from zhili.hub.models import EventType, LakeDay

    rng = np.random.default_rng(seed)
    info = {t.code: t for t in EventType.objects.select_related("department")}
    codes = [c for c in measured_types() if c != AIR]
    spec_codes = {s.code for s in SPECS}
    rate = np.array([effective_rate(c) if c in spec_codes else 0.5 for c in codes])
    all_types = [*codes, AIR]
    t_str = pa.array(all_types)
    t_family = pa.array([info[c].family for c in all_types])
    t_dept = pa.array([info[c].department.code for c in all_types])
    t_source = pa.array(["bench_" + info[c].department.code for c in all_types])
    t_src_rank = np.argsort(np.argsort([f"bench_{info[c].department.code}" for c in all_types]))
    air = len(codes)
    death_mean = np.array([CASUALTIES.get(c, (0.0, 0.0))[0] for c in all_types])
    injury_mean = np.array([CASUALTIES.get(c, (0.0, 0.0))[1] for c in all_types])
    homicide = all_types.index("police.homicide") if "police.homicide" in all_types else -1

    pop = list(Population.objects.filter(unit__level=5).values_list("unit__code", "resident"))
    g_code = [c for c, _r in pop]
    g_pop = np.array([r for _c, r in pop], dtype=float)
    centroids = dict(Unit.objects.filter(level=5).values_list("code", "centroid_lon"))
    lats = dict(Unit.objects.filter(level=5).values_list("code", "centroid_lat"))
    g_lon = np.array([centroids[c] for c in g_code])
    g_lat = np.array([lats[c] for c in g_code])
    g_arr = {
        "grid": pa.array(g_code),
        "village": pa.array([c[:12] for c in g_code]),
        "town": pa.array([c[:9] + "000" for c in g_code]),
        "district": pa.array([c[:6] + "000000" for c in g_code]),
    }
    stations = {}  # town → its most populous grid, where the air station stands
    for i in np.argsort(-g_pop):
        stations.setdefault(g_code[i][:9], i)
    station = np.array([stations[k] for k in sorted(stations)])
    n_towns = len(station)
    cat_choices = pa.array([None, "pm25", "pm10"])
    field_choices = pa.array(
        ["{}", '{"averaging":"day","category":"pm25"}', '{"averaging":"day","category":"pm10"}']
    )

    started = time.perf_counter()
    next_id, per_year_rows, lake_days = 1, {}, []
    for year in years:
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        per_day = np.full(days, per_year // days) + (np.arange(days) < per_year % days)
        per_year_rows[year] = 0
        for k in range(days):
            day = date(year, 1, 1) + timedelta(days=k)
            n = int(per_day[k])
            t = np.concatenate([rng.choice(len(codes), n, p=rate / rate.sum()), np.full(2 * n_towns, air)])
            g = np.concatenate([rng.choice(len(g_code), n, p=g_pop / g_pop.sum()), station, station])
            sec = np.concatenate([rng.integers(0, 86400, n), np.full(2 * n_towns, 12 * 3600)])
            kind = np.concatenate([np.zeros(n, int), np.ones(n_towns, int), np.full(n_towns, 2)])
            order = np.lexsort((sec, t_src_rank[t]))  # the export's order: by source, then arrival
            t, g, sec, kind = t[order], g[order], sec[order], kind[order]
            m = len(t)
            ids = np.arange(next_id, next_id + m, dtype=np.int64)
            next_id += m
            midnight = int(datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp())
            occurred = (midnight + sec) * 1_000_000
            quantity = np.ones(m, dtype=np.int32)
            for code, (lo, hi) in QUANTITY.items():
                if code in all_types:
                    hit = t == all_types.index(code)
                    quantity[hit] = rng.integers(lo, hi, int(hit.sum()))
            deaths = rng.poisson(death_mean[t]).astype(np.int32) + (t == homicide)
            value = np.full(m, np.nan)
            pm = rng.lognormal(np.log(20), 0.4, m).round(1)
            value[kind == 1] = pm[kind == 1]
            value[kind == 2] = (pm[kind == 2] * 1.7).round(1)
            for code, draw in (
                ("survey.answer", lambda k: np.clip(rng.normal(85, 10, k), 0, 100).round()),
                ("hotline.satisfaction", lambda k: (rng.random(k) < 0.9).astype(float)),
                ("market.redress_satisfaction", lambda k: (rng.random(k) < 0.85).astype(float)),
                ("civilization.volunteer_service", lambda k: rng.gamma(2.0, 20.0, k).round(1)),
            ):
                if code in all_types:
                    hit = t == all_types.index(code)
                    value[hit] = draw(int(hit.sum()))
            fraud = t == (
                all_types.index("police.telecom_fraud") if "police.telecom_fraud" in all_types else -1
            )
            amount = np.where(fraud, rng.lognormal(8, 1.5, m).round(2), np.nan)
            ti, gi, ki = pa.array(t), pa.array(g), pa.array(kind)
            id_arr = pa.array(ids)
            table = pa.Table.from_arrays(
                [
                    id_arr,
                    t_source.take(ti),
                    pc.binary_join_element_wise("B", id_arr.cast(pa.string()), ""),
                    pa.array(np.ones(m, dtype=np.int32)),
                    t_str.take(ti),
                    t_family.take(ti),
                    t_dept.take(ti),
                    pa.array(occurred, pa.timestamp("us", tz="UTC")),
                    pa.array(np.full(m, (day - date(1970, 1, 1)).days, dtype=np.int32), pa.date32()),
                    g_arr["grid"].take(gi),
                    g_arr["grid"].take(gi),
                    g_arr["village"].take(gi),
                    g_arr["town"].take(gi),
                    g_arr["district"].take(gi),
                    pa.array((g_lon[g] + rng.normal(0, 0.002, m)).round(6)),
                    pa.array((g_lat[g] + rng.normal(0, 0.002, m)).round(6)),
                    pa.array(quantity),
                    pa.array(deaths.astype(np.int32)),
                    pa.array(rng.poisson(injury_mean[t]).astype(np.int32)),
                    pa.array(amount, from_pandas=True),
                    pa.array(value, from_pandas=True),
                    cat_choices.take(ki),
                    field_choices.take(ki),
                    pa.array(occurred + rng.integers(60, 7200, m) * 1_000_000, pa.timestamp("us", tz="UTC")),
                    pa.array(np.zeros(m, dtype=bool)),
                ],
                schema=lake.SCHEMA,
            )
            path = lake.day_path(day)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path, **lake.WRITE_OPTIONS)
            lake_days.append((day, m, lake._sha256(path)))
            per_year_rows[year] += m
        print(f"  {year}: {per_year_rows[year]:,} rows, {time.perf_counter() - started:.1f} s", flush=True)
    now = dj_tz.now()
    LakeDay.objects.bulk_create(
        [
            LakeDay(day=d, changed_at=now, exported_change=now, exported_at=now, rows=r, sha256=s)
            for d, r, s in lake_days
        ]
    )
    files = sorted((lake.lake_root() / "events").glob("*/*.parquet"))
    return {
        "seconds": time.perf_counter() - started,
        "rows": per_year_rows,
        "air_rows_per_year": {y: 2 * n_towns * (date(y + 1, 1, 1) - date(y, 1, 1)).days for y in years},
        "bytes": sum(os.path.getsize(f) for f in files),
        "files": len(files),
        "types": len(all_types),
        "shares": sorted(zip((rate / rate.sum()).tolist(), codes, strict=True), reverse=True),
    }


# --- the plain pandas implementation ------------------------------------------------------------
COLUMNS = ["type", "category", "town_code", "occurred_date", "quantity", "deaths", "injuries", "value"]
SCALE = {"none": None, "per_10k_residents": ("resident", 1e4), "per_1k_residents": ("resident", 1e3),
         "per_gdp": ("gdp", 1.0), "per_vehicles": ("vehicles", 1e4)}  # fmt: skip


def pandas_daily(definition, first_day: date, last_day: date, files: list[str], window_first: date):
    """The daily index per town, district and city with pandas: read the columns, keep the
    measured types, one group-by (type, category, town, day) with the sums of every field, then
    per leaf and level a day × unit frame: missing rules, rates, the ±14-day window a year back
    (rolling mean / variance), the score, and the weighted mean up the daily tree.

    Returns ({level: DataFrame target days × units of totals}, {step: seconds})."""
    import pandas as pd

    from zhili.geo.models import Population, Unit
    from zhili.index import methods
    from zhili.index.periods import minus_year
    from zhili.index.scoring import BASELINE_CAP, DAY_WINDOW, PAR, par_scale

    steps, t0 = {}, time.perf_counter()
    tree = definition.daily_tree()
    leaves = [n for n in tree.walk() if n.is_leaf]
    types = sorted({t for leaf in leaves for t in leaf.measure["event_types"]})
    df = pd.read_parquet(files, columns=COLUMNS)
    steps["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    df = df[df["type"].isin(types)]
    df = df.assign(one=1, has_value=df["value"].notna())
    g = df.groupby(["type", "category", "town_code", "occurred_date"], dropna=False, observed=True)[
        ["one", "quantity", "deaths", "injuries", "value", "has_value"]
    ].sum()
    g = g.reset_index()
    g["district_code"] = g["town_code"].str[:6] + "000000"
    g["city_code"] = "449900000000"
    steps["group"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    del df
    units = {lv: list(Unit.objects.filter(level=n).order_by("code").values_list("code", flat=True))
             for lv, n in (("town", 3), ("district", 2), ("city", 1))}  # fmt: skip
    figures = {(c, name): v for c, *vals in Population.objects.values_list("unit__code", "resident", "gdp", "vehicles")
               for name, v in zip(("resident", "gdp", "vehicles"), vals, strict=True)}  # fmt: skip
    days = pd.date_range(window_first, last_day, freq="D")
    observed = days >= pd.Timestamp(min(g["occurred_date"]))
    targets = pd.date_range(first_day, last_day, freq="D")
    centres = pd.DatetimeIndex([minus_year(d.date()) for d in targets])
    g["occurred_date"] = pd.to_datetime(g["occurred_date"])
    out = {}
    for level, codes in units.items():
        key = f"{level}_code"

        def frame(sel, column, codes=codes, key=key):
            f = sel.groupby(["occurred_date", key])[column].sum().unstack()
            f = f.reindex(index=days, columns=codes).fillna(0.0).astype(float)
            f.loc[~observed] = np.nan  # before the lake's first day: unknown, not zero
            return f

        def score(node, codes=codes, frame=frame):
            if not node.is_leaf:
                parts = [(score(c), c.weight) for c in node.children]
                num = sum(np.nan_to_num(s.to_numpy()) * w for s, w in parts)
                den = sum((~s.isna()).to_numpy() * w for s, w in parts)
                return pd.DataFrame(np.where(den > 0, num / np.where(den > 0, den, 1), np.nan),
                                    index=targets, columns=codes)  # fmt: skip
            m = node.measure
            sel = g[g["type"].isin(m["event_types"])]
            if m.get("categories"):
                sel = sel[sel["category"].isin(m["categories"])]
            field = {"quantity": "quantity", "deaths": "deaths", "injuries": "injuries", "value": "value"}
            if m.get("agg") == "mean":
                s, n = frame(sel, "value"), frame(sel, "has_value")
                values = (s / n).where(n > 0)
            else:
                values = frame(sel, "one" if m.get("agg", "count") == "count" else field[m["field"]])
            if node.missing == "carry_last":
                values = values.ffill()
            elif node.missing == "peer_median":
                values = values.T.fillna(values.median(axis=1)).T
            scale = SCALE[node.denominator or "none"]
            denom = pd.Series(1.0 if scale is None else [figures[(c, scale[0])] / scale[1] for c in codes],
                              index=codes)  # fmt: skip
            rates = values / denom
            spec = node.scoring
            now = rates.loc[targets]
            if spec["method"] == "goalposts":
                raw = 100.0 * (now - spec["worst"]) / (spec["best"] - spec["worst"])
                return raw.clip(0.0, 100.0)
            assert spec["baseline"]["method"] == "same_period_last_year", spec
            roll = rates.rolling(2 * DAY_WINDOW + 1, center=True, min_periods=1)
            base = roll.mean().loc[centres].set_axis(targets)
            if spec["method"] == "baseline_ratio":
                r = methods.baseline_ratio(now, base, direction=node.direction, cap=BASELINE_CAP, par=PAR)
                return pd.DataFrame(r, index=targets, columns=codes)
            hist = (rates * denom).rolling(2 * DAY_WINDOW + 1, center=True, min_periods=1)
            mean, var, count = (x.loc[centres].to_numpy() for x in (hist.mean(), hist.var(), hist.count()))
            with np.errstate(invalid="ignore", divide="ignore"):
                phi = np.where((count >= 5) & (mean > 0), var / np.where(mean > 0, mean, 1.0), 1.0)
            phi = np.clip(np.nan_to_num(phi, nan=1.0), 1.0, 10.0)
            expected = base.to_numpy() * denom.to_numpy()
            p = methods.poisson_score(np.round(values.loc[targets].to_numpy()), expected,
                                      direction=node.direction, dispersion=phi) / 100.0  # fmt: skip
            return pd.DataFrame(par_scale(p), index=targets, columns=codes)

        out[level] = score(tree)
    steps["score"] = time.perf_counter() - t2
    return out, steps
