"""What a walking budget reaches: street pieces cut at the exact distance, and service areas.

Re-exported by :mod:`geo.network`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.network_graph import _EPS, FloatArray, IntArray, WalkNetwork, _substrings

__all__ = [
    "reached_lines",
    "service_area",
]


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
    >>> from geo.network_graph import network_from_arrays
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
    >>> from geo.network_graph import network_from_arrays
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
