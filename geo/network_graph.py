"""The walking graph: :class:`WalkNetwork` and the builders (arrays, centre lines, OSM PBF).

See :mod:`geo.network` for the overview; everything public here is re-exported there.

Examples
--------
>>> net = network_from_arrays([[0, 0], [100, 0], [100, 50]], [0, 1], [1, 2])
>>> net.graph.toarray()[1].tolist()
[100.0, 0.0, 50.0]
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
    "STRUCTURE_WORDS",
    "WalkNetwork",
    "network_from_arrays",
    "network_from_lines",
    "network_from_osm",
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

#: Values of the streets' ``structure`` column (OSM: the ``bridge`` / ``tunnel`` tags) that make
#: a line a bridge or tunnel: walked along, entered only at its ends. A compound or facility
#: beside it does not snap to it (an underground car park's charger above a service tunnel
#: would otherwise be "on" a tunnel that surfaces 2 km away); compared lower-cased, stripped.
STRUCTURE_WORDS: frozenset[str] = frozenset({
    "bridge", "tunnel", "viaduct", "underpass", "overpass", "yes",
    "桥", "桥梁", "高架", "高架桥", "立交", "立交桥", "天桥", "人行天桥",
    "隧道", "地道", "下穿", "下穿通道", "地下通道", "人行地道",
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
    line_apart
        Per line of ``lines``: a bridge or tunnel (see :data:`STRUCTURE_WORDS`), walked along
        but never snapped to; None when no line is one.
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
    line_apart: npt.NDArray[np.bool_] | None = None

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

    @property
    def edge_is_apart(self) -> npt.NDArray[np.bool_]:
        """Whether each edge lies on a bridge or tunnel (nothing snaps to it)."""
        if self.line_apart is None:
            return np.zeros(self.n_edges, dtype=bool)
        return self.line_apart[self.edge_source]

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
            A network split from another (same lines) asks that one, so the faces are found
            once however many times the network is split.
        """
        parent: WalkNetwork | None = self.__dict__.get("_same_lines_as")
        if parent is not None:
            return parent.faces
        lines = self.lines if self.planar else shapely.get_parts(
            shapely.node(shapely.multilinestrings(self.lines)))
        faces = shapely.get_parts(shapely.polygonize(lines))
        n = len(self.lines)
        left = np.full(n, -1, dtype=np.int64)
        right = np.full(n, -1, dtype=np.int64)
        if faces.size == 0 or n == 0:
            return faces, left, right
        coords, which = shapely.get_coordinates(self.lines, return_index=True)
        first = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
        a, b = coords[first], coords[first + 1]
        todo = np.arange(n)
        if self.planar:
            # polygonize copies the noded lines' coordinates into its rings: with every ring
            # turned so that its face lies on the left, the face on the left of a line is the
            # ring holding its first segment forwards, the one on the right backwards
            _ring_sides(faces, a, b, left, right)
            todo = np.flatnonzero((left < 0) & (right < 0))  # dead ends, lines in no ring
        if todo.size:
            # probe a point a hair to each side of the first segment's middle
            mid = (a[todo] + b[todo]) / 2
            d = b[todo] - a[todo]
            normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.hypot(d[:, 0], d[:, 1])[:, None]
            tree = shapely.STRtree(faces)
            for side, out in ((1e-3, left), (-1e-3, right)):
                pi, fi = tree.query(shapely.points(mid + side * normal), predicate="within")
                out[todo[pi]] = fi
        return faces, left, right


def _ring_sides(faces: npt.NDArray[np.object_], a: FloatArray, b: FloatArray,
                left: IntArray, right: IntArray) -> None:
    """Fill ``left``/``right`` for segments ``a -> b`` found in the faces' rings, exactly.

    >>> from shapely.geometry import box
    >>> left, right = np.full(2, -1), np.full(2, -1)
    >>> _ring_sides(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)]), np.array([[1.0, 0], [0, 0]]),
    ...             np.array([[1.0, 1], [0, 1]]), left, right)
    >>> left.tolist(), right.tolist()
    ([0, -1], [1, 0])
    """
    rings, ring_face = shapely.get_rings(shapely.orient_polygons(faces), return_index=True)
    rc, ri = shapely.get_coordinates(rings, return_index=True)
    same = np.flatnonzero(ri[1:] == ri[:-1])
    # every point (ring vertices, then the lines' first two) numbered by its exact coordinates;
    # a segment is then one integer: its start's number times the count, plus its end's
    xy = np.vstack([rc, a, b])
    point = _row_ids(xy[:, 0], xy[:, 1])
    count = np.int64(point.max() + 1)
    seg_key = point[same] * count + point[same + 1]
    seg_face = ring_face[ri[same]]
    key, first, n = np.unique(seg_key, return_index=True, return_counts=True)
    key, face = key[n == 1], seg_face[first[n == 1]]  # only segments in one ring: unambiguous
    pa, pb = point[len(rc):len(rc) + len(a)], point[len(rc) + len(a):]
    for probe, out in ((pa * count + pb, left), (pb * count + pa, right)):
        at = np.minimum(np.searchsorted(key, probe), max(key.size - 1, 0))
        hit = np.flatnonzero(key[at] == probe) if key.size else np.empty(0, dtype=np.int64)
        out[hit] = face[at[hit]]


