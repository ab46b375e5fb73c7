"""Which polygons are neighbours: adjacency across gaps, never across a barrier.

Residential compounds are separated by streets, so polygons that touch are the exception. Two
polygons are neighbours when the gap between them (the shortest distance between their outlines)
is at most ``gap_tolerance_m`` and the straight segment between their nearest points crosses no
barrier line or polygon (railways, rivers, arterial streets, lines a planner drew). Polygons that
touch are neighbours unless a barrier runs through their shared edge. An optional ``group``
(for instance the subdistrict, 街道) keeps neighbours within the same group.

The rule is the segment between nearest points: a barrier that cuts only part of a long gap, away
from where the two outlines come closest, does not separate them.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString, box
>>> gdf = gpd.GeoDataFrame({"community_id": ["A", "B", "C"]},
...     geometry=[box(0, 0, 100, 100), box(120, 0, 220, 100), box(240, 0, 340, 100)],
...     crs="EPSG:4547").set_index("community_id")
>>> adj = adjacency(gdf, gap_tolerance_m=30)
>>> adj.edges()
[('A', 'B', 20.0), ('B', 'C', 20.0)]
>>> rail = gpd.GeoSeries([LineString([(230, -50), (230, 150)])], crs="EPSG:4547")
>>> blocked = adjacency(gdf, gap_tolerance_m=30, barriers=rail)
>>> blocked.edges(), blocked.n_blocked, list(blocked.islands())
([('A', 'B', 20.0)], 1, ['C'])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.crs import require_metric
from geo.errors import LayerValidationError, Problem

__all__ = [
    "Adjacency",
    "adjacency",
    "links_within",
]


@dataclass(frozen=True)
class Adjacency:
    """Neighbour pairs of a polygon layer.

    Attributes
    ----------
    ids
        The layer's index (row ``i`` of every array is ``ids[i]``).
    pairs
        ``(m, 2)`` int array of row positions ``i < j`` that are neighbours, sorted.
    gap_m
        Gap in metres of each pair (0 for touching or overlapping polygons).
    blocked
        ``(k, 2)`` pairs within the tolerance that a barrier separates.
    blocked_by
        Row label (in the barrier layer) of the first barrier that separates each blocked pair.
    """

    ids: pd.Index
    pairs: np.ndarray
    gap_m: np.ndarray
    blocked: np.ndarray
    blocked_by: np.ndarray

    @property
    def n(self) -> int:
        """Number of polygons."""
        return len(self.ids)

    @property
    def n_blocked(self) -> int:
        """Number of pairs within the tolerance that a barrier separates."""
        return len(self.blocked)

    @cached_property
    def matrix(self) -> sparse.csr_array:
        """Symmetric boolean CSR matrix, ``n x n``."""
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        data = np.ones(2 * len(i), dtype=bool)
        m = sparse.coo_array((data, (np.r_[i, j], np.r_[j, i])), shape=(self.n, self.n))
        out = sparse.csr_array(m)
        out.sort_indices()
        return out

    def degree(self) -> pd.Series:
        """Number of neighbours of each polygon, indexed like the layer."""
        deg = np.bincount(self.pairs.ravel(), minlength=self.n)
        return pd.Series(deg, index=self.ids, name="n_neighbours")

    def islands(self) -> pd.Index:
        """Polygons with no neighbour."""
        return self.ids[self.degree().to_numpy() == 0]

    def edges(self) -> list[tuple[str, str, float]]:
        """Neighbour pairs as ``(id_a, id_b, gap_m)``, gaps rounded to 0.1 m."""
        return [(str(self.ids[i]), str(self.ids[j]), round(float(g), 1))
                for (i, j), g in zip(self.pairs, self.gap_m, strict=True)]

    def to_networkx(self) -> nx.Graph:
        """A networkx graph: nodes are the layer's ids (every polygon), edges carry ``gap_m``."""
        g = nx.Graph()
        g.add_nodes_from(self.ids)
        g.add_weighted_edges_from(
            ((self.ids[i], self.ids[j], float(w))
             for (i, j), w in zip(self.pairs, self.gap_m, strict=True)), weight="gap_m")
        return g


def adjacency(gdf: gpd.GeoDataFrame, *, gap_tolerance_m: float,
              barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
              group: pd.Series | np.ndarray | str | None = None) -> Adjacency:
    """Neighbours of every polygon across gaps up to a tolerance, never across a barrier.

    Parameters
    ----------
    gdf
        Polygons in a metric CRS.
    gap_tolerance_m
        Largest gap (metres) between two outlines that still makes them neighbours.
    barriers
        Lines or polygons that no neighbour link may cross (any CRS; reprojected to ``gdf``'s).
    group
        Labels (a column name of ``gdf`` or values aligned to it): neighbours must share a label.

    Returns
    -------
    Adjacency
        The neighbour pairs with their gaps, and the pairs the barriers separated.

    Raises
    ------
    CRSError
        When ``gdf`` is not in a projected CRS in metres (geo.crs.require_metric).
    LayerValidationError
        Listing empty or non-polygon geometries and missing group labels.
    """
    geoms, labels = _validate(gdf, gap_tolerance_m, group)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=gap_tolerance_m)
    keep = a < b
    if labels is not None:
        keep &= labels[a] == labels[b]
    a, b = a[keep], b[keep]
    return _links(gdf.index, geoms, a, b, barriers, gdf.crs)


