"""The second engine's reader: Apache Spark, for a city whose lake has outgrown one machine.

It runs the very SQL the DuckDB reader runs (`cube.cube_sql`) over the same Parquet day files,
so the two engines differ only in who sums: the scores are computed from the cube in numpy
either way, and agree to rounding (tests/test_index_spark.py). PySpark is an optional extra
(``pip install 'zhili[spark]'``, with Java 17 or newer); nothing here imports it until a run asks
for the Spark engine, so a city that only uses DuckDB never needs a JVM.

One SparkSession per process, started on first use (a local Spark takes about ten seconds to
start, a cluster session longer) and kept: the master comes from `INDEX_SPARK_MASTER`. On a
cluster the executors open the day files by the driver's paths, so `LAKE_DIR` must be storage
that every node mounts at the same path.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import date

import pyarrow as pa
from django.conf import settings
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError
from zhili.index.cube import Cube, MeasureSet, cube_sql
from zhili.index.duck import day_files

# The join table of `cube_sql`, as `duck.mapping_table` types it.
_MAPPING_SCHEMA = "m INT, type STRING, category STRING, fld STRING"
_lock = threading.Lock()
_session = None


class SparkUnavailable(ZhiliError):
    """The Spark engine was asked for where it cannot run: the server's setup, not the request."""

    status = 503
    code = "engine_unavailable"


def session():
    """The process's SparkSession, started on first use. A session stopped since (by a test, or
    by its cluster) is replaced."""
    global _session
    with _lock:
        if _session is None or _session.sparkContext._jsc is None:
            _session = _start()
        return _session


def _start():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            _("the Spark engine needs the spark extra: pip install 'zhili[spark]'"),
            details=[{"field": "engine", "value": "spark"}],
        ) from None
    master = settings.INDEX_SPARK_MASTER
    builder = (
        SparkSession.builder.master(master)
        .appName("zhili-index")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(int(settings.INDEX_SPARK_PARTITIONS)))
        .config("spark.sql.session.timeZone", "UTC")  # the lake's timestamps as written, not shifted
        .config("spark.driver.memory", settings.INDEX_SPARK_DRIVER_MEMORY)
    )
    if master.startswith("local"):
        # Else Spark binds to the address the host name resolves to, which on many machines is
        # none it can reach (or asks a DNS server that is not there). Never on a cluster, whose
        # executors must reach the driver from elsewhere.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # A run names one file per day (hundreds); past 32 paths Spark lists them in a job of
        # its own, which on a local disk costs seconds where the driver alone needs a fraction.
        builder = builder.config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing or too old, a cluster not reachable: say which
        raise SparkUnavailable(
            _("the Spark engine could not start: %(reason)s (it needs Java 17 or newer)")
            % {"reason": str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__},
            details=[{"field": "engine", "value": "spark"}],
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_cube(measures: MeasureSet, first: date, last: date, units: dict[str, list[str]]) -> Cube:
    """The cube of `measures` over first..last for the unit codes per level; what
    `duck.read_cube` returns for the same lake."""
    cube = Cube(measures, first, last, units)
    files = day_files(first, last)
    if not files or not len(measures):
        return cube
    spark = session()
    # Names of our own per call, so that two runs in one process never see each other's views.
    suffix = uuid.uuid4().hex
    events, measure_map = f"zhili_events_{suffix}", f"zhili_measures_{suffix}"
    try:
        spark.read.parquet(*files).createOrReplaceTempView(events)
        spark.createDataFrame(measures.mapping_rows(), _MAPPING_SCHEMA).createOrReplaceTempView(measure_map)
        result = _to_arrow(spark.sql(cube_sql(events, measure_map, measures, village="village" in units)))
    finally:
        spark.catalog.dropTempView(events)
        spark.catalog.dropTempView(measure_map)
    if result is None or result.num_rows == 0:
        return cube
    return cube.fill(result)


def _to_arrow(df) -> pa.Table | None:
    """The result as Arrow, without pandas: `toArrow` from Spark 4; on Spark 3.5 the batches
    that its `toPandas` collects (None when there are none)."""
    if hasattr(df, "toArrow"):
        return df.toArrow()
    batches = df._collect_as_arrow()
    return pa.Table.from_batches(batches) if batches else None