def _symmetric_csr(u: IntArray, v: IntArray, w: FloatArray, n: int) -> sparse.csr_array:
    """CSR with both directions of every edge, keeping the shortest of parallel edges.

    One sort of a single integer key per direction (``row * n + col``), then the rows are
    counted into ``indptr`` directly: no three-key lexsort and no COO round trip, which were
    most of the time on a 100,000-node network.

    >>> g = _symmetric_csr(np.r_[0, 1, 1], np.r_[1, 0, 2], np.r_[5.0, 3.0, 2.0], 3)
    >>> g.toarray().tolist()
    [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]]
    """
    keep = u != v
    a = np.minimum(u[keep], v[keep])
    b = np.maximum(u[keep], v[keep])
    w = w[keep]
    key = a * np.int64(n) + b
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    first = np.r_[True, key[1:] != key[:-1]] if key.size else np.empty(0, dtype=bool)
    starts = np.flatnonzero(first)
    if starts.size < key.size:  # parallel edges: keep the shortest
        w = np.minimum.reduceat(w, starts)
    key = key[starts]
    a, b = np.divmod(key, np.int64(n)) if n else (key, key)
    # both directions, sorted by (row, col)
    full = np.concatenate([key, b * np.int64(n) + a])
    data = np.concatenate([w, w])
    order = np.argsort(full, kind="stable")
    full, data = full[order], data[order]
    rows, cols = np.divmod(full, np.int64(max(n, 1)))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csr_array((data, cols, indptr), shape=(n, n))


def network_from_arrays(xy: npt.ArrayLike, edge_u: npt.ArrayLike, edge_v: npt.ArrayLike, *,
                        lines: npt.ArrayLike | None = None, crs: Any = None,
                        min_component_m: float = DEFAULT_MIN_COMPONENT_M,
                        planar: bool = False,
                        apart: npt.ArrayLike | None = None) -> WalkNetwork:
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
    apart
        Per edge: on a bridge or tunnel (:attr:`WalkNetwork.line_apart`).

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
    line_apart = None if apart is None else np.asarray(apart, dtype=bool)[keep]
    return WalkNetwork(xy=xy, edge_u=u, edge_v=v, edge_length=length,
                       edge_source=np.arange(u.size, dtype=np.int64),
                       edge_offset=np.zeros(u.size), lines=geoms, crs=crs,
                       min_component_m=float(min_component_m), planar=planar,
                       line_apart=line_apart if line_apart is not None and line_apart.any()
                       else None)


