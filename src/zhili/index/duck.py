"""The default engine's reader: DuckDB, in-process, over the lake's Parquet files."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pyarrow as pa

from zhili.hub.lake import day_path
from zhili.index.cube import Cube, MeasureSet, cube_sql


def day_files(first: date, last: date) -> list[str]:
    """The lake's files for the days first..last that exist (a day with no events has none)."""
    out = []
    d = first
    while d <= last:
        path = day_path(d)
        if path.exists():
            out.append(str(path))
        d += timedelta(days=1)
    return out


def mapping_table(measures: MeasureSet) -> pa.Table:
    rows = measures.mapping_rows()
    return pa.table(
        {
            "m": pa.array([r[0] for r in rows], pa.int32()),
            "type": pa.array([r[1] for r in rows], pa.string()),
            "category": pa.array([r[2] for r in rows], pa.string()),
            "fld": pa.array([r[3] for r in rows], pa.string()),
        }
    )


def read_cube(
    measures: MeasureSet, first: date, last: date, units: dict[str, list[str]], *, threads: int = 0
) -> Cube:
    cube = Cube(measures, first, last, units)
    files = day_files(first, last)
    if not files or not len(measures):
        return cube
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.register("measure_map", mapping_table(measures))
        events = "read_parquet(" + _sql_list(files) + ")"
        sql = cube_sql(events, "measure_map", measures, village="village" in units)
        result = con.sql(sql).to_arrow_table()
    finally:
        con.close()
    return cube.fill(result)


def _sql_list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
