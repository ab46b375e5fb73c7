"""Placing things on a crowded map: markers that share a spot set apart, labels kept clear.

Both work in map units on the map's axes (the millimetres on paper come in as a scale,
``m_per_mm``): :func:`dodge_points` sets markers that would hide each other around their spot,
:func:`place_labels` writes labels clear of the markers and of each other, tying a label set
aside to its area with a leader line. :mod:`geo.printmap_layers` uses them to draw the map.

Examples
--------
>>> dodge_points(np.array([[0.0, 0.0], [0.0, 0.0], [9.0, 0.0]]), spacing=2.0).round(3).tolist()
[[-1.0, 0.0], [1.0, 0.0], [9.0, 0.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from geo.printmap_font import MM_PER_PT, font, text_width_mm

__all__ = ["dodge_points", "place_labels"]

_LEADER_MIN_MM = 1.5  # a label this close to its area names it without a leader line


def dodge_points(xy: np.ndarray, *, spacing: float, widen: int = 6, turns: int = 8
                 ) -> np.ndarray:
    """Positions for markers at ``xy`` at least ``spacing`` apart, each moved as little as can be.

    Markers within half a ``spacing`` of each other (chained: a near b, b near c) share a spot:
    they are set on a ring around the spot just wide enough for them (two side by side, three
    or more clockwise from the top) in the order given when they share one point, else each
    on its own side. A lone marker stays on its point. Spots are placed lone
    ones first, then by size; a ring (or a lone marker) that would come closer than
    ``spacing`` to a marker already placed is turned (``turns`` ways) and widened by a third
    of a spacing (``widen`` times) until it is clear, or set where it overlaps the fewest.

    Parameters
    ----------
    xy
        ``(n, 2)`` positions, in any unit (map metres, paper millimetres).
    spacing
        The least distance between two markers' centres, in that unit (a marker's width).
    widen, turns
        How far and in how many directions a spot's markers are tried.

    Returns
    -------
    ndarray
        ``(n, 2)`` positions, row for row.
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    out = pts.copy()
    n = len(pts)
    if n < 2 or not spacing > 0:
        return out
    geoms = shapely.points(pts)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin",
                                               distance=spacing / 2)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    spots: dict[int, list[int]] = {}
    for i in range(n):
        spots.setdefault(root(i), []).append(i)
    grid: dict[tuple[int, int], list[int]] = {}
    tol = spacing * (1 - 1e-9)

    def cell(p: np.ndarray) -> tuple[int, int]:
        return math.floor(p[0] / spacing), math.floor(p[1] / spacing)

    def clashes(p: np.ndarray) -> int:
        cx, cy = cell(p)
        return sum(math.hypot(*(out[k] - p)) < tol for i in (cx - 1, cx, cx + 1)
                   for j in (cy - 1, cy, cy + 1) for k in grid.get((i, j), ()))

    for group in sorted(spots.values(), key=lambda g: (len(g), g[0])):
        k = len(group)
        start = math.pi if k == 2 else math.pi / 2
        centre = pts[group].mean(axis=0)
        offsets = pts[group] - centre
        if np.abs(offsets).max() > spacing * 1e-6:  # keep each on its side of the spot
            turn = np.mod(start - np.arctan2(offsets[:, 1], offsets[:, 0]), 2 * np.pi)
            order = np.argsort(turn, kind="stable")
            group = [group[i] for i in order]
            start -= float(turn[order[0]])
        base = 0.0 if k == 1 else spacing / (2 * math.sin(math.pi / k))
        best: tuple[int, np.ndarray] | None = None
        for step in range(widen + 1):
            r = base + step * spacing / 3
            for q in range(turns if r > 0 else 1):
                angles = start - 2 * np.pi * (q / turns + np.arange(k)) / k  # clockwise
                ring = centre + r * np.column_stack([np.cos(angles), np.sin(angles)])
                n_clash = sum(clashes(p) for p in ring)
                if best is None or n_clash < best[0]:
                    best = (n_clash, ring)
                if n_clash == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        out[group] = best[1]
        for i in group:
            grid.setdefault(cell(out[i]), []).append(i)
    return out


