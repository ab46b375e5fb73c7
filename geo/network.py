"""Walking networks in metres: a sparse graph built from road centre lines or an OSM PBF.

A :class:`WalkNetwork` keeps the street graph as a symmetric scipy CSR matrix of edge lengths,
node coordinates, and, for every edge, the piece of street geometry it stands for (so that
service areas can be cut at an exact distance along the street). Compounds join the network
through several access points along their outline and facilities through their nearest walkable
point (:func:`snap_polygons`, :func:`snap_points`); :func:`split_edges` turns those snap points
into real nodes, so shortest paths need no special cases.

Disconnected pieces are real: :attr:`WalkNetwork.component` labels every node, and pieces whose
street length is below ``min_component_m`` (and which are not the largest piece) are
*fragments* that nothing snaps to.

Examples
--------
>>> from shapely.geometry import LineString
>>> import geopandas as gpd
>>> streets = gpd.GeoDataFrame(
...     {"road_class": ["residential", "footway", "motorway"]},
...     geometry=[LineString([(0, 0), (200, 0)]), LineString([(100, -50), (100, 50)]),
...               LineString([(0, 10), (200, 10)])],
...     crs="EPSG:4547")
>>> net = network_from_lines(streets)
>>> net.n_nodes, net.n_edges, round(float(net.edge_length.sum()), 1)
(5, 4, 300.0)
>>> report = net.component_report()
>>> report[["nodes", "length_m", "fragment"]].to_dict("records")
[{'nodes': 5, 'length_m': 300.0, 'fragment': False}]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from geo.crs import local_metric_crs, require_metric
from geo.errors import NetworkError

__all__ = [
    "DEFAULT_MIN_COMPONENT_M",
    "NON_WALKABLE_CLASSES",
    "PointSnap",
    "PolygonSnap",
    "WalkNetwork",
    "network_from_arrays",
    "network_from_lines",
    "network_from_osm",
    "reached_lines",
    "service_area",
    "snap_points",
    "snap_polygons",
    "split_edges",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Road classes nobody walks on. OSM ``highway`` values follow OSMnx's "walk" filter (motorways,
#: raceways, bus guideways, unbuilt and abandoned ways); the Chinese classes are the bureau's
#: 高速公路 and 城市快速路 main carriageways (CJJ 37-2012 城市道路工程设计规范 §3.1: 快速路
#: has no at-grade pedestrian access). Footways, paths, service roads and everything else stay.
NON_WALKABLE_CLASSES: frozenset[str] = frozenset({
    "motorway", "motorway_link", "raceway", "bus_guideway", "busway", "construction",
    "proposed", "planned", "abandoned", "razed", "escalator_no", "no",
    "高速公路", "高速", "快速路", "城市快速路", "快速路主路", "高架", "高架路",
})

#: Pieces of network shorter than this (total street length, metres) are fragments: a gated
#: compound's internal paths or a digitising error, which no compound may snap to alone. The
#: largest piece is never a fragment.
DEFAULT_MIN_COMPONENT_M = 1000.0

_EPS = 1e-6  # metres: snap points this close to an edge end sit on the end node


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking graph in metres.

    Edges are pieces of street geometry: edge ``e`` runs from node ``edge_u[e]`` to
    ``edge_v[e]`` along ``lines[edge_source[e]]`` from ``edge_offset[e]`` to
    ``edge_offset[e] + edge_length[e]`` metres. Parallel edges are allowed (the graph keeps the
    shortest); self-loops are dropped when the network is built.

    Attributes
    ----------
    xy
        Node coordinates, ``(n, 2)``.
    edge_u, edge_v
        End nodes of every edge, in the direction of its geometry.
    edge_length
        Length of every edge (metres, > 0).
    edge_source, edge_offset
        Which line of ``lines`` the edge lies on, and where it starts along it (metres).
    lines
        Street geometries (LineStrings) the edges are pieces of.
    crs
        CRS of the coordinates (metric).
    min_component_m
        Components with less street length than this are fragments (the largest never is).
    planar
        Whether lines meet only at their ends (noded), so that they bound faces as they are.
    """

    xy: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length: FloatArray
    edge_source: IntArray
    edge_offset: FloatArray
    lines: npt.NDArray[np.object_]
    crs: Any = None
    min_component_m: float = DEFAULT_MIN_COMPONENT_M
    planar: bool = False

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.xy.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return int(self.edge_u.shape[0])

    @functools.cached_property
    def graph(self) -> sparse.csr_array:
        """Symmetric CSR matrix of edge lengths (the shortest of parallel edges)."""
        return _symmetric_csr(self.edge_u, self.edge_v, self.edge_length, self.n_nodes)

    @functools.cached_property
    def component(self) -> IntArray:
        """Connected-component label of every node."""
        _, labels = csgraph.connected_components(self.graph, directed=False)
        return labels.astype(np.int64)

    @functools.cached_property
    def component_length_m(self) -> FloatArray:
        """Total street length of every component (metres)."""
        n_comp = int(self.component.max()) + 1 if self.n_nodes else 0
        return np.bincount(self.component[self.edge_u], weights=self.edge_length,
                           minlength=n_comp).astype(np.float64)

    @functools.cached_property
    def fragment_component(self) -> npt.NDArray[np.bool_]:
        """Whether each component is a fragment (too short, and not the largest)."""
        lengths = self.component_length_m
        frag = lengths < self.min_component_m
        if lengths.size:
            frag[int(np.argmax(lengths))] = False
        return frag

    @property
    def edge_is_fragment(self) -> npt.NDArray[np.bool_]:
        """Whether each edge lies on a fragment."""
        return self.fragment_component[self.component[self.edge_u]]

    def edge_geometry(self) -> npt.NDArray[np.object_]:
        """The geometry of every edge (substrings of ``lines`` where an edge is a piece)."""
        src_len = shapely.length(self.lines)[self.edge_source]
        whole = (self.edge_offset <= _EPS) & (self.edge_offset + self.edge_length
                                              >= src_len - _EPS)
        out = self.lines[self.edge_source].copy()
        cut = np.flatnonzero(~whole)
        out[cut] = _substrings(self.lines[self.edge_source[cut]], self.edge_offset[cut],
                               self.edge_offset[cut] + self.edge_length[cut])
        return out

    def component_report(self) -> pd.DataFrame:
        """One row per connected piece: nodes, street length, whether it is a fragment.

        Sorted by length, longest first; ``component`` is the label used in :attr:`component`.
        """
        counts = np.bincount(self.component, minlength=self.component_length_m.size)
        df = pd.DataFrame({
            "component": np.arange(self.component_length_m.size),
            "nodes": counts,
            "length_m": np.round(self.component_length_m, 1),
            "fragment": self.fragment_component,
        })
        return df.sort_values(["length_m", "component"], ascending=[False, True],
                              ignore_index=True)

    @functools.cached_property
    def faces(self) -> tuple[npt.NDArray[np.object_], IntArray, IntArray]:
        """Blocks enclosed by streets, and the block on each side of every line.

        Returns
        -------
        tuple
            Face polygons, and for every line of :attr:`lines` the face on its left and on
            its right (-1 outside every face; a dead end has the same face on both sides).
        """
        lines = self.lines if self.planar else shapely.get_parts(
            shapely.node(shapely.multilinestrings(self.lines)))
        faces = shapely.get_parts(shapely.polygonize(lines))
        n = len(self.lines)
        left = np.full(n, -1, dtype=np.int64)
        right = np.full(n, -1, dtype=np.int64)
        if faces.size == 0 or n == 0:
            return faces, left, right
        # probe a point a hair to each side of the first segment's middle
        coords = shapely.get_coordinates(self.lines)
        _, first = np.unique(shapely.get_coordinates(self.lines, return_index=True)[1],
                             return_index=True)
        a, b = coords[first], coords[first + 1]
        mid = (a + b) / 2
        d = b - a
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.hypot(d[:, 0], d[:, 1])[:, None]
        tree = shapely.STRtree(faces)
        for side, out in ((1e-3, left), (-1e-3, right)):
            pi, fi = tree.query(shapely.points(mid + side * normal), predicate="within")
            out[pi] = fi
        return faces, left, right


