"""Coordinate reference systems as Chinese planners have them, and a metric CRS for analysis.

Planners bring coordinates in WGS84 (GPS, OpenStreetMap), CGCS2000 (EPSG:4490, the national datum)
or one of its Gauss-Kruger zones (EPSG:4491–4554), Web Mercator (EPSG:3857), or in the shifted
datums of Chinese web maps: GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu). GCJ-02 and BD-09 have
no EPSG code; the user declares them and :func:`shift_datum` converts them to WGS84.

Every distance is measured in metres in a CGCS2000 3-degree Gauss-Kruger zone
(EPSG:4534 = central meridian 75°E … EPSG:4554 = 135°E): :func:`local_metric_crs` picks the zone
whose central meridian is nearest the data and :func:`require_metric` refuses degrees.

The GCJ-02 forward transform is the published algorithm (Krasovsky-ellipsoid arc lengths of a
polynomial-plus-sine offset, applied inside China's bounding box only); BD-09 adds Baidu's polar
perturbation and a constant 0.0065°/0.006° shift. Both are implemented here in numpy so that
100,000 vertices convert in milliseconds (the per-point libraries such as ``prcoords`` take
seconds). The inverses are solved by fixed-point iteration to 1e-11° (≈ 1 mm), not by the
one-step approximation that is off by metres; the tests check them against ``prcoords`` and
published sample points.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(113.6192856, 34.7478004)  # Zhengzhou
>>> round(float(lon), 6), round(float(lat), 6)
(113.625328, 34.746613)
>>> lon2, lat2 = gcj02_to_wgs84(lon, lat)
>>> round(float(lon2), 7), round(float(lat2), 7)
(113.6192856, 34.7478004)
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame(geometry=[Point(113.82, 34.02)], crs="EPSG:4326")  # Xuchang
>>> local_metric_crs(gdf).to_epsg()
4547
>>> to_metric(gdf).crs.name
'CGCS2000 / 3-degree Gauss-Kruger CM 114E'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from geo.errors import CRSError

__all__ = [
    "DATUMS",
    "GK3_EPSG_FIRST",
    "GK3_EPSG_LAST",
    "WGS84",
    "Datum",
    "bd09_to_wgs84",
    "gcj02_to_wgs84",
    "gk3_zone_crs",
    "in_china",
    "is_geographic",
    "local_metric_crs",
    "require_metric",
    "scale_error",
    "shift_datum",
    "to_metric",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")
"""The horizontal datums :func:`shift_datum` converts between."""

WGS84 = "EPSG:4326"
GK3_EPSG_FIRST = 4534
"""CGCS2000 / 3-degree Gauss-Kruger CM 75E."""
GK3_EPSG_LAST = 4554
"""CGCS2000 / 3-degree Gauss-Kruger CM 135E."""
_GK3_CM_FIRST = 75.0
_GK3_STEP = 3.0
# Longitudes the CGCS2000 3-degree zones cover (73.5°E .. 136.5°E), with the 73–136E.
_CHINA_LON = (73.0, 136.0)
MAX_SCALE_ERROR = 0.01
"""How far an analysis CRS may stretch or shrink distances at the data's centre (1%): a
Gauss-Kruger zone 10° of longitude off at 30°N is about this; the zone of another continent
is tens of percent off, or undefined."""

_GCJ_BOX = (72.004, 0.8293, 137.8347, 55.8271)  # lon_min, lat_min, lon_max, lat_max
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_DLON = 0.0065
_BD_DLAT = 0.006
_BD_K = np.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-11
_INVERSE_MAX_ITER = 30

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


# --------------------------------------------------------------------------------------------
# Datum shifts on plain arrays
# --------------------------------------------------------------------------------------------

def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        msg = f"lon and lat must have the same shape, got {x.shape} and {y.shape}"
        raise ValueError(msg)
    return x, y


def _result(x: FloatArray, y: FloatArray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(x), float(y)
    return x, y


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether points lie in the box where GCJ-02 applies (elsewhere GCJ-02 equals WGS84).

    The box (72.004–137.8347°E, 0.8293–55.8271°N) is the rectangle the published algorithm
    uses; it also covers neighbours such as Seoul or Ulaanbaatar, where Chinese map providers
    shift coordinates all the same.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (arrays of the same shape, or scalars).

    Returns
    -------
    numpy.ndarray
        Boolean array of the inputs' shape.

    Examples
    --------
    >>> in_china([116.4, 24.94], [39.9, 60.17]).tolist()
    [True, False]
    """
    x, y = _as_arrays(lon, lat)
    lon0, lat0, lon1, lat1 = _GCJ_BOX
    return (x >= lon0) & (x <= lon1) & (y >= lat0) & (y <= lat1)


