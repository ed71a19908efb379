"""A fictional city the size of Zhuhai (滨海市, Binhai City), generated deterministically.

City → 7 districts/zones → ~26 towns/streets → ~330 villages/communities → ~2,000 grids, with
boundaries that tile each parent (Voronoi cells of seed points inside the parent, clipped to it;
no gaps, no overlaps) and populations that add up at every level. Urban units are small and
crowded, rural ones large. Everything comes from numpy generators seeded by (seed, unit code,
purpose): the same seed gives the same city bit for bit, and `grids=False` the same city without
its grids. `load_city` writes it into the database, boundaries rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

GRID_SIZE = 1e-6  # degrees (~0.1 m): the coastlines are snapped to it
CITY_CODE = "449900000000"
CITY_NAME, CITY_NAME_EN = "滨海市", "Binhai City"
# Mainland bounding box, lon/lat
LON0, LON1, LAT0, LAT1 = 113.1, 113.7, 21.95, 22.45
KX = math.cos(math.radians((LAT0 + LAT1) / 2))  # lon degrees → local isotropic units

# Syllables of place names. No polyphones, no ü, so the pinyin is unambiguous.
FIRST = (
    "海澄香湾拱北吉大南屏斗井莲翠湖东西金白龙凤青松桂梅兰新安平福"
    "宝荔榕竹沙红上横泉林月星云华兴前高鹤唐淇银珠明乾"
)
SECOND = {
    "district": "州洲门湾澄海山城江沙",
    "zone": "州洲门湾澄海山城江沙琴栏",
    "town": "屏门岸蕉湾桥沙涌埔洲江溪山岭坑平安头环",
    "village": "山坑围洲溪田岭头塘埔排岗湾坦沙桥尾基园美联心溪",
    "community": "香景园苑华湖岸花城庭湾安丰悦泉林峰泰和欣晖翠馨怡荟雅",
}
SUFFIX = {
    "district": ("区", "District"),
    "town": ("镇", "Town"),
    "street": ("街道", "Street"),
    "village": ("村", "Village"),
    "community": ("社区", "Community"),
}
# Real places a fictional name should not borrow (cities, and Zhuhai's own districts and towns).
_AVOID = (
    "上海珠海西安福州泉州兰州梅州金山香洲斗门金湾横琴高栏拱北吉大前山南屏湾仔井岸白蕉乾务"
    "平沙南水莲洲龙门海门金门湖州青山中山佛山松山黄山东山西湖南山白云龙岗宝安福田南沙番禺"
    "花都新会台山开平恩平鹤山"
)
AVOID = frozenset(_AVOID[i : i + 2] for i in range(0, len(_AVOID), 2))
ZONE_SUFFIX = {
    "hightech": ("高新区", "High-tech Zone"),
    "coop": ("合作区", "Cooperation Zone"),
    "port": ("港区", "Port Zone"),
    "islands": ("海岛区", "Islands Zone"),
}


@dataclass
class DemoUnit:
    code: str
    name: str
    name_en: str
    kind: str
    parent_code: str | None
    geometry: Polygon | MultiPolygon
    resident: int = 0
    registered: int = 0
    floating: int = 0


@dataclass(frozen=True)
class _DistrictSpec:
    dd: str
    kind: str  # district | zone
    role: str  # central | western | airport | hightech | coop | port | islands
    resident: int
    community_share: float  # share of residents living in communities (the rest in villages)
    towns: tuple[tuple[str, int, int], ...]  # (kind, communities, villages), urban ones first
    angle: float = 0.0  # seed of the district on the mainland, polar around the mainland's centre
    reach: float = 0.0
    area_share: float = 0.0  # of the mainland


SPECS = (
    _DistrictSpec(
        "02",
        "district",
        "central",
        1_100_000,
        0.97,
        (*(("street", n, 0) for n in (17, 16, 15, 15, 14, 14, 13, 13, 13)), ("town", 2, 9)),
        angle=-20,
        reach=0.62,
        area_share=0.20,
    ),
    _DistrictSpec(
        "03",
        "district",
        "western",
        630_000,
        0.60,
        (
            ("street", 14, 0),
            ("town", 2, 14),
            ("town", 2, 13),
            ("town", 2, 12),
            ("town", 2, 12),
            ("town", 2, 11),
        ),
        angle=175,
        reach=0.45,
        area_share=0.36,
    ),
    _DistrictSpec(
        "04",
        "district",
        "airport",
        460_000,
        0.72,
        (("street", 18, 0), ("town", 2, 12), ("town", 2, 10)),
        angle=-95,
        reach=0.55,
        area_share=0.18,
    ),
    _DistrictSpec(
        "71",
        "zone",
        "hightech",
        170_000,
        0.90,
        (("street", 14, 0), ("town", 2, 6)),
        angle=50,
        reach=0.62,
        area_share=0.11,
    ),
    _DistrictSpec("72", "zone", "coop", 60_000, 1.0, (("street", 6, 0),)),
    _DistrictSpec(
        "73",
        "zone",
        "port",
        80_000,
        0.45,
        (("town", 2, 8), ("town", 2, 7)),
        angle=-140,
        reach=0.70,
        area_share=0.15,
    ),
    _DistrictSpec("74", "zone", "islands", 12_000, 0.40, (("town", 1, 3), ("town", 1, 2))),
)
# Where people live densely: (angle, reach, weight, sigma in degrees) around the mainland's centre.
DENSITY_PEAKS = (
    (-30, 0.86, 10.0, 0.045),
    (-12, 0.80, 5.0, 0.04),
    (50, 0.62, 2.5, 0.04),
    (175, 0.45, 2.5, 0.035),
    (-95, 0.55, 2.0, 0.035),
    (-140, 0.70, 1.2, 0.03),
)


def _rng(seed: int, code: str, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, int(code), purpose])


# --- geometry ----------------------------------------------------------------------------------


class _Land:
    """The mainland (a noisy star-shaped outline), the cooperation island and the outer islands."""

    def __init__(self, seed: int):
        rng = _rng(seed, CITY_CODE, 1)
        n = 1440
        theta = np.linspace(-math.pi, math.pi, n, endpoint=False)
        r = np.ones(n)
        for k in range(2, 9):  # large-scale shape
            r += rng.uniform(0.3, 1.0) * 0.10 / k**0.7 * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
        coast = 0.5 * (1 + np.cos(_wrap(theta - math.radians(-60))))  # rugged towards the south-east
        fine = np.zeros(n)
        for k in range(9, 90):
            fine += rng.uniform(0.2, 1.0) * 0.07 / k**0.85 * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
        r += fine * (0.25 + 0.75 * coast)
        for _ in range(4):  # bays along the coast
            centre = math.radians(rng.uniform(-160, 20))
            width = rng.uniform(0.04, 0.12)
            r *= 1 - rng.uniform(0.12, 0.28) * np.exp(-((_wrap(theta - centre) / width) ** 2))
        r = np.maximum(r, 0.35)
        x, y = r * np.cos(theta), r * np.sin(theta) * 0.85
        # Fit the bounding box exactly; the star's centre (0, 0) moves with it.
        sx, sy = (LON1 - LON0) / (x.max() - x.min()), (LAT1 - LAT0) / (y.max() - y.min())
        self._x = LON0 + (x - x.min()) * sx
        self._y = LAT0 + (y - y.min()) * sy
        self.centre = (LON0 - x.min() * sx, LAT0 - y.min() * sy)
        self._theta = theta
        self.mainland = _snap(Polygon(np.column_stack([self._x, self._y])))

        # The cooperation island, across a narrow channel from the central district.
        land = self.mainland.buffer(0.006)
        cx, cy = self.polar(-32, 1.10)
        self.coop = _largest(_snap(_blob(rng, cx, cy, 0.040, 0.030, 0.25).difference(land)))
        taken = shapely.union(land, self.coop.buffer(0.01))
        self.islands: list[Polygon] = []
        for _ in range(500):
            if len(self.islands) == 5:
                break
            ang, reach = rng.uniform(-80, -20), rng.uniform(1.12, 1.4)
            ix, iy = self.polar(ang, reach)
            size = rng.uniform(0.006, 0.022)
            blob = _snap(_blob(rng, ix, iy, size, size * rng.uniform(0.6, 1.0), 0.3))
            if not blob.intersects(taken):
                self.islands.append(blob)
                taken = shapely.union(taken, blob.buffer(0.012))

    def polar(self, angle_deg: float, reach: float) -> tuple[float, float]:
        """A point `reach` of the way from the centre to the coast in direction `angle_deg`."""
        i = int(np.argmin(np.abs(_wrap(self._theta - math.radians(angle_deg)))))
        cx, cy = self.centre
        return cx + reach * (self._x[i] - cx), cy + reach * (self._y[i] - cy)


def _wrap(a):
    return (a + math.pi) % (2 * math.pi) - math.pi


def _blob(rng: np.random.Generator, cx: float, cy: float, rx: float, ry: float, noise: float) -> Polygon:
    theta = np.linspace(0, 2 * math.pi, 96, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 12):
        r += rng.uniform(0, noise) / k**0.8 * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    r = np.maximum(r, 0.3)
    return Polygon(np.column_stack([cx + rx * r * np.cos(theta), cy + ry * r * np.sin(theta)]))


def _snap(geom):
    return _polygonal(shapely.set_precision(geom, GRID_SIZE))


def _round(geom):
    """Coordinates rounded to 6 decimals (~0.1 m), as stored; the rare polygon that rounding breaks
    (two vertices closer than that) is mended."""
    geom = shapely.remove_repeated_points(shapely.transform(geom, lambda c: np.round(c, 6)))
    return geom if geom.is_valid else _polygonal(geom)


def _polygon_parts(geom) -> list[Polygon]:
    out: list[Polygon] = []
    for part in shapely.get_parts(geom):
        kind = part.geom_type
        if kind == "Polygon":
            if not part.is_empty and part.area > 0:
                out.append(part)
        elif kind in ("MultiPolygon", "GeometryCollection"):
            out.extend(_polygon_parts(part))
    return out


def _polygonal(geom):
    """Only the polygons of `geom`: a Polygon, or a MultiPolygon when there are several."""
    if geom.geom_type == "Polygon" and geom.is_valid:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = _polygon_parts(geom)
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _largest(geom) -> Polygon:
    return max(_polygon_parts(geom), key=lambda p: p.area)


def _sample_seeds(
    geom,
    n: int,
    rng: np.random.Generator,
    density: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """`n` well-spread points inside `geom`, denser where `density` is higher (n × 2 array),
    kept apart from the points in `exclude` as from each other."""
    minx, miny, maxx, maxy = geom.bounds
    fill = geom.area / max((maxx - minx) * (maxy - miny), 1e-18)
    want = max(60 * n, 300)
    shapely.prepare(geom)
    xs = np.empty(0)
    ys = np.empty(0)
    for _ in range(20):
        cx = rng.uniform(minx, maxx, int(want / max(fill, 0.02)) + 16)
        cy = rng.uniform(miny, maxy, cx.size)
        inside = shapely.contains_xy(geom, cx, cy)
        xs, ys = np.concatenate([xs, cx[inside]]), np.concatenate([ys, cy[inside]])
        if xs.size >= want:
            break
    if xs.size < n:
        raise ValueError(f"cannot place {n} points in a polygon of area {geom.area}")
    w = density(xs, ys) if density is not None else np.ones(xs.size)
    order = np.argsort(rng.exponential(size=xs.size) / w, kind="stable")
    xs, ys, w = xs[order], ys[order], w[order]
    fixed = 0 if exclude is None else len(exclude)
    if fixed:
        xs, ys = np.concatenate([exclude[:, 0], xs]), np.concatenate([exclude[:, 1], ys])
        w = np.concatenate([np.full(fixed, w.mean()), w])
    px = xs * KX
    spacing = math.sqrt(geom.area * KX / (n + fixed)) * np.sqrt(w.mean() / w)
    factor = 0.8
    while True:
        chosen = list(range(fixed))
        for i in range(fixed, xs.size):
            if chosen:
                c = np.asarray(chosen)
                d2 = (px[c] - px[i]) ** 2 + (ys[c] - ys[i]) ** 2
                need = factor * 0.5 * (spacing[c] + spacing[i])
                if np.any(d2 < need * need):
                    continue
            chosen.append(i)
            if len(chosen) == n + fixed:
                return np.column_stack([xs[chosen[fixed:]], ys[chosen[fixed:]]])
        factor *= 0.8


def _partition_organic(
    parent, seeds: np.ndarray, rng: np.random.Generator, per_child: int = 30, shares: np.ndarray | None = None
) -> list:
    """Like `_partition`, with winding borders: many small cells, each joining the seed nearest to it
    in a smoothly warped plane, so that a border runs like a river or a ridge, not a ruler.
    With `shares`, distances are weighted so that each child gets about that share of the area."""
    n = len(seeds)
    if n == 1:
        return [parent]
    extra = _sample_seeds(parent, per_child * n, rng, exclude=seeds)
    points = np.vstack([seeds, extra])
    scale = math.sqrt(parent.area / n)
    amp = 0.10 * scale
    f = rng.uniform(0.6, 1.4, 4) * 2 * math.pi / scale
    phase = rng.uniform(0, 2 * math.pi, 4)

    def warp(p: np.ndarray) -> np.ndarray:
        x, y = p[:, 0], p[:, 1]
        return np.column_stack(
            [
                x * KX + amp * (np.sin(f[0] * y + phase[0]) + 0.5 * np.sin(f[1] * y + phase[1])),
                y + amp * (np.sin(f[2] * x * KX + phase[2]) + 0.5 * np.sin(f[3] * x * KX + phase[3])),
            ]
        )

    wp, ws = warp(points), warp(seeds)
    dist = np.sqrt(((wp[:, None, :] - ws[None, :, :]) ** 2).sum(axis=2))
    cells = _partition(parent, points)
    weights = np.ones(n)
    if shares is not None:
        areas = shapely.area(np.asarray(cells, dtype=object))
        target = np.asarray(shares, dtype="float64") / np.sum(shares) * areas.sum()
        for _ in range(80):
            got = np.bincount(np.argmin(dist / weights, axis=1), areas, minlength=n)
            weights *= (target / np.maximum(got, 1e-12 * areas.sum())) ** 0.3
    label = np.argmin(dist / weights, axis=1)
    label[:n] = np.arange(n)
    groups = [shapely.union_all([cells[i] for i in np.flatnonzero(label == j)]) for j in range(n)]
    return _settle([_polygonal(g) for g in groups])


def _partition(parent, seeds: np.ndarray) -> list:
    """Cells of `seeds` (inside `parent`) clipped to `parent`: they tile it, no gaps, no overlaps.

    A cell cut in several pieces (by a bay, say) keeps its largest; see `_settle`.
    """
    n = len(seeds)
    if n == 1:
        return [parent]
    points = shapely.points(seeds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=parent, ordered=True)
    )
    if len(cells) != n:
        raise ValueError("seed points must be distinct")
    clipped = shapely.intersection(cells, parent)
    return _settle(list(clipped))


def _settle(pieces: list) -> list:
    """One piece per seed, each keeping its largest part; other parts join the neighbour they share the
    longest border with (or stay, when they touch none: pieces of an archipelago)."""
    n = len(pieces)
    mains: list[Polygon] = []
    strays: list[tuple[int, Polygon]] = []
    for i, geom in enumerate(pieces):
        parts = _polygon_parts(geom)
        if not parts:
            raise ValueError("a seed's cell vanished")
        main = max(parts, key=lambda p: p.area)
        mains.append(main)
        strays.extend((i, p) for p in parts if p is not main)
    extras: list[list[Polygon]] = [[] for _ in range(n)]
    if strays:
        tree = shapely.STRtree(mains)
        for owner, piece in strays:
            best, best_len = owner, 0.0
            for j in sorted(int(j) for j in tree.query(piece, predicate="intersects")):
                if j == owner:
                    continue
                shared = shapely.length(shapely.intersection(piece.boundary, mains[j].boundary))
                if shared > best_len:
                    best, best_len = j, shared
            extras[best].append(piece)
    out = []
    for main, more in zip(mains, extras, strict=True):
        geom = shapely.union_all([main, *more]) if more else main
        out.append(_polygonal(geom))
    return out


# --- names -------------------------------------------------------------------------------------


class _Namer:
    def __init__(self):
        from pypinyin import lazy_pinyin

        self._pinyin = lazy_pinyin
        self.used: set[str] = set()

    def __call__(self, rng: np.random.Generator, second: str, suffix: str, suffix_en: str) -> tuple[str, str]:
        """A two-syllable name, its Chinese and its pinyin both unused so far in the city."""
        for _ in range(1000):
            core = FIRST[int(rng.integers(len(FIRST)))] + second[int(rng.integers(len(second)))]
            if core[0] == core[1] or core in self.used or core in AVOID:
                continue
            roman = self.romanise(core)
            if roman not in self.used:
                break
        self.used.update((core, roman))
        return core + suffix, f"{roman} {suffix_en}"

    def romanise(self, core: str) -> str:
        syllables = self._pinyin(core)
        text = syllables[0] + "".join(("'" + s) if s[0] in "aoe" else s for s in syllables[1:])
        return text[:1].upper() + text[1:]


# --- population --------------------------------------------------------------------------------


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers in proportion to `weights` that add up to `total` exactly (largest remainder)."""
    share = total * weights / weights.sum()
    base = np.floor(share).astype("int64")
    rest = int(total - base.sum())
    base[np.argsort(-(share - base), kind="stable")[:rest]] += 1
    return base