def _symmetric_csr(u: IntArray, v: IntArray, w: FloatArray, n: int) -> sparse.csr_array:
    """CSR with both directions of every edge, keeping the shortest of parallel edges."""
    keep = u != v
    a = np.minimum(u[keep], v[keep])
    b = np.maximum(u[keep], v[keep])
    w = w[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    data = np.concatenate([w, w])
    return sparse.csr_array((data, (rows, cols)), shape=(n, n))


def network_from_arrays(xy: npt.ArrayLike, edge_u: npt.ArrayLike, edge_v: npt.ArrayLike, *,
                        lines: npt.ArrayLike | None = None, crs: Any = None,
                        min_component_m: float = DEFAULT_MIN_COMPONENT_M,
                        planar: bool = False) -> WalkNetwork:
    """A network from node coordinates and edge end nodes (the core; no geometry work).

    Parameters
    ----------
    xy
        ``(n, 2)`` node coordinates in metres.
    edge_u, edge_v
        End nodes of each edge.
    lines
        One LineString per edge from ``xy[u]`` to ``xy[v]``; straight segments when omitted.
    crs
        CRS of the coordinates.
    min_component_m
        Components shorter than this are fragments.
    planar
        Declare that edges meet only at their end nodes (as in a lattice or noded lines).

    Returns
    -------
    WalkNetwork
        Edge lengths are the lengths of ``lines``; self-loops and zero-length edges dropped.
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    u = np.asarray(edge_u, dtype=np.int64)
    v = np.asarray(edge_v, dtype=np.int64)
    if lines is None:
        geoms = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    else:
        geoms = np.asarray(lines, dtype=object)
    length = shapely.length(geoms).astype(np.float64)
    keep = (u != v) & (length > _EPS)
    u, v, geoms, length = u[keep], v[keep], geoms[keep], length[keep]
    return WalkNetwork(xy=xy, edge_u=u, edge_v=v, edge_length=length,
                       edge_source=np.arange(u.size, dtype=np.int64),
                       edge_offset=np.zeros(u.size), lines=geoms, crs=crs,
                       min_component_m=float(min_component_m), planar=planar)


def network_from_lines(streets: gpd.GeoDataFrame | gpd.GeoSeries, *,
                       node_crossings: bool = True,
                       road_class_column: str = "road_class",
                       non_walkable: frozenset[str] | set[str] = NON_WALKABLE_CLASSES,
                       precision_m: float = 0.01,
                       min_component_m: float = DEFAULT_MIN_COMPONENT_M) -> WalkNetwork:
    """Build a walking network from street centre lines (bureau road data or OSM ways).

    Parameters
    ----------
    streets
        LineStrings (MultiLineStrings are split) in a metric CRS.
    node_crossings
        Add a node wherever two lines cross (bureau centre-line data, where crossing lines
        meet). Turn it off for OSM ways, which meet only at shared vertices (bridges cross
        without meeting).
    road_class_column
        Column with the road class; rows whose class is in ``non_walkable`` are dropped.
    non_walkable
        Road classes nobody walks on (compared lower-cased and stripped).
    precision_m
        Line ends and vertices closer than this become one node.
    min_component_m
        Components with less street length are fragments (see :class:`WalkNetwork`).

    Returns
    -------
    WalkNetwork
        Nodes at line ends, crossings and vertices shared by several lines; one edge per
        piece of line between two nodes.

    Raises
    ------
    CRSError
        When the streets have no CRS or one in degrees.
    NetworkError
        When no walkable street is left.
    """
    require_metric(streets, "walking network streets")
    geoms = np.asarray(streets.geometry.values, dtype=object)
    if isinstance(streets, gpd.GeoDataFrame) and road_class_column in streets.columns:
        cls = streets[road_class_column].astype("string").str.strip().str.lower()
        drop = cls.isin({c.lower() for c in non_walkable}).fillna(False).to_numpy(bool)
        geoms = geoms[~drop]
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    geoms = geoms[np.isin(shapely.get_type_id(geoms), (1, 5))]  # LineString, MultiLineString
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.length(parts) > 0]
    if parts.size == 0:
        msg = "no walkable street: every line is empty, not a line, or a non-walkable class"
        raise NetworkError(msg)
    if node_crossings:
        parts = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
    return _network_from_parts(parts, crs=streets.crs, precision_m=precision_m,
                               min_component_m=min_component_m, planar=node_crossings)


def _network_from_parts(parts: npt.NDArray[np.object_], *, crs: Any, precision_m: float,
                        min_component_m: float, planar: bool) -> WalkNetwork:
    """Split lines at vertices shared between lines (and at their ends); one edge per piece."""
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    keys = np.round(coords / precision_m).astype(np.int64)
    _, vid = np.unique(keys, axis=0, return_inverse=True)
    vid = vid.ravel()
    n_vert = coords.shape[0]
    starts = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]])
    ends = np.r_[starts[1:] - 1, n_vert - 1]
    # a vertex is a node when it ends a line or appears in more than one line
    pair = np.unique(np.stack([vid, line_of]), axis=1)
    lines_per_vertex = np.bincount(pair[0], minlength=int(vid.max()) + 1)
    is_node = lines_per_vertex[vid] > 1
    is_node[starts] = True
    is_node[ends] = True
    # a vertex met twice by one line (a loop) is a node, and a closed ring gets a node half-way
    # round, so that no piece starts and ends at the same node
    _, pair_inv, pair_count = np.unique(np.stack([line_of, vid]), axis=1, return_inverse=True,
                                        return_counts=True)
    is_node |= pair_count[pair_inv.ravel()] > 1
    ring = vid[starts] == vid[ends]
    is_node[(starts + (ends - starts + 1) // 2)[ring]] = True
    node_vid, node_of_vertex = np.unique(vid[is_node], return_inverse=True)
    node_xy = np.zeros((node_vid.size, 2))
    node_xy[node_of_vertex] = coords[is_node]
    # pieces: from each node vertex to the next node vertex on the same line
    node_pos = np.flatnonzero(is_node)
    nxt = node_pos[1:]
    cur = node_pos[:-1]
    same = line_of[cur] == line_of[nxt]
    cur, nxt = cur[same], nxt[same]
    node_index = np.full(n_vert, -1, dtype=np.int64)
    node_index[node_pos] = node_of_vertex
    counts = nxt - cur + 1
    piece = np.repeat(np.arange(cur.size), counts)
    within = np.arange(piece.size) - np.repeat(np.cumsum(counts) - counts, counts)
    lines = shapely.linestrings(coords[cur[piece] + within], indices=piece)
    return network_from_arrays(node_xy, node_index[cur], node_index[nxt], lines=lines,
                               crs=crs, min_component_m=min_component_m, planar=planar)


def network_from_osm(path: str | Path, *, crs: Any = None,
                     bounding_box: Any = None,
                     min_component_m: float = DEFAULT_MIN_COMPONENT_M) -> WalkNetwork:
    """Build a walking network from an OSM PBF extract.

    The walkable ways come from :func:`geo.osm.read_osm` (its ``streets``: no motorways or
    trunk roads, nothing closed by ``foot=no``); ways are joined only where they share an OSM
    node (bridges and tunnels cross without meeting).

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    crs
        Metric CRS to project to; the local CGCS2000 Gauss-Kruger zone when omitted.
    bounding_box
        Passed to :func:`geo.osm.read_osm` to read only part of the extract.
    min_component_m
        Components with less street length are fragments.

    Returns
    -------
    WalkNetwork
    """
    from geo.osm import read_osm

    streets = read_osm(path, bounding_box=bounding_box)["streets"]
    if len(streets) == 0:
        msg = f"{path}: no walkable way in the extract"
        raise NetworkError(msg)
    streets = streets.to_crs(crs if crs is not None else local_metric_crs(streets))
    return network_from_lines(streets, node_crossings=False, min_component_m=min_component_m)


# --------------------------------------------------------------------------------------------
# Snapping


@dataclass(frozen=True)
class PointSnap:
    """Where points join the network.

    Attributes
    ----------
    edge
        Edge each point snaps to (-1 when not connected).
    offset
        Distance along the edge from ``edge_u`` (metres).
    connector_m
        Straight-line length from the point to the edge (NaN when not connected).
    fragment_m
        When not connected but a fragment lies within the tolerance, that fragment's length.
    """

    edge: IntArray
    offset: FloatArray
    connector_m: FloatArray
    fragment_m: FloatArray


@dataclass(frozen=True)
class PolygonSnap:
    """Access points of polygons: several per polygon, each with its connector.

    Attributes
    ----------
    owner
        Index (0..n-1) of the polygon each access point belongs to, sorted.
    edge, offset, connector_m
        As in :class:`PointSnap`, one per access point.
    gate_xy
        The access point on the polygon's outline, ``(k, 2)``.
    fragment_m
        Per polygon: length of the fragment within the tolerance when it has no access point
        (NaN otherwise).
    """

    owner: IntArray
    edge: IntArray
    offset: FloatArray
    connector_m: FloatArray
    fragment_m: FloatArray
    gate_xy: FloatArray


def _edge_tree(net: WalkNetwork, usable: bool) -> tuple[shapely.STRtree, IntArray]:
    key = f"_edge_tree_{usable}"
    cached: tuple[shapely.STRtree, IntArray] | None = net.__dict__.get(key)
    if cached is None:
        ids = np.flatnonzero(~net.edge_is_fragment if usable else net.edge_is_fragment)
        cached = (shapely.STRtree(_edge_geoms(net)[ids]), ids)
        net.__dict__[key] = cached
    return cached


def _edge_geoms(net: WalkNetwork) -> npt.NDArray[np.object_]:
    cached: npt.NDArray[np.object_] | None = net.__dict__.get("_edge_geoms")
    if cached is None:
        cached = net.edge_geometry()
        net.__dict__["_edge_geoms"] = cached
    return cached


def _fragment_near(net: WalkNetwork, geoms: npt.NDArray[np.object_], tolerance_m: float
                   ) -> FloatArray:
    """Length of the nearest fragment within the tolerance of each geometry (NaN if none)."""
    out = np.full(len(geoms), np.nan)
    if not net.edge_is_fragment.any() or len(geoms) == 0:
        return out
    tree, ids = _edge_tree(net, usable=False)
    gi, ti = tree.query_nearest(geoms, max_distance=tolerance_m, all_matches=False)
    comp = net.component[net.edge_u[ids[ti]]]
    out[gi] = net.component_length_m[comp]
    return out


def snap_points(net: WalkNetwork, points: npt.ArrayLike, *, tolerance_m: float) -> PointSnap:
    """Snap points (or any geometries) to their nearest walkable point, never onto a fragment.

    Parameters
    ----------
    net
        The network.
    points
        Geometries in the network's CRS (a polygon joins at its point nearest to a street).
    tolerance_m
        Points further than this from every non-fragment street are not connected.

    Returns
    -------
    PointSnap
    """
    pts = np.asarray(points, dtype=object)
    n = pts.size
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    conn = np.full(n, np.nan)
    if n and net.n_edges:
        tree, ids = _edge_tree(net, usable=True)
        pi, ti = tree.query_nearest(pts, max_distance=tolerance_m, all_matches=False)
        e = ids[ti]
        geoms = _edge_geoms(net)[e]
        link = shapely.shortest_line(geoms, pts[pi])
        edge[pi] = e
        offset[pi] = np.clip(shapely.line_locate_point(geoms, shapely.get_point(link, 0)), 0,
                             net.edge_length[e])
        conn[pi] = shapely.length(link)
    frag = np.full(n, np.nan)
    missing = edge < 0
    if missing.any():
        frag[missing] = _fragment_near(net, pts[missing], tolerance_m)
    return PointSnap(edge=edge, offset=offset, connector_m=conn, fragment_m=frag)


def snap_polygons(net: WalkNetwork, polygons: npt.ArrayLike, *, tolerance_m: float,
                  access_points: int) -> PolygonSnap:
    """Connect polygons (compounds) at several access points along their outline.

    The ``access_points`` non-fragment edges nearest to a polygon's outline (within
    ``tolerance_m``) each get an access point: the point of the edge facing the polygon's
    centroid, joined to the outline by the shortest connector (0 when the street runs
    inside). A block between four streets gets a gate half-way along each side.

    Parameters
    ----------
    net
        The network.
    polygons
        Polygon geometries in the network's CRS.
    tolerance_m
        Streets further than this from the outline are not considered.
    access_points
        Access points kept per polygon.

    Returns
    -------
    PolygonSnap
    """
    polys = np.asarray(polygons, dtype=object)
    n = polys.size
    owner = np.empty(0, dtype=np.int64)
    edge = np.empty(0, dtype=np.int64)
    offset = np.empty(0)
    conn = np.empty(0)
    gate_xy = np.empty((0, 2))
    if n and net.n_edges:
        tree, ids = _edge_tree(net, usable=True)
        outline = shapely.boundary(polys)
        pi, e, d = _nearest_edges(tree, ids, outline, tolerance_m, access_points)
        geoms = _edge_geoms(net)[e]
        order = np.lexsort((e, d, pi))
        pi, e, d, geoms = pi[order], e[order], d[order], geoms[order]
        rank = np.arange(pi.size) - np.searchsorted(pi, pi)
        keep = rank < access_points
        owner, edge, geoms = pi[keep], e[keep], geoms[keep]
        # join each street at the point facing the compound's centre: a block along a street
        # gets its gate half-way along that side, not at an arbitrary corner
        centre = shapely.centroid(polys)[owner]
        offset = np.clip(shapely.line_locate_point(geoms, centre), 0, net.edge_length[edge])
        on_edge = shapely.line_interpolate_point(geoms, offset)
        link = shapely.shortest_line(polys[owner], on_edge)
        conn = shapely.length(link)
        gate_xy = shapely.get_coordinates(shapely.get_point(link, 0))
    frag = np.full(n, np.nan)
    missing = np.ones(n, dtype=bool)
    missing[owner] = False
    if missing.any():
        frag[missing] = _fragment_near(net, shapely.boundary(polys[missing]), tolerance_m)
    return PolygonSnap(owner=owner.astype(np.int64), edge=edge, offset=offset,
                       connector_m=conn, fragment_m=frag, gate_xy=gate_xy)


def _nearest_edges(tree: shapely.STRtree, ids: IntArray, geoms: npt.NDArray[np.object_],
                   tolerance_m: float, k: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges within ``tolerance_m`` of each geometry, enough to hold its ``k`` nearest.

    Searches a growing radius: a geometry with ``k`` edges within ``r`` has its ``k`` nearest
    among them, so only the others are searched again further out (few candidate pairs).
    """
    found_p, found_e, found_d = [], [], []
    todo = np.arange(geoms.size)
    radius = min(25.0, tolerance_m)
    while todo.size:
        gi, ti = tree.query(geoms[todo], predicate="dwithin", distance=radius)
        counts = np.bincount(gi, minlength=todo.size)
        done = (counts >= k) | (radius >= tolerance_m)
        keep = done[gi]
        p = todo[gi[keep]]
        e = ids[ti[keep]]
        found_p.append(p)
        found_e.append(e)
        found_d.append(shapely.distance(geoms[p], tree.geometries[ti[keep]]))
        todo = todo[~done]
        radius = min(radius * 2, tolerance_m)
    return np.concatenate(found_p), np.concatenate(found_e), np.concatenate(found_d)


