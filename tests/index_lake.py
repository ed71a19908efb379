"""A lake of hand-written events for the index tests: Parquet files in the hub's layout and
schema, so that the engines read exactly what the hub's export would have written."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from zhili.hub.lake import SCHEMA, day_path, levels

FAMILY = {"police": "police", "fire": "fire", "env": "environment"}
DEPARTMENT = {"police": "public_security", "fire": "fire_rescue", "env": "ecology"}


def ev(type_: str, day: str, unit: str, **fields) -> dict:
    """One event: its type, day (ISO), unit code and any of quantity, deaths, injuries, amount,
    value, category."""
    return {"type": type_, "day": date.fromisoformat(day), "unit": unit, **fields}


def write_lake(events: list[dict]) -> None:
    """Write the events (per day, replacing that day's file) under settings.LAKE_DIR."""
    by_day: dict[date, list[dict]] = defaultdict(list)
    for e in events:
        by_day[e["day"]].append(e)
    n = 0
    for day, rows in sorted(by_day.items()):
        data = {name: [] for name in SCHEMA.names}
        for e in rows:
            n += 1
            grid, village, town, district = levels(e["unit"])
            prefix = e["type"].split(".")[0]
            at = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)
            values = {
                "event_id": n, "source": "test", "source_id": f"t{n}", "version": 1, "type": e["type"],
                "family": FAMILY.get(prefix, prefix), "department": DEPARTMENT.get(prefix, prefix),
                "occurred_at": at, "occurred_date": day, "unit_code": e["unit"], "grid_code": grid,
                "village_code": village, "town_code": town, "district_code": district, "lon": None, "lat": None,
                "quantity": e.get("quantity", 1), "deaths": e.get("deaths"), "injuries": e.get("injuries"),
                "amount": e.get("amount"), "value": e.get("value"), "category": e.get("category"),
                "fields": "{}", "received_at": at, "late": False,
            }  # fmt: skip
            for name in SCHEMA.names:
                data[name].append(values[name])
        path = day_path(day)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pydict(data, schema=SCHEMA), path)
