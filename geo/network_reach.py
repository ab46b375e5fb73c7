"""What a walking budget reaches: street pieces cut at the exact distance, and service areas.

Service areas buffer the reached streets with one Clipper offset (pyclipper): the offset of
thousands of open paths and their union happen in one sweep, about twice as fast as GEOS
buffering every piece and unioning the overlapping polygons, which was most of a coverage run.
Several areas are buffered side by side in threads (:func:`service_areas`; Clipper lets go of
the interpreter while it sweeps; ``PIANQU_WORKERS`` sets how many, 1 for none). Re-exported by
:mod:`geo.network`.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyclipper
import shapely

from geo.digest import remember, wkb_digest
from geo.network_graph import _EPS, FloatArray, IntArray, WalkNetwork, _substrings

T = TypeVar("T")

__all__ = [
    "AreaRequest",
    "EdgeSources",
    "buffer_union",
    "reached_lines",
    "service_area",
    "service_areas",
    "workers",
]


#: Sources inside edges: edge, distance along it from ``edge_u`` and the distance already
#: walked when standing there (e.g. the facility's connector), one entry per source.
EdgeSources = tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike]


def reached_lines(net: WalkNetwork, dist: npt.ArrayLike, budget_m: float, *,
                  sources: EdgeSources | None = None) -> npt.NDArray[np.object_]:
    """The street pieces reached within ``budget_m`` given each node's distance from sources.

    Every edge with an end closer than the budget is walked from that end for the remaining
    budget (up to its length); the last piece is cut at the exact budget along the street.
    A source inside an edge walks out of it both ways. Pieces of one street line that touch
    are merged.

    Parameters
    ----------
    net
        The network.
    dist
        Shortest distance of every node from the sources (``inf`` when unreached).
    budget_m
        Walking budget (metres).
    sources
        Sources that sit inside edges rather than on nodes (``dist`` already counts them at
        both ends of their edge).

    Returns
    -------
    numpy.ndarray
        LineStrings (pieces of ``net.lines``).

    Examples
    --------
    >>> from geo.network_graph import network_from_arrays
    >>> net = network_from_arrays([[0, 0], [100, 0], [100, 100]], [0, 1], [1, 2])
    >>> [g.length for g in reached_lines(net, [0.0, 100.0, 200.0], 130.0)]
    [100.0, 30.0]

    A source 40 m along the second street, 10 m off it, with 50 m to walk:

    >>> [g.length for g in reached_lines(net, [150.0, 50.0, 70.0], 60.0,
    ...                                  sources=([1], [40.0], [10.0]))]
    [10.0, 90.0]
    """
    return _reached(net, np.asarray(dist, dtype=np.float64), budget_m, sources)[0]


def _reached(net: WalkNetwork, d: FloatArray, budget_m: float,
             sources: EdgeSources | None = None
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
    if sources is not None:
        edge, at, start = (np.asarray(a) for a in sources)
        left = budget_m - start
        go = left > 0
        edge, at, left = edge[go].astype(np.int64), at[go].astype(np.float64), left[go]
        src = np.concatenate([src, net.edge_source[edge]])
        s = np.concatenate([s, net.edge_offset[edge] + np.maximum(at - left, 0.0)])
        e = np.concatenate([e, net.edge_offset[edge]
                            + np.minimum(at + left, net.edge_length[edge])])
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


def service_area(net: WalkNetwork, dist: npt.ArrayLike, budget_m: float, *, buffer_m: float,
                 sources: EdgeSources | None = None, extra_lines: npt.ArrayLike | None = None,
                 infill: bool = True) -> Any:
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
    sources
        Sources inside edges, as in :func:`reached_lines`.
    extra_lines
        More lines to buffer with the streets (e.g. facility connectors).
    infill
        Fill blocks whose every bounding street is reached, as OSMnx's isochrone recipe fills
        the holes of its polygons. It is also what keeps large areas fast: the blocks are
        merged as a coverage and only the frontier streets are buffered and unioned.

    The network remembers its last service areas by their inputs (distances, sources, extra
    lines, budget, buffer): asked again for the same, it returns the same polygon. To draw
    several at once, side by side, use :func:`service_areas`.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Empty when nothing is reached.

    Examples
    --------
    >>> from geo.network_graph import network_from_arrays
    >>> net = network_from_arrays([[0, 0], [100, 0], [100, 100], [0, 100]],
    ...                           [0, 1, 2, 3], [1, 2, 3, 0], planar=True)
    >>> round(service_area(net, [0, 100, 200, 100], 250.0, buffer_m=10).area, -2)  # infilled
    14300.0
    >>> round(service_area(net, [0, 100, 200, 100], 150.0, buffer_m=10).area, -2)  # 300 m x 20
    6200.0
    """
    return service_areas(net, [AreaRequest(dist, budget_m, buffer_m, sources, extra_lines,
                                           infill)])[0]