# --- the city ----------------------------------------------------------------------------------


@dataclass
class _Node:
    unit: DemoUnit
    children: list[_Node] = field(default_factory=list)
    urban_weight: float = 1.0
    ratio: float = 0.55  # registered / resident


def build_city(*, seed: int = 2026, grids: bool = True) -> list[DemoUnit]:
    """Parents before children. Deterministic for a given seed (same output bit for bit)."""
    land = _Land(seed)
    peaks = [(*land.polar(a, reach), w, s) for a, reach, w, s in DENSITY_PEAKS]

    def density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.full(x.shape, 0.3)
        for px, py, w, s in peaks:
            out += w * np.exp(-(((x - px) * KX) ** 2 + (y - py) ** 2) / (2 * s * s))
        return out

    namer = _Namer()
    city_geom = MultiPolygon([*_polygon_parts(land.mainland), land.coop, *land.islands])
    city = _Node(DemoUnit(CITY_CODE, CITY_NAME, CITY_NAME_EN, "city", None, city_geom))

    # Districts: the mainland ones are Voronoi cells of their seeds; the islands are zones of their own.
    mainland_specs = [s for s in SPECS if s.role not in ("coop", "islands")]
    seeds = np.array([land.polar(s.angle, s.reach) for s in mainland_specs])
    cells = dict(
        zip(
            [s.dd for s in mainland_specs],
            _partition_organic(
                land.mainland,
                seeds,
                _rng(seed, CITY_CODE, 4),
                60,
                shares=np.array([s.area_share for s in mainland_specs]),
            ),
            strict=True,
        )
    )
    cells["72"] = land.coop
    cells["74"] = MultiPolygon(land.islands)
    pop_rng = _rng(seed, CITY_CODE, 3)
    for spec in SPECS:
        code = f"4499{spec.dd}000000"
        rng = _rng(seed, code, 2)
        if spec.kind == "zone":
            zh, en = ZONE_SUFFIX[spec.role]
            name, name_en = namer(rng, SECOND["zone"], zh, en)
        else:
            name, name_en = namer(rng, SECOND["district"], *SUFFIX["district"])
        district = _Node(DemoUnit(code, name, name_en, spec.kind, CITY_CODE, cells[spec.dd]))
        city.children.append(district)
        _add_towns(district, spec, seed, namer, density)
        resident = round(spec.resident * (1 + float(np.clip(pop_rng.normal(0, 0.02), -0.03, 0.03))))
        _populate_district(district, spec, resident, seed)

    for district in city.children:
        for town in district.children:
            for village in town.children:
                _populate_grids(village, seed, geometry=grids)

    _sum_up(city)
    units: list[DemoUnit] = []
    level = [city]
    while level:
        units.extend(node.unit for node in level)
        level = [child for node in level for child in node.children]
    return units


