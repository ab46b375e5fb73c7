"""Joining compounds and facilities to a :class:`~geo.network.WalkNetwork`.

Compounds join at several access points (gates) along their outline, facilities at their
nearest walkable point; :func:`split_edges` makes those points real nodes, and
:func:`join_polygons` does both for compounds, remembered by the network. Nothing snaps to a
fragment, nor onto a bridge or tunnel (walked along, entered at its ends). Re-exported by
:mod:`geo.network`.

Examples
--------
>>> from shapely.geometry import Point
>>> from geo.network_graph import network_from_arrays
>>> net = network_from_arrays([[0, 0], [100, 0]], [0], [1])
>>> snap = snap_points(net, [Point(30, 40)], tolerance_m=150)
>>> snap.edge.tolist(), snap.offset.tolist(), snap.connector_m.tolist()
([0], [30.0], [40.0])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geo.digest import remember, wkb_digest
from geo.network_graph import _EPS, FloatArray, IntArray, WalkNetwork

__all__ = [
    "PointSnap",
    "PolygonJoin",
    "PolygonSnap",
    "join_polygons",
    "snap_points",
    "snap_polygons",
    "split_edges",
]


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
    street_xy
        Where on the edge each point joins, ``(n, 2)`` (NaN when not connected).
    """

    edge: IntArray
    offset: FloatArray
    connector_m: FloatArray
    fragment_m: FloatArray
    street_xy: FloatArray


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
        # what may be snapped to: not a fragment, not a bridge or tunnel
        ids = np.flatnonzero(~(net.edge_is_fragment | net.edge_is_apart) if usable
                             else net.edge_is_fragment)
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
    street_xy = np.full((n, 2), np.nan)
    if n and net.n_edges:
        tree, ids = _edge_tree(net, usable=True)
        pi, ti = tree.query_nearest(pts, max_distance=tolerance_m, all_matches=False)
        e = ids[ti]
        geoms = _edge_geoms(net)[e]
        link = shapely.shortest_line(geoms, pts[pi])
        edge[pi] = e
        # a shortest line has two points, the first on the edge (cheaper than get_point)
        street_xy[pi] = shapely.get_coordinates(link)[::2]
        on_edge = shapely.points(street_xy[pi])
        offset[pi] = np.clip(shapely.line_locate_point(geoms, on_edge), 0,
                             net.edge_length[e])
        conn[pi] = shapely.length(link)
    frag = np.full(n, np.nan)
    missing = edge < 0
    if missing.any():
        frag[missing] = _fragment_near(net, pts[missing], tolerance_m)
    return PointSnap(edge=edge, offset=offset, connector_m=conn, fragment_m=frag,
                     street_xy=street_xy)