@dataclass(frozen=True)
class AreaRequest:
    """One service area to draw: :func:`service_area`'s arguments."""

    dist: npt.ArrayLike
    budget_m: float
    buffer_m: float
    sources: EdgeSources | None = None
    extra_lines: npt.ArrayLike | None = None
    infill: bool = True


def service_areas(net: WalkNetwork, requests: Sequence[AreaRequest], *,
                  done: Callable[[int], None] | None = None) -> list[Any]:
    """Several service areas of one network, as :func:`service_area` draws each.

    Areas the network remembers come back at once; the others are drawn side by side in
    :func:`workers` threads and remembered. The polygons are those drawn one after another.

    Parameters
    ----------
    net
        The network.
    requests
        The areas to draw.
    done
        Called with a request's position as soon as its area is ready (once per request).

    Returns
    -------
    list
        One (Multi)Polygon per request, in order.

    Examples
    --------
    >>> from geo.network_graph import network_from_arrays
    >>> net = network_from_arrays([[0, 0], [100, 0], [100, 100], [0, 100]],
    ...                           [0, 1, 2, 3], [1, 2, 3, 0], planar=True)
    >>> d = [0, 100, 200, 100]
    >>> a, b = service_areas(net, [AreaRequest(d, 150.0, 10.0), AreaRequest(d, 250.0, 10.0)])
    >>> round(a.area, -2), round(b.area, -2), service_area(net, d, 150.0, buffer_m=10) is a
    (6200.0, 14300.0, True)
    """
    store = net.__dict__.setdefault("_service_areas", {})
    out: list[Any] = [None] * len(requests)
    todo: dict[Hashable, list[int]] = {}  # key -> positions asking for it
    inputs = []
    for i, r in enumerate(requests):
        d = np.asarray(r.dist, dtype=np.float64)
        extra = np.asarray(r.extra_lines if r.extra_lines is not None else [], dtype=object)
        h = hashlib.blake2b(d.tobytes(), digest_size=16)
        for array in (r.sources or ()):
            h.update(np.asarray(array, dtype=np.float64).tobytes())
        key = (h.hexdigest(), wkb_digest(extra), float(r.budget_m), float(r.buffer_m),
               bool(r.infill))
        out[i] = store.get(key)
        if out[i] is not None:
            if done is not None:
                done(i)
        elif key in todo:
            todo[key].append(i)
        else:
            todo[key] = [i]
            inputs.append((d, extra, r))
    keys = list(todo)
    if any(r.infill for _, _, r in inputs):
        net.faces  # noqa: B018  (the blocks, polygonised once, before the threads share them)

    def draw(d: FloatArray, extra: npt.NDArray[np.object_], r: AreaRequest) -> Any:
        lines, buffer_m, blocks = _area_parts(net, d, r.budget_m, r.buffer_m, r.sources, extra,
                                              r.infill)
        return buffer_union(lines, buffer_m, polygons=blocks)

    def finished(j: int, geom: Any) -> None:
        remember(store, keys[j], lambda: geom, kept=_AREAS_REMEMBERED)
        for i in todo[keys[j]]:
            out[i] = geom
            if done is not None:
                done(i)

    side_by_side = len(inputs) > 1 and net.n_edges >= _PARALLEL_EDGES
    _run([functools.partial(draw, *args) for args in inputs], finished,
         threads=workers() if side_by_side else 1)
    return out