def _add_towns(district: _Node, spec: _DistrictSpec, seed: int, namer: _Namer, density) -> None:
    code = district.unit.code
    rng = _rng(seed, code, 4)
    towns = [
        (
            kind,
            max(1, c + (int(rng.integers(-1, 2)) if kind == "street" else 0)),
            max(0, v + (int(rng.integers(-1, 2)) if v > 3 else 0)),
        )
        for kind, c, v in spec.towns
    ]
    urban = spec.role in ("central", "hightech", "coop")
    seeds = _sample_seeds(
        district.unit.geometry, len(towns), rng, density if spec.role != "islands" else None
    )
    # The densest seeds go to the streets, the others to the towns.
    order = np.argsort(-density(seeds[:, 0], seeds[:, 1]), kind="stable")
    seeds = seeds[order]
    geoms = _partition_organic(district.unit.geometry, seeds, rng)
    n_street = n_town = 0
    for (kind, n_comm, n_vill), geom, seat in zip(towns, geoms, seeds, strict=True):
        if kind == "street":
            n_street += 1
            tcode = f"{code[:6]}{n_street:03d}000"
        else:
            tcode = f"{code[:6]}{100 + n_town:03d}000"
            n_town += 1
        name, name_en = namer(_rng(seed, tcode, 2), SECOND["town"], *SUFFIX[kind])
        town = _Node(DemoUnit(tcode, name, name_en, kind, code, geom))
        district.children.append(town)
        _add_villages(
            town, n_comm, n_vill, seat, seed, namer, density if kind == "street" else None, urban=urban
        )