def place_labels(ax: Axes, items: Sequence[tuple[float, float, str, str]], *, size: float,
                  m_per_mm: float, colour: str, extent: tuple[float, float, float, float],
                  box: bool, taken: list[tuple[float, float, float, float]],
                  crowded_share: float = 1.0, targets: Sequence[Any] | None = None,
                  reach_mm: float = 0.0,
                  soft: Sequence[tuple[float, float, float, float]] = ()) -> int:
    """Write labels at points without overlaps where possible; return how many were left off.

    ``items`` are (x, y, long text, short text) in placement priority order. The long text goes
    at the point or nudged above or below it (one or one and a half lines, clear of a ring of
    markers); failing that the short text, also nudged sideways; failing that, when
    ``reach_mm`` > 0, the short text set further off, up to ``reach_mm`` from its point on
    paper, nearest first; failing that the short text at the point even if it overlaps (every
    item gets a label unless its short text is empty) -- unless more than ``crowded_share`` of
    the items would need that: then the map is too crowded for overlapping labels to be read,
    and those items get none. ``taken`` holds the boxes (in map units) of markers and labels
    already on the map, which labels keep clear of, and receives the new ones. ``soft`` boxes
    (small markers on a dense map) are kept clear of too, but a short text that has no other
    place may cover them: on a district's overview naming a zone matters more than a dot.

    ``targets`` are the areas the labels name (shapely geometries in map units, one per item):
    a label whose box is more than a millimetre and a half off its area on paper is tied to the
    area's nearest point by a hairline from a dot (gid ``label_leaders``), so that a label set
    aside still names one area.
    """
    prop = font(size=size)
    spots = _label_spots(items, prop=prop, size=size, m_per_mm=m_per_mm, extent=extent,
                         taken=list(taken), overlap=False, reach_mm=reach_mm, soft=soft)
    crowded = sum(s is None for s, (_, _, _, short) in zip(spots, items, strict=True) if short)
    if crowded and crowded <= crowded_share * len(items):
        spots = _label_spots(items, prop=prop, size=size, m_per_mm=m_per_mm, extent=extent,
                             taken=list(taken), overlap=True, reach_mm=reach_mm, soft=soft)
    bbox = (dict(boxstyle="round,pad=0.15", facecolor="white", alpha=0.75, edgecolor="none")
            if box else None)
    leaders: list[np.ndarray] = []
    for k, spot in enumerate(spots):
        if spot is None:
            continue
        cx, cy, text, rect = spot
        taken.append(rect)
        ax.text(cx, cy, text, fontproperties=prop, ha="center", va="center", color=colour,
                zorder=8, bbox=bbox, clip_on=True, parse_math=False, linespacing=1.1)
        target = targets[k] if targets is not None else None
        if target is not None and not target.is_empty:
            label_box = shapely.box(*rect)
            if label_box.distance(target) > _LEADER_MIN_MM * m_per_mm:
                leaders.append(np.asarray(shapely.shortest_line(label_box, target).coords))
    if leaders:
        segs = np.stack(leaders)
        ax.add_collection(LineCollection(list(segs), colors=colour, linewidths=0.45,
                                         zorder=7.9, gid="label_leaders"), autolim=False)
        ax.scatter(segs[:, 1, 0], segs[:, 1, 1], s=1.6 ** 2, marker="o", facecolors=colour,
                   edgecolors="none", zorder=7.9, gid="label_leader_dots")
    return sum(s is None for s, (_, _, _, short) in zip(spots, items, strict=True) if short)


_Spot = tuple[float, float, str, tuple[float, float, float, float]]


