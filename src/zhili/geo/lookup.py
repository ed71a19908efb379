"""Point → grid → village/community → town → district, vectorised.

The index holds the leaf units that have boundaries (grids in a full city) and their ancestors.
For a batch, the points go into an STRtree and each leaf polygon, prepared, asks which points
it contains: the costly predicate then runs once per polygon and not once per point.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.core.cache import cache
from shapely.geometry import shape

from zhili.geo.models import Level, Unit

_VERSION_KEY = "zhili:geo:lookup-version"
_lock = threading.Lock()
_index: PointIndex | None = None


@dataclass
class PointIndex:
    version: str
    leaf_ids: np.ndarray  # unit id of each leaf polygon
    polygons: np.ndarray  # shapely geometries, prepared
    tree: shapely.STRtree  # over the polygons, for small batches
    ancestors: dict[int, dict[int, int]]  # leaf id → {level: unit id}
    codes: dict[int, str]
    level_codes: dict[int, np.ndarray]  # level → code of each leaf's ancestor at that level ("" if none)
    leaf_codes: np.ndarray  # code of each leaf, then "" (position -1)

    def locate_positions(self, lon, lat) -> np.ndarray:
        """Position of each point's leaf polygon in this index, -1 outside every unit."""
        lon = np.asarray(lon, dtype="float64").ravel()
        lat = np.asarray(lat, dtype="float64").ravel()
        out = np.full(lon.shape, -1, dtype="int64")
        if lon.size == 0 or self.leaf_ids.size == 0:
            return out
        points = shapely.points(lon, lat)
        if lon.size < 64:
            pairs = self.tree.query(points, predicate="intersects")
            point_idx, poly_idx = pairs[0], pairs[1]
        else:
            ptree = shapely.STRtree(points)
            pairs = ptree.query(self.polygons, predicate="contains_properly")
            poly_idx, point_idx = pairs[0], pairs[1]
            # Points exactly on a shared edge are in no polygon's interior: settle them by `intersects`.
            missing = np.setdiff1d(np.arange(lon.size), point_idx)
            if missing.size:
                extra = self.tree.query(points[missing], predicate="intersects")
                point_idx = np.concatenate([point_idx, missing[extra[0]]])
                poly_idx = np.concatenate([poly_idx, extra[1]])
        if point_idx.size:
            # One answer per point; on an edge the lower leaf index wins, so results are stable.
            order = np.lexsort((poly_idx, point_idx))
            point_idx, poly_idx = point_idx[order], poly_idx[order]
            first = np.concatenate([[True], point_idx[1:] != point_idx[:-1]])
            out[point_idx[first]] = poly_idx[first]
        return out

    def locate_ids(self, lon, lat) -> np.ndarray:
        pos = self.locate_positions(lon, lat)
        return np.where(pos >= 0, self.leaf_ids[np.maximum(pos, 0)] if self.leaf_ids.size else -1, -1)

    def chain(self, leaf_id: int) -> dict[int, int]:
        return self.ancestors.get(int(leaf_id), {})


def _current_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        latest = (
            Unit.objects.exclude(boundary=None)
            .order_by("-updated_at")
            .values_list("updated_at", flat=True)
            .first()
        )
        count = Unit.objects.exclude(boundary=None).count()
        version = f"{count}:{latest.isoformat() if latest else ''}"
        cache.set(_VERSION_KEY, version, 300)
    return version


def invalidate() -> None:
    """Call after boundaries or the hierarchy change."""
    global _index
    cache.delete(_VERSION_KEY)
    with _lock:
        _index = None


def get_index() -> PointIndex:
    global _index
    version = _current_version()
    with _lock:
        if _index is None or _index.version != version:
            _index = _build(version)
        return _index


def _build(version: str) -> PointIndex:
    rows = list(Unit.objects.values_list("id", "parent_id", "level", "code", "name", "boundary"))
    parent = {r[0]: r[1] for r in rows}
    level = {r[0]: r[2] for r in rows}
    has_boundary_child = {r[1] for r in rows if r[5] is not None and r[1] is not None}
    leaves = [r for r in rows if r[5] is not None and r[0] not in has_boundary_child]
    ancestors: dict[int, dict[int, int]] = {}
    for r in leaves:
        chain, node = {}, r[0]
        while node is not None:
            chain[level[node]] = node
            node = parent[node]
        ancestors[r[0]] = chain
    code_of = {r[0]: r[3] for r in rows}
    polygons = np.array([shape(r[5]) for r in leaves], dtype=object)
    shapely.prepare(polygons)
    return PointIndex(
        version=version,
        leaf_ids=np.array([r[0] for r in leaves], dtype="int64"),
        polygons=polygons,
        tree=shapely.STRtree(polygons),
        ancestors=ancestors,
        codes=code_of,
        leaf_codes=np.array([r[3] for r in leaves] + [""], dtype=object),
        level_codes={
            lvl: np.array(
                [code_of.get(ancestors[leaf[0]].get(lvl), "") for leaf in leaves] + [""], dtype=object
            )
            for lvl in Level.values
        },
    )


def locate(lon, lat, level: Level = Level.VILLAGE) -> np.ndarray:
    """Unit codes at `level` for each point ("" outside the city): the bulk entry point for the hub."""
    index = get_index()
    # The last entry of each level's table is "", so position -1 (outside) maps to "".
    return index.level_codes[int(level)][index.locate_positions(lon, lat)]


def locate_leaf(lon, lat) -> np.ndarray:
    """The finest unit's code for each point (a grid in a full city), "" outside the city."""
    index = get_index()
    return index.leaf_codes[index.locate_positions(lon, lat)]


def locate_point(lon: float, lat: float) -> list[Unit]:
    """The chain of units containing one point, from the finest (grid) up to the city."""
    index = get_index()
    leaf = int(index.locate_ids([lon], [lat])[0])
    if leaf < 0:
        return []
    ids = index.chain(leaf)
    units = Unit.objects.in_bulk(list(ids.values()))
    return [units[ids[lvl]] for lvl in sorted(ids, reverse=True)]