def _add_villages(
    town: _Node, n_comm: int, n_vill: int, seat: np.ndarray, seed: int, namer: _Namer, density, *, urban: bool
) -> None:
    code = town.unit.code
    rng = _rng(seed, code, 4)
    geom = town.unit.geometry
    if density is None:  # a town: communities gather round the town seat
        sx, sy = (
            seat if geom.contains(shapely.Point(seat)) else np.array(geom.representative_point().coords[0])
        )
        sigma = 0.25 * math.sqrt(geom.area)

        def density(x, y, sx=sx, sy=sy, sigma=sigma):
            return 1.0 + 12.0 * np.exp(-(((x - sx) * KX) ** 2 + (y - sy) ** 2) / (2 * sigma * sigma))

    seeds = _sample_seeds(geom, n_comm + n_vill, rng, density)
    seeds = seeds[np.argsort(-density(seeds[:, 0], seeds[:, 1]), kind="stable")]
    geoms = _partition(geom, seeds)
    for i, g in enumerate(geoms):
        if i < n_comm:
            kind, vcode = "community", f"{code[:9]}{i + 1:03d}"
            weight = 1.0 if town.unit.kind == "street" else 0.55
        else:
            kind, vcode = "village", f"{code[:9]}{200 + i - n_comm + 1:03d}"
            weight = 1.0
        name, name_en = namer(_rng(seed, vcode, 2), SECOND[kind], *SUFFIX[kind])
        village = _Node(DemoUnit(vcode, name, name_en, kind, code, g), urban_weight=weight)
        base = 0.72 if kind == "village" else (0.46 if urban else 0.54)
        village.ratio = float(np.clip(rng.normal(base, 0.06), 0.2, 0.95))
        town.children.append(village)