def _gcj_offset(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84, in degrees, at WGS84 points (zero outside China)."""
    u = x - 105.0
    v = y - 35.0
    # Offsets as arc lengths in metres (the published polynomial-plus-sine form).
    waves_common = 2.0 * np.sin(6.0 * np.pi * u) + 2.0 * np.sin(2.0 * np.pi * u)
    north_m = (-100.0 + 2.0 * u + 3.0 * v + 0.2 * v * v + 0.1 * u * v
               + 0.2 * np.sqrt(np.abs(u))
               + (waves_common + 2.0 * np.sin(np.pi * v) + 4.0 * np.sin(np.pi * v / 3.0)
                  + 16.0 * np.sin(np.pi * v / 12.0) + 32.0 * np.sin(np.pi * v / 30.0))
               * 20.0 / 3.0)
    east_m = (300.0 + u + 2.0 * v + 0.1 * u * u + 0.1 * u * v
              + 0.1 * np.sqrt(np.abs(u))
              + (waves_common + 2.0 * np.sin(np.pi * u) + 4.0 * np.sin(np.pi * u / 3.0)
                 + 15.0 * np.sin(np.pi * u / 12.0) + 30.0 * np.sin(np.pi * u / 30.0))
              * 20.0 / 3.0)
    # Metres per degree on the Krasovsky 1940 ellipsoid at this latitude.
    phi = np.radians(y)
    w2 = 1.0 - _KRASOVSKY_EE * np.sin(phi) ** 2
    m_per_deg_lat = np.radians(_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w2 * np.sqrt(w2)))
    m_per_deg_lon = np.radians(_KRASOVSKY_A * np.cos(phi) / np.sqrt(w2))
    inside = in_china(x, y)
    dlon = np.where(inside, east_m / m_per_deg_lon, 0.0)
    dlat = np.where(inside, north_m / m_per_deg_lat, 0.0)
    return dlon, dlat


def _gcj_forward(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_offset(x, y)
    return x + dlon, y + dlat


def _bd_from_gcj(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    r = np.hypot(x, y) + 2e-5 * np.sin(y * _BD_K)
    theta = np.arctan2(y, x) + 3e-6 * np.cos(x * _BD_K)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def _bd_forward(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _bd_from_gcj(*_gcj_forward(x, y))


def _invert(forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
            tx: FloatArray, ty: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x, y) == (tx, ty)`` by fixed-point iteration.

    The shifts vary slowly with position (their gradient is below 1e-2), so the iteration
    ``p <- p - (forward(p) - target)`` contracts by more than 100x per step and converges to
    1e-11 degrees in 3–4 steps. Non-finite inputs stay non-finite.
    """
    x = tx.copy()
    y = ty.copy()
    finite = np.isfinite(tx) & np.isfinite(ty)
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = forward(x, y)
        ex = np.where(finite, fx - tx, 0.0)
        ey = np.where(finite, fy - ty, 0.0)
        x = x - ex
        y = y - ey
        if max(float(np.max(np.abs(ex), initial=0.0)),
               float(np.max(np.abs(ey), initial=0.0))) < _INVERSE_TOL_DEG:
            break
    return x, y


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 longitude/latitude to GCJ-02 (Amap/Gaode, Tencent); unchanged outside China.

    Parameters
    ----------
    lon, lat
        Degrees; scalars or arrays of the same shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02: floats for scalar input, arrays otherwise.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(24.94, 60.17)  # Helsinki is outside China
    >>> (lon, lat)
    (24.94, 60.17)
    """
    x, y = _as_arrays(lon, lat)
    gx, gy = _gcj_forward(x, y)
    return _result(gx, gy, x.ndim == 0)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 longitude/latitude to WGS84, exact to about a millimetre (iterated inverse).

    Parameters
    ----------
    lon, lat
        Degrees in GCJ-02; scalars or arrays of the same shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84: floats for scalar input, arrays otherwise.
    """
    x, y = _as_arrays(lon, lat)
    wx, wy = _invert(_gcj_forward, x, y)
    return _result(wx, wy, x.ndim == 0)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 longitude/latitude to BD-09 (Baidu), via GCJ-02.

    Baidu's shift is applied everywhere, as Baidu does; the GCJ-02 step only inside China.

    Parameters
    ----------
    lon, lat
        Degrees; scalars or arrays of the same shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09: floats for scalar input, arrays otherwise.
    """
    x, y = _as_arrays(lon, lat)
    bx, by = _bd_forward(x, y)
    return _result(bx, by, x.ndim == 0)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 (Baidu) longitude/latitude to WGS84, exact to about a millimetre.

    Parameters
    ----------
    lon, lat
        Degrees in BD-09; scalars or arrays of the same shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84: floats for scalar input, arrays otherwise.
    """
    x, y = _as_arrays(lon, lat)
    wx, wy = _invert(_bd_forward, x, y)
    return _result(wx, wy, x.ndim == 0)


_TO_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]] = {
    "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84,
}
_FROM_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]] = {
    "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09,
}