def network_from_lines(streets: gpd.GeoDataFrame | gpd.GeoSeries, *,
                       node_crossings: bool = True,
                       road_class_column: str = "road_class",
                       non_walkable: frozenset[str] | set[str] = NON_WALKABLE_CLASSES,
                       structure_column: str = "structure",
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
    structure_column
        Column saying a line is a bridge or tunnel (:data:`STRUCTURE_WORDS`): walked along,
        never snapped to; with ``node_crossings``, joined to a street it passes over or under
        only where one of the two ends (see :func:`_level_of_vertices`).
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
    apart = np.zeros(geoms.size, dtype=bool)
    if isinstance(streets, gpd.GeoDataFrame):
        apart = _words_in(streets, structure_column, STRUCTURE_WORDS)
        drop = _words_in(streets, road_class_column, non_walkable)
        geoms, apart = geoms[~drop], apart[~drop]
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok &= np.isin(shapely.get_type_id(geoms), (1, 5))  # LineString, MultiLineString
    geoms, apart = geoms[ok], apart[ok]
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    ok = shapely.length(parts) > 0
    parts, part_apart = parts[ok], apart[part_of[ok]]
    if parts.size == 0:
        msg = ("没有可步行的道路 / no walkable street: every line is empty, not a line, or a "
               "non-walkable class")
        raise NetworkError(msg)
    if node_crossings:
        noded = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
        part_apart = _on_lines(noded, parts[part_apart], precision_m)
        parts = noded
    return _network_from_parts(parts, crs=streets.crs, precision_m=precision_m,
                               min_component_m=min_component_m, planar=node_crossings,
                               apart=part_apart if part_apart.any() else None,
                               levels=node_crossings)


def _words_in(frame: gpd.GeoDataFrame, column: str, words: frozenset[str] | set[str]
              ) -> npt.NDArray[np.bool_]:
    """Rows whose ``column`` is one of ``words`` (lower-cased, stripped); none if no column."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    values = frame[column].astype("string").str.strip().str.lower()
    return values.isin({w.lower() for w in words}).fillna(False).to_numpy(bool)


def _on_lines(pieces: npt.NDArray[np.object_], lines: npt.NDArray[np.object_],
              precision_m: float) -> npt.NDArray[np.bool_]:
    """Which noded pieces lie on one of ``lines`` (their middle point within the precision)."""
    out = np.zeros(pieces.size, dtype=bool)
    if lines.size:
        mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
        hit, _ = shapely.STRtree(lines).query(mid, predicate="dwithin", distance=precision_m)
        out[hit] = True
    return out


def _network_from_parts(parts: npt.NDArray[np.object_], *, crs: Any, precision_m: float,
                        min_component_m: float, planar: bool,
                        apart: npt.NDArray[np.bool_] | None = None,
                        levels: bool = False) -> WalkNetwork:
    """Split lines at vertices shared between lines (and at their ends); one edge per piece.

    ``apart``: per part, a bridge or tunnel (its pieces are). With ``levels`` (centre lines
    noded at every crossing), where a bridge or tunnel passes over or under a street that also
    goes on (see :func:`_level_of_vertices`) the two meet at no node. OSM ways are joined
    wherever they share a node, as OSM means it.
    """
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    keys = np.round(coords / precision_m).astype(np.int64)
    n_vert = coords.shape[0]
    starts = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]])
    ends = np.r_[starts[1:] - 1, n_vert - 1]
    vid = _row_ids(keys[:, 0], keys[:, 1])
    if levels and apart is not None:
        vid = _row_ids(vid, _level_of_vertices(vid, line_of, starts, ends, apart))
    # a vertex is a node when it ends a line or appears in more than one line
    line_vertex = _row_ids(vid, line_of)  # each (vertex, line) pair once
    first = np.unique(line_vertex, return_index=True)[1]
    lines_per_vertex = np.bincount(vid[first], minlength=int(vid.max()) + 1)
    is_node = lines_per_vertex[vid] > 1
    is_node[starts] = True
    is_node[ends] = True
    # a vertex met twice by one line (a loop) is a node, and a closed ring gets a node half-way
    # round, so that no piece starts and ends at the same node
    is_node |= np.bincount(line_vertex)[line_vertex] > 1
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
                               crs=crs, min_component_m=min_component_m, planar=planar,
                               apart=None if apart is None else apart[line_of[cur]])


def _level_of_vertices(vid: IntArray, line_of: IntArray, starts: IntArray, ends: IntArray,
                       apart: npt.NDArray[np.bool_]) -> IntArray:
    """1 for the vertices of a bridge or tunnel where it crosses a street on another level.

    A place is such a crossing when bridges or tunnels go on through it (a line passing it,
    or two ending there) and so do other streets: the road under a viaduct, whether the data
    crossed the two lines, gave them a shared vertex, or cut both there (bureau centre lines
    noded at every crossing). A single line ending at the place joins: a bridge's end on the
    ground, a staircase or a road ending on a footbridge. Everything else is 0.

    >>> # a bridge (line 0) over a road (line 1), both passing the place of vertex id 1
    >>> _level_of_vertices(np.array([0, 1, 2, 3, 1, 4]), np.array([0, 0, 0, 1, 1, 1]),
    ...                    np.array([0, 3]), np.array([2, 5]), np.array([True, False])).tolist()
    [0, 1, 0, 0, 0, 0]
    """
    # each line passing a place counts twice, each line ending there once
    weight = np.full(vid.size, 2, dtype=np.int64)
    weight[starts] = 1
    weight[ends] = 1
    on_apart = apart[line_of]
    n_places = int(vid.max()) + 1
    through_apart = np.bincount(vid, weights=weight * on_apart, minlength=n_places) >= 2
    through_other = np.bincount(vid, weights=weight * ~on_apart, minlength=n_places) >= 2
    return (on_apart & through_apart[vid] & through_other[vid]).astype(np.int64)


def _row_ids(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> IntArray:
    """Dense ids of the rows ``(a, b)``: equal rows get one id, numbered in sorted order.

    Integers or floats (compared exactly).

    What ``np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)`` gives, with one
    lexicographic sort of two integer columns instead of numpy's sort of row bytes (about 20
    times faster on a city's half a million vertices).

    >>> _row_ids(np.array([5, 1, 5, 1]), np.array([0, 9, 0, 2])).tolist()
    [2, 1, 2, 0]
    """
    order = np.lexsort((b, a))
    a_s, b_s = a[order], b[order]
    new = np.r_[True, (a_s[1:] != a_s[:-1]) | (b_s[1:] != b_s[:-1])]
    ids = np.empty(a.size, dtype=np.int64)
    ids[order] = np.cumsum(new) - 1
    return ids


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
