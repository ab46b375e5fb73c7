"""Contiguous renovation zones (连片改造): eligible neighbouring compounds grouped under bounds.

:func:`zone_communities` is the entry point the app, the command line and the scenario share:

1. eligibility (:mod:`planning.eligibility`) unless given; only eligible compounds are zoned;
2. neighbours (:func:`geo.contiguity.adjacency`) across gaps up to
   ``standards.zoning.gap_tolerance_m``, never across the barrier layer (railways, rivers, lines
   a planner drew) or a street of class ``standards.zoning.barrier_road_class`` or above;
   optionally never across subdistrict (街道) lines;
3. the zones (:class:`planning.zoning_solver.RenovationZoner`, whose docstring states the
   objective): households within ``[min_households, max_households]``, walking diameter (largest
   centroid distance between two members × ``standards.walking.detour_factor``) within
   ``max_diameter_m``, contiguous in the neighbour graph, as many zones as the bounds allow, then
   homogeneous in renovation needs (build year, elderly share, parking and chargers per
   household) and compact;
4. compounds with no neighbour (islands) are reported; one that cannot meet the floor joins the
   nearest zone within ``island_join_distance_m`` (not across a barrier) or stays a zone of its
   own marked ``within_bounds = False`` with the reason. Nothing is dropped.

Zone geometry is the union of the members closed by half the gap tolerance (buffer out, then in,
mitred joins so square corners stay square), so a zone reads as one patch across its internal
streets. Compactness is the Polsby–Popper score ``4πA / P²`` of that geometry (1 for a disc,
π/4 for a square, lower for stretched or ragged zones).

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> layers = load_sample()
>>> result = zone_communities(layers["communities"], standards=load_standards(),
...                           barriers=layers["barriers"], streets=layers["streets"], seed=0)
>>> result.assignments.index.equals(layers["communities"].index)
True
>>> bool((result.assignments["zone_id"].notna() ^ result.assignments["excluded_reason"].notna()
...       ).all())
True
>>> result.zones["zone_id"].iloc[0]
'Z001'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.contiguity import Adjacency, adjacency, links_within
from geo.errors import LayerValidationError, Problem
from planning.eligibility import assess_eligibility
from planning.standards import Standards
from planning.zoning_solver import RenovationZoner

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "ROAD_CLASS_RANK",
    "ZoningResult",
    "barrier_layer",
    "need_attributes",
    "zone_communities",
]

#: Street classes from the fastest to the slowest (OSM ``highway`` values and Chinese classes of
#: CJJ 37-2012 城市道路工程设计规范). A street of the chosen class or a faster one is a barrier.
ROAD_CLASS_RANK: dict[str, int] = {
    "motorway": 0, "高速公路": 0, "trunk": 1, "快速路": 1, "primary": 2, "主干路": 2,
    "secondary": 3, "次干路": 3, "tertiary": 4, "支路": 4, "residential": 5, "unclassified": 5,
    "living_street": 5, "service": 6, "footway": 7, "path": 7, "pedestrian": 7, "cycleway": 7,
    "steps": 7,
}

#: Renovation-need attributes the zones are made homogeneous in (derived where needed).
DEFAULT_ATTRIBUTES: tuple[str, ...] = ("built_year", "elderly_share", "parking_per_household",
                                       "chargers_per_household")


@dataclass(frozen=True)
class ZoningResult:
    """Zones and the per-compound assignment.

    Attributes
    ----------
    assignments
        Indexed like the communities: ``eligible``, ``zone_id`` (None when excluded),
        ``excluded_reason`` (Chinese; None when zoned), ``excluded_reason_en``,
        ``reason_codes`` (eligibility's codes, ``;``-separated; empty when eligible), ``zone_note``
        (Chinese: why a compound's zone is out of bounds, or that it joined across a gap),
        ``zone_note_en``, ``island``
        (an eligible compound with no eligible neighbour).
    zones
        One row per zone: ``zone_id``, ``community_ids``, ``households``, ``n_communities``,
        ``area_m2``, ``diameter_m``, ``compactness``, ``heterogeneity``, ``within_bounds``,
        ``bounds_note`` (Chinese; empty when within bounds), ``bounds_note_en``, geometry.
    adjacency
        The neighbour graph of the eligible compounds.
    n_zones
        Zones within their bounds.
    heterogeneity, objective
        The solver's figures (see :class:`planning.zoning_solver.RenovationZoner`).
    parameters
        The bounds and options of the run.
    """

    assignments: pd.DataFrame
    zones: gpd.GeoDataFrame
    adjacency: Adjacency
    n_zones: int
    heterogeneity: float
    objective: float
    parameters: dict[str, object] = field(default_factory=dict)


def barrier_layer(barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                  streets: gpd.GeoDataFrame | None = None, *,
                  road_class: str | None = "primary",
                  crs: object | None = None) -> gpd.GeoSeries:
    """Barrier geometries: the barrier layer plus streets of ``road_class`` or faster.

    Parameters
    ----------
    barriers
        Railways, rivers, lines the planner drew (lines or polygons).
    streets
        Streets with ``road_class``; those ranked at or above ``road_class`` in
        :data:`ROAD_CLASS_RANK` become barriers. Unknown classes are never barriers.
    road_class
        The slowest street class that still separates compounds; None or ``""``: no street is
        a barrier.
    crs
        Target CRS (default: the first layer's).

    Returns
    -------
    geopandas.GeoSeries
        Indexed by the source ids (``barrier_id`` / ``street_id``).

    Examples
    --------
    >>> from planning.sample import load_sample
    >>> layers = load_sample()
    >>> b = barrier_layer(layers["barriers"], layers["streets"], road_class="primary")
    >>> n_primary = int((layers["streets"]["road_class"] == "primary").sum())
    >>> len(b) == len(layers["barriers"]) + n_primary
    True
    """
    parts: list[gpd.GeoSeries] = []
    if road_class and road_class not in ROAD_CLASS_RANK:
        problem = Problem("barrier_road_class", (), f"unknown road class {road_class!r}; allowed: "
                                                    f"{', '.join(ROAD_CLASS_RANK)}")
        raise LayerValidationError("zoning", [problem])
    if barriers is not None and len(barriers):
        parts.append(barriers.geometry if isinstance(barriers, gpd.GeoDataFrame) else barriers)
    if streets is not None and len(streets) and road_class and "road_class" in streets.columns:
        limit = ROAD_CLASS_RANK[road_class]
        rank = streets["road_class"].astype(str).str.strip().str.lower().map(ROAD_CLASS_RANK)
        fast = streets[rank.le(limit).fillna(False).to_numpy(dtype=bool)]
        parts.append(fast.geometry)
    target = crs if crs is not None else (parts[0].crs if parts else None)
    parts = [p.to_crs(target) if target is not None and p.crs is not None and p.crs != target
             else p for p in parts]
    if not parts:
        return gpd.GeoSeries([], crs=target)
    return gpd.GeoSeries(pd.concat(parts), crs=target)


def need_attributes(communities: pd.DataFrame,
                    columns: tuple[str, ...] = DEFAULT_ATTRIBUTES) -> pd.DataFrame:
    """Renovation-need attributes per compound (missing values stay NaN; the solver fills them).

    ``parking_per_household`` and ``chargers_per_household`` are derived from
    ``parking_spaces``, ``ev_chargers`` and ``households``; columns that cannot be found or
    derived are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"households": [100, 0], "parking_spaces": [20, 5], "built_year": [1990,
    ...                    None]})
    >>> need_attributes(df).round(2).to_dict("list")
    {'built_year': [1990.0, nan], 'parking_per_household': [0.2, nan]}
    """
    hh = pd.to_numeric(communities.get("households"), errors="coerce")
    derived = {"parking_per_household": "parking_spaces", "chargers_per_household": "ev_chargers"}
    out = {}
    for col in columns:
        if col in derived:
            src = derived[col]
            if src in communities.columns and hh is not None:
                num = pd.to_numeric(communities[src], errors="coerce")
                out[col] = (num / hh.where(hh > 0)).astype(float)
        elif col in communities.columns:
            out[col] = pd.to_numeric(communities[col], errors="coerce").astype(float)
    return pd.DataFrame(out, index=communities.index)


def zone_communities(communities: gpd.GeoDataFrame, *, standards: Standards,
                     eligibility: pd.DataFrame | None = None,
                     barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                     streets: gpd.GeoDataFrame | None = None,
                     seed: int = 0, n_zones: int | None = None,
                     attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES,
                     restarts: int | None = None) -> ZoningResult:
    """Group eligible neighbouring compounds into contiguous renovation zones.

    Parameters
    ----------
    communities
        The communities layer in a metric CRS, indexed by ``community_id``, with ``households``
        (and ``subdistrict`` when ``standards.zoning.keep_within_subdistrict``).
    standards
        Bounds and tolerances (``standards.zoning``), the detour factor (``standards.walking``)
        and the eligibility policy (used when ``eligibility`` is None).
    eligibility
        The table of :func:`planning.eligibility.assess_eligibility` (``eligible``,
        ``excluded_reason`` ...); computed with ``standards.eligibility`` when None.
    barriers
        Lines or polygons no zone may span (railways, rivers, lines the planner drew).
    streets
        Streets with ``road_class``: those of ``standards.zoning.barrier_road_class`` or faster
        are barriers too.
    seed
        Seed of every random choice.
    n_zones
        Target zone count; None makes as many as the bounds allow.
    attributes
        Renovation-need attributes the zones are made homogeneous in (see
        :func:`need_attributes`).
    restarts
        Seeded restarts of the construction (None: the solver's default for the layer's size).

    Returns
    -------
    ZoningResult
        Every input compound in ``assignments``; one row per zone in ``zones``.

    Raises
    ------
    CRSError
        When the layer is not in metres.
    LayerValidationError
        Listing rows with missing or negative households among eligible compounds, empty
        geometries, or missing subdistricts when zones keep within subdistricts.
    """
    norms = standards.zoning
    if eligibility is None:
        eligibility = assess_eligibility(communities, standards.eligibility)
    elig = eligibility.reindex(communities.index)
    eligible = elig["eligible"].fillna(False).to_numpy(dtype=bool)
    ids = communities.index.astype(str)
    hh_all = pd.to_numeric(communities.get("households", pd.Series(index=communities.index,
                                                                   dtype=float)),
                           errors="coerce").to_numpy(dtype=float)
    bad = eligible & (~np.isfinite(hh_all) | (hh_all < 0))
    if bad.any():
        problem = Problem("households", tuple(ids[bad]),
                          "eligible compounds need households as a number >= 0 (户数)")
        raise LayerValidationError("communities", [problem])

    sub = communities.loc[eligible]
    bar = barrier_layer(barriers, streets, road_class=norms.barrier_road_class or None,
                        crs=communities.crs)
    group = "subdistrict" if norms.keep_within_subdistrict else None
    if group and group not in sub.columns:
        problem = Problem("subdistrict", (), "column missing; needed to keep zones within "
                                             "subdistricts (所属街道)")
        raise LayerValidationError("communities", [problem])
    adj = adjacency(sub, gap_tolerance_m=norms.gap_tolerance_m, barriers=bar, group=group)
    hh = hh_all[eligible]
    xy = shapely.get_coordinates(shapely.centroid(sub.geometry.to_numpy())) if len(sub) else \
        np.empty((0, 2))
    attrs = need_attributes(sub, attributes).to_numpy(dtype=float)
    join = _join_links(sub, adj, hh, norms.min_households, norms.island_join_distance_m, bar,
                       group)
    zoner = RenovationZoner(
        adj.matrix, hh, attrs, xy, min_households=norms.min_households,
        max_households=norms.max_households, max_diameter_m=norms.max_diameter_m,
        detour_factor=standards.walking.detour_factor, n_zones=n_zones,
        compactness_weight=norms.compactness_weight, restarts=restarts, join=join, seed=seed,
    )
    if len(sub):
        zoner.solve()
    return _result(communities, elig, eligible, sub, adj, zoner, standards, n_zones)


def _join_links(sub: gpd.GeoDataFrame, adj: Adjacency, hh: np.ndarray, floor: float,
                distance: float, barriers: gpd.GeoSeries, group: str | None,
                ) -> sparse.csr_array | None:
    """Links (gap in metres) from compounds in groups too small for the floor to anything near."""
    n = len(sub)
    if n == 0 or distance <= 0:
        return None
    _, comp = sparse.csgraph.connected_components(adj.matrix, directed=False)
    small = np.bincount(comp, weights=hh)[comp] < floor
    if not small.any():
        return None
    links = links_within(sub, sub.index[small], max_distance_m=distance, barriers=barriers,
                         group=group)
    if links.empty:
        return None
    s = sub.index.get_indexer(links["source"])
    t = sub.index.get_indexer(links["target"])
    gaps = links["gap_m"].to_numpy(dtype=float) + 1e-6  # touching stays a stored entry
    return sparse.csr_array((gaps, (s, t)), shape=(n, n))


def _result(communities: gpd.GeoDataFrame, elig: pd.DataFrame, eligible: np.ndarray,
            sub: gpd.GeoDataFrame, adj: Adjacency, zoner: RenovationZoner, standards: Standards,
            n_zones: int | None) -> ZoningResult:
    norms = standards.zoning
    n_all = len(communities)
    solved = len(sub) > 0
    members = zoner.members_ if solved else []
    width = max(3, len(str(len(members))))
    zone_ids = [f"Z{k + 1:0{width}d}" for k in range(len(members))]
    island = np.zeros(n_all, dtype=bool)
    island[np.flatnonzero(eligible)[adj.degree().to_numpy() == 0]] = True

    zone_id = np.full(n_all, None, dtype=object)
    note = np.full(n_all, None, dtype=object)
    note_en = np.full(n_all, None, dtype=object)
    pos = np.flatnonzero(eligible)
    rows = []
    half = norms.gap_tolerance_m / 2
    geoms = sub.geometry.to_numpy()
    sub_ids = sub.index.astype(str)
    for k, m in enumerate(members):
        zid = zone_ids[k]
        zone_id[pos[m]] = zid
        hh = float(zoner.households_[k])
        diam = float(zoner.diameter_m_[k])
        zh, en = _bounds_note(zoner.reasons_[k], hh, diam, len(m), bool(island[pos[m]].all()),
                              standards)
        joined = zoner.joined_[m]
        for q, gap in zip(m, joined, strict=True):
            if np.isfinite(gap):
                note[pos[q]] = f"孤立组团，跨{gap:.0f} m并入{zid}"
                note_en[pos[q]] = f"joined {zid} across {gap:.0f} m"
            elif zh:
                note[pos[q]], note_en[pos[q]] = zh, en
        union = shapely.union_all(geoms[m])
        closed = shapely.buffer(shapely.buffer(union, half + 0.5, join_style="mitre"),
                                -half - 0.5, join_style="mitre") if half > 0 else union
        closed = _as_multipolygon(shapely.union_all([closed, union]))
        area = float(shapely.area(closed))
        perim = float(shapely.length(closed))
        part = np.asarray(m)
        z = zoner._z[part]  # the solver's z-scores: the heterogeneity it minimised
        het = float(np.abs(z[:, None, :] - z[None, :, :]).sum()) / 2
        rows.append({
            "zone_id": zid,
            "community_ids": ",".join(sub_ids[part]),
            "households": int(round(hh)),
            "n_communities": len(m),
            "area_m2": round(float(shapely.area(geoms[m]).sum()), 1),
            "diameter_m": round(diam, 1),
            "compactness": round(4 * math.pi * area / perim ** 2, 4) if perim > 0 else 0.0,
            "heterogeneity": round(het, 4),
            "within_bounds": bool(zoner.feasible_[k]),
            "bounds_note": zh,
            "bounds_note_en": en,
            "geometry": closed,
        })
    columns = ["zone_id", "community_ids", "households", "n_communities", "area_m2",
               "diameter_m", "compactness", "heterogeneity", "within_bounds", "bounds_note",
               "bounds_note_en", "geometry"]
    zones = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry",
                             crs=communities.crs)
    zones["within_bounds"] = zones["within_bounds"].astype(bool)
    excluded_zh = elig["excluded_reason"].to_numpy(dtype=object)
    excluded_en = (elig["excluded_reason_en"].to_numpy(dtype=object)
                   if "excluded_reason_en" in elig.columns else excluded_zh)
    not_eligible = ~eligible
    reason_zh = np.asarray(excluded_zh, dtype=object).copy()
    reason_en = np.asarray(excluded_en, dtype=object).copy()
    reason_zh[eligible] = None
    reason_en[eligible] = None
    missing = not_eligible & pd.isna(reason_zh)
    reason_zh[missing] = "不符合改造条件"
    reason_en[missing] = "not eligible"
    codes = (elig["reason_codes"].fillna("") if "reason_codes" in elig.columns
             else pd.Series("", index=elig.index)).to_numpy(dtype=object, copy=True)
    codes[eligible] = ""
    codes[not_eligible & (codes == "")] = "not_eligible"
    assignments = pd.DataFrame({
        "eligible": eligible,
        "zone_id": zone_id,
        "excluded_reason": reason_zh,
        "excluded_reason_en": reason_en,
        "reason_codes": codes,
        "zone_note": note,
        "zone_note_en": note_en,
        "island": island,
    }, index=communities.index)
    for col in ("zone_id", "excluded_reason", "excluded_reason_en", "zone_note", "zone_note_en"):
        assignments[col] = assignments[col].astype(object).where(assignments[col].notna(), None)
    params: dict[str, object] = {
        "min_households": norms.min_households, "max_households": norms.max_households,
        "gap_tolerance_m": norms.gap_tolerance_m, "max_diameter_m": norms.max_diameter_m,
        "island_join_distance_m": norms.island_join_distance_m,
        "barrier_road_class": norms.barrier_road_class,
        "keep_within_subdistrict": norms.keep_within_subdistrict, "n_zones": n_zones,
        "seed": zoner.seed,
    }
    return ZoningResult(assignments=assignments, zones=zones, adjacency=adj,
                        n_zones=int(zoner.n_zones_) if solved else 0,
                        heterogeneity=float(zoner.heterogeneity_) if solved else 0.0,
                        objective=float(zoner.objective_) if solved else 0.0, parameters=params)


def _as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Polygon parts of ``geom`` as one MultiPolygon (one geometry type per layer for GIS)."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(parts)


def _bounds_note(codes: str, hh: float, diam: float, size: int, all_islands: bool,
                 standards: Standards) -> tuple[str, str]:
    """Why a zone is out of bounds, in Chinese and English (empty strings when it is not)."""
    norms = standards.zoning
    zh, en = [], []
    for code in filter(None, codes.split(";")):
        if code == "below_min":
            if size == 1 and all_islands:
                what_zh, what_en = "孤立小区", "isolated compound"
            elif size == 1:
                what_zh = "无法并入相邻片区的小区"
                what_en = "compound no neighbouring zone can take"
            else:
                what_zh, what_en = "与其他片区不相连的组团", "group cut off from other zones"
            zh.append(f"{what_zh}，户数{hh:.0f}低于下限{norms.min_households}，"
                      f"{norms.island_join_distance_m:.0f} m内无可并入的片区"
                      "（不跨阻隔、不超上限与直径）")
            en.append(f"{what_en}: {hh:.0f} households below the minimum "
                      f"{norms.min_households}, no zone it can join within "
                      f"{norms.island_join_distance_m:.0f} m without crossing a barrier or "
                      "breaking the cap or diameter")
        elif code == "above_max":
            if size == 1:
                zh.append(f"单个小区户数{hh:.0f}超过上限{norms.max_households}（小区不拆分）")
                en.append(f"a single compound of {hh:.0f} households exceeds the maximum "
                          f"{norms.max_households} (compounds are not split)")
            else:
                zh.append(f"户数{hh:.0f}超过上限{norms.max_households}")
                en.append(f"{hh:.0f} households exceed the maximum {norms.max_households}")
        elif code == "diameter":
            zh.append(f"步行直径{diam:.0f} m超过{norms.max_diameter_m:.0f} m")
            en.append(f"walking diameter {diam:.0f} m exceeds {norms.max_diameter_m:.0f} m")
    return "；".join(zh), "; ".join(en)