def _populate_district(district: _Node, spec: _DistrictSpec, resident: int, seed: int) -> None:
    rng = _rng(seed, district.unit.code, 5)
    villages = [v for t in district.children for v in t.children]
    comms = [v for v in villages if v.unit.kind == "community"]
    vills = [v for v in villages if v.unit.kind == "village"]
    comm_total = resident if not vills else round(resident * spec.community_share)
    for group, total, sigma in ((comms, comm_total, 0.45), (vills, resident - comm_total, 0.55)):
        if not group:
            continue
        weights = rng.lognormal(0, sigma, len(group)) * np.array([v.urban_weight for v in group])
        for node, pop in zip(group, _split(total, weights), strict=True):
            node.unit.resident = int(pop)


def _populate_grids(village: _Node, seed: int, *, geometry: bool) -> None:
    unit = village.unit
    rng = _rng(seed, unit.code, 6)
    per_grid = rng.uniform(1000, 1500)
    n = int(np.clip(round(unit.resident / per_grid), 1, 25))
    pops = _split(unit.resident, rng.lognormal(0, 0.25, n))
    ratios = np.clip(village.ratio + rng.normal(0, 0.03, n), 0.1, 0.98)
    registered = np.minimum(np.rint(pops * ratios).astype("int64"), pops)
    if not geometry:
        unit.registered = int(registered.sum())
        unit.floating = unit.resident - unit.registered
        return
    geoms = _partition(unit.geometry, _sample_seeds(unit.geometry, n, _rng(seed, unit.code, 7)))
    for i, (g, pop, reg) in enumerate(zip(geoms, pops, registered, strict=True)):
        village.children.append(
            _Node(
                DemoUnit(
                    f"{unit.code}{i + 1:03d}",
                    f"{unit.name}第{i + 1}网格",
                    f"{unit.name_en} Grid {i + 1}",
                    "grid",
                    unit.code,
                    g,
                    int(pop),
                    int(reg),
                    int(pop - reg),
                )
            )
        )