def split_edges(net: WalkNetwork, edge: npt.ArrayLike, offset: npt.ArrayLike
                ) -> tuple[WalkNetwork, IntArray]:
    """Insert nodes at points along edges (snap points), splitting each edge into pieces.

    Parameters
    ----------
    net
        The network.
    edge, offset
        Edge and distance along it (from ``edge_u``) of each point.

    Returns
    -------
    WalkNetwork
        The network with the new nodes; same ``lines``, same components.
    numpy.ndarray
        Node of each point (an existing end node when the point sits on it).

    Examples
    --------
    >>> net = network_from_arrays([[0, 0], [100, 0]], [0], [1])
    >>> net2, nodes = split_edges(net, [0, 0, 0], [30.0, 30.0, 100.0])
    >>> nodes.tolist(), net2.edge_length.tolist()
    ([2, 2, 1], [30.0, 70.0])
    """
    edge = np.asarray(edge, dtype=np.int64)
    offset = np.asarray(offset, dtype=np.float64)
    length = net.edge_length[edge]
    node = np.empty(edge.size, dtype=np.int64)
    at_u = offset <= _EPS
    at_v = ~at_u & (offset >= length - _EPS)
    inner = ~(at_u | at_v)
    node[at_u] = net.edge_u[edge[at_u]]
    node[at_v] = net.edge_v[edge[at_v]]
    if not inner.any():
        return net, node
    keys = np.stack([edge[inner].astype(np.float64), np.round(offset[inner] / _EPS)], axis=1)
    uniq, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    se = uniq[:, 0].astype(np.int64)  # sorted by edge, then offset
    st = offset[inner][first]  # the exact offset (the key is only rounded for grouping)
    new_ids = net.n_nodes + np.arange(se.size, dtype=np.int64)
    node[inner] = new_ids[inv.ravel()]
    src_geom = net.lines[net.edge_source[se]]
    new_xy = shapely.get_coordinates(
        shapely.line_interpolate_point(src_geom, net.edge_offset[se] + st))
    # chains u -> p1 -> ... -> pk -> v for every split edge
    first = np.r_[True, se[1:] != se[:-1]]
    last = np.r_[se[1:] != se[:-1], True]
    prev_node = np.where(first, net.edge_u[se], np.r_[-1, new_ids[:-1]])
    prev_t = np.where(first, 0.0, np.r_[0.0, st[:-1]])
    a = np.concatenate([prev_node, new_ids[last]])
    b = np.concatenate([new_ids, net.edge_v[se[last]]])
    t0 = np.concatenate([prev_t, st[last]])
    t1 = np.concatenate([st, net.edge_length[se[last]]])
    parent = np.concatenate([se, se[last]])
    kept = np.ones(net.n_edges, dtype=bool)
    kept[se] = False
    out = WalkNetwork(
        xy=np.vstack([net.xy, new_xy]),
        edge_u=np.concatenate([net.edge_u[kept], a]),
        edge_v=np.concatenate([net.edge_v[kept], b]),
        edge_length=np.concatenate([net.edge_length[kept], t1 - t0]),
        edge_source=np.concatenate([net.edge_source[kept], net.edge_source[parent]]),
        edge_offset=np.concatenate([net.edge_offset[kept], net.edge_offset[parent] + t0]),
        lines=net.lines, crs=net.crs, min_component_m=net.min_component_m, planar=net.planar)
    if "faces" in net.__dict__:  # same lines, same faces
        out.__dict__["faces"] = net.__dict__["faces"]
    return out, node


