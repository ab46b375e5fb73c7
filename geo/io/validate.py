"""Geometry and CRS checks of a layer as read: repair what can be repaired, flag the rest.

Works on plain arrays of shapely geometries in file order and reports by position, like
:mod:`geo.io.coerce`; :mod:`geo.io.read` turns positions into row ids. Besides errors it warns
(non-fatal findings, the report's notes) of what is usually a digitising or typing slip:
compounds whose outlines overlap or repeat (:func:`check_geometries`), and rows far from the
rest of their layer (:func:`check_crs`).

Examples
--------
>>> from shapely.geometry import Polygon
>>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
>>> fixed, findings, repairs = check_geometries(np.array([bowtie], dtype=object), "polygon")
>>> fixed[0].geom_type, repairs[0][0], findings
('MultiPolygon', 0, [])
>>> suggest_crs(np.array([483000.0, 484000.0]), np.array([3766000.0, 3767000.0]))
'EPSG:4534–4554 (CGCS2000 3-degree Gauss-Kruger, e.g. EPSG:4547 for 114°E)'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from geo.io.coerce import Finding, bilingual
from geo.schema import GeomKind

__all__ = ["APPROXIMATE_DATUMS", "DATUMS", "DATUM_ON_METRES", "FAR_KM", "GEOMETRY_WORDS",
           "NO_GEOMETRY",
           "OVERLAP_SHARE", "check_crs", "check_geometries", "parse_crs", "suggest_crs"]

NO_GEOMETRY = "缺少几何 / no geometry"
"""The message of rows without a geometry (:mod:`geo.io.read` merges it with unreadable ones)."""

DATUMS = ("wgs84", "gcj02", "bd09")

#: How the problem of a GCJ-02/BD-09 datum declared for projected coordinates begins.
DATUM_ON_METRES = "偏移坐标只适用于经纬度"
"""Datums a user may declare for longitude/latitude coordinates (``datum=``)."""

_ALLOWED: dict[str, tuple[str, ...]] = {
    "polygon": ("Polygon", "MultiPolygon"),
    "point": ("Point",),
    "line": ("LineString", "MultiLineString"),
    "point_or_polygon": ("Point", "Polygon", "MultiPolygon"),
    "line_or_polygon": ("LineString", "MultiLineString", "Polygon", "MultiPolygon"),
}
_WANTED = {
    "polygon": ("面（边界）", "polygons (outlines)"),
    "point": ("点", "points"),
    "line": ("线", "lines"),
    "point_or_polygon": ("点或面", "points or polygons"),
    "line_or_polygon": ("线或面", "lines or polygons"),
}
#: Geometry types in words (Chinese, English), for messages and the read report
GEOMETRY_WORDS = {"Point": ("点", "point"), "MultiPoint": ("多部分点", "multi-part point"),
                  "LineString": ("线", "line"), "MultiLineString": ("多部分线", "multi-part line"),
                  "Polygon": ("面", "polygon"), "MultiPolygon": ("多部分面", "multi-part polygon"),
                  "GeometryCollection": ("几何集合", "geometry collection")}
_TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7}
_CRS_HINT = ("EPSG:4326、EPSG:4490、EPSG:4491–4554 或 EPSG:3857",
             "EPSG:4326, EPSG:4490, EPSG:4491–4554 or EPSG:3857")


def _polygonal(g: Any) -> Any:
    """The polygonal part of a geometry (after make_valid), or an empty polygon."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    merged = shapely.union_all(parts)
    return merged


def _lineal(g: Any) -> Any:
    if g.geom_type in ("LineString", "MultiLineString"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("LineString", "MultiLineString")]
    return shapely.line_merge(shapely.union_all(parts)) if parts else shapely.LineString()