def _sum_up(node: _Node) -> None:
    if not node.children:
        node.unit.floating = node.unit.resident - node.unit.registered
        return
    for child in node.children:
        _sum_up(child)
    node.unit.resident = sum(c.unit.resident for c in node.children)
    node.unit.registered = sum(c.unit.registered for c in node.children)
    node.unit.floating = node.unit.resident - node.unit.registered


# --- loading -----------------------------------------------------------------------------------


def _geojson(geom) -> dict:
    def ring(r) -> list:
        return np.round(np.asarray(r.coords), 6).tolist()

    def poly(p: Polygon) -> list:
        return [ring(p.exterior), *(ring(i) for i in p.interiors)]

    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": poly(geom)}
    return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom.geoms]}


def _spread(code: str, low: float, high: float) -> float:
    """A stable factor in [low, high) from a unit's code (the same city every time)."""
    h = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) / 0x100000000
    return low + (high - low) * h


def _gdp(u: DemoUnit) -> float:
    """GDP in 100 million yuan: about 110,000 yuan a head, more in the urban streets."""
    per_head = 11.0e4 * _spread(u.code, 0.7, 1.4) * (1.2 if u.kind in ("street", "community") else 1.0)
    return round(u.resident * per_head / 1e8, 2)


def _vehicles(u: DemoUnit) -> int:
    """Motor vehicles: about 280 per 1,000 residents."""
    return int(u.resident * 0.28 * _spread(u.code[::-1], 0.8, 1.2))