def snap_polygons(net: WalkNetwork, polygons: npt.ArrayLike, *, tolerance_m: float,
                  access_points: int) -> PolygonSnap:
    """Connect polygons (compounds) at several access points along their outline.

    The non-fragment edges nearest to a polygon's outline (within ``tolerance_m``) each give
    an access point: the point of the edge facing the polygon's centroid, joined to the outline
    by the shortest connector (0 when the street runs inside). A block between four streets
    gets a gate half-way along each side. A polygon keeps its ``access_points`` nearest
    distinct points, and every further one as near as the last (within a centimetre): two
    streets meeting at a corner both face the centre at that corner and give one gate, not
    two, and of streets equally near none is dropped for its place in the edge numbering
    (which a file saved in another CRS can reorder).

    Parameters
    ----------
    net
        The network.
    polygons
        Polygon geometries in the network's CRS.
    tolerance_m
        Streets further than this from the outline are not considered.
    access_points
        Distinct access points kept per polygon (more where streets tie, fewer where fewer
        streets are within reach).

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
        # twice the edges asked for: corners give one gate for two streets
        pi, e, d = _nearest_edges(tree, ids, outline, tolerance_m, 2 * access_points)
        order = np.lexsort((e, d, pi))
        pi, e, d = pi[order], e[order], d[order]
        # join each street at the point facing the compound's centre: a block along a street
        # gets its gate half-way along that side, not at an arbitrary corner
        geoms = _edge_geoms(net)[e]
        length = net.edge_length[e]
        at = np.clip(shapely.line_locate_point(geoms, shapely.centroid(polys)[pi]), 0, length)
        # a point facing the centre past an edge's end is that end's node, which the street
        # going on from there faces too; a point inside an edge is that edge's own
        place = np.where(at <= _END_M, net.edge_u[e],
                         np.where(at >= length - _END_M, net.edge_v[e],
                                  net.n_nodes + np.arange(e.size)))
        keep = _distinct_nearest(pi, d, place, access_points)
        owner, edge, offset = pi[keep], e[keep], at[keep]
        on_edge = shapely.line_interpolate_point(geoms[keep], offset)
        link = shapely.shortest_line(polys[owner], on_edge)
        conn = shapely.length(link)
        gate_xy = shapely.get_coordinates(link)[::2]  # two points each, the first on the outline
    frag = np.full(n, np.nan)
    missing = np.ones(n, dtype=bool)
    missing[owner] = False
    if missing.any():
        frag[missing] = _fragment_near(net, shapely.boundary(polys[missing]), tolerance_m)
    return PolygonSnap(owner=owner.astype(np.int64), edge=edge, offset=offset,
                       connector_m=conn, fragment_m=frag, gate_xy=gate_xy)


#: Streets this much further from an outline than its last kept one still tie with it (m).
_TIE_M = 0.01
#: A point this near an edge's end is at its node (m).
_END_M = 1e-6


def _distinct_nearest(owner: IntArray, d: FloatArray, place: IntArray, k: int
                      ) -> npt.NDArray[np.bool_]:
    """Which candidates to keep: per owner, the ``k`` nearest distinct places, and their ties.

    ``owner`` sorted, ``d`` ascending within each owner; candidates with the same ``place``
    (an integer id) are one place (the first, nearest, kept).

    >>> keep = _distinct_nearest(np.array([0, 0, 0, 0, 1]), np.array([0.0, 0.0, 5.0, 5.0, 9.0]),
    ...                          np.array([7, 7, 8, 9, 7]), 2)
    >>> keep.tolist()  # the corner once, then the two streets tied at 5 m; owner 1's only one
    [True, False, True, True, True]
    """
    if owner.size == 0:
        return np.zeros(0, dtype=bool)
    # the first of each (owner, place): a stable sort keeps the nearest of a place first
    by_point = np.lexsort((place, owner))
    o, p = owner[by_point], place[by_point]
    first = np.r_[True, (o[1:] != o[:-1]) | (p[1:] != p[:-1])]
    distinct = np.zeros(owner.size, dtype=bool)
    distinct[by_point[first]] = True
    idx = np.flatnonzero(distinct)  # still sorted by owner, then distance
    own, dist = owner[idx], d[idx]
    rank = np.arange(idx.size) - np.searchsorted(own, own)
    # the distance of each owner's k-th distinct point (or its last, when it has fewer)
    starts = np.searchsorted(own, own)
    ends = np.searchsorted(own, own, side="right")
    last = dist[np.minimum(starts + k, ends) - 1]
    keep = np.zeros(owner.size, dtype=bool)
    keep[idx] = (rank < k) | (dist <= last + _TIE_M)
    return keep


@dataclass(frozen=True)
class PolygonJoin:
    """Polygons joined to a network at their access points, which are nodes of ``net``.

    Attributes
    ----------
    snap
        The access points (:func:`snap_polygons`).
    net
        The network with a node at every access point (:func:`split_edges`).
    node
        Node of ``net`` at each access point.
    original
        The network before the split.
    """

    snap: PolygonSnap
    net: WalkNetwork
    node: IntArray
    original: WalkNetwork

    def snap_points(self, points: npt.ArrayLike, *, tolerance_m: float) -> PointSnap:
        """:func:`snap_points` on the original network, as edges and offsets of ``net``.

        The same places as snapping to ``net`` itself, without building a search tree of its
        edges (the pieces of split streets would each have to be cut out first).
        """
        snap = snap_points(self.original, points, tolerance_m=tolerance_m)
        ok = snap.edge >= 0
        e = snap.edge[ok]
        stride, key, order = self._pieces
        along = self.original.edge_offset[e] + snap.offset[ok]  # metres along the street line
        pos = np.searchsorted(key, self.original.edge_source[e] * stride + along, side="right")
        piece = order[np.maximum(pos - 1, 0)]
        edge = np.full(snap.edge.size, -1, dtype=np.int64)
        offset = np.full(snap.edge.size, np.nan)
        edge[ok] = piece
        offset[ok] = np.clip(along - self.net.edge_offset[piece], 0, self.net.edge_length[piece])
        return PointSnap(edge=edge, offset=offset, connector_m=snap.connector_m,
                         fragment_m=snap.fragment_m, street_xy=snap.street_xy)

    @functools.cached_property
    def _pieces(self) -> tuple[float, FloatArray, IntArray]:
        """The split network's edges sorted along their street lines (line, then offset)."""
        net = self.net
        stride = float(np.max(net.edge_offset + net.edge_length, initial=0.0)) + 1.0
        key = net.edge_source * stride + net.edge_offset
        order = np.argsort(key, kind="stable")
        return stride, key[order], order