def _label_spots(items: Sequence[tuple[float, float, str, str]], *, prop: Any, size: float,
                 m_per_mm: float, extent: tuple[float, float, float, float],
                 taken: list[tuple[float, float, float, float]], overlap: bool,
                 reach_mm: float = 0.0,
                 soft: Sequence[tuple[float, float, float, float]] = ()
                 ) -> list[_Spot | None]:
    """Where each label of :func:`place_labels` goes (x, y, text, box), or None."""
    line_mm = size * MM_PER_PT * 1.25
    xmin, xmax, ymin, ymax = extent
    # taken boxes by grid cell of about a label's size: a box is checked against the boxes in
    # the cells it touches, not against every label (1,600 zone labels took 11 s)
    cell = 15.0 * m_per_mm
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def cells(rect: tuple[float, float, float, float]) -> list[tuple[int, int]]:
        x0, y0 = math.floor(rect[0] / cell), math.floor(rect[1] / cell)
        x1, y1 = math.floor(rect[2] / cell), math.floor(rect[3] / cell)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def take(rect: tuple[float, float, float, float]) -> None:
        for c in cells(rect):
            grid.setdefault(c, []).append(rect)

    for r in taken:
        take(r)
    soft_grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for r in soft:
        for c in cells(r):
            soft_grid.setdefault(c, []).append(r)

    def clear(rect: tuple[float, float, float, float],
              boxes: dict[tuple[int, int], list[tuple[float, float, float, float]]]) -> bool:
        return all(rect[2] < r[0] or r[2] < rect[0] or rect[3] < r[1] or r[3] < rect[1]
                   for c in cells(rect) for r in boxes.get(c, ()))

    def free(rect: tuple[float, float, float, float], *, over_soft: bool = False) -> bool:
        inside = xmin <= rect[0] and rect[2] <= xmax and ymin <= rect[1] and rect[3] <= ymax
        return inside and clear(rect, grid) and (over_soft or clear(rect, soft_grid))

    spots: list[_Spot | None] = []
    for x, y, long, short in items:
        tries = []  # (text, half width, half height, shifts), long text first
        for text, sideways in ((long, False), (short, True)):
            if not text:
                continue
            w = (text_width_mm(text, prop) + 1.2) * m_per_mm / 2
            h = (line_mm * (text.count("\n") + 1) + 0.8) * m_per_mm / 2
            shifts = [(0.0, 0.0), (0.0, 2.1 * h), (0.0, -2.1 * h),  # h, w are half sizes
                      (0.0, 3.2 * h), (0.0, -3.2 * h)]  # clear of a ring of markers
            if sideways:
                shifts += [(2.1 * w, 0.0), (-2.1 * w, 0.0), (0.0, 4.2 * h), (0.0, -4.2 * h)]
            if sideways and reach_mm > 0:
                shifts += _far_shifts(w, h, reach_mm * m_per_mm)
            tries.append((text, w, h, shifts, sideways))
        choice = None
        passes = (False, True) if soft_grid else (False,)
        for over_soft in passes:  # clear of everything; else the short text over soft boxes
            for text, w, h, shifts, sideways in tries:
                if over_soft and not sideways:
                    continue
                for dx, dy in shifts:
                    rect = (x + dx - w, y + dy - h, x + dx + w, y + dy + h)
                    if free(rect, over_soft=over_soft):
                        choice = (x + dx, y + dy, text, rect)
                        break
                if choice is not None:
                    break
            if choice is not None:
                break
        if choice is None and overlap and tries and tries[-1][4]:
            _, w, h, _, _ = tries[-1]
            choice = (x, y, short, (x - w, y - h, x + w, y + h))
        if choice is not None:
            take(choice[3])
        spots.append(choice)
    return spots


def _far_shifts(w: float, h: float, reach: float) -> list[tuple[float, float]]:
    """Label centres set off a point, nearest first: rings of 12 every half a label height.

    ``w``, ``h`` are the label's half sizes and ``reach`` the furthest its box may be from the
    point (map units). Positions whose box still covers the point are left to the near shifts.
    """
    out: list[tuple[float, float, float]] = []
    step = h
    angles = np.linspace(0.0, 2 * math.pi, 12, endpoint=False)
    r = min(w, h) + step
    while True:
        ring = [(r * math.cos(a), r * math.sin(a)) for a in angles]
        ring = [(dx, dy) for dx, dy in ring if abs(dx) > w or abs(dy) > h]
        # the gap between the box and the point: how far the reader's eye must travel
        gaps = [math.hypot(max(abs(dx) - w, 0.0), max(abs(dy) - h, 0.0)) for dx, dy in ring]
        if ring and min(gaps) > reach:
            break
        out += [(g, dx, dy) for g, (dx, dy) in zip(gaps, ring, strict=True) if g <= reach]
        r += step
    out.sort(key=lambda t: t[0])
    return [(dx, dy) for _, dx, dy in out]