def check_geometries(geoms: np.ndarray, kind: GeomKind) -> tuple[
        np.ndarray, list[Finding], list[tuple[int, str, str]]]:
    """Check and repair the geometries of a layer.

    Parameters
    ----------
    geoms
        Shapely geometries (or None) in file order.
    kind
        The geometry the layer needs (:attr:`geo.schema.LayerSchema.geometry`).

    Returns
    -------
    tuple
        Repaired geometries (2-D), findings (missing, empty, wrong type, unrepairable; and for
        polygons, warnings on pairs overlapping by more than :data:`OVERLAP_SHARE` of the
        smaller one, or identical), and repairs as ``(position, what was wrong, what it
        became)``.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    n = len(geoms)
    findings: list[Finding] = []
    missing = np.array([g is None for g in geoms], dtype=bool)
    present = ~missing
    empty = np.zeros(n, bool)
    empty[present] = shapely.is_empty(geoms[present].astype(object))
    if missing.any():
        findings.append(Finding("geometry", tuple(np.flatnonzero(missing).tolist()),
                                NO_GEOMETRY))
    if empty.any():
        findings.append(Finding("geometry", tuple(np.flatnonzero(empty).tolist()),
                                "几何为空 / empty geometry"))
    ok = present & ~empty
    if not ok.any():
        return geoms, findings, []
    has_z = shapely.has_z(geoms[ok])
    if has_z.any():
        geoms[ok] = shapely.force_2d(geoms[ok])
        findings.append(Finding("geometry", (), "坐标含高程（三维），已去掉 Z 值 / 3-D "
                                "coordinates: Z values dropped", fatal=False))
    bounds = shapely.bounds(geoms[ok])
    finite = np.zeros(n, bool)
    finite[ok] = np.isfinite(bounds).all(axis=1)
    bad_coords = ok & ~finite
    if bad_coords.any():
        findings.append(Finding("geometry", tuple(np.flatnonzero(bad_coords).tolist()),
                                "坐标不是数字（NaN 或无穷大） / coordinates are not numbers "
                                "(NaN or infinite)"))
    ok &= finite
    repairs: list[tuple[int, str, str]] = []
    wanted = _ALLOWED[kind]
    polygons_wanted = any(t.endswith("Polygon") for t in wanted)
    unrepairable: list[int] = []
    for i in np.flatnonzero(ok & ~shapely.is_valid(geoms)):
        g = geoms[i]
        reason = str(shapely.is_valid_reason(g))
        fixed = shapely.make_valid(g)
        if g.geom_type in ("Polygon", "MultiPolygon") and polygons_wanted:
            fixed = _polygonal(fixed)
        elif g.geom_type in ("LineString", "MultiLineString", "LinearRing"):
            fixed = _lineal(fixed)
        if fixed.is_empty:
            unrepairable.append(int(i))
            continue
        geoms[i] = fixed
        repairs.append((int(i), reason, fixed.geom_type))
    if unrepairable:
        findings.append(Finding("geometry", tuple(unrepairable),
                                "退化几何（没有面积或长度），make_valid 无法修复 / degenerate "
                                "geometry (no area or length) that make_valid cannot repair"))
        ok[unrepairable] = False
    wrong: dict[str, list[int]] = {}
    types = np.full(n, "", dtype=object)
    types[ok] = shapely.get_type_id(geoms[ok])
    fine = np.zeros(n, bool)
    fine[ok] = np.isin(types[ok].astype(int), [_TYPE_IDS[t] for t in wanted])
    for i in np.flatnonzero(ok & ~fine):  # only the odd ones are looked at one by one
        g = geoms[i]
        t = g.geom_type
        if t == "LinearRing":
            geoms[i] = shapely.LineString(g.coords)
            t = "LineString"
        if t == "MultiPoint" and "Point" in wanted and len(g.geoms) == 1:
            geoms[i] = g.geoms[0]
            t = "Point"
        if t == "GeometryCollection":
            only = {p.geom_type for p in g.geoms}
            if only <= {"Polygon", "MultiPolygon"} and polygons_wanted:
                geoms[i] = _polygonal(g)
                t = geoms[i].geom_type
        if t not in wanted:
            wrong.setdefault(t, []).append(int(i))
    for t, rows in wrong.items():
        zh = f"几何类型不符：{GEOMETRY_WORDS.get(t, (t,))[0]}（{t}），需要{_WANTED[kind][0]}"
        en = f"{t} where {_WANTED[kind][1]} are needed"
        if kind == "polygon" and t in ("Point", "MultiPoint"):
            zh += "；小区需要边界面（WKT 面列或 GIS 图层），只有位置点无法判断哪些小区相邻"
            en += ("; compounds need their outlines (a WKT polygon column, or a GIS layer), a "
                   "location point is not enough to tell which compounds are neighbours")
        findings.append(Finding("geometry", tuple(rows), f"{zh} / {en}"))
    if kind == "polygon":
        polygonal = ok.copy()
        polygonal[ok] = np.isin(shapely.get_type_id(geoms[ok]), [_TYPE_IDS["Polygon"],
                                                                  _TYPE_IDS["MultiPolygon"]])
        findings += _overlaps(geoms, np.flatnonzero(polygonal))
    return geoms, findings, repairs


OVERLAP_SHARE = 0.05
"""Overlaps up to this share of the smaller outline are digitising slivers, and not reported."""

_DUPLICATE_SHARE = 0.99
_MAX_PAIRS_SHOWN = 10


def _overlaps(geoms: np.ndarray, rows: np.ndarray) -> list[Finding]:
    """Warnings on compounds whose outlines overlap (or repeat): usually digitising errors.

    Pairs are found with an STRtree (``intersects``); those that only touch, or overlap by no
    more than :data:`OVERLAP_SHARE` of the smaller outline, are fine. Each pair is named, the
    first :data:`_MAX_PAIRS_SHOWN` one by one and the rest in one line.
    """
    if len(rows) < 2:
        return []
    polys = geoms[rows]
    left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    a, b = polys[left], polys[right]
    inside = ~shapely.touches(a, b)
    left, right, a, b = left[inside], right[inside], a[inside], b[inside]
    area_a, area_b = shapely.area(a), shapely.area(b)
    shared = shapely.area(shapely.intersection(a, b))
    smaller = np.minimum(area_a, area_b)
    share = np.divide(shared, smaller, out=np.zeros(len(shared)), where=smaller > 0)
    big = share > OVERLAP_SHARE
    if not big.any():
        return []
    same = shared >= _DUPLICATE_SHARE * np.maximum(area_a, area_b)
    order = np.lexsort((rows[right[big]], rows[left[big]]))
    pairs = list(zip(rows[left[big]][order].tolist(), rows[right[big]][order].tolist(),
                     share[big][order].tolist(), same[big][order].tolist(), strict=True))
    findings: list[Finding] = []
    for i, j, frac, dup in pairs[:_MAX_PAIRS_SHOWN]:
        if dup:
            msg = ("小区边界相同，可能重复录入：面积和户数会算两次，请保留其一 / identical "
                   "outlines: the same compound entered twice? Its area and households would "
                   "count twice; keep one")
        else:
            msg = (f"小区边界重叠，重叠部分占较小者面积的 {frac:.0%}，多为数字化误差（重叠部分"
                   f"算两次），请修正边界 / outlines overlap by {frac:.0%} of the smaller one's "
                   "area, usually a digitising error (the overlap counts twice); fix the "
                   "outlines")
        findings.append(Finding("geometry", (i, j), msg, fatal=False))
    rest = pairs[_MAX_PAIRS_SHOWN:]
    if rest:
        named = sorted({p for i, j, _, _ in rest for p in (i, j)})
        msg = (f"另有 {len(rest)} 对小区边界重叠（超过较小者面积的 {OVERLAP_SHARE:.0%}），"
               f"涉及以下小区，请修正边界 / and {len(rest)} more overlapping pairs, by more "
               f"than {OVERLAP_SHARE:.0%} of the smaller outline, among these compounds; fix "
               "the outlines")
        findings.append(Finding("geometry", tuple(named), msg, fatal=False))
    return findings


def parse_crs(value: Any) -> CRS | None:
    """A :class:`pyproj.CRS` from ``"EPSG:4547"``, ``4547``, WKT, or a CRS; None stays None.

    Raises
    ------
    ValueError
        When pyproj does not understand the value.
    """
    if value is None:
        return None
    try:
        return CRS.from_user_input(value)
    except ProjCRSError as exc:
        msg = bilingual(f"无法识别的坐标系：{value!r}，请用 {_CRS_HINT[0]}",
                        f"cannot understand the CRS {value!r}; use {_CRS_HINT[1]}")
        raise ValueError(msg) from exc


def suggest_crs(x: np.ndarray, y: np.ndarray, lang: str = "en") -> str:
    """Which CRS projected-looking coordinates in China are probably in (a hint for messages).

    Gauss-Kruger eastings are 200–800 km without a zone prefix; with one, the zone number leads
    (zone 38 -> 38,500,000). Web Mercator puts China at x ≈ 8–15.5 million metres. ``lang``
    ``"zh"`` gives the hint in Chinese, for the Chinese half of a message.

    Examples
    --------
    >>> suggest_crs(np.array([38_480_000.0]), np.array([3_766_000.0]))
    'EPSG:4526 (CGCS2000 3-degree Gauss-Kruger zone 38, easting with zone prefix)'
    >>> suggest_crs(np.array([38_480_000.0]), np.array([3_766_000.0]), "zh")
    'EPSG:4526（CGCS2000 3度带高斯-克吕格投影第38带，东坐标带带号）'
    """
    zh = lang == "zh"
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    hints: list[str] = []
    if 1.5e5 <= x0 and x1 <= 8.5e5 and 1.5e6 <= y0 and y1 <= 6.2e6:
        hints.append("EPSG:4534–4554（CGCS2000 3度带高斯-克吕格投影，如东经114°用 EPSG:4547）" if zh
                     else "EPSG:4534–4554 (CGCS2000 3-degree Gauss-Kruger, e.g. EPSG:4547 for "
                     "114°E)")
    zone = int(x0 // 1e6)
    if zone == int(x1 // 1e6) and 1.5e6 <= y0 and y1 <= 6.2e6:
        for first, last, epsg, width in ((25, 45, 4513, 3), (13, 23, 4491, 6)):
            if first <= zone <= last:
                hints.append(
                    f"EPSG:{epsg + zone - first}（CGCS2000 {width}度带高斯-克吕格投影第{zone}带，"
                    "东坐标带带号）" if zh else
                    f"EPSG:{epsg + zone - first} (CGCS2000 {width}-degree Gauss-Kruger zone "
                    f"{zone}, easting with zone prefix)")
    if 7.5e6 <= x0 and x1 <= 1.6e7 and 1.5e6 <= y0 and y1 <= 7.5e6:
        hints.append("EPSG:3857（Web墨卡托）" if zh else "EPSG:3857 (Web Mercator)")
    if zh:
        return " 或 ".join(hints) if hints else f"{_CRS_HINT[0]} 之一"
    return " or ".join(hints) if hints else f"one of {_CRS_HINT[1]}"


def _ranges(x: np.ndarray, y: np.ndarray) -> str:
    """The coordinates' ranges as a planner reads them (metres whole, degrees to 1e-4).

    >>> _ranges(np.array([481900.2, 484900.7]), np.array([3765500.0, 3768500.0]))
    'x 481,900…484,901, y 3,765,500…3,768,500'
    >>> _ranges(np.array([113.82617, 113.9]), np.array([34.03, 34.1]))
    'x 113.8262…113.9, y 34.03…34.1'
    """
    def num(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4f}".rstrip("0").rstrip(".")

    return f"x {num(np.min(x))}…{num(np.max(x))}, y {num(np.min(y))}…{num(np.max(y))}"


def _looks_swapped(x: np.ndarray, y: np.ndarray) -> bool:
    """Latitude in x and longitude in y, for China: clear when y cannot be a latitude."""
    return bool(np.all((x >= 3) & (x <= 54) & (y >= 73) & (y <= 136)) and np.any(y > 90))


def _degrees(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))


def check_crs(geoms: np.ndarray, file_crs: CRS | None, *, declared: Any = None,
              default: Any = None, datum: str | None = None
              ) -> tuple[CRS | None, str, list[Finding]]:
    """Decide the CRS of a layer and check that the coordinates fit it.

    Parameters
    ----------
    geoms
        Geometries (None and empty allowed) in file order.
    file_crs
        The CRS the file declares.
    declared
        The CRS the user declared for this very file (the app's data page): it wins over the
        file's, with a note when they differ.
    default
        The CRS of coordinates whose file declares none (``pianqu --crs``); a file's own CRS is
        kept. Two cases where the file's CRS, or the default, cannot be right are settled with a
        note instead of an error: a file CRS that cannot hold the coordinates (metres in a
        GeoJSON that GDAL stamped WGS84, degrees under a projected ``.prj``) gives way to the
        default when they fit it, and longitude/latitude under a projected default is read as
        WGS84, as it is without a default.
    datum
        ``"gcj02"`` or ``"bd09"`` when the user declared shifted longitude/latitude.

    Returns
    -------
    tuple
        The CRS (None only when there is a fatal finding), where it came from (``"file"``,
        ``"declared"`` (by ``declared`` or ``default``), ``"assumed"``), and findings (swapped or
        projected-looking coordinates, coordinates outside the CRS's area, a datum on projected
        coordinates; a warning on rows far from the rest of the layer).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> metres = np.array([Point(483000, 3766000)], dtype=object)
    >>> crs, source, _ = check_crs(metres, None, default="EPSG:4547")
    >>> crs.to_epsg(), source
    (4547, 'declared')
    >>> crs, source, _ = check_crs(metres, CRS.from_epsg(4546), default="EPSG:4547")
    >>> crs.to_epsg(), source
    (4546, 'file')
    """
    findings: list[Finding] = []
    try:
        user = parse_crs(declared)
        fallback = parse_crs(default)
    except ValueError as exc:
        return None, "declared", [Finding("crs", (), str(exc))]
    crs: CRS | None
    if user is not None:
        crs, source = user, "declared"
        if file_crs is not None and not user.equals(file_crs):
            msg = bilingual(f"使用声明的坐标系：文件注明 {_name(file_crs)}，已按声明的 "
                            f"{_name(user)} 读取",
                            f"the file says {_name(file_crs)}; the declared {_name(user)} was "
                            "used")
            findings.append(Finding("crs", (), msg, fatal=False))
    elif file_crs is not None:
        crs, source = file_crs, "file"
    else:
        crs, source = fallback, "declared" if fallback is not None else "file"
    if datum is not None and datum.lower() not in DATUMS:
        findings.append(Finding("crs", (), bilingual(
            f"未知坐标偏移：{datum!r}；可用 gcj02、bd09、wgs84",
            f"unknown datum {datum!r}; allowed: gcj02, bd09, wgs84")))
    xy = _coordinates(geoms)
    if xy is not None:
        fitted, how, found = _fit(crs, *xy, datum=datum)
        if fallback is not None and user is None and any(f.fatal for f in found):
            crs, source, found = _instead(file_crs, fallback, xy, (fitted, how, found))
        else:
            crs, source = fitted, how or source
        findings += found
    if crs is not None and not crs.is_geographic and datum not in (None, "wgs84"):
        msg = bilingual(f"{DATUM_ON_METRES}：声明了 {datum}，但坐标是 {_name(crs)}（米）",
                        f"datum {datum} applies to longitude/latitude but the coordinates are in "
                        f"{_name(crs)} (metres)")
        findings.append(Finding("crs", (), msg))
    if crs is not None and not any(f.fatal for f in findings):
        findings += _far_rows(geoms, crs)
        findings += _approximate_datum(crs)
    return crs, source, findings


#: Geodetic datums (pyproj's names) that PROJ can take to WGS84 / CGCS2000 only by a "ballpark"
#: offset: China's old datums have no published parameters, so positions come out tens of
#: metres off (67 m measured on the sample in Beijing 1954).
APPROXIMATE_DATUMS: dict[str, str] = {"Beijing 1954": "北京54", "New Beijing": "新北京54",
                                      "Xian 1980": "西安80"}


def _approximate_datum(crs: CRS) -> list[Finding]:
    """A note when the layer's datum converts to WGS84 only approximately.

    >>> [f.fatal for f in _approximate_datum(CRS.from_epsg(2383))]
    [False]
    >>> _approximate_datum(CRS.from_epsg(4547))
    []
    """
    datum = crs.datum.name if crs.datum is not None else ""
    if datum not in APPROXIMATE_DATUMS:
        return []
    msg = bilingual(f"{_name(crs)} 属{APPROXIMATE_DATUMS[datum]}坐标系，与 CGCS2000/WGS84 之间"
                    "没有公开的转换参数，只能近似转换，位置可能偏差数十米；如有本地转换参数，"
                    "请先在 GIS 中转为 CGCS2000",
                    f"{_name(crs)} is on the {datum} datum, which converts to CGCS2000/WGS84 "
                    "only approximately (no published parameters): positions may be tens of "
                    "metres off; with the city's local parameters, convert the file to CGCS2000 "
                    "in a GIS first")
    return [Finding("crs", (), msg, fatal=False)]


FAR_KM = 5.0
"""Rows nearer than this to the middle of their layer are never reported as far away."""

_FAR_SPREADS = 10.0  # ... nor those within this many times the layer's median distance
_FAR_MAX_SHARE = 0.05  # more rows than this far away: a layer of several areas, not typos
_FAR_MIN_ROWS = 5


def _far_rows(geoms: np.ndarray, crs: CRS) -> list[Finding]:
    """A warning naming the rows far from the rest of their layer (a typo, or a wrong CRS).

    Distances are from the layer's median point to each feature's bounding-box centre, in km
    (degrees by the local length of a degree). A row is far when it lies more than
    :data:`FAR_KM` and more than ten times the median distance from that point, and only when
    few rows are (at most 5%).
    """
    geoms = np.asarray(geoms, dtype=object)
    present = np.flatnonzero(np.array([g is not None for g in geoms], dtype=bool))
    if len(present) < _FAR_MIN_ROWS:
        return []
    b = shapely.bounds(geoms[present])
    usable = np.isfinite(b).all(axis=1)
    rows, b = present[usable], b[usable]
    if len(rows) < _FAR_MIN_ROWS:
        return []
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    mx, my = float(np.median(cx)), float(np.median(cy))
    if crs.is_geographic:
        kx, ky = 111.32 * np.cos(np.radians(np.clip(my, -89.0, 89.0))), 110.57
    else:
        kx = ky = crs.axis_info[0].unit_conversion_factor / 1000 if crs.axis_info else 1e-3
    km = np.hypot((cx - mx) * kx, (cy - my) * ky)
    typical = float(np.median(km))
    far = km > max(FAR_KM, _FAR_SPREADS * typical)
    if not far.any() or far.sum() > max(1, _FAR_MAX_SHARE * len(km)):
        return []
    shown = ", ".join(f"{x:,.0f} km" for x in km[far][:5]) + (" …" if far.sum() > 5 else "")
    msg = (f"距图层其余要素 {shown}（其余一半在中心 {typical:,.1f} km 内），可能是坐标输错或坐标系"
           f"不对，请核对这些行 / {shown} from the rest of the layer (half of it lies within "
           f"{typical:,.1f} km of its middle): likely a typo in the coordinates or a wrong CRS; "
           "check these rows")
    return [Finding("geometry", tuple(rows[far].tolist()), msg, fatal=False)]


def _coordinates(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The x and y of every finite bounding-box corner; None when there is none."""
    geoms = np.asarray(geoms, dtype=object)
    present = np.array([g is not None for g in geoms], dtype=bool)
    usable = geoms[present]
    usable = usable[~shapely.is_empty(usable)] if len(usable) else usable
    b = shapely.bounds(usable) if len(usable) else np.empty((0, 4))
    b = b[np.isfinite(b).all(axis=1)]
    if len(b) == 0:
        return None
    return np.concatenate([b[:, 0], b[:, 2]]), np.concatenate([b[:, 1], b[:, 3]])


def _instead(file_crs: CRS | None, default: CRS, xy: tuple[np.ndarray, np.ndarray],
             first: tuple[CRS | None, str | None, list[Finding]]
             ) -> tuple[CRS | None, str, list[Finding]]:
    """What :func:`check_crs` does when the CRS it chose cannot hold the coordinates.

    A file CRS gives way to ``default`` when the coordinates fit the default; a default that
    does not fit gives way to what the coordinates say without one (WGS84 for degrees). Else
    the first findings stand.
    """
    fitted, how, found = _fit(default if file_crs is not None else None, *xy)
    if not any(f.fatal for f in found):
        if file_crs is not None:
            msg = bilingual(f"文件坐标系与坐标不符，改用默认坐标系：文件注明 {_name(file_crs)}，"
                            f"但坐标（{_ranges(*xy)}）不可能在其中；已按默认的 {_name(default)}"
                            "（--crs）读取",
                            f"the file says {_name(file_crs)}, which its coordinates "
                            f"({_ranges(*xy)}) cannot be in; the default {_name(default)} "
                            "(--crs) was used")
            return fitted, "declared", [Finding("crs", (), msg, fatal=False)]
        msg = bilingual(f"坐标是经纬度（{_ranges(*xy)}），不是默认的{_name(default)}（--crs），"
                        "按 WGS84（EPSG:4326）读取",
                        f"the coordinates ({_ranges(*xy)}) are longitude/latitude, not the "
                        f"default {_name(default)} (--crs); read as WGS84 (EPSG:4326)")
        return fitted, how or "assumed", [Finding("crs", (), msg, fatal=False)]
    crs, how, found = first
    return crs, how or ("file" if file_crs is not None else "declared"), found


def _fit(crs: CRS | None, x: np.ndarray, y: np.ndarray, *, datum: str | None = None
         ) -> tuple[CRS | None, str | None, list[Finding]]:
    """Whether coordinates fit a CRS.

    Returns the CRS they get, its source when not the CRS given (``"assumed"``: WGS84 for
    degrees without a CRS, or the ``datum`` declared), and the findings.
    """
    findings: list[Finding] = []
    if crs is None or crs.is_geographic:
        if _looks_swapped(x, y):
            msg = (f"经纬度疑似颠倒（{_ranges(x, y)}）：x 为纬度、y 为经度，请交换经度、纬度两列 / "
                   f"coordinates look swapped ({_ranges(x, y)}): latitude is in x and longitude "
                   "in y; swap the longitude/latitude columns")
            return crs, None, [Finding("geometry", (), msg)]
        if not _degrees(x, y):
            said = "the file has no CRS" if crs is None else f"the CRS is {_name(crs)} (degrees)"
            said_zh = "文件没有坐标系" if crs is None else f"坐标系 {_name(crs)} 是经纬度"
            msg = bilingual(f"坐标像投影坐标（{_ranges(x, y)}），但{said_zh}；请声明坐标系（命令行 "
                            f"--crs；应用中：坐标系 → 其他（EPSG）），如 {suggest_crs(x, y, 'zh')}",
                            f"coordinates look projected ({_ranges(x, y)}) but {said}; declare "
                            "its CRS (pianqu --crs; in the app: Coordinates → Other (EPSG)), "
                            f"e.g. {suggest_crs(x, y)}")
            return crs, None, [Finding("crs", (), msg)]
        if crs is None and datum in ("gcj02", "bd09"):  # as declared: no assumption to check
            return CRS.from_epsg(4326), None, findings
        if crs is None:
            msg = ("文件无坐标系，坐标像经纬度，按 WGS84（EPSG:4326）读取 / no CRS in the file; "
                   "coordinates look like longitude/latitude, assumed WGS84 (EPSG:4326)")
            return CRS.from_epsg(4326), "assumed", [Finding("crs", (), msg, fatal=False)]
        return crs, None, findings
    if _degrees(x, y):
        msg = bilingual(f"坐标像经纬度（{_ranges(x, y)}），但坐标系 {_name(crs)} 是投影坐标系"
                        "（米）；请声明 EPSG:4326（命令行 --crs，应用中：坐标系 → 其他（EPSG））"
                        "或改正 .prj",
                        f"coordinates look like degrees ({_ranges(x, y)}) but the CRS is "
                        f"{_name(crs)} (metres); declare EPSG:4326 (pianqu --crs; in the app: "
                        "Coordinates → Other (EPSG)) or fix the .prj")
        return crs, None, [Finding("crs", (), msg)]
    outside = _outside_area(crs, x, y)
    if outside:
        area_zh = outside.replace("lon ", "经度 ").replace(", lat ", "，纬度 ")
        msg = bilingual(f"坐标（{_ranges(x, y)}）超出 {_name(crs)} 的适用范围（{area_zh}），"
                        f"分带选错了？或许是 {suggest_crs(x, y, 'zh')}",
                        f"coordinates ({_ranges(x, y)}) lie outside the area of {_name(crs)} "
                        f"({outside}); wrong zone? perhaps {suggest_crs(x, y)}")
        findings.append(Finding("crs", (), msg))
    return crs, None, findings


def _name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _outside_area(crs: CRS, x: np.ndarray, y: np.ndarray) -> str | None:
    """Describe the CRS's area of use when the layer's centre falls well outside it."""
    area = crs.area_of_use
    if area is None:
        return None
    cx, cy = (np.min(x) + np.max(x)) / 2, (np.min(y) + np.max(y)) / 2
    # to the CRS's own geodetic datum: an inverse projection, no datum-shift search (fast)
    geodetic = crs.geodetic_crs or CRS.from_epsg(4326)
    lon, lat = Transformer.from_crs(crs, geodetic, always_xy=True).transform(cx, cy)
    w, s, e, n = area.bounds
    margin = 3.0
    if (np.isfinite(lon) and np.isfinite(lat) and w - margin <= lon <= e + margin
            and s - margin <= lat <= n + margin):
        return None
    return f"lon {w:g}–{e:g}, lat {s:g}–{n:g}"