#: Polygon layers a network remembers joining (see :func:`join_polygons`).
_REMEMBERED = 4


def join_polygons(net: WalkNetwork, polygons: npt.ArrayLike, *, tolerance_m: float,
                  access_points: int) -> PolygonJoin:
    """Snap polygons (:func:`snap_polygons`) and split the network at their access points.

    The network remembers the result for its last few polygon layers, keyed on their geometry
    (byte for byte) and the two parameters: a plan walks the same compounds to the candidate
    sites and to the facilities before and after, and only the first walk does the geometry
    work. Facilities then join the split network and never change it (see
    :func:`split_edges` for making them nodes). The arrays of the result are read-only.

    Parameters
    ----------
    net, polygons, tolerance_m, access_points
        As in :func:`snap_polygons`.

    Returns
    -------
    PolygonJoin
    """
    polys = np.asarray(polygons, dtype=object)
    key = (wkb_digest(polys), float(tolerance_m), int(access_points))

    def build() -> PolygonJoin:
        snap = snap_polygons(net, polys, tolerance_m=tolerance_m, access_points=access_points)
        split, node = split_edges(net, snap.edge, snap.offset)
        for array in (*vars(snap).values(), node):
            array.setflags(write=False)
        return PolygonJoin(snap=snap, net=split, node=node, original=net)

    return remember(net.__dict__.setdefault("_polygon_joins", {}), key, build,
                    kept=_REMEMBERED)


def _nearest_edges(tree: shapely.STRtree, ids: IntArray, geoms: npt.NDArray[np.object_],
                   tolerance_m: float, k: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges within ``tolerance_m`` of each geometry, enough to hold its ``k`` nearest.

    Searches a growing radius: a geometry with ``k`` edges within ``r`` has its ``k`` nearest
    among them, so only the others are searched again further out (few candidate pairs).
    """
    found_p, found_e, found_d = [], [], []
    todo = np.arange(geoms.size)
    bounds = shapely.bounds(geoms)
    radius = min(25.0, tolerance_m)
    while todo.size:
        # candidates by envelope (cheap in the tree), then one vectorised distance per pair:
        # three times faster than the tree's "dwithin" predicate, and the distances are kept
        b = bounds[todo]
        gi, ti = tree.query(shapely.box(b[:, 0] - radius, b[:, 1] - radius,
                                        b[:, 2] + radius, b[:, 3] + radius))
        d = shapely.distance(geoms[todo[gi]], tree.geometries[ti])
        near = d <= radius
        gi, ti, d = gi[near], ti[near], d[near]
        counts = np.bincount(gi, minlength=todo.size)
        done = (counts >= k) | (radius >= tolerance_m)
        keep = done[gi]
        found_p.append(todo[gi[keep]])
        found_e.append(ids[ti[keep]])
        found_d.append(d[keep])
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
        The network with the new nodes; same ``lines``, same components (labels kept, so
        they are not searched again).
    numpy.ndarray
        Node of each point (an existing end node when the point sits on it).

    Examples
    --------
    >>> from geo.network_graph import network_from_arrays
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
        lines=net.lines, crs=net.crs, min_component_m=net.min_component_m, planar=net.planar,
        line_apart=net.line_apart)
    out.__dict__["_same_lines_as"] = net  # same lines, same faces (found once, by net)
    # a new node lies on an edge of the old network, so in that edge's component
    out.__dict__["component"] = np.concatenate([net.component, net.component[net.edge_u[se]]])
    return out, node