def reached_lines(net: WalkNetwork, dist: npt.ArrayLike, budget_m: float
                  ) -> npt.NDArray[np.object_]:
    """The street pieces reached within ``budget_m`` given each node's distance from sources.

    Every edge with an end closer than the budget is walked from that end for the remaining
    budget (up to its length); the last piece is cut at the exact budget along the street.
    Pieces of one street line that touch are merged.

    Parameters
    ----------
    net
        The network.
    dist
        Shortest distance of every node from the sources (``inf`` when unreached).
    budget_m
        Walking budget (metres).

    Returns
    -------
    numpy.ndarray
        LineStrings (pieces of ``net.lines``).

    Examples
    --------
    >>> net = network_from_arrays([[0, 0], [100, 0], [100, 100]], [0, 1], [1, 2])
    >>> [g.length for g in reached_lines(net, [0.0, 100.0, 200.0], 130.0)]
    [100.0, 30.0]
    """
    return _reached(net, np.asarray(dist, dtype=np.float64), budget_m)[0]


def _reached(net: WalkNetwork, d: FloatArray, budget_m: float
             ) -> tuple[npt.NDArray[np.object_], IntArray, npt.NDArray[np.bool_]]:
    """Reached pieces, the line each lies on, and whether it is the whole line."""
    rem_u = np.clip(budget_m - d[net.edge_u], 0.0, net.edge_length)
    rem_v = np.clip(budget_m - d[net.edge_v], 0.0, net.edge_length)
    full = (rem_u + rem_v >= net.edge_length) & ((rem_u > 0) | (rem_v > 0))
    from_u = ~full & (rem_u > 0)
    from_v = ~full & (rem_v > 0)
    src = np.concatenate([net.edge_source[full], net.edge_source[from_u],
                          net.edge_source[from_v]])
    s = np.concatenate([net.edge_offset[full], net.edge_offset[from_u],
                        net.edge_offset[from_v] + net.edge_length[from_v] - rem_v[from_v]])
    e = np.concatenate([net.edge_offset[full] + net.edge_length[full],
                        net.edge_offset[from_u] + rem_u[from_u],
                        net.edge_offset[from_v] + net.edge_length[from_v]])
    if src.size == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    # merge touching intervals on the same line
    order = np.lexsort((s, src))
    src, s, e = src[order], s[order], e[order]
    run_end = pd.Series(e).groupby(src).cummax().to_numpy()
    new = np.r_[True, (src[1:] != src[:-1]) | (s[1:] > run_end[:-1] + _EPS)]
    g_src = src[new]
    g_s = s[new]
    g_e = np.maximum.reduceat(e, np.flatnonzero(new))
    line_len = shapely.length(net.lines)[g_src]
    whole = (g_s <= _EPS) & (g_e >= line_len - _EPS)
    out = net.lines[g_src].copy()
    cut = np.flatnonzero(~whole)
    out[cut] = _substrings(net.lines[g_src[cut]], g_s[cut], g_e[cut])
    return out, g_src, whole


