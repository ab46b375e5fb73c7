"""The bundled sample district: a synthetic old town placed in Xuchang, Henan (EPSG:4547).

The district is SYNTHETIC: street names, compound names and every number are generated. It is
placed over Xuchang's old town so that coordinates, the CRS choice and distances are realistic,
and it has what a real district has: an irregular street grid with arterials, a river and a
railway that cut it, compounds built 1975–2010 (so some are not eligible), touching compounds, a
compound with a courtyard hole, a compound in two parts, a few isolated compounds, sparse existing
facilities and candidate sites.

Examples
--------
>>> layers = load_sample()
>>> sorted(layers)
['barriers', 'communities', 'facilities', 'sites', 'streets']
>>> layers["communities"].crs.to_epsg()
4547
>>> 300 <= len(layers["communities"]) <= 500
True
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.ops import polygonize, unary_union

__all__ = [
    "DEFAULT_SEED",
    "SAMPLE_CRS",
    "SAMPLE_LAYERS",
    "SAMPLE_PATH",
    "generate_sample",
    "load_sample",
    "write_sample",
]

SAMPLE_PATH = Path(__file__).resolve().parent.parent / "data" / "sample" / "district.gpkg"
SAMPLE_CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E, Xuchang's zone
SAMPLE_LAYERS = ("communities", "facilities", "sites", "streets", "barriers")
DEFAULT_SEED = 20261123

# Xuchang old town (魏都区), about 113.82E 34.03N, in EPSG:4547 metres.
_CENTRE = (483_400.0, 3_767_000.0)
_HALF = 1_500.0  # the district is 3 km x 3 km
_SPACING = 165.0  # local street spacing (m)
_FIXED_DATE = "2026-01-01T00:00:00.000Z"  # GeoPackage timestamps, so rewrites are identical

_ROAD_WIDTH = {"primary": 30.0, "secondary": 20.0, "residential": 10.0, "footway": 4.0}
_ARTERIAL_NAMES_NS = ("建安大道", "文峰路", "七一路", "劳动路")
_ARTERIAL_NAMES_EW = ("魏武大道", "八一路", "许昌路")
_LOCAL_NAMES = tuple((
    "健康路 光明路 胜利街 和平路 团结路 育才街 东风路 西大街 南关街 "
    "北大街 春秋路 延安路 建设路 交通路 新兴路 文化街 仓库路 学院路 "
).split())
_PREFIXES = tuple((
    "建设 文化 东风 劳动 七一 八一 健康 光明 胜利 和平 团结 育才 "
    "铁路 棉纺厂 烟厂 机械厂 电业局 供销社 粮食局 卫生局 教育局 "
    "财政局 许继 化肥厂 纺织 邮电 人民 工商 税务 水利 公路 建筑公司 "
    "印刷厂 发电厂 针织厂 食品厂 百货 五金 药材 农机 "
).split())
_SUFFIXES = ('家属院', '小区', '宿舍', '新村', '家属楼', '生活区')
_SUBDISTRICTS = ("西大街道", "东大街道", "南关街道", "北大街道", "丁庄街道", "高桥营街道")
_FACILITY_COUNTS = {"elderly_care": 6, "ev_charger": 5, "parking": 10, "clinic": 5, "market": 6,
                    "kindergarten": 8}
_FACILITY_NAMES = {"elderly_care": "日间照料中心", "ev_charger": "充电站", "parking": "公共停车场",
                   "clinic": "社区卫生服务站", "market": "菜市场", "kindergarten": "幼儿园"}
_CAPACITY = {"elderly_care": (350, 900), "ev_charger": (8, 40), "parking": (40, 220),
             "clinic": (3000, 10000), "market": (5000, 20000), "kindergarten": (90, 360)}


def generate_sample(*, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """Generate the synthetic sample district.

    Parameters
    ----------
    seed
        Seed of every random choice; the same seed gives the same district.

    Returns
    -------
    dict of GeoDataFrame
        Layers ``communities``, ``facilities``, ``sites``, ``streets``, ``barriers`` in
        EPSG:4547, indexed by their id columns, with the canonical columns of geo.schema.
    """
    rng = np.random.default_rng(seed)
    river, railway = _barrier_lines(rng)
    streets = _streets(rng, river, railway)
    blocks = _blocks(streets, river, railway)
    use = rng.random(len(blocks))
    residential = [b for b, u in zip(blocks, use, strict=True) if u < 0.8]
    open_ground = [b for b, u in zip(blocks, use, strict=True) if u >= 0.8]
    communities = _communities(rng, residential, railway)
    facilities = _facilities(rng, open_ground, streets)
    sites = _sites(rng, open_ground, communities)
    barriers = gpd.GeoDataFrame(
        {"barrier_id": ["B001", "B002"], "name": ["清潩河（示意）", "京广铁路（示意）"],
         "barrier_kind": ["river", "railway"], "geometry": [river, railway]},
        crs=SAMPLE_CRS).set_index("barrier_id")
    return {"communities": communities, "facilities": facilities, "sites": sites,
            "streets": streets, "barriers": barriers}


def write_sample(out_dir: str | Path, *, seed: int = DEFAULT_SEED) -> Path:
    """Generate the sample and write it as ``district.gpkg`` (one layer per canonical layer).

    Writing twice with the same seed gives byte-identical files (GeoPackage timestamps are fixed).
    """
    import pyogrio

    out = Path(out_dir) / "district.gpkg"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    layers = generate_sample(seed=seed)
    previous = os.environ.get("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    try:
        for name in SAMPLE_LAYERS:
            gdf = layers[name].reset_index()
            pyogrio.write_dataframe(gdf, out, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return out


def load_sample(path: str | Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read the bundled sample district (or a file written by :func:`write_sample`).

    It goes through :func:`geo.io.read_layers`, the same validated reader as a planner's files.
    """
    from geo.io import read_layers

    src = Path(path) if path is not None else SAMPLE_PATH
    results = read_layers(src)
    missing = sorted(set(SAMPLE_LAYERS) - set(results))
    if missing:
        msg = f"{src} is not a sample district: layers {missing} are missing"
        raise ValueError(msg)
    return {name: results[name].gdf for name in SAMPLE_LAYERS}