#: Service areas a network remembers (6 kinds x 3 levels, twice): a re-plan in which only some
#: kinds' facilities changed rebuilds only theirs.
_AREAS_REMEMBERED = 36


def _area_parts(net: WalkNetwork, d: FloatArray, budget_m: float, buffer_m: float,
                sources: EdgeSources | None, extra: npt.NDArray[np.object_], infill: bool
                ) -> tuple[npt.NDArray[np.object_], float, Any]:
    """The pieces of street to buffer for one service area, and the blocks it fills."""
    pieces, src, whole = _reached(net, d, budget_m, sources)
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
    return np.concatenate([frontier, extra]), buffer_m, core


#: Areas are drawn side by side on networks of at least this many edges (the sample
#: district's has 2,400; on the 100k-node bench city a coverage run with nine areas takes
#: 13.9 s drawing them one after another, 8.2-8.6 s in two threads).
_PARALLEL_EDGES = 1_000
#: At most this many threads unless PIANQU_WORKERS says otherwise.
_MAX_WORKERS = 8


def workers() -> int:
    """How many threads draw service areas: ``PIANQU_WORKERS``, else this process's CPUs.

    At most 8 unless ``PIANQU_WORKERS`` asks for more; 1 means one area after another.

    >>> workers() >= 1
    True
    """
    env = os.environ.get("PIANQU_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            msg = f"PIANQU_WORKERS must be a whole number (1 for one thread), not {env!r}"
            raise ValueError(msg) from None
    cpus = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1)
    return min(cpus, _MAX_WORKERS)