def load_city(
    units: list[DemoUnit], *, year: int, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Write the units and one Population row each for `year` into an empty divisions table.

    One transaction, bulk inserts, parents before children. Returns the number of units per kind.
    """
    from django.db import transaction

    from zhili.core.errors import Conflict
    from zhili.geo.importing import area_km2
    from zhili.geo.lookup import invalidate
    from zhili.geo.models import KIND_LEVEL, Kind, Population, Unit

    if Unit.objects.exists():
        raise Conflict("the divisions table is not empty; the demo city loads into an empty one")
    total = len(units)
    counts: dict[str, int] = {}
    ids: dict[str, int] = {}
    done = 0
    batch = 500
    with transaction.atomic():
        by_level: dict[int, list[DemoUnit]] = {}
        for u in units:
            by_level.setdefault(int(KIND_LEVEL[Kind(u.kind)]), []).append(u)
        for level in sorted(by_level):
            group = by_level[level]
            for start in range(0, len(group), batch):
                chunk = group[start : start + batch]
                rows = []
                for u in chunk:
                    geom = _round(u.geometry)
                    centroid = geom.centroid
                    if not centroid.within(geom):
                        centroid = geom.representative_point()
                    rows.append(
                        Unit(
                            code=u.code,
                            name=u.name,
                            name_en=u.name_en,
                            kind=u.kind,
                            level=level,
                            parent_id=ids[u.parent_code] if u.parent_code else None,
                            boundary=_geojson(geom),
                            centroid_lon=round(centroid.x, 6),
                            centroid_lat=round(centroid.y, 6),
                            area_km2=round(area_km2(geom), 4),
                        )
                    )
                    counts[u.kind] = counts.get(u.kind, 0) + 1
                created = Unit.objects.bulk_create(rows)
                if any(r.pk is None for r in created):  # backends that do not return ids
                    ids.update(
                        Unit.objects.filter(code__in=[r.code for r in created]).values_list("code", "id")
                    )
                else:
                    ids.update((r.code, r.pk) for r in created)
                Population.objects.bulk_create(
                    [
                        Population(
                            unit_id=ids[u.code],
                            year=year,
                            resident=u.resident,
                            registered=u.registered,
                            floating=u.floating,
                            gdp=_gdp(u),
                            vehicles=_vehicles(u),
                        )
                        for u in chunk
                    ]
                )
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    invalidate()
    return counts
