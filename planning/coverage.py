"""The 15-minute life circle: walking minutes from every compound to every facility kind.

For each facility kind one multi-source shortest-path search (a super-source joined to every
facility of the kind by its connector) gives the walking distance from every street node to the
nearest facility; a compound's distance is its best access point (connector + street distance).
Per compound: minutes per kind, covered flags per life-circle level, and the life-circle
completeness score; per district: households and elderly covered. Service areas are the streets
reached within each level (the last piece cut at the exact distance), buffered; gaps are the
parts of compounds outside a kind's service area at its threshold.

Without a network, distances are straight lines times the detour factor, and say so in
``distance_method``.

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> layers = load_sample()
>>> res = compute_coverage(layers["communities"], layers["facilities"],
...                        standards=load_standards(), network=layers["streets"])
>>> len(res.table) == len(layers["communities"])
True
>>> res.table["distance_method"].iloc[0]
'network'
>>> sorted(res.service_areas["minutes"].unique().tolist())
[5, 10, 15]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from geo.crs import require_metric
from geo.digest import layer_digest, remember
from geo.errors import CRSError, LayerValidationError, Problem
from geo.network import (
    AreaRequest,
    EdgeSources,
    PolygonSnap,
    WalkNetwork,
    join_polygons,
    network_from_lines,
    service_areas,
    split_edges,
)
from geo.osm import is_osm_layer
from geo.schema import FACILITY_KINDS
from planning.standards import Standards

__all__ = [
    "METHOD_NETWORK",
    "CoverageResult",
    "compute_coverage",
    "outside_circle",
    "straight_line_method",
    "walk_distance_matrix",
    "walking_network",
]

FloatArray = npt.NDArray[np.float64]

METHOD_NETWORK = "network"

_NO_FACILITY = "无此类设施 / no facility of this kind"
_NO_CONNECTED_FACILITY = "此类设施均未接入路网 / no facility of this kind is on the network"
_UNREACHABLE = "所在路网片段无此类设施 / unreachable: no facility of this kind on its network piece"


def straight_line_method(detour_factor: float) -> str:
    """The ``distance_method`` label of the no-network fallback.

    >>> straight_line_method(1.3)
    'straight_line_x1.3 (直线距离×绕行系数1.3, no street network)'
    """
    f = f"{detour_factor:g}"
    return f"straight_line_x{f} (直线距离×绕行系数{f}, no street network)"


def _unused_kind(kind: object) -> str:
    return (f"规划不使用的设施类型“{kind}”，未参与计算 / kind {kind!r} is not one the standards "
            "use: ignored")


def _not_connected(tolerance_m: float, fragment_m: float) -> str:
    if np.isfinite(fragment_m):
        return (f"未接入路网：最近道路为{fragment_m:.0f} m的孤立路段 / not connected (nearest "
                f"street is an isolated fragment of {fragment_m:.0f} m)")
    return (f"未接入路网：{tolerance_m:g} m内无可步行道路 / not connected (no walkable street "
            f"within {tolerance_m:g} m)")


@dataclass(frozen=True)
class CoverageResult:
    """Life-circle coverage of a district.

    Attributes
    ----------
    table
        Indexed like the communities: per kind ``walk_minutes_<kind>`` (NaN when none),
        ``reason_<kind>`` (None, or why there are no minutes), ``covered_<kind>_<m>min`` per
        level, ``covered_<kind>`` (within the kind's threshold); then ``access_points``,
        ``completeness`` (required kinds covered), ``completeness_of`` (required kinds) and
        ``distance_method``.
    service_areas
        One row per kind and level: ``kind``, ``minutes``, ``distance_m``, ``label_zh``,
        geometry (reached streets buffered, or straight-line discs without a network).
    gaps
        Parts of compounds outside the service area of a kind at its threshold: ``kind``,
        ``community_id``, ``households``, ``area_m2``, ``share`` (of the compound's area).
    summary
        One row per kind and level: ``households_covered``, ``households_total``,
        ``elderly_covered``, ``elderly_total`` (population × elderly share, of the compounds
        that give both; NA when none does), ``share`` (of households), ``threshold`` (the
        kind's own level).
    facilities
        Per facility: ``kind``, ``connector_m`` and ``reason`` (None when on the network).
    network_report
        Pieces of the network (nodes, length, fragment), longest first; empty without one.
    distance_method
        ``"network"`` or the straight-line label.
    """

    table: pd.DataFrame
    service_areas: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    summary: pd.DataFrame
    facilities: pd.DataFrame
    network_report: pd.DataFrame
    distance_method: str


def compute_coverage(communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *,
                     standards: Standards,
                     network: WalkNetwork | gpd.GeoDataFrame | None = None,
                     buffer_m: float | None = None, areas: bool = True,
                     progress: Callable[[int, int], None] | None = None
                     ) -> CoverageResult:
    """Walking minutes, covered flags, service areas and gaps for every compound and kind.

    Parameters
    ----------
    communities
        Compounds (polygons) indexed by ``community_id`` with ``households`` (and optionally
        ``population``, ``elderly_share``), in a metric CRS.
    facilities
        Existing facilities (points) with ``kind``, same CRS. A kind the standards do not
        list (a library, say, which the reader keeps as written) is ignored, and its row of
        :attr:`CoverageResult.facilities` says so.
    standards
        Walking speed, snap tolerance, access points, life-circle levels and kind thresholds.
    network
        A :class:`~geo.network.WalkNetwork`, a streets layer (built with
        :func:`~geo.network.network_from_lines` with ``standards.walking.min_component_m``),
        or None for straight lines × detour factor.
    buffer_m
        Half-width of the service-area corridor around reached streets (metres); default
        ``standards.walking.service_area_buffer_m``.
    areas
        Build the service-area and gap layers (False: the table and summary only, left
        empty, for callers that compare many plans).
    progress
        Called as ``progress(done, total)`` after each service area and once more after the
        gaps (the long part of a large district's run); not called when ``areas`` is False.

    Returns
    -------
    CoverageResult

    Raises
    ------
    LayerValidationError
        Listing every bad row of both layers at once.
    CRSError
        When a layer is not in metres or the layers' CRSs differ.
    """
    _validate(communities, facilities)
    kinds = list(standards.kinds)
    fac_kind = facilities["kind"].astype("string").to_numpy(dtype=object)
    polys = np.asarray(communities.geometry.values, dtype=object)

    if network is None:
        method = straight_line_method(standards.walking.detour_factor)
        dist, reasons, reach, fac_report, access = _straight_line(
            polys, facilities, fac_kind, kinds, standards)
        net_report = pd.DataFrame(columns=["component", "nodes", "length_m", "fragment"])
    else:
        method = METHOD_NETWORK
        net = _as_network(network, communities, standards)
        dist, reasons, reach, fac_report, access = _on_network(
            net, polys, facilities, fac_kind, kinds, standards)
        net_report = net.component_report()

    table = _table(communities.index, dist, reasons, kinds, standards, access, method)
    if buffer_m is None:
        buffer_m = standards.walking.service_area_buffer_m
    if areas:
        total = len(kinds) * len(standards.life_circle) + 1
        ticks = iter(range(1, total + 1))

        def tick() -> None:
            if progress is not None:
                progress(next(ticks), total)

        service_areas = _service_areas(reach, kinds, standards, buffer_m, communities.crs,
                                       tick)
        gaps = _gaps(communities, reach, service_areas, standards)
        tick()
    else:  # the same (empty) layers, with their columns, at no cost
        nothing = dataclasses.replace(reach, node_dist={}, points={})
        service_areas = _service_areas(nothing, kinds, standards, buffer_m, communities.crs,
                                       lambda: None)
        gaps = _gaps(communities.iloc[:0], nothing, service_areas, standards)
    summary = _summary(communities, table, kinds, standards)
    fac_report.index = facilities.index
    unused = ~np.isin(fac_kind, kinds)
    fac_report.loc[unused, "reason"] = [_unused_kind(k) for k in fac_kind[unused]]
    return CoverageResult(table=table, service_areas=service_areas, gaps=gaps, summary=summary,
                          facilities=fac_report, network_report=net_report,
                          distance_method=method)


# --------------------------------------------------------------------------------------------
# validation


def _validate(communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> None:
    require_metric(communities, "walking distances from compounds")
    require_metric(facilities, "walking distances to facilities")
    if facilities.crs != communities.crs:
        msg = (f"facilities CRS {facilities.crs} differs from communities CRS "
               f"{communities.crs}; reproject one of them (geo.crs.to_metric)")
        raise CRSError(msg)
    problems: list[Problem] = []
    ids = communities.index.astype(str)
    if communities.index.has_duplicates:
        dup = tuple(sorted(set(ids[communities.index.duplicated()])))
        problems.append(Problem("community_id", dup, "ids must be unique"))
    geom = communities.geometry
    bad = geom.isna() | geom.is_empty | ~geom.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        problems.append(Problem("geometry", tuple(ids[bad.to_numpy()]),
                                "compounds must be non-empty polygons"))
    if "households" not in communities.columns:
        problems.append(Problem("households", (), "column missing (户数 / households)"))
    else:
        hh = pd.to_numeric(communities["households"], errors="coerce")
        bad_hh = (hh.isna() | (hh < 0)).to_numpy()
        if bad_hh.any():
            problems.append(Problem("households", tuple(ids[bad_hh]),
                                    "must be a number >= 0"))
    if problems:
        raise LayerValidationError("communities", problems)

    fids = facilities.index.astype(str)
    if "kind" not in facilities.columns:
        problems.append(Problem("kind", (), "column missing (设施类型 / kind)"))
    else:
        # a kind planning does not use ("library") is kept and ignored, as the reader says;
        # a facility with no kind at all is a hole in the data
        missing = facilities["kind"].isna().to_numpy(bool)
        if missing.any():
            problems.append(Problem("kind", tuple(fids[missing]),
                                    "设施类型为空 / no kind given; allowed: "
                                    f"{', '.join(FACILITY_KINDS)}"))
    fgeom = facilities.geometry
    bad_f = fgeom.isna() | fgeom.is_empty | (fgeom.geom_type != "Point")
    if bad_f.any():
        problems.append(Problem("geometry", tuple(fids[bad_f.to_numpy()]),
                                "facilities must be points"))
    if problems:
        raise LayerValidationError("facilities", problems)


#: Networks of the last streets layers built, by content: the app plans the same streets again
#: after every parameter change or drawn site, and a network keeps what it has worked out (its
#: blocks, search trees, the compounds joined to it), so a re-run skips that geometry work.
_NETWORKS: dict[Hashable, WalkNetwork] = {}
_NETWORKS_KEPT = 2


def walking_network(streets: gpd.GeoDataFrame | gpd.GeoSeries, standards: Standards
                    ) -> WalkNetwork:
    """The walking network of a streets layer under the standards' fragment length.

    :func:`~geo.network.network_from_lines` with ``standards.walking.min_component_m``: every
    command and the plan build their network here, so a planner's ``[walking]`` setting holds
    everywhere. Streets read from OpenStreetMap (:func:`geo.osm.is_osm_layer`) are joined only
    where ways share an OSM node, as :func:`~geo.network.network_from_osm` joins them; other
    layers are noded where lines cross.

    The networks of the last two layers are remembered by content and fragment length
    (:func:`geo.digest.layer_digest`: geometry byte for byte, every column, the ids, the CRS),
    so the same streets give the same network object, with what it has already computed. Its
    arrays are read-only.
    """
    key = (layer_digest(streets), float(standards.walking.min_component_m))

    def build() -> WalkNetwork:
        net = network_from_lines(streets, node_crossings=not is_osm_layer(streets),
                                 min_component_m=standards.walking.min_component_m)
        for array in (net.xy, net.edge_u, net.edge_v, net.edge_length, net.edge_source,
                      net.edge_offset, net.lines):
            array.setflags(write=False)
        return net

    return remember(_NETWORKS, key, build, kept=_NETWORKS_KEPT)


def _as_network(network: WalkNetwork | gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
                standards: Standards) -> WalkNetwork:
    if isinstance(network, gpd.GeoDataFrame | gpd.GeoSeries):
        network = walking_network(network, standards)
    if network.crs is not None and network.crs != communities.crs:
        msg = (f"walking network CRS {network.crs} differs from communities CRS "
               f"{communities.crs}; reproject the streets")
        raise CRSError(msg)
    return network


# --------------------------------------------------------------------------------------------
# distances


def _multi_source(graph: sparse.csr_array, net: WalkNetwork, edge: npt.NDArray[np.int64],
                  offset: FloatArray, start_m: FloatArray) -> FloatArray:
    """Distance of every node from the nearest source; sources sit inside edges.

    A source ``offset`` metres along ``edge`` that starts at ``start_m`` (its connector) reaches
    the edge's two ends at ``start_m + offset`` and ``start_m + length - offset``: one Dijkstra
    from a super-source joined to those ends. ``graph`` is ``net.graph`` with one spare empty
    last row and column, which becomes the super-source.
    """
    n = graph.shape[0] - 1
    start = np.full(n, np.inf)
    np.minimum.at(start, net.edge_u[edge], start_m + offset)
    np.minimum.at(start, net.edge_v[edge], start_m + (net.edge_length[edge] - offset))
    src = np.flatnonzero(np.isfinite(start))
    indptr = graph.indptr.copy()
    indptr[-1] += src.size
    aug = sparse.csr_array((np.concatenate([graph.data, start[src]]),
                            np.concatenate([graph.indices, src]), indptr),
                           shape=graph.shape)
    dist = csgraph.dijkstra(aug, directed=True, indices=n)
    return np.asarray(dist[:n], dtype=np.float64)


def _with_spare_node(graph: sparse.csr_array) -> sparse.csr_array:
    """The graph with one more (empty) row and column."""
    n = graph.shape[0]
    return sparse.csr_array((graph.data, graph.indices, np.r_[graph.indptr, graph.indptr[-1]]),
                            shape=(n + 1, n + 1))


@dataclass(frozen=True)
class _Areas:
    """What service areas need: reached street pieces per kind and budget, or discs."""

    net: WalkNetwork | None
    node_dist: dict[str, FloatArray]
    sources: dict[str, EdgeSources]
    connectors: dict[str, tuple[npt.NDArray[np.object_], FloatArray]]
    points: dict[str, npt.NDArray[np.object_]]
    detour: float
    gates: PolygonSnap | None = None
    gate_node: npt.NDArray[np.int64] | None = None


def _on_network(net: WalkNetwork, polys: npt.NDArray[np.object_], facilities: gpd.GeoDataFrame,
                fac_kind: npt.NDArray[np.object_], kinds: list[str], standards: Standards
                ) -> tuple[dict[str, FloatArray], dict[str, list[str | None]], _Areas,
                           pd.DataFrame, npt.NDArray[np.int64]]:
    tol = standards.walking.snap_tolerance_m
    # compounds join once per network (remembered); facilities join the split network inside
    # its edges and never split it, so a re-run with other facilities redoes no geometry
    join = join_polygons(net, polys, tolerance_m=tol,
                         access_points=standards.walking.access_points)
    ps, net2, acc_node = join.snap, join.net, join.node
    fpts = np.asarray(facilities.geometry.values, dtype=object)
    fs = join.snap_points(fpts, tolerance_m=tol)
    f_ok = fs.edge >= 0
    graph = _with_spare_node(net2.graph)
    n_poly = len(polys)
    access = np.bincount(ps.owner, minlength=n_poly).astype(np.int64)
    has_access = access > 0
    starts = np.flatnonzero(np.r_[True, ps.owner[1:] != ps.owner[:-1]]) if ps.owner.size else \
        np.empty(0, dtype=np.int64)
    poly_reason = [None if has_access[i] else _not_connected(tol, float(ps.fragment_m[i]))
                   for i in range(n_poly)]
    poly_reason_arr = np.array(poly_reason, dtype=object)

    dist: dict[str, FloatArray] = {}
    reasons: dict[str, list[str | None]] = {}
    node_dist: dict[str, FloatArray] = {}
    sources: dict[str, EdgeSources] = {}
    connectors: dict[str, tuple[npt.NDArray[np.object_], FloatArray]] = {}
    for kind in kinds:
        of_kind = fac_kind == kind
        sel = of_kind & f_ok
        d = np.full(n_poly, np.nan)
        if not of_kind.any() or not sel.any():
            why = _NO_FACILITY if not of_kind.any() else _NO_CONNECTED_FACILITY
            reasons[kind] = [why] * n_poly
            dist[kind] = d
            continue
        edge, at, start = fs.edge[sel], fs.offset[sel], fs.connector_m[sel]
        sources[kind] = (edge, at, start)
        nd = _multi_source(graph, net2, edge, at, start)
        node_dist[kind] = nd
        connectors[kind] = (shapely.linestrings(np.stack([
            shapely.get_coordinates(fpts[sel]), fs.street_xy[sel]], axis=1)),
            fs.connector_m[sel])
        if starts.size:
            via = ps.connector_m + nd[acc_node]
            best = np.minimum.reduceat(via, starts)
            d[ps.owner[starts]] = best
        d[~np.isfinite(d)] = np.nan
        why_not = np.full(n_poly, None, dtype=object)
        why_not[np.isnan(d)] = _UNREACHABLE
        why_not[~has_access] = poly_reason_arr[~has_access]
        reasons[kind] = why_not.tolist()
        dist[kind] = d

    fac_reason = [None if f_ok[i] else _not_connected(tol, float(fs.fragment_m[i]))
                  for i in range(len(fpts))]
    fac_report = pd.DataFrame({"kind": fac_kind, "connector_m": np.round(fs.connector_m, 2),
                               "reason": pd.Series(fac_reason, dtype=object)})
    areas = _Areas(net=net2, node_dist=node_dist, sources=sources, connectors=connectors,
                   points={}, detour=1.0, gates=ps, gate_node=acc_node)
    return dist, reasons, areas, fac_report, access


def _straight_line(polys: npt.NDArray[np.object_], facilities: gpd.GeoDataFrame,
                   fac_kind: npt.NDArray[np.object_], kinds: list[str], standards: Standards
                   ) -> tuple[dict[str, FloatArray], dict[str, list[str | None]], _Areas,
                              pd.DataFrame, npt.NDArray[np.int64]]:
    detour = standards.walking.detour_factor
    fpts = np.asarray(facilities.geometry.values, dtype=object)
    dist: dict[str, FloatArray] = {}
    reasons: dict[str, list[str | None]] = {}
    points: dict[str, npt.NDArray[np.object_]] = {}
    for kind in kinds:
        pts = fpts[fac_kind == kind]
        d = np.full(len(polys), np.nan)
        if pts.size and len(polys):
            tree = shapely.STRtree(pts)
            (pi, _), straight = tree.query_nearest(polys, return_distance=True,
                                                   all_matches=False)
            d[pi] = straight * detour
            points[kind] = pts
        dist[kind] = d
        reasons[kind] = [None if np.isfinite(x) else _NO_FACILITY for x in d]
    fac_report = pd.DataFrame({"kind": fac_kind, "connector_m": np.zeros(len(fpts)),
                               "reason": pd.Series([None] * len(fpts), dtype=object)})
    areas = _Areas(net=None, node_dist={}, sources={}, connectors={}, points=points,
                   detour=detour)
    return dist, reasons, areas, fac_report, np.zeros(len(polys), dtype=np.int64)


# --------------------------------------------------------------------------------------------
# results


def _table(index: pd.Index, dist: dict[str, FloatArray], reasons: dict[str, list[str | None]],
           kinds: list[str], standards: Standards, access: npt.NDArray[np.int64],
           method: str) -> pd.DataFrame:
    mpm = standards.walking.metres_per_minute
    cols: dict[str, object] = {}
    completeness = np.zeros(len(index), dtype=np.int64)
    for kind in kinds:
        minutes = dist[kind] / mpm
        cols[f"walk_minutes_{kind}"] = minutes
        cols[f"reason_{kind}"] = pd.Series(reasons[kind], index=index, dtype=object)
        for level in standards.life_circle:
            cols[f"covered_{kind}_{level.minutes}min"] = _within(minutes, level.minutes)
        covered = _within(minutes, standards.kinds[kind].threshold_minutes)
        cols[f"covered_{kind}"] = covered
        if standards.kinds[kind].required:
            completeness += covered
    cols["access_points"] = access
    cols["completeness"] = completeness
    cols["completeness_of"] = sum(k.required for k in standards.kinds.values())
    cols["distance_method"] = method
    return pd.DataFrame(cols, index=index)


def _within(minutes: FloatArray, limit: float) -> npt.NDArray[np.bool_]:
    # a hair of tolerance so that a facility exactly on the circle counts despite rounding
    return np.nan_to_num(minutes, nan=np.inf) <= limit + 1e-9


def _service_areas(areas: _Areas, kinds: list[str], standards: Standards, buffer_m: float,
                   crs: object, tick: Callable[[], None]) -> gpd.GeoDataFrame:
    mpm = standards.walking.metres_per_minute
    wanted = [(kind, level) for kind in kinds for level in standards.life_circle]
    geoms: list[Any] = [None] * len(wanted)
    on_net: list[int] = []
    requests: list[AreaRequest] = []
    for i, (kind, level) in enumerate(wanted):
        budget = level.minutes * mpm
        if areas.net is not None and kind in areas.node_dist:
            lines, conn = areas.connectors[kind]
            ok = conn < budget
            extra = [lines[ok]]
            # facilities further from the street than the budget still reach their own bit
            far = ~ok & (conn > 0)
            if far.any():
                ends = shapely.line_interpolate_point(lines[far], budget)
                extra.append(shapely.linestrings(np.stack([
                    shapely.get_coordinates(shapely.get_point(lines[far], 0)),
                    shapely.get_coordinates(ends)], axis=1)))
            on_net.append(i)
            requests.append(AreaRequest(areas.node_dist[kind], budget, buffer_m,
                                        areas.sources[kind], np.concatenate(extra)))
        else:
            if areas.net is None and kind in areas.points:
                geoms[i] = shapely.union_all(shapely.buffer(areas.points[kind],
                                                            budget / areas.detour, quad_segs=16))
            tick()
    if areas.net is not None and requests:
        # all at once: the network draws them side by side in threads
        drawn = service_areas(areas.net, requests, done=lambda _: tick())
        for i, geom in zip(on_net, drawn, strict=True):
            geoms[i] = geom
    rows = [{"kind": kind, "minutes": level.minutes, "distance_m": round(level.minutes * mpm, 1),
             "label_zh": f"{FACILITY_KINDS[kind].label_zh}{level.label_zh}", "geometry": geom}
            for (kind, level), geom in zip(wanted, geoms, strict=True) if geom is not None]
    if not rows:
        return gpd.GeoDataFrame({"kind": [], "minutes": [], "distance_m": [], "label_zh": []},
                                geometry=[], crs=crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _gaps(communities: gpd.GeoDataFrame, areas: _Areas, service_areas: gpd.GeoDataFrame,
          standards: Standards) -> gpd.GeoDataFrame:
    """Parts of compounds no facility of a kind reaches within the kind's threshold.

    On a network, a compound is walked from its gates: each access point with budget left
    (threshold minus its walking distance) reaches the disc of that radius inside the outline.
    Without a network, the straight-line service area (discs round the facilities) is used.
    """
    polys = np.asarray(communities.geometry.values, dtype=object)
    area = shapely.area(polys)
    hh = pd.to_numeric(communities["households"]).to_numpy()
    mpm = standards.walking.metres_per_minute
    frames = []
    for kind, norm in standards.kinds.items():
        budget = norm.threshold_minutes * mpm
        gap = polys.copy()
        if areas.net is not None and kind in areas.node_dist:
            assert areas.gates is not None and areas.gate_node is not None
            g = areas.gates
            left = budget - (g.connector_m + areas.node_dist[kind][areas.gate_node])
            ok = left > 0
            if ok.any():
                discs = shapely.buffer(shapely.points(g.gate_xy[ok]), left[ok], quad_segs=8)
                owner = g.owner[ok]
                slot = np.arange(owner.size) - np.searchsorted(owner, owner)
                grid = np.full((len(polys), int(slot.max()) + 1), None, dtype=object)
                grid[owner, slot] = discs
                idx = np.unique(owner)
                reached = shapely.union_all(grid[idx], axis=1)
                gap[idx] = shapely.difference(polys[idx], reached)
        elif areas.net is None:
            match = service_areas[(service_areas["kind"] == kind)
                                  & (service_areas["minutes"] == norm.threshold_minutes)]
            if len(match):
                gap = shapely.difference(polys, match.geometry.iloc[0])
        gap_area = shapely.area(gap)
        keep = gap_area > 1.0  # ignore slivers under a square metre
        frames.append(pd.DataFrame({
            "kind": kind, "community_id": communities.index[keep].astype(str),
            "households": hh[keep], "area_m2": np.round(gap_area[keep], 1),
            "share": np.round(gap_area[keep] / np.where(area[keep] > 0, area[keep], 1), 4),
            "geometry": gap[keep]}))
    cols = ["kind", "community_id", "households", "area_m2", "share", "geometry"]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return gpd.GeoDataFrame(df[cols], geometry="geometry", crs=communities.crs)


def _summary(communities: gpd.GeoDataFrame, table: pd.DataFrame, kinds: list[str],
             standards: Standards) -> pd.DataFrame:
    hh = pd.to_numeric(communities["households"]).to_numpy(dtype=np.float64)
    pop = _numeric(communities, "population")
    share = _numeric(communities, "elderly_share")
    elderly = np.nan_to_num(pop * share)
    # with no population and elderly share anywhere (OSM), the elderly are unknown, not 0
    elderly_known = bool(np.isfinite(pop * share).any())
    rows = []
    for kind in kinds:
        for level in standards.life_circle:
            cov = table[f"covered_{kind}_{level.minutes}min"].to_numpy(bool)
            total = float(hh.sum())
            rows.append({
                "kind": kind, "minutes": level.minutes,
                "threshold": level.minutes == standards.kinds[kind].threshold_minutes,
                "households_covered": int(hh[cov].sum()), "households_total": int(total),
                "elderly_covered": int(round(elderly[cov].sum())) if elderly_known else None,
                "elderly_total": int(round(elderly.sum())) if elderly_known else None,
                "share": round(float(hh[cov].sum()) / total, 4) if total > 0 else np.nan,
            })
    out = pd.DataFrame(rows)
    if len(out):
        out[["elderly_covered", "elderly_total"]] = out[
            ["elderly_covered", "elderly_total"]].astype("Int64")
    return out


def outside_circle(communities: pd.DataFrame, kind: str, minutes: float) -> pd.DataFrame:
    """The compounds that no facility of ``kind`` reaches within ``minutes``: who, and why.

    The list a planner works from when closing a gap: every compound whose walking minutes to
    the kind are above ``minutes`` or missing, largest households first.

    Parameters
    ----------
    communities
        Compounds with the coverage columns (a plan's ``communities`` or
        :attr:`CoverageResult.table` joined to the compounds): ``walk_minutes_<kind>`` and
        ``reason_<kind>``; ``households``, ``population``, ``elderly_share``, ``name`` and
        ``zone_id`` are used when present.
    kind
        Facility kind.
    minutes
        The life-circle level (minutes of walking).

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``name``, ``zone_id``, ``households``, ``elderly`` (population ×
        elderly share), ``walk_minutes`` (missing when none) and ``reason`` ("中文 / English":
        beyond the level, or why there are no minutes), sorted by households (largest first),
        then id.

    Examples
    --------
    >>> df = pd.DataFrame({"households": [120, 300, 80], "walk_minutes_clinic": [4.0, 12.5, None],
    ...                    "reason_clinic": [None, None, _NO_FACILITY]},
    ...                   index=pd.Index(["A", "B", "C"], name="community_id"))
    >>> out = outside_circle(df, "clinic", 10)
    >>> out["community_id"].tolist(), out["reason"].tolist()
    (['B', 'C'], ['超出10分钟 / beyond 10 min', '无此类设施 / no facility of this kind'])
    """
    walk = _numeric(communities, f"walk_minutes_{kind}")
    out_mask = ~_within(walk, minutes)
    sub = communities[out_mask]
    walk = walk[out_mask]
    why = (sub[f"reason_{kind}"].to_numpy(dtype=object) if f"reason_{kind}" in sub.columns
           else np.full(len(sub), None, dtype=object))
    m = f"{minutes:g}"
    beyond = f"超出{m}分钟 / beyond {m} min"
    reason = np.where(np.isfinite(walk), beyond,
                      np.where(pd.isna(why), _UNREACHABLE, why)).astype(object)
    hh = _numeric(sub, "households")
    elderly = np.round(_numeric(sub, "population") * _numeric(sub, "elderly_share"))
    out = pd.DataFrame({
        "community_id": sub.index.astype(str),
        "name": sub["name"].to_numpy(dtype=object) if "name" in sub.columns else None,
        "zone_id": sub["zone_id"].to_numpy(dtype=object) if "zone_id" in sub.columns else None,
        "households": pd.array(hh, dtype="Float64").astype("Int64"),
        "elderly": pd.array(elderly, dtype="Float64").astype("Int64"),
        "walk_minutes": np.round(walk, 1),
        "reason": reason,
    })
    return (out.sort_values(["households", "community_id"], ascending=[False, True],
                            na_position="last", kind="stable")
            .reset_index(drop=True))


def _numeric(df: pd.DataFrame, col: str) -> FloatArray:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


# --------------------------------------------------------------------------------------------
# many-to-many


def walk_distance_matrix(communities: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                         standards: Standards,
                         network: WalkNetwork | gpd.GeoDataFrame | None = None,
                         cutoff_m: float) -> sparse.csr_array:
    """Walking distance (metres) from every compound to every target within ``cutoff_m``.

    Parameters
    ----------
    communities
        Compounds (polygons), metric CRS.
    targets
        Candidate sites or facilities (points or polygons), same CRS.
    standards
        Snap tolerance, access points and detour factor.
    network
        A :class:`~geo.network.WalkNetwork`, a streets layer (built with
        ``standards.walking.min_component_m``), or None for straight lines × detour factor.
    cutoff_m
        Pairs further apart than this are left out.

    Returns
    -------
    scipy.sparse.csr_array
        Rows in the order of ``communities``, columns in the order of ``targets``; stored
        entries are distances <= ``cutoff_m`` (an explicit 0 when a target sits at a gate).
        Compounds or targets not connected to the network have no entries.

    Examples
    --------
    >>> from planning.sample import load_sample
    >>> from planning.standards import load_standards
    >>> layers = load_sample()
    >>> m = walk_distance_matrix(layers["communities"], layers["sites"],
    ...                          standards=load_standards(), network=layers["streets"],
    ...                          cutoff_m=1125.0)
    >>> m.shape == (len(layers["communities"]), len(layers["sites"]))
    True
    >>> bool(m.data.max() <= 1125.0)
    True
    """
    require_metric(communities, "walking distances from compounds")
    require_metric(targets, "walking distances to sites")
    if targets.crs != communities.crs:
        msg = f"targets CRS {targets.crs} differs from communities CRS {communities.crs}"
        raise CRSError(msg)
    polys = np.asarray(communities.geometry.values, dtype=object)
    tgeo = np.asarray(targets.geometry.values, dtype=object)
    shape = (len(polys), len(tgeo))
    if len(polys) == 0 or len(tgeo) == 0:
        return sparse.csr_array(shape, dtype=np.float64)
    if network is None:
        detour = standards.walking.detour_factor
        tree = shapely.STRtree(tgeo)
        pi, ti = tree.query(polys, predicate="dwithin", distance=cutoff_m / detour)
        d = shapely.distance(polys[pi], tgeo[ti]) * detour
        ok = d <= cutoff_m
        return sparse.csr_array((d[ok], (pi[ok], ti[ok])), shape=shape)

    net = _as_network(network, communities, standards)
    tol = standards.walking.snap_tolerance_m
    join = join_polygons(net, polys, tolerance_m=tol,
                         access_points=standards.walking.access_points)
    ps, acc_node = join.snap, join.node
    ts = join.snap_points(tgeo, tolerance_m=tol)
    t_ok = np.flatnonzero(ts.edge >= 0)
    # one search per target: targets become nodes (new nodes only, access nodes keep theirs)
    net2, t_node = split_edges(join.net, ts.edge[t_ok], ts.offset[t_ok])
    if ps.owner.size == 0 or t_ok.size == 0:
        return sparse.csr_array(shape, dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, ps.owner[1:] != ps.owner[:-1]])
    owners = ps.owner[starts]
    graph = net2.graph
    chunk = max(1, int(2e7 // max(net2.n_nodes, 1)))  # bound the dense block to ~160 MB
    rows, cols, vals = [], [], []
    for s in range(0, t_ok.size, chunk):
        sel = slice(s, s + chunk)
        d = csgraph.dijkstra(graph, directed=False, indices=t_node[sel], limit=cutoff_m)
        via = d[:, acc_node] + ps.connector_m[None, :]
        best = np.minimum.reduceat(via, starts, axis=1) + ts.connector_m[t_ok[sel]][:, None]
        ti, ci = np.nonzero(best <= cutoff_m)
        rows.append(owners[ci])
        cols.append(t_ok[sel][ti])
        vals.append(best[ti, ci])
    return sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=shape)