# --------------------------------------------------------------------------------------------
# CRS helpers
# --------------------------------------------------------------------------------------------

def _crs_of(obj: Any) -> pyproj.CRS | None:
    crs = obj.crs if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries) else obj
    if crs is None:
        return None
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        msg = f"unrecognised coordinate reference system {crs!r}: {exc}"
        raise CRSError(msg) from exc


def is_geographic(crs: Any) -> bool:
    """Whether a CRS (or a layer's CRS) has coordinates in degrees.

    Parameters
    ----------
    crs
        Anything :meth:`pyproj.CRS.from_user_input` accepts, or a GeoDataFrame/GeoSeries.

    Returns
    -------
    bool

    Raises
    ------
    CRSError
        If there is no CRS (``None``): degrees or metres cannot be told.

    Examples
    --------
    >>> is_geographic("EPSG:4490"), is_geographic("EPSG:4547")
    (True, False)
    """
    c = _crs_of(crs)
    if c is None:
        msg = ("the layer has no coordinate reference system, so degrees and metres cannot be "
               "told apart; declare it (e.g. crs='EPSG:4326' for GPS/OSM longitude-latitude)")
        raise CRSError(msg)
    return bool(c.is_geographic)


def gk3_zone_crs(lon: float) -> pyproj.CRS:
    """The CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534–4554) nearest a longitude.

    Parameters
    ----------
    lon
        Longitude in degrees east, within 73–136°E.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If ``lon`` is outside the zones (not in China, or projected numbers read as degrees).

    Examples
    --------
    >>> gk3_zone_crs(111.28).to_epsg()  # Yichang
    4546
    >>> gk3_zone_crs(115.5).to_epsg()   # a tie between 114E and 117E goes to the lower zone
    4547
    """
    if not np.isfinite(lon) or not (_CHINA_LON[0] <= lon <= _CHINA_LON[1]):
        msg = (f"数据中心位于经度 {lon:g}，不在 CGCS2000 3度带（东经 {_CHINA_LON[0]:g}–"
               f"{_CHINA_LON[1]:g}°）内：请检查图层声明的坐标系；中国境外的数据请指定米制的分析坐标系"
               f"（如 UTM 带 EPSG:32635）/ the data's centre lies at longitude {lon:g}, outside "
               f"the CGCS2000 3-degree Gauss-Kruger zones ({_CHINA_LON[0]:g}–"
               f"{_CHINA_LON[1]:g}°E): check that the declared CRS is right, or, for data outside "
               "China, give a metric analysis CRS (e.g. a UTM zone such as EPSG:32635)")
        raise CRSError(msg)
    k = int(np.floor((lon - _GK3_CM_FIRST) / _GK3_STEP + 0.5 - 1e-9))
    k = min(max(k, 0), GK3_EPSG_LAST - GK3_EPSG_FIRST)
    return pyproj.CRS.from_epsg(GK3_EPSG_FIRST + k)