def links_within(gdf: gpd.GeoDataFrame, sources: pd.Index | list[str], *, max_distance_m: float,
                 barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                 group: pd.Series | np.ndarray | str | None = None) -> pd.DataFrame:
    """Every polygon within ``max_distance_m`` of each source polygon, not across a barrier.

    Used to join an isolated polygon to something near it.

    Parameters
    ----------
    gdf
        Polygons in a metric CRS.
    sources
        Ids (of ``gdf``) to look from.
    max_distance_m
        Largest gap in metres.
    barriers, group
        As in :func:`adjacency`.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target`` (ids) and ``gap_m``, sorted by source, gap, then target.
    """
    geoms, labels = _validate(gdf, max_distance_m, group)
    pos = gdf.index.get_indexer(pd.Index(sources))
    tree = shapely.STRtree(geoms)
    s, t = tree.query(geoms[pos], predicate="dwithin", distance=max_distance_m)
    s = pos[s]
    keep = s != t
    if labels is not None:
        keep &= labels[s] == labels[t]
    adj = _links(gdf.index, geoms, s[keep], t[keep], barriers, gdf.crs, ordered=False)
    out = pd.DataFrame({"source": gdf.index[adj.pairs[:, 0]], "target": gdf.index[adj.pairs[:, 1]],
                        "gap_m": adj.gap_m})
    return out.sort_values(["source", "gap_m", "target"], kind="stable").reset_index(drop=True)


def _validate(gdf: gpd.GeoDataFrame, distance: float,
              group: pd.Series | np.ndarray | str | None) -> tuple[np.ndarray, np.ndarray | None]:
    require_metric(gdf, "gaps between neighbouring polygons")
    problems: list[Problem] = []
    if not np.isfinite(distance) or distance < 0:
        problems.append(Problem("gap_tolerance_m", (), f"must be a distance >= 0, got {distance}"))
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    ids = gdf.index.astype(str)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        problems.append(Problem("geometry", tuple(ids[empty]), "empty or missing geometry"))
    kinds = shapely.get_type_id(geoms)
    not_poly = ~empty & ~np.isin(kinds, (3, 6))
    if not_poly.any():
        problems.append(Problem("geometry", tuple(ids[not_poly]),
                                "must be a Polygon or MultiPolygon"))
    labels = None
    if group is not None:
        values = gdf[group] if isinstance(group, str) else pd.Series(np.asarray(group),
                                                                     index=gdf.index)
        if len(values) != len(gdf):
            problems.append(Problem("group", (), "group labels must align with the layer"))
        else:
            missing = values.isna().to_numpy()
            if missing.any():
                name = group if isinstance(group, str) else "group"
                problems.append(Problem(name, tuple(ids[missing]),
                                        "missing group label; fill it in or drop the grouping"))
            labels = values.astype(str).to_numpy()
    if problems:
        raise LayerValidationError("adjacency", problems)
    return geoms, labels


def _barrier_geoms(barriers: gpd.GeoDataFrame | gpd.GeoSeries | None,
                   crs: object) -> tuple[np.ndarray, pd.Index]:
    if barriers is None or len(barriers) == 0:
        return np.empty(0, dtype=object), pd.Index([])
    if barriers.crs is not None and crs is not None and barriers.crs != crs:
        barriers = barriers.to_crs(crs)
    geoms = np.asarray(barriers.geometry.to_numpy() if isinstance(barriers, gpd.GeoDataFrame)
                       else barriers.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return geoms[ok], barriers.index[ok]


def _links(ids: pd.Index, geoms: np.ndarray, a: np.ndarray, b: np.ndarray,
           barriers: gpd.GeoDataFrame | gpd.GeoSeries | None, crs: object,
           *, ordered: bool = True) -> Adjacency:
    """Gaps of candidate pairs and the barrier test; returns kept and blocked pairs."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if ordered:
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
    gap = shapely.distance(geoms[a], geoms[b]) if len(a) else np.empty(0)
    blocked_by = np.full(len(a), -1, dtype=np.int64)
    bgeoms, bids = _barrier_geoms(barriers, crs)
    if len(bgeoms) and len(a):
        # What a link crosses: the segment between nearest points, or, for polygons that
        # touch or overlap, their shared part.
        link = shapely.shortest_line(geoms[a], geoms[b])
        touching = gap <= 0
        if touching.any():
            link[touching] = shapely.intersection(geoms[a[touching]], geoms[b[touching]])
        btree = shapely.STRtree(bgeoms)
        li, bi = btree.query(link, predicate="intersects")
        if len(li):
            # the first barrier (lowest position) that cuts each link
            first = pd.Series(bi).groupby(li).min()
            blocked_by[first.index.to_numpy()] = first.to_numpy()
    cut = blocked_by >= 0
    pairs = np.column_stack([a[~cut], b[~cut]]) if len(a) else np.empty((0, 2), dtype=np.int64)
    blocked = np.column_stack([a[cut], b[cut]]) if len(a) else np.empty((0, 2), dtype=np.int64)
    return Adjacency(ids=ids, pairs=pairs.astype(np.int64).reshape(-1, 2),
                     gap_m=np.asarray(gap[~cut], dtype=float),
                     blocked=blocked.astype(np.int64).reshape(-1, 2),
                     blocked_by=np.asarray(bids[blocked_by[cut]]) if cut.any()
                     else np.empty(0, dtype=object))