def _substrings(lines: npt.NDArray[np.object_], start: FloatArray, end: FloatArray
                ) -> npt.NDArray[np.object_]:
    """Vectorised ``shapely.ops.substring`` for ``0 <= start < end <= length``.

    >>> from shapely.geometry import LineString
    >>> line = LineString([(0, 0), (10, 0), (10, 10)])
    >>> [g.wkt for g in _substrings(np.array([line, line]), np.r_[5.0, 0.0], np.r_[15.0, 3.0])]
    ['LINESTRING (5 0, 10 0, 10 5)', 'LINESTRING (0 0, 3 0)']
    """
    if lines.size == 0:
        return np.empty(0, dtype=object)
    coords, which = shapely.get_coordinates(lines, return_index=True)
    seg = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
    first = np.r_[True, which[1:] != which[:-1]]
    seg[first] = 0.0
    cum = np.cumsum(seg)
    cum -= np.repeat(cum[first], np.bincount(which, minlength=lines.size))
    inside = (cum > start[which] + _EPS) & (cum < end[which] - _EPS)
    n = lines.size
    p_s = shapely.get_coordinates(shapely.line_interpolate_point(lines, start))
    p_e = shapely.get_coordinates(shapely.line_interpolate_point(lines, end))
    xy = np.concatenate([p_s, coords[inside], p_e])
    owner = np.concatenate([np.arange(n), which[inside], np.arange(n)])
    pos = np.concatenate([np.full(n, -np.inf), cum[inside], np.full(n, np.inf)])
    order = np.lexsort((pos, owner))
    return np.asarray(shapely.linestrings(xy[order], indices=owner[order]), dtype=object)