def _centre_lonlat(gdf: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> tuple[float, float]:
    geoms = np.asarray(gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        msg = ("the layer has no geometry, so no Gauss-Kruger zone can be chosen; pass the "
               "metric CRS explicitly (e.g. to_metric(gdf, crs='EPSG:4547'))")
        raise CRSError(msg)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if crs.is_geographic:
        return (xmin + xmax) / 2.0, (ymin + ymax) / 2.0
    # Centroid of the four corners' bounding box, taken in geographic coordinates.
    tr = pyproj.Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    lon, lat = tr.transform([xmin, xmin, xmax, xmax, (xmin + xmax) / 2],
                            [ymin, ymax, ymin, ymax, (ymin + ymax) / 2])
    lon_arr = np.asarray(lon, dtype=float)
    lat_arr = np.asarray(lat, dtype=float)
    if not np.all(np.isfinite(lon_arr)):
        msg = (f"the layer's coordinates ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) are not valid "
               f"in its declared CRS {crs.name!r}; check the declared CRS")
        raise CRSError(msg)
    return float(lon_arr[-1]), float(np.mean(lat_arr))


def local_metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS whose central meridian is nearest the data.

    The data's centre is the centre of its bounding box in geographic coordinates (CGCS2000,
    which agrees with WGS84 to centimetres).

    Parameters
    ----------
    gdf
        A layer with a CRS, in any of the accepted systems (WGS84, CGCS2000, a Gauss-Kruger zone,
        Web Mercator, ...).

    Returns
    -------
    pyproj.CRS
        One of EPSG:4534 (75°E) … EPSG:4554 (135°E).

    Raises
    ------
    CRSError
        If the layer has no CRS, no geometry, or lies outside 73–136°E.

    Examples
    --------
    The bundled sample district (Xuchang, 113.8°E) falls in the 114°E zone, whatever CRS it is
    given in:

    >>> from pathlib import Path
    >>> import geopandas as gpd
    >>> import geo
    >>> sample = Path(geo.__file__).parents[1] / "data" / "sample" / "district.gpkg"
    >>> communities = gpd.read_file(sample, layer="communities")
    >>> local_metric_crs(communities).to_epsg(), local_metric_crs(communities.to_crs(3857)).name
    (4547, 'CGCS2000 / 3-degree Gauss-Kruger CM 114E')
    """
    crs = _crs_of(gdf)
    if crs is None:
        msg = ("the layer has no coordinate reference system; declare it when reading "
               "(crs='EPSG:4326' for GPS/OSM longitude-latitude, 'EPSG:4490' for CGCS2000, "
               "'EPSG:4547' for CGCS2000 3-degree Gauss-Kruger 114E, ...)")
        raise CRSError(msg)
    lon, lat = _centre_lonlat(gdf, crs)
    try:
        return gk3_zone_crs(lon)
    except CRSError:
        # outside China, a layer already in a projected CRS in metres made for where it lies
        # (EPSG:3067 for Helsinki) is analysed in that CRS
        if _metric(crs) and abs(scale_error(crs, lon, lat)) <= MAX_SCALE_ERROR:
            return crs
        raise


def _metric(crs: pyproj.CRS) -> bool:
    try:
        require_metric(crs, "")
    except CRSError:
        return False
    return True


def scale_error(crs: Any, lon: float, lat: float) -> float:
    """How much a projected CRS stretches (+) or shrinks (-) distances at a point.

    The larger in size of the meridian and parallel scale factors, less one; ``inf`` where the
    projection is undefined (a transverse Mercator zone 90° away).

    >>> round(scale_error("EPSG:4547", 113.8, 34.0), 4)  # Xuchang in its own zone
    0.0
    >>> round(scale_error("EPSG:4547", 24.9, 60.2), 2)  # Helsinki in the 114°E zone
    0.15
    """
    proj = pyproj.Proj(_crs_of(crs))
    f = proj.get_factors(lon, lat, errcheck=False)
    errors = np.array([f.meridional_scale, f.parallel_scale], dtype=float) - 1.0
    if not np.all(np.isfinite(errors)):
        return float("inf")
    return float(errors[np.argmax(np.abs(errors))])


def _is_web_mercator(crs: pyproj.CRS) -> bool:
    if crs.to_epsg() in (3857, 3395, 900913, 3785, 102100):
        return True
    op = crs.coordinate_operation
    method = op.method_name.lower() if op is not None else ""
    return "mercator" in method and "transverse" not in method


def require_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries | Any, what: str) -> None:
    """Refuse to measure distances unless the layer is in a projected CRS in metres.

    Parameters
    ----------
    gdf
        The layer (or a CRS) about to be measured.
    what
        What is being measured, for the message (e.g. ``"walking distances to facilities"``).

    Raises
    ------
    CRSError
        When the CRS is missing, geographic (degrees), Mercator (distances stretched by
        1/cos(latitude), about +23% in central China) or not in metres. The message says how to
        fix it: ``geo.crs.to_metric(gdf)``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame(geometry=[Point(113.82, 34.02)], crs="EPSG:4326")
    >>> require_metric(pts, "walking distances")
    Traceback (most recent call last):
    ...
    geo.errors.CRSError: walking distances cannot be measured in degrees (layer CRS EPSG:4326 \
WGS 84); project it first with geo.crs.to_metric(gdf), which picks the CGCS2000 3-degree \
Gauss-Kruger zone (EPSG:4534–4554) nearest the data
    >>> require_metric(pts.to_crs("EPSG:4547"), "walking distances")
    """
    crs = _crs_of(gdf)
    fix = ("project it first with geo.crs.to_metric(gdf), which picks the CGCS2000 3-degree "
           "Gauss-Kruger zone (EPSG:4534–4554) nearest the data")
    if crs is None:
        msg = (f"{what} cannot be measured: the layer has no coordinate reference system; "
               f"declare it when reading (e.g. crs='EPSG:4326'), then {fix}")
        raise CRSError(msg)
    label = f"EPSG:{crs.to_epsg()} {crs.name}" if crs.to_epsg() else crs.name
    if crs.is_geographic:
        msg = f"{what} cannot be measured in degrees (layer CRS {label}); {fix}"
        raise CRSError(msg)
    units = {a.unit_name for a in crs.axis_info[:2]}
    if not crs.is_projected or units != {"metre"}:
        msg = (f"{what} must be measured in metres but the layer CRS {label} has units "
               f"{', '.join(sorted(units)) or 'unknown'}; {fix}")
        raise CRSError(msg)
    if _is_web_mercator(crs):
        msg = (f"{what} cannot be measured in Mercator (layer CRS {label}): it stretches "
               f"distances by 1/cos(latitude), about +23% in central China; {fix}")
        raise CRSError(msg)


def to_metric(gdf: G, *, crs: Any = None) -> G:
    """Reproject a layer to metres for analysis.

    Parameters
    ----------
    gdf
        A layer with a CRS.
    crs
        The metric CRS to use; by default :func:`local_metric_crs` of the layer. Pass the same
        CRS to every layer of one analysis so that they agree.

    Returns
    -------
    GeoDataFrame or GeoSeries
        A reprojected copy (the same index and columns).

    Raises
    ------
    CRSError
        If the layer has no CRS, or ``crs`` is not a projected CRS in metres.
    """
    own = _crs_of(gdf)
    if own is None and crs is not None and not _has_geometry(gdf):
        return gdf.set_crs(_crs_of(crs))  # an empty layer (a CSV of headers) is anywhere
    if own is None:
        msg = ("图层没有坐标系，无法投影到米制坐标 / the layer has no coordinate reference "
               "system, so it cannot be projected to metres; declare it when reading (e.g. "
               "crs='EPSG:4326' for longitude-latitude)")
        raise CRSError(msg)
    target = local_metric_crs(gdf) if crs is None else _crs_of(crs)
    require_metric(target, "the target CRS of to_metric")
    if target is not None and crs is not None and _has_geometry(gdf):
        lon, lat = _centre_lonlat(gdf, own)
        error = scale_error(target, lon, lat)
        if not abs(error) <= MAX_SCALE_ERROR:
            label = f"EPSG:{target.to_epsg()}" if target.to_epsg() else target.name
            finite = bool(np.isfinite(error))
            off_zh = f"变形 {error:+.1%}" if finite else "无法投影"
            off_en = f"are off by {error:+.1%}" if finite else "cannot be projected"
            msg = (f"分析坐标系 {label} 不适用于数据所在位置（东经 {lon:.2f}°，北纬 {lat:.2f}°），"
                   f"距离在此处{off_zh}：请选用为该地区设计的米制坐标系 / the analysis CRS "
                   f"{label} ({target.name}) is not made for where the data lies ({lon:.2f}°E, "
                   f"{lat:.2f}°N): distances there {off_en}; choose a metric CRS for that area "
                   f"(e.g. the UTM zone {_utm_epsg(lon, lat)})")
            raise CRSError(msg)
    return gdf.to_crs(target)


def _has_geometry(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    geoms = np.asarray(gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values)
    return bool((~(shapely.is_missing(geoms) | shapely.is_empty(geoms))).any())


def _utm_epsg(lon: float, lat: float) -> str:
    """The WGS84 UTM zone of a point, as ``EPSG:326zz`` (north) or ``EPSG:327zz`` (south)."""
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def to_wgs84(gdf: G) -> G:
    """Reproject a layer to WGS84 longitude/latitude (EPSG:4326), for web maps and GeoJSON.

    Parameters
    ----------
    gdf
        A layer with a CRS (already-shifted GCJ-02/BD-09 data must go through
        :func:`shift_datum` first).

    Returns
    -------
    GeoDataFrame or GeoSeries
        A reprojected copy.

    Raises
    ------
    CRSError
        If the layer has no CRS.
    """
    if _crs_of(gdf) is None:
        msg = ("the layer has no coordinate reference system, so it cannot be converted to "
               "WGS84; declare it when reading (e.g. crs='EPSG:4547')")
        raise CRSError(msg)
    return gdf.to_crs(WGS84)


# --------------------------------------------------------------------------------------------
# Datum shifts on layers
# --------------------------------------------------------------------------------------------

def _check_datum(name: str, value: str) -> str:
    v = str(value).strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "gcj02": "gcj02", "gcj": "gcj02", "bd09": "bd09",
               "bd09ll": "bd09", "bd": "bd09", "wgs": "wgs84"}
    if v not in aliases:
        msg = f"{name} must be one of {', '.join(DATUMS)} (got {value!r})"
        raise CRSError(msg)
    return aliases[v]


def _converter(source: str, target: str) -> Callable[[FloatArray], FloatArray]:
    steps: list[Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]] = []
    if source != "wgs84":
        steps.append(_TO_WGS84[source])
    if target != "wgs84":
        steps.append(_FROM_WGS84[target])

    def convert(coords: FloatArray) -> FloatArray:
        out = np.array(coords, dtype=np.float64, copy=True)
        x, y = out[:, 0], out[:, 1]
        for step in steps:
            x, y = step(x, y)
        out[:, 0] = x
        out[:, 1] = y
        return out

    return convert


def shift_datum(gdf: G, *, source: str, target: str = "wgs84") -> G:
    """Convert longitude/latitude between WGS84, GCJ-02 and BD-09 (any geometry type).

    Parameters
    ----------
    gdf
        A layer in longitude/latitude degrees. Its CRS may be missing or geographic (EPSG:4326
        or 4490 as stamped on GCJ-02/BD-09 exports); a projected CRS is refused.
    source, target
        One of :data:`DATUMS` (``"wgs84"``, ``"gcj02"``, ``"bd09"``).

    Returns
    -------
    GeoDataFrame or GeoSeries
        A copy with converted coordinates (Z values kept) and the same index; its CRS is the
        input's, or EPSG:4326 when the input had none.

    Raises
    ------
    CRSError
        For an unknown datum, a projected CRS, or coordinates that are not longitude/latitude
        (the message names the rows).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> amap = gpd.GeoSeries([Point(114.022306, 33.0115324)])  # GCJ-02 from Amap, no CRS
    >>> wgs = shift_datum(amap, source="gcj02", target="wgs84")
    >>> print(wgs.crs.to_epsg(), round(wgs.x[0], 6), round(wgs.y[0], 6))
    4326 114.016437 33.01336
    """
    src = _check_datum("source", source)
    tgt = _check_datum("target", target)
    crs = _crs_of(gdf)
    if crs is not None and not crs.is_geographic:
        msg = (f"GCJ-02/BD-09 shifts apply to longitude/latitude, but the layer is in the "
               f"projected CRS {crs.name!r}; convert it with to_wgs84(gdf) first, or declare "
               "its real CRS")
        raise CRSError(msg)
    geoms = np.asarray(gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        b = shapely.bounds(geoms[present])
        bad = ~((b[:, 0] >= -180) & (b[:, 2] <= 180) & (b[:, 1] >= -90) & (b[:, 3] <= 90))
        if bad.any():
            rows = [str(i) for i in np.asarray(gdf.index)[present][bad][:20]]
            msg = (f"geometry: coordinates are not longitude/latitude degrees (rows: "
                   f"{', '.join(rows)}{' …' if bad.sum() > 20 else ''}); GCJ-02/BD-09 must be "
                   "given as degrees, or declare the real CRS")
            raise CRSError(msg)
    out = gdf.copy()
    if src != tgt:
        shifted = shapely.transform(geoms, _converter(src, tgt), include_z=None)
        if isinstance(out, gpd.GeoDataFrame):
            out[out.geometry.name] = gpd.GeoSeries(shifted, index=out.index, crs=crs)
        else:
            out = gpd.GeoSeries(shifted, index=out.index, crs=crs, name=out.name)
    if crs is None:
        out = out.set_crs(WGS84)
    return out