def _run(tasks: Sequence[Callable[[], T]], finished: Callable[[int, T], None], *,
         threads: int) -> None:
    """Run ``tasks``, in up to ``threads`` threads; ``finished(position, result)`` here.

    Clipper's sweep and GEOS let go of the interpreter, so service areas drawn in threads run
    side by side. A task that fails cancels those not started and its error is raised.
    """
    n = min(threads, len(tasks))
    if n < 2:
        for j, task in enumerate(tasks):
            finished(j, task())
        return
    with ThreadPoolExecutor(n, thread_name_prefix="pianqu-area") as pool:
        futures = {pool.submit(task): j for j, task in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                finished(futures[future], future.result())
        finally:
            for future in futures:
                future.cancel()


#: Clipper works on integer coordinates: millimetres from a local origin.
_SCALE = 1000.0
#: Paths per strip offset at once (on the 100k-node bench city: one strip of 14,000 merged
#: paths 1.8 s, strips of about 1,000 0.45 s, plus 0.35 s to union the strips).
_STRIP = 1000


def buffer_union(lines: npt.ArrayLike, buffer_m: float, *, quad_segs: int = 4,
                 polygons: Any = None) -> Any:
    """The union of the round-capped, round-joined buffers of ``lines`` (and of ``polygons``).

    The same shape as ``shapely.union_all(shapely.buffer(lines, buffer_m,
    quad_segs=quad_segs))`` (arcs of ``quad_segs`` segments per quarter circle), computed by
    Clipper's offsetting of open paths (touching lines merged first): offset and union are
    one sweep rather than thousands of overlapping polygon overlays. Lines are offset in
    strips of about a thousand, side by side, whose outlines are then unioned once.
    Coordinates are rounded to the millimetre.

    Parameters
    ----------
    lines
        LineStrings (empty ones are skipped).
    buffer_m
        Buffer distance (metres, > 0).
    quad_segs
        Segments per quarter circle of the round caps and joins.
    polygons
        A (Multi)Polygon to unite with the buffers in the same sweep (the filled blocks of a
        service area: their outline lies in the buffers, so rounding it changes nothing).

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Empty when there is no line.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> a = buffer_union([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 50)])],
    ...                  10.0)
    >>> b = shapely.union_all(shapely.buffer([LineString([(0, 0), (100, 0)]),
    ...                                       LineString([(100, 0), (100, 50)])], 10.0,
    ...                                      quad_segs=4))
    >>> round(a.area), round(b.area), bool(shapely.symmetric_difference(a, b).area < 0.1)
    (3283, 3283, True)
    """
    geoms = np.asarray(lines, dtype=object).ravel()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if geoms.size == 0:
        return shapely.Polygon() if polygons is None else polygons
    parts = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(geoms)))
    origin = np.floor(shapely.bounds(shapely.multilinestrings(parts))[:2])
    paths = _int_paths(parts, origin)
    # Clipper's arc tolerance for the same number of segments as GEOS' quad_segs (a hair
    # less, so that rounding never gives one segment fewer)
    arc = buffer_m * (1.0 - np.cos(np.pi / (4 * quad_segs))) * _SCALE * (1 - 1e-9)
    # Clipper's sweep slows down with the width of what it sweeps (thousands of paths side
    # by side): offset strips of about _STRIP paths each, then union the strips' outlines once
    bounds = shapely.bounds(parts)
    order = np.argsort(bounds[:, 0] + bounds[:, 2], kind="stable")
    outlines = []
    for strip in np.array_split(order, max(1, round(order.size / _STRIP))):
        offset = pyclipper.PyclipperOffset(arc_tolerance=arc)
        offset.AddPaths([paths[i] for i in strip], pyclipper.JT_ROUND, pyclipper.ET_OPENROUND)
        outlines.extend(offset.Execute(buffer_m * _SCALE))
    if polygons is not None and not shapely.is_empty(polygons):
        # shells counter-clockwise and holes clockwise, like Clipper's offsets
        rings = shapely.get_rings(shapely.orient_polygons(shapely.get_parts(polygons)))
        outlines.extend(_int_paths(rings, origin))
    if not outlines:
        return shapely.Polygon()
    union = pyclipper.Pyclipper()
    union.AddPaths(outlines, pyclipper.PT_SUBJECT, True)
    out = _from_polytree(union.Execute2(pyclipper.CT_UNION, pyclipper.PFT_NONZERO,
                                        pyclipper.PFT_NONZERO), origin)
    if not shapely.is_valid(out):  # Clipper may leave rings touching at a point
        out = shapely.make_valid(out, method="structure")
    return out


def _int_paths(geoms: npt.NDArray[np.object_], origin: FloatArray) -> list[IntArray]:
    """Each geometry's coordinates as Clipper's integer path (millimetres from ``origin``)."""
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    ints = np.round((coords - origin) * _SCALE).astype(np.int64)
    cuts = (np.flatnonzero(which[1:] != which[:-1]) + 1).tolist()
    return [ints[a:b] for a, b in zip([0, *cuts], [*cuts, len(ints)], strict=True)]


def _from_polytree(tree: Any, origin: FloatArray) -> Any:
    """Shapely (Multi)Polygon from a Clipper PolyTree (outers hold holes, holes hold outers)."""
    contours: list[Any] = []  # shell of each polygon, then its holes
    owner: list[int] = []
    todo = list(tree.Childs)
    while todo:
        outer = todo.pop()
        k = owner[-1] + 1 if owner else 0
        contours.append(outer.Contour)
        owner.append(k)
        for hole in outer.Childs:
            contours.append(hole.Contour)
            owner.append(k)
            todo.extend(hole.Childs)
    if not contours:
        return shapely.Polygon()
    sizes = np.fromiter(map(len, contours), dtype=np.int64, count=len(contours))
    xy = np.concatenate([np.asarray(c, dtype=np.float64) for c in contours]) / _SCALE + origin
    rings = shapely.linearrings(xy, indices=np.repeat(np.arange(sizes.size), sizes))
    polys = shapely.polygons(rings, indices=np.asarray(owner, dtype=np.int64))
    return polys[0] if polys.size == 1 else shapely.multipolygons(polys)