def service_area(net: WalkNetwork, dist: npt.ArrayLike, budget_m: float, *, buffer_m: float,
                 extra_lines: npt.ArrayLike | None = None, infill: bool = True) -> Any:
    """The area reached within ``budget_m``: reached streets buffered by ``buffer_m``.

    Parameters
    ----------
    net
        The network.
    dist
        Shortest distance of every node from the sources.
    budget_m
        Walking budget (metres); the last piece of street is cut at the exact budget.
    buffer_m
        Half-width of the corridor round reached streets.
    extra_lines
        More lines to buffer with the streets (e.g. facility connectors).
    infill
        Fill blocks whose every bounding street is reached, as OSMnx's isochrone recipe fills
        the holes of its polygons. It is also what keeps large areas fast: the blocks are
        merged as a coverage and only the frontier streets are buffered and unioned.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Empty when nothing is reached.

    Examples
    --------
    >>> net = network_from_arrays([[0, 0], [100, 0], [100, 100], [0, 100]],
    ...                           [0, 1, 2, 3], [1, 2, 3, 0], planar=True)
    >>> round(service_area(net, [0, 100, 200, 100], 250.0, buffer_m=10).area, -2)  # infilled
    14300.0
    >>> round(service_area(net, [0, 100, 200, 100], 150.0, buffer_m=10).area, -2)  # 300 m x 20
    6200.0
    """
    pieces, src, whole = _reached(net, np.asarray(dist, dtype=np.float64), budget_m)
    extra = np.asarray(extra_lines if extra_lines is not None else [], dtype=object)
    if pieces.size == 0 and extra.size == 0:
        return shapely.Polygon()
    core = None
    frontier = pieces
    if infill and pieces.size:
        faces, left, right = net.faces
        if faces.size:
            line_whole = np.zeros(len(net.lines), dtype=bool)
            line_whole[src[whole]] = True
            open_face = np.zeros(faces.size + 1, dtype=bool)  # last slot: outside (-1)
            open_face[-1] = True
            open_face[left[~line_whole]] = True
            open_face[right[~line_whole]] = True
            seen = np.zeros(faces.size + 1, dtype=bool)
            seen[left] = True
            seen[right] = True
            full_face = seen[:-1] & ~open_face[:-1]
            interior = line_whole[src] & ~open_face[left[src]] & ~open_face[right[src]]
            frontier = pieces[~interior]
            if full_face.any():
                try:
                    core = shapely.coverage_union_all(faces[full_face])
                except shapely.errors.GEOSException:  # faces of unnoded lines overlap
                    core = shapely.union_all(faces[full_face])
    parts = [shapely.buffer(frontier, buffer_m, quad_segs=4),
             shapely.buffer(extra, buffer_m, quad_segs=4)]
    merged = shapely.union_all(np.concatenate(parts))
    if core is not None:
        merged = shapely.union(core, merged)
    return merged