# --- geometry ------------------------------------------------------------------------------


def _barrier_lines(rng: np.random.Generator) -> tuple[LineString, LineString]:
    cx, cy = _CENTRE
    xs = np.linspace(cx - _HALF - 50, cx + _HALF + 50, 80)
    phase = rng.uniform(0, 2 * np.pi)
    ys = cy - 420 + 110 * np.sin(2 * np.pi * (xs - xs[0]) / 1400 + phase)
    ys += np.cumsum(rng.normal(0, 4, len(xs)))
    river = LineString(np.column_stack([xs, ys]))
    railway = LineString([(cx + 1_080, cy - _HALF - 50), (cx + 1_230, cy + _HALF + 50)])
    return river, railway


def _streets(rng: np.random.Generator, river: LineString,
             railway: LineString) -> gpd.GeoDataFrame:
    cx, cy = _CENTRE
    n = int(2 * _HALF // _SPACING) + 1
    gx = cx - _HALF + np.arange(n) * _SPACING
    gy = cy - _HALF + np.arange(n) * _SPACING
    nodes = np.stack(np.meshgrid(gx, gy, indexing="xy"), axis=-1)  # nodes[row, col] = (x, y)
    nodes = nodes + rng.normal(0, 22, nodes.shape)
    ns_cols = (2, 6, 11, 15)  # arterial columns (north-south)
    ew_rows = (3, 9, 14)  # arterial rows (east-west)
    features: list[dict[str, object]] = []
    for k, col in enumerate(ns_cols):
        features.append({"name": _ARTERIAL_NAMES_NS[k], "road_class": "primary",
                         "geometry": LineString(nodes[:, col])})
    for k, row in enumerate(ew_rows):
        features.append({"name": _ARTERIAL_NAMES_EW[k], "road_class": "primary",
                         "geometry": LineString(nodes[row, :])})
    # An old diagonal road that crosses the grid without nodes: the reader must node it.
    features.append({"name": "老城斜街", "road_class": "secondary",
                     "geometry": LineString([nodes[1, 1], nodes[8, 8], nodes[12, 10]])})
    river_zone = river.buffer(15)
    rail_zone = railway.buffer(10)
    local_names = iter(np.resize(np.array(_LOCAL_NAMES), 4 * n * n))
    for r in range(n):
        for c in range(n):
            for dr, dc in ((0, 1), (1, 0)):
                r2, c2 = r + dr, c + dc
                if r2 >= n or c2 >= n:
                    continue
                if (dr == 0 and r in ew_rows) or (dc == 0 and c in ns_cols):
                    continue  # the arterial runs here
                line = LineString([nodes[r, c], nodes[r2, c2]])
                if line.intersects(river_zone) and not (r == 5 and dr == 1 and c == 8):
                    continue  # no bridge, except one footbridge
                if line.intersects(rail_zone):
                    continue  # crossings only at the arterials
                if rng.random() < 0.12:
                    continue  # irregular blocks
                road_class = "residential" if rng.random() > 0.08 else "footway"
                if line.intersects(river_zone):
                    road_class = "footway"
                features.append({"name": str(next(local_names)), "road_class": road_class,
                                 "geometry": line})
    gdf = gpd.GeoDataFrame(features, crs=SAMPLE_CRS)
    gdf.insert(0, "street_id", [f"R{i:04d}" for i in range(1, len(gdf) + 1)])
    return gdf.set_index("street_id")


def _blocks(streets: gpd.GeoDataFrame, river: LineString, railway: LineString) -> list[Polygon]:
    cx, cy = _CENTRE
    frame = box(cx - _HALF, cy - _HALF, cx + _HALF, cy + _HALF)
    lines = [*streets.geometry, river, railway, frame.exterior]
    faces = list(polygonize(unary_union(lines)))
    widths = streets["road_class"].map(_ROAD_WIDTH).to_numpy()
    corridor = unary_union([*shapely.buffer(streets.geometry.to_numpy(), widths / 2 + 4),
                            river.buffer(30), railway.buffer(20)])
    blocks = []
    for face in sorted(faces, key=lambda f: (round(f.centroid.y, 3), round(f.centroid.x, 3))):
        if not face.intersects(frame):
            continue
        inner = face.intersection(frame).difference(corridor)
        for part in getattr(inner, "geoms", [inner]):
            if isinstance(part, Polygon) and part.area > 2_500:
                blocks.append(part)
    return blocks


def _split(block: Polygon, k: int, rng: np.random.Generator) -> list[Polygon]:
    """Cut a block into k strips across its longer axis, with jittered cut positions."""
    if k == 1:
        return [block]
    rect = block.minimum_rotated_rectangle
    xy = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = xy[1] - xy[0], xy[2] - xy[1]
    axis, across = (e1, e2) if np.hypot(*e1) >= np.hypot(*e2) else (e2, e1)
    origin = xy[0] if np.hypot(*e1) >= np.hypot(*e2) else xy[1]
    cuts = np.sort(np.clip((np.arange(1, k) + rng.normal(0, 0.12, k - 1)) / k, 0.15, 0.85))
    bounds = [0.0, *cuts, 1.0]
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        p0 = origin + axis * a - across * 0.1
        strip = Polygon([p0, origin + axis * b - across * 0.1,
                         origin + axis * b + across * 1.1, origin + axis * a + across * 1.1])
        piece = block.intersection(strip)
        if rng.random() < 0.5:  # a wall or lane between compounds; else they touch
            piece = piece.buffer(-2.0)
        polys = [g for g in getattr(piece, "geoms", [piece])
                 if isinstance(g, Polygon) and g.area > 800]
        parts.extend(polys)
    return parts


def _communities(rng: np.random.Generator, blocks: list[Polygon],
                 railway: LineString) -> gpd.GeoDataFrame:
    polys: list[Polygon | MultiPolygon] = []
    for block in blocks:
        k = int(np.clip(round(block.area / 8_500 + rng.normal(0, 0.4)), 1, 4))
        polys.extend(_split(block, k, rng))
    # Awkward shapes planners meet: a courtyard hole and a compound in two parts.
    big = int(np.argmax([p.area for p in polys]))
    c = polys[big].representative_point()
    polys[big] = polys[big].difference(c.buffer(18, quad_segs=2))
    second = int(np.argsort([p.area for p in polys])[-2])
    p = polys[second]
    lane = LineString([(p.centroid.x - 500, p.centroid.y), (p.centroid.x + 500, p.centroid.y)])
    cut = p.difference(lane.buffer(3))
    if isinstance(cut, MultiPolygon) and min(g.area for g in cut.geoms) > 500:
        polys[second] = cut
    n = len(polys)
    area = np.array([p.area for p in polys])
    far = rng.uniform(1.3, 3.0, n)
    unit = rng.uniform(65, 95, n)
    households = np.clip(np.round(area * far / unit), 50, 1500).astype(int)
    small = rng.choice(n, size=max(3, n // 40), replace=False)
    households[small] = rng.integers(50, 120, len(small))  # small scattered compounds
    year = np.clip(np.round(rng.normal(1991, 8, n)), 1975, 2010).astype(int)
    consent = np.clip(rng.beta(6, 2, n), 0.3, 1.0).round(3)
    elderly = np.clip(0.12 + (2010 - year) * 0.006 + rng.normal(0, 0.04, n), 0.05, 0.45).round(3)
    centroids = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    seeds = np.array([[-700, 700], [700, 700], [-700, -900], [0, 150], [700, -600]])
    seeds = seeds + np.array(_CENTRE)
    sub_idx = np.argmin(((centroids[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    east_of_rail = np.array([_side(railway, xy) > 0 for xy in centroids])
    names = _unique_names(rng, n)
    data = pd.DataFrame({
        "community_id": [f"C{i:04d}" for i in range(1, n + 1)],
        "name": names,
        "district": "魏都区",
        "subdistrict": [_SUBDISTRICTS[i] for i in sub_idx],
        "households": households,
        "population": np.round(households * rng.uniform(2.4, 3.0, n)).astype(int),
        "buildings": np.maximum(1, np.round(households / rng.uniform(24, 60, n))).astype(int),
        "floor_area_m2": np.round(households * unit, 1),
        "built_year": year,
        "consent_rate": consent,
        "elderly_share": elderly,
        "parking_spaces": np.round(households * rng.uniform(0.03, 0.35, n)).astype(int),
        "ev_chargers": np.where(rng.random(n) < 0.15, rng.integers(1, 12, n), 0),
    })
    data.loc[east_of_rail, "subdistrict"] = _SUBDISTRICTS[5]  # the strip beyond the railway
    gdf = gpd.GeoDataFrame(data, geometry=polys, crs=SAMPLE_CRS)
    return gdf.set_index("community_id")


def _side(line: LineString, xy: np.ndarray) -> float:
    """Positive when ``xy`` lies right of the line (east of a south-to-north line)."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    return -float((x1 - x0) * (xy[1] - y0) - (y1 - y0) * (xy[0] - x0))


def _unique_names(rng: np.random.Generator, n: int) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    numerals = "一二三四五六七八九十"
    for _ in range(n):
        base = str(rng.choice(_PREFIXES)) + str(rng.choice(_SUFFIXES))
        k = seen.get(base, 0)
        seen[base] = k + 1
        names.append(base if k == 0 else f"{base}{numerals[min(k, 9)]}区")
    for base, count in seen.items():  # the first of a repeated name becomes 一区 as well
        if count > 1:
            names[names.index(base)] = f"{base}一区"
    return names


def _random_point_in(poly: Polygon, rng: np.random.Generator) -> Point:
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(200):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            return p
    return poly.representative_point()


def _facilities(rng: np.random.Generator, open_ground: list[Polygon],
                streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    hosts = rng.permutation(len(open_ground))
    k = 0
    for kind, count in _FACILITY_COUNTS.items():
        lo, hi = _CAPACITY[kind]
        for j in range(count):
            if kind in ("ev_charger", "parking") and j % 2 == 1:
                # kerbside lots and chargers along the arterials
                road = streets[streets["road_class"] == "primary"].geometry.iloc[
                    int(rng.integers(0, (streets["road_class"] == "primary").sum()))]
                pt = road.interpolate(float(rng.uniform(0.1, 0.9)), normalized=True)
                pt = Point(pt.x + 18, pt.y + 18)
            else:
                pt = _random_point_in(open_ground[int(hosts[k % len(hosts)])], rng)
                k += 1
            rows.append({"kind": kind, "name": f"{_LOCAL_NAMES[(k + j) % len(_LOCAL_NAMES)][:2]}"
                                               f"{_FACILITY_NAMES[kind]}",
                         "capacity": float(rng.integers(lo, hi)), "geometry": pt})
    gdf = gpd.GeoDataFrame(rows, crs=SAMPLE_CRS)
    gdf.insert(0, "facility_id", [f"F{i:03d}" for i in range(1, len(gdf) + 1)])
    return gdf.set_index("facility_id")


def _sites(rng: np.random.Generator, open_ground: list[Polygon],
           communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows: list[dict[str, object]] = []
    options = (("parking,ev_charger", (60, 200), (80, 300)),
               ("ev_charger", (10, 40), (15, 60)),
               ("elderly_care", (350, 900), (150, 450)),
               ("parking", (40, 160), (50, 250)))
    for i in rng.permutation(len(open_ground))[: max(1, int(len(open_ground) * 0.7))]:
        kinds, (clo, chi), (wlo, whi) = options[int(rng.integers(0, len(options)))]
        rows.append({"kinds": kinds, "name": f"空地{len(rows) + 1}号",
                     "capacity": float(rng.integers(clo, chi)),
                     "cost": float(rng.integers(wlo, whi)),
                     "geometry": _random_point_in(open_ground[int(i)], rng)})
    # Courtyards inside the largest compounds can take chargers and a small care room.
    for cid in communities["households"].nlargest(12).index:
        poly = communities.geometry.loc[cid]
        kinds = "ev_charger" if rng.random() < 0.6 else "elderly_care"
        cap = float(rng.integers(6, 20)) if kinds == "ev_charger" else float(rng.integers(200, 400))
        rows.append({"kinds": kinds, "name": f"{communities.loc[cid, 'name']}院内空地",
                     "capacity": cap, "cost": float(rng.integers(10, 120)),
                     "geometry": poly.representative_point()})
    gdf = gpd.GeoDataFrame(rows, crs=SAMPLE_CRS)
    gdf.insert(0, "site_id", [f"S{i:03d}" for i in range(1, len(gdf) + 1)])
    return gdf.set_index("site_id")
